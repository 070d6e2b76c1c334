//! Row-level security per table family: organizer A vs other user B vs attendee C vs anon.
//! Phases 0–1 run on PostgreSQL 15 and 18; phases 2–3 on 18 (pgvector).

use crate::harness::schema::{
    ALICE, BOB, CAROL, SPONSOR, Who, as_who, assert_err, rows, seed_attendee, seed_users, try_rows,
    visible,
};
use crate::harness::{Pg, TestDb, repo_root};

const ANON: Who = Who::Anon;
const A: Who = Who::User(ALICE); // organizer of E1 (public) and E2 (private)
const B: Who = Who::User(BOB); // organizer of E3 (public), nothing else
const C: Who = Who::User(CAROL); // attendee and buyer at E1 and E2

struct World {
    _db: TestDb,
    client: postgres::Client,
    e1: String,
    e2: String,
    e3: String,
    carol_e1: String,
}

/// Applies phases 0..=phase and seeds the three-user world (as the table owner).
fn world(pg: Pg, phase: u32) -> World {
    let db = TestDb::new(pg);
    db.migrate_up(&repo_root(), &["--phase", &phase.to_string()]);
    let mut c = db.client();
    seed_users(&mut c);
    let ev = |c: &mut postgres::Client, org: &str, name: &str, vis: &str| {
        rows(
            c,
            &format!(
                "INSERT INTO events (organizer_id, name, start_at, end_at, status, visibility)
                 VALUES ('{org}', '{name}', now() + interval '5 days', now() + interval '6 days', 'published', '{vis}') RETURNING id"
            ),
        )
        .remove(0)
    };
    let e1 = ev(&mut c, ALICE, "Public A", "public");
    let e2 = ev(&mut c, ALICE, "Private A", "private");
    let e3 = ev(&mut c, BOB, "Public B", "public");
    c.batch_execute(&format!(
        "INSERT INTO profiles (id, email, full_name) VALUES ('{ALICE}', 'alice@example.com', 'Alice'), ('{BOB}', 'bob@example.com', 'Bob'), ('{CAROL}', 'carol@example.com', 'Carol');
         INSERT INTO event_sessions (event_id, title, start_time, end_time)
           SELECT id, 'Keynote', start_at, start_at + interval '1 hour' FROM events;
         INSERT INTO ticket_tiers (event_id, name, price, quantity) SELECT id, 'GA', 10, 100 FROM events;
         INSERT INTO marketing_campaigns (event_id, name) SELECT id, 'Launch' FROM events;
         INSERT INTO whatsapp_campaigns (event_id, name, message_template) SELECT id, 'Ping', 'Hi' FROM events;
         INSERT INTO event_dashboards (event_id) SELECT id FROM events;
         INSERT INTO email_templates (owner_id, name, subject_line, body_html) VALUES ('{ALICE}', 'T', 'S', '<p>');
         INSERT INTO wizard_sessions (user_id, session_id) VALUES ('{ALICE}', 'wiz-a'), ('{BOB}', 'wiz-b');
         INSERT INTO wizard_actions (session_id, action_name) VALUES ('wiz-a', 'start'), ('wiz-b', 'start');"
    ))
    .unwrap();
    let carol_e1 = seed_attendee(&mut c, &e1, CAROL, "carol@example.com");
    seed_attendee(&mut c, &e2, CAROL, "carol@example.com");
    seed_attendee(&mut c, &e3, BOB, "bob@example.com");
    // Carol buys one ticket for E1; the backend records the payment and issues the ticket.
    let order = crate::harness::schema::as_who_commit(
        &mut c,
        C,
        &format!("INSERT INTO orders (event_id, tier_id, quantity) SELECT '{e1}', id, 1 FROM ticket_tiers WHERE event_id = '{e1}' RETURNING id"),
    )
    .unwrap()
    .remove(0);
    c.batch_execute(&format!(
        "INSERT INTO payments (order_id, amount, status, paid_at) VALUES ('{order}', 10, 'succeeded', now());
         UPDATE orders SET status = 'paid' WHERE id = '{order}';
         INSERT INTO tickets (order_id, event_id, attendee_id, tier_id)
           SELECT '{order}', '{e1}', '{carol_e1}', id FROM ticket_tiers WHERE event_id = '{e1}';"
    ))
    .unwrap();
    World {
        _db: db,
        client: c,
        e1,
        e2,
        e3,
        carol_e1,
    }
}

/// Asserts the number of rows of `table` each role sees (`None` = no SELECT privilege).
#[track_caller]
fn expect(c: &mut postgres::Client, table: &str, expected: &[(Who, Option<i64>)]) {
    for (who, want) in expected {
        let got = visible(c, *who, table);
        assert_eq!(got, *want, "{table} as {who:?}");
    }
}

fn core_isolation(pg: Pg) {
    let World {
        mut client,
        e1,
        e2,
        e3,
        carol_e1,
        ..
    } = world(pg, 1);
    let c = &mut client;
    expect(
        c,
        "events",
        &[(ANON, Some(2)), (A, Some(3)), (B, Some(2)), (C, Some(3))],
    );
    expect(
        c,
        "event_sessions",
        &[(ANON, Some(2)), (A, Some(3)), (B, Some(2)), (C, Some(3))],
    );
    expect(
        c,
        "ticket_tiers",
        &[(ANON, Some(2)), (A, Some(3)), (B, Some(2)), (C, Some(3))],
    );
    expect(
        c,
        "orders",
        &[(ANON, None), (A, Some(1)), (B, Some(0)), (C, Some(1))],
    );
    expect(
        c,
        "payments",
        &[(ANON, None), (A, Some(1)), (B, Some(0)), (C, Some(1))],
    );
    expect(
        c,
        "tickets",
        &[(ANON, None), (A, Some(1)), (B, Some(0)), (C, Some(1))],
    );
    expect(
        c,
        "attendees",
        &[(ANON, None), (A, Some(2)), (B, Some(1)), (C, Some(2))],
    );
    expect(
        c,
        "profiles",
        &[(ANON, None), (A, Some(1)), (B, Some(1)), (C, Some(1))],
    );
    for organizer_only in [
        "marketing_campaigns",
        "whatsapp_campaigns",
        "event_dashboards",
    ] {
        expect(
            c,
            organizer_only,
            &[(ANON, None), (A, Some(2)), (B, Some(1)), (C, Some(0))],
        );
    }
    expect(
        c,
        "email_templates",
        &[(ANON, None), (A, Some(1)), (B, Some(0)), (C, Some(0))],
    );
    expect(
        c,
        "wizard_sessions",
        &[(ANON, None), (A, Some(1)), (B, Some(1)), (C, Some(0))],
    );
    expect(
        c,
        "wizard_actions",
        &[(ANON, None), (A, Some(1)), (B, Some(1)), (C, Some(0))],
    );
    // The private event is visible to its attendee, not to other users.
    assert_eq!(
        as_who(
            c,
            B,
            &format!("SELECT count(*) FROM events WHERE id = '{e2}'")
        )
        .unwrap(),
        vec!["0"]
    );
    assert_eq!(
        as_who(
            c,
            C,
            &format!("SELECT count(*) FROM events WHERE id = '{e2}'")
        )
        .unwrap(),
        vec!["1"]
    );

    // Writes across tenants are refused or filtered.
    assert_eq!(
        as_who(
            c,
            B,
            &format!("UPDATE events SET name = 'pwned' WHERE id = '{e1}' RETURNING id")
        )
        .unwrap()
        .len(),
        0
    );
    assert_eq!(
        as_who(
            c,
            B,
            &format!("DELETE FROM event_sessions WHERE event_id = '{e1}' RETURNING id")
        )
        .unwrap()
        .len(),
        0
    );
    assert_err(
        as_who(
            c,
            B,
            &format!(
                "INSERT INTO events (organizer_id, name, start_at, end_at) VALUES ('{ALICE}', 'x', now() + interval '1 day', now() + interval '2 days')"
            ),
        ),
        "row-level security",
    );
    assert_err(
        as_who(
            c,
            B,
            &format!("INSERT INTO marketing_campaigns (event_id, name) VALUES ('{e1}', 'spam')"),
        ),
        "row-level security",
    );
    assert_err(
        as_who(
            c,
            B,
            &format!(
                "INSERT INTO ticket_tiers (event_id, name, price, quantity) VALUES ('{e1}', 'Free', 0, 1000)"
            ),
        ),
        "row-level security",
    );
    assert_err(
        as_who(
            c,
            C,
            &format!(
                "INSERT INTO orders (event_id, tier_id, customer_id) SELECT '{e1}', id, '{BOB}' FROM ticket_tiers WHERE event_id = '{e1}'"
            ),
        ),
        "row-level security",
    );
    assert_err(
        as_who(c, C, "UPDATE orders SET status = 'refunded'"),
        "permission denied",
    );
    assert_err(
        as_who(c, C, "UPDATE profiles SET role = 'admin'"),
        "permission denied",
    );
    assert_err(
        as_who(
            c,
            ANON,
            &format!(
                "INSERT INTO events (organizer_id, name, start_at, end_at) VALUES ('{ALICE}', 'x', now() + interval '1 day', now() + interval '2 days')"
            ),
        ),
        "permission denied",
    );
    // Ordering on an event you cannot see is impossible; an organizer may check tickets in.
    let e2_tier = rows(
        c,
        &format!("SELECT id FROM ticket_tiers WHERE event_id = '{e2}'"),
    )
    .remove(0);
    assert_eq!(
        as_who(
            c,
            B,
            &format!("SELECT count(*) FROM ticket_tiers WHERE id = '{e2_tier}'")
        )
        .unwrap(),
        vec!["0"]
    );
    assert_err(
        as_who(
            c,
            B,
            &format!("INSERT INTO orders (event_id, tier_id) VALUES ('{e2}', '{e2_tier}')"),
        ),
        "row-level security",
    );
    assert_eq!(
        as_who(
            c,
            A,
            "UPDATE tickets SET checked_in_at = now() RETURNING id"
        )
        .unwrap()
        .len(),
        1
    );
    assert_eq!(
        as_who(
            c,
            B,
            "UPDATE tickets SET checked_in_at = now() RETURNING id"
        )
        .unwrap()
        .len(),
        0
    );
    let _ = e3;

    // Phase 1 families
    let ai = format!(
        "INSERT INTO ai_generated_content (event_id, content_type, prompt, generated_text, model_used) VALUES ('{e1}', 'email', 'p', 't', 'm')"
    );
    client_exec(c, &ai);
    client_exec(
        c,
        &format!(
            "INSERT INTO chatbot_logs (conversation_id, attendee_id, event_id) SELECT 'conv', id, event_id FROM attendees WHERE user_id = '{CAROL}'"
        ),
    );
    client_exec(
        c,
        &format!(
            "INSERT INTO faq_library (event_id, question, answer) VALUES (NULL, 'q', 'a'), ('{e1}', 'q', 'a'), ('{e2}', 'q', 'a')"
        ),
    );
    client_exec(
        c,
        "INSERT INTO content_templates (template_name, category, system_prompt, user_prompt_template) VALUES ('t1', 'email', 's', 'u'), ('t2', 'email', 's', 'u')",
    );
    client_exec(
        c,
        "UPDATE content_templates SET active = false WHERE template_name = 't2'",
    );
    expect(
        c,
        "ai_generated_content",
        &[(ANON, None), (A, Some(1)), (B, Some(0)), (C, Some(0))],
    );
    expect(
        c,
        "chatbot_logs",
        &[(ANON, None), (A, Some(2)), (B, Some(0)), (C, Some(2))],
    );
    expect(
        c,
        "faq_library",
        &[(ANON, Some(2)), (A, Some(3)), (B, Some(2)), (C, Some(3))],
    );
    expect(
        c,
        "content_templates",
        &[(ANON, None), (A, Some(1)), (B, Some(1))],
    );
    assert_err(as_who(c, B, &ai), "row-level security");
    assert_err(
        as_who(
            c,
            B,
            &format!(
                "INSERT INTO attendee_engagements (event_id, attendee_id, action_type) VALUES ('{e1}', '{carol_e1}', 'click')"
            ),
        ),
        "row-level security",
    );
    as_who(c, C, &format!("INSERT INTO attendee_engagements (event_id, attendee_id, action_type) SELECT event_id, id, 'click' FROM attendees WHERE user_id = '{CAROL}' RETURNING id")).unwrap();
}

fn client_exec(c: &mut postgres::Client, sql: &str) {
    c.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {}", crate::harness::schema::message(&e)));
}

#[test]
fn core_and_ai_tables_isolate_tenants_pg15() {
    core_isolation(Pg::Stock);
}

#[test]
fn core_and_ai_tables_isolate_tenants_pg18() {
    core_isolation(Pg::Vector);
}

#[test]
fn internal_objects_are_closed_to_api_roles() {
    let World { mut client, .. } = world(Pg::Stock, 1);
    let c = &mut client;
    for table in [
        "audit_log",
        "audit_log_head",
        "event_analytics_cache",
        "table_statistics",
        "index_usage_statistics",
        "rls_coverage",
        "partition_config",
        "attendee_engagements_default",
        "chatbot_logs_default",
    ] {
        expect(c, table, &[(ANON, None), (A, None)]);
    }
    // event_summary is security_invoker: an organizer's numbers, nobody else's.
    expect(
        c,
        "event_summary",
        &[(ANON, None), (A, Some(3)), (B, Some(2))],
    );
    assert_eq!(
        as_who(c, A, "SELECT sum(total_orders) FROM event_summary").unwrap(),
        vec!["1"]
    );
    assert_eq!(
        as_who(c, B, "SELECT sum(total_orders) FROM event_summary").unwrap(),
        vec!["0"]
    );
    // The analytics cache is reachable only through the organizer RPC.
    c.batch_execute("SELECT public.refresh_event_analytics_cache()")
        .unwrap();
    assert_eq!(
        as_who(c, A, "SELECT count(*) FROM get_event_analytics()").unwrap(),
        vec!["2"]
    );
    assert_eq!(
        as_who(c, B, "SELECT count(*) FROM get_event_analytics()").unwrap(),
        vec!["1"]
    );
    assert_err(
        as_who(c, ANON, "SELECT count(*) FROM get_event_analytics()"),
        "permission denied",
    );
    for f in [
        "refresh_event_analytics_cache()",
        "archive_old_events(1)",
        "create_upcoming_partitions()",
        "verify_audit_log_integrity()",
        "organized_event_ids()",
    ] {
        assert_err(
            as_who(c, ANON, &format!("SELECT public.{f}")),
            "permission denied",
        );
    }
    for f in [
        "refresh_event_analytics_cache()",
        "archive_old_events(1)",
        "create_upcoming_partitions()",
    ] {
        assert_err(
            as_who(c, A, &format!("SELECT public.{f}")),
            "permission denied",
        );
    }
    // Every table and partition of public has RLS, every view is security_invoker, and no
    // SECURITY DEFINER function is executable by anon.
    assert_eq!(
        rows(
            c,
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relrowsecurity"
        ),
        vec!["0"]
    );
    assert_eq!(
        rows(
            c,
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'v' AND NOT coalesce('security_invoker=true' = ANY (reloptions), false)"
        ),
        vec!["0"]
    );
    assert_eq!(
        rows(
            c,
            "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prosecdef AND (has_function_privilege('anon', oid, 'EXECUTE') OR NOT coalesce(proconfig::text LIKE '%search_path=%', false))"
        ),
        vec!["0"]
    );
    // TRUNCATE is not governed by RLS: API roles must not hold it anywhere.
    assert_eq!(
        rows(
            c,
            "SELECT string_agg(relname, ',') FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND (has_table_privilege('anon', oid, 'TRUNCATE') OR has_table_privilege('authenticated', oid, 'TRUNCATE'))"
        ),
        vec!["NULL"]
    );
}

#[test]
fn personalization_networking_and_sponsor_tables_pg18() {
    let World {
        mut client,
        e1,
        carol_e1,
        ..
    } = world(Pg::Vector, 3);
    let c = &mut client;
    // Bob also attends E1 (networking peer of Carol); Dave-less world: the sponsor account.
    let bob_e1 = seed_attendee(c, &e1, BOB, "bob@example.com");
    let sponsor = rows(
        c,
        &format!("INSERT INTO sponsors (created_by, user_id, company_name) VALUES ('{ALICE}', '{SPONSOR}', 'Acme') RETURNING id"),
    )
    .remove(0);
    client_exec(
        c,
        &format!(
            "INSERT INTO sponsor_lead_scores (attendee_id, sponsor_id, score, temperature) VALUES ('{carol_e1}', '{sponsor}', 0.8, 'hot');
             INSERT INTO sponsorships (sponsor_id, event_id, package_type, amount, signed_at) VALUES ('{sponsor}', '{e1}', 'gold', 5000, now());
             INSERT INTO networking_preferences (attendee_id, public_profile, goals) VALUES ('{carol_e1}', true, '{{hire}}'), ('{bob_e1}', false, '{{learn}}');
             INSERT INTO attendee_preferences (attendee_id, preference_type, value) VALUES ('{carol_e1}', 'topic', 'rust');
             INSERT INTO connection_goals (attendee_id, goal_type) VALUES ('{carol_e1}', 'hire');
             INSERT INTO recommendation_history (attendee_id, item_type, item_id) VALUES ('{carol_e1}', 'session', gen_random_uuid());
             INSERT INTO interaction_events (attendee_id, event_type) VALUES ('{carol_e1}', 'view');"
        ),
    );
    let (lo, hi) = if carol_e1 < bob_e1 {
        (&carol_e1, &bob_e1)
    } else {
        (&bob_e1, &carol_e1)
    };
    client_exec(
        c,
        &format!(
            "INSERT INTO matches (event_id, attendee_1_id, attendee_2_id, match_score) VALUES ('{e1}', '{lo}', '{hi}', 0.7)"
        ),
    );
    const S: Who = Who::User(SPONSOR);

    // attendee-owned data: the attendee and the event's organizer
    for t in [
        "attendee_preferences",
        "connection_goals",
        "recommendation_history",
        "interaction_events",
    ] {
        expect(
            c,
            t,
            &[
                (ANON, None),
                (A, Some(1)),
                (B, Some(0)),
                (C, Some(1)),
                (S, Some(0)),
            ],
        );
    }
    // networking: Bob sees Carol's public profile (same event); Carol does not see Bob's private one
    expect(
        c,
        "networking_preferences",
        &[(ANON, None), (A, Some(2)), (B, Some(2)), (C, Some(1))],
    );
    assert_eq!(
        as_who(
            c,
            C,
            "SELECT string_agg(goals[1], ',') FROM networking_preferences"
        )
        .unwrap(),
        vec!["hire"]
    );
    expect(
        c,
        "matches",
        &[
            (ANON, None),
            (A, Some(1)),
            (B, Some(1)),
            (C, Some(1)),
            (S, Some(0)),
        ],
    );
    assert_err(
        as_who(c, C, "UPDATE matches SET match_score = 1"),
        "permission denied",
    );
    assert_eq!(
        as_who(c, C, "UPDATE matches SET status = 'accepted' RETURNING id")
            .unwrap()
            .len(),
        1
    );
    // meetings: only with a peer of one of my events, as myself
    as_who(c, C, &format!("INSERT INTO meetings (organizer_id, invitee_id, time_slot) VALUES ('{carol_e1}', '{bob_e1}', now() + interval '5 days') RETURNING id")).unwrap();
    assert_err(
        as_who(
            c,
            C,
            &format!(
                "INSERT INTO meetings (organizer_id, invitee_id, time_slot) VALUES ('{bob_e1}', '{carol_e1}', now() + interval '5 days')"
            ),
        ),
        "row-level security",
    );

    // sponsors: creator and sponsor account; lead scores only for the sponsor account and
    // without the attendee.
    expect(
        c,
        "sponsors",
        &[
            (ANON, None),
            (A, Some(1)),
            (B, Some(0)),
            (C, Some(0)),
            (S, Some(1)),
        ],
    );
    expect(
        c,
        "sponsorships",
        &[(ANON, None), (A, Some(1)), (B, Some(0)), (S, Some(1))],
    );
    assert_eq!(
        as_who(
            c,
            S,
            "SELECT temperature || ' ' || score FROM sponsor_lead_scores"
        )
        .unwrap(),
        vec!["hot 0.800"]
    );
    assert_err(
        as_who(c, S, "SELECT attendee_id FROM sponsor_lead_scores"),
        "permission denied",
    );
    assert_eq!(
        as_who(c, A, "SELECT count(score) FROM sponsor_lead_scores").unwrap(),
        vec!["0"]
    );
    assert_err(
        as_who(c, S, "UPDATE sponsor_lead_scores SET score = 1"),
        "permission denied",
    );

    // ERD security table: server-only / system-only / aggregated-only
    client_exec(
        c,
        &format!(
            "INSERT INTO sentiment_scores (attendee_id, emotion_type, confidence, source) VALUES ('{carol_e1}', 'joy', 0.9, 'chat')"
        ),
    );
    client_exec(
        c,
        "INSERT INTO agent_memory (agent_id, memory_type, content) VALUES ('planner', 'episodic', '{}')",
    );
    client_exec(
        c,
        "INSERT INTO translation_cache (source_text, source_lang, target_lang, translated_text) VALUES ('hi', 'en', 'es', 'hola')",
    );
    for t in [
        "attendee_embeddings",
        "facial_recognition_data",
        "agent_memory",
        "sentiment_scores",
        "translation_cache",
    ] {
        expect(
            c,
            t,
            &[(ANON, None), (A, None), (B, None), (C, None), (S, None)],
        );
    }

    // phase 3 families
    client_exec(
        c,
        &format!(
            "INSERT INTO check_in_logs (attendee_id, event_id, method) VALUES ('{carol_e1}', '{e1}', 'qr_code');
             INSERT INTO security_alerts (event_id, alert_type, severity, description) VALUES ('{e1}', 'medical', 'high', 'x');
             INSERT INTO predictive_models (event_id, model_type, version) VALUES ('{e1}', 'attendance', 'v1');
             INSERT INTO predictions (model_id, event_id, prediction_type, value) SELECT id, event_id, 'attendance', '{{}}' FROM predictive_models;
             INSERT INTO feedback_analysis (attendee_id, feedback_text) VALUES ('{carol_e1}', 'great');
             INSERT INTO session_transcripts (session_id, language) SELECT id, 'en' FROM event_sessions WHERE event_id = '{e1}';"
        ),
    );
    expect(
        c,
        "check_in_logs",
        &[(ANON, None), (A, Some(1)), (B, Some(0)), (C, Some(1))],
    );
    expect(
        c,
        "security_alerts",
        &[(ANON, None), (A, Some(1)), (B, Some(0)), (C, Some(0))],
    );
    expect(
        c,
        "predictions",
        &[(ANON, None), (A, Some(1)), (B, Some(0)), (C, Some(0))],
    );
    expect(
        c,
        "feedback_analysis",
        &[(ANON, None), (A, Some(1)), (B, Some(0)), (C, Some(1))],
    );
    // transcripts: organizer and attendees of the event (Bob attends E1 too)
    expect(
        c,
        "session_transcripts",
        &[
            (ANON, None),
            (A, Some(1)),
            (B, Some(1)),
            (C, Some(1)),
            (S, Some(0)),
        ],
    );
    assert_eq!(
        as_who(
            c,
            A,
            "UPDATE security_alerts SET resolved = true, resolved_at = now() RETURNING id"
        )
        .unwrap()
        .len(),
        1
    );
    assert_err(
        as_who(c, A, "UPDATE security_alerts SET description = 'edited'"),
        "permission denied",
    );
    assert_err(
        as_who(
            c,
            C,
            &format!(
                "INSERT INTO check_in_logs (attendee_id, event_id, method) VALUES ('{carol_e1}', '{e1}', 'self_service')"
            ),
        ),
        "row-level security",
    );
    let _ = try_rows;
}
