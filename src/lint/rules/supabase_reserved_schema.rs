//! `supabase-reserved-schema` — what Supabase refuses the migrating role `postgres`, found
//! statically: objects created or altered in the schemas Supabase's services own (`auth`,
//! `storage`, `realtime`, `graphql`, `graphql_public`, `vault`, `pgsodium`,
//! `supabase_functions`, `cron`, `net`, `pgbouncer`), `ALTER TABLE` / `CREATE INDEX` /
//! `COMMENT` / `DROP` on their objects, policies on their tables outside supautils'
//! `policy_grants`, extensions that are neither allow-listed nor trusted, changes to supautils'
//! reserved roles beyond `ALTER ROLE … SET`, and the memberships supautils reserves.
//!
//! Why: `postgres` is not a superuser on Supabase; these statements pass on a local superuser
//! and fail the deploy with `permission denied` / `must be owner of …`.
//! Fix: keep your objects in your own schemas (a trigger *on* `auth.users` calling a function in
//! `public` is fine), change Supabase's own objects through the dashboard or its APIs.
//!
//! The platform facts are `db::supabase::platform`; the statement analysis is the privilege
//! preflight's (`migrate::privileges::needs`), so lint and preflight agree on what a statement
//! needs.

use super::Rule;
use crate::db::supabase::platform::{
    CONFIGURABLE_RESERVED_ROLES, MIGRATING_ROLE, PRIVILEGED_EXTENSIONS, has_policy_grant,
    is_configurable_reserved_role, is_reserved_membership, is_reserved_role, is_reserved_schema,
};
use crate::lint::needs::{Name, Need, Owned, RoleChange, requirements};
use crate::lint::{Diagnostic, LintOptions, Runner, Severity, UnitContext};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "supabase-reserved-schema",
    severity: Severity::Error,
    summary: "Supabase refuses this to the postgres role (service schemas, reserved roles, extensions)",
    help: "keep your objects in your own schemas (a trigger on auth.users calling a public function is fine); change Supabase's own objects through its dashboard",
    doc: include_str!("../../../docs/rules/supabase-reserved-schema.md"),
    check: Some(check),
    finish: None,
};

/// Extensions PostgreSQL marks trusted: any role with CREATE on the database may create them.
const TRUSTED_EXTENSIONS: &[&str] = &[
    "btree_gin",
    "btree_gist",
    "citext",
    "cube",
    "dict_int",
    "fuzzystrmatch",
    "hstore",
    "intarray",
    "isn",
    "lo",
    "ltree",
    "pg_trgm",
    "pgcrypto",
    "plpgsql",
    "seg",
    "tablefunc",
    "tcn",
    "tsm_system_rows",
    "tsm_system_time",
    "unaccent",
    "uuid-ossp",
];

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if !deploys_to_supabase(ctx.options) {
        return;
    }
    let refusal = requirements(&ctx.unit.node)
        .into_iter()
        .find_map(|r| refusal(r.verb, &r.need));
    if let Some(message) = refusal {
        out.push(ctx.diagnostic(rule, message));
    }
}

/// Whether the files are meant for a Supabase project: the bundles and the `eventos` and
/// `supabase` runners are; a golang-migrate, sqlx, diesel, Flyway or unknown runner's project
/// is only when it serves schemas through the API (inside a Supabase project, or
/// `exposed_schemas` set). A plain PostgreSQL application may own an `auth` schema or any
/// extension; Supabase's refusals do not apply to it.
fn deploys_to_supabase(options: &LintOptions) -> bool {
    matches!(options.runner, Runner::Eventos | Runner::Supabase)
        || !options.exposed_schemas.is_empty()
}

fn reserved(name: &Name) -> bool {
    name.in_schema(is_reserved_schema)
}

/// Why Supabase refuses `need` to `postgres`, if it does.
fn refusal(verb: &str, need: &Need) -> Option<String> {
    match need {
        Need::CreateIn { object, kind } if reserved(object) => Some(format!(
            "{verb} creates {kind} {} in schema {}, which belongs to Supabase's services: {MIGRATING_ROLE} has no CREATE privilege there",
            object.display(),
            object.schema.as_deref().unwrap_or_default()
        )),
        Need::CreateSchema {
            name,
            if_not_exists: false,
        } if is_reserved_schema(name) => Some(format!(
            "schema {name} already exists on Supabase and belongs to its services"
        )),
        Need::Own {
            kind: Owned::Schema,
            object,
            ..
        } if is_reserved_schema(&object.name) => Some(format!(
            "{verb} on schema {}: it belongs to Supabase's services, not to {MIGRATING_ROLE}",
            object.name
        )),
        Need::Own { object, .. } if reserved(object) => Some(format!(
            "{verb} on {}: it belongs to a Supabase service role, not to {MIGRATING_ROLE} (must be owner)",
            object.display()
        )),
        Need::Trigger {
            table,
            trigger,
            if_exists: false,
        } if reserved(table) => Some(format!(
            "{verb} on trigger {trigger} of {}: only the table's owner (a Supabase service role) may do that",
            table.display()
        )),
        Need::Policy { table, .. }
            if reserved(table)
                && !has_policy_grant(table.schema.as_deref().unwrap_or_default(), &table.name) =>
        {
            Some(format!(
                "{verb} on {}: supautils lets {MIGRATING_ROLE} manage policies only on its policy_grants tables",
                table.display()
            ))
        }
        Need::Extension { name }
            if !PRIVILEGED_EXTENSIONS.contains(&name.as_str())
                && !TRUSTED_EXTENSIONS.contains(&name.as_str()) =>
        {
            Some(format!(
                "extension {name} is not on Supabase's allow-list and PostgreSQL does not trust it: {MIGRATING_ROLE} cannot create it"
            ))
        }
        Need::Role { role, change, .. } if is_reserved_role(role) => {
            let only_settings =
                *change == RoleChange::Settings && is_configurable_reserved_role(role);
            (!only_settings).then(|| {
                format!(
                    "{verb} {role}: \"{role}\" is a reserved role on Supabase; {MIGRATING_ROLE} may only ALTER ROLE … SET {}",
                    CONFIGURABLE_RESERVED_ROLES.join(", ")
                )
            })
        }
        Need::Membership { role, .. } if is_reserved_membership(role) => Some(format!(
            "membership in {role} is reserved to superusers on Supabase"
        )),
        Need::Membership { grantee, .. }
            if is_reserved_role(grantee) && !is_configurable_reserved_role(grantee) =>
        {
            Some(format!(
                "{grantee} is a reserved role on Supabase: {MIGRATING_ROLE} may not grant it roles"
            ))
        }
        Need::ActAs { role } if acts_as_reserved(role) => Some(format!(
            "{verb} needs membership in {role}, which {MIGRATING_ROLE} does not have on Supabase"
        )),
        _ => None,
    }
}

/// Reserved roles `postgres` is not a member of (it is of anon, authenticated, service_role).
fn acts_as_reserved(role: &str) -> bool {
    is_reserved_role(role) && !matches!(role, "anon" | "authenticated" | "service_role")
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, rule_ids};

    const RULE: &str = "supabase-reserved-schema";

    /// Section 9 of the platform facts: statements Supabase refuses to `postgres`.
    const REFUSED: &[&str] = &[
        "CREATE FUNCTION auth.handle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;",
        "CREATE TABLE auth.profiles (id uuid PRIMARY KEY);",
        "CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql AS $$ SELECT NULL::uuid $$;",
        "ALTER TABLE auth.users ADD COLUMN nickname text;",
        "ALTER TABLE auth.users ALTER COLUMN aud SET DEFAULT 'x';",
        "ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;",
        "ALTER TABLE auth.users DISABLE TRIGGER ALL;",
        "CREATE INDEX users_nick ON auth.users (email);",
        "COMMENT ON TRIGGER on_auth_user_created ON auth.users IS 'x';",
        "DROP TRIGGER on_auth_user_created ON auth.users;",
        "ALTER FUNCTION auth.uid() STABLE;",
        "COMMENT ON FUNCTION auth.uid() IS 'x';",
        "ALTER SCHEMA auth OWNER TO postgres;",
        "CREATE TABLE storage.mine (id int);",
        "ALTER TABLE storage.objects ADD COLUMN x int;",
        "CREATE VIEW realtime.v AS SELECT 1;",
        "CREATE FUNCTION graphql_public.f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
        "CREATE TABLE vault.s (id int);",
        "COMMENT ON TABLE auth.users IS 'people';",
        "CREATE POLICY p ON auth.flow_state USING (true);",
        "ALTER ROLE service_role NOBYPASSRLS;",
        "ALTER ROLE anon LOGIN;",
        "ALTER ROLE authenticated CONNECTION LIMIT 5;",
        "ALTER ROLE anon NOINHERIT;",
        "ALTER ROLE anon RENAME TO visitor;",
        "DROP ROLE anon;",
        "ALTER ROLE supabase_auth_admin SET search_path = auth;",
        "GRANT authenticator TO app_user;",
        "GRANT pg_read_server_files TO app_user;",
        "CREATE ROLE app_user IN ROLE pg_write_server_files;",
        "GRANT app_user TO supabase_storage_admin;",
        "ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin GRANT SELECT ON TABLES TO anon;",
        "SET ROLE supabase_admin;",
        "CREATE EXTENSION file_fdw;",
        "CREATE EXTENSION IF NOT EXISTS pageinspect WITH SCHEMA extensions;",
        "CREATE SCHEMA auth;",
    ];

    /// Section 9 of the platform facts: statements Supabase allows and the rule must not flag.
    const ALLOWED: &[&str] = &[
        "CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();",
        "DROP TRIGGER IF EXISTS on_auth_user_created ON auth.users;",
        "SELECT count(*) FROM auth.users;",
        "INSERT INTO auth.users (id) VALUES (gen_random_uuid());",
        "DELETE FROM auth.users WHERE id = gen_random_uuid();",
        "TRUNCATE auth.users;",
        "GRANT SELECT ON auth.users TO service_role;",
        "GRANT UPDATE ON auth.users TO service_role;",
        "GRANT EXECUTE ON FUNCTION auth.uid() TO anon;",
        "CREATE POLICY p ON auth.users FOR SELECT USING (auth.uid() = id);",
        "CREATE POLICY avatars ON storage.objects FOR SELECT USING (bucket_id = 'avatars');",
        "DROP POLICY IF EXISTS avatars ON storage.objects;",
        "ALTER ROLE anon SET statement_timeout = '3s';",
        "ALTER ROLE authenticated SET statement_timeout = '8s';",
        "ALTER ROLE authenticated SET search_path = public;",
        "GRANT service_role TO authenticated;",
        "CREATE ROLE app_user NOLOGIN;",
        "CREATE SCHEMA app;",
        "CREATE SCHEMA IF NOT EXISTS extensions;",
        "CREATE PUBLICATION app_pub;",
        "CREATE FUNCTION extensions.f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
        "CREATE EXTENSION vector WITH SCHEMA extensions;",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
        "CREATE EXTENSION lo;",
        "DROP EXTENSION pgcrypto;",
        "CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE);",
        "CREATE FUNCTION public.handle_new_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$ BEGIN INSERT INTO public.profiles (id) VALUES (NEW.id); RETURN NEW; END $$;",
        "SET ROLE authenticated;",
        "INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', true);",
    ];

    #[test]
    fn what_supabase_refuses_is_an_error_at_its_line() {
        for sql in REFUSED {
            assert_eq!(
                lines(&format!("SELECT 1;\n{sql}"), RULE),
                vec![2],
                "not flagged once: {sql}"
            );
        }
    }

    #[test]
    fn what_supabase_allows_stays_silent() {
        for sql in ALLOWED {
            assert!(
                !rule_ids(sql).contains(&RULE),
                "false alarm: {sql}\n{:?}",
                rule_ids(sql)
            );
        }
    }

    #[test]
    fn plain_postgresql_projects_own_their_auth_schema() {
        use crate::lint::SourceFile;
        use crate::lint::{LintOptions, Runner, lint_sources};
        let sql =
            "CREATE SCHEMA auth;\nCREATE TABLE auth.users (id bigint);\nCREATE EXTENSION file_fdw;";
        let lint = |runner, exposed: &[&str]| {
            let options = LintOptions {
                runner,
                exposed_schemas: exposed.iter().map(|s| s.to_string()).collect(),
                ..LintOptions::default()
            };
            let source = SourceFile {
                path: "1_init.up.sql".into(),
                text: sql.into(),
            };
            lint_sources(vec![source], &options)
                .diagnostics
                .iter()
                .filter(|d| d.rule == RULE)
                .count()
        };
        assert_eq!(
            lint(Runner::GolangMigrate, &[]),
            0,
            "not a Supabase project"
        );
        assert_eq!(lint(Runner::Diesel, &[]), 0, "not a Supabase project");
        assert_eq!(
            lint(Runner::GolangMigrate, &["public"]),
            3,
            "inside a Supabase project"
        );
        assert_eq!(lint(Runner::Supabase, &["public"]), 3);
        assert_eq!(
            lint(Runner::Eventos, &[]),
            3,
            "the bundles deploy to Supabase"
        );
    }

    #[test]
    fn found_in_do_blocks_and_function_bodies_too() {
        let sql = "DO $$ BEGIN\n  ALTER TABLE auth.users ADD COLUMN x int;\nEND $$;\n\
                   CREATE FUNCTION public.f() RETURNS void LANGUAGE plpgsql AS $f$\nBEGIN\n  EXECUTE 'ALTER ROLE anon LOGIN';\nEND $f$;";
        assert_eq!(lines(sql, RULE), vec![2, 6]);
    }
}
