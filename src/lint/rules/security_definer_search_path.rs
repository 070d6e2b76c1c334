//! `security-definer-search-path` — a `SECURITY DEFINER` function without `SET search_path`.
//!
//! Why: a definer function runs with its owner's rights; with the caller's `search_path` a caller
//! can shadow `public` objects with their own and hijack it (CVE-2018-1058 class).
//! Fix: add `SET search_path = ''` (and schema-qualify names) or a fixed list such as
//! `SET search_path = public, pg_temp`.

use pg_query::NodeEnum;
use pg_query::protobuf::Node;

use super::Rule;
use crate::lint::UnitContext;
use crate::report::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "security-definer-search-path",
    severity: Severity::Error,
    summary: "SECURITY DEFINER function without SET search_path",
    help: "add SET search_path = '' to the function (and schema-qualify the names it uses)",
    doc: include_str!("../../../docs/rules/security-definer-search-path.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if let NodeEnum::CreateFunctionStmt(stmt) = &ctx.unit.node
        && is_security_definer(&stmt.options)
        && !sets_search_path(&stmt.options)
    {
        let name = crate::lint::symbols::string_list(&stmt.funcname).join(".");
        out.push(ctx.diagnostic(
            rule,
            format!("SECURITY DEFINER function {name} does not pin search_path"),
        ));
    }
}

fn def_elems(options: &[Node]) -> impl Iterator<Item = &pg_query::protobuf::DefElem> {
    options.iter().filter_map(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) => Some(&**d),
        _ => None,
    })
}

fn is_security_definer(options: &[Node]) -> bool {
    def_elems(options).any(|d| {
        d.defname == "security"
            && matches!(d.arg.as_ref().and_then(|a| a.node.as_ref()), Some(NodeEnum::Boolean(b)) if b.boolval)
    })
}

fn sets_search_path(options: &[Node]) -> bool {
    def_elems(options).any(|d| {
        d.defname == "set"
            && matches!(d.arg.as_ref().and_then(|a| a.node.as_ref()),
                Some(NodeEnum::VariableSetStmt(v)) if v.name.eq_ignore_ascii_case("search_path"))
    })
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
    fn pinned_search_path_or_invoker_is_fine() {
        let sql = "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS 'SELECT 1';\n\
                   CREATE FUNCTION h() RETURNS int LANGUAGE sql SET search_path TO public, pg_temp SECURITY DEFINER AS 'SELECT 1';\n\
                   CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 'SECURITY DEFINER'::text::int $$; -- SECURITY DEFINER";
        assert!(lines(sql, "security-definer-search-path").is_empty());
    }
}
