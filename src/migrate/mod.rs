//! Applying bundles through refinery and reporting the state of every migration.
//!
//! refinery's runner applies each transactional file in its own transaction and records it in
//! the history table in that same transaction. eventos drives it one file at a time
//! (`Target::Version`) so it can time each file, retry a file that hit `lock_timeout`, stop at
//! the first failure with a precise location, and run `-- eventos:no-transaction` files itself,
//! statement by statement in autocommit, before recording them through refinery with
//! `Target::FakeVersion` (refinery has no non-transactional migrations of its own). The
//! connection refinery drives (`driver`) pipelines each file's transaction, names the statement
//! that failed by counting the server's `CommandComplete`s, and shows refinery the history
//! eventos read and validated itself (`history`). A
//! no-transaction file that dies half-way is not recorded, so the next run reruns it whole: its
//! statements are idempotent (`IF NOT EXISTS`), and an INVALID index left by a failed concurrent
//! build is dropped first (`invalid_index`). `baseline` records with `Target::FakeVersion`
//! too; `down` runs a phase's rollback script and deletes its rows from the same table.
//!
//! A run is planned before anything changes ([`plan_up`]): a diverged history, or pending files
//! older than the newest applied one (unless out-of-order runs are allowed), refuse it.
//!
//! Every entry point that changes the database takes a [`crate::db::MigrationLock`] as proof
//! that the caller holds the advisory lock (taken before the Supabase compat layer is installed).

mod baseline;
mod down;
mod driver;
mod dry_run;
mod error;
mod history;
mod invalid_index;
mod preflight;
pub mod privileges;
mod session;
mod status;
mod up;

pub use baseline::{BaselineOutcome, migrate_baseline};
pub use down::{DownOutcome, migrate_down, phase_versions};
pub use dry_run::dry_run_script;
pub use error::{FailedMigration, StatementNumber, locate_db_error};
pub use history::{
    AppliedMigration, HistoryError, HistoryRow, RowProblem, read_history, read_history_rows,
    validate_history,
};
pub use preflight::check_extensions_available;
pub use privileges::{PrivilegeReport, backup_scope, check_privileges};
pub use session::apply_timeouts;
pub use status::{MigrationState, StatusRow, compute_status};
pub use up::{
    AppliedFile, Refusal, UpEvent, UpOptions, UpOutcome, UpPlan, diverged_rows, migrate_up,
    pending_migrations, plan_up,
};
