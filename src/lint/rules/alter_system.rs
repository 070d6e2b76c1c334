//! `alter-system` — `ALTER SYSTEM` anywhere: top level, DO blocks, function bodies, `EXECUTE`.
//!
//! Why: Supabase does not grant the superuser needed for `ALTER SYSTEM`, and server-wide settings
//! written to `postgresql.auto.conf` escape review and migration history. The deploy fails.
//! Fix: set parameters per role or database (`ALTER ROLE … SET`, `ALTER DATABASE … SET`), or in
//! the Supabase dashboard / CLI configuration.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "alter-system",
    severity: Severity::Error,
    summary: "ALTER SYSTEM is forbidden on Supabase",
    help: "use ALTER ROLE … SET or ALTER DATABASE … SET, or the platform's configuration",
    doc: include_str!("../../../docs/rules/alter-system.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if matches!(ctx.unit.node, NodeEnum::AlterSystemStmt(_)) {
        out.push(ctx.diagnostic(
            rule,
            "ALTER SYSTEM changes server-wide settings and is not allowed",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, rule_ids};

    #[test]
    fn finds_alter_system_in_any_case_and_spacing() {
        assert_eq!(
            rule_ids("alter   system set work_mem = '64MB';"),
            vec!["alter-system"]
        );
        assert_eq!(
            lines("SELECT 1;\nALTER\n  SYSTEM RESET ALL;", "alter-system"),
            vec![2]
        );
    }

    #[test]
    fn finds_it_in_do_blocks_functions_and_constant_execute() {
        let sql = "DO $do$ BEGIN\n  alter system set x = 1;\nEND $do$;\n\
                   CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $fn$\nBEGIN\n  EXECUTE 'ALTER SYSTEM RESET ALL';\nEND $fn$;\n\
                   CREATE FUNCTION g() RETURNS void LANGUAGE sql AS $$ SELECT 1; $$;";
        assert_eq!(lines(sql, "alter-system"), vec![2, 6]);
    }

    #[test]
    fn ignores_comments_strings_and_other_alters() {
        assert!(rule_ids("-- ALTER SYSTEM SET x = 1\nSELECT 'ALTER SYSTEM';").is_empty());
        assert!(
            rule_ids("/* ALTER SYSTEM */ ALTER ROLE authenticator SET statement_timeout = '8s';")
                .is_empty()
        );
        assert!(rule_ids("DO $$ BEGIN RAISE NOTICE 'ALTER SYSTEM is off'; END $$;").is_empty());
    }
}
