//! `syntax-error` — the file does not parse with PostgreSQL's grammar.
//!
//! Why: a migration that does not parse fails on deploy, after earlier files have landed.
//! Fix: correct the SQL at the reported token (`file:line:col` points at it).

use super::Rule;
use crate::report::{Diagnostic, Severity, SourceFile};
use crate::sql::SyntaxError;

/// The rule's metadata; the engine emits its findings when parsing fails.
pub const RULE: Rule = Rule {
    id: "syntax-error",
    severity: Severity::Error,
    summary: "the file does not parse with PostgreSQL's grammar",
    help: "fix the SQL at the marked token; eventos parses with libpg_query, PostgreSQL's own parser",
    doc: include_str!("../../../docs/rules/syntax-error.md"),
    check: None,
    finish: None,
};

/// The finding for a parse failure of `source`.
pub fn diagnostic(source: &SourceFile, err: &SyntaxError) -> Diagnostic {
    let end = source.text[err.offset..]
        .find(|c: char| c.is_whitespace() || c == ';')
        .map_or(source.text.len(), |n| err.offset + n.max(1));
    Diagnostic {
        file: source.path.clone(),
        span: err.offset..end,
        rule: RULE.id,
        severity: RULE.severity,
        message: err.message.clone(),
        help: Some(RULE.help.into()),
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, rule_ids};

    #[test]
    fn reports_syntax_errors_at_their_line() {
        assert_eq!(rule_ids("CREATE TABEL t (a int);"), vec!["syntax-error"]);
        assert_eq!(
            lines("SELECT 1;\n-- fine\nSELECT (1 +;\n", "syntax-error"),
            vec![3]
        );
    }

    #[test]
    fn valid_sql_is_not_reported() {
        assert!(rule_ids("CREATE TABLE private.t (a int); -- CREATE TABEL").is_empty());
    }
}
