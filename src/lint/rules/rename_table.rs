//! `rename-table` (error) — `ALTER TABLE|VIEW … RENAME TO` or `… SET SCHEMA` on a live table or
//! view. squawk: `renaming-table` (and the newer `ban-set-schema`).
//!
//! Why: the running application and the API (PostgREST serves `schema.name`) still address the
//! old name: their queries fail the moment the statement commits. It also takes
//! `ACCESS EXCLUSIVE`.
//! Fix: create the new table and move data and clients over, or rename and leave a view under
//! the old name (`CREATE VIEW old_name WITH (security_invoker = true) AS SELECT * FROM
//! new_name`) until no client uses it.

use pg_query::NodeEnum;
use pg_query::protobuf::ObjectType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::client_finding;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "rename-table",
    severity: Severity::Error,
    summary: "RENAME TO / SET SCHEMA of a live table or view: running clients still use the old name",
    help: "move clients first, or leave a security_invoker view under the old name until none uses it",
    doc: include_str!("../../../docs/rules/rename-table.md"),
    check: Some(check),
    finish: None,
};

fn is_relation(kind: i32) -> bool {
    matches!(
        ObjectType::try_from(kind),
        Ok(ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectMatview)
    )
}

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if !ctx.unit.kind.runs_now() {
        return;
    }
    let (rel, change) = match &ctx.unit.node {
        NodeEnum::RenameStmt(stmt) if is_relation(stmt.rename_type) => (
            stmt.relation.as_ref(),
            format!("RENAME TO {}", stmt.newname),
        ),
        NodeEnum::AlterObjectSchemaStmt(stmt) if is_relation(stmt.object_type) => (
            stmt.relation.as_ref(),
            format!("SET SCHEMA {}", stmt.newschema),
        ),
        _ => return,
    };
    let Some(rel) = rel else { return };
    let table = ctx.symbols.relation(rel);
    let message = format!(
        "{change} breaks every running client and API route that addresses {}",
        display(&table)
    );
    out.extend(client_finding(ctx, rule, &table, None, message));
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "rename-table";

    #[test]
    fn moving_live_relations_is_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE public.t (a int);\nCREATE VIEW public.v AS SELECT a FROM public.t;",
            ),
            (
                "V2__r.sql",
                "ALTER TABLE public.t RENAME TO items;\nALTER VIEW public.v SET SCHEMA private;",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__r.sql:1", "V2__r.sql:2"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn new_relations_and_other_renames_are_fine() {
        let files = [
            ("V1__t.sql", "CREATE TABLE public.t (a int);"),
            (
                "V2__r.sql",
                "CREATE TABLE public.u (a int);\nALTER TABLE public.u RENAME TO w;\n\
                 ALTER TABLE public.t RENAME CONSTRAINT c TO d;\nALTER INDEX public.i RENAME TO j;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }
}
