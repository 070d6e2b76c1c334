//! `require-table-schema` (warning, opt-in) — `CREATE TABLE` / `ALTER TABLE` on an unqualified
//! name. squawk: `require-table-schema`.
//!
//! Why: an unqualified name resolves through the session's `search_path`, which the runner, the
//! role (`ALTER ROLE … SET search_path`) or an earlier statement may change: the same file can
//! create or alter a table in another schema than intended.
//! Fix: qualify the name (`public.events`). Opt-in (`require-table-schema = "warning"` in
//! `[rules]`): most Supabase projects rely on `public` deliberately.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::judged;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "require-table-schema",
    severity: Severity::Warning,
    summary: "CREATE/ALTER TABLE on an unqualified name (opt-in)",
    help: "qualify the table with its schema (public.events)",
    doc: include_str!("../../../docs/rules/require-table-schema.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let (rel, verb) = match &ctx.unit.node {
        NodeEnum::CreateStmt(stmt) => (stmt.relation.as_ref(), "CREATE TABLE"),
        NodeEnum::AlterTableStmt(stmt) => (stmt.relation.as_ref(), "ALTER TABLE"),
        _ => return,
    };
    let Some(rel) = rel else { return };
    if !rel.schemaname.is_empty() || rel.relpersistence == "t" || !judged(ctx) {
        return;
    }
    let resolved = ctx.symbols.relation(rel);
    out.push(ctx.diagnostic_at(
        rule,
        rel.location,
        format!(
            "{verb} {} names no schema: it resolves through search_path ({} here)",
            rel.relname, resolved.0
        ),
    ));
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule_with};
    use crate::lint::{LintOptions, Severity};

    const RULE: &str = "require-table-schema";

    #[test]
    fn unqualified_tables_are_found_when_enabled() {
        let files = [(
            "V1__t.sql",
            "CREATE TABLE events (id bigint);\nALTER TABLE events ADD COLUMN at date;\nCREATE TABLE public.ok (id bigint);\nCREATE TEMP TABLE scratch (id int);",
        )];
        assert!(findings_in(&files, RULE).is_empty());
        let mut options = LintOptions::default();
        options.levels.insert(RULE.into(), Some(Severity::Warning));
        insta::assert_snapshot!(render_rule_with(&options, &files, RULE));
    }
}
