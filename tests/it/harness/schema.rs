//! Helpers of the `schema_*` tests: fixed users, seed rows, running SQL as an API role, and a
//! catalog description to compare before and after a rollback. Everything here talks to a
//! `postgres::Client`; databases and the `eventos` binary come from the parent module.

use postgres::{Client, SimpleQueryMessage};

/// Fixed auth.users ids: two organizers / users, an attendee, a sponsor account.
pub const ALICE: &str = "a11ce000-0000-4000-8000-000000000001";
pub const BOB: &str = "b0b00000-0000-4000-8000-000000000002";
pub const CAROL: &str = "ca201000-0000-4000-8000-000000000003";
pub const SPONSOR: &str = "5b0a5000-0000-4000-8000-000000000004";

/// Who runs a statement: the anonymous API role or a signed-in user.
#[derive(Clone, Copy, Debug)]
pub enum Who {
    Anon,
    User(&'static str),
}

/// The server's message of a failed statement (or the client error).
pub fn message(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => db.message().to_string(),
        None => err.to_string(),
    }
}

/// First column of every row of the last statement(s), as text (`NULL` for null).
pub fn rows(client: &mut Client, sql: &str) -> Vec<String> {
    try_rows(client, sql).unwrap_or_else(|e| panic!("{sql}\nfailed: {e}"))
}

/// The first column of the first row, as text.
pub fn one(client: &mut Client, sql: &str) -> String {
    rows(client, sql).remove(0)
}

/// Like [`rows`] but returns the error message instead of panicking.
pub fn try_rows(client: &mut Client, sql: &str) -> Result<Vec<String>, String> {
    client
        .simple_query(sql)
        .map(|msgs| {
            msgs.into_iter()
                .filter_map(|m| match m {
                    SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap_or("NULL").to_string()),
                    _ => None,
                })
                .collect()
        })
        .map_err(|e| message(&e))
}

/// Runs `sql` as `who` through the API roles (SET LOCAL ROLE + request.jwt.claims) in a
/// transaction that is always rolled back.
pub fn as_who(client: &mut Client, who: Who, sql: &str) -> Result<Vec<String>, String> {
    run_as(client, who, sql, false)
}

/// Runs `sql` as `who` and commits when it succeeds.
pub fn as_who_commit(client: &mut Client, who: Who, sql: &str) -> Result<Vec<String>, String> {
    run_as(client, who, sql, true)
}

fn run_as(client: &mut Client, who: Who, sql: &str, commit: bool) -> Result<Vec<String>, String> {
    let setup = match who {
        Who::Anon => {
            "BEGIN; SET LOCAL ROLE anon; SET LOCAL request.jwt.claims = '{\"role\":\"anon\"}';"
                .to_string()
        }
        Who::User(id) => format!(
            "BEGIN; SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = '{{\"sub\":\"{id}\",\"role\":\"authenticated\"}}';"
        ),
    };
    client
        .batch_execute(&setup)
        .expect("start API-role transaction");
    let result = try_rows(client, sql);
    let end = if commit && result.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    };
    client.batch_execute(end).expect("end API-role transaction");
    result
}

/// Count of rows `who` can see in `table` (None when the role has no SELECT privilege).
pub fn visible(client: &mut Client, who: Who, table: &str) -> Option<i64> {
    as_who(client, who, &format!("SELECT count(*) FROM public.{table}"))
        .ok()
        .map(|r| r[0].parse().unwrap())
}

/// Asserts that `result` failed with a message containing `needle`.
#[track_caller]
pub fn assert_err(result: Result<Vec<String>, String>, needle: &str) {
    match result {
        Ok(rows) => panic!("expected an error containing {needle:?}, got rows {rows:?}"),
        Err(msg) => assert!(msg.contains(needle), "expected {needle:?} in error: {msg}"),
    }
}

/// The four auth users.
pub fn seed_users(client: &mut Client) {
    client
        .batch_execute(&format!(
            "INSERT INTO auth.users (id, email) VALUES
               ('{ALICE}', 'alice@example.com'), ('{BOB}', 'bob@example.com'),
               ('{CAROL}', 'carol@example.com'), ('{SPONSOR}', 'sponsor@example.com')"
        ))
        .expect("seed auth.users");
}

/// A published public event of `organizer` starting in 10 days, with a tier of `quantity`
/// tickets at 25.00. Returns (event id, tier id). Runs as the table owner.
pub fn seed_event(
    client: &mut Client,
    organizer: &str,
    name: &str,
    quantity: i32,
) -> (String, String) {
    let event = rows(
        client,
        &format!(
            "INSERT INTO public.events (organizer_id, name, start_at, end_at, status)
             VALUES ('{organizer}', '{name}', now() + interval '10 days', now() + interval '11 days', 'published')
             RETURNING id"
        ),
    )
    .remove(0);
    let tier = rows(
        client,
        &format!(
            "INSERT INTO public.ticket_tiers (event_id, name, price, quantity)
             VALUES ('{event}', 'General', 25.00, {quantity}) RETURNING id"
        ),
    )
    .remove(0);
    (event, tier)
}

/// An attendee row of `user` at `event`. Returns its id.
pub fn seed_attendee(client: &mut Client, event: &str, user: &str, email: &str) -> String {
    rows(
        client,
        &format!(
            "INSERT INTO public.attendees (event_id, user_id, email, full_name)
             VALUES ('{event}', '{user}', '{email}', 'Someone') RETURNING id"
        ),
    )
    .remove(0)
}

/// A sorted, OID-free description of everything migrations can create or change: relations
/// (kind, RLS, ACL), columns (type, nullability, default, ACL), indexes, constraints,
/// functions (signature, ACL, settings, security), triggers, policies (roles, expressions),
/// types, extensions, schemas, default ACLs and partition_config rows. The `eventos`
/// schema (the history table) is left out.
pub fn catalog(client: &mut Client) -> Vec<String> {
    const SQL: &str = r#"
SELECT 'rel ' || n.nspname || '.' || c.relname || ' kind=' || c.relkind::text || ' rls=' || c.relrowsecurity
       || ' opts=' || coalesce(c.reloptions::text, '') || ' acl=' || coalesce(c.relacl::text, '')
       || ' bound=' || coalesce(pg_get_expr(c.relpartbound, c.oid), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'eventos')
UNION ALL
SELECT 'col ' || n.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || ' nn=' || a.attnotnull || ' def=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
       || ' acl=' || coalesce(a.attacl::text, '')
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname IN ('public', 'auth', 'extensions') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'idx ' || schemaname || '.' || indexname || ' ' || indexdef
FROM pg_indexes WHERE schemaname IN ('public', 'auth', 'extensions')
UNION ALL
SELECT 'con ' || n.nspname || '.' || coalesce(c.relname, '-') || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace LEFT JOIN pg_class c ON c.oid = k.conrelid
WHERE n.nspname IN ('public', 'auth', 'extensions')
UNION ALL
SELECT 'fn ' || p.oid::regprocedure::text || ' secdef=' || p.prosecdef || ' vol=' || p.provolatile::text
       || ' acl=' || coalesce(p.proacl::text, '') || ' cfg=' || coalesce(p.proconfig::text, '')
       || ' md5=' || md5(p.prosrc)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'trg ' || t.tgrelid::regclass::text || '.' || t.tgname || ' ' || pg_get_triggerdef(t.oid)
FROM pg_trigger t WHERE NOT t.tgisinternal
UNION ALL
SELECT 'pol ' || schemaname || '.' || tablename || '.' || policyname || ' ' || cmd || ' ' || roles::text
       || ' using=' || coalesce(qual, '') || ' check=' || coalesce(with_check, '')
FROM pg_policies
UNION ALL
SELECT 'typ ' || t.oid::regtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname IN ('public', 'extensions', 'auth')
UNION ALL
SELECT 'ext ' || extname || ' ' || extnamespace::regnamespace::text || ' ' || extversion FROM pg_extension
UNION ALL
SELECT 'nsp ' || nspname || ' ' || coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname <> 'eventos'
UNION ALL
SELECT 'defacl ' || defaclrole::regrole::text || ' ' || defaclnamespace::regnamespace::text || ' '
       || defaclobjtype::text || ' ' || defaclacl::text
FROM pg_default_acl
"#;
    let mut out = rows(client, SQL);
    if rows(
        client,
        "SELECT to_regclass('public.partition_config') IS NOT NULL",
    ) == ["t"]
    {
        out.extend(rows(
            client,
            "SELECT 'pcfg ' || parent_table || ' ' || granularity || ' ' || premake FROM public.partition_config",
        ));
    }
    out.sort();
    out
}

/// Asserts two catalog snapshots are equal, printing only the differing lines.
#[track_caller]
pub fn assert_same_catalog(expected: &[String], actual: &[String], what: &str) {
    if expected != actual {
        let missing: Vec<&String> = expected.iter().filter(|l| !actual.contains(l)).collect();
        let extra: Vec<&String> = actual.iter().filter(|l| !expected.contains(l)).collect();
        panic!(
            "{what}: catalog differs\n  missing after ({}):\n    {}\n  unexpected ({}):\n    {}",
            missing.len(),
            missing
                .iter()
                .take(40)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n    "),
            extra.len(),
            extra
                .iter()
                .take(40)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n    "),
        );
    }
}

/// An admin account (schema v2 tests).
pub const ADMIN: &str = "ad000000-0000-4000-8000-000000000005";

/// The four users plus an admin, each with a profile: ALICE and BOB organizers, CAROL an
/// attendee, SPONSOR a sponsor account, ADMIN an admin. Runs as the table owner.
pub fn seed_v2_users(client: &mut Client) {
    seed_users(client);
    client
        .batch_execute(&format!(
            "INSERT INTO auth.users (id, email) VALUES ('{ADMIN}', 'admin@example.com');
             INSERT INTO public.profiles (id, email, role) VALUES
               ('{ALICE}', 'alice@example.com', 'organizer'), ('{BOB}', 'bob@example.com', 'organizer'),
               ('{CAROL}', 'carol@example.com', 'attendee'), ('{SPONSOR}', 'sponsor@example.com', 'sponsor'),
               ('{ADMIN}', 'admin@example.com', 'admin')"
        ))
        .expect("seed profiles with roles");
}

/// A paid order of `customer` for `quantity` tickets of `tier` (the payment backend's path).
pub fn seed_paid_order(
    client: &mut Client,
    event: &str,
    tier: &str,
    customer: &str,
    quantity: i32,
) -> String {
    rows(
        client,
        &format!(
            "INSERT INTO public.orders (event_id, tier_id, customer_id, quantity, status)
             VALUES ('{event}', '{tier}', '{customer}', {quantity}, 'paid') RETURNING id"
        ),
    )
    .remove(0)
}

/// Issues one ticket of `order` (as the backend); returns its id or the error.
pub fn issue_ticket(client: &mut Client, order: &str) -> Result<String, String> {
    try_rows(
        client,
        &format!(
            "INSERT INTO public.tickets (order_id, event_id, tier_id)
             SELECT o.id, o.event_id, o.tier_id FROM public.orders AS o WHERE o.id = '{order}'
             RETURNING id"
        ),
    )
    .map(|mut r| r.remove(0))
}

/// Red-team accounts (tests/schema_redteam.rs): an attacker with no rights anywhere, a second
/// attendee, a venue owner, and an account without an e-mail address (phone sign-in).
pub const EVE: &str = "e0e00000-0000-4000-8000-000000000006";
pub const DAVE: &str = "d0d00000-0000-4000-8000-000000000007";
pub const VIC: &str = "f1c00000-0000-4000-8000-000000000008";
pub const NOMAIL: &str = "0ee00000-0000-4000-8000-000000000009";

/// The v2 users plus EVE, DAVE and VIC (attendee profiles) and NOMAIL (an auth user without an
/// e-mail address and without a profile). Runs as the table owner.
pub fn seed_redteam_users(client: &mut Client) {
    seed_v2_users(client);
    client
        .batch_execute(&format!(
            "INSERT INTO auth.users (id, email) VALUES
               ('{EVE}', 'eve@example.com'), ('{DAVE}', 'dave@example.com'),
               ('{VIC}', 'vic@example.com'), ('{NOMAIL}', NULL);
             INSERT INTO public.profiles (id, email, role) VALUES
               ('{EVE}', 'eve@example.com', 'attendee'), ('{DAVE}', 'dave@example.com', 'attendee'),
               ('{VIC}', 'vic@example.com', 'attendee')"
        ))
        .expect("seed red-team users");
}
