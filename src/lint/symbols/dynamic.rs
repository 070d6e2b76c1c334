//! Templates of `DO` blocks' `EXECUTE format(…)` ([`crate::lint::units::dynamic`]), applied to
//! the objects they can stand for when the block runs.
//!
//! `FOREACH t IN ARRAY ARRAY['users', 'orders'] LOOP EXECUTE format('ALTER TABLE public.%I
//! ENABLE ROW LEVEL SECURITY', t)` enables RLS on `public.users` and `public.orders`; a loop over
//! `pg_tables` or `pg_proc` (`EXECUTE format('ALTER FUNCTION %s SET search_path = …', sig)`)
//! changes every table or function of the schema its query keeps that exists then. The loop's
//! query is not evaluated, so a template is applied conservatively — it may clear a finding,
//! never make one:
//!
//! - only what makes an object safer: `ENABLE`/`FORCE ROW LEVEL SECURITY`,
//!   `SET (security_invoker = true)`, `SET search_path`, `SECURITY INVOKER`;
//! - to the objects a string constant of the block names (`'users'`, `'public.users'`,
//!   `'public.f(integer)'`) when it names any;
//! - else, when the block reads the catalog of such objects, to every one of the schema the
//!   template or a constant names (`schemaname = 'public'`), narrowed to a constant's pattern
//!   when the block filters with `LIKE`/`ILIKE`;
//! - to nothing when the block filters by exclusion (`NOT IN`, `<>`, `~`, …), since then its
//!   constants may name exactly the objects it leaves alone.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterFunctionStmt, AlterTableStmt, AlterTableType, Node, RangeVar};

use super::apply::{
    SECURITY_INVOKER, alter_overload, security_definer, sets_search_path, signature_of_types,
};
use super::reloptions::bool_option;
use super::{QualName, Site, Symbols, string_list};
use crate::lint::units::dynamic::{Block, DYNAMIC_NAME};

/// Catalog relations a loop over tables or views reads.
const RELATION_CATALOGS: &[&str] = &[
    "pg_tables",
    "pg_class",
    "pg_views",
    "pg_matviews",
    "pg_stat_user_tables",
];

impl Symbols {
    /// Applies the template `node` of the `DO` block `block` to the objects it stands for.
    pub fn apply_dynamic(&mut self, node: &NodeEnum, block: &Block, site: &Site) {
        match node {
            NodeEnum::AlterTableStmt(stmt) => self.dynamic_alter_table(stmt, block, site),
            NodeEnum::AlterFunctionStmt(stmt) => self.dynamic_alter_function(stmt, block, site),
            _ => {}
        }
    }

    fn dynamic_alter_table(&mut self, stmt: &AlterTableStmt, block: &Block, site: &Site) {
        let Some(rel) = &stmt.relation else { return };
        let mut safer = stmt.clone();
        safer.cmds.retain(makes_relation_safer);
        if safer.cmds.is_empty() {
            return;
        }
        let pattern = (rel.schemaname.as_str(), rel.relname.as_str());
        if !varies(pattern) {
            return self.alter_table(&safer, site);
        }
        let reads_catalog = RELATION_CATALOGS.iter().any(|c| block.words.contains(*c))
            || information_schema(block, &["tables", "views"]);
        let candidates: Vec<QualName> = self
            .tables
            .keys()
            .chain(self.views.keys())
            .cloned()
            .collect();
        let resolve = |name: &str| {
            self.relation(&RangeVar {
                relname: name.to_string(),
                inh: true,
                relpersistence: "p".into(),
                ..RangeVar::default()
            })
        };
        let visited = visits(&candidates, pattern, block, reads_catalog, resolve);
        for ((schema, name), _) in visited {
            let mut concrete = safer.clone();
            if let Some(rel) = concrete.relation.as_mut() {
                rel.schemaname = schema.to_string();
                rel.relname = name.to_string();
            }
            self.alter_table(&concrete, site);
        }
    }

    fn dynamic_alter_function(&mut self, stmt: &AlterFunctionStmt, block: &Block, site: &Site) {
        let Some(func) = &stmt.func else { return };
        let mut safer = stmt.clone();
        safer.actions.retain(makes_function_safer);
        if safer.actions.is_empty() {
            return;
        }
        let parts = string_list(&func.objname);
        let pattern = match parts.as_slice() {
            [name] => ("", name.as_str()),
            [.., schema, name] => (schema.as_str(), name.as_str()),
            [] => return,
        };
        if !varies(pattern) {
            return self.apply(&NodeEnum::AlterFunctionStmt(safer), site);
        }
        let reads_catalog =
            block.words.contains("pg_proc") || information_schema(block, &["routines"]);
        let candidates: Vec<QualName> = self.functions.keys().cloned().collect();
        let resolve = |name: &str| {
            let names = [Node {
                node: Some(NodeEnum::String(pg_query::protobuf::String {
                    sval: name.to_string(),
                })),
            }];
            self.function_name(&names, true).unwrap_or_default()
        };
        let visited = visits(&candidates, pattern, block, reads_catalog, resolve);
        for (function, constant) in visited {
            // A name without arguments stands for its overloads (`proname IN ('f')`).
            let signature = constant.and_then(signature_in);
            let overloads = self.functions.get_mut(&function).into_iter().flatten();
            for overload in overloads {
                if signature.as_ref().is_none_or(|s| *s == overload.signature) {
                    alter_overload(overload, &safer.actions, site);
                }
            }
        }
    }
}

/// Whether a pattern part is a name known only when the template runs.
fn varies((schema, name): (&str, &str)) -> bool {
    schema == DYNAMIC_NAME || name == DYNAMIC_NAME
}

/// `ENABLE`/`FORCE ROW LEVEL SECURITY`, `SET (security_invoker = true)`.
fn makes_relation_safer(cmd: &Node) -> bool {
    let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
        return false;
    };
    match AlterTableType::try_from(cmd.subtype) {
        Ok(AlterTableType::AtEnableRowSecurity | AlterTableType::AtForceRowSecurity) => true,
        Ok(AlterTableType::AtSetRelOptions) => match cmd.def.as_ref().and_then(|d| d.node.as_ref())
        {
            Some(NodeEnum::List(list)) => bool_option(&list.items, SECURITY_INVOKER) == Some(true),
            _ => false,
        },
        _ => false,
    }
}

/// `SET search_path …`, `SECURITY INVOKER`.
fn makes_function_safer(action: &Node) -> bool {
    sets_search_path(action) || security_definer(std::slice::from_ref(action)) == Some(false)
}

/// Whether the block reads `information_schema` and one of its `views`.
fn information_schema(block: &Block, views: &[&str]) -> bool {
    block.words.contains("information_schema") && views.iter().any(|v| block.words.contains(*v))
}

/// The input signature a constant like `public.f(integer, text)` names, if it has one.
fn signature_in(constant: &str) -> Option<String> {
    if !constant.contains('(') {
        return None;
    }
    let parsed = crate::sql::parse(&format!("ALTER FUNCTION {constant} STABLE")).ok()?;
    let stmt = parsed.stmts.first()?.stmt.as_ref()?.node.as_ref()?;
    let NodeEnum::AlterFunctionStmt(stmt) = stmt else {
        return None;
    };
    Some(signature_of_types(&stmt.func.as_ref()?.objargs))
}

/// The objects among `candidates` that a template `(schema, name)` of `block` changes, each
/// with the constant that names it (none when it is visited as one of a catalog query's).
fn visits<'b>(
    candidates: &[QualName],
    (schema, name): (&str, &str),
    block: &'b Block,
    reads_catalog: bool,
    resolve: impl Fn(&str) -> QualName,
) -> Vec<(QualName, Option<&'b str>)> {
    if block.excludes {
        return Vec::new();
    }
    let fits = |part: &str, value: &str| part == DYNAMIC_NAME || part == value;
    let matching = candidates
        .iter()
        .filter(|c| (schema.is_empty() || fits(schema, &c.0)) && fits(name, &c.1));
    let named_schema = |c: &QualName| block.constants.iter().any(|k| *k == c.0);
    let listed: Vec<(QualName, Option<&str>)> = matching
        .clone()
        .filter_map(|c| {
            let constant = block.constants.iter().find(|k| {
                let bare = k.split('(').next().unwrap_or(k).trim();
                bare == format!("{}.{}", c.0, c.1)
                    || bare == c.1
                        && match schema {
                            "" => resolve(&c.1) == *c,
                            DYNAMIC_NAME => named_schema(c),
                            _ => true,
                        }
            })?;
            Some((c.clone(), Some(constant.as_str())))
        })
        .collect();
    if !listed.is_empty() || !reads_catalog {
        return listed;
    }
    let (like, ilike) = (block.words.contains("like"), block.words.contains("ilike"));
    matching
        .filter(|c| (!schema.is_empty() && schema != DYNAMIC_NAME) || named_schema(c))
        .filter(|c| {
            !(like || ilike)
                || block
                    .constants
                    .iter()
                    .any(|k| like_match(k, &c.1, ilike && !like))
        })
        .map(|c| (c.clone(), None))
        .collect()
}

/// Whether `text` matches the SQL `LIKE` pattern `pattern` (`%`, `_`, `\` escapes).
fn like_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let fold = |s: &str| {
        if case_insensitive {
            s.to_lowercase().chars().collect::<Vec<_>>()
        } else {
            s.chars().collect()
        }
    };
    let (pattern, text) = (fold(pattern), fold(text));
    matches(&pattern, &text)
}

fn matches(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('%', rest)) => (0..=text.len()).any(|skip| matches(rest, &text[skip..])),
        Some(('_', rest)) => !text.is_empty() && matches(rest, &text[1..]),
        Some(('\\', [escaped, rest @ ..])) => {
            text.first() == Some(escaped) && matches(rest, &text[1..])
        }
        Some((c, rest)) => text.first() == Some(c) && matches(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::like_match;
    use crate::lint::tests::lines;

    /// `CREATE TABLE` of each name, one a line.
    fn tables(names: &[&str]) -> String {
        names
            .iter()
            .map(|n| format!("CREATE TABLE {n} (id int);\n"))
            .collect()
    }

    #[test]
    fn a_loop_over_a_list_enables_rls_on_the_tables_it_names() {
        let sql = tables(&["a", "b", "c"])
            + "DO $$ DECLARE t text; BEGIN\n  FOREACH t IN ARRAY ARRAY['a', 'b'] LOOP\n    \
               EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);\n  END LOOP;\nEND $$;";
        assert_eq!(lines(&sql, "rls-disabled"), vec![3]);
    }

    #[test]
    fn a_list_of_qualified_names_needs_no_schema_in_the_template() {
        let sql = tables(&["a", "private.a", "b"])
            + "DO $$ DECLARE t text; BEGIN\n  FOREACH t IN ARRAY ARRAY['public.a', 'b'] LOOP\n    \
               EXECUTE 'ALTER TABLE ' || t || ' ENABLE ROW LEVEL SECURITY';\n  END LOOP;\nEND $$;";
        assert!(lines(&sql, "rls-disabled").is_empty());
    }

    #[test]
    fn a_loop_over_the_catalog_enables_rls_on_every_table_of_the_schema() {
        let sql = "CREATE TABLE a (id int);\nCREATE TABLE private.b (id int);\n\
                   DO $$ DECLARE r record; BEGIN\n  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP\n    \
                   EXECUTE 'ALTER TABLE public.' || quote_ident(r.tablename) || ' ENABLE ROW LEVEL SECURITY';\n  END LOOP;\nEND $$;\n\
                   CREATE TABLE d (id int);";
        assert_eq!(lines(sql, "rls-disabled"), vec![8]);
    }

    #[test]
    fn a_catalog_loop_keeps_the_schema_its_query_names() {
        let sql = "CREATE SCHEMA api;\nCREATE TABLE a (id int);\nCREATE TABLE api.b (id int);\n\
                   DO $$ DECLARE r record; BEGIN\n  FOR r IN SELECT schemaname, tablename FROM pg_tables WHERE schemaname = 'api' LOOP\n    \
                   EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', r.schemaname, r.tablename);\n  END LOOP;\nEND $$;";
        assert_eq!(lines(sql, "rls-disabled"), vec![2]);
    }

    #[test]
    fn a_loop_over_something_else_than_the_catalog_clears_nothing() {
        let sql = tables(&["a"])
            + "DO $$ DECLARE r record; BEGIN\n  FOR r IN SELECT name FROM app_settings LOOP\n    \
               EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', r.name);\n  END LOOP;\nEND $$;\n\
               DO $$ DECLARE r record; BEGIN\n  FOR r IN SELECT tablename FROM pg_tables LOOP\n    \
               EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', r.tablename);\n  END LOOP;\nEND $$;";
        assert_eq!(lines(&sql, "rls-disabled"), vec![1]);
    }

    #[test]
    fn a_loop_that_excludes_names_clears_nothing() {
        for filter in [
            "tablename NOT IN ('b')",
            "tablename <> 'b'",
            "tablename !~ '^b'",
        ] {
            let sql = tables(&["a", "b"])
                + &format!(
                    "DO $$ DECLARE r record; BEGIN\n  FOR r IN SELECT tablename FROM pg_tables \
                     WHERE schemaname = 'public' AND {filter} LOOP\n    \
                     EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', r.tablename);\n  \
                     END LOOP;\nEND $$;"
                );
            assert_eq!(lines(&sql, "rls-disabled"), vec![1, 2], "{filter}");
        }
    }

    #[test]
    fn a_like_filter_keeps_the_names_it_matches() {
        let sql = "CREATE VIEW team_sizes AS SELECT 1 AS x;\nCREATE VIEW user_names AS SELECT 1 AS x;\n\
                   DO $$ DECLARE v record; BEGIN\n  FOR v IN SELECT viewname FROM pg_views \
                   WHERE schemaname = 'public' AND viewname LIKE 'team%' LOOP\n    \
                   EXECUTE 'ALTER VIEW public.' || quote_ident(v.viewname) || ' SET (security_invoker = true)';\n  \
                   END LOOP;\nEND $$;";
        assert_eq!(lines(sql, "view-bypasses-rls"), vec![2]);
        assert!(like_match("team%", "team_sizes", false));
        assert!(like_match("TEAM\\_%", "team_x", true));
        assert!(!like_match("team\\_%", "teamsx", false));
        assert!(!like_match("a_c", "ac", false));
    }

    #[test]
    fn a_template_never_makes_an_object_less_safe() {
        let sql = "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS 'SELECT 1';\n\
                   CREATE VIEW v WITH (security_invoker = true) AS SELECT 1 AS x;\n\
                   DO $$ DECLARE t text; BEGIN\n  FOREACH t IN ARRAY ARRAY['a', 'f', 'v'] LOOP\n    \
                   EXECUTE format('ALTER TABLE public.%I DISABLE ROW LEVEL SECURITY', t);\n    \
                   EXECUTE format('ALTER FUNCTION public.%I() RESET search_path', t);\n    \
                   EXECUTE format('ALTER VIEW public.%I SET (security_invoker = false)', t);\n  \
                   END LOOP;\n  EXECUTE format('ALTER TABLE public.a DISABLE ROW LEVEL SECURITY -- %s', t);\nEND $$;";
        for rule in [
            "rls-disabled",
            "security-definer-search-path",
            "view-bypasses-rls",
        ] {
            assert!(lines(sql, rule).is_empty(), "{rule}");
        }
    }

    #[test]
    fn a_loop_over_pg_proc_pins_search_path() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
                   CREATE FUNCTION g(int) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
                   CREATE FUNCTION g(text) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
                   DO $$ DECLARE r record; BEGIN\n  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p WHERE p.proname IN ('g') LOOP\n    \
                   EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', r.sig);\n  END LOOP;\nEND $$;";
        assert_eq!(lines(sql, "security-definer-search-path"), vec![1]);
    }

    #[test]
    fn a_list_of_signatures_pins_the_overloads_it_names() {
        let sql = "CREATE FUNCTION g(int) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
                   CREATE FUNCTION g(text) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
                   DO $$ DECLARE s text; BEGIN\n  FOREACH s IN ARRAY ARRAY['public.g(integer)'] LOOP\n    \
                   EXECUTE format('ALTER FUNCTION %s SET search_path = %L', s, '');\n  END LOOP;\nEND $$;";
        assert_eq!(lines(sql, "security-definer-search-path"), vec![2]);
    }

    #[test]
    fn a_pg_proc_loop_pins_every_definer_function_of_its_schema() {
        let sql = "CREATE SCHEMA app;\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
                   CREATE FUNCTION app.g() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
                   DO $$ DECLARE r record; BEGIN\n  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p \
                   WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef LOOP\n    \
                   EXECUTE format('ALTER FUNCTION %s SET search_path = %L', r.sig, '');\n  END LOOP;\nEND $$;";
        assert_eq!(lines(sql, "security-definer-search-path"), vec![3]);
    }

    #[test]
    fn templates_in_function_bodies_and_other_statements_change_nothing() {
        let sql = "CREATE TABLE a (id int);\n\
                   CREATE FUNCTION enable(t text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN\n  \
                   EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);\nEND $$;\n\
                   DO $$ DECLARE t text := 'a'; BEGIN\n  EXECUTE format('DROP TABLE %I', t);\n  \
                   EXECUTE format('ALTER TABLE %I DISABLE TRIGGER ALL', t);\nEND $$;";
        assert_eq!(lines(sql, "rls-disabled"), vec![1]);
        assert!(lines(sql, "destructive-change").is_empty());
    }
}
