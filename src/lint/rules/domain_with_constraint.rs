//! `domain-with-constraint` (warning) — `CREATE DOMAIN … CHECK (…)` or `… NOT NULL`. squawk:
//! `ban-create-domain-with-constraint`.
//!
//! Why: a domain's constraint applies to every column of every table that uses it: changing it
//! later (`ALTER DOMAIN … ADD CONSTRAINT`) scans all of them while blocking their writes, and
//! `NOT NULL` on a domain is not enforced everywhere (outer joins, `ADD COLUMN` without a
//! default yield NULLs of the domain).
//! Fix: a plain domain (or the base type) and `CHECK` constraints on the columns, which can be
//! changed table by table with `NOT VALID`.

use pg_query::NodeEnum;
use pg_query::protobuf::ConstrType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::judged;
use crate::lint::symbols::{display, list_name};
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "domain-with-constraint",
    severity: Severity::Warning,
    summary: "CREATE DOMAIN with a CHECK or NOT NULL constraint",
    help: "put CHECK constraints on the columns instead; they can change table by table with NOT VALID",
    doc: include_str!("../../../docs/rules/domain-with-constraint.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::CreateDomainStmt(stmt) = &ctx.unit.node else {
        return;
    };
    if !judged(ctx) {
        return;
    }
    let constrained = stmt.constraints.iter().find_map(|c| match c.node.as_ref() {
        Some(NodeEnum::Constraint(c))
            if c.contype == ConstrType::ConstrCheck as i32
                || c.contype == ConstrType::ConstrNotnull as i32 =>
        {
            Some(c)
        }
        _ => None,
    });
    if let (Some(c), Some(name)) = (constrained, list_name(&stmt.domainname)) {
        out.push(ctx.diagnostic_at(
            rule,
            c.location,
            format!(
                "domain {} carries a constraint: changing it later scans every table that uses the domain",
                display(&name)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, render_rule};

    const RULE: &str = "domain-with-constraint";

    #[test]
    fn constrained_domains_are_found() {
        let sql = "CREATE DOMAIN app.score AS int CHECK (VALUE >= 0);\nCREATE DOMAIN app.name AS text NOT NULL;";
        assert_eq!(lines(sql, RULE), [1, 2]);
        insta::assert_snapshot!(render_rule(&[("V1__d.sql", sql)], RULE));
    }

    #[test]
    fn plain_domains_are_fine() {
        assert!(lines("CREATE DOMAIN app.email AS text;", RULE).is_empty());
    }
}
