//! `sql/eventos.sum`: the integrity file of the bundles, in the spirit of atlas.sum.
//!
//! One line per file (migrations in version order, then rollback scripts in phase order) with a
//! chained sha256 — each hash covers the previous line's hash, the path and the file's content —
//! and a first `total` line hashing every entry. Editing, adding, removing or reordering a file
//! changes its line and every later one; `eventos lint` reports the first divergence.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Project;
use super::migration::sha256_hex;

/// The sum file's name inside the SQL folder.
pub const SUM_FILE: &str = "eventos.sum";

const HEADER: &str = "# eventos.sum: written by `eventos hash`; do not edit by hand.";

/// A computed or parsed sum file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumFile {
    /// sha256 over every entry line.
    pub total: String,
    /// (path relative to the SQL folder, chained sha256), in order.
    pub entries: Vec<(String, String)>,
}

/// A difference between the bundles and the sum file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumProblem {
    /// The file concerned (a bundle file, or the sum file itself).
    pub path: PathBuf,
    /// What differs.
    pub message: String,
}

impl SumFile {
    /// Hashes `files` (path relative to the SQL folder, content) in order.
    pub fn compute<'a>(files: impl IntoIterator<Item = (String, &'a str)>) -> SumFile {
        let mut previous = String::new();
        let entries: Vec<(String, String)> = files
            .into_iter()
            .map(|(path, content)| {
                let link = format!("{previous}\n{path}\n{}", sha256_hex(content.as_bytes()));
                previous = sha256_hex(link.as_bytes());
                (path, previous.clone())
            })
            .collect();
        SumFile {
            total: total_of(&entries),
            entries,
        }
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = format!("{HEADER}\ntotal sha256:{}\n", self.total);
        for (path, hash) in &self.entries {
            out.push_str(&format!("{path} sha256:{hash}\n"));
        }
        out
    }

    /// Parses a sum file; the error names the bad line.
    pub fn parse(text: &str) -> Result<SumFile, String> {
        let mut total = None;
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parsed = line.rsplit_once(" sha256:").filter(|(_, h)| h.len() == 64);
            match parsed {
                Some(("total", hash)) if total.is_none() => total = Some(hash.to_string()),
                Some((path, hash)) => entries.push((path.to_string(), hash.to_string())),
                None => {
                    return Err(format!(
                        "line {}: expected `<path> sha256:<64 hex digits>`",
                        number + 1
                    ));
                }
            }
        }
        let total = total.ok_or("no `total sha256:…` line")?;
        Ok(SumFile { total, entries })
    }
}

fn total_of(entries: &[(String, String)]) -> String {
    let mut hasher = Sha256::new();
    for (path, hash) in entries {
        hasher.update(format!("{path} {hash}\n"));
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The sum of the project's files as they are on disk now.
pub fn of_project(project: &Project, sql_dir: &Path) -> SumFile {
    let migrations = project.migrations().map(|m| (&m.path, m.sql.as_str()));
    let rollbacks = project
        .bundles
        .iter()
        .map(|b| (&b.rollback_path, b.rollback_sql.as_str()));
    SumFile::compute(
        migrations
            .chain(rollbacks)
            .map(|(path, sql)| (relative(path, sql_dir), sql)),
    )
}

fn relative(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Writes `sql_dir/eventos.sum` for the project; returns its path.
pub fn write(project: &Project, sql_dir: &Path) -> std::io::Result<PathBuf> {
    let path = sql_dir.join(SUM_FILE);
    std::fs::write(&path, of_project(project, sql_dir).render())?;
    Ok(path)
}

/// Compares the project with `sql_dir/eventos.sum`; no sum file means nothing to compare.
pub fn check(project: &Project, sql_dir: &Path) -> Vec<SumProblem> {
    let sum_path = sql_dir.join(SUM_FILE);
    let Ok(text) = std::fs::read_to_string(&sum_path) else {
        return Vec::new();
    };
    let problem = |path: PathBuf, message: String| SumProblem { path, message };
    let recorded = match SumFile::parse(&text) {
        Ok(recorded) => recorded,
        Err(err) => return vec![problem(sum_path, format!("{SUM_FILE} is malformed: {err}"))],
    };
    if total_of(&recorded.entries) != recorded.total {
        return vec![problem(
            sum_path,
            format!("{SUM_FILE} was edited by hand (its total does not match)"),
        )];
    }
    differences(&recorded, &of_project(project, sql_dir))
        .into_iter()
        .map(|(rel, message)| {
            problem(
                if rel == SUM_FILE {
                    sum_path.clone()
                } else {
                    sql_dir.join(rel)
                },
                message,
            )
        })
        .collect()
}

/// The first diverging entry, then files missing on either side.
fn differences(recorded: &SumFile, current: &SumFile) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let known = |sum: &SumFile, path: &str| sum.entries.iter().any(|(p, _)| p == path);
    let first = current
        .entries
        .iter()
        .zip(&recorded.entries)
        .position(|(now, then)| now != then);
    if let Some(i) = first {
        let (path, _) = &current.entries[i];
        if recorded.entries[i].0 == *path {
            out.push((
                path.clone(),
                format!("{path} changed since `eventos hash` recorded it"),
            ));
        } else if known(recorded, path) {
            out.push((
                path.clone(),
                format!("files before {path} were removed or reordered since `eventos hash`"),
            ));
        }
    }
    for (path, _) in &current.entries {
        if !known(recorded, path) {
            out.push((
                path.clone(),
                format!("{path} is not recorded in {SUM_FILE}"),
            ));
        }
    }
    for (path, _) in &recorded.entries {
        if !known(current, path) {
            out.push((
                SUM_FILE.to_string(),
                format!("{path} is recorded in {SUM_FILE} but no longer exists"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(files: &[(&str, &str)]) -> SumFile {
        SumFile::compute(files.iter().map(|(p, c)| (p.to_string(), *c)))
    }

    #[test]
    fn render_and_parse_round_trip() {
        let s = sum(&[
            ("phase0/V0001__a.sql", "SELECT 1;"),
            ("rollback/phase0.sql", ""),
        ]);
        assert_eq!(SumFile::parse(&s.render()).unwrap(), s);
        assert!(SumFile::parse("total sha256:abc\n").is_err());
    }

    #[test]
    fn hashes_are_chained() {
        let a = sum(&[("a", "1"), ("b", "2")]);
        let b = sum(&[("a", "changed"), ("b", "2")]);
        assert_ne!(
            a.entries[1].1, b.entries[1].1,
            "a change propagates to later entries"
        );
        assert_ne!(a.total, b.total);
    }

    #[test]
    fn differences_name_the_changed_added_and_removed_files() {
        let recorded = sum(&[("a", "1"), ("b", "2"), ("gone", "3")]);
        let changed = differences(&recorded, &sum(&[("a", "1"), ("b", "2!"), ("new", "4")]));
        let messages: Vec<&str> = changed.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "b changed since `eventos hash` recorded it",
                "new is not recorded in eventos.sum",
                "gone is recorded in eventos.sum but no longer exists"
            ]
        );
        assert!(differences(&recorded, &recorded).is_empty());
    }
}
