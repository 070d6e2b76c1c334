//! Schema v2's audit chain: audited writes append without waiting on each other (independent
//! sessions, one of them holding its transaction open), the sealer links them in the order it
//! sees them commit, and tampering with sealed rows is still detected.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::schema::*;
use crate::harness::{Pg, TestDb, repo_root};

fn world() -> (TestDb, postgres::Client) {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    let mut c = db.client();
    seed_v2_users(&mut c);
    c.batch_execute("SELECT public.seal_audit_log()").unwrap();
    (db, c)
}

fn insert_event(organizer: &str) -> String {
    format!(
        "INSERT INTO events (organizer_id, name, start_at, end_at) VALUES ('{organizer}', 'Audited', now() + interval '1 day', now() + interval '2 days') RETURNING id"
    )
}

fn problems(c: &mut postgres::Client, grace: &str) -> Vec<String> {
    rows(
        c,
        &format!("SELECT problem FROM public.verify_audit_log_integrity(interval '{grace}')"),
    )
}

/// An unrelated tenant's audited insert does not wait behind a slow transaction's (it waited
/// 2 s on phase 0's chain head).
#[test]
fn audited_writes_of_two_tenants_do_not_wait_on_each_other() {
    let (db, mut c) = world();
    let mut slow = db.client();
    slow.batch_execute(&format!(
        "BEGIN; SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = '{{\"sub\":\"{ALICE}\",\"role\":\"authenticated\"}}';"
    ))
    .unwrap();
    try_rows(&mut slow, &insert_event(ALICE)).unwrap();

    let mut other = db.client();
    other.batch_execute("SET lock_timeout = '500ms'").unwrap();
    let started = Instant::now();
    as_who_commit(&mut other, Who::User(BOB), &insert_event(BOB))
        .expect("no wait on the audit log");
    assert!(started.elapsed() < Duration::from_secs(2));
    slow.batch_execute("COMMIT").unwrap();

    assert_eq!(one(&mut c, "SELECT public.seal_audit_log()"), "2");
    assert_eq!(problems(&mut c, "0"), Vec::<String>::new());
}

/// 200 audited inserts in flight at once from 100 independent sessions (two each, all
/// transactions open until every session has written): none waits on a lock — with
/// lock_timeout set, a wait would fail the session — and the sealed chain verifies.
#[test]
fn two_hundred_concurrent_audited_inserts_take_no_lock_waits() {
    let (db, mut c) = world();
    const SESSIONS: usize = 100;
    let written = Arc::new(Barrier::new(SESSIONS + 1));
    let release = Arc::new(Barrier::new(SESSIONS + 1));
    let handles: Vec<_> = (0..SESSIONS)
        .map(|i| {
            let mut s = db.client();
            let (written, release) = (written.clone(), release.clone());
            let organizer = if i % 2 == 0 { ALICE } else { BOB };
            thread::spawn(move || {
                s.batch_execute("SET lock_timeout = '2s'; BEGIN").unwrap();
                let result = try_rows(&mut s, &insert_event(organizer))
                    .and_then(|_| try_rows(&mut s, &insert_event(organizer)));
                written.wait();
                release.wait();
                s.batch_execute(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })
                    .unwrap();
                result
            })
        })
        .collect();
    written.wait();
    // Every session has written and holds its transaction: nobody waits for a lock.
    let waiting = one(
        &mut c,
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    let unsealed_visible = one(
        &mut c,
        "SELECT count(*) FROM audit_log WHERE seal_seq IS NULL",
    );
    release.wait();
    for h in handles {
        h.join().unwrap().expect("audited insert without lock wait");
    }
    assert_eq!(waiting, "0");
    assert_eq!(
        unsealed_visible, "0",
        "uncommitted rows are invisible to others"
    );
    assert_eq!(one(&mut c, "SELECT public.seal_audit_log()"), "200");
    assert_eq!(problems(&mut c, "0"), Vec::<String>::new());
    assert_eq!(
        one(
            &mut c,
            "SELECT count(DISTINCT prev_hash) FROM audit_log WHERE table_name = 'events'"
        ),
        "200"
    );
}

/// A row whose transaction commits after a later row is sealed after it: the chain follows
/// visibility (commit) order, not id order, and still verifies.
#[test]
fn late_commits_are_sealed_in_a_later_batch() {
    let (db, mut c) = world();
    let mut early = db.client();
    early.batch_execute("BEGIN").unwrap();
    let first_id = {
        try_rows(&mut early, &insert_event(ALICE)).unwrap();
        one(&mut early, "SELECT max(id) FROM audit_log")
    };
    c.batch_execute(&insert_event(BOB)).unwrap();
    assert_eq!(one(&mut c, "SELECT public.seal_audit_log()"), "1");
    early.batch_execute("COMMIT").unwrap();
    assert_eq!(one(&mut c, "SELECT public.seal_audit_log()"), "1");
    assert_eq!(
        one(
            &mut c,
            &format!(
                "SELECT seal_seq = (SELECT max(seal_seq) FROM audit_log) FROM audit_log WHERE id = {first_id}"
            )
        ),
        "t"
    );
    assert_eq!(problems(&mut c, "0"), Vec::<String>::new());
}

#[test]
fn tampering_with_sealed_rows_is_detected_and_stale_unsealed_rows_are_reported() {
    let (_db, mut c) = world();
    for _ in 0..4 {
        c.batch_execute(&insert_event(ALICE)).unwrap();
    }
    // Unsealed rows: fine within the grace period, reported after it.
    assert_eq!(problems(&mut c, "1 hour"), Vec::<String>::new());
    let stale = problems(&mut c, "0");
    assert!(
        stale.len() >= 4 && stale.iter().all(|p| p.contains("not sealed")),
        "{stale:?}"
    );
    c.batch_execute("SELECT public.seal_audit_log()").unwrap();
    assert_eq!(problems(&mut c, "0"), Vec::<String>::new());

    // Append-only for everyone without disabling triggers.
    assert_err(
        try_rows(
            &mut c,
            "UPDATE audit_log SET changed_by = NULL WHERE id = (SELECT min(id) FROM audit_log)",
        ),
        "append-only",
    );
    assert_err(
        try_rows(
            &mut c,
            "DELETE FROM audit_log WHERE id = (SELECT min(id) FROM audit_log)",
        ),
        "append-only",
    );
    // The sealing flag does not let anyone edit content.
    assert_err(
        try_rows(
            &mut c,
            "BEGIN; SELECT set_config('eventos.audit_sealing', 'on', true); UPDATE audit_log SET new_data = '{}' WHERE id = (SELECT min(id) FROM audit_log); COMMIT",
        ),
        "append-only",
    );
    c.batch_execute("ROLLBACK").ok();

    // A superuser who disables the triggers: edit, delete in the middle, delete the end.
    let ids = rows(&mut c, "SELECT id FROM audit_log ORDER BY seal_seq");
    let n = ids.len();
    c.batch_execute(&format!(
        "ALTER TABLE audit_log DISABLE TRIGGER trg_audit_log_immutable;
         UPDATE audit_log SET new_data = new_data || '{{\"name\":\"forged\"}}' WHERE id = {};",
        ids[1]
    ))
    .unwrap();
    let found = problems(&mut c, "1 hour");
    assert!(
        found
            .iter()
            .any(|p| p.contains(&format!("row {}: content does not match", ids[1]))),
        "{found:?}"
    );
    c.batch_execute(&format!("DELETE FROM audit_log WHERE id = {};", ids[2]))
        .unwrap();
    let found = problems(&mut c, "1 hour");
    assert!(
        found
            .iter()
            .any(|p| p.contains(&format!("row {}: prev_hash does not match", ids[3]))),
        "{found:?}"
    );
    c.batch_execute(&format!(
        "DELETE FROM audit_log WHERE id = {}; ALTER TABLE audit_log ENABLE TRIGGER trg_audit_log_immutable;",
        ids[n - 1]
    ))
    .unwrap();
    let found = problems(&mut c, "1 hour");
    assert!(
        found
            .iter()
            .any(|p| p.contains("audit_log_head does not match")),
        "{found:?}"
    );
}

#[test]
fn only_the_service_role_and_admins_reach_the_sealer_and_the_checks() {
    let (_db, mut c) = world();
    for who in [Who::Anon, Who::User(CAROL)] {
        for sql in [
            "SELECT public.seal_audit_log()",
            "SELECT * FROM public.verify_audit_log_integrity()",
            "SELECT count(*) FROM audit_log",
        ] {
            assert_err(as_who(&mut c, who, sql), "permission denied");
        }
    }
    assert_eq!(
        as_who(
            &mut c,
            Who::User(ADMIN),
            "SELECT count(*) FROM public.admin_audit_log_integrity()"
        )
        .unwrap(),
        vec!["0"]
    );
}
