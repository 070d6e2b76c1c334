//! `function-search-path` — every function in an exposed schema pins its `search_path`:
//! an error for SECURITY DEFINER functions, a warning for the others (splinter's
//! `function_search_path_mutable`).
//!
//! Why: a SECURITY DEFINER function runs with its owner's rights; with a mutable search_path a
//! caller can shadow the tables or operators it uses with their own objects and run code as the
//! owner. An invoker function with a mutable path resolves its names differently depending on
//! who calls it and from where (a trigger, a policy, an RPC), which is how search-path
//! injections reach definer code. Fix: `ALTER FUNCTION <f>(<args>) SET search_path = '';` and
//! schema-qualify every name in the body (or pin `search_path = public, pg_temp`).

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "function-search-path",
    level: Severity::Error,
    summary: "every function in an exposed schema pins search_path (SECURITY DEFINER: error, others: warning)",
    help: "ALTER FUNCTION <f>(<args>) SET search_path = ''; and schema-qualify the names in its body",
    doc: include_str!("../../../docs/checks/function-search-path.md"),
    splinter: &["function_search_path_mutable"],
    run: Some(check),
};

/// One result per exposed function.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_functions()
        .map(|f| {
            let object = Object::function(f);
            match (f.pins_search_path, f.security_definer) {
                (true, _) => Examined::new(f.signature(), object, None),
                (false, true) => Examined::new(
                    f.signature(),
                    object,
                    Some(format!(
                        "SECURITY DEFINER function {} does not set search_path",
                        f.signature()
                    )),
                ),
                (false, false) => Examined::warn(
                    f.signature(),
                    object,
                    format!(
                        "function {} has a role-mutable search_path (no SET search_path)",
                        f.signature()
                    ),
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Function;
    use crate::verify::checks::fixtures::{catalog, problems};

    fn function(name: &str, definer: bool, pinned: bool) -> Function {
        Function {
            schema: "public".into(),
            name: name.into(),
            arguments: "uuid".into(),
            security_definer: definer,
            pins_search_path: pinned,
            ..Function::default()
        }
    }

    #[test]
    fn definer_functions_fail_and_invoker_functions_warn_without_a_pinned_search_path() {
        let mut catalog = catalog();
        catalog.functions = vec![
            function("pinned", true, true),
            function("open", true, false),
            function("invoker", false, false),
        ];
        let mut vector = function("ext", true, false);
        vector.from_extension = true;
        catalog.functions.push(vector);
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.open(uuid): SECURITY DEFINER function public.open(uuid) does not set search_path",
                "public.invoker(uuid): (warning) function public.invoker(uuid) has a role-mutable search_path (no SET search_path)",
            ]
        );
        assert_eq!(check(&catalog).len(), 3);
    }
}
