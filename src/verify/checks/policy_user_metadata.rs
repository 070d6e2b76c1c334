//! `policy-user-metadata` — no policy decides on `user_metadata` from the JWT
//! (`auth.jwt() -> 'user_metadata'`) or on `auth.users.raw_user_meta_data` (splinter's
//! `rls_references_user_metadata`).
//!
//! Why: end users write their own `user_metadata` (`supabase.auth.updateUser({ data: … })`), so
//! a policy such as `(auth.jwt() -> 'user_metadata' ->> 'role') = 'admin'` lets anyone make
//! themselves admin. Authorization data belongs in `app_metadata` (set only by the service
//! role) or in a table the user cannot write. Judged on PostgreSQL's parse tree: the expression
//! reads the JWT and uses the key `user_metadata` (`->`, `->>`, `#>` paths), or reads the column
//! `raw_user_meta_data`.
//! Fix: use `auth.jwt() -> 'app_metadata'`, or look the role up in a table the user cannot write.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;
use crate::verify::expr::{Expr, Literal};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "policy-user-metadata",
    level: Severity::Error,
    summary: "no policy trusts user_metadata (auth.jwt() -> 'user_metadata', raw_user_meta_data): users edit it",
    help: "decide on auth.jwt() -> 'app_metadata' or on a table the user cannot write, never on user_metadata",
    doc: include_str!("../../../docs/checks/policy-user-metadata.md"),
    splinter: &["rls_references_user_metadata"],
    run: Some(check),
};

/// One result per policy on a table outside the platform schemas.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .policies
        .iter()
        .filter(|p| !Catalog::is_platform(&p.schema))
        .map(|p| {
            let clauses: Vec<&str> = [("USING", &p.using), ("WITH CHECK", &p.with_check)]
                .into_iter()
                .filter(|(_, sql)| sql.as_deref().is_some_and(reads_user_metadata))
                .map(|(clause, _)| clause)
                .collect();
            let problem = (!clauses.is_empty()).then(|| {
                format!(
                    "policy {} on {} decides on user_metadata in its {} clause; users can set it themselves",
                    p.name,
                    p.table_name(),
                    clauses.join(" and ")
                )
            });
            Examined::new(p.subject(), Object::policy(p), problem)
        })
        .collect()
}

/// Whether `sql` reads user-editable metadata.
pub fn reads_user_metadata(sql: &str) -> bool {
    let Some(expr) = Expr::parse(sql) else {
        return false;
    };
    let raw_column = expr.any(&|e| {
        matches!(e, Expr::Column(parts) if parts.last().is_some_and(|c| c == "raw_user_meta_data"))
    });
    let metadata_key = expr.any(&|e| {
        matches!(e, Expr::Const(Literal::Text(t))
            if t == "user_metadata" || t.trim_start_matches('{').starts_with("user_metadata"))
    });
    raw_column || (metadata_key && expr.uses_auth())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, policy, problems};

    #[test]
    fn flags_user_metadata_from_the_jwt_and_the_users_table() {
        let mut catalog = catalog();
        catalog.policies = vec![
            policy(
                "jwt",
                "SELECT",
                &["authenticated"],
                Some("(((auth.jwt() -> 'user_metadata'::text) ->> 'role'::text) = 'admin'::text)"),
                None,
            ),
            policy(
                "path",
                "UPDATE",
                &["authenticated"],
                None,
                Some("((auth.jwt() #>> '{user_metadata,tenant}'::text[]) = (tenant)::text)"),
            ),
            policy(
                "claims",
                "SELECT",
                &["authenticated"],
                Some(
                    "((((current_setting('request.jwt.claims'::text, true))::jsonb -> 'user_metadata'::text) ->> 'org'::text) = org)",
                ),
                None,
            ),
            policy(
                "users",
                "SELECT",
                &["authenticated"],
                Some(
                    "(EXISTS ( SELECT 1 FROM auth.users u WHERE ((u.id = ( SELECT auth.uid() AS uid)) AND ((u.raw_user_meta_data ->> 'admin'::text) = 'true'::text))))",
                ),
                None,
            ),
            policy(
                "app",
                "SELECT",
                &["authenticated"],
                Some("(((auth.jwt() -> 'app_metadata'::text) ->> 'role'::text) = 'admin'::text)"),
                None,
            ),
            policy(
                "column",
                "SELECT",
                &["authenticated"],
                Some("((settings ->> 'user_metadata'::text) = 'x'::text)"),
                None,
            ),
        ];
        let found = problems(check(&catalog));
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[1].ends_with("in its WITH CHECK clause; users can set it themselves"),
            "{}",
            found[1]
        );
        assert!(
            found
                .iter()
                .all(|f| !f.contains("policy app ") && !f.contains("policy column "))
        );
    }
}
