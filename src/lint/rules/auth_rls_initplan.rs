//! `auth-rls-initplan` (warning) — a policy calls `auth.uid()`, `auth.jwt()` (any `auth.*`
//! function) or `current_setting()` without wrapping it in `(select …)`.
//!
//! Why: unwrapped, the function is evaluated once per row; wrapped in a scalar subquery the
//! planner runs it once per statement (an InitPlan). On large tables the difference is orders of
//! magnitude (Supabase's advisor lint 0003).
//! Fix: `USING (author_id = (select auth.uid()))`.

use pg_query::protobuf::Node;
use pg_query::{NodeEnum, NodeRef};

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::symbols::string_list;
use crate::report::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "auth-rls-initplan",
    severity: Severity::Warning,
    summary: "a policy calls auth.uid()/auth.jwt()/current_setting() per row",
    help: "wrap the call in a scalar subquery: (select auth.uid())",
    doc: include_str!("../../../docs/rules/auth-rls-initplan.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let expressions: Vec<&Node> = match &ctx.unit.node {
        NodeEnum::CreatePolicyStmt(p) => p
            .qual
            .iter()
            .chain(p.with_check.iter())
            .map(|b| &**b)
            .collect(),
        NodeEnum::AlterPolicyStmt(p) => p
            .qual
            .iter()
            .chain(p.with_check.iter())
            .map(|b| &**b)
            .collect(),
        _ => return,
    };
    for expression in expressions {
        for (name, location) in unwrapped_calls(expression) {
            let message =
                format!("{name}() is evaluated for every row; wrap it as (select {name}())");
            out.push(ctx.diagnostic_at(rule, location, message));
        }
    }
}

/// Per-row auth calls in `expression`: every such call minus those inside a subquery.
fn unwrapped_calls(expression: &Node) -> Vec<(String, i32)> {
    let Some(node) = expression.node.as_ref() else {
        return Vec::new();
    };
    let all = auth_calls(node);
    let wrapped: Vec<i32> = node
        .nodes()
        .into_iter()
        .filter_map(|(n, ..)| match n {
            NodeRef::SubLink(s) => s.subselect.as_ref().and_then(|q| q.node.as_ref()),
            _ => None,
        })
        .flat_map(|subselect| auth_calls(subselect).into_iter().map(|(_, at)| at))
        .collect();
    all.into_iter()
        .filter(|(_, at)| !wrapped.contains(at))
        .collect()
}

/// Every `auth.*()` / `current_setting()` call under `node` (itself included), with its location.
fn auth_calls(node: &NodeEnum) -> Vec<(String, i32)> {
    let own = match node {
        NodeEnum::FuncCall(f) => vec![f.as_ref()],
        _ => Vec::new(),
    };
    let nested = node.nodes().into_iter().filter_map(|(n, ..)| match n {
        NodeRef::FuncCall(f) => Some(f),
        _ => None,
    });
    own.into_iter()
        .chain(nested)
        .filter_map(|f| {
            let name = string_list(&f.funcname);
            let is_auth = matches!(name.as_slice(), [schema, _] if schema == "auth")
                || name.last().is_some_and(|n| n == "current_setting");
            is_auth.then(|| (name.join("."), f.location))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::lines;

    #[test]
    fn per_row_calls_are_found() {
        let sql = "CREATE POLICY a ON t USING (owner = auth.uid());\n\
                   CREATE POLICY b ON t FOR INSERT WITH CHECK ((auth.jwt() ->> 'role') = 'admin');\n\
                   ALTER POLICY c ON t USING (org = current_setting('app.org')::uuid);\n\
                   CREATE POLICY d ON t USING (owner = (select auth.uid()) OR owner = auth.uid());";
        assert_eq!(lines(sql, "auth-rls-initplan"), vec![1, 2, 3, 4]);
    }

    #[test]
    fn wrapped_calls_and_other_functions_are_fine() {
        let sql = "CREATE POLICY a ON t USING (owner = (SELECT auth.uid()));\n\
                   CREATE POLICY b ON t USING ((select auth.jwt()) ->> 'role' = 'admin' AND lower(name) = 'x');\n\
                   CREATE POLICY c ON t USING (org IN (SELECT org FROM m WHERE m.user_id = auth.uid())); -- auth.uid()";
        assert!(lines(sql, "auth-rls-initplan").is_empty());
    }
}
