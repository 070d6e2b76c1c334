//! Rendering a diff: text grouped by object for people, a stable JSON document for machines.

use serde::Serialize;

use super::style;
use crate::diff::compare::{Attribute, Change, Item, Sign};
use crate::diff::{Diff, Report};

/// The version of the diff document's layout; bumped on any incompatible change.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// `V0001 … V3004` or `no migrations`.
fn migrations_text(report: &Report) -> String {
    match (report.migrations.first(), report.migrations.last()) {
        (Some(first), Some(last)) => format!(
            "{} migrations, V{first:04}…V{last:04}",
            report.migrations.len()
        ),
        _ => "no migrations".into(),
    }
}

/// The text report: a heading, the changes grouped by object, a summary and the notes.
pub fn human(report: &Report) -> String {
    let mut out = format!(
        "diff: {} against the bundles ({}) built on {} shadow\n",
        report.database,
        migrations_text(report),
        if report.shadow == "ephemeral" {
            "an ephemeral".to_string()
        } else {
            format!("the {}", report.shadow)
        }
    );
    let diff = &report.diff;
    if diff.drifted() {
        out.push_str("legend: + only in the database, - only in the bundles, ~ changed\n");
    }
    let mut group: Option<&str> = None;
    for change in &diff.changes {
        if group != Some(change.object.as_str()) {
            out.push('\n');
            out.push_str(&style::bold(&change.object));
            out.push('\n');
            group = Some(&change.object);
        }
        out.push_str(&change_text(change));
    }
    if diff.drifted() {
        out.push('\n');
    }
    out.push_str(&summary(diff));
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

/// The closing line: no drift, or how many differences of each sign.
pub fn summary(diff: &Diff) -> String {
    if !diff.drifted() {
        return style::ok("diff: no drift: the database matches the bundles\n");
    }
    style::error(&format!(
        "diff: {} differences: {} only in the database (+), {} only in the bundles (-), {} changed (~)\n",
        diff.changes.len(),
        diff.count(Sign::OnlyInDatabase),
        diff.count(Sign::OnlyInBundles),
        diff.count(Sign::Changed)
    ))
}

fn painted_sign(sign: Sign) -> String {
    match sign {
        Sign::OnlyInDatabase => style::ok("+"),
        Sign::OnlyInBundles => style::error("-"),
        Sign::Changed => style::warning("~"),
    }
}

/// One change: its sign and name, then the definitions of both sides.
fn change_text(change: &Change) -> String {
    let name = if change.name.is_empty() {
        change.object.clone()
    } else {
        change.name.clone()
    };
    let attributes: Vec<&str> = change.attributes.iter().map(|a| a.name).collect();
    let mut out = format!("  {} {name}", painted_sign(change.sign));
    if !attributes.is_empty() {
        out.push_str(&format!(" ({})", attributes.join(", ")));
    }
    out.push('\n');
    let side = |label: &str, text: &Option<String>| match text {
        Some(text) => format!("      {label} {}\n", indent_continuation(text)),
        None => format!("      {label} (absent)\n"),
    };
    out.push_str(&side("database:", &change.database));
    out.push_str(&side("bundles: ", &change.bundles));
    let definitions_equal = change.database == change.bundles;
    for attribute in &change.attributes {
        out.push_str(&attribute_detail(change, attribute, definitions_equal));
    }
    out
}

/// Continuation lines of a multi-line definition, indented under the first.
fn indent_continuation(text: &str) -> String {
    text.trim_end().replace('\n', "\n                ")
}

/// What the definitions do not show: the values of attributes they leave out, and the first
/// differing line of a body or view definition.
fn attribute_detail(change: &Change, attribute: &Attribute, definitions_equal: bool) -> String {
    if let Some((line, database, bundles)) = first_difference(change, attribute) {
        return format!(
            "      {}: first difference at line {line}:\n        database: {}\n        bundles:  {}\n",
            attribute.name,
            database.trim(),
            bundles.trim()
        );
    }
    let hidden = definitions_equal || matches!(attribute.name, "comment" | "owner");
    if !hidden {
        return String::new();
    }
    format!(
        "      {}: database {} / bundles {}\n",
        attribute.name, attribute.database, attribute.bundles
    )
}

/// For a function body or a view query: the first line that differs (1-based) on each side.
fn first_difference(change: &Change, attribute: &Attribute) -> Option<(usize, String, String)> {
    let (database, bundles) = match (&change.item, attribute.name) {
        (Item::Function(f), "body") => (
            f.database.as_ref()?.body.clone(),
            f.bundles.as_ref()?.body.clone(),
        ),
        (Item::Relation(r), "definition") => (
            r.database.as_ref()?.view_definition.clone()?,
            r.bundles.as_ref()?.view_definition.clone()?,
        ),
        _ => return None,
    };
    let (d, b): (Vec<&str>, Vec<&str>) = (database.lines().collect(), bundles.lines().collect());
    let line = (0..d.len().max(b.len())).find(|&i| d.get(i) != b.get(i))?;
    let at = |lines: &[&str]| {
        lines
            .get(line)
            .map_or("(end)".to_string(), |l| l.to_string())
    };
    Some((line + 1, at(&d), at(&b)))
}

/// The JSON document (documented in docs/diff.md).
#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    database: &'a str,
    shadow: &'a str,
    migrations: Vec<u32>,
    drift: bool,
    summary: Summary,
    changes: Vec<ChangeEntry<'a>>,
    notes: &'a [String],
    catalog_queries: CatalogQueries,
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    only_in_database: usize,
    only_in_bundles: usize,
    changed: usize,
}

#[derive(Serialize)]
struct ChangeEntry<'a> {
    sign: &'static str,
    kind: &'static str,
    object: &'a str,
    name: &'a str,
    database: Option<&'a str>,
    bundles: Option<&'a str>,
    attributes: Vec<AttributeEntry<'a>>,
}

#[derive(Serialize)]
struct AttributeEntry<'a> {
    name: &'a str,
    database: &'a str,
    bundles: &'a str,
}

#[derive(Serialize)]
struct CatalogQueries {
    database: usize,
    bundles: usize,
}

fn change_entry(change: &Change) -> ChangeEntry<'_> {
    ChangeEntry {
        sign: change.sign.symbol(),
        kind: change.kind.as_str(),
        object: &change.object,
        name: &change.name,
        database: change.database.as_deref(),
        bundles: change.bundles.as_deref(),
        attributes: change
            .attributes
            .iter()
            .map(|a| AttributeEntry {
                name: a.name,
                database: &a.database,
                bundles: &a.bundles,
            })
            .collect(),
    }
}

/// The JSON document (documented in docs/diff.md).
pub fn json(report: &Report) -> String {
    let diff = &report.diff;
    let document = Document {
        schema_version: JSON_SCHEMA_VERSION,
        database: &report.database,
        shadow: &report.shadow,
        migrations: report.migrations.iter().copied().collect(),
        drift: diff.drifted(),
        summary: Summary {
            total: diff.changes.len(),
            only_in_database: diff.count(Sign::OnlyInDatabase),
            only_in_bundles: diff.count(Sign::OnlyInBundles),
            changed: diff.count(Sign::Changed),
        },
        changes: diff.changes.iter().map(change_entry).collect(),
        notes: &report.notes,
        catalog_queries: CatalogQueries {
            database: diff.database_queries,
            bundles: diff.bundles_queries,
        },
    };
    super::to_pretty_json(&document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::snapshot::{Column, Relation, Snapshot};
    use crate::report::strip;

    fn table() -> Relation {
        Relation {
            schema: "public".into(),
            name: "events".into(),
            kind: 'r',
            owner: "postgres".into(),
            rls: true,
            force_rls: false,
            unlogged: false,
            options: vec![],
            view_definition: None,
            partition_key: None,
            partition_of: None,
            partition_bound: None,
            sequence: None,
            comment: None,
            grants: vec![],
        }
    }

    fn column(name: &str, default: Option<&str>) -> Column {
        Column {
            schema: "public".into(),
            table: "events".into(),
            name: name.into(),
            position: 1,
            data_type: "text".into(),
            not_null: true,
            default: default.map(str::to_string),
            generated: None,
            generated_kind: None,
            identity: None,
            collation: None,
            comment: None,
            grants: vec![],
        }
    }

    fn report() -> Report {
        let mut open = table();
        open.rls = false;
        let database = Snapshot {
            relations: vec![open],
            columns: vec![
                column("status", Some("'published'::text")),
                column("notes", None),
            ],
            ..Snapshot::default()
        };
        let bundles = Snapshot {
            relations: vec![table()],
            columns: vec![column("status", Some("'draft'::text"))],
            ..Snapshot::default()
        };
        Report {
            database: "postgres://postgres:***@db.example/postgres".into(),
            shadow: "ephemeral".into(),
            migrations: [1, 2, 1001].into_iter().collect(),
            notes: vec!["1 bundle migration(s) are not applied".into()],
            diff: Diff {
                changes: crate::diff::compare::compare(&database, &bundles),
                database,
                bundles,
                search_path: "extensions".into(),
                database_queries: 13,
                bundles_queries: 13,
            },
        }
    }

    #[test]
    fn the_text_report_groups_by_object_with_both_definitions() {
        insta::assert_snapshot!(strip(&human(&report())));
    }

    #[test]
    fn the_json_document_is_stable() {
        insta::assert_snapshot!(json(&report()));
    }
}
