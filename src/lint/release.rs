//! Which migrations are already applied where the files are deployed ("released").
//!
//! A released file is history: it already ran against the production tables, nobody can change
//! it, and the tables it created hold data. An unreleased file's tables are empty until the
//! deploy that creates them, so later unreleased files may lock them freely.
//!
//! eventos learns what is released from, in order: `--released-through <version|none>`; the
//! history table of `--database-url` (eventos's own, or the runner profile's: Supabase CLI,
//! golang-migrate, sqlx, diesel, Flyway); `released_through` in `eventos.toml`. Without any
//! of them nothing is history, and a table created by an earlier file is assumed to hold data
//! (only a table created in the same file counts as empty) — never "safe" by accident.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result};
use tokio_postgres::Client;

use super::Runner;

/// A migration version: its numeric parts (`V1.2__x` → 1.2, `20240101120000_x` → one part).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(Vec<u64>);

impl Version {
    /// Parses `3004`, `V3004`, `1.2`, `1_2`, `20240101120000`, `2024-01-01-000000`.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let (body, separators): (&str, &[char]) = match text.strip_prefix(['V', 'v']) {
            Some(rest) => (rest, &['.', '_']),
            None if text.contains('-') => return digits_only(text),
            None => (text, &['.']),
        };
        let parts: Option<Vec<u64>> = body
            .split(separators)
            .map(|p| {
                (!p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        let mut parts = parts?;
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        (!parts.is_empty()).then_some(Version(parts))
    }

    /// The version a migration's path carries: `V<version>__…` (eventos, Flyway), leading
    /// digits (`<version>_name.sql`, `.up.sql`), or a diesel folder's
    /// `YYYY-MM-DD-HHMMSS_name/up.sql`.
    pub fn of_path(path: &Path) -> Option<Version> {
        let file = path.file_name()?.to_str()?;
        let name = if matches!(file, "up.sql" | "down.sql") {
            path.parent()?.file_name()?.to_str()?
        } else {
            file
        };
        if let Some(rest) = name.strip_prefix('V') {
            let (version, _) = rest.split_once("__")?;
            return Version::parse(&format!("V{version}"));
        }
        let lead: String = name
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        Version::parse(lead.trim_end_matches('-'))
    }
}

/// `2024-01-01-000000` → 20240101000000.
fn digits_only(text: &str) -> Option<Version> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let valid = !digits.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '-');
    valid.then(|| digits.parse().ok().map(|v| Version(vec![v])))?
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// What eventos knows about the released migrations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Release {
    /// Nothing: no file is history; tables of earlier files are assumed to hold data.
    #[default]
    Unknown,
    /// Every migration up to and including `version` is applied.
    Through {
        /// The last applied version.
        version: Version,
        /// Where this came from, for the summary line.
        origin: String,
    },
    /// Exactly these versions are applied (a history table).
    Applied {
        /// The applied versions.
        versions: BTreeSet<Version>,
        /// Where this came from, for the summary line.
        origin: String,
    },
}

impl Release {
    /// `released_through` as written in `eventos.toml` or on the command line: a version, or
    /// `none` (nothing is applied yet).
    pub fn from_setting(value: &str, origin: &str) -> Result<Release> {
        if value.trim().eq_ignore_ascii_case("none") {
            return Ok(Release::Applied {
                versions: BTreeSet::new(),
                origin: format!("{origin} none"),
            });
        }
        let version = Version::parse(value).with_context(|| {
            format!(
                "{origin}: {value:?} is not a migration version\nhelp: give the last applied version (3004, V3004, 1.2, 20240101120000) or none"
            )
        })?;
        Ok(Release::Through {
            origin: format!("{origin} {version}"),
            version,
        })
    }

    /// Per file (by path, in lint order): whether it is released. `None` when unknown.
    pub fn released(&self, paths: &[&Path]) -> Option<Vec<bool>> {
        let of = |path: &&Path| Version::of_path(path);
        match self {
            Release::Unknown => None,
            Release::Through { version, .. } => Some(
                paths
                    .iter()
                    .map(|s| of(s).is_some_and(|v| &v <= version))
                    .collect(),
            ),
            Release::Applied { versions, .. } => Some(
                paths
                    .iter()
                    .map(|s| of(s).is_some_and(|v| versions.contains(&v)))
                    .collect(),
            ),
        }
    }

    /// The summary line's `released: …` part.
    pub fn summary(&self, released: Option<&[bool]>) -> String {
        let count = |r: &[bool]| r.iter().filter(|r| **r).count();
        match (self, released) {
            (Release::Through { origin, .. } | Release::Applied { origin, .. }, Some(r)) => {
                format!("{} of {} files ({origin})", count(r), r.len())
            }
            _ => "unknown (tables of earlier files assumed live; set released_through in eventos.toml)"
                .to_string(),
        }
    }
}

/// Reads the migrations a database has applied from the history table of `runner`'s tool
/// (eventos: `history_table`). A database without the table has applied nothing; the `none`
/// profile has no history table (unknown).
pub async fn read_history(client: &Client, runner: Runner, history_table: &str) -> Result<Release> {
    let (table, query) = match runner {
        Runner::Eventos => (
            history_table.to_string(),
            format!("SELECT version::text FROM {history_table}"),
        ),
        Runner::Supabase => (
            "supabase_migrations.schema_migrations".into(),
            "SELECT version::text FROM supabase_migrations.schema_migrations".into(),
        ),
        Runner::Sqlx => (
            "_sqlx_migrations".into(),
            "SELECT version::text FROM _sqlx_migrations WHERE success".into(),
        ),
        Runner::Diesel => (
            "__diesel_schema_migrations".into(),
            "SELECT version::text FROM __diesel_schema_migrations".into(),
        ),
        Runner::Flyway => (
            "flyway_schema_history".into(),
            "SELECT version::text FROM flyway_schema_history WHERE success AND version IS NOT NULL"
                .into(),
        ),
        Runner::GolangMigrate => (
            "schema_migrations".into(),
            "SELECT version::text FROM schema_migrations".into(),
        ),
        Runner::None => return Ok(Release::Unknown),
    };
    let origin = format!("history table {table} of --database-url");
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .await
        .context("looking for the migration history table")?
        .get(0);
    if !exists {
        return Ok(Release::Applied {
            versions: BTreeSet::new(),
            origin,
        });
    }
    let rows = client
        .query(&query, &[])
        .await
        .with_context(|| format!("reading the migration history table {table}"))?;
    let versions: BTreeSet<Version> = rows
        .iter()
        .filter_map(|row| Version::parse(&row.get::<_, String>(0)))
        .collect();
    if runner == Runner::GolangMigrate {
        // golang-migrate keeps one row: the current version; everything up to it is applied.
        return Ok(match versions.into_iter().next_back() {
            Some(version) => Release::Through { version, origin },
            None => Release::Applied {
                versions: BTreeSet::new(),
                origin,
            },
        });
    }
    Ok(Release::Applied { versions, origin })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn versions_of_every_layout() {
        let of = |p: &str| Version::of_path(Path::new(p));
        assert_eq!(of("sql/phase3/V3004__rls_policies.sql"), Some(v("3004")));
        assert_eq!(of("db/V1_2__add.sql"), Some(v("1.2")));
        assert_eq!(of("db/V1.10__add.sql"), Some(v("1.10")));
        assert_eq!(of("m/20240101120000_init.sql"), Some(v("20240101120000")));
        assert_eq!(of("m/001_init.up.sql"), Some(v("1")));
        assert_eq!(
            of("migrations/2024-01-01-000000_create_users/up.sql"),
            Some(v("20240101000000"))
        );
        assert_eq!(of("m/R__views.sql"), None);
        assert_eq!(of("schema.sql"), None);
        assert!(v("1.2") < v("1.10"));
        assert_eq!(v("1.0"), v("1"));
        assert!(Version::parse("abc").is_none());
        assert!(Version::parse("3004x").is_none());
    }

    #[test]
    fn released_files_follow_the_setting() {
        let sources: Vec<&Path> = ["V1__a.sql", "V2__b.sql", "V3__c.sql", "R__d.sql"]
            .iter()
            .map(Path::new)
            .collect();
        let through = Release::from_setting("2", "eventos.toml released_through").unwrap();
        assert_eq!(
            through.released(&sources),
            Some(vec![true, true, false, false])
        );
        let none = Release::from_setting("none", "--released-through").unwrap();
        assert_eq!(none.released(&sources), Some(vec![false; 4]));
        assert_eq!(Release::Unknown.released(&sources), None);
        let applied = Release::Applied {
            versions: [v("1"), v("3")].into_iter().collect(),
            origin: "history".into(),
        };
        assert_eq!(
            applied.released(&sources),
            Some(vec![true, false, true, false])
        );
        assert!(Release::from_setting("soon", "x").is_err());
        assert_eq!(
            through.summary(through.released(&sources).as_deref()),
            "2 of 4 files (eventos.toml released_through 2)"
        );
    }
}
