//! `unindexed-foreign-key` (warning) — a foreign key such that no index of the referencing table
//! (explicit index, primary key or unique constraint) anywhere in the bundle set starts with one
//! of its columns. An index leading with any key column already turns the referential lookup
//! into an index scan, so composite keys indexed on one column are not flagged.
//!
//! Why: deleting or updating a referenced row scans the whole referencing table, under lock;
//! joins along the key cannot use an index either.
//! Fix: `CREATE INDEX … ON <table> (<fk columns>)`.

use super::{Rule, at_site};

use crate::lint::symbols::{IndexInfo, Name, display};
use crate::lint::{Diagnostic, Severity};
use crate::lint::{LintOptions, Symbols};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "unindexed-foreign-key",
    severity: Severity::Warning,
    summary: "a foreign key without an index on its columns",
    help: "create an index whose leading columns are the foreign key's columns",
    doc: include_str!("../../../docs/rules/unindexed-foreign-key.md"),
    check: None,
    finish: Some(finish),
};

fn finish(symbols: &Symbols, _: &LintOptions, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for (table, fk) in symbols
        .foreign_keys
        .iter()
        .filter(|(table, _)| !symbols.is_temporary(table))
    {
        let covered = symbols
            .indexes
            .of(table)
            .iter()
            .any(|i| leads_with(i, &fk.columns));
        if !covered && !fk.columns.is_empty() {
            let message = format!(
                "foreign key {}({}) has no index",
                display(table),
                fk.columns.join(", ")
            );
            out.push(at_site(rule, &fk.site, message));
        }
    }
}

/// Whether the index's first column is one of `columns`.
fn leads_with(index: &IndexInfo, columns: &[Name]) -> bool {
    index
        .columns
        .first()
        .is_some_and(|first| columns.contains(first))
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::lines;

    #[test]
    fn foreign_keys_without_leading_index_are_found() {
        let sql = "CREATE TABLE a (id int PRIMARY KEY, b_id int REFERENCES b (id));\n\
                   CREATE TABLE c (x int, y int, FOREIGN KEY (x, y) REFERENCES d);\nCREATE INDEX ON c (z, y);\n\
                   ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES e;";
        assert_eq!(lines(sql, "unindexed-foreign-key"), vec![1, 2]);
    }

    #[test]
    fn indexed_foreign_keys_are_fine() {
        let sql = "CREATE TABLE a (id int PRIMARY KEY REFERENCES z, b_id int REFERENCES b);\nCREATE INDEX ON a (b_id, id);\n\
                   CREATE TABLE c (x int, y int, FOREIGN KEY (x, y) REFERENCES d, UNIQUE (y, x));\n\
                   CREATE TABLE e (x int, y int, FOREIGN KEY (x, y) REFERENCES d);\nCREATE INDEX ON e (y);";
        assert!(lines(sql, "unindexed-foreign-key").is_empty());
    }
}
