//! The pipeline against the sequential engine: every file parsed whole, on one thread, in order
//! ([`prepare::prepare_whole_file`]), the plan read from every statement's tree. Whatever the
//! threads and chunk sizes, the pipeline's findings (everything the renderers print is a function
//! of them and the sources) must be identical, on every corpus the repository has and on
//! generated large inputs.

use std::path::{Path, PathBuf};

use super::stored::Keep;
use super::*;

#[path = "../../examples/common/lint_corpus.rs"]
mod generated;

/// The sequential engine.
pub(crate) fn lint_sequential(sources: Vec<SourceFile>, options: &LintOptions) -> LintReport {
    let paths: Vec<&Path> = sources.iter().map(|s| s.path.as_path()).collect();
    let mut pass = RulePass::new(options, &paths);
    for (index, source) in sources.iter().enumerate() {
        let read = prepare::read_file(index, source.clone(), options, Keep::Compressed);
        let part = prepare::prepare_whole_file(index, &read.source, options);
        pass.consume(prepare::carry(part, read, true, Keep::Compressed));
    }
    report(pass.into_parts(), options).expect("texts in memory are never read again")
}

/// Tunings that cut files every way: a chunk per statement, small and default chunks, one to
/// eight threads, as few chunks in flight as allowed.
const TUNINGS: &[Tuning] = &[
    Tuning {
        workers: 1,
        chunk_bytes: 32 * 1024,
        in_flight: 2,
    },
    Tuning {
        workers: 2,
        chunk_bytes: 1,
        in_flight: 2,
    },
    Tuning {
        workers: 2,
        chunk_bytes: 300,
        in_flight: 3,
    },
    Tuning {
        workers: 4,
        chunk_bytes: 4096,
        in_flight: 8,
    },
    Tuning {
        workers: 8,
        chunk_bytes: 64,
        in_flight: 8,
    },
];

/// Lints `sources` with the sequential engine and the pipeline (a chunk per statement, two
/// threads), asserts the reports are identical, and returns it.
pub(crate) fn lint_checked(sources: Vec<SourceFile>, options: &LintOptions) -> LintReport {
    let tuning = TUNINGS[1];
    let piped = lint_sources_tuned(tuning, sources.clone(), options);
    let sequential = lint_sequential(sources, options);
    assert_same(&sequential, &piped, &tuning);
    piped
}

fn assert_same(sequential: &LintReport, piped: &LintReport, tuning: &Tuning) {
    // The renderers are functions of the findings and the sources alone, so equal findings and
    // texts render to identical bytes in every format.
    assert_eq!(
        sequential.diagnostics, piped.diagnostics,
        "pipeline {tuning:?} differs from the sequential engine"
    );
    let texts = |report: &LintReport| -> Vec<(PathBuf, String)> {
        let sources = report.sources.iter();
        sources.map(|s| (s.path.clone(), s.text.clone())).collect()
    };
    assert_eq!(
        texts(sequential),
        texts(piped),
        "pipeline {tuning:?} quotes other texts than the sequential engine"
    );
}

/// Asserts every tuning's report equals the sequential engine's; returns the number of findings.
fn assert_every_tuning(sources: &[SourceFile], options: &LintOptions) -> usize {
    let sequential = lint_sequential(sources.to_vec(), options);
    for tuning in TUNINGS {
        let piped = lint_sources_tuned(*tuning, sources.to_vec(), options);
        assert_same(&sequential, &piped, tuning);
    }
    sequential.diagnostics.len()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The options `eventos lint <folder>` runs a folder with (its runner, exposed schemas and
/// side-configured files), and its migrations.
fn folder(path: &Path) -> (Vec<SourceFile>, LintOptions) {
    let found = discover::discover(&[path.to_path_buf()], discover::MAX_FILE_BYTES).unwrap();
    let mut options = LintOptions::default();
    if let Some((runner, _)) = found.runner {
        options.runner = runner;
    }
    if let Ok(runner) = std::fs::read_to_string(path.join("runner")) {
        options.runner = Runner::from_id(runner.trim()).unwrap();
    }
    if let Some((schemas, _)) = found.exposed_schemas {
        options.exposed_schemas = schemas;
    }
    options.no_transaction_files = found.no_transaction_files;
    let sources = discover::read_sources(&found.files, discover::MAX_FILE_BYTES).unwrap();
    (sources, options)
}

fn subfolders(path: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_corpus_and_fixture_folder_lints_the_same_in_the_pipeline() {
    let mut findings = 0;
    let folders = subfolders(&repo().join("tests/corpus"))
        .into_iter()
        .chain(subfolders(&repo().join("tests/fixtures/lint")));
    for path in folders {
        let (sources, options) = folder(&path);
        findings += assert_every_tuning(&sources, &options);
        assert_files_read_by_the_pipeline_lint_the_same(&path, &sources, &options);
    }
    assert!(findings > 50, "{findings}");
}

/// Statements with rows after the first of their `VALUES` lists: functions, casts, defaults,
/// subqueries, CTEs, `MERGE`, partition bounds, a view over rows, a `DROP … CASCADE` of what a
/// row's subquery reads.
const VALUES_ROWS: &str = "\
create table public.items (id bigint primary key, name text, at timestamptz default now(), owner uuid);
alter table public.items enable row level security;
insert into public.items (id, name, at) values (1, 'a', now()), (2, 'b', now() - interval '1 day'),
  (3, upper('c'), '2024-01-01'::timestamptz), (4, (select max(name) from public.items), default)
  on conflict (id) do update set name = excluded.name;
create view public.recent as select * from (values (1, now()), (2, (select max(at) from public.items))) as v (id, at);
with fresh (id) as (values (5), (6), (7)) insert into public.items (id) select id from fresh;
merge into public.items t using (values (8, 'h'), (9, 'i')) as s (id, name) on t.id = s.id
  when not matched then insert values (s.id, s.name);
create table public.parted (k int) partition by list (k);
create table public.parted_1 partition of public.parted for values in (1, 2);
update public.items set name = v.name from (values (1, 'x'), (2, 'y')) as v (id, name) where items.id = v.id;
insert into public.items values (11, 'k', now(), gen_random_uuid()), (12, 'l', clock_timestamp(), null);
drop table public.items cascade;
";

/// Long statements are parsed with the rows after the first of their `VALUES` lists blanked
/// (`sql::rows`), which must change nothing lint reports: with every statement blanked whatever
/// its length, every corpus, fixture folder and bundle, generated histories and a file of
/// every kind of row give the same findings and locks.
#[test]
fn lint_reports_the_same_with_every_values_row_blanked() {
    let supabase = LintOptions {
        runner: Runner::Supabase,
        ..LintOptions::default()
    };
    let mut inputs: Vec<(Vec<SourceFile>, LintOptions)> = subfolders(&repo().join("tests/corpus"))
        .into_iter()
        .chain(subfolders(&repo().join("tests/fixtures/lint")))
        .map(|path| folder(&path))
        .collect();
    let config = crate::config::Config::load(Some(&repo().join("eventos.toml"))).unwrap();
    let project = Project::load(&config).unwrap();
    inputs.push((
        bundle_sources(&project),
        LintOptions::from_config(&config).unwrap(),
    ));
    inputs.push((sources_of(generated::real_world(300, 1)), supabase.clone()));
    let mut seed = sources_of(vec![generated::seed_file(200)]);
    seed.push(SourceFile {
        path: "V2__rows.sql".into(),
        text: VALUES_ROWS.into(),
    });
    // A row the grammar rejects: the error must stay where it is.
    seed.push(SourceFile {
        path: "V3__broken_row.sql".into(),
        text: "insert into t values (1, 'm'), (now(), 'n' 'o'), (2, 'p');\nselect 1;\n".into(),
    });
    inputs.push((seed, supabase));
    let mut files_with_rows = 0;
    for (sources, mut options) in inputs {
        options.explain_locks = true;
        files_with_rows += sources
            .iter()
            .filter(|s| crate::sql::blank_later_rows(&s.text).is_some())
            .count();
        let as_written = lint_sequential(sources.clone(), &options);
        let blanked = crate::sql::with_every_length_blanked(|| lint_sequential(sources, &options));
        assert_eq!(as_written.diagnostics, blanked.diagnostics);
        assert_eq!(
            format!("{:?}", as_written.locks),
            format!("{:?}", blanked.locks)
        );
    }
    assert!(files_with_rows > 20, "{files_with_rows}");
}

/// The folder's files read by the pipeline itself, as `eventos lint <folder>` does, give the
/// sequential engine's report: the same findings and the same texts held for the renderers.
fn assert_files_read_by_the_pipeline_lint_the_same(
    folder: &Path,
    sources: &[SourceFile],
    options: &LintOptions,
) {
    let sequential = lint_sequential(sources.to_vec(), options);
    let found = discover::discover(&[folder.to_path_buf()], discover::MAX_FILE_BYTES).unwrap();
    for tuning in TUNINGS {
        let inputs = prepare::Inputs::on_disk(
            found.files.clone(),
            found.sizes.clone(),
            discover::MAX_FILE_BYTES,
        );
        let piped = lint_inputs_tuned(*tuning, inputs, options).unwrap();
        assert_same(&sequential, &piped, tuning);
    }
}

/// A psql script as pg_dump writes one, `blocks` tables long: meta-commands, `COPY` data that
/// is not SQL (quotes, comment openers, a `\.` inside a value), SQL between and after the data.
fn psql_script(blocks: usize) -> String {
    let mut text = String::from("\\restrict k3y\nSET statement_timeout = 0;\n");
    for i in 0..blocks {
        text += &format!(
            "CREATE TABLE public.t{i} (id bigint PRIMARY KEY, note text, parent bigint REFERENCES public.t0 (id));\n\
             COPY public.t{i} (id, note, parent) FROM stdin;\n1\tO'Brien; /* $$ --\t\\N\n2\t\\\\.\t1\n\\.\n\
             \\echo it's {i}\nALTER TABLE public.t{i} ADD COLUMN c{i} int;\n\
             SELECT count(*) AS n{i} FROM public.t{i} \\gset\n"
        );
    }
    text + "COPY public.t0 FROM stdin;\n\\.\n\\unrestrict k3y\n"
}

#[test]
fn psql_scripts_lint_the_same_in_the_pipeline_in_memory_and_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let texts = [psql_script(1), psql_script(400)];
    for (i, text) in texts.iter().enumerate() {
        std::fs::write(dir.path().join(format!("V{i}__dump.sql")), text).unwrap();
    }
    for runner in [Runner::Eventos, Runner::None] {
        let options = LintOptions {
            runner,
            ..LintOptions::default()
        };
        let (sources, _) = folder(dir.path());
        let findings = assert_every_tuning(&sources, &options);
        assert_files_read_by_the_pipeline_lint_the_same(dir.path(), &sources, &options);
        let report = lint_sequential(sources, &options);
        let count = |rule: &str| report.diagnostics.iter().filter(|d| d.rule == rule).count();
        assert_eq!(count("syntax-error"), 0, "{:?}", report.diagnostics);
        // Per file: `\restrict`, `\unrestrict`, an `\echo`, a `\gset` and a data block per
        // table, and the last, empty, data block.
        let psql: usize = [1, 400].iter().map(|blocks| 3 * blocks + 3).sum();
        let expected = if runner == Runner::None { 0 } else { psql };
        assert_eq!(count("psql-only"), expected);
        assert!(
            findings > expected,
            "the SQL between the data is linted too"
        );
    }
}

#[test]
fn every_bundle_lints_the_same_in_the_pipeline() {
    let projects = std::iter::once(repo())
        .chain(subfolders(&repo().join("tests/fixtures/bundles")))
        .filter(|root| root.join("eventos.toml").is_file());
    let mut files = 0;
    for root in projects {
        let config = crate::config::Config::load(Some(&root.join("eventos.toml"))).unwrap();
        let Ok(project) = Project::load(&config) else {
            continue; // fixtures that exist to be refused
        };
        let sources = bundle_sources(&project);
        files += sources.len();
        let options = LintOptions::from_config(&config).unwrap();
        assert_every_tuning(&sources, &options);
    }
    assert!(files > 20, "{files}");
}

/// `(name, text)` files as sources.
fn sources_of(files: Vec<generated::File>) -> Vec<SourceFile> {
    files
        .into_iter()
        .filter(|f| f.name.ends_with(".sql"))
        .map(|f| SourceFile {
            path: f.name.into(),
            text: f.text,
        })
        .collect()
}

#[test]
fn generated_large_inputs_lint_the_same_in_the_pipeline() {
    let supabase = LintOptions {
        runner: Runner::Supabase,
        exposed_schemas: vec!["public".into(), "graphql_public".into()],
        ..LintOptions::default()
    };
    let shapes = [
        (
            sources_of(vec![generated::big_file(250)]),
            LintOptions::default(),
        ),
        (sources_of(generated::real_world(150, 2)), supabase),
        (
            sources_of(vec![generated::findings_file(400)]),
            LintOptions::default(),
        ),
        (
            sources_of(generated::findings_among(150, 200)),
            LintOptions::default(),
        ),
        (sources_of(generated::churn(60)), LintOptions::default()),
        // Over the size from which VALUES rows of constants are blanked.
        (
            sources_of(vec![generated::seed_file(2000)]),
            LintOptions::default(),
        ),
    ];
    for (sources, options) in shapes {
        assert!(!sources.is_empty());
        assert_every_tuning(&sources, &options);
    }
}

#[test]
fn files_the_scanner_cannot_cut_safely_lint_the_same_in_the_pipeline() {
    let texts = [
        // A multi-action rule: `;` inside parentheses, with and without an error elsewhere.
        "CREATE TABLE a (x int); CREATE TABLE b (x int);\n\
         CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (1); INSERT INTO b VALUES (2));\n\
         ALTER SYSTEM SET work_mem = '1MB';",
        "CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (1); INSERT INTO b VALUES (2));\n\
         CREATE TABEL broken (x int);\nALTER SYSTEM RESET ALL;",
        // An unclosed BEGIN ATOMIC body after a closed one.
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n\
         CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;\nCOPY t TO '/x';",
        // Unbalanced parentheses, then transaction control for the plan.
        "CREATE TABLE t (a int;\nBEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;",
        // Ignore directives before statements that do and do not parse.
        "-- eventos:ignore alter-system -- ok\nALTER SYSTEM RESET ALL;\n\
         -- eventos:ignore alter-system -- before a broken one\nSELEC 1;\nALTER SYSTEM RESET ALL;\n\
         -- eventos:ignore nope\nSELECT 1;",
    ];
    for runner in [
        Runner::Eventos,
        Runner::GolangMigrate,
        Runner::Flyway,
        Runner::Supabase,
    ] {
        let options = LintOptions {
            runner,
            ..LintOptions::default()
        };
        for text in texts {
            let sources = vec![SourceFile {
                path: "V1__x.sql".into(),
                text: text.into(),
            }];
            assert_every_tuning(&sources, &options);
        }
    }
}

#[test]
fn truncated_and_spliced_corpus_files_lint_the_same_and_never_panic() {
    let mut texts = Vec::new();
    for project in subfolders(&repo().join("tests/corpus")) {
        texts.extend(folder(&project).0.into_iter().map(|s| s.text));
    }
    let tuning = Tuning {
        workers: 2,
        chunk_bytes: 1,
        in_flight: 2,
    };
    for text in &texts {
        let cuts: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .step_by(text.len() / 40 + 1)
            .collect();
        for &cut in &cuts {
            for piece in [&text[..cut], &text[cut..]] {
                for runner in [Runner::Eventos, Runner::GolangMigrate] {
                    let options = LintOptions {
                        runner,
                        ..LintOptions::default()
                    };
                    let sources = vec![SourceFile {
                        path: "x.sql".into(),
                        text: piece.to_string(),
                    }];
                    let piped = lint_sources_tuned(tuning, sources.clone(), &options);
                    let sequential = lint_sequential(sources, &options);
                    assert_eq!(sequential.diagnostics, piped.diagnostics, "{piece}");
                }
            }
        }
    }
}

#[test]
fn the_first_file_that_cannot_be_read_is_the_error_whoever_reads_it() {
    // Small files are read by the workers, large ones by the job source: with either first, and
    // whatever the tuning, the error names the earlier file.
    let large = "SELECT 1;\n".repeat(2_000);
    for (first, second) in [("small", "large"), ("large", "small")] {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &[u8]| std::fs::write(dir.path().join(name), text).unwrap();
        let bad = |size: &str| -> Vec<u8> {
            let mut text = if size == "large" {
                large.clone()
            } else {
                "SELECT 1;\n".into()
            };
            text.push_str("SELECT 'caf");
            let mut bytes = text.into_bytes();
            bytes.extend(b"\xe9';\n");
            bytes
        };
        for i in 0..30 {
            write(&format!("{i:02}_ok.sql"), b"SELECT 1;\n");
        }
        write(&format!("10_bad_{first}.sql"), &bad(first));
        write(&format!("20_bad_{second}.sql"), &bad(second));
        let found =
            discover::discover(&[dir.path().to_path_buf()], discover::MAX_FILE_BYTES).unwrap();
        for tuning in TUNINGS {
            let inputs = prepare::Inputs::on_disk(
                found.files.clone(),
                found.sizes.clone(),
                discover::MAX_FILE_BYTES,
            );
            let err = lint_inputs_tuned(*tuning, inputs, &LintOptions::default()).unwrap_err();
            assert!(
                err.to_string().contains(&format!("10_bad_{first}.sql")),
                "{tuning:?}: {err}"
            );
        }
    }
}
