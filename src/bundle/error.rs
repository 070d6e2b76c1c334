//! Typed bundle errors: each names the file at fault and says how to fix it.

use std::path::PathBuf;

/// Why a project's bundles could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file or folder could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not valid UTF-8.
    #[error("{}: not valid UTF-8 (byte {offset}, line {line})\nhelp: save the file as UTF-8", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Byte offset of the first invalid byte.
        offset: usize,
        /// Line of the first invalid byte (1-based).
        line: usize,
    },
    /// A file in a phase folder is not named `V<version>__<name>.sql`.
    #[error("{}: not a migration file name\nhelp: name migrations V<4-digit version>__<lowercase_name>.sql (e.g. V{}001__create_events.sql), or move the file out of the phase folder", path.display(), phase)]
    BadFileName {
        /// The offending file.
        path: PathBuf,
        /// The phase folder it sits in.
        phase: u8,
    },
    /// A migration's version lies outside its phase's range.
    #[error("{}: version {version} is outside phase {phase}'s range {}..={}\nhelp: renumber the file into its phase's range, or move it to phase{}/", path.display(), *phase as u32 * 1000 + 1, *phase as u32 * 1000 + 999, version / 1000)]
    VersionOutOfRange {
        /// The file.
        path: PathBuf,
        /// Its version.
        version: u32,
        /// Its phase folder.
        phase: u8,
    },
    /// Two migrations share a version.
    #[error("{}: version {version} is also used by {}\nhelp: give one of them a new, unused version", second.display(), first.display())]
    DuplicateVersion {
        /// The version.
        version: u32,
        /// The first file with it.
        first: PathBuf,
        /// The second file with it.
        second: PathBuf,
    },
    /// A plan file could not be parsed.
    #[error("{}: {message}\nhelp: see docs/bundles.md for the plan format", path.display())]
    BadPlan {
        /// The plan file.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A plan names a file that does not exist.
    #[error("{}: `{key}` names {}, which does not exist\nhelp: create the file or fix the path (relative to the SQL folder)", plan.display(), path.display())]
    MissingFile {
        /// The plan file.
        plan: PathBuf,
        /// The key naming the file.
        key: &'static str,
        /// The missing path.
        path: PathBuf,
    },
    /// A plan depends on a phase that is not earlier or does not exist.
    #[error("{}: depends_on names phase {dependency}, which is not an earlier phase of this project\nhelp: list only earlier phases that have a plan", plan.display())]
    BadDependency {
        /// The plan file.
        plan: PathBuf,
        /// The bad dependency.
        dependency: u8,
    },
    /// A `sql/phase<N>` folder without a plan.
    #[error("{}: phase {phase} has migrations but no plan\nhelp: add plans/phase{phase}.toml (see docs/bundles.md) or remove the folder", path.display())]
    OrphanPhaseDir {
        /// The folder.
        path: PathBuf,
        /// Its phase.
        phase: u8,
    },
    /// No plans were found at all.
    #[error("{}: no plans (phase<N>.toml) found\nhelp: run eventos from the project folder, or pass --config pointing at eventos.toml", path.display())]
    NoPlans {
        /// The plans folder.
        path: PathBuf,
    },
    /// `--phase N` names a phase without a plan.
    #[error(
        "phase {phase} does not exist (phases: {known:?})\nhelp: pass --phase with one of the listed phases"
    )]
    UnknownPhase {
        /// The requested phase.
        phase: u8,
        /// The phases the project has.
        known: Vec<u8>,
    },
}
