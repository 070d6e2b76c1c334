//! Rollback through `eventos migrate down`: each `sql/rollback/phase<N>.sql` restores exactly
//! the catalog of phases 0..N-1 (compared object by object, ACLs included), and the bundles
//! apply again afterwards.

use crate::harness::schema::{assert_same_catalog, catalog, rows};
use crate::harness::{Pg, TestDb, repo_root};

/// Applies phases 0..=max one at a time (snapshotting before each), rolls back max..=0
/// comparing with the snapshots, then applies everything again and compares with the first
/// full apply.
fn round_trip(pg: Pg, max: u32) {
    let db = TestDb::new(pg);
    let root = repo_root();
    // Baseline: only the Supabase compatibility layer.
    db.eventos(&root, &["status", "--supabase-compat"])
        .assert()
        .success();
    let mut client = db.client();

    let mut before = Vec::new();
    for phase in 0..=max {
        before.push(catalog(&mut client));
        db.migrate_up(&root, &["--phase", &phase.to_string()]);
    }
    let full = catalog(&mut client);
    assert!(
        full.len() > before[0].len() + 500,
        "phases created too little: {}",
        full.len()
    );

    for phase in (0..=max).rev() {
        db.migrate_down(&root, phase);
        let after = catalog(&mut client);
        assert_same_catalog(
            &before[phase as usize],
            &after,
            &format!("after rollback of phase {phase}"),
        );
    }
    assert_eq!(
        rows(
            &mut client,
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        ),
        vec!["0"],
        "rollback 0 must leave public empty"
    );

    db.migrate_up(&root, &["--phase", &max.to_string()]);
    let again = catalog(&mut client);
    assert_same_catalog(&full, &again, "re-apply after full rollback");
    db.eventos(&root, &["verify", "--phase", &max.to_string()])
        .assert()
        .success();
}

#[test]
fn phases_0_to_4_roll_back_phase_by_phase_and_apply_again_pg18() {
    round_trip(Pg::Vector, 4);
}

#[test]
fn phases_0_to_1_roll_back_and_apply_again_pg15() {
    round_trip(Pg::Stock, 1);
}

/// Rolling back a single phase in the middle of a populated database keeps the earlier
/// phases' data and the ALTERed columns disappear.
#[test]
fn rollback_of_phase_2_keeps_phase_0_and_1_data_and_undoes_alters() {
    let db = TestDb::new(Pg::Vector);
    let root = repo_root();
    db.migrate_up(&root, &["--phase", "2"]);
    let mut client = db.client();
    crate::harness::schema::seed_users(&mut client);
    let (event, _tier) = crate::harness::schema::seed_event(
        &mut client,
        crate::harness::schema::ALICE,
        "Keep me",
        5,
    );
    crate::harness::schema::seed_attendee(
        &mut client,
        &event,
        crate::harness::schema::BOB,
        "bob@example.com",
    );
    assert_eq!(
        rows(
            &mut client,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'attendees' AND column_name = 'networking_opt_in'"
        ),
        vec!["1"]
    );

    db.migrate_down(&root, 2);

    assert_eq!(
        rows(&mut client, "SELECT count(*) FROM public.events"),
        vec!["1"]
    );
    assert_eq!(
        rows(&mut client, "SELECT count(*) FROM public.attendees"),
        vec!["1"]
    );
    assert_eq!(
        rows(
            &mut client,
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name IN ('networking_opt_in', 'personalization_consent', 'recommendation_id')"
        ),
        vec!["0"]
    );
    assert_eq!(
        rows(
            &mut client,
            "SELECT count(*) FROM pg_extension WHERE extname = 'vector'"
        ),
        vec!["0"],
        "phase 2 created vector, so its rollback drops it"
    );
    // The audit chain of phase 0 survives the rollback intact.
    assert_eq!(
        rows(
            &mut client,
            "SELECT count(*) FROM public.verify_audit_log_integrity()"
        ),
        vec!["0"]
    );
    db.eventos(&root, &["verify", "--phase", "1"])
        .assert()
        .success();
    db.migrate_up(&root, &[]);
    db.eventos(&root, &["verify"]).assert().success();
}

/// When the project already had pgvector, the phase 2 rollback leaves it installed.
#[test]
fn phase_2_rollback_keeps_a_preexisting_vector_extension() {
    let db = TestDb::new(Pg::Vector);
    let root = repo_root();
    db.eventos(&root, &["status", "--supabase-compat"])
        .assert()
        .success();
    let mut client = db.client();
    client
        .batch_execute("CREATE EXTENSION vector WITH SCHEMA extensions")
        .unwrap();
    db.migrate_up(&root, &["--phase", "2"]);
    db.migrate_down(&root, 2);
    assert_eq!(
        rows(
            &mut client,
            "SELECT count(*) FROM pg_extension WHERE extname = 'vector'"
        ),
        vec!["1"]
    );
}
