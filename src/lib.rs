//! eventos owns the EventOS database schema on Supabase PostgreSQL.
//!
//! Crate map:
//! - [`base`]: neutral values every layer shares (severities, durations, runner names).
//! - [`cli`]: clap types only — what the user can type.
//! - [`cmd`]: one module per command group: arguments → engine call → rendered output.
//! - [`config`]: `eventos.toml`, `.env`, database URL and path resolution.
//! - [`bundle`]: loading migration files and phase plans from disk, with precise errors.
//! - [`sql`]: the pg_query wrapper: statements with byte spans, line/column index.
//! - [`lint`]: static rules over the bundles, before any database is touched.
//! - [`db`]: connecting (URL redaction), throwaway clusters, the Supabase compatibility layer.
//! - [`migrate`]: applying bundles through refinery, status of every migration.
//! - [`verify`]: post-apply checks against the live catalog.
//! - [`maintain`]: the schema's scheduled maintenance jobs, run once where pg_cron is absent.
//! - [`diff`]: a live database against the bundles built on a shadow database.
//! - [`report`]: diagnostics and their renderers, check results, tables.

pub mod base;
pub mod bundle;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod db;
pub mod diff;
pub mod lint;
pub mod maintain;
pub mod migrate;
pub mod report;
pub mod sql;
pub mod verify;
