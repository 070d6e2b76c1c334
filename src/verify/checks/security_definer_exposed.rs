//! `security-definer-exposed` — no SECURITY DEFINER function in an exposed schema can be executed
//! by `anon`.
//!
//! Why: every function in an exposed schema is an RPC endpoint. A SECURITY DEFINER one runs with
//! its owner's rights (bypassing RLS), so `anon` — anyone with the public key — must not reach it.
//! Trigger functions are skipped: they cannot be called directly.
//! Fix: `REVOKE EXECUTE ON FUNCTION <f>(<args>) FROM PUBLIC, anon;` (grant `authenticated` only
//! if it checks the caller), or move it to a schema the API does not expose.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::{Catalog, Function};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "security-definer-exposed",
    level: Severity::Error,
    summary: "no SECURITY DEFINER function in an exposed schema is executable by anon",
    help: "REVOKE EXECUTE ON FUNCTION <f>(<args>) FROM PUBLIC, anon; or move it to an unexposed schema",
    doc: include_str!("../../../docs/checks/security-definer-exposed.md"),
    splinter: &["anon_security_definer_function_executable"],
    run: Some(check),
};

/// One result per exposed, callable SECURITY DEFINER function.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    executable_by(catalog, "anon", |f| {
        format!(
            "SECURITY DEFINER function {} is executable by anon",
            f.signature()
        )
    })
}

/// One result per exposed SECURITY DEFINER function that is not a trigger function, with
/// `message` as the problem when `role` may execute it (shared with
/// `security-definer-authenticated`).
pub(super) fn executable_by(
    catalog: &Catalog,
    role: &str,
    message: impl Fn(&Function) -> String,
) -> Vec<Examined> {
    catalog
        .exposed_functions()
        .filter(|f| f.security_definer && !f.is_trigger)
        .map(|f| {
            let problem = f
                .api_executors
                .iter()
                .any(|r| r == role)
                .then(|| message(f));
            Examined::new(f.signature(), Object::function(f), problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Function;
    use crate::verify::checks::fixtures::{catalog, problems};

    fn function(name: &str, executors: &[&str], trigger: bool) -> Function {
        Function {
            schema: "public".into(),
            name: name.into(),
            security_definer: true,
            pins_search_path: true,
            is_trigger: trigger,
            api_executors: executors.iter().map(|r| r.to_string()).collect(),
            ..Function::default()
        }
    }

    #[test]
    fn names_definer_functions_anon_can_call() {
        let mut catalog = catalog();
        catalog.functions = vec![
            function("open", &["anon", "authenticated"], false),
            function("members", &["authenticated"], false),
            function("trg", &["anon"], true),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec!["public.open(): SECURITY DEFINER function public.open() is executable by anon"]
        );
        assert_eq!(check(&catalog).len(), 2);
    }
}
