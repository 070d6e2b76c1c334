//! Adding a migration to a phase (`eventos new`): the next free version in the phase's range, a
//! name both eventos's loader and refinery accept, the file's opening comment, and the sum file
//! rewritten to include it.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Project, migration, sum};

/// The longest name that still fits a 255-byte file name (`V1234__` + name + `.sql`) and
/// refinery's `VARCHAR(255)` name column.
pub const MAX_NAME_LEN: usize = 244;

/// Why a migration cannot be added.
#[derive(Debug, thiserror::Error)]
pub enum NewMigrationError {
    /// The name is not `[a-z0-9_]+`, too long, or refinery would read it differently.
    #[error("{name:?} cannot be a migration name: {reason}\nhelp: use lowercase letters, digits and _ only{}", suggestion.as_ref().map(|s| format!(", e.g. {s}")).unwrap_or_default())]
    BadName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: String,
        /// A name that would be accepted, when one can be derived.
        suggestion: Option<String>,
    },
    /// Every version of the phase's range is taken.
    #[error("phase {phase} has no free version left (its range {first}..={last} ends at {last})\nhelp: start a new phase (plans/phase{next}.toml)", first = *phase as u32 * 1000 + 1, last = *phase as u32 * 1000 + 999, next = phase + 1)]
    PhaseFull {
        /// The phase.
        phase: u8,
    },
    /// The sum file does not match the bundles as they are: rewriting it would record those
    /// changes unseen.
    #[error("{}: does not match the bundles as they are ({}); rewriting it now would record that unseen\nhelp: run `eventos lint` to see what changed, and `eventos hash` once the change is intended", path.display(), problems.join("; "))]
    SumOutOfDate {
        /// The sum file.
        path: PathBuf,
        /// What differs.
        problems: Vec<String>,
    },
    /// Writing the file or the sum failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// A new migration file, written.
#[derive(Debug, Clone)]
pub struct NewMigration {
    /// Its path.
    pub path: PathBuf,
    /// Its version.
    pub version: u32,
    /// Whether `sql/eventos.sum` was rewritten (false when the project has none).
    pub sum_rewritten: bool,
}

/// Checks `name` against eventos's file-name rule and refinery's parser.
pub fn check_name(name: &str) -> Result<(), NewMigrationError> {
    let bad = |reason: &str| NewMigrationError::BadName {
        name: name.to_string(),
        reason: reason.to_string(),
        suggestion: suggest(name),
    };
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(bad(&format!(
            "it is {} bytes long; the limit is {MAX_NAME_LEN}",
            name.len()
        )));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(bad(&format!("it contains {c:?}")));
    }
    let file = file_name(1, name);
    if migration::parse_file_name(&file).map(|(_, n)| n) != Some(name) {
        return Err(bad("the bundle loader cannot read it back"));
    }
    let refinery_name = file.trim_end_matches(".sql");
    match refinery::Migration::unapplied(refinery_name, "") {
        Ok(m) if m.name() == name => Ok(()),
        _ => Err(bad("refinery cannot read it back")),
    }
}

/// A name derived from `name` that [`check_name`] accepts, if any.
fn suggest(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out
        .trim_end_matches('_')
        .chars()
        .take(MAX_NAME_LEN)
        .collect::<String>();
    (!out.is_empty() && out != name).then_some(out)
}

/// `V1005__add_tags.sql`.
pub fn file_name(version: u32, name: &str) -> String {
    format!("V{version:04}__{name}.sql")
}

/// The next free version of `phase`: one past its newest migration, or the first of its range.
pub fn next_version(project: &Project, phase: u8) -> Result<u32, NewMigrationError> {
    let first = u32::from(phase) * 1000 + 1;
    let newest = project
        .bundles
        .iter()
        .filter(|b| b.phase() == phase)
        .flat_map(|b| &b.migrations)
        .map(|m| m.version)
        .max();
    let next = newest.map_or(first, |v| v + 1);
    if next > u32::from(phase) * 1000 + 999 {
        return Err(NewMigrationError::PhaseFull { phase });
    }
    Ok(next)
}

/// The file's opening comment (and directive).
pub fn contents(version: u32, name: &str, phase: u8, no_transaction: bool) -> String {
    let mut text = String::new();
    if no_transaction {
        text.push_str(&format!("-- {}\n", migration::NO_TRANSACTION_DIRECTIVE));
    }
    text.push_str(&format!(
        "-- V{version:04}__{name} (phase {phase}): <what this migration changes, and why>\n\
         -- Once applied anywhere, never edit this file: change the schema with a new migration.\n"
    ));
    if no_transaction {
        text.push_str(
            "-- Runs statement by statement in autocommit: keep each statement idempotent\n\
             -- (CREATE INDEX CONCURRENTLY IF NOT EXISTS …) so a rerun after a failure completes.\n",
        );
    }
    text
}

/// Writes the next migration of `phase` into `sql_dir/phase<N>/` and rewrites the sum file.
/// Nothing is written when the name is refused, the phase is full or the sum file is stale.
pub fn create(
    project: &Project,
    sql_dir: &Path,
    phase: u8,
    name: &str,
    no_transaction: bool,
) -> Result<NewMigration, NewMigrationError> {
    check_name(name)?;
    let version = next_version(project, phase)?;
    let sum_path = sql_dir.join(sum::SUM_FILE);
    let has_sum = sum_path.is_file();
    if has_sum {
        let problems = sum::check(project, sql_dir);
        if !problems.is_empty() {
            return Err(NewMigrationError::SumOutOfDate {
                path: sum_path,
                problems: problems.into_iter().map(|p| p.message).collect(),
            });
        }
    }
    let dir = sql_dir.join(format!("phase{phase}"));
    let path = dir.join(file_name(version, name));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| NewMigrationError::Io { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let sql = contents(version, name, phase, no_transaction);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut file| file.write_all(sql.as_bytes()))
        .map_err(io(&path))?;
    if has_sum {
        let mut updated = project.clone();
        let migration =
            migration::Migration::from_file(&path, phase).map_err(|err| NewMigrationError::Io {
                path: path.clone(),
                source: std::io::Error::other(err.to_string()),
            })?;
        let bundle = updated
            .bundles
            .iter_mut()
            .find(|b| b.phase() == phase)
            .expect("the caller checked the phase");
        bundle.migrations.push(migration);
        bundle.migrations.sort_by_key(|m| m.version);
        sum::write(&updated, sql_dir).map_err(io(&sum_path))?;
    }
    Ok(NewMigration {
        path,
        version,
        sum_rewritten: has_sum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refinery_and_the_loader_accept() {
        assert!(check_name("add_event_tags").is_ok());
        assert!(check_name("v2_backfill").is_ok());
        assert!(check_name("a__b").is_ok());
        for bad in [
            "",
            "Add",
            "add-tags",
            "add tags",
            "../escape",
            "a/b",
            "x.sql",
            "naïve",
            "tab\t",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(check_name(&"a".repeat(MAX_NAME_LEN)).is_ok());
        assert!(check_name(&"a".repeat(MAX_NAME_LEN + 1)).is_err());
    }

    #[test]
    fn refused_names_come_with_a_suggestion() {
        let err = check_name("add-Event Tags").unwrap_err().to_string();
        assert!(err.contains("add_event_tags"), "{err}");
        assert!(err.contains("'-'"), "{err}");
    }

    #[test]
    fn the_directive_opens_a_no_transaction_file() {
        let text = contents(1005, "idx", 1, true);
        assert!(migration::has_no_transaction_directive(&text));
        assert!(!migration::has_no_transaction_directive(&contents(
            1005, "idx", 1, false
        )));
    }
}
