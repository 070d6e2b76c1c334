//! Policy expressions as trees: the server's deparsed `USING` / `WITH CHECK` text, parsed with
//! PostgreSQL's own grammar (pg_query) into a small [`Expr`] the policy checks and the RLS probe
//! read — never regular expressions over SQL text.
//!
//! The catalog is read with `search_path = pg_catalog`, so every function the server prints is
//! schema-qualified (`auth.uid()`, `public.organized_event_ids()`); columns of the policy's own
//! table are unqualified or qualified with the table's name.

use serde_json::Value;

/// A scalar expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `a AND b AND …`
    And(Vec<Expr>),
    /// `a OR b OR …`
    Or(Vec<Expr>),
    /// `NOT a`
    Not(Box<Expr>),
    /// An operator: `a = b`, `a IN (…)`, `a = ANY (b)`, `a ->> 'k'`, `-a` …
    Op {
        /// The operator's name, e.g. `=`, `->>`.
        name: String,
        /// Plain, `ANY`/`ALL`, `IN`, …
        kind: OpKind,
        /// Left operand (absent for prefix operators).
        left: Option<Box<Expr>>,
        /// Right operand (a [`Expr::List`] for `IN`).
        right: Option<Box<Expr>>,
    },
    /// `(a, b, …)` of `IN`, `ARRAY[…]`, `ROW(…)`.
    List(Vec<Expr>),
    /// A column reference, e.g. `["owner_id"]` or `["e", "status"]`.
    Column(Vec<String>),
    /// A literal.
    Const(Literal),
    /// A function call, the name schema-qualified when the server printed it so.
    Func {
        /// The name's parts, e.g. `["auth", "uid"]`.
        name: Vec<String>,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// A subquery: `EXISTS (…)`, `x IN (SELECT …)`, `(SELECT …)`, `ARRAY(SELECT …)`.
    Sub {
        /// Which kind.
        kind: SubKind,
        /// The left operand of `IN` / `= ANY`.
        test: Option<Box<Expr>>,
        /// The subquery.
        query: Box<Query>,
    },
    /// `a IS [NOT] NULL`.
    NullTest {
        /// The tested expression.
        arg: Box<Expr>,
        /// `IS NULL` (else `IS NOT NULL`).
        is_null: bool,
    },
    /// `a::type`.
    Cast(Box<Expr>, String),
    /// Anything else, with its sub-expressions.
    Other(Vec<Expr>),
}

/// How an operator applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `a op b`.
    Plain,
    /// `a op ANY (array)`.
    Any,
    /// `a op ALL (array)`.
    All,
    /// `a IN (list)` (`name` is `=`) / `a NOT IN (list)` (`<>`).
    In,
    /// `IS DISTINCT FROM`, `LIKE`, `BETWEEN` and the rest.
    Other,
}

/// Which kind of subquery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubKind {
    /// `EXISTS (…)`.
    Exists,
    /// `x IN (SELECT …)` / `x = ANY (SELECT …)`.
    Any,
    /// `x op ALL (SELECT …)`.
    All,
    /// A scalar `(SELECT …)`.
    Scalar,
    /// `ARRAY(SELECT …)` and the rest.
    Other,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `NULL`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    Text(String),
}

impl Literal {
    /// The value as SQL would print it unquoted (`NULL` for null).
    pub fn text(&self) -> String {
        match self {
            Literal::Null => "NULL".into(),
            Literal::Bool(b) => b.to_string(),
            Literal::Number(n) | Literal::Text(n) => n.clone(),
        }
    }
}

/// The parts of a `SELECT` the analyses need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// The select list.
    pub targets: Vec<Expr>,
    /// Tables in `FROM` (joins flattened), with their aliases.
    pub from: Vec<TableRef>,
    /// `WHERE`, join conditions and `HAVING`, as one conjunction.
    pub filter: Vec<Expr>,
    /// A `FROM` item that is not a plain table (a function call, a subquery).
    pub from_other: Vec<Expr>,
}

/// A table in a `FROM` clause.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRef {
    /// `schema.name` as written (the schema may be empty).
    pub name: String,
    /// The alias, if any.
    pub alias: Option<String>,
}

/// The auth helpers whose value comes from the request's JWT (`request.jwt.claims`).
const AUTH_FUNCTIONS: &[&str] = &["uid", "jwt", "role", "email"];

impl Expr {
    /// Parses one SQL expression (a policy's `USING` or `WITH CHECK` text).
    pub fn parse(sql: &str) -> Option<Expr> {
        let parsed = pg_query::parse(&format!("SELECT {sql}"), 0).ok()?;
        let statement = parsed.protobuf.stmts.first()?.stmt.as_ref()?;
        let value = serde_json::to_value(statement).ok()?;
        let select = value.pointer("/node/SelectStmt")?;
        let target = select.pointer("/target_list/0/node/ResTarget/val")?;
        Some(convert(target))
    }

    /// Every direct sub-expression (subqueries included: their targets, filters and `FROM`
    /// functions).
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::And(items) | Expr::Or(items) | Expr::List(items) | Expr::Other(items) => {
                items.iter().collect()
            }
            Expr::Not(inner) | Expr::Cast(inner, _) => vec![inner],
            Expr::NullTest { arg, .. } => vec![arg],
            Expr::Op { left, right, .. } => left.iter().chain(right.iter()).map(|b| &**b).collect(),
            Expr::Func { args, .. } => args.iter().collect(),
            Expr::Sub { test, query, .. } => test
                .iter()
                .map(|b| &**b)
                .chain(query.targets.iter())
                .chain(query.filter.iter())
                .chain(query.from_other.iter())
                .collect(),
            Expr::Column(_) | Expr::Const(_) => Vec::new(),
        }
    }

    /// Visits this expression and every expression below it, depth first.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr)) {
        visit(self);
        for child in self.children() {
            child.walk(visit);
        }
    }

    /// Whether any expression below (or this one) satisfies `test`.
    pub fn any(&self, test: &dyn Fn(&Expr) -> bool) -> bool {
        test(self) || self.children().into_iter().any(|c| c.any(test))
    }

    /// The expression without casts around it.
    pub fn uncast(&self) -> &Expr {
        match self {
            Expr::Cast(inner, _) => inner.uncast(),
            other => other,
        }
    }

    /// `auth.uid()`, `auth.jwt()`, `auth.role()`, `auth.email()` or
    /// `current_setting('request.jwt…')`: a value taken from the caller's JWT.
    pub fn is_auth_call(&self) -> bool {
        match self {
            Expr::Func { name, args } => {
                let parts: Vec<&str> = name.iter().map(String::as_str).collect();
                match parts.as_slice() {
                    ["auth", f] => AUTH_FUNCTIONS.contains(f),
                    ["current_setting"] | ["pg_catalog", "current_setting"] => args
                        .first()
                        .map(Expr::uncast)
                        .is_some_and(|a| matches!(a, Expr::Const(Literal::Text(t)) if t.starts_with("request.jwt"))),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// `current_setting(…, true)`, which returns NULL instead of failing when unset.
    fn is_missing_ok_setting(&self) -> bool {
        matches!(self, Expr::Func { name, args } if name.last().is_some_and(|n| n == "current_setting")
            && args.get(1).map(Expr::uncast) == Some(&Expr::Const(Literal::Bool(true))))
    }

    /// Whether the value can be NULL for a caller without a JWT subject: an auth call (or a
    /// scalar subquery / cast / JSON access over one).
    pub fn is_nullable_auth_value(&self) -> bool {
        match self.uncast() {
            e @ Expr::Func { name, .. } => {
                (e.is_auth_call()
                    && name.first().is_some_and(|s| s == "auth")
                    && name.last().is_some_and(|n| n != "email"))
                    || (e.is_auth_call() && e.is_missing_ok_setting())
            }
            Expr::Sub {
                kind: SubKind::Scalar,
                query,
                ..
            } => {
                query.from.is_empty()
                    && query.targets.len() == 1
                    && query.targets[0].is_nullable_auth_value()
            }
            Expr::Op {
                name,
                left: Some(left),
                ..
            } if name.starts_with("->") || name.starts_with("#>") => left.is_nullable_auth_value(),
            _ => false,
        }
    }

    /// Whether the expression reads the caller's JWT anywhere.
    pub fn uses_auth(&self) -> bool {
        self.any(&|e| e.is_auth_call())
    }

    /// A constant that is always true: `true`, `1 = 1`, `'a' = 'a'`, `NOT false`, `true OR x`,
    /// `true AND true`.
    pub fn is_always_true(&self) -> bool {
        match self.uncast() {
            Expr::Const(Literal::Bool(b)) => *b,
            Expr::Not(inner) => inner.is_always_false(),
            Expr::Or(items) => items.iter().any(Expr::is_always_true),
            Expr::And(items) => items.iter().all(Expr::is_always_true),
            Expr::Op {
                name,
                kind: OpKind::Plain,
                left: Some(left),
                right: Some(right),
            } if name == "=" => match (left.uncast(), right.uncast()) {
                (Expr::Const(a), Expr::Const(b)) => a == b && *a != Literal::Null,
                _ => false,
            },
            _ => false,
        }
    }

    fn is_always_false(&self) -> bool {
        match self.uncast() {
            Expr::Const(Literal::Bool(b)) => !b,
            Expr::Const(Literal::Null) => true,
            Expr::Not(inner) => inner.is_always_true(),
            Expr::And(items) => items.iter().any(Expr::is_always_false),
            Expr::Or(items) => items.iter().all(Expr::is_always_false),
            _ => false,
        }
    }

    /// The top-level disjuncts (the expression itself when it is not an `OR`).
    pub fn disjuncts(&self) -> Vec<&Expr> {
        match self {
            Expr::Or(items) => items.iter().flat_map(Expr::disjuncts).collect(),
            other => vec![other],
        }
    }

    /// The top-level conjuncts (the expression itself when it is not an `AND`).
    pub fn conjuncts(&self) -> Vec<&Expr> {
        match self {
            Expr::And(items) => items.iter().flat_map(Expr::conjuncts).collect(),
            other => vec![other],
        }
    }

    /// A column of the policy's own table: unqualified, or qualified with `table`'s name.
    pub fn own_column(&self, table: &str) -> Option<&str> {
        match self.uncast() {
            Expr::Column(parts) if parts.len() == 1 => Some(&parts[0]),
            Expr::Column(parts) if parts.len() == 2 && parts[0] == table => Some(&parts[1]),
            _ => None,
        }
    }
}

fn node_kind(value: &Value) -> Option<(&str, &Value)> {
    let inner = value.get("node")?.as_object()?;
    let (kind, body) = inner.iter().next()?;
    Some((kind.as_str(), body))
}

fn strings(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| n.pointer("/node/String/sval").and_then(Value::as_str))
        .map(String::from)
        .collect()
}

fn boxed(value: Option<&Value>) -> Option<Box<Expr>> {
    value.filter(|v| !v.is_null()).map(|v| Box::new(convert(v)))
}

fn list(value: Option<&Value>) -> Vec<Expr> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(convert)
        .collect()
}

fn int(value: &Value, key: &str) -> i64 {
    value.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// Converts one pg_query node (as JSON) into an [`Expr`].
fn convert(value: &Value) -> Expr {
    let Some((kind, body)) = node_kind(value) else {
        return Expr::Other(Vec::new());
    };
    match kind {
        "BoolExpr" => {
            let args = list(body.get("args"));
            match int(body, "boolop") {
                1 => Expr::And(args),
                2 => Expr::Or(args),
                _ => Expr::Not(Box::new(
                    args.into_iter().next().unwrap_or(Expr::Other(vec![])),
                )),
            }
        }
        "AExpr" => {
            let kind = match int(body, "kind") {
                1 => OpKind::Plain,
                2 => OpKind::Any,
                3 => OpKind::All,
                7 => OpKind::In,
                _ => OpKind::Other,
            };
            Expr::Op {
                name: strings(body.get("name")).join("."),
                kind,
                left: boxed(body.get("lexpr")),
                right: boxed(body.get("rexpr")),
            }
        }
        "List" => Expr::List(list(body.get("items"))),
        "AArrayExpr" => Expr::List(list(body.get("elements"))),
        "RowExpr" => Expr::List(list(body.get("args"))),
        "ColumnRef" => Expr::Column(strings(body.get("fields"))),
        "AConst" => Expr::Const(literal(body)),
        "FuncCall" => Expr::Func {
            name: strings(body.get("funcname")),
            args: list(body.get("args")),
        },
        "SubLink" => Expr::Sub {
            kind: match int(body, "sub_link_type") {
                1 => SubKind::Exists,
                2 => SubKind::All,
                3 => SubKind::Any,
                5 => SubKind::Scalar,
                _ => SubKind::Other,
            },
            test: boxed(body.get("testexpr")),
            query: Box::new(
                body.get("subselect")
                    .and_then(|s| s.pointer("/node/SelectStmt"))
                    .map(query)
                    .unwrap_or_default(),
            ),
        },
        "NullTest" => Expr::NullTest {
            arg: boxed(body.get("arg")).unwrap_or_else(|| Box::new(Expr::Other(vec![]))),
            is_null: int(body, "nulltesttype") == 1,
        },
        "TypeCast" => Expr::Cast(
            boxed(body.get("arg")).unwrap_or_else(|| Box::new(Expr::Other(vec![]))),
            strings(body.pointer("/type_name/names")).join("."),
        ),
        _ => Expr::Other(nested_nodes(body)),
    }
}

fn literal(body: &Value) -> Literal {
    if body.get("isnull").and_then(Value::as_bool) == Some(true) {
        return Literal::Null;
    }
    let Some(val) = body.get("val").and_then(Value::as_object) else {
        return Literal::Null;
    };
    match val.iter().next() {
        Some((k, v)) if k == "Boolval" => {
            Literal::Bool(v.get("boolval").and_then(Value::as_bool).unwrap_or(false))
        }
        Some((k, v)) if k == "Ival" => Literal::Number(int(v, "ival").to_string()),
        Some((k, v)) if k == "Fval" => {
            Literal::Number(v.get("fval").and_then(Value::as_str).unwrap_or("0").into())
        }
        Some((_, v)) => Literal::Text(
            v.get("sval")
                .or_else(|| v.get("bsval"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into(),
        ),
        None => Literal::Null,
    }
}

/// Every node directly nested in an unknown node's fields (lists included), converted.
fn nested_nodes(body: &Value) -> Vec<Expr> {
    let mut out = Vec::new();
    collect_nodes(body, &mut out);
    out
}

fn collect_nodes(value: &Value, out: &mut Vec<Expr>) {
    match value {
        Value::Object(map) if map.contains_key("node") => out.push(convert(value)),
        Value::Object(map) => map.values().for_each(|v| collect_nodes(v, out)),
        Value::Array(items) => items.iter().for_each(|v| collect_nodes(v, out)),
        _ => {}
    }
}

fn query(select: &Value) -> Query {
    let mut query = Query {
        targets: select
            .get("target_list")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.pointer("/node/ResTarget/val"))
            .map(convert)
            .collect(),
        ..Query::default()
    };
    for item in select
        .get("from_clause")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        from_item(item, &mut query);
    }
    for key in ["where_clause", "having_clause"] {
        if let Some(filter) = select.get(key).filter(|v| !v.is_null()) {
            query.filter.push(convert(filter));
        }
    }
    // A set operation (`SELECT … UNION SELECT …`): both arms count.
    for arm in ["larg", "rarg"] {
        if let Some(inner) = select.get(arm).filter(|v| !v.is_null()) {
            let inner = query_of_node(inner);
            query.targets.extend(inner.targets);
            query.from.extend(inner.from);
            query.filter.extend(inner.filter);
            query.from_other.extend(inner.from_other);
        }
    }
    query
}

fn query_of_node(value: &Value) -> Query {
    value
        .pointer("/SelectStmt")
        .or_else(|| value.pointer("/node/SelectStmt"))
        .map(query)
        .unwrap_or_default()
}

fn from_item(item: &Value, query: &mut Query) {
    let Some((kind, body)) = node_kind(item) else {
        return;
    };
    match kind {
        "RangeVar" => {
            let schema = body.get("schemaname").and_then(Value::as_str).unwrap_or("");
            let name = body.get("relname").and_then(Value::as_str).unwrap_or("");
            query.from.push(TableRef {
                name: if schema.is_empty() {
                    name.to_string()
                } else {
                    format!("{schema}.{name}")
                },
                alias: body
                    .pointer("/alias/aliasname")
                    .and_then(Value::as_str)
                    .filter(|a| !a.is_empty())
                    .map(String::from),
            });
        }
        "JoinExpr" => {
            for side in ["larg", "rarg"] {
                if let Some(arm) = body.get(side) {
                    from_item(arm, query);
                }
            }
            if let Some(quals) = body.get("quals").filter(|v| !v.is_null()) {
                query.filter.push(convert(quals));
            }
        }
        _ => query.from_other.extend(nested_nodes(body)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> Expr {
        Expr::parse(sql).unwrap_or_else(|| panic!("{sql} does not parse"))
    }

    #[test]
    fn deparsed_policies_become_trees() {
        let e = parse("((owner_id = ( SELECT auth.uid() AS uid)) AND (status = 'draft'::text))");
        let conjuncts = e.conjuncts();
        assert_eq!(conjuncts.len(), 2);
        match conjuncts[0] {
            Expr::Op {
                name, left, right, ..
            } => {
                assert_eq!(name, "=");
                assert_eq!(left.as_ref().unwrap().own_column("t"), Some("owner_id"));
                assert!(right.as_ref().unwrap().uses_auth());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            conjuncts[1],
            Expr::Op { right: Some(r), .. } if r.uncast() == &Expr::Const(Literal::Text("draft".into()))
        ));
    }

    #[test]
    fn always_true_constants() {
        for sql in [
            "true",
            "(true)",
            "1 = 1",
            "'a'::text = 'a'::text",
            "NOT false",
            "(true OR (x = 1))",
        ] {
            assert!(parse(sql).is_always_true(), "{sql}");
        }
        for sql in [
            "false",
            "x = 1",
            "1 = 2",
            "NULL = NULL",
            "auth.uid() IS NOT NULL",
        ] {
            assert!(!parse(sql).is_always_true(), "{sql}");
        }
    }

    #[test]
    fn subqueries_keep_their_tables_and_filters() {
        let e = parse(
            "(EXISTS ( SELECT 1 FROM (public.members m JOIN public.events e ON ((e.id = m.event_id))) WHERE ((m.event_id = notes.event_id) AND (m.user_id = ( SELECT auth.uid() AS uid)))))",
        );
        let Expr::Sub { kind, query, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(*kind, SubKind::Exists);
        assert_eq!(query.from.len(), 2);
        assert_eq!(query.from[0].name, "public.members");
        assert_eq!(query.from[0].alias.as_deref(), Some("m"));
        assert_eq!(query.filter.len(), 2, "join condition and WHERE");
        let mut own = Vec::new();
        e.walk(&mut |x| {
            if let Some(c) = x.own_column("notes") {
                own.push(c.to_string());
            }
        });
        assert!(own.contains(&"event_id".to_string()), "{own:?}");
    }

    #[test]
    fn auth_values_that_can_be_null() {
        assert!(parse("auth.uid()").is_nullable_auth_value());
        assert!(parse("( SELECT auth.uid() AS uid)").is_nullable_auth_value());
        assert!(parse("(auth.jwt() ->> 'sub'::text)").is_nullable_auth_value());
        assert!(
            parse("current_setting('request.jwt.claims'::text, true)").is_nullable_auth_value()
        );
        assert!(!parse("current_setting('request.jwt.claims'::text)").is_nullable_auth_value());
        assert!(!parse("owner_id").is_nullable_auth_value());
    }
}
