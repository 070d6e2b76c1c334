//! Benchmark of the RLS policy shapes (run it with `scripts/bench-policies`): the same requests,
//! made as PostgREST makes them (`SET LOCAL ROLE` + `request.jwt.claims`), against two databases
//! with identical data (200,000 orders, tickets and attendees over 10,000 events) — one at
//! phase 3 (policies `col IN (SELECT helper())`, catalogue policies listing every visible event)
//! and one upgraded to phase 4 (`col = ANY (ARRAY(SELECT helper()))`, per-row event probes).
//! Rounds alternate between the two; medians of wall time (client) and of the server backend's
//! CPU time (/proc/<pid>/schedstat), plus rows returned. Prints a Markdown table.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use eventos::db::Cluster;
use tokio_postgres::Client;

const ROUNDS: usize = 15;
const ALICE: &str = "a11ce000-0000-4000-8000-000000000001";
const CAROL: &str = "ca201000-0000-4000-8000-000000000003";

/// 10,000 published events (10 of them ALICE's), two sessions and one tier each, 20 orders,
/// payments, tickets and attendees per event (200,000 each) from 50,000 buyers; CAROL holds 2.
/// Written with triggers off (identical in both databases; the benchmark reads only).
const SEED: &str = "
SET session_replication_role = replica;
INSERT INTO auth.users (id, email) VALUES ('a11ce000-0000-4000-8000-000000000001', 'alice@example.com'),
  ('ca201000-0000-4000-8000-000000000003', 'carol@example.com');
INSERT INTO auth.users (id, email)
SELECT md5('u' || g)::uuid, 'u' || g || '@example.com' FROM generate_series(1, 50000) AS g;
INSERT INTO public.events (id, organizer_id, name, slug, start_at, end_at, status)
SELECT md5('e' || g)::uuid,
       CASE WHEN g <= 10 THEN 'a11ce000-0000-4000-8000-000000000001'::uuid ELSE md5('u' || (g % 50000 + 1))::uuid END,
       'Event ' || g, 'event-' || g, now() + interval '30 days', now() + interval '31 days', 'published'
FROM generate_series(1, 10000) AS g;
INSERT INTO public.event_sessions (event_id, title, start_time, end_time)
SELECT e.id, 'Session ' || s, e.start_at, e.start_at + interval '1 hour'
FROM public.events AS e CROSS JOIN generate_series(1, 2) AS s;
INSERT INTO public.ticket_tiers (id, event_id, name, price, quantity, sold_count)
SELECT md5('t' || e.id)::uuid, e.id, 'General', 25, 100, 20 FROM public.events AS e;
INSERT INTO public.orders (id, event_id, customer_id, tier_id, quantity, unit_price, total_amount, status)
SELECT md5('o' || e.id || n)::uuid, e.id,
       CASE WHEN e.slug IN ('event-500', 'event-600') AND n = 1 THEN 'ca201000-0000-4000-8000-000000000003'::uuid
            ELSE md5('u' || ((hashtext(e.id::text) & 65535) * 20 + n) % 50000 + 1)::uuid END,
       md5('t' || e.id)::uuid, 1, 25, 25, 'paid'
FROM public.events AS e CROSS JOIN generate_series(1, 20) AS n;
INSERT INTO public.attendees (id, event_id, user_id, email, full_name)
SELECT md5('a' || o.id)::uuid, o.event_id, o.customer_id, o.id || '@example.com', 'Attendee'
FROM public.orders AS o;
INSERT INTO public.tickets (order_id, event_id, attendee_id, tier_id)
SELECT o.id, o.event_id, md5('a' || o.id)::uuid, o.tier_id FROM public.orders AS o;
INSERT INTO public.payments (order_id, amount, status, paid_at)
SELECT o.id, 25, 'succeeded', now() FROM public.orders AS o;
SET session_replication_role = origin;
";

/// (request, who, SQL) — who: `Some(user)` for a signed-in user, `None` for anon.
const REQUESTS: &[(&str, Option<&str>, &str)] = &[
    (
        "organizer: GET /orders (no filter)",
        Some(ALICE),
        "SELECT * FROM public.orders",
    ),
    (
        "organizer: GET /attendees (no filter)",
        Some(ALICE),
        "SELECT * FROM public.attendees",
    ),
    (
        "organizer: GET /tickets?count=exact",
        Some(ALICE),
        "SELECT count(*) FROM public.tickets",
    ),
    (
        "buyer: GET /tickets (no filter)",
        Some(CAROL),
        "SELECT * FROM public.tickets",
    ),
    (
        "buyer: GET /payments (no filter)",
        Some(CAROL),
        "SELECT * FROM public.payments",
    ),
    (
        "user: GET /event_sessions?event_id=eq.X",
        Some(CAROL),
        "SELECT * FROM public.event_sessions WHERE event_id = md5('e' || 4242)::uuid",
    ),
    (
        "anon: GET /event_sessions?event_id=eq.X",
        None,
        "SELECT * FROM public.event_sessions WHERE event_id = md5('e' || 4242)::uuid",
    ),
    (
        "anon: GET /ticket_tiers?event_id=eq.X",
        None,
        "SELECT * FROM public.ticket_tiers WHERE event_id = md5('e' || 4242)::uuid",
    ),
];

struct Sample {
    wall: Duration,
    cpu: Duration,
    rows: u64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let binary = std::env::var("EVENTOS_BIN")
        .context("set EVENTOS_BIN to the eventos binary (scripts/bench-policies does)")?;
    let cluster = Cluster::start(true).await?;
    eprintln!("bench cluster: {}", cluster.describe());
    let admin = eventos::db::connect(&cluster.admin_url("postgres")).await?;
    let mut dbs = Vec::new();
    for (name, phase) in [("policies_v1", "3"), ("policies_v2", "3")] {
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        migrate(&binary, &cluster.url(name), phase)?;
        let client = eventos::db::connect(&cluster.admin_url(name)).await?;
        let started = Instant::now();
        client.batch_execute(SEED).await.context("seeding")?;
        eprintln!("{name}: seeded in {:.1} s", started.elapsed().as_secs_f64());
        dbs.push((name, client));
    }
    let started = Instant::now();
    migrate(&binary, &cluster.url("policies_v2"), "4")?;
    let upgrade = started.elapsed();
    for (_, client) in &dbs {
        client.batch_execute("VACUUM ANALYZE").await?;
    }

    // samples[request][db] over alternating rounds.
    let mut samples: Vec<[Vec<Sample>; 2]> = REQUESTS.iter().map(|_| [vec![], vec![]]).collect();
    for round in 0..=ROUNDS {
        for (i, request) in REQUESTS.iter().enumerate() {
            for step in 0..2 {
                let which = (round + step) % 2;
                let sample = run(&dbs[which].1, request.1, request.2).await?;
                if round > 0 {
                    samples[i][which].push(sample); // round 0 warms the caches
                }
            }
        }
    }

    println!(
        "| request | rows | phase 3 shape: wall / CPU | phase 4 shape: wall / CPU | speed-up (wall) |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (i, request) in REQUESTS.iter().enumerate() {
        let [old, new] = &mut samples[i];
        let (old_wall, old_cpu) = medians(old);
        let (new_wall, new_cpu) = medians(new);
        ensure!(
            old[0].rows == new[0].rows,
            "{}: the two shapes return different rows ({} vs {})",
            request.0,
            old[0].rows,
            new[0].rows
        );
        println!(
            "| {} | {} | {:.2} ms / {:.2} ms | {:.2} ms / {:.2} ms | {:.0}× |",
            request.0,
            new[0].rows,
            ms(old_wall),
            ms(old_cpu),
            ms(new_wall),
            ms(new_cpu),
            old_wall.as_secs_f64() / new_wall.as_secs_f64().max(1e-9)
        );
    }
    let counts = dbs[1]
        .1
        .query_one(
            "SELECT (SELECT count(*) FROM public.orders), (SELECT count(*) FROM public.tickets),
                    (SELECT count(*) FROM public.attendees), (SELECT count(*) FROM public.events)",
            &[],
        )
        .await?;
    println!(
        "\n{ROUNDS} alternating rounds after one warm-up; medians. Data: {} orders, {} tickets, {} attendees, {} events. \
         (and as many payments). Upgrading the phase 3 database to phase 4 with this data: {:.1} s. PostgreSQL: {}",
        counts.get::<_, i64>(0),
        counts.get::<_, i64>(1),
        counts.get::<_, i64>(2),
        counts.get::<_, i64>(3),
        upgrade.as_secs_f64(),
        cluster.describe()
    );
    Ok(())
}

fn migrate(binary: &str, url: &str, phase: &str) -> Result<()> {
    let status = Command::new(binary)
        .args([
            "migrate",
            "up",
            "--supabase-compat",
            "--no-verify",
            "--phase",
            phase,
            "--database-url",
            url,
        ])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .status()?;
    ensure!(status.success(), "migrate up --phase {phase} failed");
    Ok(())
}

/// One request in a PostgREST-like transaction; wall time on the client, CPU of the backend.
async fn run(client: &Client, who: Option<&str>, sql: &str) -> Result<Sample> {
    let setup = match who {
        Some(user) => format!(
            "BEGIN; SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = '{{\"sub\":\"{user}\",\"role\":\"authenticated\"}}'"
        ),
        None => "BEGIN; SET LOCAL ROLE anon; SET LOCAL request.jwt.claims = '{\"role\":\"anon\"}'"
            .into(),
    };
    client.batch_execute(&setup).await?;
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .await?
        .get(0);
    let cpu_before = backend_cpu(pid)?;
    let started = Instant::now();
    let rows = client.query(sql, &[]).await?;
    let wall = started.elapsed();
    let cpu = backend_cpu(pid)?.saturating_sub(cpu_before);
    client.batch_execute("ROLLBACK").await?;
    let rows = if sql.contains("count(*)") {
        rows[0].get::<_, i64>(0) as u64
    } else {
        rows.len() as u64
    };
    Ok(Sample { wall, cpu, rows })
}

/// CPU time a process has spent running, in nanoseconds, from /proc/<pid>/schedstat.
fn backend_cpu(pid: i32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).with_context(|| {
        format!("reading /proc/{pid}/schedstat (the server must run on this machine)")
    })?;
    let nanos: u64 = stat
        .split_whitespace()
        .next()
        .context("empty schedstat")?
        .parse()?;
    Ok(Duration::from_nanos(nanos))
}

fn medians(samples: &mut [Sample]) -> (Duration, Duration) {
    samples.sort_by_key(|s| s.wall);
    let wall = samples[samples.len() / 2].wall;
    let mut cpu: Vec<Duration> = samples.iter().map(|s| s.cpu).collect();
    cpu.sort();
    (wall, cpu[cpu.len() / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
