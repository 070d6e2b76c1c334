//! Schema v2 (phase 4) under an independent attack, acting exactly as PostgREST does (`SET
//! LOCAL ROLE authenticated` / `anon` + `request.jwt.claims` without an e-mail claim), through
//! what the API exposes only. Each test is an attack that succeeded against the first phase 4
//! (existence oracles through unique indexes and pre-policy triggers, e-mail impersonation,
//! one participant accepting a match for both, a creator wiping a sponsor account's data,
//! unbounded inserts, biometric rows past their expiry, anon reaching private helpers …): it
//! proves the attack is refused and that the legitimate path next to it still works.

use std::sync::{Arc, Barrier};
use std::thread;

use crate::harness::schema::*;
use crate::harness::{Pg, TestDb, repo_root};

/// A fresh database with every phase applied and the red-team users.
fn world() -> (TestDb, postgres::Client) {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    let mut c = db.client();
    seed_redteam_users(&mut c);
    (db, c)
}

/// A published public event of `organizer` without ticket tiers (free: self-registration).
fn free_event(c: &mut postgres::Client, organizer: &str, capacity: &str) -> String {
    one(
        c,
        &format!(
            "INSERT INTO events (organizer_id, name, start_at, end_at, status, capacity)
             VALUES ('{organizer}', 'Free meetup', now() + interval '5 days', now() + interval '6 days', 'published', {capacity})
             RETURNING id"
        ),
    )
}

fn register_sql(event: &str, user: &str, email: Option<&str>) -> String {
    match email {
        Some(email) => format!(
            "INSERT INTO attendees (event_id, user_id, email, full_name) VALUES ('{event}', '{user}', '{email}', 'Me') RETURNING email"
        ),
        None => format!(
            "INSERT INTO attendees (event_id, user_id, full_name) VALUES ('{event}', '{user}', 'Me') RETURNING email"
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Existence oracles through unique indexes

/// Creating an event with slug X used to answer "does any event, even a private one or a
/// draft, use X?" (a unique violation, or an empty `ON CONFLICT DO NOTHING RETURNING`).
#[test]
fn slugs_of_hidden_events_cannot_be_probed() {
    let (_db, mut c) = world();
    c.batch_execute(&format!(
        "INSERT INTO events (organizer_id, name, slug, start_at, end_at, status, visibility) VALUES
           ('{ALICE}', 'Merger', 'secret-merger-summit', now() + interval '9 days', now() + interval '10 days', 'published', 'private'),
           ('{ALICE}', 'Launch', 'secret-launch', now() + interval '9 days', now() + interval '10 days', 'draft', 'public'),
           ('{ALICE}', 'Open day', 'open-day', now() + interval '9 days', now() + interval '10 days', 'published', 'public')"
    ))
    .unwrap();
    let create = |slug: &str, status: &str| {
        format!(
            "INSERT INTO events (name, slug, start_at, end_at, status) VALUES ('Mine', '{slug}', now() + interval '1 day', now() + interval '2 days', '{status}')
             ON CONFLICT DO NOTHING RETURNING slug"
        )
    };
    // Bob's events live in his own namespace: the hidden slugs are simply free for him.
    for slug in ["secret-merger-summit", "secret-launch"] {
        assert_eq!(
            as_who(&mut c, Who::User(BOB), &create(slug, "draft")).unwrap(),
            vec![slug.to_string()],
            "{slug}"
        );
        assert_eq!(
            as_who(&mut c, Who::User(BOB), &create(slug, "published")).unwrap(),
            vec![slug.to_string()],
            "{slug}"
        );
    }
    // A public URL stays unique among the events everyone sees (public knowledge anyway) …
    assert_eq!(
        as_who(&mut c, Who::User(BOB), &create("open-day", "published")).unwrap(),
        Vec::<String>::new()
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            "INSERT INTO events (name, slug, start_at, end_at, status) VALUES ('Mine', 'open-day', now() + interval '1 day', now() + interval '2 days', 'published')",
        ),
        "events_public_slug_key",
    );
    // … and within one organizer's events.
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            &create("secret-launch", "draft").replace(" ON CONFLICT DO NOTHING", ""),
        ),
        "events_slug_key",
    );
    // Publishing the draft later still works: Bob's drafts with the same slug do not collide.
    as_who_commit(&mut c, Who::User(BOB), &create("secret-launch", "draft")).unwrap();
    as_who_commit(
        &mut c,
        Who::User(ALICE),
        "UPDATE events SET status = 'published' WHERE slug = 'secret-launch' RETURNING id",
    )
    .unwrap();
}

/// profiles.email was a free field: a user could take another person's address (and probe
/// which addresses have an account through profiles_email_lower_key).
#[test]
fn profile_email_is_the_accounts_address() {
    let (_db, mut c) = world();
    for address in ["alice@example.com", "ceo@bigcorp.example"] {
        assert_err(
            as_who(
                &mut c,
                Who::User(EVE),
                &format!("UPDATE profiles SET email = '{address}' WHERE id = '{EVE}'"),
            ),
            "A profile's e-mail address is the account's",
        );
    }
    // Without an address on the account there is nothing to put in a profile.
    assert_err(
        as_who(
            &mut c,
            Who::User(NOMAIL),
            &format!("INSERT INTO profiles (id, email) VALUES ('{NOMAIL}', 'ceo@bigcorp.example')"),
        ),
        "Your account has no e-mail address",
    );
    // Legitimate: a new profile gets the account's address; case may differ.
    c.batch_execute(&format!("DELETE FROM profiles WHERE id = '{EVE}'"))
        .unwrap();
    assert_eq!(
        as_who_commit(
            &mut c,
            Who::User(EVE),
            &format!("INSERT INTO profiles (id, full_name) VALUES ('{EVE}', 'Eve') RETURNING email || ' ' || role"),
        )
        .unwrap(),
        vec!["eve@example.com attendee"]
    );
    as_who_commit(
        &mut c,
        Who::User(EVE),
        &format!("UPDATE profiles SET email = 'Eve@Example.com', full_name = 'E.' WHERE id = '{EVE}' RETURNING id"),
    )
    .unwrap();
}

/// Self-registration trusted the profile's (free) address when the JWT had no e-mail claim —
/// PostgREST-style claims usually have none: a user could register with someone else's
/// address and learn from attendees_event_email_key whether that person attends.
#[test]
fn self_registration_is_bound_to_the_accounts_address() {
    let (_db, mut c) = world();
    let event = free_event(&mut c, BOB, "NULL");
    c.batch_execute(&format!(
        "INSERT INTO attendees (event_id, email, full_name) VALUES ('{event}', 'vip.guest@corp.example', 'VIP')"
    ))
    .unwrap();
    // Eve tries to make the guest's address hers first; whatever that does, she cannot
    // register with it, and the answer is the same as for an address nobody uses.
    let _ = as_who_commit(
        &mut c,
        Who::User(EVE),
        &format!("UPDATE profiles SET email = 'vip.guest@corp.example' WHERE id = '{EVE}'"),
    );
    for address in ["vip.guest@corp.example", "nobody@corp.example"] {
        assert_err(
            as_who(
                &mut c,
                Who::User(EVE),
                &register_sql(&event, EVE, Some(address)),
            ),
            "Register with your own e-mail address",
        );
    }
    // An account without an address cannot register at all (it used to accept any address).
    assert_err(
        as_who(
            &mut c,
            Who::User(NOMAIL),
            &register_sql(&event, NOMAIL, Some("vip.guest@corp.example")),
        ),
        "Your account has no e-mail address",
    );
    // Her own registration cannot be moved to another address afterwards.
    assert_eq!(
        as_who_commit(&mut c, Who::User(EVE), &register_sql(&event, EVE, None)).unwrap(),
        vec!["eve@example.com"]
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(EVE),
            "UPDATE attendees SET email = 'vip.guest@corp.example' WHERE user_id = auth.uid()",
        ),
        "Register with your own e-mail address",
    );
    // Legitimate: Carol registers with her address (given or filled in).
    assert_eq!(
        as_who_commit(
            &mut c,
            Who::User(CAROL),
            &register_sql(&event, CAROL, Some("Carol@example.com"))
        )
        .unwrap(),
        vec!["Carol@example.com"]
    );
}

/// Guest assignment answered "this address cannot be registered again" when the address
/// attends the event, and a ticket "for yourself" took any address: a buyer could probe the
/// attendee list. Now the call does the same either way, and a self-ticket carries the
/// account's address (claiming a guest registration made out to it).
#[test]
fn assign_ticket_tells_the_buyer_nothing_about_who_attends() {
    let (_db, mut c) = world();
    let (event, tier) = seed_event(&mut c, ALICE, "Paid conf", 20);
    seed_attendee(&mut c, &event, DAVE, "dave@example.com");
    let order = seed_paid_order(&mut c, &event, &tier, EVE, 3);
    let tickets: Vec<String> = (0..3)
        .map(|_| issue_ticket(&mut c, &order).unwrap())
        .collect();
    // The known attendee's address and a fresh one: both succeed.
    for (ticket, address) in [
        (&tickets[0], "dave@example.com"),
        (&tickets[1], "fresh@example.com"),
    ] {
        as_who_commit(
            &mut c,
            Who::User(EVE),
            &format!("SELECT public.assign_ticket('{ticket}', 'Guest', '{address}', false)"),
        )
        .unwrap();
    }
    // Dave's registration is untouched (still his, still one row for his address).
    assert_eq!(
        rows(
            &mut c,
            &format!(
                "SELECT user_id::text || ' ' || status FROM attendees WHERE lower(email) = 'dave@example.com' AND event_id = '{event}'"
            )
        ),
        vec![format!("{DAVE} registered")]
    );
    // For herself, Eve cannot use someone else's address.
    assert_err(
        as_who(
            &mut c,
            Who::User(EVE),
            &format!(
                "SELECT public.assign_ticket('{}', 'Eve', 'dave@example.com')",
                tickets[2]
            ),
        ),
        "carries your account's e-mail address",
    );
    // Legitimate: the organizer invited Carol as a guest; Carol buys a ticket and assigns it
    // to herself: the guest registration becomes hers.
    let guest = one(
        &mut c,
        &format!(
            "INSERT INTO attendees (event_id, email, full_name) VALUES ('{event}', 'carol@example.com', 'Carol') RETURNING id"
        ),
    );
    let carol_order = seed_paid_order(&mut c, &event, &tier, CAROL, 1);
    let carol_ticket = issue_ticket(&mut c, &carol_order).unwrap();
    assert_eq!(
        as_who_commit(
            &mut c,
            Who::User(CAROL),
            &format!("SELECT public.assign_ticket('{carol_ticket}', 'Carol')"),
        )
        .unwrap(),
        vec![guest.clone()]
    );
    assert_eq!(
        one(
            &mut c,
            &format!("SELECT user_id::text FROM attendees WHERE id = '{guest}'")
        ),
        CAROL
    );
}

/// BEFORE triggers run before the policies' WITH CHECK: phase 0's overlap guard fired first
/// and answered "not available" for a "confirmed" row on anyone's venue — a calendar oracle,
/// even for inactive venues and for callers without events.
#[test]
fn venue_calendars_cannot_be_probed() {
    let (_db, mut c) = world();
    let (alice_event, _) = seed_event(&mut c, ALICE, "Alice at Vic", 10);
    let (bob_event, _) = seed_event(&mut c, BOB, "Bob at Vic", 10);
    let hall = one(
        &mut c,
        &format!("INSERT INTO venues (owner_id, name) VALUES ('{VIC}', 'Vic Hall') RETURNING id"),
    );
    let loft = one(
        &mut c,
        &format!(
            "INSERT INTO venues (owner_id, name, status) VALUES ('{VIC}', 'Loft', 'inactive') RETURNING id"
        ),
    );
    let bookings = rows(
        &mut c,
        &format!(
            "INSERT INTO venue_bookings (event_id, venue_id, start_time, end_time, status) VALUES
               ('{alice_event}', '{hall}', '2031-05-01 10:00+00', '2031-05-01 18:00+00', 'confirmed'),
               ('{bob_event}', '{hall}', '2031-06-01 10:00+00', '2031-06-01 18:00+00', 'confirmed'),
               ('{alice_event}', '{loft}', '2031-05-01 10:00+00', '2031-05-01 18:00+00', 'confirmed')
             RETURNING id"
        ),
    );
    let probe = |event: &str, venue: &str, day: &str| {
        format!(
            "INSERT INTO venue_bookings (event_id, venue_id, start_time, end_time, status) VALUES ('{event}', '{venue}', '{day} 11:00+00', '{day} 12:00+00', 'confirmed')"
        )
    };
    // Booked and free slots, own event or not, active or inactive venue: one answer.
    for who in [BOB, EVE] {
        for venue in [&hall, &loft] {
            for day in ["2031-05-01", "2031-07-01"] {
                let err =
                    as_who(&mut c, Who::User(who), &probe(&bob_event, venue, day)).unwrap_err();
                assert!(
                    err.contains("A booking starts as a request"),
                    "{who} {day}: {err}"
                );
            }
        }
    }
    // The requester moving a confirmed booking onto another confirmed one: it simply goes back
    // to being a request (no "not available").
    assert_eq!(
        as_who_commit(
            &mut c,
            Who::User(ALICE),
            &format!(
                "UPDATE venue_bookings SET start_time = '2031-06-01 11:00+00', end_time = '2031-06-01 12:00+00' WHERE id = '{}' RETURNING status",
                bookings[0]
            ),
        )
        .unwrap(),
        vec!["pending"]
    );
    // Legitimate: the owner confirming it learns the conflict — it is her calendar.
    assert_err(
        as_who(
            &mut c,
            Who::User(VIC),
            &format!(
                "UPDATE venue_bookings SET status = 'confirmed' WHERE id = '{}'",
                bookings[0]
            ),
        ),
        "not available for the requested time",
    );
}

/// Other triggers that ran before the policy: "this event sells tickets" for a hidden event,
/// "full" for a networking activity the caller may not join, "not attendees of one event" for
/// two attendee ids the caller does not own.
#[test]
fn pre_policy_triggers_say_nothing_about_hidden_rows() {
    let (_db, mut c) = world();
    let hidden = one(
        &mut c,
        &format!(
            "INSERT INTO events (organizer_id, name, start_at, end_at, status, visibility) VALUES ('{ALICE}', 'Hidden', now() + interval '5 days', now() + interval '6 days', 'published', 'private') RETURNING id"
        ),
    );
    let free_hidden = one(
        &mut c,
        &format!(
            "INSERT INTO events (organizer_id, name, start_at, end_at, status, visibility) VALUES ('{ALICE}', 'Hidden free', now() + interval '5 days', now() + interval '6 days', 'published', 'private') RETURNING id"
        ),
    );
    c.batch_execute(&format!(
        "INSERT INTO ticket_tiers (event_id, name, price, quantity) VALUES ('{hidden}', 'VIP', 999, 5)"
    ))
    .unwrap();
    for event in [&hidden, &free_hidden] {
        assert_err(
            as_who(&mut c, Who::User(EVE), &register_sql(event, EVE, None)),
            "row-level security",
        );
    }
    // A full activity and an open one of the hidden event: the same refusal.
    let a1 = seed_attendee(&mut c, &hidden, CAROL, "carol@example.com");
    let a2 = seed_attendee(&mut c, &hidden, DAVE, "dave@example.com");
    let full = one(
        &mut c,
        &format!(
            "INSERT INTO networking_events (event_id, activity_type, start_time, max_participants) VALUES ('{hidden}', 'mixer', now() + interval '5 days', 1) RETURNING id"
        ),
    );
    let open = one(
        &mut c,
        &format!(
            "INSERT INTO networking_events (event_id, activity_type, start_time) VALUES ('{hidden}', 'mixer', now() + interval '5 days') RETURNING id"
        ),
    );
    c.batch_execute(&format!(
        "INSERT INTO networking_participants (networking_event_id, event_id, attendee_id) VALUES ('{full}', '{hidden}', '{a1}')"
    ))
    .unwrap();
    for activity in [&full, &open] {
        assert_err(
            as_who(
                &mut c,
                Who::User(EVE),
                &format!(
                    "INSERT INTO networking_participants (networking_event_id, event_id, attendee_id) VALUES ('{activity}', '{hidden}', '{a2}')"
                ),
            ),
            "row-level security",
        );
    }
    // Two attendees of one event, or of two events: the same refusal.
    let (other, _) = seed_event(&mut c, BOB, "Other", 10);
    let b1 = seed_attendee(&mut c, &other, BOB, "bob@example.com");
    for invitee in [&a2, &b1] {
        assert_err(
            as_who(
                &mut c,
                Who::User(EVE),
                &format!(
                    "INSERT INTO meetings (organizer_id, invitee_id, time_slot) VALUES ('{a1}', '{invitee}', now() + interval '5 days')"
                ),
            ),
            "row-level security",
        );
    }
    // Legitimate: the event's organizer enrols her attendees; capacity still holds.
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            &format!(
                "INSERT INTO networking_participants (networking_event_id, event_id, attendee_id) VALUES ('{full}', '{hidden}', '{a2}')"
            ),
        ),
        "This networking activity is full",
    );
    as_who_commit(
        &mut c,
        Who::User(ALICE),
        &format!("INSERT INTO networking_participants (networking_event_id, event_id, attendee_id) VALUES ('{open}', '{hidden}', '{a2}') RETURNING id"),
    )
    .unwrap();
}

// ---------------------------------------------------------------------------------------
// State machines

/// matches had one status either participant could set: one accepted for both.
#[test]
fn a_match_is_accepted_only_when_both_participants_accept() {
    let (_db, mut c) = world();
    let (event, _) = seed_event(&mut c, ALICE, "Matching", 10);
    let carol = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    let dave = seed_attendee(&mut c, &event, DAVE, "dave@example.com");
    let (first, second) = if carol < dave {
        (&carol, &dave)
    } else {
        (&dave, &carol)
    };
    let carol_side = if first == &carol { 1 } else { 2 };
    let dave_side = 3 - carol_side;
    let m = one(
        &mut c,
        &format!(
            "INSERT INTO matches (event_id, attendee_1_id, attendee_2_id, match_score) VALUES ('{event}', '{first}', '{second}', 0.9) RETURNING id"
        ),
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            &format!("UPDATE matches SET status = 'accepted' WHERE id = '{m}'"),
        ),
        "permission denied",
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            &format!(
                "UPDATE matches SET attendee_{dave_side}_response = 'accepted' WHERE id = '{m}'"
            ),
        ),
        "answers a match only for themselves",
    );
    assert_eq!(visible(&mut c, Who::User(EVE), "matches"), Some(0));
    assert_err(
        as_who(
            &mut c,
            Who::User(EVE),
            &format!("SELECT public.respond_to_match('{m}', true)"),
        ),
        "Match not found",
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            &format!("SELECT public.respond_to_match('{m}', true)"),
        ),
        "Match not found",
    );
    // Legitimate: each side answers; accepted once both did; a decline by either wins.
    assert_eq!(
        as_who_commit(
            &mut c,
            Who::User(CAROL),
            &format!("UPDATE matches SET attendee_{carol_side}_response = 'accepted' WHERE id = '{m}' RETURNING status"),
        )
        .unwrap(),
        vec!["suggested"]
    );
    assert_eq!(
        as_who_commit(
            &mut c,
            Who::User(DAVE),
            &format!("SELECT public.respond_to_match('{m}', true)")
        )
        .unwrap(),
        vec!["accepted"]
    );
    assert_eq!(
        as_who(
            &mut c,
            Who::User(DAVE),
            &format!("SELECT public.respond_to_match('{m}', false)")
        )
        .unwrap(),
        vec!["declined"]
    );
    // Once the matcher closed it, nobody answers any more.
    c.batch_execute(&format!(
        "UPDATE matches SET status = 'expired' WHERE id = '{m}'"
    ))
    .unwrap();
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            &format!("SELECT public.respond_to_match('{m}', false)"),
        ),
        "takes no answers",
    );
}

/// Meetings had no state machine: an invitee could "accept" a cancelled or completed meeting,
/// and an inviter could send any number of identical invitations.
#[test]
fn meeting_invitations_follow_their_state_machine_and_limits() {
    let (_db, mut c) = world();
    let event = free_event(&mut c, BOB, "NULL");
    let carol = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    let dave = seed_attendee(&mut c, &event, DAVE, "dave@example.com");
    c.batch_execute(&format!(
        "UPDATE attendees SET networking_opt_in = true WHERE event_id = '{event}'"
    ))
    .unwrap();
    let invite = format!(
        "INSERT INTO meetings (organizer_id, invitee_id, time_slot) VALUES ('{carol}', '{dave}', now() + interval '5 days') RETURNING id"
    );
    let meeting = as_who_commit(&mut c, Who::User(CAROL), &invite)
        .unwrap()
        .remove(0);
    assert_err(
        as_who(&mut c, Who::User(CAROL), &invite),
        "already have an open invitation",
    );
    let set = |status: &str| {
        format!("UPDATE meetings SET status = '{status}' WHERE id = '{meeting}' RETURNING status")
    };
    as_who_commit(&mut c, Who::User(CAROL), &set("cancelled")).unwrap();
    assert_err(
        as_who(&mut c, Who::User(DAVE), &set("accepted")),
        "cannot go from cancelled to accepted",
    );
    // Legitimate: the inviter re-proposes, the invitee accepts, either completes; then it is final.
    as_who_commit(&mut c, Who::User(CAROL), &set("proposed")).unwrap();
    as_who_commit(&mut c, Who::User(DAVE), &set("accepted")).unwrap();
    as_who_commit(&mut c, Who::User(DAVE), &set("completed")).unwrap();
    assert_err(
        as_who(&mut c, Who::User(DAVE), &set("declined")),
        "A completed meeting cannot change",
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(CAROL),
            &format!(
                "UPDATE meetings SET time_slot = now() + interval '6 days' WHERE id = '{meeting}'"
            ),
        ),
        "A completed meeting cannot change",
    );
    // Invitations per day: 20 (settings.max_meeting_invitations_per_day).
    c.batch_execute("UPDATE eventos_private.settings SET max_meeting_invitations_per_day = 2")
        .unwrap();
    as_who_commit(&mut c, Who::User(CAROL), &invite).unwrap();
    c.batch_execute(&format!(
        "UPDATE meetings SET status = 'cancelled' WHERE organizer_id = '{carol}'"
    ))
    .unwrap();
    assert_err(
        as_who(&mut c, Who::User(CAROL), &invite),
        "Too many invitations in the last 24 hours",
    );
}

// ---------------------------------------------------------------------------------------
// Cross-tenant destruction

/// The organizer who created a sponsor could delete it after the sponsor's own account had
/// claimed it, cascading away the account's lead scores and follow-up sequences.
#[test]
fn a_sponsors_creator_cannot_wipe_the_sponsor_accounts_data() {
    let (_db, mut c) = world();
    let (event, _) = seed_event(&mut c, ALICE, "Sponsored", 10);
    let lead = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    let claimed = one(
        &mut c,
        &format!(
            "INSERT INTO sponsors (created_by, user_id, company_name) VALUES ('{ALICE}', '{SPONSOR}', 'Acme') RETURNING id"
        ),
    );
    let unclaimed = one(
        &mut c,
        &format!(
            "INSERT INTO sponsors (created_by, company_name) VALUES ('{ALICE}', 'Prospect') RETURNING id"
        ),
    );
    c.batch_execute(&format!(
        "INSERT INTO sponsor_lead_scores (attendee_id, sponsor_id, score) VALUES ('{lead}', '{claimed}', 0.8);
         INSERT INTO follow_up_sequences (sponsor_id, trigger_condition) VALUES ('{claimed}', 'visited booth')"
    ))
    .unwrap();
    assert_eq!(
        as_who_commit(
            &mut c,
            Who::User(ALICE),
            &format!("DELETE FROM sponsors WHERE id = '{claimed}' RETURNING id")
        )
        .unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        as_who(
            &mut c,
            Who::User(SPONSOR),
            "SELECT count(*) FROM sponsor_lead_scores"
        )
        .unwrap(),
        vec!["1"]
    );
    // Legitimate: an unclaimed sponsor is the creator's to delete.
    assert_eq!(
        as_who_commit(
            &mut c,
            Who::User(ALICE),
            &format!("DELETE FROM sponsors WHERE id = '{unclaimed}' RETURNING id")
        )
        .unwrap(),
        vec![unclaimed]
    );
}

// ---------------------------------------------------------------------------------------
// Caps and DoS

/// One request inserted thousands of rows into any table a signed-in user may write; venues
/// (a public catalogue) had no limit per owner; free events took registrations beyond their
/// capacity.
#[test]
fn one_request_cannot_insert_thousands_of_rows() {
    let (_db, mut c) = world();
    assert_err(
        as_who(
            &mut c,
            Who::User(EVE),
            "INSERT INTO venues (name) SELECT 'Spam ' || g FROM generate_series(1, 10000) AS g",
        ),
        "Too many venues",
    );
    c.batch_execute("UPDATE eventos_private.settings SET max_venues_per_owner = 100000")
        .unwrap();
    assert_err(
        as_who(
            &mut c,
            Who::User(EVE),
            "INSERT INTO venues (name) SELECT 'Spam ' || g FROM generate_series(1, 1000) AS g",
        ),
        "At most 200 rows per request may be added to venues",
    );
    let event = free_event(&mut c, BOB, "NULL");
    let carol = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    let stream = |n: i32| {
        format!(
            "INSERT INTO interaction_events (attendee_id, event_type) SELECT '{carol}', 'view' FROM generate_series(1, {n}) RETURNING 1"
        )
    };
    assert_err(
        as_who(&mut c, Who::User(CAROL), &stream(10000)),
        "At most 200 rows per request",
    );
    // Legitimate: a batch of 200, and organizers importing attendees are not capped.
    assert_eq!(
        as_who(&mut c, Who::User(CAROL), &stream(200))
            .unwrap()
            .len(),
        200
    );
    assert_eq!(
        as_who(
            &mut c,
            Who::User(BOB),
            &format!("INSERT INTO attendees (event_id, email, full_name) SELECT '{event}', 'g' || g || '@example.com', 'Guest' FROM generate_series(1, 1000) AS g RETURNING 1"),
        )
        .unwrap()
        .len(),
        1000
    );
    // Venues per owner.
    c.batch_execute("UPDATE eventos_private.settings SET max_venues_per_owner = 3")
        .unwrap();
    as_who_commit(
        &mut c,
        Who::User(VIC),
        "INSERT INTO venues (name) SELECT 'Hall ' || g FROM generate_series(1, 3) AS g RETURNING id",
    )
    .unwrap();
    assert_err(
        as_who(
            &mut c,
            Who::User(VIC),
            "INSERT INTO venues (name) VALUES ('One more')",
        ),
        "at most 3 per owner",
    );
}

/// Twelve users register for a free event of capacity 5 at the same instant: exactly 5 get in.
#[test]
fn free_event_capacity_holds_under_concurrent_registrations() {
    let (db, mut c) = world();
    let event = free_event(&mut c, BOB, "5");
    let users: Vec<String> = rows(
        &mut c,
        "INSERT INTO auth.users (id, email) SELECT gen_random_uuid(), 'fan' || g || '@example.com' FROM generate_series(1, 12) AS g RETURNING id || ' ' || email",
    );
    let barrier = Arc::new(Barrier::new(users.len()));
    let handles: Vec<_> = users
        .into_iter()
        .map(|user| {
            let mut s = db.client();
            let barrier = barrier.clone();
            let (user, email) = user.split_once(' ').unwrap();
            let sql = register_sql(&event, user, Some(email));
            let user: &'static str = Box::leak(user.to_string().into_boxed_str());
            thread::spawn(move || {
                barrier.wait();
                match as_who_commit(&mut s, Who::User(user), &sql) {
                    Ok(_) => true,
                    Err(e) => {
                        assert!(e.contains("This event is full"), "{e}");
                        false
                    }
                }
            })
        })
        .collect();
    let registered = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(registered, 5);
    assert_eq!(
        one(
            &mut c,
            &format!("SELECT count(*) FROM attendees WHERE event_id = '{event}'")
        ),
        "5"
    );
}

// ---------------------------------------------------------------------------------------
// Biometric data, private helpers

/// A biometric enrollment could be written already expired (back-dated), and expired rows
/// waited up to a day for the purge.
#[test]
fn biometric_data_is_never_stored_past_its_expiry() {
    let (_db, mut c) = world();
    let (event, _) = seed_event(&mut c, ALICE, "Faces", 5);
    let attendee = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    let vector = "('[' || array_to_string(array_fill(0.1::numeric, ARRAY[512]), ',') || ']')::extensions.vector";
    c.batch_execute("BEGIN; SET LOCAL ROLE service_role")
        .unwrap();
    assert_err(
        try_rows(
            &mut c,
            &format!(
                "INSERT INTO facial_recognition_data (attendee_id, embedding_vector, enrollment_date, consent_given, consent_date, expires_at)
                 VALUES ('{attendee}', {vector}, now() - interval '10 days', true, now() - interval '10 days', now() - interval '1 day')"
            ),
        ),
        "Biometric data cannot be stored past its expiry",
    );
    c.batch_execute("ROLLBACK").unwrap();
    // The purge runs every 10 minutes.
    assert_eq!(
        rows(
            &mut c,
            "SELECT schedule || ' ' || every FROM eventos_private.maintenance_jobs WHERE name = 'eventos-purge-facial-data'"
        ),
        vec!["*/10 * * * * 00:10:00"]
    );
}

/// anon held USAGE on eventos_private and EXECUTE on its SECURITY DEFINER helpers (oracles
/// such as organizes_event(uuid) or event_is_free(uuid) the moment the schema is exposed).
#[test]
fn anon_reaches_nothing_in_the_private_schema() {
    let (_db, mut c) = world();
    assert_eq!(
        rows(
            &mut c,
            "SELECT count(*) FROM pg_proc WHERE pronamespace = 'eventos_private'::regnamespace AND has_function_privilege('anon', oid, 'EXECUTE')"
        ),
        vec!["0"]
    );
    assert_err(
        as_who(&mut c, Who::Anon, "SELECT eventos_private.is_admin()"),
        "permission denied for schema eventos_private",
    );
    // Legitimate: anon still reads the public catalogue, whose policies need no helper.
    let (event, _) = seed_event(&mut c, ALICE, "Public", 5);
    assert_eq!(
        as_who(
            &mut c,
            Who::Anon,
            &format!("SELECT count(*) FROM ticket_tiers WHERE event_id = '{event}'")
        )
        .unwrap(),
        vec!["1"]
    );
}

/// The restore flag of unarchive_event() (`eventos.restoring`) is a setting anyone can set in
/// their own session; the rules it relaxes ignore it for the API roles.
#[test]
fn the_restore_flag_relaxes_nothing_for_api_roles() {
    let (_db, mut c) = world();
    let (event, tier) = seed_event(&mut c, ALICE, "Flagged", 50);
    let flag = "SELECT set_config('eventos.restoring', 'on', true);";
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            &format!(
                "{flag} INSERT INTO events (name, start_at, end_at) VALUES ('Back-dated', now() - interval '9 days', now() - interval '8 days')"
            ),
        ),
        "cannot be in the past",
    );
    let orders = format!(
        "{flag} INSERT INTO orders (event_id, tier_id, quantity) SELECT '{event}', '{tier}', 1 FROM generate_series(1, 5)"
    );
    assert_err(
        as_who(&mut c, Who::User(CAROL), &orders),
        "Too many unpaid orders",
    );
}

/// A participant could mark their own networking participation "attended".
#[test]
fn networking_attendance_is_recorded_by_the_organizer() {
    let (_db, mut c) = world();
    let event = free_event(&mut c, BOB, "NULL");
    let carol = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    c.batch_execute(&format!(
        "UPDATE attendees SET networking_opt_in = true WHERE id = '{carol}'"
    ))
    .unwrap();
    let activity = one(
        &mut c,
        &format!(
            "INSERT INTO networking_events (event_id, activity_type, start_time) VALUES ('{event}', 'mixer', now() + interval '5 days') RETURNING id"
        ),
    );
    as_who_commit(
        &mut c,
        Who::User(CAROL),
        &format!("INSERT INTO networking_participants (networking_event_id, event_id, attendee_id) VALUES ('{activity}', '{event}', '{carol}') RETURNING id"),
    )
    .unwrap();
    let set = |status: &str| {
        format!("UPDATE networking_participants SET status = '{status}' RETURNING status")
    };
    assert_err(
        as_who(&mut c, Who::User(CAROL), &set("attended")),
        "row-level security",
    );
    // Legitimate: she cancels and comes back; the organizer records attendance.
    as_who_commit(&mut c, Who::User(CAROL), &set("cancelled")).unwrap();
    as_who_commit(&mut c, Who::User(CAROL), &set("registered")).unwrap();
    assert_eq!(
        as_who(&mut c, Who::User(BOB), &set("attended")).unwrap(),
        vec!["attended"]
    );
}
