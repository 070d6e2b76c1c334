//! `unsupported-reg-types` (warning) — no column of the project's own tables has a `reg*` type
//! that `pg_upgrade` cannot carry over (splinter's `unsupported_reg_types`).
//!
//! Why: `regproc`, `regprocedure`, `regoper`, `regoperator`, `regconfig`, `regdictionary`,
//! `regnamespace` and `regcollation` values are stored as OIDs, which a major-version upgrade
//! renumbers; `pg_upgrade` refuses such databases, which blocks Supabase's platform upgrades.
//! (`regclass`, `regtype` and `regrole` are allowed.) Every schema outside the platform's counts,
//! exposed or not, because the upgrade concerns the whole database.
//! Fix: store the object's name as `text` instead, e.g. `ALTER TABLE <t> ALTER COLUMN <c> TYPE
//! text USING <c>::text;`.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "unsupported-reg-types",
    level: Severity::Warning,
    summary: "no column has a reg* type (regproc, regoper, regconfig…) that pg_upgrade cannot carry",
    help: "ALTER TABLE <t> ALTER COLUMN <c> TYPE text USING <c>::text;",
    doc: include_str!("../../../docs/checks/unsupported-reg-types.md"),
    splinter: &["unsupported_reg_types"],
    run: Some(check),
};

/// One result per column of an unsupported `reg*` type.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .columns
        .iter()
        .filter(|c| c.unsupported_reg_type)
        .map(|c| {
            let table = format!("{}.{}", c.schema, c.table);
            let message = format!(
                "column {table}.{} has type {}, which pg_upgrade cannot carry to a new major version",
                c.name, c.type_name
            );
            Examined::new(format!("{table}.{}", c.name), Object::part_of(table, &c.name), Some(message))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Column;
    use crate::verify::checks::fixtures::{catalog, problems};

    #[test]
    fn names_reg_type_columns() {
        let mut catalog = catalog();
        catalog.columns = vec![
            Column {
                schema: "app".into(),
                table: "jobs".into(),
                name: "handler".into(),
                type_name: "regprocedure".into(),
                unsupported_reg_type: true,
                ..Column::default()
            },
            Column {
                schema: "app".into(),
                table: "jobs".into(),
                name: "target".into(),
                type_name: "regclass".into(),
                ..Column::default()
            },
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "app.jobs.handler: column app.jobs.handler has type regprocedure, which pg_upgrade cannot carry to a new major version"
            ]
        );
    }
}
