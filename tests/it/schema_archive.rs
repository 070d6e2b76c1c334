//! Schema v2's archive: an event with everything that belongs to it (sessions, tiers, orders,
//! payments, tickets, attendees, feedback, sponsorships, meetings, logs …) goes into one
//! document and comes back exactly; nothing is lost, nothing of other events is touched.

use crate::harness::schema::*;
use crate::harness::{Pg, TestDb, repo_root};

/// One line per (table, row) of every table an event owns, plus the rows that only point at
/// it (wizard sessions), for comparing the database before archiving and after un-archiving.
fn snapshot(c: &mut postgres::Client) -> Vec<String> {
    let tables = rows(
        c,
        "SELECT tbl::text FROM eventos_private.archive_tables() UNION ALL SELECT 'public.wizard_sessions'",
    );
    let mut out = Vec::new();
    for t in tables {
        // A row that only pointed at the event was touched when the link was cut (updated_at).
        let image = if t == "public.wizard_sessions" {
            "to_jsonb(x) - 'updated_at'"
        } else {
            "to_jsonb(x)"
        };
        out.extend(rows(
            c,
            &format!("SELECT '{t} ' || ({image})::text FROM {t} AS x ORDER BY 1"),
        ));
    }
    out.sort();
    out
}

/// A finished event of ALICE with rows in many owned tables; returns its id.
fn populated_event(c: &mut postgres::Client, name: &str) -> String {
    let (event, tier) = seed_event(c, ALICE, name, 10);
    let carol = seed_attendee(c, &event, CAROL, &format!("carol+{name}@example.com"));
    let bob = seed_attendee(c, &event, BOB, &format!("bob+{name}@example.com"));
    let order = seed_paid_order(c, &event, &tier, CAROL, 2);
    let ticket = issue_ticket(c, &order).unwrap();
    c.batch_execute(&format!(
        "UPDATE tickets SET attendee_id = '{carol}' WHERE id = '{ticket}';
         INSERT INTO payments (order_id, amount, status, paid_at) VALUES ('{order}', 50, 'succeeded', now());
         INSERT INTO event_sessions (event_id, title, start_time, end_time) VALUES ('{event}', 'Talk', now() + interval '10 days', now() + interval '10 days 1 hour');
         INSERT INTO feedback_analysis (attendee_id, feedback_text) VALUES ('{carol}', 'Great');
         INSERT INTO sponsors (id, created_by, company_name) VALUES (md5('{name}')::uuid, '{ALICE}', 'Acme {name}');
         INSERT INTO sponsorships (sponsor_id, event_id, package_type, amount) VALUES (md5('{name}')::uuid, '{event}', 'gold', 1000);
         INSERT INTO sponsor_deliverables (sponsorship_id, type) SELECT id, 'booth' FROM sponsorships WHERE event_id = '{event}';
         INSERT INTO meetings (organizer_id, invitee_id, time_slot) VALUES ('{carol}', '{bob}', now() + interval '10 days');
         INSERT INTO check_in_logs (attendee_id, event_id, method) VALUES ('{carol}', '{event}', 'manual');
         INSERT INTO chatbot_logs (conversation_id, attendee_id, event_id) VALUES ('c1', '{carol}', '{event}');
         INSERT INTO agent_tasks (id, agent_id, description, event_id) VALUES (md5('t{name}')::uuid, 'a', 'parent', '{event}');
         INSERT INTO agent_tasks (agent_id, description, event_id, parent_task_id) VALUES ('a', 'child', '{event}', md5('t{name}')::uuid);
         INSERT INTO wizard_sessions (user_id, session_id, event_id) VALUES ('{ALICE}', 'wiz-{name}', '{event}');
         INSERT INTO facial_recognition_data (attendee_id, embedding_vector, consent_given, consent_date, expires_at)
           VALUES ('{carol}', array_fill(0.1, ARRAY[512])::real[]::extensions.vector, true, now(), now() + interval '30 days');
         UPDATE events SET start_at = now() - interval '800 days', end_at = now() - interval '799 days', status = 'completed' WHERE id = '{event}';"
    ))
    .unwrap();
    event
}

#[test]
fn archive_round_trip_restores_every_row_exactly() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    let mut c = db.client();
    seed_v2_users(&mut c);
    let event = populated_event(&mut c, "archived");
    let _other = populated_event(&mut c, "untouched");
    // Biometric rows are never archived: delete them from the expected picture first.
    c.batch_execute(&format!(
        "DELETE FROM facial_recognition_data WHERE attendee_id IN (SELECT id FROM attendees WHERE event_id = '{event}')"
    ))
    .unwrap();
    let before = snapshot(&mut c);
    let count: i64 = one(&mut c, &format!("SELECT public.archive_event('{event}')"))
        .parse()
        .unwrap();
    assert_eq!(
        count, 16,
        "events, tier, 2 attendees, order, ticket, payment, session, feedback, sponsorship, deliverable, meeting, check-in, chat log, 2 agent tasks"
    );
    assert_eq!(
        one(
            &mut c,
            &format!("SELECT count(*) FROM events WHERE id = '{event}'")
        ),
        "0"
    );
    for table in [
        "orders",
        "tickets",
        "attendees",
        "sponsorships",
        "check_in_logs",
        "chatbot_logs",
        "agent_tasks",
    ] {
        assert_eq!(
            one(
                &mut c,
                &format!("SELECT count(*) FROM {table} WHERE event_id = '{event}'")
            ),
            "0",
            "{table} still has rows of the archived event"
        );
    }
    for table in [
        "payments",
        "feedback_analysis",
        "sponsor_deliverables",
        "meetings",
    ] {
        assert_eq!(
            one(&mut c, &format!("SELECT count(*) FROM {table}")),
            "1",
            "{table}"
        );
    }
    assert_eq!(
        one(
            &mut c,
            "SELECT event_id IS NULL FROM wizard_sessions WHERE session_id = 'wiz-archived'"
        ),
        "t"
    );
    assert_eq!(
        one(
            &mut c,
            &format!("SELECT count(*) FROM events_archive WHERE id = '{event}'")
        ),
        "1"
    );
    assert_eq!(
        one(
            &mut c,
            "SELECT count(*) FROM events WHERE name = 'untouched'"
        ),
        "1"
    );

    let restored: i64 = one(&mut c, &format!("SELECT public.unarchive_event('{event}')"))
        .parse()
        .unwrap();
    assert_eq!(restored, count);
    let after = snapshot(&mut c);
    assert_same_catalog(&before, &after, "after un-archive");
    assert_eq!(
        one(
            &mut c,
            "SELECT count(*) FROM eventos_private.event_archives"
        ),
        "0"
    );
    // The deletion and the restore are in the audit log, and the chain is intact.
    c.batch_execute("SELECT public.seal_audit_log()").unwrap();
    assert_eq!(
        rows(
            &mut c,
            "SELECT problem FROM public.verify_audit_log_integrity(interval '0')"
        ),
        Vec::<String>::new()
    );
    db.eventos(&repo_root(), &["verify"]).assert().success();
}

/// Phase 0 skipped events with orders or sponsorships; now they are archived whole.
#[test]
fn archive_old_events_archives_events_with_financial_records() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    let mut c = db.client();
    seed_v2_users(&mut c);
    let event = populated_event(&mut c, "old");
    assert_eq!(
        rows(
            &mut c,
            "SELECT archived_count || ' ' || skipped_count FROM public.archive_old_events(730)"
        ),
        vec!["1 0"]
    );
    assert_eq!(
        one(
            &mut c,
            &format!(
                "SELECT row_count > 0 FROM eventos_private.event_archives WHERE event_id = '{event}'"
            )
        ),
        "t"
    );
    // Un-archiving refuses when something the rows reference is gone, and changes nothing.
    let sponsor = one(&mut c, "SELECT md5('old')::uuid");
    c.batch_execute(&format!("DELETE FROM sponsors WHERE id = '{sponsor}'"))
        .unwrap();
    assert_err(
        try_rows(&mut c, &format!("SELECT public.unarchive_event('{event}')")),
        "reference public.sponsors rows that no longer exist",
    );
    assert_eq!(
        one(
            &mut c,
            &format!("SELECT count(*) FROM events WHERE id = '{event}'")
        ),
        "0"
    );
    // Not for API roles.
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            &format!("SELECT public.unarchive_event('{event}')"),
        ),
        "permission denied",
    );
}

/// Supabase's `postgres` is no superuser: no phase 4 function may depend on a superuser-only
/// setting (phase 4's first un-archive switched `session_replication_role`).
#[test]
fn archiving_needs_no_superuser_setting() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    let mut c = db.client();
    assert_eq!(
        rows(
            &mut c,
            "SELECT p.oid::regprocedure::text FROM pg_proc AS p
             WHERE p.pronamespace IN ('public'::regnamespace, 'eventos_private'::regnamespace)
               AND p.prosrc ~* 'session_replication_role|ALTER SYSTEM|DISABLE TRIGGER ALL'"
        ),
        Vec::<String>::new()
    );
}
