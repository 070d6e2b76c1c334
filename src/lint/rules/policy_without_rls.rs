//! `policy-without-rls` — policies on a table whose RLS is never enabled in the bundle set.
//!
//! Why: policies are ignored until RLS is enabled; the table looks protected and is not.
//! Fix: `ALTER TABLE … ENABLE ROW LEVEL SECURITY`.

use super::{Rule, at_site};
use crate::lint::symbols::display;
use crate::lint::{LintOptions, Symbols};
use crate::report::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "policy-without-rls",
    severity: Severity::Error,
    summary: "a policy on a table whose RLS is never enabled",
    help: "add ALTER TABLE … ENABLE ROW LEVEL SECURITY; policies do nothing until it is enabled",
    doc: include_str!("../../../docs/rules/policy-without-rls.md"),
    check: None,
    finish: Some(finish),
};

fn finish(symbols: &Symbols, _: &LintOptions, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for policy in &symbols.policies {
        if symbols
            .tables
            .get(&policy.table)
            .is_some_and(|t| !t.rls_enabled)
        {
            let message = format!(
                "policy {} on {} has no effect: RLS is never enabled",
                policy.name,
                display(&policy.table)
            );
            out.push(at_site(rule, &policy.site, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::lines;

    #[test]
    fn policies_on_tables_without_rls_are_found() {
        let sql = "CREATE TABLE app.t (id int);\nCREATE POLICY p ON app.t USING (true);\n\
                   CREATE TABLE app.u (id int);\nALTER TABLE app.u ENABLE ROW LEVEL SECURITY;\nCREATE POLICY q ON app.u USING (true);";
        assert_eq!(lines(sql, "policy-without-rls"), vec![2]);
    }

    #[test]
    fn tables_outside_the_bundles_are_not_judged() {
        assert!(
            lines(
                "CREATE POLICY p ON storage.objects USING (true);",
                "policy-without-rls"
            )
            .is_empty()
        );
    }
}
