//! `view-bypasses-rls` — a view in an exposed schema without `security_invoker = true` once the
//! whole set has run. `security_invoker` is read as PostgreSQL reads a boolean reloption
//! (`true`, `on`, `yes`, `1`, any case); `CREATE OR REPLACE VIEW` replaces the options with its
//! own `WITH` list, `ALTER VIEW … SET/RESET` counts, renamed, moved and dropped views are judged
//! where they end up. The finding sits at the statement that made the view unsafe.
//!
//! Why: a view runs with its owner's rights (the migration role, which bypasses RLS), so through
//! the API it returns every row of the tables it reads. `security_barrier` does **not** change
//! that: it only stops leaky functions from seeing filtered rows; it does not make the view
//! respect RLS.
//! Fix: `CREATE VIEW … WITH (security_invoker = true)` (PostgreSQL 15+) or
//! `ALTER VIEW … SET (security_invoker = true)`, or move the view to a private schema.

use super::{Rule, at_site};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};
use crate::lint::{LintOptions, Symbols};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "view-bypasses-rls",
    severity: Severity::Error,
    summary: "a view in an exposed schema without security_invoker = true",
    help: "create it WITH (security_invoker = true); security_barrier does not make a view respect RLS",
    doc: include_str!("../../../docs/rules/view-bypasses-rls.md"),
    check: None,
    finish: Some(finish),
};

fn finish(symbols: &Symbols, options: &LintOptions, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for (name, view) in &symbols.views {
        if !view.materialized && options.is_exposed(&name.0) && !view.security_invoker {
            let message = format!(
                "view {} runs with its owner's rights and bypasses RLS",
                display(name)
            );
            let site = view.invoker_site.latest(view.moved.as_ref());
            out.push(at_site(rule, site, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::lines;

    #[test]
    fn definer_views_and_security_barrier_are_found() {
        let sql = "CREATE VIEW public.a AS SELECT 1 AS x;\nCREATE VIEW b WITH (security_barrier = true) AS SELECT 1 AS x;\n\
                   CREATE VIEW c WITH (security_invoker = false) AS SELECT 1 AS x;";
        assert_eq!(lines(sql, "view-bypasses-rls"), vec![1, 2, 3]);
    }

    #[test]
    fn replace_and_reset_make_a_view_unsafe_again() {
        let sql = "CREATE VIEW a WITH (security_invoker = true) AS SELECT 1 AS x;\nCREATE OR REPLACE VIEW a AS SELECT 2 AS x;\n\
                   CREATE VIEW b WITH (security_invoker) AS SELECT 1 AS x;\nALTER VIEW b RESET (security_invoker);\n\
                   CREATE VIEW c WITH (security_invoker = 'YES') AS SELECT 1 AS x;\nCREATE VIEW d WITH (security_invoker = 1) AS SELECT 1 AS x;\n\
                   CREATE VIEW private.e AS SELECT 1 AS x;\nALTER VIEW private.e SET SCHEMA public;";
        assert_eq!(lines(sql, "view-bypasses-rls"), vec![2, 4, 8]);
    }

    #[test]
    fn invoker_views_altered_views_and_private_views_are_fine() {
        let sql = "CREATE VIEW a WITH (security_invoker = true, security_barrier) AS SELECT 1 AS x;\n\
                   CREATE VIEW b AS SELECT 1 AS x;\nALTER VIEW b SET (security_invoker = on);\n\
                   CREATE VIEW private.c AS SELECT 1 AS x; -- CREATE VIEW public.d AS SELECT 1";
        assert!(lines(sql, "view-bypasses-rls").is_empty());
    }
}
