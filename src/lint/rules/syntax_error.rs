//! `syntax-error` — what PostgreSQL rejects before running it: a statement that does not parse
//! with its grammar, or a function or `DO` body it rejects at `CREATE FUNCTION` / when the block
//! starts (see [`crate::lint::units`]: what only a catalog could decide is never reported).
//!
//! Why: a migration that does not parse fails on deploy, after earlier files have landed.
//! Fix: correct the SQL at the reported token (`file:line:col` points at it).

use super::Rule;
use crate::lint::{Diagnostic, Severity, SourceFile};
use crate::sql::SyntaxError;

/// The rule's metadata; the engine emits its findings when parsing fails.
pub const RULE: Rule = Rule {
    id: "syntax-error",
    severity: Severity::Error,
    summary: "a statement or function body PostgreSQL rejects before running it",
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
    RULE.finding(&source.path, err.offset..end, err.message.clone())
}

/// The finding for a statement inside a function or DO body that does not parse.
pub fn body_diagnostic(source: &SourceFile, err: &crate::lint::units::BodyError) -> Diagnostic {
    let message = format!("in a function or DO body: {}", err.message);
    RULE.finding(&source.path, err.span.clone(), message)
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
    fn other_statements_of_a_broken_file_are_still_linted() {
        let sql = "ALTER SYSTEM RESET ALL;\nCREATE TABEL t (a int);\nCOPY t TO '/x';";
        assert_eq!(
            rule_ids(sql),
            vec!["alter-system", "syntax-error", "copy-to-file"]
        );
        assert_eq!(lines(sql, "syntax-error"), vec![2]);
    }

    #[test]
    fn broken_statements_in_bodies_are_reported_and_copy_still_recognised() {
        let sql = "CREATE FUNCTION b() RETURNS void AS $$\nBEGIN\n  COPY (SELECT 1)\n  TO '/backups/e_' || now() || '.csv';\nEND;\n$$ LANGUAGE plpgsql;";
        assert_eq!(rule_ids(sql), vec!["copy-to-file", "syntax-error"]);
        assert_eq!(lines(sql, "copy-to-file"), vec![3]);
        assert_eq!(
            lines(sql, "syntax-error"),
            vec![4],
            "at the token PL/pgSQL names"
        );
    }

    #[test]
    fn plpgsql_that_needs_a_catalog_is_not_a_syntax_error() {
        let sql = "CREATE FUNCTION app.f(p app.item[], q app.invoice) RETURNS SETOF app.invoice LANGUAGE plpgsql AS $$\n\
                   DECLARE\n  r app.invoice;\n  t public.totals%ROWTYPE;\n  v app.invoice.total%TYPE;\nBEGIN\n\
                   r.total := 0;\n  t.sum := v;\n  RETURN NEXT r;\nEND $$;\n\
                   DO $$ DECLARE x billing.state[]; BEGIN x[1] := NULL; END $$;";
        assert!(rule_ids(sql).is_empty(), "{:?}", rule_ids(sql));
    }

    #[test]
    fn what_postgresql_rejects_in_a_body_is_found_at_its_own_line() {
        let sql = "CREATE FUNCTION f() RETURNS numeric LANGUAGE plpgsql AS $$\nDECLARE\n  t numeric;\nBEGIN\n\
                   SELECT 1 INTO t;\n  t := (t + (SELECT 2);\n  RETURN t;\nEND $$;\n\
                   CREATE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  undeclared := 1;\nEND $$;";
        assert_eq!(lines(sql, "syntax-error"), vec![6, 11]);
    }

    #[test]
    fn the_rest_of_a_broken_file_is_linted_and_atomic_bodies_stay_whole() {
        let sql = "CREATE TABEL t (a int);\n\
                   CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 END;\n  SELECT 2;\nEND;\n\
                   CREATE TABLE public.u (a int);";
        assert_eq!(rule_ids(sql), vec!["syntax-error", "rls-disabled"]);
        assert_eq!(lines(sql, "rls-disabled"), vec![6]);
    }

    #[test]
    fn valid_sql_is_not_reported() {
        assert!(rule_ids("CREATE TABLE private.t (a int); -- CREATE TABEL").is_empty());
    }
}
