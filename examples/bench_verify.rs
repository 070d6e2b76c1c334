//! Benchmark of `eventos verify` (run it with `scripts/bench-verify`): time and round trips of a
//! full verification over the `basic` fixture (baseline), the real EventOS Phase 0–3 bundles,
//! and the `basic` fixture plus 1,000 generated tables, all on one throwaway PostgreSQL 18 +
//! pgvector cluster started for the run. Prints a Markdown table.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use eventos::bundle::Project;
use eventos::config::Config;
use eventos::db::Cluster;
use eventos::verify::{self, Options};

const RUNS: usize = 7;

const THOUSAND_TABLES: &str = "DO $$ BEGIN FOR i IN 1..1000 LOOP
   EXECUTE format('CREATE TABLE public.gen_%s (id int PRIMARY KEY, note_id uuid REFERENCES public.notes (id))', i);
   EXECUTE format('CREATE INDEX ON public.gen_%s (note_id)', i);
   EXECUTE format('ALTER TABLE public.gen_%s ENABLE ROW LEVEL SECURITY', i);
   EXECUTE format('CREATE POLICY own ON public.gen_%s FOR SELECT TO authenticated USING (false)', i);
 END LOOP; END $$;";

/// One measured scenario.
struct Row {
    scenario: &'static str,
    relations: i64,
    results: usize,
    catalog_queries: usize,
    plan_queries: usize,
    median: Duration,
    min: Duration,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let binary = std::env::var("EVENTOS_BIN")
        .context("set EVENTOS_BIN to the eventos binary (scripts/bench-verify does)")?;
    let cluster = Cluster::start(true).await?;
    eprintln!("bench cluster: {}", cluster.describe());
    let basic = root.join("tests/fixtures/bundles/basic");
    let rows = vec![
        measure(&cluster, &binary, "basic fixture (baseline)", &basic, None).await?,
        measure(&cluster, &binary, "EventOS phases 0–3", &root, None).await?,
        measure(
            &cluster,
            &binary,
            "basic + 1,000 generated tables",
            &basic,
            Some(THOUSAND_TABLES),
        )
        .await?,
    ];
    println!(
        "| scenario | relations | check results | catalog queries | plan queries | median | min |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {:.1} ms | {:.1} ms |",
            r.scenario,
            r.relations,
            r.results,
            r.catalog_queries,
            r.plan_queries,
            r.median.as_secs_f64() * 1000.0,
            r.min.as_secs_f64() * 1000.0
        );
    }
    println!(
        "\n{RUNS} runs per scenario after one warm-up; PostgreSQL: {}",
        cluster.describe()
    );
    Ok(())
}

async fn measure(
    cluster: &Cluster,
    binary: &str,
    scenario: &'static str,
    project_dir: &Path,
    extra: Option<&str>,
) -> Result<Row> {
    let name = format!(
        "bench_{}",
        scenario.bytes().filter(u8::is_ascii_alphanumeric).count()
    );
    let admin = eventos::db::connect(&cluster.admin_url("postgres")).await?;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    // The superuser installs the Supabase profile; eventos then applies as postgres.
    let url = cluster.admin_url(&name);
    let status = Command::new(binary)
        .current_dir(project_dir)
        .args(["migrate", "up", "--supabase-compat", "--database-url", &url])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .status()?;
    ensure!(status.success(), "{scenario}: migrate up failed");
    let client = eventos::db::connect(&url).await?;
    if let Some(sql) = extra {
        client.batch_execute(sql).await?;
    }
    let config_file = project_dir.join("eventos.toml");
    let config = if config_file.is_file() {
        Config::load(Some(&config_file))?
    } else {
        config_from_dir(project_dir)?
    };
    let project = Project::load(&config)?;
    let mut options = Options::new(None);
    options.settings = verify::Settings::from_config(&config.verify)?;
    verify::run(&client, &project, &options).await?;
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let report = verify::run(&client, &project, &options).await?;
        times.push(start.elapsed());
        last = Some(report);
    }
    times.sort();
    let report = last.expect("RUNS > 0");
    let relations: i64 = client
        .query_one("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'", &[])
        .await?
        .get(0);
    Ok(Row {
        scenario,
        relations,
        results: report.results.len(),
        catalog_queries: report.catalog_queries,
        plan_queries: report.plan_queries,
        median: times[RUNS / 2],
        min: times[0],
    })
}

/// The repository root has no `eventos.toml`: its defaults, resolved from `dir`.
fn config_from_dir(dir: &Path) -> Result<Config> {
    let mut config = Config::load(None)?;
    config.sql_dir = dir.join("sql");
    config.plans_dir = dir.join("plans");
    Ok(config)
}
