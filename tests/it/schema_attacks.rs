//! Schema v2 (phase 4) against the attacks of issue 14, each acting exactly as PostgREST does
//! (`SET ROLE authenticated` + `request.jwt.claims`): one test per attack proving it is now
//! refused, and that the legitimate path next to it still works. Plus the class checks
//! (every UPDATE policy, every ownership column, every sequence, every helper).

use std::sync::{Arc, Barrier};
use std::thread;

use crate::harness::schema::*;
use crate::harness::{Pg, TestDb, repo_root};

/// A fresh database with every phase applied and the five v2 users.
fn world() -> (TestDb, postgres::Client) {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    let mut c = db.client();
    seed_v2_users(&mut c);
    (db, c)
}

fn sold(c: &mut postgres::Client, tier: &str) -> String {
    one(
        c,
        &format!("SELECT sold_count FROM ticket_tiers WHERE id = '{tier}'"),
    )
}

fn order_sql(event: &str, tier: &str, quantity: i32) -> String {
    format!(
        "INSERT INTO orders (event_id, tier_id, quantity) VALUES ('{event}', '{tier}', {quantity}) RETURNING id"
    )
}

// ---------------------------------------------------------------------------------------
// Ticket hoarding

#[test]
fn hoarding_pending_orders_are_capped_per_buyer_and_tier() {
    let (_db, mut c) = world();
    let (event, tier) = seed_event(&mut c, ALICE, "Hoard", 100);
    let carol = Who::User(CAROL);
    // Legitimate: two open orders, 10 tickets in all.
    as_who_commit(&mut c, carol, &order_sql(&event, &tier, 5)).unwrap();
    as_who_commit(&mut c, carol, &order_sql(&event, &tier, 5)).unwrap();
    // A third open order is refused, and so is going over 10 tickets.
    assert_err(
        as_who(&mut c, carol, &order_sql(&event, &tier, 1)),
        "Too many unpaid orders for this ticket tier",
    );
    // Five orders in one request: refused as a whole.
    let five = format!(
        "INSERT INTO orders (event_id, tier_id, quantity) SELECT '{event}', '{tier}', 1 FROM generate_series(1, 5) RETURNING id"
    );
    assert_err(
        as_who(&mut c, Who::User(BOB), &five),
        "Too many unpaid orders",
    );
    assert_err(
        as_who(&mut c, Who::User(BOB), &order_sql(&event, &tier, 11)),
        "at most 2 open orders and 10 tickets",
    );
    assert_eq!(sold(&mut c, &tier), "10");
    // Every pending order holds for 15 minutes (settings.pending_order_hold), not forever.
    assert_eq!(
        rows(
            &mut c,
            "SELECT DISTINCT expires_at - created_at BETWEEN interval '14 minutes' AND interval '16 minutes' FROM orders"
        ),
        vec!["t"]
    );
    // The buyer cannot lengthen the hold.
    assert_err(
        as_who(
            &mut c,
            carol,
            "UPDATE orders SET expires_at = now() + interval '1 year'",
        ),
        "permission denied",
    );
}

#[test]
fn hoarding_buyers_cancel_their_pending_orders_and_nothing_else() {
    let (_db, mut c) = world();
    let (event, tier) = seed_event(&mut c, ALICE, "Cancel", 5);
    let order = as_who_commit(&mut c, Who::User(CAROL), &order_sql(&event, &tier, 3))
        .unwrap()
        .remove(0);
    assert_eq!(sold(&mut c, &tier), "3");
    // Not someone else's order, not to 'paid', not another column.
    assert_eq!(
        as_who(
            &mut c,
            Who::User(BOB),
            &format!("UPDATE orders SET status = 'cancelled' WHERE id = '{order}' RETURNING id")
        )
        .unwrap(),
        Vec::<String>::new()
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            &format!("UPDATE orders SET status = 'paid' WHERE id = '{order}'"),
        ),
        "Buyers may only cancel their pending orders",
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            &format!("UPDATE orders SET quantity = 1 WHERE id = '{order}'"),
        ),
        "permission denied",
    );
    // The buyer's own cancellation releases the units.
    as_who_commit(
        &mut c,
        Who::User(CAROL),
        &format!("UPDATE orders SET status = 'cancelled' WHERE id = '{order}' RETURNING id"),
    )
    .unwrap();
    assert_eq!(sold(&mut c, &tier), "0");
    // The state machine holds for the backend too: cancelled is final.
    assert_err(
        try_rows(
            &mut c,
            &format!("UPDATE orders SET status = 'paid' WHERE id = '{order}'"),
        ),
        "An order cannot go from cancelled to paid",
    );
}

#[test]
fn hoarding_expired_holds_release_their_units_by_job_and_on_demand() {
    let (_db, mut c) = world();
    let (event, tier) = seed_event(&mut c, ALICE, "Expire", 2);
    as_who_commit(&mut c, Who::User(CAROL), &order_sql(&event, &tier, 2)).unwrap();
    assert_err(
        as_who(&mut c, Who::User(BOB), &order_sql(&event, &tier, 1)),
        "Not enough tickets left in this tier",
    );
    // The hold runs out (moved into the past as the table owner).
    c.batch_execute("UPDATE orders SET expires_at = now() - interval '1 second'")
        .unwrap();
    // A buyer is not blocked by the unswept hold: it is released on demand.
    as_who_commit(&mut c, Who::User(BOB), &order_sql(&event, &tier, 1)).unwrap();
    assert_eq!(
        rows(
            &mut c,
            "SELECT status FROM orders ORDER BY created_at, status"
        ),
        vec!["expired", "pending"]
    );
    assert_eq!(sold(&mut c, &tier), "1");
    // The scheduled sweep expires the rest.
    c.batch_execute(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE status = 'pending'",
    )
    .unwrap();
    assert_eq!(one(&mut c, "SELECT public.expire_pending_orders()"), "1");
    assert_eq!(sold(&mut c, &tier), "0");
}

#[test]
fn hoarding_tickets_need_a_paid_order_and_stay_within_its_quantity_and_the_tier() {
    let (_db, mut c) = world();
    let (event, tier) = seed_event(&mut c, ALICE, "Tickets", 2);
    // The backend's path: a paid order of 2 gets exactly 2 tickets.
    let paid = seed_paid_order(&mut c, &event, &tier, CAROL, 2);
    issue_ticket(&mut c, &paid).unwrap();
    issue_ticket(&mut c, &paid).unwrap();
    assert_err(
        issue_ticket(&mut c, &paid).map(|t| vec![t]),
        "No ticket left to issue on this order",
    );
    // The tier (quantity 2) is full: no other order, so no other ticket.
    assert_err(
        try_rows(
            &mut c,
            &format!(
                "INSERT INTO orders (event_id, tier_id, customer_id, quantity, status) VALUES ('{event}', '{tier}', '{BOB}', 1, 'paid')"
            ),
        ),
        "Not enough tickets left",
    );
    // Pending and cancelled orders get no tickets.
    let (event2, tier2) = seed_event(&mut c, ALICE, "Tickets 2", 10);
    let pending = as_who_commit(&mut c, Who::User(BOB), &order_sql(&event2, &tier2, 1))
        .unwrap()
        .remove(0);
    assert_err(
        issue_ticket(&mut c, &pending).map(|t| vec![t]),
        "No ticket left to issue",
    );
    c.batch_execute(&format!(
        "UPDATE orders SET status = 'cancelled' WHERE id = '{pending}'"
    ))
    .unwrap();
    assert_err(
        issue_ticket(&mut c, &pending).map(|t| vec![t]),
        "No ticket left to issue",
    );
    // A ticket cannot claim another tier than its order's.
    let other_tier = one(
        &mut c,
        &format!(
            "INSERT INTO ticket_tiers (event_id, name, price, quantity) VALUES ('{event}', 'VIP', 99, 5) RETURNING id"
        ),
    );
    let refunded_slot = one(
        &mut c,
        &format!(
            "UPDATE tickets SET status = 'cancelled' WHERE id = (SELECT id FROM tickets WHERE order_id = '{paid}' LIMIT 1) RETURNING id"
        ),
    );
    assert_err(
        try_rows(
            &mut c,
            &format!(
                "INSERT INTO tickets (order_id, event_id, tier_id) VALUES ('{paid}', '{event}', '{other_tier}')"
            ),
        ),
        "No ticket left to issue",
    );
    // Re-validating the cancelled ticket uses the freed slot; a refund voids the live ones.
    c.batch_execute(&format!(
        "UPDATE tickets SET status = 'valid' WHERE id = '{refunded_slot}'"
    ))
    .unwrap();
    c.batch_execute(&format!(
        "UPDATE orders SET status = 'refunded' WHERE id = '{paid}'"
    ))
    .unwrap();
    assert_eq!(
        rows(
            &mut c,
            &format!("SELECT DISTINCT status FROM tickets WHERE order_id = '{paid}'")
        ),
        vec!["refunded"]
    );
    assert_eq!(
        one(
            &mut c,
            &format!("SELECT tickets_issued FROM orders WHERE id = '{paid}'")
        ),
        "0"
    );
}

/// Ten independent sessions issue tickets for one paid order of 3 at the same instant:
/// exactly 3 succeed (READ COMMITTED and REPEATABLE READ with retries).
#[test]
fn hoarding_concurrent_ticket_issuance_never_exceeds_the_order() {
    let (db, mut c) = world();
    let (event, tier) = seed_event(&mut c, ALICE, "Concurrent", 10);
    let order = seed_paid_order(&mut c, &event, &tier, CAROL, 3);
    for isolation in ["READ COMMITTED", "REPEATABLE READ"] {
        c.batch_execute(&format!("DELETE FROM tickets WHERE order_id = '{order}'"))
            .unwrap();
        let barrier = Arc::new(Barrier::new(10));
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let mut s = db.client();
                let barrier = barrier.clone();
                let order = order.clone();
                thread::spawn(move || {
                    barrier.wait();
                    loop {
                        s.batch_execute(&format!("BEGIN ISOLATION LEVEL {isolation}"))
                            .unwrap();
                        match issue_ticket(&mut s, &order) {
                            Ok(_) => {
                                s.batch_execute("COMMIT").unwrap();
                                return true;
                            }
                            Err(e) => {
                                s.batch_execute("ROLLBACK").unwrap();
                                if e.contains("could not serialize") {
                                    continue;
                                }
                                assert!(e.contains("No ticket left"), "{e}");
                                return false;
                            }
                        }
                    }
                })
            })
            .collect();
        let issued = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|ok| *ok)
            .count();
        assert_eq!(issued, 3, "{isolation}");
        assert_eq!(
            one(
                &mut c,
                &format!("SELECT count(*) FROM tickets WHERE order_id = '{order}'")
            ),
            "3"
        );
    }
}

/// One buyer's checkouts from ten sessions at once still respect the cap of 2 open orders.
#[test]
fn hoarding_concurrent_checkouts_of_one_buyer_respect_the_cap() {
    let (db, mut c) = world();
    let (event, tier) = seed_event(&mut c, ALICE, "Cap race", 100);
    let barrier = Arc::new(Barrier::new(10));
    let handles: Vec<_> = (0..10)
        .map(|_| {
            let mut s = db.client();
            let barrier = barrier.clone();
            let sql = order_sql(&event, &tier, 1);
            thread::spawn(move || {
                barrier.wait();
                as_who_commit(&mut s, Who::User(CAROL), &sql).is_ok()
            })
        })
        .collect();
    let ok = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(ok, 2);
    assert_eq!(sold(&mut c, &tier), "2");
}

// ---------------------------------------------------------------------------------------
// Attendee rights without a ticket

#[test]
fn registration_paid_events_need_a_ticket_free_events_allow_one_self_registration() {
    let (_db, mut c) = world();
    let (paid_event, tier) = seed_event(&mut c, ALICE, "Paid", 10);
    let register = |event: &str| {
        format!(
            "INSERT INTO attendees (event_id, user_id, email, full_name) VALUES ('{event}', '{CAROL}', 'carol@example.com', 'Carol') RETURNING id"
        )
    };
    assert_err(
        as_who(&mut c, Who::User(CAROL), &register(&paid_event)),
        "This event sells tickets",
    );
    // Free event: one self-registration, with one's own e-mail.
    let free_event = one(
        &mut c,
        &format!(
            "INSERT INTO events (organizer_id, name, start_at, end_at, status) VALUES ('{ALICE}', 'Free', now() + interval '1 day', now() + interval '2 days', 'published') RETURNING id"
        ),
    );
    as_who_commit(&mut c, Who::User(CAROL), &register(&free_event)).unwrap();
    assert_err(
        as_who(&mut c, Who::User(CAROL), &register(&free_event)),
        "already registered",
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            &format!(
                "INSERT INTO attendees (event_id, user_id, email, full_name) VALUES ('{free_event}', '{BOB}', 'someone@else.com', 'Bob')"
            ),
        ),
        "Register with your own e-mail address",
    );
    // 10,000 attendees in one request: refused as a whole.
    let bulk = format!(
        "INSERT INTO attendees (event_id, user_id, email, full_name)
         SELECT '{free_event}', '{BOB}', 'bob@example.com', 'Bob ' || g FROM generate_series(1, 10000) AS g"
    );
    assert_err(as_who(&mut c, Who::User(BOB), &bulk), "already registered");
    let guests = format!(
        "INSERT INTO attendees (event_id, email, full_name)
         SELECT '{free_event}', 'guest' || g || '@example.com', 'Guest' FROM generate_series(1, 10000) AS g"
    );
    assert_err(
        as_who(&mut c, Who::User(BOB), &guests),
        "row-level security",
    );
    // Paid event, legitimate path: buy, get a ticket, register its holder.
    let order = seed_paid_order(&mut c, &paid_event, &tier, CAROL, 2);
    let ticket = issue_ticket(&mut c, &order).unwrap();
    let guest_ticket = issue_ticket(&mut c, &order).unwrap();
    as_who_commit(
        &mut c,
        Who::User(CAROL),
        &format!("SELECT public.assign_ticket('{ticket}', 'Carol')"),
    )
    .unwrap();
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            &format!("SELECT public.assign_ticket('{guest_ticket}', 'Bob')"),
        ),
        "Ticket not found",
    );
    as_who_commit(
        &mut c,
        Who::User(CAROL),
        &format!(
            "SELECT public.assign_ticket('{guest_ticket}', 'Guest', 'guest@example.com', false)"
        ),
    )
    .unwrap();
    assert_eq!(
        rows(
            &mut c,
            &format!(
                "SELECT coalesce(user_id::text, 'guest') FROM attendees WHERE event_id = '{paid_event}' ORDER BY 1"
            )
        ),
        vec![CAROL.to_string(), "guest".to_string()]
    );
    // Organizers add guests, but never link accounts or give consent for them.
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            &format!(
                "INSERT INTO attendees (event_id, user_id, email, full_name) VALUES ('{paid_event}', '{BOB}', 'bob@example.com', 'Bob')"
            ),
        ),
        "not linked to a user account",
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            &format!(
                "UPDATE attendees SET networking_opt_in = true WHERE event_id = '{paid_event}'"
            ),
        ),
        "Only the attendee can give",
    );
}

/// Transcripts, peers and invitations: only for attendees with a valid ticket (or of a free
/// event) who opted into networking; invitees must have opted in too.
#[test]
fn registration_transcripts_peers_and_invitations_need_a_ticket_and_opt_in() {
    let (_db, mut c) = world();
    let (event, tier) = seed_event(&mut c, ALICE, "Talks", 10);
    let session = one(
        &mut c,
        &format!(
            "INSERT INTO event_sessions (event_id, title, start_time, end_time) VALUES ('{event}', 'Keynote', now() + interval '10 days', now() + interval '10 days 1 hour') RETURNING id"
        ),
    );
    c.batch_execute(&format!(
        "INSERT INTO session_transcripts (session_id, language) VALUES ('{session}', 'en')"
    ))
    .unwrap();
    // Carol and Bob are attendee rows of the event (organizer-made), without tickets.
    let carol = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    let bob = seed_attendee(&mut c, &event, BOB, "bob@example.com");
    c.batch_execute("UPDATE attendees SET networking_opt_in = true")
        .unwrap();
    let transcripts = |c: &mut postgres::Client, who| visible(c, who, "session_transcripts");
    assert_eq!(transcripts(&mut c, Who::User(CAROL)), Some(0));
    assert_eq!(transcripts(&mut c, Who::User(ALICE)), Some(1));
    let invite = format!(
        "INSERT INTO meetings (organizer_id, invitee_id, time_slot) VALUES ('{carol}', '{bob}', now() + interval '10 days') RETURNING id"
    );
    assert_err(
        as_who(&mut c, Who::User(CAROL), &invite),
        "row-level security",
    );
    // The peer list helper is no longer an RPC endpoint.
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            "SELECT public.event_peer_attendee_ids()",
        ),
        "permission denied",
    );
    // With valid tickets: transcripts and invitations work.
    for (user, attendee) in [(CAROL, &carol), (BOB, &bob)] {
        let order = seed_paid_order(&mut c, &event, &tier, user, 1);
        let ticket = issue_ticket(&mut c, &order).unwrap();
        c.batch_execute(&format!(
            "UPDATE tickets SET attendee_id = '{attendee}' WHERE id = '{ticket}'"
        ))
        .unwrap();
    }
    assert_eq!(transcripts(&mut c, Who::User(CAROL)), Some(1));
    let meeting = as_who_commit(&mut c, Who::User(CAROL), &invite)
        .unwrap()
        .remove(0);
    // Bob withdraws his opt-in: he is no longer a peer to be invited or listed.
    as_who_commit(
        &mut c,
        Who::User(BOB),
        &format!("UPDATE attendees SET networking_opt_in = false WHERE id = '{bob}'"),
    )
    .unwrap();
    assert_err(
        as_who(&mut c, Who::User(CAROL), &invite),
        "row-level security",
    );
    assert_eq!(
        as_who(
            &mut c,
            Who::User(CAROL),
            "SELECT count(*) FROM unnest(ARRAY(SELECT eventos_private.networking_peer_ids()))"
        )
        .unwrap(),
        vec!["0"]
    );
    c.batch_execute(&format!("DELETE FROM meetings WHERE id = '{meeting}'"))
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// Ownership columns on UPDATE, cross-references

#[test]
fn ownership_organizer_cannot_take_over_a_sponsor_account() {
    let (_db, mut c) = world();
    let (event, _) = seed_event(&mut c, ALICE, "Sponsored", 10);
    let attendee = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    let sponsor = one(
        &mut c,
        &format!(
            "INSERT INTO sponsors (created_by, user_id, company_name) VALUES ('{ALICE}', '{SPONSOR}', 'Acme') RETURNING id"
        ),
    );
    c.batch_execute(&format!(
        "INSERT INTO sponsor_lead_scores (attendee_id, sponsor_id, score) VALUES ('{attendee}', '{sponsor}', 0.9)"
    ))
    .unwrap();
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            &format!("UPDATE sponsors SET user_id = '{ALICE}' WHERE id = '{sponsor}'"),
        ),
        "permission denied",
    );
    assert_eq!(
        visible(&mut c, Who::User(ALICE), "sponsor_lead_scores"),
        Some(0)
    );
    // Legitimate: the creator edits the company's details; the account reads its lead scores.
    as_who_commit(
        &mut c,
        Who::User(ALICE),
        &format!("UPDATE sponsors SET industry = 'tools' WHERE id = '{sponsor}' RETURNING id"),
    )
    .unwrap();
    assert_eq!(
        as_who(
            &mut c,
            Who::User(SPONSOR),
            "SELECT count(*) FROM sponsor_lead_scores"
        )
        .unwrap(),
        vec!["1"]
    );
    // A new sponsor cannot name another user as its account.
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            &format!(
                "INSERT INTO sponsors (created_by, user_id, company_name) VALUES ('{BOB}', '{SPONSOR}', 'Fake')"
            ),
        ),
        "row-level security",
    );
}

#[test]
fn ownership_organizer_cannot_attach_another_organizers_sponsor() {
    let (_db, mut c) = world();
    let (bob_event, _) = seed_event(&mut c, BOB, "Bob event", 10);
    let alice_sponsor = one(
        &mut c,
        &format!(
            "INSERT INTO sponsors (created_by, company_name, contact_info) VALUES ('{ALICE}', 'Secret Co', '{{\"phone\":\"555\"}}') RETURNING id"
        ),
    );
    for sql in [
        format!(
            "INSERT INTO sponsor_proposals (sponsor_id, event_id) VALUES ('{alice_sponsor}', '{bob_event}')"
        ),
        format!(
            "INSERT INTO sponsorships (sponsor_id, event_id, package_type, amount) VALUES ('{alice_sponsor}', '{bob_event}', 'gold', 1)"
        ),
    ] {
        assert_err(as_who(&mut c, Who::User(BOB), &sql), "row-level security");
    }
    assert_eq!(visible(&mut c, Who::User(BOB), "sponsors"), Some(0));
    // Legitimate: Bob's own sponsor on Bob's event.
    let bob_sponsor = as_who_commit(
        &mut c,
        Who::User(BOB),
        &format!("INSERT INTO sponsors (created_by, company_name) VALUES ('{BOB}', 'Bob Co') RETURNING id"),
    )
    .unwrap()
    .remove(0);
    as_who_commit(
        &mut c,
        Who::User(BOB),
        &format!("INSERT INTO sponsorships (sponsor_id, event_id, package_type, amount) VALUES ('{bob_sponsor}', '{bob_event}', 'gold', 100) RETURNING id"),
    )
    .unwrap();
    // And the proposal/sponsorship cannot be moved to someone else's sponsor afterwards.
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            &format!("UPDATE sponsorships SET sponsor_id = '{alice_sponsor}'"),
        ),
        "permission denied",
    );
}

#[test]
fn ownership_attendee_rows_cannot_be_relinked_to_another_account() {
    let (_db, mut c) = world();
    let (event, _) = seed_event(&mut c, ALICE, "Relink", 10);
    let carol = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    for who in [ALICE, CAROL] {
        assert_err(
            as_who(
                &mut c,
                Who::User(who),
                &format!("UPDATE attendees SET user_id = '{BOB}' WHERE id = '{carol}'"),
            ),
            "permission denied",
        );
    }
    // Legitimate: the organizer fixes the name; the attendee cancels.
    as_who_commit(
        &mut c,
        Who::User(ALICE),
        &format!("UPDATE attendees SET full_name = 'Carol C.' WHERE id = '{carol}' RETURNING id"),
    )
    .unwrap();
    as_who_commit(
        &mut c,
        Who::User(CAROL),
        &format!("UPDATE attendees SET status = 'cancelled' WHERE id = '{carol}' RETURNING id"),
    )
    .unwrap();
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            &format!("UPDATE attendees SET status = 'checked_in' WHERE id = '{carol}'"),
        ),
        "Attendees may only cancel",
    );
}

#[test]
fn ownership_meetings_cannot_be_retargeted_or_answered_for_someone_else() {
    let (_db, mut c) = world();
    let (event, _) = seed_event(&mut c, ALICE, "Meet", 10);
    c.batch_execute("DELETE FROM ticket_tiers").unwrap(); // a free event: registration is the ticket
    let carol = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    let bob = seed_attendee(&mut c, &event, BOB, "bob@example.com");
    let sponsor = seed_attendee(&mut c, &event, SPONSOR, "sponsor@example.com");
    c.batch_execute("UPDATE attendees SET networking_opt_in = true")
        .unwrap();
    let meeting = as_who_commit(
        &mut c,
        Who::User(CAROL),
        &format!("INSERT INTO meetings (organizer_id, invitee_id, time_slot) VALUES ('{carol}', '{bob}', now() + interval '10 days') RETURNING id"),
    )
    .unwrap()
    .remove(0);
    // The invitee cannot re-target the inviter; the inviter cannot accept for the invitee.
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            &format!("UPDATE meetings SET organizer_id = '{sponsor}' WHERE id = '{meeting}'"),
        ),
        "permission denied",
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            &format!("UPDATE meetings SET status = 'accepted' WHERE id = '{meeting}'"),
        ),
        "Only the invitee can accept",
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            &format!("UPDATE meetings SET time_slot = now() WHERE id = '{meeting}'"),
        ),
        "Only the inviter can move",
    );
    // Legitimate: the invitee accepts.
    as_who_commit(
        &mut c,
        Who::User(BOB),
        &format!("UPDATE meetings SET status = 'accepted' WHERE id = '{meeting}' RETURNING id"),
    )
    .unwrap();
}

/// The class: no UPDATE policy without WITH CHECK, and no column that references an owner
/// (auth.users) or a tenant (events, attendees, sponsors, venues) is updatable by
/// `authenticated`, except the few whose new value the policies re-check.
#[test]
fn ownership_class_every_update_policy_checks_and_no_owner_or_tenant_column_is_updatable() {
    let (_db, mut c) = world();
    assert_eq!(
        rows(
            &mut c,
            "SELECT policyname FROM pg_policies WHERE schemaname = 'public' AND cmd IN ('UPDATE', 'ALL') AND with_check IS NULL"
        ),
        Vec::<String>::new()
    );
    let updatable = rows(
        &mut c,
        "SELECT DISTINCT t.relname || '.' || a.attname
         FROM pg_constraint k
         JOIN pg_class t ON t.oid = k.conrelid
         CROSS JOIN LATERAL unnest(k.conkey) AS u(n)
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n
         WHERE k.contype = 'f' AND t.relnamespace = 'public'::regnamespace AND NOT t.relispartition
           AND k.confrelid IN ('auth.users'::regclass, 'public.events'::regclass, 'public.attendees'::regclass,
                               'public.sponsors'::regclass, 'public.venues'::regclass, 'public.orders'::regclass,
                               'public.sponsorships'::regclass)
           AND has_column_privilege('authenticated', t.oid, a.attnum, 'UPDATE')
         ORDER BY 1",
    );
    // tickets.attendee_id: the organizer assigns a ticket within the event (composite FK);
    // wizard_sessions.event_id / events.venue_id: re-checked by the policies' WITH CHECK.
    assert_eq!(
        updatable,
        vec![
            "events.venue_id",
            "tickets.attendee_id",
            "wizard_sessions.event_id"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Venues and trigger errors

#[test]
fn venues_bookings_are_requests_only_owners_confirm_and_inactive_venues_refuse() {
    let (_db, mut c) = world();
    let (event, _) = seed_event(&mut c, BOB, "Needs a venue", 10);
    let venue = one(
        &mut c,
        &format!("INSERT INTO venues (owner_id, name) VALUES ('{ALICE}', 'Hall') RETURNING id"),
    );
    let closed = one(
        &mut c,
        &format!(
            "INSERT INTO venues (owner_id, name, status) VALUES ('{ALICE}', 'Closed', 'inactive') RETURNING id"
        ),
    );
    let book = |venue: &str, status: &str| {
        format!(
            "INSERT INTO venue_bookings (event_id, venue_id, start_time, end_time, status) VALUES ('{event}', '{venue}', '2031-05-01 10:00+00', '2031-05-01 18:00+00', '{status}') RETURNING id"
        )
    };
    assert_err(
        as_who(&mut c, Who::User(BOB), &book(&venue, "confirmed")),
        "A booking starts as a request",
    );
    assert_err(
        as_who(&mut c, Who::User(BOB), &book(&closed, "pending")),
        "Venue not found or not open for bookings",
    );
    assert_err(
        as_who(&mut c, Who::User(CAROL), &book(&venue, "pending")),
        "row-level security",
    );
    let request = as_who_commit(&mut c, Who::User(BOB), &book(&venue, "pending"))
        .unwrap()
        .remove(0);
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            &format!("UPDATE venue_bookings SET status = 'confirmed' WHERE id = '{request}'"),
        ),
        "Only the venue's owner can confirm",
    );
    // The owner sees the request on her venue and confirms it.
    assert_eq!(visible(&mut c, Who::User(ALICE), "venue_bookings"), Some(1));
    as_who_commit(
        &mut c,
        Who::User(ALICE),
        &format!(
            "UPDATE venue_bookings SET status = 'confirmed' WHERE id = '{request}' RETURNING id"
        ),
    )
    .unwrap();
    // A second, overlapping request is answered without saying what is booked when.
    let (event2, _) = seed_event(&mut c, ALICE, "Overlap", 10);
    let other = one(
        &mut c,
        &format!(
            "INSERT INTO venue_bookings (event_id, venue_id, start_time, end_time) VALUES ('{event2}', '{venue}', '2031-05-01 12:00+00', '2031-05-01 13:00+00') RETURNING id"
        ),
    );
    let err = as_who(
        &mut c,
        Who::User(ALICE),
        &format!("UPDATE venue_bookings SET status = 'confirmed' WHERE id = '{other}'"),
    )
    .unwrap_err();
    assert!(
        err.contains("not available for the requested time"),
        "{err}"
    );
    assert!(!err.contains("2031") && !err.contains(&venue), "{err}");
}

/// No trigger message carries another tenant's data: prices and availability of tiers the
/// caller cannot see are "not found", and visible tiers' numbers stay out of the message.
#[test]
fn errors_never_reveal_hidden_prices_or_availability() {
    let (_db, mut c) = world();
    let hidden_event = one(
        &mut c,
        &format!(
            "INSERT INTO events (organizer_id, name, start_at, end_at) VALUES ('{ALICE}', 'Draft', now() + interval '5 days', now() + interval '6 days') RETURNING id"
        ),
    );
    let hidden_tier = one(
        &mut c,
        &format!(
            "INSERT INTO ticket_tiers (event_id, name, price, quantity) VALUES ('{hidden_event}', 'Secret', 123.45, 3) RETURNING id"
        ),
    );
    for price in ["1.00", "123.45"] {
        let err = as_who(
            &mut c,
            Who::User(CAROL),
            &format!("INSERT INTO orders (event_id, tier_id, unit_price) VALUES ('{hidden_event}', '{hidden_tier}', {price})"),
        )
        .unwrap_err();
        assert!(err.contains("Ticket tier not found"), "{err}");
    }
    let (event, tier) = seed_event(&mut c, ALICE, "Visible", 1);
    let err = as_who(
        &mut c,
        Who::User(CAROL),
        &format!(
            "INSERT INTO orders (event_id, tier_id, unit_price) VALUES ('{event}', '{tier}', 1.00)"
        ),
    )
    .unwrap_err();
    assert!(
        err.contains("does not match") && !err.contains("25"),
        "{err}"
    );
    as_who_commit(&mut c, Who::User(BOB), &order_sql(&event, &tier, 1)).unwrap();
    let err = as_who(&mut c, Who::User(CAROL), &order_sql(&event, &tier, 1)).unwrap_err();
    assert!(
        err.contains("Not enough tickets") && !err.contains(|ch: char| ch.is_ascii_digit()),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Sequences

#[test]
fn sequences_api_roles_cannot_setval_or_draw_from_any_sequence() {
    let (_db, mut c) = world();
    for who in [Who::Anon, Who::User(CAROL)] {
        assert_err(
            as_who(&mut c, who, "SELECT setval('public.audit_log_id_seq', 1)"),
            "permission denied",
        );
        assert_err(
            as_who(&mut c, who, "SELECT nextval('public.audit_log_id_seq')"),
            "permission denied",
        );
    }
    assert_eq!(
        rows(
            &mut c,
            "SELECT c.relname || ' ' || r FROM pg_class c CROSS JOIN unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r
             WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace
               AND has_sequence_privilege(r, c.oid, 'USAGE, SELECT, UPDATE')"
        ),
        Vec::<String>::new()
    );
    // Audited writes (which draw from it through the SECURITY DEFINER writer) still work.
    let (event, tier) = seed_event(&mut c, ALICE, "Still audited", 5);
    as_who_commit(&mut c, Who::User(CAROL), &order_sql(&event, &tier, 1)).unwrap();
    assert_eq!(
        one(
            &mut c,
            "SELECT count(*) > 0 FROM audit_log WHERE table_name = 'orders'"
        ),
        "t"
    );
}

// ---------------------------------------------------------------------------------------
// Roles

#[test]
fn roles_only_organizers_create_events_admins_read_audit_nobody_raises_their_own_role() {
    let (_db, mut c) = world();
    let create = |who: &str| {
        format!(
            "INSERT INTO events (organizer_id, name, start_at, end_at, status) VALUES ('{who}', 'Mine', now() + interval '3 days', now() + interval '4 days', 'published') RETURNING id"
        )
    };
    assert_err(
        as_who(&mut c, Who::User(CAROL), &create(CAROL)),
        "row-level security",
    );
    let event = as_who_commit(&mut c, Who::User(ALICE), &create(ALICE))
        .unwrap()
        .remove(0);
    for sql in [
        "UPDATE profiles SET role = 'admin' WHERE id = auth.uid()",
        "INSERT INTO profiles (id, email, role) VALUES (auth.uid(), 'x@example.com', 'admin')",
    ] {
        assert_err(as_who(&mut c, Who::User(CAROL), sql), "permission denied");
    }
    // Admin paths, checked in the functions.
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            "SELECT count(*) FROM public.admin_audit_log()",
        ),
        "This function is for admins",
    );
    assert_eq!(
        as_who(
            &mut c,
            Who::User(ADMIN),
            "SELECT count(*) > 0 FROM public.admin_audit_log()"
        )
        .unwrap(),
        vec!["t"]
    );
    for f in [
        "admin_event_analytics()",
        "admin_table_statistics()",
        "admin_index_usage()",
        "admin_rls_coverage()",
        "admin_audit_log_integrity()",
        "admin_maintenance_jobs()",
    ] {
        as_who(
            &mut c,
            Who::User(ADMIN),
            &format!("SELECT count(*) FROM public.{f}"),
        )
        .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_err(
            as_who(
                &mut c,
                Who::User(ALICE),
                &format!("SELECT count(*) FROM public.{f}"),
            ),
            "for admins",
        );
    }
    assert_err(
        as_who(
            &mut c,
            Who::User(ADMIN),
            &format!("SELECT public.admin_set_role('{ADMIN}', 'attendee')"),
        ),
        "cannot change their own role",
    );
    as_who_commit(
        &mut c,
        Who::User(ADMIN),
        &format!("SELECT public.admin_set_role('{CAROL}', 'organizer')"),
    )
    .unwrap();
    as_who_commit(&mut c, Who::User(CAROL), &create(CAROL)).unwrap();
    // A demoted organizer can no longer publish.
    as_who_commit(
        &mut c,
        Who::User(ADMIN),
        &format!("SELECT public.admin_set_role('{ALICE}', 'attendee')"),
    )
    .unwrap();
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            &format!("UPDATE events SET name = 'Renamed' WHERE id = '{event}'"),
        ),
        "row-level security",
    );
}

// ---------------------------------------------------------------------------------------
// Networking participation (ERD ATTENDEES }o--o{ NETWORKING_EVENTS)

#[test]
fn networking_participation_is_capped_under_concurrency() {
    let (db, mut c) = world();
    let (event, _) = seed_event(&mut c, ALICE, "Mixer", 10);
    c.batch_execute("DELETE FROM ticket_tiers").unwrap();
    let activity = one(
        &mut c,
        &format!(
            "INSERT INTO networking_events (event_id, activity_type, start_time, max_participants) VALUES ('{event}', 'mixer', now() + interval '10 days', 3) RETURNING id"
        ),
    );
    let mut attendees = Vec::new();
    for i in 0..8 {
        let user = one(
            &mut c,
            &format!(
                "INSERT INTO auth.users (id, email) VALUES (gen_random_uuid(), 'u{i}@example.com') RETURNING id"
            ),
        );
        let attendee = one(
            &mut c,
            &format!(
                "INSERT INTO attendees (event_id, user_id, email, full_name, networking_opt_in) VALUES ('{event}', '{user}', 'u{i}@example.com', 'U', true) RETURNING id"
            ),
        );
        attendees.push((user, attendee));
    }
    // Someone else's attendee row cannot be signed up.
    let (_, stranger) = &attendees[7];
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            &format!(
                "INSERT INTO networking_participants (networking_event_id, event_id, attendee_id) VALUES ('{activity}', '{event}', '{stranger}')"
            ),
        ),
        "row-level security",
    );
    let barrier = Arc::new(Barrier::new(attendees.len()));
    let handles: Vec<_> = attendees
        .iter()
        .cloned()
        .map(|(user, attendee)| {
            let mut s = db.client();
            let barrier = barrier.clone();
            let sql = format!(
                "INSERT INTO networking_participants (networking_event_id, event_id, attendee_id) VALUES ('{activity}', '{event}', '{attendee}')"
            );
            thread::spawn(move || {
                barrier.wait();
                s.batch_execute(&format!(
                    "BEGIN; SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = '{{\"sub\":\"{user}\",\"role\":\"authenticated\"}}';"
                ))
                .unwrap();
                let ok = try_rows(&mut s, &sql).is_ok();
                s.batch_execute(if ok { "COMMIT" } else { "ROLLBACK" }).unwrap();
                ok
            })
        })
        .collect();
    let joined = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(joined, 3);
    assert_eq!(
        one(
            &mut c,
            &format!("SELECT participant_count FROM networking_events WHERE id = '{activity}'")
        ),
        "3"
    );
}

// ---------------------------------------------------------------------------------------
// Policies that scale

/// The catalogue policy reads the event of each returned row, not every visible event; the
/// membership policies are index conditions, not filters over a full scan.
#[test]
fn policies_catalogue_reads_only_the_rows_it_returns() {
    let (_db, mut c) = world();
    c.batch_execute(&format!(
        "INSERT INTO events (organizer_id, name, start_at, end_at, status)
         SELECT '{ALICE}', 'E' || g, now() + interval '1 day', now() + interval '2 days', 'published' FROM generate_series(1, 3000) g;
         INSERT INTO event_sessions (event_id, title, start_time, end_time)
         SELECT id, 'S', start_at, start_at + interval '1 hour' FROM events;
         ANALYZE"
    ))
    .unwrap();
    let event = one(&mut c, "SELECT event_id FROM event_sessions LIMIT 1");
    let plan = as_who(
        &mut c,
        Who::User(CAROL),
        &format!(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM event_sessions WHERE event_id = '{event}'"
        ),
    )
    .unwrap()
    .join("\n");
    assert!(!plan.contains("Seq Scan on events"), "{plan}");
    assert!(!plan.contains("rows=3000"), "{plan}");
    let plan = as_who(
        &mut c,
        Who::User(ALICE),
        "EXPLAIN (COSTS OFF) SELECT * FROM orders",
    )
    .unwrap()
    .join("\n");
    assert!(!plan.contains("hashed SubPlan"), "{plan}");
}
