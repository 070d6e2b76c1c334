//! `copy-to-file` — `COPY … TO '<file>'` or `TO PROGRAM`, wherever it runs.
//!
//! Why: writing server files needs `pg_write_server_files` (or superuser), which Supabase does not
//! grant; a backup hidden in a function fails when called and leaks data onto the server.
//! Fix: `COPY … TO STDOUT` from a client, or `pg_dump` / Supabase backups.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "copy-to-file",
    severity: Severity::Error,
    summary: "COPY … TO a server file or program is forbidden",
    help: "use COPY … TO STDOUT from a client (psql \\copy), or pg_dump / the platform's backups",
    doc: include_str!("../../../docs/rules/copy-to-file.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if let NodeEnum::CopyStmt(copy) = &ctx.unit.node
        && !copy.is_from
        && (copy.is_program || !copy.filename.is_empty())
    {
        let target = if copy.is_program {
            "a program"
        } else {
            "a server file"
        };
        out.push(ctx.diagnostic(
            rule,
            format!("COPY writes to {target} ({:?})", copy.filename),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, rule_ids};

    #[test]
    fn finds_files_and_programs_in_bodies_too() {
        let sql = "COPY public.t TO '/backups/t.csv';\ncopy (select 1) to program 'gzip > /x';\n\
                   CREATE OR REPLACE FUNCTION app.backup() RETURNS void LANGUAGE plpgsql SECURITY INVOKER AS $body$\nBEGIN\n  COPY app.t TO '/backups/t.csv' WITH (FORMAT csv);\nEND;\n$body$;";
        assert_eq!(lines(sql, "copy-to-file"), vec![1, 2, 5]);
    }

    #[test]
    fn stdout_comments_strings_and_copy_from_are_fine() {
        assert!(
            rule_ids("COPY t TO STDOUT; -- COPY t TO '/x'\nSELECT 'COPY t TO ''/x''';").is_empty()
        );
        assert!(!rule_ids("COPY t FROM '/x';").contains(&"copy-to-file"));
    }
}
