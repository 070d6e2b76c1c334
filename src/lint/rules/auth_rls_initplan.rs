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
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "auth-rls-initplan",
    severity: Severity::Warning,
    summary: "a policy calls auth.uid()/auth.jwt()/current_setting() per row",
    help: "wrap the call in a scalar subquery: (select auth.uid()), (select auth.jwt()), …",
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
        for call in unwrapped_calls(expression) {
            let message = format!("{}() is evaluated for every row", call.name);
            let mut diagnostic = ctx.diagnostic_at(rule, call.location, message);
            diagnostic.help = Some(
                format!(
                    "wrap the call in a scalar subquery so it runs once per statement: (select {})",
                    call.text
                )
                .into(),
            );
            out.push(diagnostic);
        }
    }
}

/// A per-row call found in a policy expression.
struct Call {
    /// `auth.uid`, `current_setting`, …
    name: String,
    /// The call as SQL, arguments included: `current_setting('app.org')`.
    text: String,
    /// Its parse-tree location.
    location: i32,
}

/// The call as SQL (deparsed, so arguments keep their meaning); `name()` if that fails.
fn call_text(call: &pg_query::protobuf::FuncCall, name: &str) -> String {
    use pg_query::protobuf::{LimitOption, ResTarget, SelectStmt, SetOperation};
    let target = ResTarget {
        val: Some(Box::new(Node {
            node: Some(NodeEnum::FuncCall(Box::new(call.clone()))),
        })),
        ..Default::default()
    };
    let select = SelectStmt {
        target_list: vec![Node {
            node: Some(NodeEnum::ResTarget(Box::new(target))),
        }],
        limit_option: LimitOption::Default as i32,
        op: SetOperation::SetopNone as i32,
        ..Default::default()
    };
    NodeEnum::SelectStmt(Box::new(select))
        .deparse(Default::default())
        .ok()
        .and_then(|sql| sql.strip_prefix("SELECT ").map(str::to_string))
        .unwrap_or_else(|| format!("{name}()"))
}

/// Per-row auth calls in `expression`: every such call minus those inside a subquery.
fn unwrapped_calls(expression: &Node) -> Vec<Call> {
    let Some(node) = expression.node.as_ref() else {
        return Vec::new();
    };
    let wrapped: Vec<i32> = node
        .nodes()
        .into_iter()
        .filter_map(|(n, ..)| match n {
            NodeRef::SubLink(s) => s.subselect.as_ref().and_then(|q| q.node.as_ref()),
            _ => None,
        })
        .flat_map(|subselect| auth_calls(subselect).into_iter().map(|(f, _)| f.location))
        .collect();
    auth_calls(node)
        .into_iter()
        .filter(|(f, _)| !wrapped.contains(&f.location))
        .map(|(f, name)| Call {
            text: call_text(f, &name),
            name,
            location: f.location,
        })
        .collect()
}

/// Every `auth.*()` / `current_setting()` call under `node` (itself included), with its name.
fn auth_calls(node: &NodeEnum) -> Vec<(&pg_query::protobuf::FuncCall, String)> {
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
            is_auth.then(|| (f, name.join(".")))
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
    fn help_names_the_call_found() {
        let report = crate::lint::tests::lint_files(&[(
            "t.sql",
            "CREATE POLICY a ON t USING ((auth.jwt() ->> 'role') = 'admin' AND org = current_setting('app.org', true)::uuid);",
        )]);
        let helps: Vec<&str> = report
            .diagnostics
            .iter()
            .filter_map(|d| d.help.as_deref())
            .collect();
        assert_eq!(helps.len(), 2, "{helps:?}");
        assert!(helps[0].ends_with("(select auth.jwt())"), "{helps:?}");
        assert!(
            helps[1].ends_with("(select current_setting('app.org', true))"),
            "{helps:?}"
        );
    }

    #[test]
    fn wrapped_calls_and_other_functions_are_fine() {
        let sql = "CREATE POLICY a ON t USING (owner = (SELECT auth.uid()));\n\
                   CREATE POLICY b ON t USING ((select auth.jwt()) ->> 'role' = 'admin' AND lower(name) = 'x');\n\
                   CREATE POLICY c ON t USING (org IN (SELECT org FROM m WHERE m.user_id = auth.uid())); -- auth.uid()";
        assert!(lines(sql, "auth-rls-initplan").is_empty());
    }
}
