//! `function-search-path` — every SECURITY DEFINER function in an exposed schema pins its
//! `search_path`.
//!
//! Why: a SECURITY DEFINER function runs with its owner's rights; with a mutable search_path a
//! caller can shadow the tables or operators it uses with their own objects and run code as the
//! owner. Fix: `ALTER FUNCTION <f>(<args>) SET search_path = '';` and schema-qualify every name
//! in the body (or pin `search_path = public, pg_temp`).

use super::{Check, Examined, Level};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "function-search-path",
    level: Level::Error,
    summary: "every SECURITY DEFINER function in an exposed schema pins search_path",
    help: "ALTER FUNCTION <f>(<args>) SET search_path = ''; and schema-qualify the names in its body",
    run: Some(check),
};

/// One result per exposed SECURITY DEFINER function.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_functions()
        .filter(|f| f.security_definer)
        .map(|f| {
            let problem = (!f.pins_search_path).then(|| {
                format!(
                    "SECURITY DEFINER function {} does not set search_path",
                    f.signature()
                )
            });
            Examined::new(f.signature(), problem)
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
    fn names_definer_functions_without_a_pinned_search_path() {
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
                "public.open(uuid): SECURITY DEFINER function public.open(uuid) does not set search_path"
            ]
        );
        assert_eq!(check(&catalog).len(), 2);
    }
}
