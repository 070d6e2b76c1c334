//! Applying bundles through refinery and reporting the state of every migration.
//!
//! refinery's runner applies each transactional file in its own transaction and records it in
//! the history table in that same transaction. eventos drives it one file at a time
//! (`Target::Version`) so it can time each file, stop at the first failure with a precise
//! location, and run `-- eventos:no-transaction` files itself, statement by statement in
//! autocommit, before recording them through refinery with `Target::FakeVersion` (refinery has no
//! non-transactional migrations of its own).

mod error;
mod history;
mod status;
mod up;

pub use error::{FailedMigration, locate_db_error};
pub use history::{AppliedMigration, read_history};
pub use status::{MigrationState, StatusRow, compute_status};
pub use up::{AppliedFile, UpOptions, UpOutcome, migrate_up};
