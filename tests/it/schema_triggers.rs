//! Validation triggers (valid rows accepted, invalid rows rejected with clear messages), the
//! atomic ticket-tier inventory under concurrent buyers, and the hash-chained audit log.

use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::Duration;

use crate::harness::schema::{
    ALICE, BOB, CAROL, Who, as_who, as_who_commit, assert_err, rows, seed_event, seed_users,
    try_rows,
};
use crate::harness::{Pg, TestDb, repo_root};

fn setup(pg: Pg, phase: &str) -> (TestDb, postgres::Client) {
    let db = TestDb::new(pg);
    db.migrate_up(&repo_root(), &["--phase", phase]);
    let mut client = db.client();
    seed_users(&mut client);
    (db, client)
}

fn event_date_rules(pg: Pg) {
    let (_db, mut c) = setup(pg, "0");
    let alice = Who::User(ALICE);
    // valid: accepted, slug generated from the name
    let slug = as_who_commit(
        &mut c,
        alice,
        "INSERT INTO events (name, start_at, end_at) VALUES ('Rust & Friends 2030!', now() + interval '1 day', now() + interval '2 days') RETURNING slug",
    )
    .unwrap();
    assert!(slug[0].starts_with("rust-friends-2030-"), "{slug:?}");
    assert_err(
        as_who(
            &mut c,
            alice,
            "INSERT INTO events (name, start_at, end_at) VALUES ('x', now() + interval '2 days', now() + interval '1 day')",
        ),
        "must be after start date",
    );
    assert_err(
        as_who(
            &mut c,
            alice,
            "INSERT INTO events (name, start_at, end_at) VALUES ('x', now() + interval '1 day', now() + interval '1 day')",
        ),
        "must be after start date",
    );
    assert_err(
        as_who(
            &mut c,
            alice,
            "INSERT INTO events (name, start_at, end_at) VALUES ('x', now() - interval '1 hour', now() + interval '1 day')",
        ),
        "cannot be in the past",
    );
    // The past-start rule is for INSERT only: an existing event may be moved into the past.
    as_who(
        &mut c,
        alice,
        "UPDATE events SET start_at = now() - interval '3 days', end_at = now() - interval '2 days' RETURNING id",
    )
    .unwrap();
    assert_err(
        as_who(
            &mut c,
            alice,
            "UPDATE events SET end_at = start_at - interval '1 minute' RETURNING id",
        ),
        "must be after start date",
    );
    // Other domain checks
    assert_err(
        as_who(
            &mut c,
            alice,
            "INSERT INTO events (name, slug, start_at, end_at) VALUES ('x', 'Not A Slug', now() + interval '1 day', now() + interval '2 days')",
        ),
        "events_slug_check",
    );
    assert_err(
        as_who(
            &mut c,
            alice,
            "INSERT INTO events (name, start_at, end_at, status) VALUES ('x', now() + interval '1 day', now() + interval '2 days', 'live')",
        ),
        "events_status_check",
    );
    assert_err(
        try_rows(
            &mut c,
            &format!(
                "INSERT INTO wizard_sessions (user_id, session_id, completion_percentage) VALUES ('{ALICE}', 's1', 101)"
            ),
        ),
        "wizard_sessions_percentage_check",
    );
}

#[test]
fn event_dates_pg15() {
    event_date_rules(Pg::Stock);
}

#[test]
fn event_dates_pg18() {
    event_date_rules(Pg::Vector);
}

fn order_rules(pg: Pg) {
    let (_db, mut c) = setup(pg, "1");
    let (event, tier) = seed_event(&mut c, ALICE, "Orders", 30);
    let (other_event, other_tier) = seed_event(&mut c, ALICE, "Other", 5);
    let bob = Who::User(BOB);
    let insert = |q: &str, price: &str, total: &str| {
        format!(
            "INSERT INTO orders (event_id, tier_id, quantity, unit_price, total_amount) VALUES ('{event}', '{tier}', {q}, {price}, {total}) RETURNING order_number || ' ' || unit_price || ' ' || total_amount || ' ' || status"
        )
    };
    // valid, with unit price and total filled in from the tier
    let ok = as_who_commit(
        &mut c,
        bob,
        &format!("INSERT INTO orders (event_id, tier_id, quantity) VALUES ('{event}', '{tier}', 2) RETURNING order_number || ' ' || unit_price || ' ' || total_amount || ' ' || status"),
    )
    .unwrap();
    assert!(
        ok[0].starts_with("ORD-") && ok[0].ends_with(" 25.00 50.00 pending"),
        "{ok:?}"
    );
    // valid, explicit and consistent
    as_who(&mut c, bob, &insert("3", "25.00", "75.00")).unwrap();
    assert_err(
        as_who(&mut c, bob, &insert("2", "25.00", "49.99")),
        "Order total (49.99) must equal quantity (2)",
    );
    assert_err(
        as_who(&mut c, bob, &insert("21", "25.00", "525.00")),
        "Order quantity must be between 1 and 20 (got 21)",
    );
    assert_err(
        as_who(&mut c, bob, &insert("0", "25.00", "0")),
        "Order quantity must be between 1 and 20 (got 0)",
    );
    assert_err(
        as_who(&mut c, bob, &insert("1", "0.01", "0.01")),
        "does not match the ticket tier price (25.00)",
    );
    assert_err(
        as_who(
            &mut c,
            bob,
            &format!(
                "INSERT INTO orders (event_id, tier_id, quantity) VALUES ('{event}', '{other_tier}', 1)"
            ),
        ),
        "does not belong to event",
    );
    // an UPDATE that breaks the total is refused too
    assert_err(
        try_rows(&mut c, "UPDATE orders SET quantity = 3"),
        "must equal quantity (3)",
    );
    // business keys are unique
    let number = rows(&mut c, "SELECT order_number FROM orders LIMIT 1").remove(0);
    assert_err(
        try_rows(
            &mut c,
            &format!(
                "INSERT INTO orders (order_number, event_id, tier_id, customer_id) VALUES ('{number}', '{event}', '{tier}', '{BOB}')"
            ),
        ),
        "orders_order_number_key",
    );
    let _ = other_event;
}

#[test]
fn order_totals_pg15() {
    order_rules(Pg::Stock);
}

#[test]
fn order_totals_pg18() {
    order_rules(Pg::Vector);
}

#[test]
fn inventory_is_reserved_released_and_never_oversold() {
    let (_db, mut c) = setup(Pg::Stock, "0");
    let (event, tier) = seed_event(&mut c, ALICE, "Small", 3);
    let buy = |n: i32| {
        format!(
            "INSERT INTO orders (event_id, tier_id, quantity) VALUES ('{event}', '{tier}', {n}) RETURNING id"
        )
    };
    let sold = |c: &mut postgres::Client| {
        rows(
            c,
            &format!("SELECT sold_count FROM ticket_tiers WHERE id = '{tier}'"),
        )
        .remove(0)
    };
    let first = as_who_commit(&mut c, Who::User(BOB), &buy(2))
        .unwrap()
        .remove(0);
    assert_eq!(sold(&mut c), "2");
    assert_err(
        as_who(&mut c, Who::User(CAROL), &buy(2)),
        "is sold out: 2 requested, 1 available",
    );
    as_who_commit(&mut c, Who::User(CAROL), &buy(1)).unwrap();
    assert_eq!(sold(&mut c), "3");
    assert_err(
        as_who(&mut c, Who::User(CAROL), &buy(1)),
        "is sold out: 1 requested, 0 available",
    );
    // cancelling releases the units, paying keeps them
    rows(
        &mut c,
        &format!("UPDATE orders SET status = 'paid' WHERE id <> '{first}'"),
    );
    assert_eq!(sold(&mut c), "3");
    rows(
        &mut c,
        &format!("UPDATE orders SET status = 'cancelled' WHERE id = '{first}'"),
    );
    assert_eq!(sold(&mut c), "1");
    // buyers cannot touch sold_count themselves, and the CHECK backs the trigger
    assert_err(
        as_who(
            &mut c,
            Who::User(ALICE),
            "UPDATE ticket_tiers SET sold_count = 0",
        ),
        "permission denied",
    );
    assert_err(
        try_rows(
            &mut c,
            &format!("UPDATE ticket_tiers SET quantity = 0 WHERE id = '{tier}'"),
        ),
        "ticket_tiers_quantity_check",
    );
    assert_err(
        try_rows(
            &mut c,
            &format!("UPDATE ticket_tiers SET sold_count = 4 WHERE id = '{tier}'"),
        ),
        "ticket_tiers_sold_count_check",
    );
}

/// Two buyers of the last ticket in two sessions: the second blocks on the first and fails
/// once the first commits.
#[test]
fn two_concurrent_buyers_of_the_last_ticket_exactly_one_succeeds() {
    let (db, mut c) = setup(Pg::Stock, "0");
    let (event, tier) = seed_event(&mut c, ALICE, "Last ticket", 1);
    let sql = format!(
        "INSERT INTO orders (event_id, tier_id, quantity) VALUES ('{event}', '{tier}', 1) RETURNING id"
    );

    let mut first = db.client();
    first
        .batch_execute(&format!(
            "BEGIN; SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = '{{\"sub\":\"{BOB}\"}}';"
        ))
        .unwrap();
    try_rows(&mut first, &sql).expect("first buyer reserves the last ticket");

    let mut second = db.client();
    let sql2 = sql.clone();
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let r = as_who_commit(&mut second, Who::User(CAROL), &sql2);
        tx.send(()).unwrap();
        r
    });
    // The second buyer waits on the tier's row lock while the first is uncommitted.
    assert!(
        rx.recv_timeout(Duration::from_millis(700)).is_err(),
        "second buyer did not wait for the first"
    );
    first.batch_execute("COMMIT").unwrap();
    let second_result = handle.join().unwrap();
    assert_err(second_result, "is sold out: 1 requested, 0 available");
    assert_eq!(rows(&mut c, "SELECT count(*) FROM orders"), vec!["1"]);
    assert_eq!(
        rows(
            &mut c,
            &format!("SELECT sold_count FROM ticket_tiers WHERE id = '{tier}'")
        ),
        vec!["1"]
    );
}

/// Many buyers released at once: exactly `quantity` orders succeed.
fn stampede(pg: Pg, isolation: &'static str) {
    let (db, mut c) = setup(pg, "0");
    let (event, tier) = seed_event(&mut c, ALICE, "Stampede", 3);
    let buyers = 10;
    let barrier = Arc::new(Barrier::new(buyers));
    let handles: Vec<_> = (0..buyers)
        .map(|i| {
            let mut client = db.client();
            let barrier = barrier.clone();
            let user = if i % 2 == 0 { BOB } else { CAROL };
            let sql = format!("INSERT INTO orders (event_id, tier_id, quantity) VALUES ('{event}', '{tier}', 1) RETURNING id");
            thread::spawn(move || {
                barrier.wait();
                // Like a real client: retry serialization failures (REPEATABLE READ), give up
                // on "sold out".
                for _ in 0..50 {
                    client
                        .batch_execute(&format!(
                            "BEGIN ISOLATION LEVEL {isolation}; SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = '{{\"sub\":\"{user}\"}}';"
                        ))
                        .unwrap();
                    let r = try_rows(&mut client, &sql);
                    thread::sleep(Duration::from_millis(20));
                    let r = match r {
                        Ok(_) => client.batch_execute("COMMIT").map_err(|e| crate::harness::schema::message(&e)),
                        Err(e) => {
                            client.batch_execute("ROLLBACK").unwrap();
                            Err(e)
                        }
                    };
                    match r {
                        Err(e) if e.contains("could not serialize") => continue,
                        other => return other,
                    }
                }
                Err("gave up after 50 serialization failures".to_string())
            })
        })
        .collect();
    let results: Vec<Result<(), String>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 3, "{isolation}: {results:?}");
    for err in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(err.contains("sold out"), "unexpected failure: {err}");
    }
    assert!(rows(&mut c, "SELECT * FROM verify_audit_log_integrity()").is_empty());
    assert_eq!(rows(&mut c, "SELECT count(*) FROM orders"), vec!["3"]);
    assert_eq!(
        rows(
            &mut c,
            &format!("SELECT sold_count FROM ticket_tiers WHERE id = '{tier}'")
        ),
        vec!["3"]
    );
}

#[test]
fn stampede_read_committed_pg15() {
    stampede(Pg::Stock, "READ COMMITTED");
}

#[test]
fn stampede_repeatable_read_pg18() {
    stampede(Pg::Vector, "REPEATABLE READ");
}

#[test]
fn venue_double_booking_is_refused() {
    let (_db, mut c) = setup(Pg::Stock, "0");
    let (event, _) = seed_event(&mut c, ALICE, "Venue", 5);
    let venue = rows(&mut c, &format!("INSERT INTO venues (owner_id, name, capacity) VALUES ('{ALICE}', 'Hall', 100) RETURNING id")).remove(0);
    let book = |from: &str, to: &str, status: &str| {
        format!(
            "INSERT INTO venue_bookings (event_id, venue_id, start_time, end_time, status) VALUES ('{event}', '{venue}', now() + interval '{from}', now() + interval '{to}', '{status}') RETURNING id"
        )
    };
    rows(&mut c, &book("10 days", "11 days", "confirmed"));
    assert_err(
        try_rows(&mut c, &book("10 days 12 hours", "12 days", "confirmed")),
        "is already booked from",
    );
    rows(&mut c, &book("10 days 12 hours", "12 days", "pending")); // tentative overlaps are fine
    rows(&mut c, &book("11 days", "12 days", "confirmed")); // adjacent is fine
    assert_err(
        try_rows(&mut c, &book("12 days", "11 days", "pending")),
        "venue_bookings_times_check",
    );
}

#[test]
fn range_checks_on_ai_tables() {
    let (_db, mut c) = setup(Pg::Stock, "1");
    let (event, _) = seed_event(&mut c, ALICE, "AI", 5);
    assert_err(
        try_rows(
            &mut c,
            &format!(
                "INSERT INTO ai_generated_content (event_id, content_type, prompt, generated_text, model_used, quality_score) VALUES ('{event}', 'email', 'p', 't', 'm', 1.5)"
            ),
        ),
        "ai_generated_content_quality_check",
    );
    assert_err(
        try_rows(
            &mut c,
            &format!(
                "INSERT INTO chatbot_logs (conversation_id, event_id, satisfaction_rating) VALUES ('c', '{event}', 6)"
            ),
        ),
        "chatbot_logs_rating_check",
    );
    assert_err(
        try_rows(
            &mut c,
            &format!("INSERT INTO generation_history (user_id, success) VALUES ('{ALICE}', false)"),
        ),
        "generation_history_error_check",
    );
    rows(
        &mut c,
        &format!(
            "INSERT INTO chatbot_logs (conversation_id, event_id, satisfaction_rating) VALUES ('c', '{event}', 5) RETURNING id"
        ),
    );
}

#[test]
fn facial_data_requires_consent_and_expiry_and_is_purged() {
    let (_db, mut c) = setup(Pg::Vector, "3");
    let (event, _) = seed_event(&mut c, ALICE, "Faces", 5);
    let a1 = crate::harness::schema::seed_attendee(&mut c, &event, BOB, "bob@example.com");
    let a2 = crate::harness::schema::seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    let vec512 = |x: &str| {
        format!(
            "('[' || array_to_string(array_fill({x}::numeric, ARRAY[512]), ',') || ']')::extensions.vector"
        )
    };
    let insert = |att: &str, consent: &str, consent_date: &str, expires: &str| {
        format!(
            "INSERT INTO facial_recognition_data (attendee_id, embedding_vector, consent_given, consent_date, expires_at) VALUES ('{att}', {}, {consent}, {consent_date}, {expires}) RETURNING id",
            vec512("0.1")
        )
    };
    // CHECK and NOT NULL constraints fire before the index insert.
    assert_err(
        try_rows(
            &mut c,
            &insert(&a1, "false", "now()", "now() + interval '30 days'"),
        ),
        "facial_recognition_data_consent_check",
    );
    assert_err(
        try_rows(
            &mut c,
            &insert(&a1, "true", "NULL", "now() + interval '30 days'"),
        ),
        "consent_date",
    );
    assert_err(
        try_rows(&mut c, &insert(&a1, "true", "now()", "NULL")),
        "expires_at",
    );
    assert_err(
        try_rows(
            &mut c,
            &insert(&a1, "true", "now()", "now() + interval '400 days'"),
        ),
        "facial_recognition_data_retention_check",
    );
    assert_err(
        try_rows(
            &mut c,
            &format!(
                "INSERT INTO facial_recognition_data (attendee_id, embedding_vector, consent_given, consent_date, expires_at) VALUES ('{a1}', '[1,2,3]', true, now(), now() + interval '1 day')"
            ),
        ),
        "expected 512 dimensions",
    );
    // Valid rows and the purge. The pgvector build of the test server crashes (SIGILL) on HNSW
    // inserts on CPUs without AVX-512, so the index is dropped inside this transaction only.
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            "SELECT count(*) FROM facial_recognition_data",
        ),
        "permission denied",
    );
    assert_err(
        as_who(
            &mut c,
            Who::User(BOB),
            "SELECT public.purge_expired_facial_data()",
        ),
        "permission denied for function",
    );
    c.batch_execute("BEGIN; DROP INDEX public.idx_facial_recognition_data_hnsw;")
        .unwrap();
    rows(
        &mut c,
        &format!(
            "INSERT INTO facial_recognition_data (attendee_id, embedding_vector, enrollment_date, consent_given, consent_date, expires_at)
             VALUES ('{a1}', {}, now() - interval '10 days', true, now() - interval '10 days', now() - interval '1 day'),
                    ('{a2}', {}, now(), true, now(), now() + interval '10 days') RETURNING id",
            vec512("0.1"),
            vec512("0.2")
        ),
    );
    c.batch_execute("SET LOCAL ROLE service_role").unwrap();
    assert_eq!(
        rows(&mut c, "SELECT public.purge_expired_facial_data()"),
        vec!["1"]
    );
    c.batch_execute("RESET ROLE").unwrap();
    assert_eq!(
        rows(
            &mut c,
            "SELECT attendee_id::text FROM facial_recognition_data"
        ),
        vec![a2]
    );
    c.batch_execute("ROLLBACK").unwrap();
}

fn audit_chain(pg: Pg) {
    let (_db, mut c) = setup(pg, "0");
    let (event, tier) = seed_event(&mut c, ALICE, "Audited", 5);
    as_who_commit(&mut c, Who::User(BOB), &format!("INSERT INTO orders (event_id, tier_id, quantity) VALUES ('{event}', '{tier}', 1) RETURNING id")).unwrap();
    rows(
        &mut c,
        &format!("UPDATE events SET name = 'Audited v2' WHERE id = '{event}' RETURNING id"),
    );
    // event insert, tier insert, order insert, tier sold_count update, event update
    assert_eq!(
        rows(
            &mut c,
            "SELECT string_agg(table_name || ':' || operation, ',' ORDER BY id) FROM audit_log"
        ),
        vec!["events:INSERT,ticket_tiers:INSERT,orders:INSERT,ticket_tiers:UPDATE,events:UPDATE"]
    );
    assert_eq!(
        rows(
            &mut c,
            "SELECT changed_by FROM audit_log WHERE table_name = 'orders'"
        ),
        vec![BOB]
    );
    assert!(rows(&mut c, "SELECT * FROM verify_audit_log_integrity()").is_empty());

    // immutable for everyone, including the table owner and service_role
    assert_err(
        try_rows(&mut c, "UPDATE audit_log SET table_name = 'x'"),
        "append-only: UPDATE",
    );
    assert_err(
        try_rows(&mut c, "DELETE FROM audit_log"),
        "append-only: DELETE",
    );
    assert_err(
        try_rows(&mut c, "TRUNCATE audit_log"),
        "append-only: TRUNCATE",
    );
    for who in [Who::Anon, Who::User(ALICE)] {
        assert_err(
            as_who(&mut c, who, "SELECT count(*) FROM audit_log"),
            "permission denied",
        );
        assert_err(
            as_who(
                &mut c,
                who,
                "SELECT count(*) FROM verify_audit_log_integrity()",
            ),
            "permission denied",
        );
    }
    c.batch_execute("BEGIN; SET LOCAL ROLE service_role;")
        .unwrap();
    assert_err(
        try_rows(&mut c, "UPDATE audit_log SET table_name = 'x'"),
        "permission denied",
    );
    c.batch_execute("ROLLBACK").unwrap();

    // A superuser bypassing the triggers edits row 3: the chain points at it.
    let third = rows(
        &mut c,
        "SELECT id FROM audit_log ORDER BY id OFFSET 2 LIMIT 1",
    )
    .remove(0);
    c.batch_execute(&format!(
        "SET session_replication_role = replica;
         UPDATE audit_log SET new_data = jsonb_set(new_data, '{{total_amount}}', '0') WHERE id = {third};
         SET session_replication_role = origin;"
    ))
    .unwrap();
    let problems = rows(
        &mut c,
        "SELECT log_id || ': ' || problem FROM verify_audit_log_integrity()",
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(&format!("{third}: ")) && problems[0].contains("row modified"),
        "{problems:?}"
    );

    // Removing a row breaks the link of its successor.
    let second = rows(
        &mut c,
        "SELECT id FROM audit_log ORDER BY id OFFSET 1 LIMIT 1",
    )
    .remove(0);
    c.batch_execute(&format!(
        "SET session_replication_role = replica; DELETE FROM audit_log WHERE id = {second}; SET session_replication_role = origin;"
    ))
    .unwrap();
    let problems = rows(&mut c, "SELECT problem FROM verify_audit_log_integrity()");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("prev_hash does not match")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("row modified")),
        "{problems:?}"
    );

    // Removing the newest row is caught through the chain head.
    c.batch_execute(
        "SET session_replication_role = replica;
         DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log);
         SET session_replication_role = origin;",
    )
    .unwrap();
    let problems = rows(&mut c, "SELECT problem FROM verify_audit_log_integrity()");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("audit_log_head does not match")),
        "{problems:?}"
    );
}

#[test]
fn audit_chain_detects_edited_and_deleted_rows_pg15() {
    audit_chain(Pg::Stock);
}

#[test]
fn audit_chain_detects_edited_and_deleted_rows_pg18() {
    audit_chain(Pg::Vector);
}
