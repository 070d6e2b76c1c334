//! `auth-rls-initplan` (warning) — no policy calls `auth.uid()`, `auth.jwt()`, `auth.role()`,
//! `auth.email()` or `current_setting('request.jwt…')` once per row (splinter's
//! `auth_rls_initplan`; the lint rule of the same id finds it in the SQL files).
//!
//! Why: a bare `auth.uid()` in a policy is evaluated for every row the query touches; wrapped in
//! a scalar subquery, `(SELECT auth.uid())`, PostgreSQL evaluates it once per statement (an
//! InitPlan) — on a large table the difference is orders of magnitude. A call inside a subquery
//! that scans a table (`IN (SELECT … FROM t WHERE t.user_id = auth.uid())`) is evaluated per
//! scanned row as well. Judged on PostgreSQL's parse tree: a call is fine when it sits inside a
//! `SELECT` without `FROM`.
//! Fix: write `(SELECT auth.uid())` wherever the policy calls `auth.uid()`.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;
use crate::verify::expr::Expr;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "auth-rls-initplan",
    level: Severity::Warning,
    summary: "no policy calls auth.uid() / auth.jwt() / current_setting() per row instead of once via (SELECT …)",
    help: "wrap the call in a scalar subquery: (SELECT auth.uid())",
    doc: include_str!("../../../docs/checks/auth-rls-initplan.md"),
    splinter: &["auth_rls_initplan"],
    run: Some(check),
};

/// One result per policy on an exposed table with RLS enabled.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_policies()
        .filter(|p| catalog.relation(&p.table_name()).is_some_and(|t| t.rls))
        .map(|p| {
            let mut calls: Vec<String> = [&p.using, &p.with_check]
                .into_iter()
                .flatten()
                .filter_map(|sql| Expr::parse(sql))
                .flat_map(|e| per_row_calls(&e))
                .collect();
            calls.sort();
            calls.dedup();
            let problem = (!calls.is_empty()).then(|| {
                format!(
                    "policy {} on {} calls {} per row; write (SELECT {}) so it runs once per statement",
                    p.name,
                    p.table_name(),
                    calls.join(", "),
                    calls[0]
                )
            });
            Examined::new(p.subject(), Object::policy(p), problem)
        })
        .collect()
}

/// The auth calls of `expr` that are not inside a FROM-less `SELECT`, as `auth.uid()` text.
pub fn per_row_calls(expr: &Expr) -> Vec<String> {
    let mut found = Vec::new();
    collect(expr, &mut found);
    found
}

fn collect(expr: &Expr, found: &mut Vec<String>) {
    match expr {
        Expr::Sub { query, test, .. } if query.from.is_empty() => {
            if let Some(test) = test {
                collect(test, found);
            }
        }
        e @ Expr::Func { name, .. } if e.is_auth_call() => {
            found.push(format!("{}()", name.join(".")))
        }
        other => other.children().into_iter().for_each(|c| collect(c, found)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, policy, problems, relation};

    #[test]
    fn wrapped_calls_pass_bare_and_scanning_calls_warn() {
        let mut catalog = catalog();
        catalog.relations.push(relation("public", "t", 'r'));
        catalog.policies = vec![
            policy(
                "wrapped",
                "SELECT",
                &["authenticated"],
                Some("(owner_id = ( SELECT auth.uid() AS uid))"),
                None,
            ),
            policy(
                "bare",
                "SELECT",
                &["authenticated"],
                Some("(owner_id = auth.uid())"),
                None,
            ),
            policy(
                "scan",
                "UPDATE",
                &["authenticated"],
                None,
                Some(
                    "(event_id IN ( SELECT m.event_id FROM public.members m WHERE (m.user_id = auth.uid())))",
                ),
            ),
            policy(
                "claims",
                "SELECT",
                &["authenticated"],
                Some(
                    "(((current_setting('request.jwt.claims'::text, true))::json ->> 'sub'::text) = (owner_id)::text)",
                ),
                None,
            ),
            policy(
                "jwt_wrapped",
                "SELECT",
                &["authenticated"],
                Some("(( SELECT (auth.jwt() ->> 'role'::text)) = 'admin'::text)"),
                None,
            ),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "policy bare on public.t: policy bare on public.t calls auth.uid() per row; write (SELECT auth.uid()) so it runs once per statement",
                "policy scan on public.t: policy scan on public.t calls auth.uid() per row; write (SELECT auth.uid()) so it runs once per statement",
                "policy claims on public.t: policy claims on public.t calls current_setting() per row; write (SELECT current_setting()) so it runs once per statement",
            ]
        );
    }
}
