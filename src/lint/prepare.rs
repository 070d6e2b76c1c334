//! Preparing files for the rule pass, on worker threads: read, split with the scanner, plan from
//! the scanner's tokens, parse in chunks, expand every statement into its units.
//!
//! Files are read as the pipeline reaches them ([`Inputs`]: a small one by its worker, a large
//! one by the job source that lays it out), not all up front, and each file's text travels to
//! the rule pass with its first part; what brings the text back for the report
//! ([`StoredText`]) rides on its last part.
//!
//! A file is split into statements by libpg_query's scanner ([`sql::pieces`]) and planned at
//! once: the runner's view of each statement (transaction control, non-transactional commands)
//! comes from parsing only the few statements whose tokens can carry it
//! ([`runner::may_have_facts`]). The statements are then parsed in chunks of about
//! [`Tuning::chunk_bytes`], each chunk on whichever worker is free, and the rule pass consumes
//! the chunks in file order as they come: a file's parse trees are never all held at once.
//!
//! A chunk is cut only after a `;` that the grammar also ends a statement at (outside
//! parentheses and `BEGIN ATOMIC` bodies), so a chunk parses to exactly the statements a parse of
//! the whole file would give. A chunk that does not parse is parsed statement by statement, as
//! the whole file would be once it fails. Files the scanner cannot cut safely (a `;` inside
//! parentheses, as in a multi-action `CREATE RULE` or unbalanced brackets; an unclosed
//! `BEGIN ATOMIC` body) are prepared whole, the way [`prepare_whole_file`] does.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use pg_query::NodeEnum;

use super::runner::{self, FilePlan, StatementFacts};
use super::stored::{Keep, StoredText};
use super::units::{self, Unit};
use super::{LintOptions, discover, rules};
use crate::lint::{Diagnostic, SourceFile};
use crate::sql::{self, Piece, Statement};

/// How the pipeline cuts and schedules work (the report does not depend on it).
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Threads that run jobs, the calling one among them (1: everything on the calling thread).
    pub workers: usize,
    /// Target size of a chunk of statements parsed at once, in bytes of SQL.
    pub chunk_bytes: usize,
    /// Chunks handed out and not yet consumed by the rule pass, at most.
    pub in_flight: usize,
}

impl Tuning {
    /// One worker per core, 4 KiB chunks, two chunks in flight per worker.
    ///
    /// A chunk's parse trees take over 100 times its SQL, and up to two chunks per worker wait
    /// for the rule pass: 16 KiB chunks held 6–11 MB of trees at the peak, 4 KiB chunks a
    /// quarter of that, at the same speed on every shape of `scripts/bench-lint`.
    pub fn for_this_machine() -> Tuning {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        Tuning {
            workers,
            chunk_bytes: 4 * 1024,
            in_flight: 2 * workers,
        }
    }
}

/// A file split into statements and planned, before its statements are parsed for the rules.
#[derive(Debug)]
pub struct Layout {
    /// The statements as the scanner splits them.
    pieces: Vec<Piece>,
    /// How the runner executes each of them.
    plan: FilePlan,
    /// Ranges of `pieces` parsed together; empty when the file must be prepared whole.
    chunks: Vec<Range<usize>>,
}

impl Layout {
    /// Splits and plans `source`.
    pub fn of(source: &SourceFile, options: &LintOptions, chunk_bytes: usize) -> Layout {
        let pieces = sql::pieces(&source.text, &runner::FACT_TOKENS);
        let facts: Vec<StatementFacts> = pieces
            .iter()
            .map(|piece| facts_from_tokens(&source.text, piece))
            .collect();
        let plan = plan(source, options, &facts);
        let chunks = if pieces.iter().all(|p| p.cut) {
            chunk(&pieces, chunk_bytes)
        } else {
            Vec::new()
        };
        Layout {
            pieces,
            plan,
            chunks,
        }
    }
}

/// A part of a file, ready for the rule pass.
#[derive(Debug)]
pub struct Prepared {
    /// The file's position in lint order.
    pub file: usize,
    /// The file's plan, on its first part.
    pub plan: Option<FilePlan>,
    /// Whether this is the file's last part.
    pub last: bool,
    /// Syntax errors of the part's statements and of their bodies.
    pub problems: Vec<Diagnostic>,
    /// The file's credentials (`hardcoded-secret`), on its first part.
    pub secrets: Vec<Diagnostic>,
    /// The statements that parsed, in order.
    pub statements: Vec<PreparedStatement>,
    /// The file itself, on its first part.
    pub source: Option<Arc<SourceFile>>,
    /// What brings its text back for the report, on its last part.
    pub stored: Option<StoredText>,
}

/// One parsed top-level statement and its units.
#[derive(Debug)]
pub struct PreparedStatement {
    /// Its index among the file's statements as the scanner splits them.
    pub index: usize,
    /// Its span (leading trivia excluded).
    pub span: Range<usize>,
    /// The statement itself first, then what runs inside it.
    pub units: Vec<Unit>,
}

/// Prepares a whole file in one go: a small one from a single parse when it parses, else in
/// chunks when it can be cut, else as a sequential engine would, parsing the whole text at once
/// and statement by statement when that fails.
pub fn prepare_file(
    file: usize,
    source: &SourceFile,
    options: &LintOptions,
    chunk_bytes: usize,
) -> Prepared {
    if source.text.len() <= chunk_bytes
        && let Some(whole) = prepare_parsed_file(file, source, options)
    {
        return whole;
    }
    let layout = Layout::of(source, options, chunk_bytes);
    if layout.chunks.is_empty() {
        return prepare_whole_file(file, source, options);
    }
    let mut whole = Prepared {
        file,
        plan: Some(layout.plan.clone()),
        last: true,
        problems: Vec::new(),
        secrets: Vec::new(),
        statements: Vec::new(),
        source: None,
        stored: None,
    };
    for index in 0..layout.chunks.len() {
        let part = prepare_chunk(file, source, &layout, index);
        whole.problems.extend(part.problems);
        whole.secrets.extend(part.secrets);
        whole.statements.extend(part.statements);
    }
    whole
}

/// Prepares chunk `index` of a file laid out as `layout`.
pub fn prepare_chunk(file: usize, source: &SourceFile, layout: &Layout, index: usize) -> Prepared {
    let text = &source.text;
    let range = layout.chunks[index].clone();
    let pieces = &layout.pieces[range.clone()];
    let mut parsed: Vec<(usize, Statement, usize)> = Vec::with_capacity(pieces.len());
    let mut errors = Vec::new();
    let (Some(first), Some(last)) = (pieces.first(), pieces.last()) else {
        // A file without statements: one empty chunk, carrying the plan.
        let mut part = expand(source, file, parsed, &errors);
        part.plan = Some(layout.plan.clone());
        part.last = true;
        part.secrets = rules::hardcoded_secret::scan_file(source);
        return part;
    };
    let (start, end) = (first.span.start, last.through);
    match sql::parse_statements_at(text, start..end) {
        Ok(statements) if statements.len() == pieces.len() => {
            parsed.extend(
                statements
                    .into_iter()
                    .zip(range)
                    .map(|(statement, i)| (i, statement, start)),
            );
        }
        _ => {
            for (i, piece) in range.zip(pieces) {
                match sql::parse_piece(text, piece.span.clone()) {
                    Ok(statements) => parsed.extend(
                        statements
                            .into_iter()
                            .map(|statement| (i, statement, piece.span.start)),
                    ),
                    Err(err) => errors.push(err),
                }
            }
        }
    }
    let mut part = expand(source, file, parsed, &errors);
    if index == 0 {
        part.plan = Some(layout.plan.clone());
        part.secrets = rules::hardcoded_secret::scan_file(source);
    }
    part.last = index + 1 == layout.chunks.len();
    part
}

/// Prepares a file that parses as a whole from that one parse, without the scanner's split:
/// `None` when it does not parse, or when a statement holds a `;` of its own (a multi-action
/// `CREATE RULE`), where the scanner's statements are not the parser's.
///
/// Every other statement ends at the `;` the scanner splits at (a `BEGIN ATOMIC` body is one
/// statement to both), so the parser's statements are the scanner's, one for one, and the plan
/// comes from their trees as in [`prepare_whole_file`]. Most of a history's files take this
/// path, which spares them a scan and a second parse of their transaction statements.
fn prepare_parsed_file(
    file: usize,
    source: &SourceFile,
    options: &LintOptions,
) -> Option<Prepared> {
    let statements = sql::parse_statements_at(&source.text, 0..source.text.len()).ok()?;
    let nodes = || {
        statements
            .iter()
            .filter_map(|s| s.node.as_ref()?.node.as_ref())
    };
    if nodes().any(|node| matches!(node, NodeEnum::RuleStmt(rule) if rule.actions.len() > 1)) {
        return None;
    }
    let facts: Vec<StatementFacts> = nodes().map(StatementFacts::of).collect();
    if facts.len() != statements.len() {
        return None;
    }
    let parsed = statements
        .into_iter()
        .enumerate()
        .map(|(index, statement)| (index, statement, 0))
        .collect();
    let mut whole = expand(source, file, parsed, &[]);
    whole.plan = Some(plan(source, options, &facts));
    whole.last = true;
    whole.secrets = rules::hardcoded_secret::scan_file(source);
    Some(whole)
}

/// Prepares a file as a sequential engine does: the whole text parsed at once and, when that
/// fails, statement by statement; the plan from every parsed statement's tree.
pub fn prepare_whole_file(file: usize, source: &SourceFile, options: &LintOptions) -> Prepared {
    let text = &source.text;
    let pieces = sql::pieces(text, &[]);
    let (statements, errors) = match sql::parse_statements(text) {
        Ok(statements) => (statements.into_iter().map(|s| (s, 0)).collect(), Vec::new()),
        Err(_) => sql::parse_each(text),
    };
    let mut facts = vec![StatementFacts::default(); pieces.len()];
    let parsed: Vec<(usize, Statement, usize)> = statements
        .into_iter()
        .map(|(statement, base)| {
            let index = pieces
                .partition_point(|p| p.span.start <= statement.span.start)
                .saturating_sub(1);
            if let Some(node) = statement.node.as_ref().and_then(|n| n.node.as_ref())
                && let Some(slot) = facts.get_mut(index)
            {
                *slot = StatementFacts::of(node);
            }
            (index, statement, base)
        })
        .collect();
    let mut whole = expand(source, file, parsed, &errors);
    whole.plan = Some(plan(source, options, &facts));
    whole.last = true;
    whole.secrets = rules::hardcoded_secret::scan_file(source);
    whole
}

/// The file's plan from the facts of its statements.
fn plan(source: &SourceFile, options: &LintOptions, facts: &[StatementFacts]) -> FilePlan {
    let file_facts = runner::FileFacts {
        text: &source.text,
        configured_no_transaction: options.no_transaction_files.contains(&source.path),
    };
    runner::plan(options.runner, file_facts, facts)
}

/// The runner facts of a statement, parsing it only when its tokens say it may have some.
fn facts_from_tokens(text: &str, piece: &Piece) -> StatementFacts {
    if !runner::may_have_facts(piece.first, piece.watched) {
        return StatementFacts::default();
    }
    match sql::parse(&text[piece.span.clone()]) {
        Ok(parsed) => match parsed.stmts.as_slice() {
            [raw] => raw
                .stmt
                .as_ref()
                .and_then(|n| n.node.as_ref())
                .map(StatementFacts::of)
                .unwrap_or_default(),
            _ => StatementFacts::default(),
        },
        Err(_) => StatementFacts::default(),
    }
}

/// Groups consecutive pieces into chunks of about `chunk_bytes`.
fn chunk(pieces: &[Piece], chunk_bytes: usize) -> Vec<Range<usize>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    for (i, piece) in pieces.iter().enumerate() {
        let size = piece.through - pieces[start].span.start;
        if size >= chunk_bytes {
            chunks.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < pieces.len() {
        chunks.push(start..pieces.len());
    }
    if chunks.is_empty() {
        // A file without statements is one empty chunk, so it still gets its plan.
        chunks.push(0..0);
    }
    chunks
}

/// Expands parsed statements (index, statement, the offset its locations are relative to) into
/// units; `errors` are the statements that did not parse.
fn expand(
    source: &SourceFile,
    file: usize,
    parsed: Vec<(usize, Statement, usize)>,
    errors: &[sql::SyntaxError],
) -> Prepared {
    let mut problems: Vec<Diagnostic> = errors
        .iter()
        .map(|err| rules::syntax_error::diagnostic(source, err))
        .collect();
    let mut statements = Vec::with_capacity(parsed.len());
    for (index, statement, base) in parsed {
        let span = statement.span.clone();
        let expansion = units::units_of(&source.text, statement, base);
        problems.extend(
            expansion
                .errors
                .iter()
                .map(|err| rules::syntax_error::body_diagnostic(source, err)),
        );
        statements.push(PreparedStatement {
            index,
            span,
            units: expansion.units,
        });
    }
    Prepared {
        file,
        plan: None,
        last: false,
        problems,
        secrets: Vec::new(),
        statements,
        source: None,
        stored: None,
    }
}

/// The files to lint, in order: texts already in memory, or files on disk read as the
/// pipeline reaches them (so reading overlaps parsing, and no text is read long before its turn).
pub enum Inputs {
    /// Texts in memory (bundles, tests).
    Texts(std::vec::IntoIter<SourceFile>),
    /// Files read at most `max_file_bytes` each ([`discover::read_migration`]).
    Files {
        /// The files, in lint order, with their sizes when listed.
        files: std::vec::IntoIter<(PathBuf, u64)>,
        /// The size limit.
        max_file_bytes: u64,
    },
}

impl Inputs {
    /// Files on disk, in lint order, each of about the size given (what [`discover`] found).
    pub fn on_disk(paths: Vec<PathBuf>, sizes: Vec<u64>, max_file_bytes: u64) -> Inputs {
        let files: Vec<(PathBuf, u64)> = paths.into_iter().zip(sizes).collect();
        Inputs::Files {
            files: files.into_iter(),
            max_file_bytes,
        }
    }

    /// The paths of the files still to lint, in order.
    pub fn paths(&self) -> Vec<&std::path::Path> {
        match self {
            Inputs::Texts(texts) => texts.as_slice().iter().map(|s| s.path.as_path()).collect(),
            Inputs::Files { files, .. } => {
                files.as_slice().iter().map(|(p, _)| p.as_path()).collect()
            }
        }
    }

    /// How the report gets these files' texts back: files on disk are read again.
    pub fn keep(&self) -> Keep {
        match self {
            Inputs::Texts(_) => Keep::Compressed,
            Inputs::Files { max_file_bytes, .. } => Keep::Reread {
                max_file_bytes: *max_file_bytes,
            },
        }
    }

    /// The next file, not read yet, and its size (as listed, for a file on disk).
    fn next_unread(&mut self) -> Option<(Unread, usize)> {
        match self {
            Inputs::Texts(texts) => texts.next().map(|source| {
                let size = source.text.len();
                (Unread::Text(source), size)
            }),
            Inputs::Files {
                files,
                max_file_bytes,
            } => files.next().map(|(path, size)| {
                let max_file_bytes = *max_file_bytes;
                let size = usize::try_from(size).unwrap_or(usize::MAX);
                (
                    Unread::File {
                        path,
                        max_file_bytes,
                    },
                    size,
                )
            }),
        }
    }
}

/// A file the pipeline has not read yet.
#[derive(Debug)]
pub enum Unread {
    /// Its text is already in memory.
    Text(SourceFile),
    /// It is read from disk.
    File {
        /// Where it is.
        path: PathBuf,
        /// The size limit on the read.
        max_file_bytes: u64,
    },
}

impl Unread {
    /// The file with its text.
    fn read(self) -> Result<SourceFile> {
        match self {
            Unread::Text(source) => Ok(source),
            Unread::File {
                path,
                max_file_bytes,
            } => {
                let text = discover::read_migration(&path, max_file_bytes)?;
                Ok(SourceFile { path, text })
            }
        }
    }
}

/// A file as the pipeline reads it: its position, its text as the server is sent it (psql's part
/// set aside, [`read_file`]) and the findings on that part, which its first part carries.
#[derive(Debug)]
pub struct ReadFile {
    /// The file's position in lint order.
    pub file: usize,
    /// The file, psql's part blanked.
    pub source: Arc<SourceFile>,
    /// `psql-only` findings.
    pub psql: Vec<Diagnostic>,
    /// What brings the text back as read, when its psql part was blanked (its last part
    /// carries it).
    pub stored: Option<StoredText>,
}

impl ReadFile {
    /// The same file for another of its chunks: no findings of its own, and `stored` (`Some` on
    /// its last chunk).
    fn for_chunk(&self, stored: Option<StoredText>) -> ReadFile {
        ReadFile {
            file: self.file,
            source: Arc::clone(&self.source),
            psql: Vec::new(),
            stored,
        }
    }
}

/// `source` read for the pipeline: psql's part (meta-commands, inline `COPY` data:
/// [`sql::psql`]) replaced by spaces, every position unchanged, and the `psql-only` findings on it.
pub fn read_file(file: usize, source: SourceFile, options: &LintOptions, keep: Keep) -> ReadFile {
    let parts = sql::psql::client_parts(&source.text);
    if parts.is_empty() {
        return ReadFile {
            file,
            source: Arc::new(source),
            psql: Vec::new(),
            stored: None,
        };
    }
    // The report quotes the text as read: what brings it back is made from that text.
    let stored = Some(StoredText::of(&source, keep));
    let psql = rules::psql_only::findings(&source, &parts, options.runner);
    let text = sql::psql::blank(source.text, &parts);
    ReadFile {
        file,
        source: Arc::new(SourceFile {
            path: source.path,
            text,
        }),
        psql,
        stored,
    }
}

/// Hands out the pipeline's jobs in file order: consecutive small files together (up to a
/// chunk's worth of SQL by their listed sizes, so a history of 14,000 small files is not 14,000
/// hand-offs between threads), read by the worker that prepares them; a large file chunk by
/// chunk, read and laid out here, while the workers parse the previous chunks. The first large
/// file that cannot be read ends the jobs and is [`Jobs::failure`] (a small one is the failure
/// of its job, [`Done::failure`]).
pub struct Jobs<'a> {
    inputs: Inputs,
    options: &'a LintOptions,
    chunk_bytes: usize,
    next_file: usize,
    /// A file not handed out yet (it did not fit the previous batch), its position and size.
    peeked: Option<(usize, Unread, usize)>,
    /// The file being handed out chunk by chunk, its layout and its next chunk.
    current: Option<(ReadFile, Arc<Layout>, usize)>,
    failure: Option<anyhow::Error>,
}

/// One job of the pipeline.
#[derive(Debug)]
pub enum Job {
    /// Read and prepare these small files (with their positions), each whole, in order; their
    /// psql part is set aside on the worker too ([`read_file`]).
    Files(Vec<(usize, Unread)>),
    /// Prepare this file whole (a large one, read for the pipeline to be laid out, that did not
    /// cut into chunks).
    Whole(ReadFile),
    /// Prepare chunk `2` of file `0`, laid out as `1` (the file's psql findings ride on chunk 0).
    Chunk(ReadFile, Arc<Layout>, usize),
}

impl<'a> Jobs<'a> {
    /// The jobs of linting `inputs` in order.
    pub fn new(inputs: Inputs, options: &'a LintOptions, chunk_bytes: usize) -> Self {
        Jobs {
            inputs,
            options,
            chunk_bytes,
            next_file: 0,
            peeked: None,
            current: None,
            failure: None,
        }
    }

    /// The next job, if any.
    pub fn next_job(&mut self) -> Option<Job> {
        if let Some((read, layout, next)) = &mut self.current {
            if *next < layout.chunks.len() {
                *next += 1;
                let last = *next == layout.chunks.len();
                let stored = if last { read.stored.take() } else { None };
                return Some(Job::Chunk(
                    read.for_chunk(stored),
                    Arc::clone(layout),
                    *next - 1,
                ));
            }
            self.current = None;
        }
        let (file, unread, size) = self.next_unread()?;
        if size <= self.chunk_bytes {
            let mut bytes = size;
            let mut batch = vec![(file, unread)];
            while let Some((next_file, next, size)) = self.next_unread() {
                if bytes.saturating_add(size) > self.chunk_bytes {
                    self.peeked = Some((next_file, next, size));
                    break;
                }
                bytes += size;
                batch.push((next_file, next));
            }
            return Some(Job::Files(batch));
        }
        let source = match unread.read() {
            Ok(source) => source,
            Err(err) => {
                self.failure = Some(err);
                return None;
            }
        };
        let mut read = read_file(file, source, self.options, self.inputs.keep());
        let layout = Arc::new(Layout::of(&read.source, self.options, self.chunk_bytes));
        if layout.chunks.len() <= 1 {
            return Some(Job::Whole(read));
        }
        // Chunk 0 is not the last: what brings the text back waits for the last one.
        let stored = read.stored.take();
        self.current = Some((read.for_chunk(stored), Arc::clone(&layout), 1));
        Some(Job::Chunk(read, layout, 0))
    }

    /// Why the jobs ended early: the first large file that could not be read.
    pub fn failure(self) -> Option<anyhow::Error> {
        self.failure
    }

    /// The next file, its position and size; `None` at the end or after a failure.
    fn next_unread(&mut self) -> Option<(usize, Unread, usize)> {
        if let Some(peeked) = self.peeked.take() {
            return Some(peeked);
        }
        if self.failure.is_some() {
            return None;
        }
        let (unread, size) = self.inputs.next_unread()?;
        self.next_file += 1;
        Some((self.next_file - 1, unread, size))
    }
}

/// What one job gives the rule pass: its parts, in file order, up to the first of its files
/// that could not be read, if any.
#[derive(Debug)]
pub struct Done {
    /// The parts prepared, in file order.
    pub parts: Vec<Prepared>,
    /// Why the job stopped at a file it could not read.
    pub failure: Option<anyhow::Error>,
}

/// Runs one job: its parts, in file order, each file's first part carrying the file and its last
/// part what brings the text back (`keep`).
pub fn run(options: &LintOptions, chunk_bytes: usize, keep: Keep, job: Job) -> Done {
    let mut done = Done {
        parts: Vec::new(),
        failure: None,
    };
    match job {
        Job::Files(files) => {
            for (file, unread) in files {
                match unread.read() {
                    Ok(source) => {
                        let read = read_file(file, source, options, keep);
                        done.parts
                            .push(prepare_read_file(read, options, chunk_bytes, keep));
                    }
                    Err(err) => {
                        done.failure = Some(err);
                        break;
                    }
                }
            }
        }
        Job::Whole(read) => done
            .parts
            .push(prepare_read_file(read, options, chunk_bytes, keep)),
        Job::Chunk(read, layout, index) => {
            let part = prepare_chunk(read.file, &read.source, &layout, index);
            done.parts.push(carry(part, read, index == 0, keep));
        }
    }
    done
}

/// Prepares a file read for the pipeline whole, carrying all the rule pass needs of it.
fn prepare_read_file(
    read: ReadFile,
    options: &LintOptions,
    chunk_bytes: usize,
    keep: Keep,
) -> Prepared {
    let part = prepare_file(read.file, &read.source, options, chunk_bytes);
    carry(part, read, true, keep)
}

/// `part` carrying what the rule pass needs of its file: the file and its psql findings on the
/// first part, and on the last what brings its text back (made here, on a worker, while the rule
/// pass is still on the earlier parts; the rule pass then only drops the text when it is done
/// with the file).
pub fn carry(mut part: Prepared, read: ReadFile, first: bool, keep: Keep) -> Prepared {
    part.problems.extend(read.psql);
    if first {
        part.source = Some(Arc::clone(&read.source));
    }
    if part.last {
        part.stored = Some(
            read.stored
                .unwrap_or_else(|| StoredText::of(&read.source, keep)),
        );
    }
    part
}
