//! What an `EXECUTE` expression of a `DO` block runs, when it can be told without running it.
//!
//! - Made only of constants (`'…' || '…'`, `format('…', 'a', 'b')`): the statement itself.
//! - A `format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t)` or
//!   `'ALTER TABLE ' || quote_ident(t) || ' …'` whose names come from a loop variable: a
//!   *template*, the statement with [`DYNAMIC_NAME`] where the names go. The symbol table
//!   applies a template to the objects it can stand for (`Symbols::apply_dynamic`), so
//!   "enable RLS on every table of this list" or "pin `search_path` on every function of the
//!   schema" count as what they are.

use std::collections::BTreeSet;

use pg_query::NodeEnum;
use pg_query::protobuf::{Node, Token, a_const::Val};

use crate::sql::{scan_tokens, string_list};

/// The identifier a template has where the executed statement's names vary.
pub const DYNAMIC_NAME: &str = "eventos_dynamic_name";

/// What an `EXECUTE` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Executed {
    /// Known in full.
    Constant(String),
    /// Known but for names, which are [`DYNAMIC_NAME`].
    Template(String),
}

/// The SQL the `EXECUTE` expression `expr` runs, if its text is known but for names.
pub fn executed(expr: &str) -> Option<Executed> {
    let parsed = crate::sql::parse(&format!("SELECT {expr}")).ok()?;
    let stmt = parsed.stmts.first()?.stmt.as_ref()?.node.as_ref()?;
    let NodeEnum::SelectStmt(select) = stmt else {
        return None;
    };
    let [target] = select.target_list.as_slice() else {
        return None;
    };
    let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else {
        return None;
    };
    let (sql, varies) = fold(target.val.as_deref()?)?;
    Some(if varies {
        Executed::Template(sql)
    } else {
        Executed::Constant(sql)
    })
}

/// An expression's text and whether part of it varies (then that part is [`DYNAMIC_NAME`]).
fn fold(node: &Node) -> Option<(String, bool)> {
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match &c.val {
            Some(Val::Sval(s)) => Some((s.sval.clone(), false)),
            _ => None,
        },
        NodeEnum::AExpr(e) if string_list(&e.name) == ["||"] => {
            let (left, l) = fold(e.lexpr.as_deref()?).unwrap_or_else(varying);
            let (right, r) = fold(e.rexpr.as_deref()?).unwrap_or_else(varying);
            Some((left + &right, l || r))
        }
        NodeEnum::FuncCall(call) if is_format(&call.funcname) => {
            let (template, varies) = fold(call.args.first()?)?;
            if varies {
                return None;
            }
            let args: Vec<Option<String>> = call.args[1..]
                .iter()
                .map(|a| fold(a).filter(|(_, v)| !v).map(|(s, _)| s))
                .collect();
            format_sql(&template, &args)
        }
        _ => None,
    }
}

/// A part of a concatenation that is not a string constant: a name known only at run time.
fn varying() -> (String, bool) {
    (DYNAMIC_NAME.to_string(), true)
}

fn is_format(name: &[Node]) -> bool {
    matches!(
        string_list(name)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["format"] | ["pg_catalog", "format"]
    )
}

/// `format(template, args…)` with the known arguments in place and [`DYNAMIC_NAME`] for the
/// others; `None` for a specifier it does not know (widths, `*`).
fn format_sql(template: &str, args: &[Option<String>]) -> Option<(String, bool)> {
    let mut out = String::new();
    let mut varies = false;
    let mut next = 0;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            chars.next();
            if d.is_ascii_alphabetic() || d == '%' {
                spec.push(d);
                break;
            }
            spec.push(d);
        }
        let kind = spec.pop()?;
        if kind == '%' && spec.is_empty() {
            out.push('%');
            continue;
        }
        let index = match spec.strip_suffix('$') {
            Some(position) => position.parse::<usize>().ok()?.checked_sub(1)?,
            None if spec.is_empty() => next,
            None => return None,
        };
        next = index + 1;
        let value = args.get(index)?.as_deref();
        varies |= value.is_none();
        let value = value.unwrap_or(DYNAMIC_NAME);
        match kind {
            'I' => out.push_str(&quote_ident(value)),
            's' => out.push_str(value),
            'L' => out.push_str(&format!("'{}'", value.replace('\'', "''"))),
            _ => return None,
        }
    }
    Some((out, varies))
}

/// `quote_ident`: a lowercase simple name as is, anything else double-quoted.
fn quote_ident(name: &str) -> String {
    let simple = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if simple {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// What a `DO` block's text tells of the objects its templates stand for when it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    /// The values of its string constants: the names of a list it loops over
    /// (`ARRAY['users', 'orders']`, `proname IN ('a', 'b')`), the schema a catalog query keeps
    /// (`schemaname = 'public'`), `LIKE` patterns.
    pub constants: Vec<String>,
    /// Its words (identifiers and keywords), lowercase: which catalog it reads (`pg_tables`,
    /// `pg_proc`, …), whether it filters with `LIKE`.
    pub words: BTreeSet<String>,
    /// Whether it filters by exclusion or pattern its constants do not tell (`NOT …`, `<>`,
    /// `!=`, `IS DISTINCT FROM`, `EXCEPT`, `~`, `SIMILAR TO`): then its constants may name
    /// the very objects its loops leave alone.
    pub excludes: bool,
}

impl Block {
    /// The facts of the `DO` body `text`.
    pub fn of(text: &str) -> Block {
        let tokens = scan_tokens(text);
        let mut block = Block::default();
        let mut previous = None;
        for (i, token) in tokens.iter().enumerate() {
            let Some(raw) = text.get(token.start as usize..token.end as usize) else {
                continue;
            };
            let kind = Token::try_from(token.token).ok();
            let next = tokens
                .get(i + 1)
                .and_then(|t| Token::try_from(t.token).ok());
            block.excludes |= match kind {
                Some(Token::Sconst) => {
                    block.constants.extend(constant_value(raw));
                    false
                }
                Some(Token::NotEquals | Token::Similar | Token::Except) => true,
                Some(Token::Op) => raw.contains('~'),
                // `NOT IN`, `NOT LIKE`, `NOT (… = ANY …)`, `NOT EXISTS`; not `IS NOT NULL`.
                Some(Token::Not) => next != Some(Token::NullP),
                Some(Token::Distinct) => previous == Some(Token::Is),
                _ => false,
            };
            previous = kind;
            if raw.chars().all(|c| c.is_alphanumeric() || c == '_') {
                block.words.insert(raw.to_lowercase());
            }
        }
        block
    }
}

/// The value of one string constant token, as PostgreSQL reads it (`'it''s'`, `E'\\n'`, `$q$…$q$`).
fn constant_value(raw: &str) -> Option<String> {
    let parsed = crate::sql::parse(&format!("SELECT {raw}")).ok()?;
    let stmt = parsed.stmts.first()?.stmt.as_ref()?.node.as_ref()?;
    let NodeEnum::SelectStmt(select) = stmt else {
        return None;
    };
    let Some(NodeEnum::ResTarget(target)) = select.target_list.first()?.node.as_ref() else {
        return None;
    };
    fold(target.val.as_deref()?).map(|(s, _)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(expr: &str) -> String {
        match executed(expr) {
            Some(Executed::Template(sql)) => sql,
            other => panic!("{expr}: {other:?}"),
        }
    }

    #[test]
    fn format_with_constant_arguments_is_a_statement() {
        assert_eq!(
            executed("format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', 'public', 'Users')"),
            Some(Executed::Constant(
                "ALTER TABLE public.\"Users\" ENABLE ROW LEVEL SECURITY".into()
            ))
        );
        assert_eq!(
            executed("'COPY t TO ' || '''/x'''"),
            Some(Executed::Constant("COPY t TO '/x'".into()))
        );
    }

    #[test]
    fn format_quotes_as_postgresql_does() {
        assert_eq!(
            executed("format('SET %I = %L; -- 100%%', 'MyVar', 'it''s')"),
            Some(Executed::Constant(
                "SET \"MyVar\" = 'it''s'; -- 100%".into()
            ))
        );
        assert_eq!(
            executed("pg_catalog.format('%s.%I', 'public', 'orders')"),
            Some(Executed::Constant("public.orders".into()))
        );
    }

    #[test]
    fn what_is_not_text_is_unknown() {
        assert_eq!(executed("42"), None);
        assert_eq!(executed("quote_ident(t)"), None);
        assert_eq!(executed("format('%3$s', 'a')"), None);
        assert_eq!(
            executed("format('%L', t)"),
            Some(Executed::Template(format!("'{DYNAMIC_NAME}'")))
        );
        assert_eq!(executed("not valid sql ("), None);
    }

    #[test]
    fn names_from_variables_are_templates() {
        assert_eq!(
            template("format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', r.tablename)"),
            format!("ALTER TABLE public.{DYNAMIC_NAME} ENABLE ROW LEVEL SECURITY")
        );
        assert_eq!(
            template("format('alter function %s set search_path = %L', sig, '')"),
            format!("alter function {DYNAMIC_NAME} set search_path = ''")
        );
        assert_eq!(
            template("format('ALTER VIEW %2$I.%1$I SET (security_invoker = on)', v, s)"),
            format!("ALTER VIEW {DYNAMIC_NAME}.{DYNAMIC_NAME} SET (security_invoker = on)")
        );
        assert_eq!(
            template("'ALTER TABLE ' || quote_ident(t) || ' ENABLE ROW LEVEL SECURITY'"),
            format!("ALTER TABLE {DYNAMIC_NAME} ENABLE ROW LEVEL SECURITY")
        );
        assert_eq!(executed("sql_text"), None);
        assert_eq!(executed("format(tpl, t)"), None);
        assert_eq!(executed("format('%10s', t)"), None);
    }

    #[test]
    fn string_constants_are_read_as_postgresql_reads_them() {
        let block =
            Block::of("FOREACH t IN ARRAY ARRAY['users', 'it''s', E'a\\\\b', $q$x$q$] LOOP");
        assert_eq!(block.constants, ["users", "it's", "a\\b", "x"]);
        assert!(block.words.contains("foreach") && block.words.contains("array"));
        assert!(!block.excludes);
    }

    #[test]
    fn exclusions_are_noticed() {
        for text in [
            "WHERE tablename NOT IN ('a')",
            "WHERE tablename NOT LIKE 'pg%'",
            "WHERE tablename <> 'a'",
            "WHERE tablename != 'a'",
            "WHERE tablename ~ '^a'",
            "WHERE tablename SIMILAR TO 'a%'",
            "WHERE NOT (tablename = ANY (ARRAY['a']))",
            "WHERE NOT EXISTS (SELECT 1 FROM exempt e WHERE e.name = tablename)",
            "WHERE tablename IS DISTINCT FROM 'a'",
            "SELECT tablename FROM pg_tables EXCEPT SELECT 'a'",
        ] {
            assert!(Block::of(text).excludes, "{text}");
        }
        let kept =
            Block::of("WHERE schemaname = 'public' AND tablename LIKE 'team%' AND x IS NOT NULL");
        assert!(!kept.excludes);
        assert!(kept.words.contains("like"));
    }
}
