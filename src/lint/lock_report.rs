//! `eventos lint --explain-locks`: per statement that runs during the migration, the locks it
//! takes on which relations, what it does to their rows under them ([`crate::lint::locks`]),
//! and whether each table is new or live ([`crate::lint::live`]) — then, per transaction, what
//! stays locked until it commits, and which scans or rewrites run while a lock that blocks
//! reads or writes is held. The review a DBA does before a deploy.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::ops::Range;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::live::{Live, TableState, table_state};
use super::locks::{Lock, LockMode, Target, Work, describe_target, statement_locks};
use super::symbols::changes::TxId;
use super::symbols::display;
use super::{TxState, UnitContext};
use crate::lint::SourceFile;
use crate::sql::LineIndex;

/// How a statement's locks are released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// With the transaction it shares with other statements (the file's, or an explicit one).
    Transaction(TxId),
    /// At its own end (autocommit).
    Own,
}

/// One statement and its locks.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its file.
    pub file: PathBuf,
    /// Its bytes in the file.
    pub span: Range<usize>,
    /// Whether its locks outlive it.
    pub scope: Scope,
    /// Each lock, with the table's state when the statement runs.
    pub locks: Vec<(Lock, TableState)>,
}

/// The entry of one unit, when it runs now and takes locks.
pub fn entry(ctx: &UnitContext<'_>) -> Option<Entry> {
    if !ctx.unit.kind.runs_now() {
        return None;
    }
    let locks: Vec<(Lock, TableState)> = statement_locks(&ctx.unit.node, ctx.symbols)
        .into_iter()
        .map(|lock| {
            let state = match lock.target {
                Target::Relation => table_state(ctx, &lock.relation),
                Target::Index | Target::DomainUsers => TableState::Live(Live::Outside),
            };
            (lock, state)
        })
        .collect();
    if locks.is_empty() {
        return None;
    }
    let scope = match ctx.transaction {
        TxState::InTransaction(_) => Scope::Transaction(ctx.symbols.transaction(ctx.file_index)),
        TxState::Autocommit | TxState::Unknown => Scope::Own,
    };
    Some(Entry {
        file: ctx.file.path.clone(),
        span: ctx.unit.span.clone(),
        scope,
        locks,
    })
}

/// `new`, `live (~1,000 rows, 8 kB)`, `live (released)`, … for the report.
fn state_label(state: &TableState, target: Target) -> String {
    match (state, target) {
        (_, Target::Index) => String::new(),
        (_, Target::DomainUsers) => "tables not named".into(),
        (TableState::New, _) => "new (empty until this deploy)".into(),
        (TableState::Live(Live::InCatalog(size)), _) => format!("live ({})", size.describe()),
        (TableState::Live(Live::Released(_)), _) => "live (released migration)".into(),
        (TableState::Live(Live::Earlier(_)), _) => "live (assumed: earlier file)".into(),
        (TableState::Live(Live::Outside), _) => "live (not created by these files)".into(),
    }
}

/// The statement's first line, whitespace collapsed, at most 72 characters.
fn headline(source: Option<&SourceFile>, span: &Range<usize>) -> String {
    let text = source
        .and_then(|s| s.text.get(span.clone()))
        .unwrap_or_default();
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > 72 {
        let cut: String = collapsed.chars().take(71).collect();
        format!("{cut}…")
    } else {
        collapsed
    }
}

fn line_of(source: Option<&SourceFile>, offset: usize) -> usize {
    source.map_or(0, |s| LineIndex::new(&s.text).line_col(offset).0)
}

/// A relation held across a transaction: its strongest mode so far, and where that was taken.
struct Held {
    mode: LockMode,
    line: usize,
}

/// Renders the report as text: files in order, statements with their locks, and per
/// transaction what stays locked and which long work runs under a blocking lock.
pub fn render_text(entries: &[Entry], sources: &[SourceFile]) -> String {
    let mut out = String::new();
    if entries.is_empty() {
        out.push_str("locks: no statement takes a table lock\n");
        return out;
    }
    let mut current_file: Option<&PathBuf> = None;
    let mut held: BTreeMap<String, Held> = BTreeMap::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut scope: Option<Scope> = None;
    for (i, entry) in entries.iter().enumerate() {
        let source = sources.iter().find(|s| s.path == entry.file);
        if current_file != Some(&entry.file) {
            current_file = Some(&entry.file);
            let _ = writeln!(out, "{}", entry.file.display());
        }
        if scope != Some(entry.scope) || matches!(entry.scope, Scope::Own) {
            held.clear();
            scope = Some(entry.scope);
        }
        let line = line_of(source, entry.span.start);
        let _ = writeln!(out, "  {line:>4}  {}", headline(source, &entry.span));
        for (lock, state) in &entry.locks {
            let target = describe_target(lock);
            let _ = writeln!(
                out,
                "        {:<22}  {:<28}  {:<34}  {}",
                lock.mode.name(),
                target,
                lock.work.describe(),
                state_label(state, lock.target)
            );
            if lock.target == Target::Relation && matches!(state, TableState::Live(_)) {
                let key = display(&lock.relation);
                if lock.work.grows_with_table()
                    && let Some(before) = held.get(&key)
                    && before.mode > lock.mode
                    && before.mode >= LockMode::Share
                {
                    warnings.push(format!(
                        "  line {line}: {} {} while {} from line {} is still held: {} wait",
                        lock.work.describe(),
                        key,
                        before.mode.name(),
                        before.line,
                        if before.mode == LockMode::AccessExclusive {
                            "reads and writes"
                        } else {
                            "writes"
                        }
                    ));
                }
                let entry_held = held.entry(key).or_insert(Held {
                    mode: lock.mode,
                    line,
                });
                if lock.mode > entry_held.mode {
                    *entry_held = Held {
                        mode: lock.mode,
                        line,
                    };
                }
            }
        }
        let next_scope = entries.get(i + 1).map(|e| e.scope);
        let transaction_ends =
            matches!(entry.scope, Scope::Transaction(_)) && next_scope != Some(entry.scope);
        if transaction_ends {
            let blocking: Vec<String> = held
                .iter()
                .filter(|(_, h)| h.mode >= LockMode::Share)
                .map(|(table, h)| format!("{table} {} (from line {})", h.mode.name(), h.line))
                .collect();
            if !blocking.is_empty() {
                let _ = writeln!(out, "        held until COMMIT: {}", blocking.join(", "));
            }
        }
    }
    if !warnings.is_empty() {
        out.push_str("\nlong work under a lock taken earlier in the same transaction:\n");
        for warning in warnings {
            out.push_str(&warning);
            out.push('\n');
        }
    }
    out
}

/// The report as JSON: one object per statement.
pub fn render_json(entries: &[Entry], sources: &[SourceFile]) -> Value {
    let statements: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let source = sources.iter().find(|s| s.path == entry.file);
            let locks: Vec<Value> = entry
                .locks
                .iter()
                .map(|(lock, state)| {
                    let (table, size) = match state {
                        TableState::New => ("new", None),
                        TableState::Live(live) => ("live", live.size()),
                    };
                    json!({
                        "relation": display(&lock.relation),
                        "target": match lock.target {
                            Target::Relation => "relation",
                            Target::Index => "index",
                            Target::DomainUsers => "domain users",
                        },
                        "mode": lock.mode.name(),
                        "work": work_id(lock.work),
                        "because": lock.because,
                        "table": table,
                        "rows": size.and_then(|s| s.rows),
                        "bytes": size.map(|s| s.bytes),
                    })
                })
                .collect();
            json!({
                "file": entry.file.display().to_string(),
                "line": line_of(source, entry.span.start),
                "statement": headline(source, &entry.span),
                "in_transaction": matches!(entry.scope, Scope::Transaction(_)),
                "locks": locks,
            })
        })
        .collect();
    Value::Array(statements)
}

fn work_id(work: Work) -> &'static str {
    match work {
        Work::Catalog => "catalog",
        Work::Writes => "writes",
        Work::Scan => "scan",
        Work::IndexBuild => "index-build",
        Work::Rewrite => "rewrite",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{LintOptions, lint_sources};

    fn report_of(files: &[(&str, &str)], options: &LintOptions) -> String {
        let sources = files
            .iter()
            .map(|(path, text)| SourceFile {
                path: (*path).into(),
                text: (*text).into(),
            })
            .collect();
        let options = LintOptions {
            explain_locks: true,
            ..options.clone()
        };
        let report = lint_sources(sources, &options);
        render_text(&report.locks, &report.sources)
    }

    #[test]
    fn a_mixed_file_shows_each_lock_and_what_stays_held() {
        let files = [
            (
                "sql/phase0/V0001__tables.sql",
                "CREATE TABLE public.orders (id bigint PRIMARY KEY, status text, customer uuid);\n\
                 CREATE TABLE public.customers (id uuid PRIMARY KEY);",
            ),
            (
                "sql/phase1/V1001__checkout.sql",
                "ALTER TABLE public.orders ADD COLUMN expires_at timestamptz;\n\
                 ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_status_check;\n\
                 ALTER TABLE public.orders ADD CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid')) NOT VALID;\n\
                 ALTER TABLE public.orders VALIDATE CONSTRAINT orders_status_check;\n\
                 ALTER TABLE public.orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer) REFERENCES public.customers NOT VALID;\n\
                 CREATE TABLE public.holds (id bigint PRIMARY KEY, order_id bigint REFERENCES public.orders);\n\
                 CREATE INDEX holds_order_id ON public.holds (order_id);\n\
                 CREATE INDEX orders_status ON public.orders (status);\n\
                 UPDATE public.orders SET status = 'pending' WHERE status IS NULL;\n\
                 CREATE POLICY orders_own ON public.orders FOR SELECT USING (true);\n\
                 ALTER TABLE public.orders ALTER COLUMN status TYPE varchar(20);",
            ),
            (
                "sql/phase1/V1002__indexes.sql",
                "-- eventos:no-transaction\n\
                 CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer ON public.orders (customer);\n\
                 VACUUM (ANALYZE) public.orders;",
            ),
        ];
        let options = crate::lint::tests::released_through("0001");
        insta::assert_snapshot!(report_of(&files, &options));
    }

    #[test]
    fn json_lists_every_lock() {
        let sources = vec![SourceFile {
            path: "V1__a.sql".into(),
            text: "ALTER TABLE app.t ADD COLUMN id uuid DEFAULT gen_random_uuid();".into(),
        }];
        let options = LintOptions {
            explain_locks: true,
            ..LintOptions::default()
        };
        let report = lint_sources(sources, &options);
        let value = render_json(&report.locks, &report.sources);
        assert_eq!(value[0]["locks"][0]["mode"], "ACCESS EXCLUSIVE");
        assert_eq!(value[0]["locks"][0]["work"], "rewrite");
        assert_eq!(value[0]["locks"][0]["table"], "live");
        assert_eq!(value[0]["line"], 1);
    }
}
