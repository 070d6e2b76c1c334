//! `security-definer-authenticated` (warning) — no SECURITY DEFINER function in an exposed
//! schema is executable by `authenticated` (splinter's
//! `authenticated_security_definer_function_executable`; `anon` is `security-definer-exposed`).
//!
//! Why: every function in an exposed schema is an RPC endpoint (`/rest/v1/rpc/<name>`); a
//! SECURITY DEFINER one runs with its owner's rights and bypasses RLS. With open sign-up,
//! `authenticated` is anyone with an e-mail address, so such a function must check the caller
//! itself (for example return only rows of `auth.uid()`). Trigger functions are skipped: they
//! cannot be called directly.
//! Fix: `REVOKE EXECUTE ON FUNCTION <f>(<args>) FROM PUBLIC, authenticated;` and grant it to
//! `service_role` only, or move it to an unexposed schema; or document (exempt) why it is safe.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "security-definer-authenticated",
    level: Severity::Warning,
    summary: "no SECURITY DEFINER function in an exposed schema is executable by authenticated",
    help: "REVOKE EXECUTE ON FUNCTION <f>(<args>) FROM PUBLIC, authenticated; or exempt it with the reason it is safe",
    doc: include_str!("../../../docs/checks/security-definer-authenticated.md"),
    splinter: &["authenticated_security_definer_function_executable"],
    run: Some(check),
};

/// One result per exposed, callable SECURITY DEFINER function.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    super::security_definer_exposed::executable_by(catalog, "authenticated", |f| {
        format!(
            "SECURITY DEFINER function {} is executable by authenticated: any signed-in user can call /rest/v1/rpc/{} with its owner's rights",
            f.signature(),
            f.name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Function;
    use crate::verify::checks::fixtures::{catalog, problems};

    #[test]
    fn names_definer_functions_authenticated_can_call() {
        let mut catalog = catalog();
        let function = |name: &str, executors: &[&str], trigger: bool| Function {
            schema: "public".into(),
            name: name.into(),
            security_definer: true,
            pins_search_path: true,
            is_trigger: trigger,
            api_executors: executors.iter().map(|r| r.to_string()).collect(),
            ..Function::default()
        };
        catalog.functions = vec![
            function("members", &["authenticated"], false),
            function("service", &[], false),
            function("trg", &["authenticated"], true),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.members(): SECURITY DEFINER function public.members() is executable by authenticated: any signed-in user can call /rest/v1/rpc/members with its owner's rights"
            ]
        );
    }
}
