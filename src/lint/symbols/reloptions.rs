//! Reloptions (`WITH (…)`, `SET (…)`, `RESET (…)`) read the way PostgreSQL reads them.
//!
//! A boolean option accepts what PostgreSQL's `parse_bool` accepts, in any case: `true`/`false`
//! and their unique prefixes (`t`, `tr`, `f`, …), `yes`/`no` and prefixes, `on`/`off` (`of`
//! at least), `1`/`0`; written as a keyword, an identifier, a string or a number. An option
//! named without a value is true.

use pg_query::NodeEnum;
use pg_query::protobuf::{DefElem, Node, a_const::Val};

/// The value `name` is set to in a `WITH (…)` / `SET (…)` list: `Some(true|false)`, or `None`
/// when the list does not mention it (or gives a value PostgreSQL would refuse).
pub fn bool_option(options: &[Node], name: &str) -> Option<bool> {
    def_elems(options)
        .rfind(|d| d.defname.eq_ignore_ascii_case(name))
        .and_then(|d| match d.arg.as_ref() {
            None => Some(true),
            Some(arg) => value_bool(arg),
        })
}

/// Whether a `RESET (…)` list names `name`.
pub fn options_name(options: &[Node], name: &str) -> bool {
    def_elems(options).any(|d| d.defname.eq_ignore_ascii_case(name))
}

/// PostgreSQL's `parse_bool`: the boolean a text spells, if any.
pub fn pg_bool(text: &str) -> Option<bool> {
    let lower = text.trim().to_ascii_lowercase();
    let prefix_of = |word: &str| !lower.is_empty() && word.starts_with(lower.as_str());
    match lower.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        "on" => Some(true),
        "of" | "off" => Some(false),
        _ if prefix_of("true") || prefix_of("yes") => Some(true),
        _ if prefix_of("false") || prefix_of("no") => Some(false),
        _ => None,
    }
}

fn value_bool(arg: &Node) -> Option<bool> {
    match arg.node.as_ref()? {
        NodeEnum::String(s) => pg_bool(&s.sval),
        NodeEnum::Boolean(b) => Some(b.boolval),
        NodeEnum::Integer(i) => pg_bool(&i.ival.to_string()),
        NodeEnum::Float(f) => pg_bool(&f.fval),
        NodeEnum::TypeName(t) => pg_bool(&super::string_list(&t.names).join(".")),
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            Val::Sval(s) => pg_bool(&s.sval),
            Val::Boolval(b) => Some(b.boolval),
            Val::Ival(i) => pg_bool(&i.ival.to_string()),
            Val::Fval(f) => pg_bool(&f.fval),
            _ => None,
        },
        _ => None,
    }
}

fn def_elems(options: &[Node]) -> impl DoubleEndedIterator<Item = &DefElem> {
    options.iter().filter_map(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) => Some(&**d),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view_options(with: &str) -> Vec<Node> {
        let sql = format!("CREATE VIEW v WITH ({with}) AS SELECT 1");
        let parsed = pg_query::parse(&sql, 0).unwrap();
        match parsed.protobuf.stmts[0]
            .stmt
            .as_ref()
            .unwrap()
            .node
            .as_ref()
        {
            Some(NodeEnum::ViewStmt(v)) => v.options.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_spelling_of_true_and_false_is_read_as_postgresql_does() {
        for truthy in [
            "security_invoker",
            "security_invoker = true",
            "security_invoker = TRUE",
            "security_invoker = on",
            "security_invoker = 'ON'",
            "security_invoker = yes",
            "security_invoker = 'Yes'",
            "security_invoker = 1",
            "security_invoker = '1'",
            "security_invoker = t",
            "SECURITY_INVOKER = tru",
        ] {
            assert_eq!(
                bool_option(&view_options(truthy), "security_invoker"),
                Some(true),
                "{truthy}"
            );
        }
        for falsy in [
            "security_invoker = false",
            "security_invoker = off",
            "security_invoker = 'no'",
            "security_invoker = 0",
            "security_invoker = f",
        ] {
            assert_eq!(
                bool_option(&view_options(falsy), "security_invoker"),
                Some(false),
                "{falsy}"
            );
        }
        assert_eq!(
            bool_option(
                &view_options("security_invoker = maybe"),
                "security_invoker"
            ),
            None
        );
        assert_eq!(
            bool_option(&view_options("security_barrier"), "security_invoker"),
            None
        );
        assert_eq!(pg_bool("o"), None, "ambiguous between on and off");
    }
}
