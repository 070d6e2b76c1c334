//! `fk-indexed` — every foreign key in an exposed schema is covered by an index whose leading
//! columns are the key's columns.
//!
//! Why: deleting or updating a referenced row scans the referencing table without one (and locks
//! it for longer), and RLS policies and joins on the key get slow as the table grows.
//! Constraints cloned onto partitions are checked once, on the partitioned parent. Only valid
//! indexes count. A multi-column key whose columns only partly lead an index (e.g. key
//! `(attendee_id, event_id)`, index on `(attendee_id)`) is a warning: lookups still use the index
//! and filter the rest, which is fine when the leading column is selective.
//! Fix: `CREATE INDEX CONCURRENTLY … ON <table> (<fk columns>);` in a no-transaction migration.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::{Catalog, ForeignKey, Index};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "fk-indexed",
    level: Severity::Error,
    summary: "every foreign key in an exposed schema has an index starting with its columns",
    help: "CREATE INDEX CONCURRENTLY IF NOT EXISTS … ON <table> (<fk columns>); in a no-transaction migration",
    doc: include_str!("../../../docs/checks/fk-indexed.md"),
    splinter: &["unindexed_foreign_keys"],
    run: Some(check),
};

/// One result per foreign key declared on an exposed table.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .foreign_keys
        .iter()
        .filter(|fk| !fk.inherited && catalog.is_exposed(&fk.schema))
        .map(|fk| examine(catalog, fk))
        .collect()
}

fn examine(catalog: &Catalog, fk: &ForeignKey) -> Examined {
    let subject = format!("{}.{}.{}", fk.schema, fk.table, fk.name);
    let object = Object::part_of(fk.table_name(), &fk.name);
    let described = format!(
        "foreign key {} on {}.{} ({}) → {}",
        fk.name,
        fk.schema,
        fk.table,
        fk.column_names.join(", "),
        fk.references
    );
    let table = fk.table_name();
    let on_table = || catalog.indexes_of(&table).filter(|i| i.valid);
    if on_table().any(|index| covers(index, fk)) {
        return Examined::new(subject, object, None);
    }
    let best = on_table()
        .filter(|index| leading_key_columns(index, fk) > 0)
        .max_by_key(|index| {
            (
                leading_key_columns(index, fk),
                index.columns.first() == fk.columns.first(),
            )
        });
    match best {
        Some(partial) => Examined::warn(
            subject,
            object,
            format!(
                "{described} is only partly covered: index {} starts with {} of its {} columns",
                partial.name,
                leading_key_columns(partial, fk),
                fk.columns.len()
            ),
        ),
        None => Examined::new(
            subject,
            object,
            Some(format!(
                "{described} has no index starting with its columns"
            )),
        ),
    }
}

/// How many of the index's first columns belong to the key.
fn leading_key_columns(index: &Index, fk: &ForeignKey) -> usize {
    index
        .columns
        .iter()
        .take_while(|c| fk.columns.contains(c))
        .count()
}

/// An index on the same table whose first columns are the key's columns, in any order.
fn covers(index: &Index, fk: &ForeignKey) -> bool {
    index.schema == fk.schema
        && index.table == fk.table
        && index.columns.len() >= fk.columns.len()
        && fk
            .columns
            .iter()
            .all(|c| index.columns[..fk.columns.len()].contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, problems};

    fn fk(name: &str, columns: &[i16], inherited: bool) -> ForeignKey {
        ForeignKey {
            schema: "public".into(),
            table: "orders".into(),
            name: name.into(),
            columns: columns.to_vec(),
            column_names: columns.iter().map(|c| format!("c{c}")).collect(),
            references: "public.events".into(),
            inherited,
            ..ForeignKey::default()
        }
    }

    fn index(columns: &[i16]) -> Index {
        Index {
            schema: "public".into(),
            table: "orders".into(),
            name: "i".into(),
            valid: true,
            columns: columns.to_vec(),
            ..Index::default()
        }
    }

    #[test]
    fn requires_an_index_led_by_the_key_columns() {
        let mut catalog = catalog();
        catalog.indexes = vec![index(&[2, 5]), index(&[7, 3, 4])];
        catalog.foreign_keys = vec![
            fk("by_leading", &[2], false),
            fk("by_pair_any_order", &[3, 7], false),
            fk("trailing_only", &[5], false),
            fk("cloned", &[9], true),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.orders.trailing_only: foreign key trailing_only on public.orders (c5) → public.events has no index starting with its columns"
            ]
        );
        assert_eq!(check(&catalog).len(), 3);
    }
}
