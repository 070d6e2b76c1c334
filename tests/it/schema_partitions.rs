//! Partitioned tables: routing into the period partitions and the DEFAULT partition, the
//! maintenance function (idempotent, moves rows out of the default partition, enables RLS,
//! no API privileges on partitions), on PostgreSQL 15 (phase 1) and 18 (phases 1 and 3).

use crate::harness::schema::{
    ALICE, BOB, Who, as_who, assert_err, rows, seed_attendee, seed_event, seed_users, try_rows,
};
use crate::harness::{Pg, TestDb, repo_root};

fn partitions(c: &mut postgres::Client, parent: &str) -> Vec<String> {
    rows(
        c,
        &format!(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'public.{parent}'::regclass ORDER BY 1"
        ),
    )
}

fn run_maintenance(c: &mut postgres::Client, reference: &str, parent: &str) -> Vec<String> {
    c.batch_execute("BEGIN; SET LOCAL ROLE service_role;")
        .unwrap();
    let made = try_rows(
        c,
        &format!("SELECT * FROM public.create_upcoming_partitions({reference}, {parent})"),
    );
    c.batch_execute(if made.is_ok() { "COMMIT" } else { "ROLLBACK" })
        .unwrap();
    made.unwrap()
}

fn monthly_engagements(pg: Pg) {
    let db = TestDb::new(pg);
    db.migrate_up(&repo_root(), &["--phase", "1"]);
    let mut c = db.client();
    seed_users(&mut c);
    let (event, _) = seed_event(&mut c, ALICE, "Partitioned", 10);
    let att = seed_attendee(&mut c, &event, BOB, "bob@example.com");

    // The migration made the current month + 3 ahead, and the default partition.
    let current = rows(&mut c, "SELECT 'attendee_engagements_p' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC'), 'YYYY_MM')").remove(0);
    let parts = partitions(&mut c, "attendee_engagements");
    assert_eq!(parts.len(), 5, "{parts:?}");
    assert!(
        parts.contains(&current) && parts.contains(&"attendee_engagements_default".to_string()),
        "{parts:?}"
    );

    // Routing: now -> current month; two years ahead -> default (as the attendee, via RLS).
    let insert = |ts: &str| {
        format!(
            "INSERT INTO attendee_engagements (event_id, attendee_id, action_type, \"timestamp\") VALUES ('{event}', '{att}', 'click', {ts}) RETURNING tableoid::regclass::text"
        )
    };
    assert_eq!(
        crate::harness::schema::as_who_commit(&mut c, Who::User(BOB), &insert("now()")).unwrap(),
        vec![current.clone()]
    );
    assert_eq!(
        crate::harness::schema::as_who_commit(
            &mut c,
            Who::User(BOB),
            &insert("now() + interval '2 years'")
        )
        .unwrap(),
        vec!["attendee_engagements_default"]
    );
    assert_eq!(
        crate::harness::schema::as_who_commit(
            &mut c,
            Who::User(BOB),
            &insert("now() - interval '2 years'")
        )
        .unwrap(),
        vec!["attendee_engagements_default"]
    );
    // Partition-level FK and CHECKs hold.
    assert_err(
        try_rows(
            &mut c,
            &insert("now()").replace(&att, "00000000-0000-4000-8000-000000000000"),
        ),
        "attendee_engagements_attendee_fkey",
    );
    assert_err(
        try_rows(&mut c, &insert("now()").replace("'click'", "'hack'")),
        "attendee_engagements_action_type_check",
    );

    // Maintenance for a reference two years ahead: creates that month + 3, moves the row that
    // sat in the default partition, and is idempotent.
    let made = run_maintenance(
        &mut c,
        "now() + interval '2 years'",
        "'attendee_engagements'",
    );
    assert_eq!(made.len(), 4, "{made:?}");
    assert_eq!(
        rows(
            &mut c,
            "SELECT string_agg(tableoid::regclass::text, ',' ORDER BY \"timestamp\") FROM attendee_engagements"
        ),
        vec![format!(
            "attendee_engagements_default,{current},{}",
            made[0]
        )]
    );
    assert!(
        run_maintenance(
            &mut c,
            "now() + interval '2 years'",
            "'attendee_engagements'"
        )
        .is_empty()
    );
    assert!(
        run_maintenance(&mut c, "now()", "NULL").is_empty(),
        "everything premade already"
    );

    // Every partition (old and new): RLS on, no API privileges, the parent's indexes attached.
    let parent_indexes = rows(
        &mut c,
        "SELECT count(*) FROM pg_index WHERE indrelid = 'public.attendee_engagements'::regclass",
    )
    .remove(0);
    for p in partitions(&mut c, "attendee_engagements") {
        let facts = rows(
            &mut c,
            &format!(
                "SELECT relrowsecurity || ' ' || has_table_privilege('anon', oid, 'SELECT') || ' ' || has_table_privilege('authenticated', oid, 'SELECT,TRUNCATE')
                        || ' ' || (SELECT count(*) FROM pg_index WHERE indrelid = c.oid)
                 FROM pg_class c WHERE oid = 'public.{p}'::regclass"
            ),
        );
        assert_eq!(
            facts,
            vec![format!("true false false {parent_indexes}")],
            "{p}"
        );
        assert_err(
            as_who(
                &mut c,
                Who::User(BOB),
                &format!("SELECT count(*) FROM public.{p}"),
            ),
            "permission denied",
        );
    }
    // Through the parent, RLS applies: Bob sees his three rows, Alice (organizer) too, anon nothing.
    assert_eq!(
        as_who(
            &mut c,
            Who::User(BOB),
            "SELECT count(*) FROM attendee_engagements"
        )
        .unwrap(),
        vec!["3"]
    );
    assert_eq!(
        as_who(
            &mut c,
            Who::User(ALICE),
            "SELECT count(*) FROM attendee_engagements"
        )
        .unwrap(),
        vec!["3"]
    );
    assert_err(
        as_who(
            &mut c,
            Who::Anon,
            "SELECT count(*) FROM attendee_engagements",
        ),
        "permission denied",
    );

    // chatbot_logs: default partition and the updated_at trigger on a partitioned table.
    let row = rows(
        &mut c,
        &format!(
            "INSERT INTO chatbot_logs (conversation_id, event_id, created_at) VALUES ('c1', '{event}', now() - interval '3 years') RETURNING tableoid::regclass::text"
        ),
    );
    assert_eq!(row, vec!["chatbot_logs_default"]);
    assert_eq!(
        rows(
            &mut c,
            "UPDATE chatbot_logs SET resolved = true RETURNING (updated_at > created_at)::text"
        ),
        vec!["true"]
    );
    // Maintenance is not for API roles.
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            "SELECT * FROM public.create_upcoming_partitions()",
        ),
        "permission denied",
    );
}

#[test]
fn monthly_partitions_pg15() {
    monthly_engagements(Pg::Stock);
}

#[test]
fn monthly_partitions_pg18() {
    monthly_engagements(Pg::Vector);
}

#[test]
fn weekly_sentiment_and_monthly_check_in_partitions_pg18() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    let mut c = db.client();
    seed_users(&mut c);
    let (event, _) = seed_event(&mut c, ALICE, "Phase 3", 10);
    let att = seed_attendee(&mut c, &event, BOB, "bob@example.com");

    // sentiment_scores: this week + 8 ahead + default; weeks start on Monday (UTC).
    let parts = partitions(&mut c, "sentiment_scores");
    assert_eq!(parts.len(), 10, "{parts:?}");
    let this_week = rows(&mut c, "SELECT 'sentiment_scores_p' || to_char(date_trunc('week', now() AT TIME ZONE 'UTC'), 'YYYY_MM_DD')").remove(0);
    assert!(parts.contains(&this_week), "{parts:?}");
    let bound = rows(
        &mut c,
        &format!(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = '{this_week}'"
        ),
    )
    .remove(0);
    let monday = rows(
        &mut c,
        "SELECT extract(isodow FROM date_trunc('week', now() AT TIME ZONE 'UTC'))",
    )
    .remove(0);
    assert_eq!(monday, "1");
    assert!(
        bound.starts_with("FOR VALUES FROM ('") && bound.contains("00:00:00"),
        "{bound}"
    );

    let sent = |ts: &str| {
        format!(
            "INSERT INTO sentiment_scores (attendee_id, emotion_type, confidence, source, \"timestamp\") VALUES ('{att}', 'joy', 0.9, 'voice', {ts}) RETURNING tableoid::regclass::text"
        )
    };
    assert_eq!(rows(&mut c, &sent("now()")), vec![this_week.clone()]);
    assert_eq!(
        rows(&mut c, &sent("now() + interval '20 weeks'")),
        vec!["sentiment_scores_default"]
    );
    let made = run_maintenance(&mut c, "now() + interval '20 weeks'", "'sentiment_scores'");
    assert_eq!(made.len(), 9, "{made:?}");
    assert_eq!(
        rows(&mut c, "SELECT count(*) FROM sentiment_scores_default"),
        vec!["0"],
        "the maintenance moved the row out of the default partition"
    );
    // Weekly partitions of a phase 3 table don't disturb phase 1's monthly ones.
    assert_eq!(partitions(&mut c, "attendee_engagements").len(), 5);

    // check_in_logs: monthly, default for far-away timestamps.
    let check = |ts: &str| {
        format!(
            "INSERT INTO check_in_logs (attendee_id, event_id, method, \"timestamp\") VALUES ('{att}', '{event}', 'qr_code', {ts}) RETURNING tableoid::regclass::text"
        )
    };
    let this_month = rows(&mut c, "SELECT 'check_in_logs_p' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC'), 'YYYY_MM')").remove(0);
    assert_eq!(rows(&mut c, &check("now()")), vec![this_month]);
    assert_eq!(
        rows(&mut c, &check("now() - interval '1 year'")),
        vec!["check_in_logs_default"]
    );
    // Every partition of every partitioned table has RLS.
    assert_eq!(
        rows(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relispartition AND relnamespace = 'public'::regnamespace AND relkind = 'r' AND NOT relrowsecurity"
        ),
        vec!["0"]
    );
    db.eventos(&repo_root(), &["verify"]).assert().success();
}
