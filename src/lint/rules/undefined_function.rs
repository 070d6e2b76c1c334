//! `undefined-function` — a trigger executes a function that nobody provides when the trigger
//! is created: not defined earlier in the files, not built in, not provided by an extension the
//! files create (`moddatetime`, …) or by the platform (`supabase_functions.http_request`), and
//! (with `--database-url`) not in the live catalog. A function in a schema the files never
//! create, or in the schema of an extension whose contents eventos does not know, is unknown,
//! not undefined: no finding (with `--database-url`, the live catalog decides instead).
//!
//! Why: `CREATE TRIGGER` fails with `function … does not exist`, usually because the function
//! lives in a later file or was never written.
//! Fix: create the function before the trigger (an earlier file or earlier in the same file).

use super::{Rule, at_site};
use crate::lint::symbols::{FunctionLookup, display};
use crate::lint::{Diagnostic, Severity};
use crate::lint::{LintOptions, Symbols};

/// Trigger functions PostgreSQL itself provides.
const BUILT_IN: &[&str] = &[
    "suppress_redundant_updates_trigger",
    "tsvector_update_trigger",
    "tsvector_update_trigger_column",
];

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "undefined-function",
    severity: Severity::Error,
    summary: "a trigger executes a function that nobody provides when it is created",
    help: "create the trigger function before the trigger (earlier file, or earlier in this file)",
    doc: include_str!("../../../docs/rules/undefined-function.md"),
    check: None,
    finish: Some(finish),
};

/// Judges every trigger by what existed when it was created; a function in a schema unknown
/// then is undefined only if the files put objects in that schema somewhere.
fn finish(symbols: &Symbols, _: &LintOptions, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for call in &symbols.triggers {
        let name = &call.function;
        let built_in =
            (name.0 == "pg_catalog" || !call.qualified) && BUILT_IN.contains(&name.1.as_str());
        let undefined = match call.lookup {
            FunctionLookup::Undefined => true,
            FunctionLookup::UnknownSchema => symbols.schemas_used.contains(name.0.as_str()),
            FunctionLookup::Defined | FunctionLookup::Unknown => false,
        };
        if built_in || !undefined {
            continue;
        }
        let shown = if call.qualified {
            display(name)
        } else {
            name.1.to_string()
        };
        let message = format!(
            "trigger {} executes {shown}(), which is not defined",
            call.trigger
        );
        out.push(at_site(rule, &call.site, message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, lines};

    #[test]
    fn triggers_calling_unknown_or_later_functions_are_found() {
        let sql = "CREATE TRIGGER a BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION app.touch();\n\
                   create trigger b before insert on t for each row execute procedure nobody_wrote_this();\n\
                   CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;";
        assert_eq!(lines(sql, "undefined-function"), vec![1, 2]);
    }

    #[test]
    fn extension_platform_and_unknown_schema_functions_are_fine() {
        let sql = "CREATE EXTENSION IF NOT EXISTS moddatetime SCHEMA extensions;\n\
                   CREATE TRIGGER a BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION extensions.moddatetime(updated_at);\n\
                   CREATE TRIGGER b AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION supabase_functions.http_request('https://x', 'POST', '{}', '{}', '1000');\n\
                   CREATE TRIGGER c BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION vendor.stamp();";
        assert!(lines(sql, "undefined-function").is_empty());
    }

    #[test]
    fn a_schema_the_files_create_or_use_is_judged() {
        let sql = "CREATE SCHEMA app;\nCREATE TRIGGER a BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION app.stamp();\n\
                   CREATE TRIGGER b BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION ops.stamp();\nCREATE TABLE ops.log (id int);";
        assert_eq!(lines(sql, "undefined-function"), vec![2, 3]);
    }

    #[test]
    fn defined_earlier_or_built_in_is_fine() {
        let files = [
            (
                "V1.sql",
                "CREATE OR REPLACE FUNCTION public.update_updated_at_column() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;",
            ),
            (
                "V2.sql",
                "CREATE TRIGGER a BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();\n\
                 CREATE TRIGGER b BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();\n\
                 CREATE TRIGGER c BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();",
            ),
        ];
        assert!(findings_in(&files, "undefined-function").is_empty());
    }
}
