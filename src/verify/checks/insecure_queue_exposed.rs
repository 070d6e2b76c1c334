//! `insecure-queue-exposed` — when Supabase Queues are exposed (`pgmq_public` among the API
//! schemas), no queue table `pgmq.q_*` readable by `anon` or `authenticated` has row level
//! security disabled (splinter's `insecure_queue_exposed_in_api`).
//!
//! Why: `pgmq_public`'s functions read and write the queue tables as the caller; without RLS,
//! anyone allowed to call them reads, pops or deletes every message of every queue. The API
//! schemas are eventos's exposed schemas plus the server's `pgrst.db_schemas` setting.
//! Fix: `ALTER TABLE pgmq.q_<queue> ENABLE ROW LEVEL SECURITY;` and add policies for the roles
//! that may use the queue.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "insecure-queue-exposed",
    level: Severity::Error,
    summary: "with pgmq_public exposed, every API-readable queue table pgmq.q_* has row level security",
    help: "ALTER TABLE pgmq.q_<queue> ENABLE ROW LEVEL SECURITY; then add policies for the roles that use it",
    doc: include_str!("../../../docs/checks/insecure-queue-exposed.md"),
    splinter: &["insecure_queue_exposed_in_api"],
    run: Some(check),
};

/// Whether `pgmq_public` is an API schema.
fn queues_exposed(catalog: &Catalog) -> bool {
    catalog.is_exposed("pgmq_public")
        || catalog
            .api_schemas_setting
            .as_deref()
            .is_some_and(|s| s.split(',').any(|x| x.trim() == "pgmq_public"))
}

/// One result per queue table, when queues are exposed.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    if !queues_exposed(catalog) {
        return Vec::new();
    }
    catalog
        .relations
        .iter()
        .filter(|r| r.schema == "pgmq" && r.name.starts_with("q_") && r.is_table())
        .map(|queue| {
            let readers = queue.access.readers();
            let problem = (!queue.rls && !readers.is_empty()).then(|| {
                format!(
                    "queue table {} has row level security disabled and {} can reach it through pgmq_public",
                    queue.qualified(),
                    readers.join(", ")
                )
            });
            Examined::relation(queue, problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, problems, relation};

    #[test]
    fn judges_queue_tables_only_when_pgmq_public_is_exposed() {
        let mut catalog = catalog();
        let mut queue = relation("pgmq", "q_jobs", 'r');
        queue.rls = false;
        queue.access.authenticated.select = true;
        catalog.relations = vec![queue, relation("pgmq", "q_safe", 'r')];
        assert!(check(&catalog).is_empty());
        catalog.api_schemas_setting = Some("public, graphql_public, pgmq_public".into());
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "pgmq.q_jobs: queue table pgmq.q_jobs has row level security disabled and authenticated can reach it through pgmq_public"
            ]
        );
    }
}
