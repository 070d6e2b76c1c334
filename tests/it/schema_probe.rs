//! `eventos verify --rls-probe` over the shipped bundles: after a clean apply of phases 0–3 on
//! PostgreSQL 18 with pgvector, every `[[rls_probe]]` table of the real plans shows each synthetic
//! user only their own rows and `anon` none; a policy that leaks rows makes the probe fail.

use crate::harness::{Pg, TestDb, repo_root, stdout};

/// Every table the real plans probe, in plan order.
fn probed_tables() -> Vec<String> {
    let mut tables = Vec::new();
    for phase in 0..=4 {
        let text =
            std::fs::read_to_string(repo_root().join(format!("plans/phase{phase}.toml"))).unwrap();
        let plan: toml::Value = toml::from_str(&text).unwrap();
        for probe in plan
            .get("rls_probe")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
        {
            tables.push(probe["table"].as_str().unwrap().to_string());
        }
    }
    tables
}

#[test]
fn every_probed_table_isolates_users_and_leaves_no_trace() {
    let tables = probed_tables();
    for required in [
        "profiles",
        "events",
        "orders",
        "attendees",
        "tickets",
        "wizard_sessions",
        "wizard_actions",
        "generation_history",
        "networking_preferences",
        "attendee_preferences",
        "connection_goals",
        "networking_participants",
    ] {
        assert!(
            tables.iter().any(|t| t == required),
            "{required} is not probed"
        );
    }
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    let out = stdout(
        &db.eventos(&repo_root(), &["verify", "--rls-probe"])
            .assert()
            .success(),
    );
    for table in &tables {
        assert!(
            out.contains(&format!("pass rls-probe public.{table}\n")),
            "{table}: {out}"
        );
    }
    assert_eq!(
        db.query_strings(
            "SELECT (SELECT count(*) FROM auth.users) + (SELECT count(*) FROM public.events)"
        ),
        vec!["0"]
    );
}

#[test]
fn a_leaking_policy_fails_the_probe() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    // An attendee-side policy that compares the wrong thing: every signed-in user sees every
    // connection goal.
    db.client()
        .batch_execute(
            "CREATE POLICY connection_goals_leak ON public.connection_goals FOR SELECT TO authenticated
               USING ((SELECT auth.uid()) IS NOT NULL)",
        )
        .unwrap();
    let out = stdout(
        &db.eventos(&repo_root(), &["verify", "--rls-probe"])
            .assert()
            .code(1),
    );
    assert!(
        out.contains("FAIL rls-probe public.connection_goals"),
        "{out}"
    );
    assert!(
        out.contains("synthetic user 1 sees 1 row(s) of the other synthetic user"),
        "{out}"
    );
    assert!(out.contains("pass rls-probe public.profiles"), "{out}");
}
