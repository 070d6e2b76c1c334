//! Comparing two scoped snapshots: a pure function from (database, bundles) to changes.
//!
//! Objects are paired by identity (schema + name, a function's argument types, a trigger's or
//! policy's table + name). Constraints and indexes are paired by definition first, so that a
//! name PostgreSQL generated (`events_capacity_check`, `events_slug_idx`) never makes two equal
//! definitions differ; what is left is paired by name (a changed definition), and a pair with
//! equal definitions but two explicit names is a rename. An object present on one side only is
//! one change: its columns, constraints, indexes, triggers, policies and grants are folded in.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::snapshot::{
    Column, Constraint, Extension, Function, Grant, Index, Policy, Relation, Schema, Snapshot,
    Trigger, Type, qualified, quote_ident,
};

/// Which side an object differs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sign {
    /// Only in the database (`+`).
    OnlyInDatabase,
    /// Only in the bundles (`-`).
    OnlyInBundles,
    /// On both sides, different (`~`).
    Changed,
}

impl Sign {
    /// `+`, `-` or `~`.
    pub fn symbol(self) -> &'static str {
        match self {
            Sign::OnlyInDatabase => "+",
            Sign::OnlyInBundles => "-",
            Sign::Changed => "~",
        }
    }
}

/// What kind of object a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A schema.
    Schema,
    /// An extension.
    Extension,
    /// An enum, domain, composite or range type.
    Type,
    /// A table, view, materialized view, sequence or foreign table.
    Relation,
    /// A column.
    Column,
    /// A table constraint.
    Constraint,
    /// An index.
    Index,
    /// A trigger.
    Trigger,
    /// A row level security policy.
    Policy,
    /// A function, procedure or aggregate.
    Function,
    /// Privileges of one role on one object.
    Grant,
}

impl Kind {
    /// The word used in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Schema => "schema",
            Kind::Extension => "extension",
            Kind::Type => "type",
            Kind::Relation => "relation",
            Kind::Column => "column",
            Kind::Constraint => "constraint",
            Kind::Index => "index",
            Kind::Trigger => "trigger",
            Kind::Policy => "policy",
            Kind::Function => "function",
            Kind::Grant => "grant",
        }
    }
}

/// One attribute that differs between the two sides of a `~` change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// What differs: `default`, `body`, `row level security`, …
    pub name: &'static str,
    /// Its value in the database.
    pub database: String,
    /// Its value in the bundles.
    pub bundles: String,
}

/// An object as found on each side (`None`: absent there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sides<T> {
    /// In the database.
    pub database: Option<T>,
    /// In the bundles.
    pub bundles: Option<T>,
}

/// What is granted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantTarget {
    /// A relation: its `pg_class.relkind` and qualified name.
    Relation(char, String),
    /// A column: the qualified table and the column.
    Column(String, String),
    /// A function (`f`, `p`, `a`, `w`) by signature.
    Function(char, String),
}

impl GrantTarget {
    /// The `ON …` clause of GRANT/REVOKE.
    pub fn on_clause(&self) -> String {
        match self {
            GrantTarget::Relation('S', name) => format!("SEQUENCE {name}"),
            GrantTarget::Relation(_, name) => format!("TABLE {name}"),
            GrantTarget::Column(table, _) => format!("TABLE {table}"),
            GrantTarget::Function('p', signature) => format!("PROCEDURE {signature}"),
            GrantTarget::Function(_, signature) => format!("FUNCTION {signature}"),
        }
    }

    /// `SELECT` or, for a column, `SELECT (column)`.
    pub fn privilege(&self, privilege: &str) -> String {
        match self {
            GrantTarget::Column(_, column) => format!("{privilege} ({})", quote_ident(column)),
            _ => privilege.to_string(),
        }
    }
}

/// Privileges of one role on one object that differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantChange {
    /// The object.
    pub target: GrantTarget,
    /// The role (or `PUBLIC`).
    pub grantee: String,
    /// The privileges concerned as held in the database (`+`, `~`) or in the bundles (`-`).
    pub privileges: Vec<Grant>,
}

/// The objects behind a change, for the `--sql` draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A schema.
    Schema(Sides<Schema>),
    /// An extension.
    Extension(Sides<Extension>),
    /// A type.
    Type(Sides<Type>),
    /// A relation (one-sided: with everything on it).
    Relation(Sides<Relation>),
    /// A column.
    Column(Sides<Column>),
    /// A constraint.
    Constraint(Sides<Constraint>),
    /// An index.
    Index(Sides<Index>),
    /// A trigger.
    Trigger(Sides<Trigger>),
    /// A policy.
    Policy(Sides<Policy>),
    /// A function.
    Function(Sides<Function>),
    /// Privileges.
    Grant(GrantChange),
}

/// One difference, reported once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `+`, `-` or `~`.
    pub sign: Sign,
    /// The kind of object.
    pub kind: Kind,
    /// The object the change is grouped under, e.g. `table public.events`.
    pub object: String,
    /// The item within the object (`column capacity`); empty for the object itself.
    pub name: String,
    /// Its definition in the database.
    pub database: Option<String>,
    /// Its definition in the bundles.
    pub bundles: Option<String>,
    /// For `~`: what differs.
    pub attributes: Vec<Attribute>,
    /// The objects themselves.
    pub item: Item,
}

/// Every difference between `database` and `bundles`, grouped by object and sorted.
pub fn compare(database: &Snapshot, bundles: &Snapshot) -> Vec<Change> {
    let mut changes = Vec::new();
    changes.extend(schemas(database, bundles));
    changes.extend(extensions(database, bundles));
    changes.extend(types(database, bundles));
    let relations = RelationIndex::new(database, bundles);
    changes.extend(relation_changes(database, bundles, &relations));
    changes.extend(column_changes(database, bundles, &relations));
    changes.extend(constraint_changes(database, bundles, &relations));
    changes.extend(index_changes(database, bundles, &relations));
    changes.extend(trigger_changes(database, bundles, &relations));
    changes.extend(policy_changes(database, bundles, &relations));
    changes.extend(function_changes(database, bundles));
    changes.sort_by(|a, b| {
        (group_rank(a), &a.object, a.kind, &a.name, a.sign).cmp(&(
            group_rank(b),
            &b.object,
            b.kind,
            &b.name,
            b.sign,
        ))
    });
    changes
}

fn group_rank(change: &Change) -> u8 {
    match change.kind {
        Kind::Schema => 0,
        Kind::Extension => 1,
        Kind::Type => 2,
        _ if change.object.starts_with("function ")
            || change.object.starts_with("procedure ")
            || change.object.starts_with("aggregate ") =>
        {
            4
        }
        _ => 3,
    }
}

/// Pairs items of both sides by key, in key order.
fn pair<'a, T, K: Ord>(
    database: &'a [T],
    bundles: &'a [T],
    key: impl Fn(&T) -> K,
) -> Vec<(K, Option<&'a T>, Option<&'a T>)> {
    let mut map: BTreeMap<K, (Option<&T>, Option<&T>)> = BTreeMap::new();
    for item in database {
        map.entry(key(item)).or_default().0 = Some(item);
    }
    for item in bundles {
        map.entry(key(item)).or_default().1 = Some(item);
    }
    map.into_iter().map(|(k, (d, b))| (k, d, b)).collect()
}

fn sign_of<T>(database: Option<&T>, bundles: Option<&T>) -> Sign {
    match (database, bundles) {
        (Some(_), None) => Sign::OnlyInDatabase,
        (None, Some(_)) => Sign::OnlyInBundles,
        _ => Sign::Changed,
    }
}

fn sides<T: Clone>(database: Option<&T>, bundles: Option<&T>) -> Sides<T> {
    Sides {
        database: database.cloned(),
        bundles: bundles.cloned(),
    }
}

/// Where a change sits and what it is called.
struct Place {
    kind: Kind,
    object: String,
    name: String,
}

/// The change for an item found as `d` / `b`: one-sided, or `~` with the attributes that
/// differ (`None` when nothing does).
fn change_of<T: Clone>(
    place: Place,
    (d, b): (Option<&T>, Option<&T>),
    define: impl Fn(&T) -> String,
    differences: impl Fn(&T, &T) -> Vec<Attribute>,
    wrap: fn(Sides<T>) -> Item,
) -> Option<Change> {
    let attributes = match (d, b) {
        (Some(d), Some(b)) => differences(d, b),
        _ => Vec::new(),
    };
    if d.is_some() && b.is_some() && attributes.is_empty() {
        return None;
    }
    Some(Change {
        sign: sign_of(d, b),
        kind: place.kind,
        object: place.object,
        name: place.name,
        database: d.map(&define),
        bundles: b.map(&define),
        attributes,
        item: wrap(sides(d, b)),
    })
}

/// Collects the attributes that differ.
struct Attributes(Vec<Attribute>);

impl Attributes {
    fn new() -> Attributes {
        Attributes(Vec::new())
    }

    fn check(&mut self, name: &'static str, database: String, bundles: String) -> &mut Self {
        if database != bundles {
            self.0.push(Attribute {
                name,
                database,
                bundles,
            });
        }
        self
    }
}

fn or_none(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "(none)".into())
}

fn on_off(value: bool) -> String {
    if value { "enabled" } else { "disabled" }.into()
}

fn schemas(database: &Snapshot, bundles: &Snapshot) -> Vec<Change> {
    let describe = |s: &Schema| format!("schema {} (owner {})", quote_ident(&s.name), s.owner);
    pair(&database.schemas, &bundles.schemas, |s| s.name.clone())
        .into_iter()
        .filter_map(|(name, d, b)| {
            let place = Place {
                kind: Kind::Schema,
                object: format!("schema {}", quote_ident(&name)),
                name: String::new(),
            };
            change_of(place, (d, b), describe, |_, _| Vec::new(), Item::Schema)
        })
        .collect()
}

fn extensions(database: &Snapshot, bundles: &Snapshot) -> Vec<Change> {
    let describe = |e: &Extension| format!("extension {} in schema {}", e.name, e.schema);
    pair(&database.extensions, &bundles.extensions, |e| {
        e.name.clone()
    })
    .into_iter()
    .filter(|(name, _, b)| {
        b.is_some() || !super::scope::PLATFORM_EXTENSIONS.contains(&name.as_str())
    })
    .filter_map(|(name, d, b)| {
        let place = Place {
            kind: Kind::Extension,
            object: format!("extension {name}"),
            name: String::new(),
        };
        let differences = |d: &Extension, b: &Extension| {
            let mut a = Attributes::new();
            a.check("schema", d.schema.clone(), b.schema.clone());
            a.0
        };
        change_of(place, (d, b), describe, differences, Item::Extension)
    })
    .collect()
}

/// `type` or `domain`.
pub fn type_kind(kind: char) -> &'static str {
    if kind == 'd' { "domain" } else { "type" }
}

/// `CREATE TYPE public.status AS ENUM ('a', 'b')` (or `CREATE DOMAIN …`).
pub fn type_statement(t: &Type) -> String {
    format!(
        "CREATE {} {} AS {}",
        type_kind(t.kind).to_uppercase(),
        t.qualified(),
        t.definition
    )
}

fn types(database: &Snapshot, bundles: &Snapshot) -> Vec<Change> {
    pair(&database.types, &bundles.types, |t| {
        (t.schema.clone(), t.name.clone())
    })
    .into_iter()
    .filter_map(|(_, d, b)| {
        let t = d.or(b).expect("a pair has at least one side");
        let place = Place {
            kind: Kind::Type,
            object: format!("{} {}", type_kind(t.kind), t.qualified()),
            name: String::new(),
        };
        let differences = |d: &Type, b: &Type| {
            let mut a = Attributes::new();
            a.check("definition", type_statement(d), type_statement(b))
                .check("owner", d.owner.clone(), b.owner.clone())
                .check("comment", or_none(&d.comment), or_none(&b.comment));
            a.0
        };
        change_of(place, (d, b), type_statement, differences, Item::Type)
    })
    .collect()
}

/// Relations of both sides by `(schema, name)`, and which exist on one side only.
struct RelationIndex<'a> {
    database: BTreeMap<(String, String), &'a Relation>,
    bundles: BTreeMap<(String, String), &'a Relation>,
    one_sided: HashSet<(String, String)>,
}

impl<'a> RelationIndex<'a> {
    fn new(database: &'a Snapshot, bundles: &'a Snapshot) -> RelationIndex<'a> {
        let by_key = |s: &'a Snapshot| -> BTreeMap<(String, String), &'a Relation> {
            s.relations
                .iter()
                .map(|r| ((r.schema.clone(), r.name.clone()), r))
                .collect()
        };
        let (db, bu) = (by_key(database), by_key(bundles));
        let one_sided = db
            .keys()
            .filter(|k| !bu.contains_key(*k))
            .chain(bu.keys().filter(|k| !db.contains_key(*k)))
            .cloned()
            .collect();
        RelationIndex {
            database: db,
            bundles: bu,
            one_sided,
        }
    }

    /// Whether the children of `schema.table` are compared one by one.
    fn compares_children_of(&self, schema: &str, table: &str) -> bool {
        !self
            .one_sided
            .contains(&(schema.to_string(), table.to_string()))
    }

    /// `table public.events` (the database's kind first).
    fn object(&self, schema: &str, table: &str) -> String {
        let key = (schema.to_string(), table.to_string());
        let kind = self
            .database
            .get(&key)
            .or_else(|| self.bundles.get(&key))
            .map_or('r', |r| r.kind);
        format!("{} {}", relation_kind(kind), qualified(schema, table))
    }
}

/// The word for a `relkind`.
pub fn relation_kind(kind: char) -> &'static str {
    match kind {
        'p' => "partitioned table",
        'v' => "view",
        'm' => "materialized view",
        'S' => "sequence",
        'f' => "foreign table",
        _ => "table",
    }
}

/// A one-line description of a relation's own attributes.
fn relation_summary(r: &Relation) -> String {
    let mut parts = vec![format!("owner {}", r.owner)];
    if matches!(r.kind, 'r' | 'p') {
        parts.push(format!("row level security {}", on_off(r.rls)));
    }
    if r.force_rls {
        parts.push("forced".into());
    }
    if r.unlogged {
        parts.push("unlogged".into());
    }
    if !r.options.is_empty() {
        parts.push(format!("with ({})", r.options.join(", ")));
    }
    if let Some(key) = &r.partition_key {
        parts.push(format!("partition by {key}"));
    }
    if let (Some(parent), Some(bound)) = (&r.partition_of, &r.partition_bound) {
        parts.push(format!("partition of {parent} {bound}"));
    }
    format!(
        "{} {} ({})",
        relation_kind(r.kind),
        r.qualified(),
        parts.join(", ")
    )
}

fn sequence_text(r: &Relation) -> String {
    r.sequence.as_ref().map_or_else(String::new, |s| {
        format!(
            "as {} start {} increment {} min {} max {} cache {}{}{}",
            s.data_type,
            s.start,
            s.increment,
            s.min,
            s.max,
            s.cache,
            if s.cycle { " cycle" } else { "" },
            s.owned_by
                .as_ref()
                .map(|o| format!(" owned by {o}"))
                .unwrap_or_default()
        )
    })
}

fn relation_changes(
    database: &Snapshot,
    bundles: &Snapshot,
    index: &RelationIndex<'_>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for ((schema, name), d, b) in pair(&database.relations, &bundles.relations, |r| {
        (r.schema.clone(), r.name.clone())
    }) {
        let object = index.object(&schema, &name);
        if let (Some(d), Some(b)) = (d, b) {
            let target = GrantTarget::Relation(d.kind, d.qualified());
            changes.extend(grant_changes(&object, &target, &d.grants, &b.grants));
        }
        let place = Place {
            kind: Kind::Relation,
            object,
            name: String::new(),
        };
        let mut change = change_of(
            place,
            (d, b),
            relation_summary,
            relation_attributes,
            Item::Relation,
        );
        if let Some(change) = &mut change {
            // A one-sided relation carries everything on it: say what.
            let contents = |text: &mut Option<String>, side: &Snapshot| {
                if let Some(text) = text {
                    text.push_str(&relation_contents(side, &schema, &name));
                }
            };
            if change.sign == Sign::OnlyInDatabase {
                contents(&mut change.database, database);
            } else if change.sign == Sign::OnlyInBundles {
                contents(&mut change.bundles, bundles);
            }
        }
        changes.extend(change);
    }
    changes
}

/// `; 5 columns, 2 constraints, 1 index` — what sits on `schema.name` in `snapshot`.
fn relation_contents(snapshot: &Snapshot, schema: &str, name: &str) -> String {
    let on = |s: &String, t: &String| s == schema && t == name;
    let counts = [
        (
            "column",
            snapshot
                .columns
                .iter()
                .filter(|c| on(&c.schema, &c.table))
                .count(),
        ),
        (
            "constraint",
            snapshot
                .constraints
                .iter()
                .filter(|c| on(&c.schema, &c.table))
                .count(),
        ),
        (
            "index",
            snapshot
                .indexes
                .iter()
                .filter(|i| on(&i.schema, &i.table))
                .count(),
        ),
        (
            "trigger",
            snapshot
                .triggers
                .iter()
                .filter(|t| on(&t.schema, &t.table))
                .count(),
        ),
        (
            "policy",
            snapshot
                .policies
                .iter()
                .filter(|p| on(&p.schema, &p.table))
                .count(),
        ),
    ];
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| match (*what, *n) {
            (what, 1) => format!("1 {what}"),
            ("index", n) => format!("{n} indexes"),
            ("policy", n) => format!("{n} policies"),
            (what, n) => format!("{n} {what}s"),
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join(", "))
    }
}

fn relation_attributes(d: &Relation, b: &Relation) -> Vec<Attribute> {
    let mut a = Attributes::new();
    a.check(
        "kind",
        relation_kind(d.kind).into(),
        relation_kind(b.kind).into(),
    )
    .check("owner", d.owner.clone(), b.owner.clone())
    .check("row level security", on_off(d.rls), on_off(b.rls))
    .check(
        "force row level security",
        on_off(d.force_rls),
        on_off(b.force_rls),
    )
    .check("unlogged", d.unlogged.to_string(), b.unlogged.to_string())
    .check("options", d.options.join(", "), b.options.join(", "))
    .check(
        "definition",
        or_none(&d.view_definition),
        or_none(&b.view_definition),
    )
    .check(
        "partition key",
        or_none(&d.partition_key),
        or_none(&b.partition_key),
    )
    .check(
        "partition bound",
        or_none(&d.partition_bound),
        or_none(&b.partition_bound),
    )
    .check("sequence", sequence_text(d), sequence_text(b))
    .check("comment", or_none(&d.comment), or_none(&b.comment));
    a.0
}

/// `text NOT NULL DEFAULT ''::text`, as in a column definition.
pub fn column_definition(c: &Column) -> String {
    let mut text = c.data_type.clone();
    if let Some(collation) = &c.collation {
        text.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(expression) = &c.generated {
        let storage = if c.generated_kind == Some('v') {
            "VIRTUAL"
        } else {
            "STORED"
        };
        text.push_str(&format!(" GENERATED ALWAYS AS ({expression}) {storage}"));
    }
    if let Some(identity) = &c.identity {
        text.push_str(&format!(" GENERATED {identity} AS IDENTITY"));
    }
    if c.not_null {
        text.push_str(" NOT NULL");
    }
    if let Some(default) = &c.default {
        text.push_str(&format!(" DEFAULT {default}"));
    }
    text
}

fn column_changes(
    database: &Snapshot,
    bundles: &Snapshot,
    index: &RelationIndex<'_>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for ((schema, table, name), d, b) in pair(&database.columns, &bundles.columns, |c| {
        (c.schema.clone(), c.table.clone(), c.name.clone())
    }) {
        if !index.compares_children_of(&schema, &table) {
            continue;
        }
        let object = index.object(&schema, &table);
        let label = format!("column {}", quote_ident(&name));
        if let (Some(d), Some(b)) = (d, b) {
            let target = GrantTarget::Column(qualified(&schema, &table), name.clone());
            changes.extend(
                grant_changes(&object, &target, &d.grants, &b.grants)
                    .into_iter()
                    .map(|mut c| {
                        c.name = format!("{} on {label}", c.name);
                        c
                    }),
            );
        }
        let place = Place {
            kind: Kind::Column,
            object,
            name: label,
        };
        changes.extend(change_of(
            place,
            (d, b),
            column_definition,
            column_attributes,
            Item::Column,
        ));
    }
    changes
}

fn column_attributes(d: &Column, b: &Column) -> Vec<Attribute> {
    let mut a = Attributes::new();
    a.check("type", d.data_type.clone(), b.data_type.clone())
        .check("not null", d.not_null.to_string(), b.not_null.to_string())
        .check("default", or_none(&d.default), or_none(&b.default))
        .check("generated", or_none(&d.generated), or_none(&b.generated))
        .check("identity", or_none(&d.identity), or_none(&b.identity))
        .check("collation", or_none(&d.collation), or_none(&b.collation))
        .check("comment", or_none(&d.comment), or_none(&b.comment));
    a.0
}

/// Whether `name` looks like one PostgreSQL chose itself for an object on `table`
/// (`<table>_<columns>_<suffix>[N]`), so only its definition matters.
pub fn is_generated_name(name: &str, table: &str, suffixes: &[&str]) -> bool {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let prefix: String = table.chars().take(8).collect();
    name.starts_with(&prefix)
        && suffixes
            .iter()
            .any(|suffix| stem.ends_with(&format!("_{suffix}")))
}

const CONSTRAINT_SUFFIXES: &[&str] = &["pkey", "key", "fkey", "check", "excl", "not_null"];
const INDEX_SUFFIXES: &[&str] = &["idx", "key", "pkey", "excl"];

/// Items of one table paired by definition first, then by name; returns (database, bundles)
/// pairs where at least one side is present and something differs.
fn pair_by_definition<'a, T>(
    database: Vec<&'a T>,
    bundles: Vec<&'a T>,
    definition: impl Fn(&T) -> String,
    name: impl Fn(&T) -> &str,
    names_matter: impl Fn(&T, &T) -> bool,
) -> Vec<(Option<&'a T>, Option<&'a T>)> {
    let mut out = Vec::new();
    let mut left_bundles: Vec<Option<&T>> = bundles.into_iter().map(Some).collect();
    let mut left_database = Vec::new();
    for d in database {
        let same = left_bundles
            .iter()
            .position(|b| b.is_some_and(|b| definition(b) == definition(d) && name(b) == name(d)))
            .or_else(|| {
                left_bundles
                    .iter()
                    .position(|b| b.is_some_and(|b| definition(b) == definition(d)))
            });
        match same {
            Some(i) => {
                let b = left_bundles[i].take().expect("position found a Some");
                if name(b) != name(d) && names_matter(d, b) {
                    out.push((Some(d), Some(b)));
                }
            }
            None => left_database.push(d),
        }
    }
    let mut left_bundles: Vec<&T> = left_bundles.into_iter().flatten().collect();
    for d in left_database {
        match left_bundles.iter().position(|b| name(b) == name(d)) {
            Some(i) => out.push((Some(d), Some(left_bundles.remove(i)))),
            None => out.push((Some(d), None)),
        }
    }
    out.extend(left_bundles.into_iter().map(|b| (None, Some(b))));
    out
}

/// A table's items on each side, keyed by `(schema, table)`.
type ByTable<'a, T> = BTreeMap<(String, String), (Vec<&'a T>, Vec<&'a T>)>;

/// Groups items by `(schema, table)` over both sides.
fn by_table<'a, T>(
    database: &'a [T],
    bundles: &'a [T],
    table: impl Fn(&T) -> (String, String),
) -> ByTable<'a, T> {
    let mut map: ByTable<'a, T> = BTreeMap::new();
    for item in database {
        map.entry(table(item)).or_default().0.push(item);
    }
    for item in bundles {
        map.entry(table(item)).or_default().1.push(item);
    }
    map
}

fn constraint_changes(
    database: &Snapshot,
    bundles: &Snapshot,
    index: &RelationIndex<'_>,
) -> Vec<Change> {
    let describe = |c: &Constraint| format!("CONSTRAINT {} {}", quote_ident(&c.name), c.definition);
    let differences = |d: &Constraint, b: &Constraint| {
        let mut a = Attributes::new();
        a.check("definition", d.definition.clone(), b.definition.clone())
            .check("name", d.name.clone(), b.name.clone());
        a.0
    };
    let mut changes = Vec::new();
    for ((schema, table), (d, b)) in by_table(&database.constraints, &bundles.constraints, |c| {
        (c.schema.clone(), c.table.clone())
    }) {
        if !index.compares_children_of(&schema, &table) {
            continue;
        }
        let explicit = |c: &Constraint| !is_generated_name(&c.name, &c.table, CONSTRAINT_SUFFIXES);
        let pairs = pair_by_definition(
            d,
            b,
            |c| format!("{} {}", c.kind, c.definition),
            |c| &c.name,
            |d, b| explicit(d) && explicit(b),
        );
        for (d, b) in pairs {
            let name = d.or(b).map(|c| c.name.clone()).unwrap_or_default();
            let place = Place {
                kind: Kind::Constraint,
                object: index.object(&schema, &table),
                name: format!("constraint {}", quote_ident(&name)),
            };
            changes.extend(change_of(
                place,
                (d, b),
                describe,
                differences,
                Item::Constraint,
            ));
        }
    }
    changes
}

fn index_definition(i: &Index) -> String {
    if i.valid {
        i.definition.clone()
    } else {
        format!("{} (INVALID)", i.definition)
    }
}

fn index_changes(
    database: &Snapshot,
    bundles: &Snapshot,
    relations: &RelationIndex<'_>,
) -> Vec<Change> {
    let differences = |d: &Index, b: &Index| {
        let mut a = Attributes::new();
        a.check("definition", d.unnamed_definition(), b.unnamed_definition())
            .check("name", d.name.clone(), b.name.clone())
            .check("valid", d.valid.to_string(), b.valid.to_string());
        a.0
    };
    let mut changes = Vec::new();
    for ((schema, table), (d, b)) in by_table(&database.indexes, &bundles.indexes, |i| {
        (i.schema.clone(), i.table.clone())
    }) {
        if !relations.compares_children_of(&schema, &table) {
            continue;
        }
        let explicit = |i: &Index| !is_generated_name(&i.name, &i.table, INDEX_SUFFIXES);
        let invalid = invalid_pairs(&d, &b);
        let pairs = pair_by_definition(
            d,
            b,
            Index::unnamed_definition,
            |i| &i.name,
            |d, b| explicit(d) && explicit(b),
        );
        for (d, b) in pairs.into_iter().chain(invalid) {
            let name = d.or(b).map(|i| i.name.clone()).unwrap_or_default();
            let place = Place {
                kind: Kind::Index,
                object: relations.object(&schema, &table),
                name: format!("index {}", quote_ident(&name)),
            };
            changes.extend(change_of(
                place,
                (d, b),
                index_definition,
                differences,
                Item::Index,
            ));
        }
    }
    changes
}

/// Indexes of one table equal in definition and name whose validity differs (a failed
/// concurrent build).
fn invalid_pairs<'a>(
    database: &[&'a Index],
    bundles: &[&'a Index],
) -> Vec<(Option<&'a Index>, Option<&'a Index>)> {
    database
        .iter()
        .filter_map(|d| {
            let b = bundles.iter().find(|b| b.name == d.name)?;
            (b.definition == d.definition && b.valid != d.valid).then_some((Some(*d), Some(*b)))
        })
        .collect()
}

/// `pg_get_triggerdef`, noting a trigger that is not plainly enabled.
fn trigger_definition(t: &Trigger) -> String {
    match t.enabled {
        'O' => t.definition.clone(),
        state => format!("{} ({})", t.definition, trigger_state(state)),
    }
}

/// What `tgenabled` means.
pub fn trigger_state(state: char) -> &'static str {
    match state {
        'D' => "disabled",
        'R' => "enabled on replica only",
        'A' => "enabled always",
        _ => "enabled",
    }
}

fn trigger_changes(
    database: &Snapshot,
    bundles: &Snapshot,
    index: &RelationIndex<'_>,
) -> Vec<Change> {
    let differences = |d: &Trigger, b: &Trigger| {
        let mut a = Attributes::new();
        a.check("definition", d.definition.clone(), b.definition.clone())
            .check(
                "enabled",
                trigger_state(d.enabled).into(),
                trigger_state(b.enabled).into(),
            );
        a.0
    };
    pair(&database.triggers, &bundles.triggers, |t| {
        (t.schema.clone(), t.table.clone(), t.name.clone())
    })
    .into_iter()
    .filter(|((schema, table, _), _, _)| index.compares_children_of(schema, table))
    .filter_map(|((schema, table, name), d, b)| {
        let place = Place {
            kind: Kind::Trigger,
            object: index.object(&schema, &table),
            name: format!("trigger {}", quote_ident(&name)),
        };
        change_of(
            place,
            (d, b),
            trigger_definition,
            differences,
            Item::Trigger,
        )
    })
    .collect()
}

/// `CREATE POLICY …` for a policy.
pub fn policy_definition(p: &Policy) -> String {
    let mut text = format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {}",
        quote_ident(&p.name),
        qualified(&p.schema, &p.table),
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        p.command,
        p.roles
            .iter()
            .map(|r| if r == "public" {
                "public".to_string()
            } else {
                quote_ident(r)
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(using) = &p.using {
        text.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = &p.with_check {
        text.push_str(&format!(" WITH CHECK ({check})"));
    }
    text
}

fn policy_changes(
    database: &Snapshot,
    bundles: &Snapshot,
    index: &RelationIndex<'_>,
) -> Vec<Change> {
    let differences = |d: &Policy, b: &Policy| {
        let kind = |p: &Policy| {
            if p.permissive {
                "permissive"
            } else {
                "restrictive"
            }
        };
        let mut a = Attributes::new();
        a.check("permissive", kind(d).into(), kind(b).into())
            .check("command", d.command.clone(), b.command.clone())
            .check("roles", d.roles.join(", "), b.roles.join(", "))
            .check("using", or_none(&d.using), or_none(&b.using))
            .check("with check", or_none(&d.with_check), or_none(&b.with_check));
        a.0
    };
    pair(&database.policies, &bundles.policies, |p| {
        (p.schema.clone(), p.table.clone(), p.name.clone())
    })
    .into_iter()
    .filter(|((schema, table, _), _, _)| index.compares_children_of(schema, table))
    .filter_map(|((schema, table, name), d, b)| {
        let place = Place {
            kind: Kind::Policy,
            object: index.object(&schema, &table),
            name: format!("policy {}", quote_ident(&name)),
        };
        change_of(place, (d, b), policy_definition, differences, Item::Policy)
    })
    .collect()
}

/// `function`, `procedure`, `aggregate` or `window function`.
pub fn function_kind(kind: char) -> &'static str {
    match kind {
        'p' => "procedure",
        'a' => "aggregate",
        'w' => "window function",
        _ => "function",
    }
}

/// The first 12 hex digits of the body's sha256 and its line count.
pub fn body_fingerprint(body: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(body.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hash} ({} lines)", body.lines().count())
}

fn volatility(v: char) -> String {
    match v {
        'i' => "IMMUTABLE",
        's' => "STABLE",
        _ => "VOLATILE",
    }
    .into()
}

fn parallel(p: char) -> String {
    match p {
        's' => "PARALLEL SAFE",
        'r' => "PARALLEL RESTRICTED",
        _ => "PARALLEL UNSAFE",
    }
    .into()
}

fn security(definer: bool) -> String {
    if definer {
        "SECURITY DEFINER"
    } else {
        "SECURITY INVOKER"
    }
    .into()
}

/// A one-line description of a function.
fn function_summary(f: &Function) -> String {
    let mut parts = vec![format!(
        "{} {}",
        function_kind(f.kind).to_uppercase(),
        f.signature()
    )];
    if !f.result.is_empty() {
        parts.push(format!("RETURNS {}", f.result));
    }
    parts.push(format!("LANGUAGE {}", f.language));
    parts.push(volatility(f.volatility));
    parts.push(security(f.security_definer));
    parts.extend(f.settings.iter().map(|s| format!("SET {s}")));
    parts.push(format!("OWNER {}", f.owner));
    parts.push(format!("body {}", body_fingerprint(&f.body)));
    parts.join(" ")
}

fn other_settings(f: &Function) -> String {
    f.settings
        .iter()
        .filter(|s| !s.starts_with("search_path="))
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

fn function_attributes(d: &Function, b: &Function) -> Vec<Attribute> {
    let mut a = Attributes::new();
    a.check(
        "kind",
        function_kind(d.kind).into(),
        function_kind(b.kind).into(),
    )
    .check("result", d.result.clone(), b.result.clone())
    .check("language", d.language.clone(), b.language.clone())
    .check("body", body_fingerprint(&d.body), body_fingerprint(&b.body))
    .check(
        "security",
        security(d.security_definer),
        security(b.security_definer),
    )
    .check(
        "search_path",
        d.search_path().unwrap_or("(not set)").into(),
        b.search_path().unwrap_or("(not set)").into(),
    )
    .check("settings", other_settings(d), other_settings(b))
    .check(
        "volatility",
        volatility(d.volatility),
        volatility(b.volatility),
    )
    .check("strict", d.strict.to_string(), b.strict.to_string())
    .check(
        "leakproof",
        d.leakproof.to_string(),
        b.leakproof.to_string(),
    )
    .check("parallel", parallel(d.parallel), parallel(b.parallel))
    .check("owner", d.owner.clone(), b.owner.clone())
    .check("comment", or_none(&d.comment), or_none(&b.comment));
    a.0
}

fn function_changes(database: &Snapshot, bundles: &Snapshot) -> Vec<Change> {
    let mut changes = Vec::new();
    for (_, d, b) in pair(&database.functions, &bundles.functions, |f| {
        (f.schema.clone(), f.name.clone(), f.arguments.clone())
    }) {
        let f = d.or(b).expect("a pair has at least one side");
        let object = format!("{} {}", function_kind(f.kind), f.signature());
        if let (Some(d), Some(b)) = (d, b) {
            let target = GrantTarget::Function(d.kind, d.signature());
            changes.extend(grant_changes(&object, &target, &d.grants, &b.grants));
        }
        let place = Place {
            kind: Kind::Function,
            object,
            name: String::new(),
        };
        changes.extend(change_of(
            place,
            (d, b),
            function_summary,
            function_attributes,
            Item::Function,
        ));
    }
    changes
}

/// `GRANT SELECT, INSERT ON TABLE public.events TO anon` for `privileges`.
pub fn grant_statement(target: &GrantTarget, grantee: &str, privileges: &[Grant]) -> String {
    let list = privileges
        .iter()
        .map(|g| {
            let text = target.privilege(&g.privilege);
            if g.grantable {
                format!("{text} (grantable)")
            } else {
                text
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "GRANT {list} ON {} TO {}",
        target.on_clause(),
        grantee_sql(grantee)
    )
}

/// A grantee as SQL: `PUBLIC` or a quoted role.
pub fn grantee_sql(grantee: &str) -> String {
    if grantee == "PUBLIC" {
        "PUBLIC".into()
    } else {
        quote_ident(grantee)
    }
}

/// Per grantee: privileges only in the database (`+`), only in the bundles (`-`), and held on
/// both sides with a different grant option (`~`).
fn grant_changes(
    object: &str,
    target: &GrantTarget,
    database: &[Grant],
    bundles: &[Grant],
) -> Vec<Change> {
    let grantees: BTreeSet<&String> = database.iter().chain(bundles).map(|g| &g.grantee).collect();
    let mut changes = Vec::new();
    for grantee in grantees {
        let of = |grants: &[Grant]| -> BTreeMap<String, Grant> {
            grants
                .iter()
                .filter(|g| &g.grantee == grantee)
                .map(|g| (g.privilege.clone(), g.clone()))
                .collect()
        };
        let (d, b) = (of(database), of(bundles));
        let only = |x: &BTreeMap<String, Grant>, y: &BTreeMap<String, Grant>| -> Vec<Grant> {
            x.iter()
                .filter(|(p, _)| !y.contains_key(*p))
                .map(|(_, g)| g.clone())
                .collect()
        };
        let regranted: Vec<(Grant, Grant)> = d
            .iter()
            .filter_map(|(p, g)| {
                b.get(p)
                    .filter(|o| o.grantable != g.grantable)
                    .map(|o| (g.clone(), o.clone()))
            })
            .collect();
        let grant = |sign: Sign, privileges: Vec<Grant>, bundles_side: Option<Vec<Grant>>| {
            let statement = grant_statement(target, grantee, &privileges);
            Change {
                sign,
                kind: Kind::Grant,
                object: object.to_string(),
                name: format!("grant to {}", grantee_sql(grantee)),
                database: (sign != Sign::OnlyInBundles).then(|| statement.clone()),
                bundles: match (&bundles_side, sign) {
                    (Some(other), _) => Some(grant_statement(target, grantee, other)),
                    (None, Sign::OnlyInBundles) => Some(statement.clone()),
                    _ => None,
                },
                attributes: Vec::new(),
                item: Item::Grant(GrantChange {
                    target: target.clone(),
                    grantee: grantee.clone(),
                    privileges,
                }),
            }
        };
        let added = only(&d, &b);
        if !added.is_empty() {
            changes.push(grant(Sign::OnlyInDatabase, added, None));
        }
        let removed = only(&b, &d);
        if !removed.is_empty() {
            changes.push(grant(Sign::OnlyInBundles, removed, None));
        }
        if !regranted.is_empty() {
            let (db_side, bundle_side): (Vec<Grant>, Vec<Grant>) = regranted.into_iter().unzip();
            changes.push(grant(Sign::Changed, db_side, Some(bundle_side)));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint(name: &str, definition: &str) -> Constraint {
        Constraint {
            schema: "public".into(),
            table: "events".into(),
            name: name.into(),
            kind: 'c',
            definition: definition.into(),
        }
    }

    fn snapshot_with(constraints: Vec<Constraint>) -> Snapshot {
        Snapshot {
            constraints,
            ..Snapshot::default()
        }
    }

    #[test]
    fn generated_names_are_recognised() {
        assert!(is_generated_name(
            "events_capacity_check",
            "events",
            CONSTRAINT_SUFFIXES
        ));
        assert!(is_generated_name(
            "events_capacity_check1",
            "events",
            CONSTRAINT_SUFFIXES
        ));
        assert!(is_generated_name(
            "events_slug_idx",
            "events",
            INDEX_SUFFIXES
        ));
        assert!(!is_generated_name(
            "capacity_positive",
            "events",
            CONSTRAINT_SUFFIXES
        ));
        assert!(!is_generated_name(
            "idx_events_slug",
            "events",
            INDEX_SUFFIXES
        ));
    }

    #[test]
    fn constraints_pair_by_definition_then_name() {
        let database = snapshot_with(vec![
            constraint("events_capacity_check1", "CHECK (capacity > 0)"),
            constraint("end_after_start", "CHECK (end_at > start_at)"),
        ]);
        let bundles = snapshot_with(vec![
            constraint("events_capacity_check", "CHECK (capacity > 0)"),
            constraint("end_after_start", "CHECK (end_at >= start_at)"),
        ]);
        let changes = compare(&database, &bundles);
        assert_eq!(changes.len(), 1, "{changes:#?}");
        assert_eq!(changes[0].sign, Sign::Changed);
        assert_eq!(changes[0].name, "constraint end_after_start");
        assert_eq!(changes[0].attributes[0].name, "definition");
    }

    #[test]
    fn an_explicit_rename_is_a_change() {
        let database = snapshot_with(vec![constraint(
            "capacity_positive",
            "CHECK (capacity > 0)",
        )]);
        let bundles = snapshot_with(vec![constraint("capacity_ok", "CHECK (capacity > 0)")]);
        let changes = compare(&database, &bundles);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].attributes[0].name, "name");
    }

    #[test]
    fn grants_are_one_change_per_grantee_and_side() {
        let g = |grantee: &str, privilege: &str, grantable: bool| Grant {
            grantee: grantee.into(),
            privilege: privilege.into(),
            grantable,
        };
        let target = GrantTarget::Relation('r', "public.events".into());
        let changes = grant_changes(
            "table public.events",
            &target,
            &[
                g("anon", "SELECT", false),
                g("anon", "INSERT", false),
                g("anon", "UPDATE", false),
            ],
            &[
                g("anon", "SELECT", true),
                g("authenticated", "SELECT", false),
            ],
        );
        let summary: Vec<(Sign, String)> = changes
            .iter()
            .map(|c| (c.sign, c.database.clone().or(c.bundles.clone()).unwrap()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    Sign::OnlyInDatabase,
                    "GRANT INSERT, UPDATE ON TABLE public.events TO anon".into()
                ),
                (
                    Sign::Changed,
                    "GRANT SELECT ON TABLE public.events TO anon".into()
                ),
                (
                    Sign::OnlyInBundles,
                    "GRANT SELECT ON TABLE public.events TO authenticated".into()
                ),
            ]
        );
    }
}
