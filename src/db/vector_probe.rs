//! Does this installation's pgvector work on this CPU? Some builds use AVX-512 and kill the
//! server (SIGILL) on CPUs without it, on the first distance computation or HNSW insert — a
//! `vector.control` file says nothing about that. The probe starts the installation in a
//! scratch cluster and runs what the schema relies on: HNSW inserts (cosine and L2) at the
//! schema's dimensions and nearest-neighbour queries with `<->` / `<=>` through the index, whose
//! answers must be right. The verdict is cached per installation (binary size and mtime) and CPU
//! (its flags), in the temp folder, so later runs skip the probe.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use super::cluster::{Cluster, PgInstall};
use super::compat::CompatProfile;

/// What the probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Vector operators and HNSW indexes work.
    Works,
    /// They do not; why (crash, wrong answer, extension error).
    Broken(String),
}

/// The cached verdict for `install`, probing (and caching) when there is none.
pub async fn verdict(install: &PgInstall) -> Verdict {
    let cache = cache_file(install);
    if let Some(cached) = cache.as_ref().and_then(|f| std::fs::read_to_string(f).ok()) {
        return parse(&cached);
    }
    let verdict = match probe(install).await {
        Ok(()) => Verdict::Works,
        Err(err) => Verdict::Broken(format!("{err:#}").replace('\n', " ")),
    };
    if let Some(file) = cache {
        let _ = std::fs::create_dir_all(file.parent().unwrap_or(&file));
        let _ = std::fs::write(&file, render(&verdict));
    }
    verdict
}

fn render(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Works => "works\n".into(),
        Verdict::Broken(why) => format!("broken: {why}\n"),
    }
}

fn parse(text: &str) -> Verdict {
    match text.trim().strip_prefix("broken: ") {
        Some(why) => Verdict::Broken(format!("{why} (cached)")),
        None => Verdict::Works,
    }
}

/// `<tmp>/eventos-vector-probe/<sha256 of install + binary + CPU flags>`.
fn cache_file(install: &PgInstall) -> Option<PathBuf> {
    let binary = std::fs::metadata(install.bin_dir.join("postgres")).ok()?;
    let modified = binary
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("flags"))
                .map(String::from)
        })
        .unwrap_or_default();
    let mut hash = Sha256::new();
    hash.update(install.bin_dir.to_string_lossy().as_bytes());
    hash.update(install.version.as_bytes());
    hash.update(binary.len().to_le_bytes());
    hash.update(modified.as_nanos().to_le_bytes());
    hash.update(cpu.as_bytes());
    let key: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Some(std::env::temp_dir().join("eventos-vector-probe").join(key))
}

const PROBE_SQL: &str = "
SET statement_timeout = '60s';
CREATE EXTENSION vector;
CREATE TABLE probe_small (id integer PRIMARY KEY, v vector(64));
CREATE INDEX ON probe_small USING hnsw (v vector_cosine_ops);
CREATE INDEX ON probe_small USING hnsw (v vector_l2_ops);
INSERT INTO probe_small
SELECT g, (SELECT array_agg(sin(g * 17 + i)::real ORDER BY i) FROM generate_series(1, 64) AS i)::vector
FROM generate_series(1, 300) AS g;
CREATE TABLE probe_wide (id integer PRIMARY KEY, v vector(1536));
CREATE INDEX ON probe_wide USING hnsw (v vector_cosine_ops);
INSERT INTO probe_wide
SELECT g, (SELECT array_agg(cos(g * 7 + i)::real ORDER BY i) FROM generate_series(1, 1536) AS i)::vector
FROM generate_series(1, 40) AS g;
SET enable_seqscan = off;
";

/// Starts `install` in a scratch cluster and checks HNSW inserts and nearest-neighbour answers.
async fn probe(install: &PgInstall) -> Result<()> {
    let cluster = Cluster::start_with(install.clone(), CompatProfile::Legacy)
        .await
        .context("starting a scratch cluster")?;
    let outcome = run_probe(&cluster).await;
    if outcome.is_err() {
        let log = std::fs::read_to_string(cluster.dir().join("server.log")).unwrap_or_default();
        if let Some(line) = log.lines().find(|l| l.contains("terminated by signal")) {
            bail!("the server crashed: {}", line.trim());
        }
    }
    outcome
}

async fn run_probe(cluster: &Cluster) -> Result<()> {
    let (client, connection) =
        tokio_postgres::connect(&cluster.url("postgres"), tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    client
        .batch_execute(PROBE_SQL)
        .await
        .context("HNSW inserts")?;
    for (table, op, id) in [
        ("probe_small", "<->", 7),
        ("probe_small", "<=>", 9),
        ("probe_wide", "<=>", 11),
        ("probe_wide", "<->", 3),
    ] {
        let sql = format!(
            "SELECT id FROM {table} ORDER BY v {op} (SELECT v FROM {table} WHERE id = {id}) LIMIT 1"
        );
        let nearest: i32 = client
            .query_one(&sql, &[])
            .await
            .with_context(|| format!("nearest-neighbour query with {op}"))?
            .get(0);
        if nearest != id {
            bail!("nearest neighbour by {op} of row {id} came back as row {nearest}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_survive_the_cache_round_trip() {
        assert_eq!(parse(&render(&Verdict::Works)), Verdict::Works);
        assert_eq!(
            parse(&render(&Verdict::Broken("the server crashed".into()))),
            Verdict::Broken("the server crashed (cached)".into())
        );
    }
}
