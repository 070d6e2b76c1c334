//! `policy-without-rls` — a policy on a table whose RLS is off once the whole set has run (the
//! final state, as for `rls-disabled`: `IF NOT EXISTS` no-ops, `DISABLE`, renames and drops count;
//! a dropped policy is not reported). The finding sits at the later of the policy and the
//! statement that left RLS off.
//!
//! Why: policies are ignored until RLS is enabled; the table looks protected and is not.
//! Fix: `ALTER TABLE … ENABLE ROW LEVEL SECURITY`.

use super::{Rule, at_site};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};
use crate::lint::{LintOptions, Symbols};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "policy-without-rls",
    severity: Severity::Error,
    summary: "a policy on a table whose RLS is off after the whole set",
    help: "add ALTER TABLE … ENABLE ROW LEVEL SECURITY; policies do nothing until it is enabled",
    doc: include_str!("../../../docs/rules/policy-without-rls.md"),
    check: None,
    finish: Some(finish),
};

fn finish(symbols: &Symbols, _: &LintOptions, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for (name, policy) in symbols.policies.iter() {
        let Some(table) = symbols.tables.get(name) else {
            continue;
        };
        if !table.rls_enabled && !table.temporary {
            let message = format!(
                "policy {} on {} has no effect: row level security is not enabled",
                policy.name,
                display(name)
            );
            let site = policy.site.latest(Some(&table.rls_site));
            out.push(at_site(rule, site, message));
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
    fn if_not_exists_redeclarations_and_recreated_policies_are_fine() {
        let sql = "CREATE TABLE t (id int);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n\
                   CREATE TABLE IF NOT EXISTS t (id int);\n\
                   DROP POLICY IF EXISTS p ON t;\nCREATE POLICY p ON t USING (true);\n\
                   CREATE TABLE u (id int);\nCREATE POLICY q ON u USING (true);\nDROP POLICY q ON u;";
        assert!(lines(sql, "policy-without-rls").is_empty());
    }

    #[test]
    fn a_later_disable_is_reported_where_it_happens() {
        let sql = "CREATE TABLE t (id int);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n\
                   CREATE POLICY p ON t USING (true);\nALTER TABLE t DISABLE ROW LEVEL SECURITY;";
        assert_eq!(lines(sql, "policy-without-rls"), vec![4]);
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
