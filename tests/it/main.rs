//! The integration tests, built as one binary (one link, one throwaway cluster per PostgreSQL
//! flavour for the whole run). [`harness`] starts the clusters, hands out a fresh database per
//! test and builds `eventos` commands; each other module is one area of the product.

mod harness;

mod bundles;
mod cli;
mod diff;
mod imports;
mod lint_cli;
mod lint_corpus;
mod lint_dump;
mod lint_live;
mod migrate_apply;
mod migrate_faults;
mod migrate_secrets;
mod migrate_signals;
mod migrate_tls;
mod new;
mod output;
mod schema_archive;
mod schema_attacks;
mod schema_audit;
mod schema_erd;
mod schema_jobs;
mod schema_ops;
mod schema_partitions;
mod schema_probe;
mod schema_redteam;
mod schema_rls;
mod schema_rollback;
mod schema_triggers;
mod schema_vector;
mod supabase_gate;
mod supabase_profile;
mod verify_advisor;
mod verify_checks;
mod verify_probe;
mod verify_write_probe;
