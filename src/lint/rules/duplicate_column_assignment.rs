//! `duplicate-column-assignment` (error) — a column assigned or listed twice: `UPDATE … SET a =
//! 1, a = 2` (also `ON CONFLICT DO UPDATE`, `MERGE … UPDATE`), `INSERT INTO t (a, a)`,
//! `CREATE TABLE t (a int, a text)`, `CREATE VIEW v (a, a)`. Assignments to different fields
//! or elements of one column (`a.x = 1, a.y = 2`) are fine. squawk:
//! `ban-duplicate-column-assignments`.
//!
//! Why: PostgreSQL rejects the statement ("multiple assignments to same column", "column …
//! specified more than once"): the migration fails when it runs (or, in a function body, when
//! the function is called).
//! Fix: assign each column once.

use std::collections::BTreeMap;

use pg_query::NodeEnum;
use pg_query::protobuf::Node;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::symbols::string_list;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "duplicate-column-assignment",
    severity: Severity::Error,
    summary: "a column assigned or listed twice in one statement (PostgreSQL rejects it)",
    help: "assign or list each column once",
    doc: include_str!("../../../docs/rules/duplicate-column-assignment.md"),
    check: Some(check),
    finish: None,
};

/// One name in a list, with whether it targets only part of the column.
struct Entry {
    name: String,
    partial: bool,
    location: i32,
}

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let lists: Vec<(Vec<Entry>, &str)> = match &ctx.unit.node {
        NodeEnum::UpdateStmt(stmt) => vec![(targets(&stmt.target_list), "assigned")],
        NodeEnum::InsertStmt(stmt) => {
            let mut lists = vec![(targets(&stmt.cols), "listed")];
            if let Some(conflict) = &stmt.on_conflict_clause {
                lists.push((targets(&conflict.target_list), "assigned"));
            }
            lists
        }
        NodeEnum::MergeStmt(stmt) => stmt
            .merge_when_clauses
            .iter()
            .filter_map(|c| match c.node.as_ref() {
                Some(NodeEnum::MergeWhenClause(c)) => Some((targets(&c.target_list), "assigned")),
                _ => None,
            })
            .collect(),
        NodeEnum::CreateStmt(stmt) => vec![(
            stmt.table_elts
                .iter()
                .filter_map(|e| match e.node.as_ref() {
                    Some(NodeEnum::ColumnDef(c)) => Some(Entry {
                        name: c.colname.clone(),
                        partial: false,
                        location: c.location,
                    }),
                    _ => None,
                })
                .collect(),
            "defined",
        )],
        NodeEnum::ViewStmt(stmt) => vec![(
            string_list(&stmt.aliases)
                .into_iter()
                .map(|name| Entry {
                    name,
                    partial: false,
                    location: -1,
                })
                .collect(),
            "named",
        )],
        _ => return,
    };
    for (entries, verb) in lists {
        let mut by_name: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for entry in &entries {
            by_name.entry(&entry.name).or_default().push(entry);
        }
        for (name, entries) in by_name {
            if entries.len() < 2 || entries.iter().all(|e| e.partial) {
                continue;
            }
            let second = entries[1];
            let message = format!("column {name} is {verb} more than once in this statement");
            out.push(if second.location >= 0 {
                ctx.diagnostic_at(rule, second.location, message)
            } else {
                ctx.diagnostic(rule, message)
            });
        }
    }
}

/// The column names of a `SET` or column list.
fn targets(nodes: &[Node]) -> Vec<Entry> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::ResTarget(t)) => Some(Entry {
                name: t.name.clone(),
                partial: !t.indirection.is_empty(),
                location: t.location,
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, render_rule};

    const RULE: &str = "duplicate-column-assignment";

    #[test]
    fn duplicates_are_found_wherever_they_run() {
        let sql = "UPDATE app.t SET a = 1, b = 2, a = 3;\n\
                   INSERT INTO app.t (a, a) VALUES (1, 2);\n\
                   UPDATE app.t SET (a, b) = (1, 2), b = 3;\n\
                   CREATE TABLE app.u (a int, a text);\n\
                   INSERT INTO app.t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = 1, a = 2;\n\
                   DO $$ BEGIN UPDATE app.t SET c = 1, c = 2; END $$;";
        assert_eq!(lines(sql, RULE), [1, 2, 3, 4, 5, 6]);
        insta::assert_snapshot!(render_rule(&[("V1__t.sql", sql)], RULE));
    }

    #[test]
    fn distinct_columns_and_parts_of_one_column_are_fine() {
        let sql = "UPDATE app.t SET a = 1, b = 2;\n\
                   UPDATE app.t SET p.x = 1, p.y = 2;\n\
                   UPDATE app.t SET arr[1] = 1, arr[2] = 2;\n\
                   INSERT INTO app.t (a, b) VALUES (1, 2);";
        assert!(lines(sql, RULE).is_empty());
    }
}
