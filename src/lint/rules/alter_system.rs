//! `alter-system` — `ALTER SYSTEM` in a migration.
//!
//! Why: Supabase does not grant the superuser needed for `ALTER SYSTEM`, and server-wide settings
//! written to `postgresql.auto.conf` escape review and migration history. The deploy fails.
//! Fix: set parameters per role or database (`ALTER ROLE … SET`, `ALTER DATABASE … SET`), or in
//! the Supabase dashboard / CLI configuration.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::StatementContext;
use crate::report::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "alter-system",
    severity: Severity::Error,
    summary: "ALTER SYSTEM is forbidden on Supabase",
    help: "use ALTER ROLE … SET or ALTER DATABASE … SET, or the platform's configuration",
    check: Some(check),
};

fn check(ctx: &StatementContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let is_alter_system = ctx
        .statement
        .node
        .as_ref()
        .and_then(|n| n.node.as_ref())
        .is_some_and(|n| matches!(n, NodeEnum::AlterSystemStmt(_)));
    if is_alter_system {
        out.push(ctx.diagnostic(
            rule,
            "ALTER SYSTEM changes server-wide settings and is not allowed",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::rule_ids;

    #[test]
    fn finds_alter_system_in_any_case_and_spacing() {
        assert_eq!(
            rule_ids("alter   system set work_mem = '64MB';"),
            vec!["alter-system"]
        );
        assert_eq!(
            rule_ids("SELECT 1;\nALTER SYSTEM RESET ALL;"),
            vec!["alter-system"]
        );
    }

    #[test]
    fn ignores_comments_strings_and_other_alters() {
        assert!(rule_ids("-- ALTER SYSTEM SET x = 1\nSELECT 'ALTER SYSTEM';").is_empty());
        assert!(rule_ids("ALTER ROLE authenticator SET statement_timeout = '8s';").is_empty());
    }
}
