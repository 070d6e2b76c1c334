//! Operational functions: archiving old events, the conditional slow_queries view, the
//! analytics cache refresh.

use crate::harness::schema::{
    ALICE, BOB, Who, as_who, assert_err, rows, seed_attendee, seed_event, seed_users, try_rows,
};
use crate::harness::{Pg, TestDb, repo_root};

#[test]
fn archive_moves_old_finished_events_and_skips_ones_with_orders() {
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&repo_root(), &["--phase", "1"]);
    let mut c = db.client();
    seed_users(&mut c);
    let (free, _) = seed_event(&mut c, ALICE, "Free meetup", 10);
    let (paid, tier) = seed_event(&mut c, ALICE, "Paid conf", 10);
    let (recent, _) = seed_event(&mut c, ALICE, "Recent", 10);
    seed_attendee(&mut c, &free, BOB, "bob@example.com");
    rows(
        &mut c,
        &format!(
            "INSERT INTO orders (event_id, tier_id, customer_id) VALUES ('{paid}', '{tier}', '{BOB}') RETURNING id"
        ),
    );
    // Events cannot be created in the past, but may be moved there.
    c.batch_execute(&format!(
        "UPDATE events SET start_at = now() - interval '800 days', end_at = now() - interval '799 days', status = 'completed' WHERE id IN ('{free}', '{paid}');
         UPDATE events SET start_at = now() - interval '10 days', end_at = now() - interval '9 days', status = 'completed' WHERE id = '{recent}';"
    ))
    .unwrap();
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            "SELECT * FROM archive_old_events(730)",
        ),
        "permission denied",
    );
    c.batch_execute("BEGIN; SET LOCAL ROLE service_role;")
        .unwrap();
    let result = rows(
        &mut c,
        "SELECT archived_count || ' ' || skipped_count || ' ' || archived_ids::text FROM archive_old_events(730)",
    );
    c.batch_execute("COMMIT").unwrap();
    assert_eq!(result, vec![format!("1 1 {{{free}}}")]);
    assert_eq!(
        rows(&mut c, "SELECT name FROM events_archive"),
        vec!["Free meetup"]
    );
    assert_eq!(
        rows(
            &mut c,
            "SELECT string_agg(name, ',' ORDER BY name) FROM events"
        ),
        vec!["Paid conf,Recent"]
    );
    assert_eq!(
        rows(
            &mut c,
            &format!("SELECT count(*) FROM attendees WHERE event_id = '{free}'")
        ),
        vec!["0"]
    );
    // The organizer still sees the archived event; others don't.
    assert_eq!(
        as_who(
            &mut c,
            Who::User(ALICE),
            "SELECT count(*) FROM events_archive"
        )
        .unwrap(),
        vec!["1"]
    );
    assert_eq!(
        as_who(
            &mut c,
            Who::User(BOB),
            "SELECT count(*) FROM events_archive"
        )
        .unwrap(),
        vec!["0"]
    );
    // The deletion is in the audit chain, which stays intact.
    assert_eq!(
        rows(
            &mut c,
            &format!(
                "SELECT count(*) FROM audit_log WHERE table_name = 'events' AND operation = 'DELETE' AND record_id = '{free}'"
            )
        ),
        vec!["1"]
    );
    assert!(rows(&mut c, "SELECT * FROM verify_audit_log_integrity()").is_empty());
    assert_err(
        try_rows(&mut c, "SELECT * FROM archive_old_events(-1)"),
        "p_days_old must be >= 0",
    );
}

#[test]
fn slow_queries_view_exists_only_with_pg_stat_statements() {
    let db = TestDb::new(Pg::Stock);
    // Like a Supabase project, the Supabase profile has pg_stat_statements in `extensions`
    // wherever the server ships it: the absent case needs it gone before phase 0 runs.
    db.eventos(&repo_root(), &["status", "--supabase-compat"])
        .assert()
        .success();
    let mut c = db.client();
    c.batch_execute("DROP EXTENSION IF EXISTS pg_stat_statements")
        .unwrap();
    db.migrate_up(&repo_root(), &["--phase", "0"]);
    assert_eq!(
        rows(&mut c, "SELECT to_regclass('public.slow_queries') IS NULL"),
        vec!["t"]
    );
    if rows(
        &mut c,
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_stat_statements'",
    ) == ["0"]
    {
        eprintln!(
            "pg_stat_statements not available on this server: only the absent case was checked"
        );
        return;
    }
    c.batch_execute("CREATE EXTENSION pg_stat_statements WITH SCHEMA extensions")
        .unwrap();
    assert_eq!(
        rows(&mut c, "SELECT public.ensure_slow_queries_view()"),
        vec!["t"]
    );
    assert_eq!(
        rows(
            &mut c,
            "SELECT 'security_invoker=true' = ANY (reloptions) FROM pg_class WHERE oid = 'public.slow_queries'::regclass"
        ),
        vec!["t"]
    );
    assert_eq!(
        rows(
            &mut c,
            "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'public.slow_queries'::regclass AND attnum > 0"
        ),
        vec![
            "queryid,query_preview,calls,total_exec_time_ms,mean_exec_time_ms,max_exec_time_ms,rows"
        ]
    );
    for who in [Who::Anon, Who::User(ALICE)] {
        assert_err(
            as_who(&mut c, who, "SELECT count(*) FROM slow_queries"),
            "permission denied",
        );
    }
    // Idempotent, and the phase 0 rollback removes it with the rest.
    assert_eq!(
        rows(&mut c, "SELECT public.ensure_slow_queries_view()"),
        vec!["t"]
    );
    db.migrate_down(&repo_root(), 0);
    assert_eq!(
        rows(&mut c, "SELECT to_regclass('public.slow_queries') IS NULL"),
        vec!["t"]
    );
}

#[test]
fn analytics_cache_refreshes_concurrently() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &["--phase", "0"]);
    let mut c = db.client();
    seed_users(&mut c);
    let (event, tier) = seed_event(&mut c, ALICE, "Cached", 10);
    rows(
        &mut c,
        &format!(
            "INSERT INTO orders (event_id, tier_id, customer_id, quantity, status) VALUES ('{event}', '{tier}', '{BOB}', 2, 'paid') RETURNING id"
        ),
    );
    assert_eq!(
        rows(&mut c, "SELECT count(*) FROM event_analytics_cache"),
        vec!["0"]
    );
    c.batch_execute("BEGIN; SET LOCAL ROLE service_role; SELECT public.refresh_event_analytics_cache(); COMMIT;").unwrap();
    assert_eq!(
        rows(
            &mut c,
            "SELECT order_count || ' ' || total_revenue FROM event_analytics_cache"
        ),
        vec!["1 50.00"]
    );
    // A second refresh (CONCURRENTLY needs the unique index) works too.
    c.batch_execute("SELECT public.refresh_event_analytics_cache()")
        .unwrap();
}
