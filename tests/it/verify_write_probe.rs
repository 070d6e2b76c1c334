//! The write-path probe (`eventos verify --rls-probe`, check `rls-write-probe`) against real
//! PostgreSQL: the `write-probe` fixture (events, members, notes) with correct policies passes;
//! each of three deliberately weak policy sets is caught, naming table, operation and column;
//! anon writes are caught; nothing is left behind.

use crate::harness::{Pg, TestDb, fixture, stdout};

fn applied() -> TestDb {
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&fixture("write-probe"), &[]);
    db
}

/// `verify --rls-probe` output, asserting the exit code.
fn probe(db: &TestDb, code: i32) -> String {
    stdout(
        &db.eventos(&fixture("write-probe"), &["verify", "--rls-probe"])
            .assert()
            .code(code),
    )
}

/// The failure lines of `rls-write-probe` for `table`.
fn failures(out: &str, table: &str) -> Vec<String> {
    let header = format!("FAIL rls-write-probe {table}\n");
    let Some((_, rest)) = out.split_once(&header) else {
        return Vec::new();
    };
    rest.lines()
        .take_while(|l| l.starts_with("     ") && !l.starts_with("     = help"))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn correct_policies_pass_and_leave_no_trace() {
    let db = applied();
    let out = probe(&db, 0);
    for table in ["events", "event_members", "notes"] {
        assert!(
            out.contains(&format!("pass rls-write-probe public.{table}\n")),
            "{table}:\n{out}"
        );
    }
    assert_eq!(
        db.query_strings(
            "SELECT (SELECT count(*) FROM auth.users) + (SELECT count(*) FROM public.events) + (SELECT count(*) FROM public.notes)"
        ),
        vec!["0"]
    );
}

#[test]
fn what_the_probe_tried_is_in_the_json_report() {
    let db = applied();
    let text = stdout(
        &db.eventos(
            &fixture("write-probe"),
            &["verify", "--rls-probe", "--format", "json"],
        )
        .assert()
        .success(),
    );
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let notes = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "rls-write-probe" && r["subject"] == "public.notes")
        .expect("notes probed");
    let tried: Vec<&str> = notes["tried"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        tried.contains(&"user B: INSERT a row whose author_id, event_id is user A's"),
        "{tried:?}"
    );
    assert!(
        tried.contains(&"user B: UPDATE author_id of its own row to user A's value"),
        "{tried:?}"
    );
    assert!(tried.contains(&"user B: DELETE user A's row"), "{tried:?}");
}

#[test]
fn an_update_whose_with_check_does_not_pin_the_owner_is_caught() {
    // WITH CHECK only asks for an event the user belongs to; "members of the event may read"
    // still shows the re-pointed row, so PostgreSQL accepts the UPDATE.
    let db = applied();
    db.client()
        .batch_execute(
            "DROP POLICY notes_update ON public.notes;
             CREATE POLICY notes_update ON public.notes FOR UPDATE TO authenticated
               USING (author_id = (SELECT auth.uid()))
               WITH CHECK (event_id IN (SELECT public.member_event_ids()));",
        )
        .unwrap();
    let out = probe(&db, 1);
    assert_eq!(
        failures(&out, "public.notes"),
        vec![
            "authenticated user B can UPDATE author_id of its own row of public.notes to user A's value: the row moves to A and B can no longer change it"
        ],
        "{out}"
    );
    assert!(out.contains("pass rls-write-probe public.events"), "{out}");
}

#[test]
fn an_insert_policy_that_does_not_tie_the_row_to_the_user_is_caught() {
    let db = applied();
    db.client()
        .batch_execute(
            "DROP POLICY notes_insert ON public.notes;
             CREATE POLICY notes_insert ON public.notes FOR INSERT TO authenticated
               WITH CHECK ((SELECT auth.uid()) IS NOT NULL);
             CREATE POLICY notes_public_read ON public.notes FOR SELECT TO authenticated USING (true);",
        )
        .unwrap();
    let out = probe(&db, 1);
    assert_eq!(
        failures(&out, "public.notes"),
        vec![
            "authenticated user B can INSERT into public.notes a row whose author_id, event_id is user A's (without and with RETURNING)"
        ],
        "{out}"
    );
}

#[test]
fn an_insert_hidden_from_returning_is_caught_without_it() {
    // No SELECT policy shows the foreign row: PostgREST's return=minimal (no RETURNING) still
    // writes it.
    let db = applied();
    db.client()
        .batch_execute(
            "DROP POLICY notes_insert ON public.notes;
             CREATE POLICY notes_insert ON public.notes FOR INSERT TO authenticated
               WITH CHECK (event_id IS NOT NULL);",
        )
        .unwrap();
    let out = probe(&db, 1);
    assert_eq!(
        failures(&out, "public.notes"),
        vec![
            "authenticated user B can INSERT into public.notes a row whose author_id, event_id is user A's (without RETURNING (return=minimal))"
        ],
        "{out}"
    );
}

#[test]
fn an_update_looser_than_the_insert_policy_is_caught() {
    // INSERT allows only drafts; UPDATE lets the author publish.
    let db = applied();
    db.client()
        .batch_execute(
            "DROP POLICY notes_insert ON public.notes;
             CREATE POLICY notes_insert ON public.notes FOR INSERT TO authenticated
               WITH CHECK (author_id = (SELECT auth.uid())
                           AND status = 'draft'
                           AND event_id IN (SELECT public.member_event_ids()));",
        )
        .unwrap();
    let out = probe(&db, 1);
    assert_eq!(
        failures(&out, "public.notes"),
        vec![
            "authenticated user B can UPDATE status of its own row of public.notes to 'published', a state the INSERT policies refuse"
        ],
        "{out}"
    );
}

#[test]
fn updating_and_deleting_another_users_rows_is_caught() {
    let db = applied();
    db.client()
        .batch_execute(
            "DROP POLICY notes_update ON public.notes;
             DROP POLICY notes_delete ON public.notes;
             CREATE POLICY notes_update ON public.notes FOR UPDATE TO authenticated
               USING ((SELECT auth.uid()) IS NOT NULL) WITH CHECK ((SELECT auth.uid()) IS NOT NULL);
             CREATE POLICY notes_delete ON public.notes FOR DELETE TO authenticated
               USING ((SELECT auth.uid()) IS NOT NULL);
             CREATE POLICY notes_everyone_reads ON public.notes FOR SELECT TO authenticated USING (true);",
        )
        .unwrap();
    let found = failures(&probe(&db, 1), "public.notes");
    assert!(
        found
            .iter()
            .any(|f| f
                .starts_with("authenticated user B can UPDATE user A's row of public.notes (SET ")),
        "{found:#?}"
    );
    assert!(
        found.contains(&"authenticated user B can DELETE user A's row of public.notes".to_string()),
        "{found:#?}"
    );
}

#[test]
fn anon_writes_are_caught() {
    let db = applied();
    db.client()
        .batch_execute(
            "GRANT INSERT, UPDATE, DELETE ON public.events TO anon;
             CREATE POLICY events_anon_write ON public.events FOR ALL TO anon
               USING (name <> '') WITH CHECK (name <> '');",
        )
        .unwrap();
    let out = probe(&db, 1);
    let found = failures(&out, "public.events");
    for what in [
        "anon can INSERT into public.events",
        "anon can UPDATE user A's row of public.events (SET name = name)",
        "anon can DELETE user A's row of public.events",
    ] {
        assert!(found.contains(&what.to_string()), "{what}: {out}");
    }
}
