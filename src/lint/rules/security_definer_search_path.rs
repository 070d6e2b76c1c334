//! `security-definer-search-path` — a function that, after the whole set, is `SECURITY DEFINER`
//! without `SET search_path`. `ALTER FUNCTION … SECURITY DEFINER|INVOKER`, `… SET search_path`,
//! `… RESET`, `CREATE OR REPLACE`, renames and drops count; the finding sits at the statement
//! that made the function unsafe.
//!
//! Why: a definer function runs with its owner's rights; with the caller's `search_path` a caller
//! can shadow `public` objects with their own and hijack it (CVE-2018-1058 class).
//! Fix: add `SET search_path = ''` (and schema-qualify names) or a fixed list such as
//! `SET search_path = public, pg_temp`.

use super::{Rule, at_site};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};
use crate::lint::{LintOptions, Symbols};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "security-definer-search-path",
    severity: Severity::Error,
    summary: "SECURITY DEFINER function without SET search_path",
    help: "add SET search_path = '' to the function (and schema-qualify the names it uses)",
    doc: include_str!("../../../docs/rules/security-definer-search-path.md"),
    check: None,
    finish: Some(finish),
};

/// Judges every function as it stands after the whole set, at the statement that made it unsafe.
fn finish(symbols: &Symbols, _: &LintOptions, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for (name, overloads) in &symbols.functions {
        for function in overloads.iter().filter(|f| f.definer_without_search_path()) {
            let message = format!(
                "SECURITY DEFINER function {}({}) does not pin search_path",
                display(name),
                function.signature
            );
            out.push(at_site(rule, &function.config_site, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::lines;

    #[test]
    fn definer_without_search_path_is_found() {
        let sql = "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql SECURITY DEFINER AS $q$ SELECT 1 $q$;\n\
                   create or replace function g() returns trigger language plpgsql\n  security   definer\nas $$ begin return new; end $$;";
        assert_eq!(lines(sql, "security-definer-search-path"), vec![1, 2]);
    }

    #[test]
    fn the_final_state_counts_and_the_unsafe_statement_is_reported() {
        let sql = "CREATE FUNCTION a() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
                   ALTER FUNCTION a() SET search_path = '';\n\
                   CREATE FUNCTION b() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
                   ALTER FUNCTION b() SECURITY DEFINER;\n\
                   CREATE FUNCTION c() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
                   DROP FUNCTION c();\n\
                   CREATE FUNCTION d() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n\
                   ALTER FUNCTION d() SECURITY INVOKER;";
        assert_eq!(lines(sql, "security-definer-search-path"), vec![4]);
    }

    #[test]
    fn pinned_search_path_or_invoker_is_fine() {
        let sql = "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS 'SELECT 1';\n\
                   CREATE FUNCTION h() RETURNS int LANGUAGE sql SET search_path TO public, pg_temp SECURITY DEFINER AS 'SELECT 1';\n\
                   CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 'SECURITY DEFINER'::text::int $$; -- SECURITY DEFINER";
        assert!(lines(sql, "security-definer-search-path").is_empty());
    }
}
