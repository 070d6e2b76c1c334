//! Writes a deterministic lint benchmark corpus (see `common/lint_corpus.rs`) into a folder:
//!
//! ```text
//! lint_corpus big <dir> <blocks>             one file of <blocks> table blocks
//! lint_corpus real <dir> <files> <copies>    a Supabase project: <copies> × <files> migrations
//! lint_corpus findings <dir> <findings>      one file, every statement a finding
//! lint_corpus among <dir> <files> <findings> <files> small clean files, one the findings file
//! lint_corpus churn <dir> <files>            a history that drops, renames and replaces
//! lint_corpus seed <dir> <rows>               one INSERT of <rows> rows, one of <rows>/10
//! lint_corpus dump <dir> <tables> <rows>      a pg_dump with <rows> rows of data per table
//! ```
//!
//! Prints the number of files and bytes written.

#[path = "common/lint_corpus.rs"]
mod lint_corpus;

use lint_corpus::File;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| -> usize {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| usage())
    };
    let files: Vec<File> = match args.first().map(String::as_str) {
        Some("big") => vec![lint_corpus::big_file(number(2))],
        Some("real") => lint_corpus::real_world(number(2), number(3)),
        Some("findings") => vec![lint_corpus::findings_file(number(2))],
        Some("among") => lint_corpus::findings_among(number(2), number(3)),
        Some("churn") => lint_corpus::churn(number(2)),
        Some("seed") => vec![lint_corpus::seed_file(number(2))],
        Some("dump") => vec![lint_corpus::dump_file(number(2), number(3))],
        _ => usage(),
    };
    let dir = std::path::Path::new(args.get(1).unwrap_or_else(|| usage()));
    lint_corpus::write(dir, &files).expect("write the corpus");
    let sql: Vec<&File> = files.iter().filter(|f| f.name.ends_with(".sql")).collect();
    let bytes: usize = sql.iter().map(|f| f.text.len()).sum();
    println!("{} {bytes}", sql.len());
}

fn usage() -> ! {
    eprintln!(
        "usage: lint_corpus big <dir> <blocks> | real <dir> <files> <copies> | findings <dir> <n> | among <dir> <files> <n> | churn <dir> <files> | seed <dir> <rows>"
    );
    std::process::exit(2)
}
