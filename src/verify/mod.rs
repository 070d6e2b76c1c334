//! Post-apply verification against the live catalog.
//!
//! The catalog is fetched once ([`catalog::Catalog::fetch`], a fixed number of queries whatever
//! the number of objects); checks ([`checks::CHECKS`]) are pure functions over that snapshot,
//! plus the plans' own verification queries, which run as written, and the optional RLS probe.
//! Rendering lives in [`report`].

pub mod catalog;
pub mod checks;
pub mod probe;
pub mod report;

use anyhow::Result;
use tokio_postgres::Client;

use crate::bundle::Project;
pub use checks::CheckResult;

/// What to verify beyond the plans.
#[derive(Debug, Clone)]
pub struct Options {
    /// Highest phase whose plans are checked (`None`: all).
    pub max_phase: Option<u8>,
    /// Schemas the API exposes; the safety checks look only there.
    pub exposed_schemas: Vec<String>,
    /// Run the RLS probe over the plans' `[[rls_probe]]` tables.
    pub rls_probe: bool,
}

impl Options {
    /// Phases up to `max_phase`, schema `public` exposed, no RLS probe.
    pub fn new(max_phase: Option<u8>) -> Options {
        Options {
            max_phase,
            exposed_schemas: vec!["public".into()],
            rls_probe: false,
        }
    }
}

/// Every result of one verification run.
#[derive(Debug, Clone)]
pub struct Report {
    /// One result per check and subject, in check order.
    pub results: Vec<CheckResult>,
    /// Round trips spent reading the catalog (constant, see [`catalog::Catalog::QUERIES`]).
    pub catalog_queries: usize,
    /// Round trips spent on the plans' verification queries (one each).
    pub plan_queries: usize,
}

impl Report {
    /// Whether every check passed (warnings allowed).
    pub fn passed(&self) -> bool {
        self.results.iter().all(CheckResult::passed)
    }
}

/// Runs every check for phases `0..=max_phase` with schema `public` exposed (the post-check of
/// `migrate up`).
pub async fn verify(
    client: &Client,
    project: &Project,
    max_phase: Option<u8>,
) -> Result<Vec<CheckResult>> {
    Ok(run(client, project, &Options::new(max_phase))
        .await?
        .results)
}

/// Runs every check `options` asks for.
pub async fn run(client: &Client, project: &Project, options: &Options) -> Result<Report> {
    let catalog = catalog::Catalog::fetch(client, &options.exposed_schemas).await?;
    let mut results = Vec::new();
    let mut plan_queries = 0;
    for bundle in project.up_to(options.max_phase) {
        results.extend(checks::plan_objects::check(&bundle.plan, &catalog));
        results.extend(checks::plan_queries::run(client, &bundle.plan).await?);
        plan_queries += bundle.plan.verify.len();
    }
    results.extend(checks::run_catalog_checks(&catalog));
    results.extend(checks::maintenance_jobs::run(client).await?);
    if options.rls_probe {
        results.extend(probe::run(client, project, options.max_phase).await?);
    }
    Ok(Report {
        results,
        catalog_queries: catalog.queries,
        plan_queries,
    })
}
