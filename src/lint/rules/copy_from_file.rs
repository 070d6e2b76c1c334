//! `copy-from-file` — `COPY … FROM '<file>'` or `FROM PROGRAM`, wherever it runs.
//!
//! Why: reading server files or running programs needs `pg_read_server_files` /
//! `pg_execute_server_program` (or superuser), which Supabase does not grant; the deploy fails.
//! Fix: `COPY … FROM STDIN` from a client (`psql \copy`), or load seed data with `INSERT`.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "copy-from-file",
    severity: Severity::Error,
    summary: "COPY … FROM a server file or program is forbidden",
    help: "use COPY … FROM STDIN from a client (psql \\copy), or INSERT the seed rows",
    doc: include_str!("../../../docs/rules/copy-from-file.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if let NodeEnum::CopyStmt(copy) = &ctx.unit.node
        && copy.is_from
        && (copy.is_program || !copy.filename.is_empty())
    {
        let source = if copy.is_program {
            "a program"
        } else {
            "a server file"
        };
        out.push(ctx.diagnostic(
            rule,
            format!("COPY reads from {source} ({:?})", copy.filename),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, rule_ids};

    #[test]
    fn finds_files_and_programs() {
        let sql = "COPY t FROM '/data/seed.csv';\nDO $$ BEGIN EXECUTE 'copy t from program ''curl x'''; END $$;";
        assert_eq!(lines(sql, "copy-from-file"), vec![1, 2]);
    }

    #[test]
    fn stdin_and_strings_are_fine() {
        assert!(rule_ids("COPY t (a, b) FROM STDIN;\nSELECT 'COPY t FROM ''/x''';").is_empty());
    }
}
