//! `undefined-function` — a trigger executes a function not defined earlier in the bundle set,
//! not built in, and (with `--database-url`) not in the live catalog.
//!
//! Why: `CREATE TRIGGER` fails with `function … does not exist`, usually because the function
//! lives in a later file or was never written.
//! Fix: create the function before the trigger (an earlier file or earlier in the same file).

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::symbols::{display, list_name};
use crate::report::{Diagnostic, Severity};

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
    summary: "a trigger executes a function that is not defined before it",
    help: "create the trigger function before the trigger (earlier file, or earlier in this file)",
    doc: include_str!("../../../docs/rules/undefined-function.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::CreateTrigStmt(trigger) = &ctx.unit.node else {
        return;
    };
    if !ctx.unit.kind.runs_now() {
        return;
    }
    let Some(name) = list_name(&trigger.funcname) else {
        return;
    };
    let qualified = trigger.funcname.len() > 1;
    let built_in = (name.0 == "pg_catalog" || !qualified) && BUILT_IN.contains(&name.1.as_str());
    if !built_in && !ctx.symbols.has_function(&name, qualified) {
        let shown = if qualified {
            display(&name)
        } else {
            name.1.clone()
        };
        out.push(ctx.diagnostic(
            rule,
            format!(
                "trigger {} executes {shown}(), which is not defined",
                trigger.trigname
            ),
        ));
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
