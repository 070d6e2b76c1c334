//! `domain-add-constraint` (error) — `ALTER DOMAIN … ADD CONSTRAINT` without `NOT VALID` on a
//! domain that existing tables may use (one not created by this deploy). squawk:
//! `ban-alter-domain-with-add-constraint`.
//!
//! Why: PostgreSQL checks every column of every table that uses the domain, holding a lock that
//! blocks writes to each of them for the whole scan; the tables are not named in the migration,
//! so nobody sees which ones.
//! Fix: `ALTER DOMAIN … ADD CONSTRAINT … NOT VALID`, then `ALTER DOMAIN … VALIDATE CONSTRAINT`
//! in a later file — or put the check on the columns as table `CHECK`s (see `check-not-valid`).

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::{Live, TableState, created_state, in_released_file};
use crate::lint::symbols::{display, list_name};
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "domain-add-constraint",
    severity: Severity::Error,
    summary: "ALTER DOMAIN … ADD CONSTRAINT without NOT VALID on a domain live tables may use",
    help: "add it NOT VALID, then ALTER DOMAIN … VALIDATE CONSTRAINT in a later file",
    doc: include_str!("../../../docs/rules/domain-add-constraint.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::AlterDomainStmt(stmt) = &ctx.unit.node else {
        return;
    };
    let Some(NodeEnum::Constraint(constraint)) = stmt.def.as_ref().and_then(|d| d.node.as_ref())
    else {
        return;
    };
    if stmt.subtype != "C"
        || constraint.skip_validation
        || !ctx.unit.kind.runs_now()
        || in_released_file(ctx)
    {
        return;
    }
    let Some(domain) = list_name(&stmt.type_name) else {
        return;
    };
    let why = match created_state(ctx, ctx.symbols.changes.domains.get(&domain)) {
        TableState::New => return,
        TableState::Live(Live::Released(file)) => format!("created by released migration {file}"),
        TableState::Live(Live::Earlier(file)) => format!(
            "created by earlier migration {file}, assumed applied; set released_through if it is not"
        ),
        TableState::Live(_) => "not created by these files".to_string(),
    };
    out.push(ctx.diagnostic(
        rule,
        format!(
            "ADD CONSTRAINT on domain {} checks every column of every table using it, blocking writes to each during the scan (the domain is {why})",
            display(&domain)
        ),
    ));
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "domain-add-constraint";

    #[test]
    fn validating_domain_constraints_are_found() {
        let files = [
            ("V1__d.sql", "CREATE DOMAIN app.score AS int;"),
            (
                "V2__c.sql",
                "ALTER DOMAIN app.score ADD CONSTRAINT score_range CHECK (VALUE BETWEEN 0 AND 100);\n\
                 ALTER DOMAIN app.elsewhere ADD CHECK (VALUE > 0);",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__c.sql:1", "V2__c.sql:2"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn not_valid_and_new_domains_are_fine() {
        let files = [(
            "V1__d.sql",
            "CREATE DOMAIN app.score AS int;\n\
             ALTER DOMAIN app.score ADD CONSTRAINT score_range CHECK (VALUE >= 0);\n\
             ALTER DOMAIN app.other ADD CONSTRAINT other_range CHECK (VALUE >= 0) NOT VALID;",
        )];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn the_safe_pattern_validates_in_a_later_file() {
        let files = [
            (
                "V1__c.sql",
                "ALTER DOMAIN app.score ADD CONSTRAINT score_range CHECK (VALUE >= 0) NOT VALID;",
            ),
            (
                "V2__v.sql",
                "ALTER DOMAIN app.score VALIDATE CONSTRAINT score_range;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }
}
