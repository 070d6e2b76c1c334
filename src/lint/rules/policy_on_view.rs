//! `policy-on-view` — `CREATE POLICY` on a view or materialized view.
//!
//! Why: policies only apply to tables; PostgreSQL rejects them on views (`… is not a table`), so
//! the deploy fails, and the author believed the view was protected.
//! Fix: put the policy on the underlying table and make the view `security_invoker = true`.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "policy-on-view",
    severity: Severity::Error,
    summary: "CREATE POLICY on a view or materialized view",
    help: "create the policy on the underlying table and give the view WITH (security_invoker = true)",
    doc: include_str!("../../../docs/rules/policy-on-view.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if let NodeEnum::CreatePolicyStmt(stmt) = &ctx.unit.node
        && let Some(table) = &stmt.table
        && ctx.symbols.is_view(&ctx.symbols.relation(table))
    {
        let message = format!(
            "{} is a view; policies only apply to tables",
            display(&ctx.symbols.relation(table))
        );
        out.push(ctx.diagnostic_at(rule, table.location, message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::lines;

    #[test]
    fn policies_on_views_and_matviews_are_found() {
        let sql = "CREATE VIEW public.v WITH (security_invoker = true) AS SELECT 1 AS a;\n\
                   CREATE MATERIALIZED VIEW app.mv AS SELECT 1 AS a;\n\
                   CREATE POLICY p ON public.v FOR SELECT USING (true);\n\
                   create policy q on app.mv using (true);";
        assert_eq!(lines(sql, "policy-on-view"), vec![3, 4]);
    }

    #[test]
    fn policies_on_tables_are_fine() {
        let sql = "CREATE TABLE app.t (a int);\nCREATE POLICY p ON app.t USING (true); -- CREATE POLICY ON a view";
        assert!(lines(sql, "policy-on-view").is_empty());
    }
}
