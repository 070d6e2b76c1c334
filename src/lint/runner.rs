//! Runner profiles: how the tool that applies a folder runs each file, which decides where
//! `BEGIN`/`COMMIT` and commands that cannot run in a transaction block are legal.
//!
//! Each profile models its tool's real behaviour (sources in `docs/lint.md`):
//!
//! | profile | a file runs | opt-out marker |
//! |---|---|---|
//! | `eventos` | in one transaction | `-- eventos:no-transaction` in the leading comments: statement by statement |
//! | `supabase` | in one transaction (one pipelined batch); commands PostgreSQL refuses in a transaction run alone outside it | `-- pg-delta: transaction=false` as first line, or any `BEGIN`/`COMMIT` in the file: statement by statement |
//! | `golang-migrate` | as one query string: one implicit transaction when it holds several statements | none (`x-multi-statement` is a URL option) |
//! | `sqlx` | in one transaction | `-- no-transaction` as the file's first bytes: one query string |
//! | `diesel` | in one transaction | `run_in_transaction = false` in the migration's `metadata.toml`: one query string |
//! | `flyway` | in one transaction; a file made only of commands Flyway recognises as non-transactional runs without one, a mix is refused | `executeInTransaction=false` in `<file>.conf`: statement by statement |
//! | `none` | not modelled: transaction rules stay silent | |

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, Token, TransactionStmtKind};

pub use crate::base::Runner;

/// The transaction semantics of each runner (the enum itself is a project setting, in `base`).
impl Runner {
    /// The tool's name in messages.
    pub fn tool(self) -> &'static str {
        match self {
            Runner::Eventos => "eventos",
            Runner::Supabase => "the Supabase CLI",
            Runner::GolangMigrate => "golang-migrate",
            Runner::Sqlx => "sqlx",
            Runner::Diesel => "diesel",
            Runner::Flyway => "Flyway",
            Runner::None => "the runner",
        }
    }

    /// How to run a file outside a transaction with this runner.
    pub fn opt_out(self) -> &'static str {
        match self {
            Runner::Eventos => {
                "move it to its own file whose leading comments hold `-- eventos:no-transaction`"
            }
            Runner::Supabase => {
                "put it in its own migration file (first line `-- pg-delta: transaction=false` makes the CLI run the file statement by statement)"
            }
            Runner::GolangMigrate => {
                "put it alone in its own migration file: golang-migrate sends a file as one query string, one implicit transaction"
            }
            Runner::Sqlx => {
                "put it alone in its own migration file starting with `-- no-transaction`"
            }
            Runner::Diesel => {
                "put it alone in its own migration with `run_in_transaction = false` in its metadata.toml"
            }
            Runner::Flyway => {
                "put it in its own migration holding only such commands (Flyway then runs it without a transaction)"
            }
            Runner::None => "run it outside a transaction block",
        }
    }
}

/// Whether a statement runs inside a transaction block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxState {
    /// Outside any transaction block: the statement commits on its own.
    Autocommit,
    /// Inside a transaction block.
    InTransaction(Cause),
    /// The runner is not modelled (`none`).
    Unknown,
}

/// Why a statement is inside a transaction block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The runner wraps the file in a transaction.
    RunnerWraps(Runner),
    /// The runner sends the file as one query string of several statements: PostgreSQL runs it
    /// as one implicit transaction.
    OneQuery(Runner),
    /// The file's own `BEGIN`.
    Explicit,
}

impl Cause {
    /// Explains the transaction for a message.
    pub fn describe(self) -> String {
        match self {
            Cause::RunnerWraps(runner) => {
                format!(
                    "{} runs each migration file in a transaction",
                    runner.tool()
                )
            }
            Cause::OneQuery(runner) => format!(
                "{} sends the file as one query string, which PostgreSQL runs as one implicit transaction",
                runner.tool()
            ),
            Cause::Explicit => "the file's own BEGIN opened a transaction block".into(),
        }
    }
}

/// How a runner executes one particular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Execution {
    /// In one transaction; the file's own transaction control breaks it.
    Wrapped,
    /// In one transaction, except the commands the Supabase CLI runs alone outside it.
    WrappedExceptStandalone,
    /// As one query string.
    OneQuery,
    /// Statement by statement in autocommit.
    EachStatement,
    /// Not modelled.
    Unknown,
}

/// What a file says about itself, beyond its statements.
#[derive(Debug, Clone, Copy)]
pub struct FileFacts<'a> {
    /// The file's text.
    pub text: &'a str,
    /// The runner's side configuration marks it non-transactional (diesel `metadata.toml`,
    /// Flyway `<file>.conf`).
    pub configured_no_transaction: bool,
}

/// The transaction state of every top-level statement of a file, and what the runner refuses.
#[derive(Debug, Clone)]
pub struct FilePlan {
    /// The runner.
    pub runner: Runner,
    /// One state per top-level statement, in order.
    pub states: Vec<TxState>,
    /// Whether the runner wraps this file in its own transaction (so the file must not control
    /// transactions).
    pub wrapped: bool,
    /// A `BEGIN` never closed by the end of the file (index of the statement).
    pub unclosed_begin: Option<usize>,
    /// Flyway refuses the file: it mixes transactional statements with the non-transactional
    /// commands at these indexes.
    pub flyway_mixed: Vec<usize>,
}

/// What a file's plan needs to know about one of its top-level statements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatementFacts {
    /// `Some(true)` when it opens a transaction block, `Some(false)` when it ends one.
    pub transaction: Option<bool>,
    /// Flyway's parser recognises it as non-transactional.
    pub flyway_non_transactional: bool,
    /// The Supabase CLI runs it alone, outside the file's transaction.
    pub supabase_standalone: bool,
}

impl StatementFacts {
    /// The facts of a parsed statement.
    pub fn of(node: &NodeEnum) -> StatementFacts {
        StatementFacts {
            transaction: ends_or_begins(node),
            flyway_non_transactional: flyway_non_transactional(node),
            supabase_standalone: supabase_standalone(node),
        }
    }
}

/// Tokens one of which every statement with facts beginning `CREATE`, `DROP` or `ALTER` holds
/// (`CONCURRENTLY`, `DATABASE`, `TABLESPACE`, `SUBSCRIPTION`, `SYSTEM`): with
/// [`may_have_facts`], they let a file be planned from its scanner tokens, parsing only the
/// statements that may matter.
pub const FACT_TOKENS: [Token; 5] = [
    Token::Concurrently,
    Token::Database,
    Token::Tablespace,
    Token::Subscription,
    Token::SystemP,
];

/// Whether a statement whose first token is `first` (`None`: unknown) and which holds the
/// [`FACT_TOKENS`] flagged in `watched` (bit `i` for `FACT_TOKENS[i]`) can have facts other than
/// the default. A superset: the statement is parsed to decide.
pub fn may_have_facts(first: Option<Token>, watched: u8) -> bool {
    match first {
        None => true,
        Some(
            Token::AbortP
            | Token::BeginP
            | Token::Start
            | Token::Commit
            | Token::EndP
            | Token::Rollback
            | Token::Prepare
            | Token::Reindex
            | Token::Vacuum
            | Token::Discard
            | Token::Cluster,
        ) => true,
        Some(Token::Create | Token::Drop | Token::Alter) => watched != 0,
        Some(_) => false,
    }
}

/// Plans a file: `statements` are the facts of its top-level statements in order, as the
/// scanner splits them (a statement that does not parse has the default facts).
pub fn plan(runner: Runner, facts: FileFacts<'_>, statements: &[StatementFacts]) -> FilePlan {
    let flyway_detected: Vec<usize> = statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.flyway_non_transactional)
        .map(|(i, _)| i)
        .collect();
    let has_transaction_control = statements.iter().any(|s| s.transaction.is_some());
    let execution = match runner {
        Runner::Eventos if crate::bundle::has_no_transaction_directive(facts.text) => {
            Execution::EachStatement
        }
        Runner::Eventos | Runner::Diesel | Runner::Sqlx => Execution::Wrapped,
        Runner::Supabase if supabase_no_transaction(facts.text) || has_transaction_control => {
            Execution::EachStatement
        }
        Runner::Supabase => Execution::WrappedExceptStandalone,
        Runner::GolangMigrate => Execution::OneQuery,
        Runner::Flyway if facts.configured_no_transaction => Execution::EachStatement,
        Runner::Flyway if !flyway_detected.is_empty() => Execution::EachStatement,
        Runner::Flyway => Execution::Wrapped,
        Runner::None => Execution::Unknown,
    };
    let execution = match (runner, execution) {
        (Runner::Sqlx, Execution::Wrapped) if facts.text.starts_with("-- no-transaction") => {
            Execution::OneQuery
        }
        (Runner::Diesel, Execution::Wrapped) if facts.configured_no_transaction => {
            Execution::OneQuery
        }
        (_, execution) => execution,
    };
    let flyway_mixed = if runner == Runner::Flyway && flyway_detected.len() < statements.len() {
        flyway_detected
    } else {
        Vec::new()
    };
    let (states, unclosed_begin) = states(runner, execution, statements);
    FilePlan {
        runner,
        states,
        wrapped: matches!(
            execution,
            Execution::Wrapped | Execution::WrappedExceptStandalone
        ),
        unclosed_begin,
        flyway_mixed,
    }
}

/// Walks the statements, tracking the file's own transaction blocks.
fn states(
    runner: Runner,
    execution: Execution,
    statements: &[StatementFacts],
) -> (Vec<TxState>, Option<usize>) {
    let base = match execution {
        Execution::Wrapped | Execution::WrappedExceptStandalone => {
            TxState::InTransaction(Cause::RunnerWraps(runner))
        }
        Execution::OneQuery if statements.len() > 1 => {
            TxState::InTransaction(Cause::OneQuery(runner))
        }
        Execution::OneQuery | Execution::EachStatement => TxState::Autocommit,
        Execution::Unknown => return (vec![TxState::Unknown; statements.len()], None),
    };
    let mut out = Vec::with_capacity(statements.len());
    let mut open: Option<usize> = None;
    for (i, statement) in statements.iter().enumerate() {
        let state = match (open, execution) {
            (Some(_), _) => TxState::InTransaction(Cause::Explicit),
            (None, Execution::WrappedExceptStandalone) if statement.supabase_standalone => {
                TxState::Autocommit
            }
            (None, _) => base,
        };
        out.push(state);
        match statement.transaction {
            Some(true) if open.is_none() => open = Some(i),
            Some(false) => open = None,
            _ => {}
        }
    }
    let wrapped = matches!(
        execution,
        Execution::Wrapped | Execution::WrappedExceptStandalone
    );
    (out, open.filter(|_| !wrapped))
}

/// `Some(true)` for a statement opening a transaction block, `Some(false)` for one ending it.
fn ends_or_begins(node: &NodeEnum) -> Option<bool> {
    let NodeEnum::TransactionStmt(stmt) = node else {
        return None;
    };
    match TransactionStmtKind::try_from(stmt.kind).ok()? {
        TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart => Some(true),
        TransactionStmtKind::TransStmtCommit
        | TransactionStmtKind::TransStmtRollback
        | TransactionStmtKind::TransStmtPrepare => Some(false),
        _ => None,
    }
}

/// The Supabase CLI's file-level no-transaction directive: exactly the first line.
fn supabase_no_transaction(text: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|line| line.trim_end_matches('\r') == "-- pg-delta: transaction=false")
}

/// What PostgreSQL refuses inside a transaction block, named for messages.
pub fn non_transactional(node: &NodeEnum) -> Option<&'static str> {
    match node {
        NodeEnum::IndexStmt(s) if s.concurrent => Some("CREATE INDEX CONCURRENTLY"),
        NodeEnum::DropStmt(s) if s.concurrent => Some("DROP INDEX CONCURRENTLY"),
        NodeEnum::ReindexStmt(s) if s.params.iter().any(is_concurrently_option) => {
            Some("REINDEX CONCURRENTLY")
        }
        NodeEnum::ReindexStmt(s)
            if s.kind >= pg_query::protobuf::ReindexObjectType::ReindexObjectSchema as i32 =>
        {
            Some("REINDEX SCHEMA/SYSTEM/DATABASE")
        }
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd => Some("VACUUM"),
        NodeEnum::AlterTableStmt(s) if s.cmds.iter().any(is_concurrent_detach) => {
            Some("DETACH PARTITION CONCURRENTLY")
        }
        NodeEnum::CreatedbStmt(_) => Some("CREATE DATABASE"),
        NodeEnum::DropdbStmt(_) => Some("DROP DATABASE"),
        NodeEnum::CreateTableSpaceStmt(_) => Some("CREATE TABLESPACE"),
        NodeEnum::DropTableSpaceStmt(_) => Some("DROP TABLESPACE"),
        NodeEnum::DiscardStmt(s)
            if s.target == pg_query::protobuf::DiscardMode::DiscardAll as i32 =>
        {
            Some("DISCARD ALL")
        }
        _ => None,
    }
}

/// Commands the Supabase CLI runs alone, outside the file's transaction (CLI ≥ 2.109).
fn supabase_standalone(node: &NodeEnum) -> bool {
    non_transactional(node).is_some()
        || matches!(
            node,
            NodeEnum::AlterSystemStmt(_) | NodeEnum::ClusterStmt(_)
        )
}

/// Commands Flyway's PostgreSQL parser recognises as non-transactional.
fn flyway_non_transactional(node: &NodeEnum) -> bool {
    match node {
        NodeEnum::IndexStmt(s) => s.concurrent,
        NodeEnum::DropStmt(s) => s.concurrent,
        NodeEnum::ReindexStmt(s) => {
            s.kind >= pg_query::protobuf::ReindexObjectType::ReindexObjectSchema as i32
        }
        NodeEnum::VacuumStmt(s) => s.is_vacuumcmd,
        NodeEnum::AlterSystemStmt(_)
        | NodeEnum::CreatedbStmt(_)
        | NodeEnum::DropdbStmt(_)
        | NodeEnum::CreateTableSpaceStmt(_)
        | NodeEnum::DropTableSpaceStmt(_)
        | NodeEnum::CreateSubscriptionStmt(_)
        | NodeEnum::DropSubscriptionStmt(_) => true,
        NodeEnum::DiscardStmt(s) => s.target == pg_query::protobuf::DiscardMode::DiscardAll as i32,
        _ => false,
    }
}

fn is_concurrently_option(node: &pg_query::protobuf::Node) -> bool {
    matches!(node.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently")
}

fn is_concurrent_detach(node: &pg_query::protobuf::Node) -> bool {
    let Some(NodeEnum::AlterTableCmd(cmd)) = node.node.as_ref() else {
        return false;
    };
    cmd.subtype == AlterTableType::AtDetachPartition as i32
        && matches!(cmd.def.as_ref().and_then(|d| d.node.as_ref()), Some(NodeEnum::PartitionCmd(p)) if p.concurrent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(runner: Runner, sql: &str, configured: bool) -> FilePlan {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let nodes: Vec<NodeEnum> = parsed
            .protobuf
            .stmts
            .into_iter()
            .filter_map(|s| s.stmt.and_then(|n| n.node))
            .collect();
        let statements: Vec<StatementFacts> = nodes.iter().map(StatementFacts::of).collect();
        let facts = FileFacts {
            text: sql,
            configured_no_transaction: configured,
        };
        plan(runner, facts, &statements)
    }

    const AUTO: TxState = TxState::Autocommit;

    #[test]
    fn golang_migrate_runs_a_file_as_one_query() {
        let one = plan_of(
            Runner::GolangMigrate,
            "CREATE INDEX CONCURRENTLY i ON t (a);",
            false,
        );
        assert_eq!(one.states, vec![AUTO]);
        let many = plan_of(
            Runner::GolangMigrate,
            "SELECT 1; CREATE INDEX CONCURRENTLY i ON t (a);",
            false,
        );
        assert_eq!(
            many.states[1],
            TxState::InTransaction(Cause::OneQuery(Runner::GolangMigrate))
        );
        let explicit = plan_of(
            Runner::GolangMigrate,
            "BEGIN; SELECT 1; COMMIT; SELECT 2; BEGIN;",
            false,
        );
        assert_eq!(explicit.states[1], TxState::InTransaction(Cause::Explicit));
        assert_eq!(explicit.unclosed_begin, Some(4));
        assert!(!explicit.wrapped);
    }

    #[test]
    fn markers_switch_each_runner_off() {
        let eventos = plan_of(
            Runner::Eventos,
            "-- eventos:no-transaction\nVACUUM t;",
            false,
        );
        assert_eq!(eventos.states, vec![AUTO]);
        let sqlx = plan_of(Runner::Sqlx, "-- no-transaction\nVACUUM t;", false);
        assert_eq!(sqlx.states, vec![AUTO]);
        let sqlx_late = plan_of(Runner::Sqlx, "\n-- no-transaction\nVACUUM t;", false);
        assert!(
            sqlx_late.wrapped,
            "sqlx reads the marker only at the first byte"
        );
        let diesel = plan_of(Runner::Diesel, "VACUUM t;", true);
        assert_eq!(diesel.states, vec![AUTO]);
        let supabase = plan_of(
            Runner::Supabase,
            "-- pg-delta: transaction=false\nSELECT 1; VACUUM t;",
            false,
        );
        assert_eq!(supabase.states, vec![AUTO, AUTO]);
    }

    #[test]
    fn supabase_runs_non_transactional_commands_alone() {
        let p = plan_of(
            Runner::Supabase,
            "CREATE TABLE t (a int); CREATE INDEX CONCURRENTLY i ON t (a);",
            false,
        );
        assert_eq!(p.states[1], AUTO);
        assert!(p.wrapped);
        let authored = plan_of(
            Runner::Supabase,
            "BEGIN; CREATE TABLE t (a int); COMMIT;",
            false,
        );
        assert!(!authored.wrapped);
    }

    #[test]
    fn flyway_refuses_mixed_files_and_runs_pure_ones_without_transaction() {
        let mixed = plan_of(
            Runner::Flyway,
            "CREATE TABLE t (a int); CREATE INDEX CONCURRENTLY i ON t (a);",
            false,
        );
        assert_eq!(mixed.flyway_mixed, vec![1]);
        let pure = plan_of(
            Runner::Flyway,
            "CREATE INDEX CONCURRENTLY i ON t (a); DROP INDEX CONCURRENTLY j;",
            false,
        );
        assert!(pure.flyway_mixed.is_empty());
        assert_eq!(pure.states, vec![AUTO, AUTO]);
        let undetected = plan_of(Runner::Flyway, "REINDEX INDEX CONCURRENTLY i;", false);
        assert!(
            undetected.wrapped,
            "Flyway does not recognise REINDEX INDEX CONCURRENTLY"
        );
    }

    #[test]
    fn every_statement_with_facts_is_flagged_by_its_tokens() {
        let battery = "BEGIN; begin work; START TRANSACTION ISOLATION LEVEL SERIALIZABLE; COMMIT; \
            commit and chain; END; ROLLBACK; ABORT; PREPARE TRANSACTION 'x'; SAVEPOINT s; \
            CREATE INDEX CONCURRENTLY i ON t (a); create unique index concurrently if not exists i on t (a); \
            DROP INDEX CONCURRENTLY IF EXISTS i; REINDEX INDEX CONCURRENTLY i; REINDEX (CONCURRENTLY) TABLE t; \
            REINDEX SCHEMA s; REINDEX DATABASE; VACUUM; VACUUM (ANALYZE) t; VACUUM FULL t; ANALYZE t; \
            ALTER TABLE p DETACH PARTITION c CONCURRENTLY; ALTER TABLE p DETACH PARTITION c FINALIZE; \
            CREATE DATABASE d; DROP DATABASE IF EXISTS d WITH (FORCE); CREATE TABLESPACE s LOCATION '/x'; \
            DROP TABLESPACE s; CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p; DROP SUBSCRIPTION s; \
            DISCARD ALL; DISCARD PLANS; ALTER SYSTEM SET work_mem = '1MB'; alter system reset all; \
            CLUSTER t USING i; CLUSTER; CREATE TABLE t (a int); DROP TABLE t; ALTER TABLE t ADD b int;";
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut texts = vec![battery.to_string()];
        let mut folders = vec![corpus];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "sql") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut with_facts = 0;
        for text in &texts {
            for piece in crate::sql::pieces(text, &FACT_TOKENS) {
                let Ok(parsed) = crate::sql::parse(&text[piece.span.clone()]) else {
                    continue;
                };
                for raw in parsed.stmts {
                    let node = raw.stmt.and_then(|n| n.node).unwrap();
                    if StatementFacts::of(&node) != StatementFacts::default() {
                        with_facts += 1;
                        assert!(
                            may_have_facts(piece.first, piece.watched),
                            "{}",
                            &text[piece.span.clone()]
                        );
                    }
                }
            }
        }
        assert!(with_facts >= 30, "{with_facts}");
    }

    #[test]
    fn runner_ids_round_trip() {
        for id in [
            "eventos",
            "supabase",
            "golang-migrate",
            "sqlx",
            "diesel",
            "flyway",
            "none",
        ] {
            assert_eq!(Runner::from_id(id).unwrap().id(), id);
        }
    }
}
