//! The final-state semantics, statement shape by statement shape.

use super::*;

pub(crate) fn symbols_of(sql: &str) -> Symbols {
    let mut symbols = Symbols::new(None);
    for (i, raw) in pg_query::parse(sql, 0)
        .unwrap()
        .protobuf
        .stmts
        .into_iter()
        .enumerate()
    {
        let site = Site {
            file: Arc::from(Path::new("t.sql")),
            span: i..i + 1,
            file_index: 0,
        };
        symbols.apply(raw.stmt.unwrap().node.as_ref().unwrap(), &site);
    }
    symbols
}

fn name(schema: &str, relation: &str) -> QualName {
    (schema.into(), relation.into())
}

#[test]
fn records_tables_partitions_rls_and_indexes() {
    let s = symbols_of(
        "CREATE TABLE app.m (id int, at date) PARTITION BY RANGE (at);
         CREATE TABLE t (id int PRIMARY KEY, m int REFERENCES app.m);
         ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;
         CREATE UNIQUE INDEX ON t (m);",
    );
    assert!(s.is_partitioned(&name("app", "m")));
    assert!(!s.is_partitioned(&name("public", "t")));
    assert!(s.tables[&name("public", "t")].rls_enabled);
    assert_eq!(s.indexes.len(), 2);
    assert_eq!(s.foreign_keys.iter().next().unwrap().1.columns, vec!["m"]);
}

#[test]
fn if_not_exists_on_an_existing_table_changes_nothing() {
    let s = symbols_of(
        "CREATE TABLE t (id int);
         ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE TABLE IF NOT EXISTS t (id int, extra text);
         CREATE TABLE t (id int);",
    );
    let t = &s.tables[&name("public", "t")];
    assert!(t.rls_enabled, "the no-op CREATE kept RLS");
    assert_eq!(t.site.span, 0..1, "still the first CREATE");
}

#[test]
fn rls_remembers_the_statement_that_set_it() {
    let s = symbols_of(
        "CREATE TABLE t (id int);
         ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         ALTER TABLE t DISABLE ROW LEVEL SECURITY;
         ALTER TABLE t DISABLE ROW LEVEL SECURITY;",
    );
    let t = &s.tables[&name("public", "t")];
    assert!(!t.rls_enabled);
    assert_eq!(t.rls_site.span, 2..3, "the DISABLE that changed it");
}

#[test]
fn renames_and_set_schema_move_tables_with_their_policies_and_indexes() {
    let s = symbols_of(
        "CREATE TABLE private.t (id int PRIMARY KEY, u int REFERENCES x);
         CREATE POLICY p ON private.t USING (true);
         ALTER TABLE private.t RENAME TO u;
         ALTER TABLE private.u SET SCHEMA api;",
    );
    assert!(s.tables.contains_key(&name("api", "u")));
    assert_eq!(s.tables.len(), 1);
    assert_eq!(
        s.tables[&name("api", "u")].moved.as_ref().unwrap().span,
        3..4
    );
    assert_eq!(*s.policies.iter().next().unwrap().0, name("api", "u"));
    assert_eq!(*s.indexes.iter().next().unwrap().0, name("api", "u"));
    assert_eq!(*s.foreign_keys.iter().next().unwrap().0, name("api", "u"));
}

#[test]
fn index_names_follow_moves_renames_and_drops() {
    let s = symbols_of(
        "CREATE TABLE private.t (id int CONSTRAINT t_pk PRIMARY KEY, a int, b int);
         CREATE INDEX t_a ON private.t (a);
         CREATE INDEX t_b ON private.t (b);
         ALTER TABLE private.t SET SCHEMA api;
         ALTER INDEX api.t_a RENAME TO t_a2;
         ALTER TABLE api.t DROP COLUMN b;
         ALTER TABLE api.t RENAME CONSTRAINT t_pk TO t_key;",
    );
    let table = Some(name("api", "t"));
    assert_eq!(s.index_table(Some("api"), "t_a2"), table);
    assert_eq!(s.index_table(Some("api"), "t_key"), table);
    for gone in ["t_a", "t_b", "t_pk"] {
        assert_eq!(s.index_table(Some("api"), gone), None, "{gone}");
        assert_eq!(s.index_table(Some("private"), gone), None, "{gone}");
    }
    assert!(s.relation_exists(&name("api", "t_a2")));
    let s = symbols_of(
        "CREATE TABLE t (id int PRIMARY KEY);
         CREATE INDEX t_i ON t (id);
         CREATE POLICY p ON t USING (true);
         DROP INDEX t_i;
         DROP POLICY p ON t;
         CREATE TABLE u (id int);
         CREATE INDEX u_i ON u (id);
         DROP TABLE u;",
    );
    assert!(!s.relation_exists(&name("public", "t_i")));
    assert!(!s.relation_exists(&name("public", "u_i")));
    assert!(s.policies.is_empty());
    assert_eq!(s.indexes.len(), 1, "the primary key's");
}

#[test]
fn unqualified_function_names_follow_drops_renames_and_moves() {
    let defined = |sql: &str, function: &str| {
        symbols_of(sql).function(&name("public", function), false) == FunctionLookup::Defined
    };
    let two = "CREATE FUNCTION a.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
               CREATE FUNCTION b.f() RETURNS int LANGUAGE sql AS 'SELECT 1';";
    assert!(defined(two, "f"));
    assert!(defined(&format!("{two} DROP FUNCTION a.f();"), "f"));
    assert!(!defined(
        &format!("{two} DROP FUNCTION a.f(); DROP FUNCTION b.f;"),
        "f"
    ));
    let renamed =
        format!("{two} ALTER FUNCTION a.f() RENAME TO g; ALTER FUNCTION b.f RENAME TO g;");
    assert!(!defined(&renamed, "f"));
    assert!(defined(&renamed, "g"));
    let moved = format!("{two} ALTER FUNCTION a.f() SET SCHEMA c; DROP SCHEMA b CASCADE;");
    assert!(defined(&moved, "f"));
    assert!(!defined(&format!("{moved} DROP SCHEMA c CASCADE;"), "f"));
    assert!(defined(
        &format!("{two} ALTER SCHEMA a RENAME TO z; DROP FUNCTION b.f;"),
        "f"
    ));
}

#[test]
fn the_views_reading_a_relation_follow_renames_replacements_and_drops() {
    let base = "CREATE TABLE t (id int); CREATE TABLE w (id int);
                CREATE VIEW v AS SELECT id FROM t;
                CREATE MATERIALIZED VIEW m AS SELECT id FROM v;
                ALTER TABLE t RENAME TO u; ALTER VIEW v RENAME TO v2;";
    let s = symbols_of(&format!("{base} DROP TABLE u;"));
    assert!(
        s.tables.contains_key(&name("public", "u")),
        "refused: v2 reads it"
    );
    let s = symbols_of(&format!("{base} DROP TABLE u CASCADE;"));
    assert!(
        s.views.is_empty(),
        "v2, and m through it: {:?}",
        s.views.keys()
    );
    let s = symbols_of(&format!(
        "{base} CREATE OR REPLACE VIEW v2 AS SELECT id FROM w; DROP TABLE u; DROP TABLE w CASCADE;"
    ));
    assert!(!s.relation_exists(&name("public", "u")));
    assert!(s.views.is_empty(), "{:?}", s.views.keys());
}

#[test]
fn schema_renames_move_everything_inside() {
    let s = symbols_of(
        "CREATE SCHEMA a; CREATE TABLE a.t (id int); CREATE VIEW a.v AS SELECT 1;
         CREATE FUNCTION a.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
         ALTER SCHEMA a RENAME TO b;",
    );
    assert!(s.tables.contains_key(&name("b", "t")));
    assert!(s.views.contains_key(&name("b", "v")));
    assert!(s.functions.contains_key(&name("b", "f")));
    assert!(s.schemas.contains_key("b") && !s.schemas.contains_key("a"));
}

#[test]
fn drops_remove_objects_and_cascade_takes_dependent_views() {
    let s = symbols_of(
        "CREATE TABLE t (id int); CREATE VIEW v AS SELECT id FROM t; CREATE POLICY p ON t USING (true);
         DROP TABLE t;
         CREATE TABLE u (id int); CREATE VIEW w AS SELECT id FROM u;
         DROP TABLE u CASCADE;
         DROP TABLE IF EXISTS nothing;",
    );
    assert!(
        s.tables.contains_key(&name("public", "t")),
        "views depend on t: refused"
    );
    assert!(s.views.contains_key(&name("public", "v")));
    assert!(!s.tables.contains_key(&name("public", "u")));
    assert!(!s.views.contains_key(&name("public", "w")));
}

#[test]
fn drop_policy_if_exists_then_create_is_one_policy() {
    let s = symbols_of(
        "CREATE TABLE t (id int);
         DROP POLICY IF EXISTS p ON t; CREATE POLICY p ON t USING (true);
         DROP POLICY IF EXISTS p ON t; CREATE POLICY p ON t USING (false);
         CREATE POLICY p ON t USING (true);",
    );
    assert_eq!(s.policies.len(), 1);
    assert_eq!(s.policies.iter().next().unwrap().1.site.span, 4..5);
}

#[test]
fn temporary_tables_live_in_pg_temp_and_shadow_unqualified_names() {
    let s = symbols_of(
        "CREATE TABLE t (id int);
         CREATE TEMP TABLE t (id int);
         ALTER TABLE t ENABLE ROW LEVEL SECURITY;",
    );
    assert!(s.tables[&name(TEMP_SCHEMA, "t")].temporary);
    assert!(s.tables[&name(TEMP_SCHEMA, "t")].rls_enabled);
    assert!(!s.tables[&name("public", "t")].rls_enabled);
}

#[test]
fn search_path_decides_where_unqualified_objects_go() {
    let s = symbols_of(
        "SET search_path = app, public;
         CREATE TABLE t (id int);
         SELECT pg_catalog.set_config('search_path', 'billing', false);
         CREATE TABLE u (id int);
         RESET search_path;
         CREATE TABLE v (id int);",
    );
    assert!(s.tables.contains_key(&name("app", "t")));
    assert!(s.tables.contains_key(&name("billing", "u")));
    assert!(s.tables.contains_key(&name("public", "v")));
}

#[test]
fn views_record_security_invoker_from_create_alter_and_replace() {
    let s = symbols_of(
        "CREATE VIEW a WITH (security_invoker = true) AS SELECT 1;
         CREATE VIEW b AS SELECT 1; CREATE VIEW c AS SELECT 1;
         ALTER VIEW c SET (security_invoker = on);
         CREATE VIEW d WITH (security_invoker) AS SELECT 1;
         CREATE OR REPLACE VIEW d AS SELECT 2;
         CREATE VIEW e WITH (security_invoker = yes) AS SELECT 1;
         ALTER VIEW e RESET (security_invoker);
         CREATE VIEW f WITH (security_invoker = true) AS SELECT 1;
         CREATE VIEW f AS SELECT 1;",
    );
    let invoker = |n: &str| s.views[&name("public", n)].security_invoker;
    assert!(invoker("a") && !invoker("b") && invoker("c"));
    assert!(
        !invoker("d"),
        "OR REPLACE replaces the options with its own (none)"
    );
    assert!(!invoker("e"), "RESET");
    assert!(
        invoker("f"),
        "a plain CREATE of an existing view is refused"
    );
    assert_eq!(s.views[&name("public", "d")].invoker_site.span, 5..6);
}

#[test]
fn functions_follow_or_replace_alter_rename_set_schema_and_drop() {
    let s = symbols_of(
        "CREATE FUNCTION a(int) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
         ALTER FUNCTION a(integer) SET search_path = '';
         CREATE FUNCTION b() RETURNS int LANGUAGE sql AS 'SELECT 1';
         ALTER FUNCTION b SECURITY DEFINER;
         CREATE FUNCTION c() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS 'SELECT 1';
         CREATE OR REPLACE FUNCTION c() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
         CREATE FUNCTION d() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS 'SELECT 1';
         ALTER FUNCTION d() RESET ALL;
         CREATE FUNCTION e(text) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
         ALTER FUNCTION e(text) RENAME TO e2;
         ALTER FUNCTION e2(text) SET SCHEMA private;
         CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
         DROP FUNCTION f();
         CREATE FUNCTION g(int) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
         ALTER FUNCTION g(int) SECURITY INVOKER;",
    );
    let unsafe_at = |schema: &str, n: &str| {
        s.functions[&name(schema, n)]
            .iter()
            .find(|f| f.definer_without_search_path())
            .map(|f| f.config_site.span.start)
    };
    assert_eq!(unsafe_at("public", "a"), None);
    assert_eq!(
        unsafe_at("public", "b"),
        Some(3),
        "the ALTER made it definer"
    );
    assert_eq!(
        unsafe_at("public", "c"),
        Some(5),
        "OR REPLACE dropped the SET"
    );
    assert_eq!(unsafe_at("public", "d"), Some(7), "RESET ALL");
    assert_eq!(unsafe_at("private", "e2"), Some(8));
    assert!(!s.functions.contains_key(&name("public", "f")));
    assert_eq!(unsafe_at("public", "g"), None);
}

#[test]
fn overloads_are_told_apart_by_input_types() {
    let s = symbols_of(
        "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
         CREATE FUNCTION f(text, OUT r int) LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
         ALTER FUNCTION f(text) SET search_path = pg_catalog;",
    );
    let overloads = &s.functions[&name("public", "f")];
    assert_eq!(overloads.len(), 2);
    assert!(overloads[0].definer_without_search_path());
    assert!(!overloads[1].definer_without_search_path());
}

#[test]
fn functions_from_extensions_the_platform_and_unknown_schemas() {
    let s = symbols_of(
        "CREATE SCHEMA app;
         CREATE EXTENSION IF NOT EXISTS moddatetime SCHEMA extensions;
         CREATE EXTENSION something_else WITH SCHEMA tools;",
    );
    let lookup = |schema: &str, n: &str, qualified: bool| s.function(&name(schema, n), qualified);
    assert_eq!(
        lookup("extensions", "moddatetime", true),
        FunctionLookup::Defined
    );
    assert_eq!(
        lookup("public", "moddatetime", false),
        FunctionLookup::Defined
    );
    assert_eq!(
        lookup("supabase_functions", "http_request", true),
        FunctionLookup::Defined
    );
    assert_eq!(lookup("tools", "anything", true), FunctionLookup::Unknown);
    assert_eq!(
        lookup("vendor", "touch", true),
        FunctionLookup::UnknownSchema,
        "a schema never created"
    );
    assert_eq!(lookup("app", "touch", true), FunctionLookup::Undefined);
    assert_eq!(lookup("public", "touch", true), FunctionLookup::Undefined);
}

#[test]
fn constraints_and_columns_drop_with_their_indexes_and_keys() {
    let s = symbols_of(
        "CREATE TABLE t (id int, a int CONSTRAINT t_a_fkey REFERENCES x, b int);
         ALTER TABLE t ADD CONSTRAINT t_b_key UNIQUE (b);
         ALTER TABLE t ADD COLUMN c int REFERENCES y;
         ALTER TABLE t DROP CONSTRAINT t_a_fkey;
         ALTER TABLE t DROP CONSTRAINT IF EXISTS t_b_key;
         ALTER TABLE t DROP COLUMN c;",
    );
    assert!(s.foreign_keys.is_empty(), "{:?}", s.foreign_keys);
    assert!(s.indexes.is_empty(), "{:?}", s.indexes);
}

#[test]
fn index_if_not_exists_and_rename() {
    let s = symbols_of(
        "CREATE TABLE t (a int);
         CREATE INDEX i ON t (a);
         CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a);
         ALTER INDEX i RENAME TO j;
         DROP INDEX j;",
    );
    assert!(s.indexes.is_empty(), "{:?}", s.indexes);
}

#[test]
fn with_a_live_catalog_the_catalog_decides_unknown_schemas() {
    let catalog = Catalog {
        functions: [name("vendor", "stamp")].into_iter().collect(),
        ..Catalog::default()
    };
    let s = Symbols::new(Some(catalog));
    assert_eq!(
        s.function(&name("vendor", "stamp"), true),
        FunctionLookup::Defined
    );
    assert_eq!(
        s.function(&name("vendor", "touch"), true),
        FunctionLookup::Undefined
    );
    assert_eq!(
        s.function(&name("public", "stamp"), false),
        FunctionLookup::Defined
    );
}
