//! The linter: parses every file with pg_query and runs the rule table over its statements.
//!
//! Files are linted in the order given (bundles: version order across phases). Rules are plain
//! functions over one parsed statement; the engine owns parsing, syntax errors and ordering.

pub mod rules;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::bundle::{Project, read_sql_file};
use crate::report::{Diagnostic, Severity, SourceFile};
use crate::sql::{self, Statement};
pub use rules::{RULES, Rule};

/// Everything a rule may look at for one statement.
#[derive(Debug)]
pub struct StatementContext<'a> {
    /// The file being linted.
    pub file: &'a SourceFile,
    /// The statement.
    pub statement: &'a Statement,
}

impl StatementContext<'_> {
    /// A diagnostic of `rule` over the whole statement.
    pub fn diagnostic(&self, rule: &Rule, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.path.clone(),
            span: self.statement.span.clone(),
            rule: rule.id,
            severity: rule.severity,
            message: message.into(),
            help: Some(rule.help.to_string()),
        }
    }
}

/// The result of linting a set of files.
#[derive(Debug, Default)]
pub struct LintReport {
    /// The files, as read (renderers need their text).
    pub sources: Vec<SourceFile>,
    /// Findings in file order, then position.
    pub diagnostics: Vec<Diagnostic>,
}

impl LintReport {
    /// Number of findings of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Lints files in the given order.
pub fn lint_sources(sources: Vec<SourceFile>) -> LintReport {
    let mut diagnostics = Vec::new();
    for source in &sources {
        lint_file(source, &mut diagnostics);
    }
    LintReport {
        sources,
        diagnostics,
    }
}

fn lint_file(source: &SourceFile, out: &mut Vec<Diagnostic>) {
    let statements = match sql::parse_statements(&source.text) {
        Ok(statements) => statements,
        Err(err) => {
            out.push(rules::syntax_error::diagnostic(source, &err));
            return;
        }
    };
    for statement in &statements {
        let ctx = StatementContext {
            file: source,
            statement,
        };
        for rule in RULES {
            if let Some(check) = rule.check {
                check(&ctx, rule, out);
            }
        }
    }
}

/// The project's migrations in version order, as lint sources.
pub fn bundle_sources(project: &Project) -> Vec<SourceFile> {
    project
        .migrations()
        .map(|m| SourceFile {
            path: m.path.clone(),
            text: m.sql.clone(),
        })
        .collect()
}

/// Reads `paths` (files, or folders whose `.sql` files are taken in name order).
pub fn path_sources(paths: &[PathBuf]) -> Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(sql_files_in(path)?);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            anyhow::bail!("{}: no such file or folder", path.display());
        }
    }
    files
        .into_iter()
        .map(|path| {
            Ok(SourceFile {
                text: read_sql_file(&path)?,
                path,
            })
        })
        .collect()
}

fn sql_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list the folder", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lints one in-memory file and returns the rule ids found, in order.
    pub(crate) fn rule_ids(text: &str) -> Vec<&'static str> {
        let source = SourceFile {
            path: "test.sql".into(),
            text: text.into(),
        };
        lint_sources(vec![source])
            .diagnostics
            .iter()
            .map(|d| d.rule)
            .collect()
    }

    #[test]
    fn clean_file_has_no_findings() {
        assert!(rule_ids("CREATE TABLE t (id int PRIMARY KEY);").is_empty());
    }
}
