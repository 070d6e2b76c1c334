//! Shared by the benchmark baselines: the `.sql` files named on the command line.

use std::path::{Path, PathBuf};

/// Every `.sql` file under the command-line arguments (files as given, folders in name order),
/// read into memory.
pub fn corpus_from_args() -> Vec<String> {
    std::env::args()
        .skip(1)
        .flat_map(|arg| sql_files(Path::new(&arg)))
        .map(|path| std::fs::read_to_string(&path).expect("read a corpus file"))
        .collect()
}

/// Number of statements `pg_query::parse` finds in `text` (0 when it does not parse).
pub fn parse_count(text: &str) -> usize {
    pg_query::parse(text, 0).map_or(0, |r| r.protobuf.stmts.len())
}

fn sql_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .expect("list the corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}
