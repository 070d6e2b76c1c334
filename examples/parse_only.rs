//! Benchmark baseline for `scripts/bench-lint`: parse every given `.sql` file with `pg_query::parse`
//! and nothing else — the floor eventos lint's cost is compared against.

use std::path::Path;

fn main() {
    let mut statements = 0;
    for arg in std::env::args().skip(1) {
        for path in sql_files(Path::new(&arg)) {
            let text = std::fs::read_to_string(&path).expect("read a corpus file");
            statements += pg_query::parse(&text, 0).map_or(0, |r| r.protobuf.stmts.len());
        }
    }
    println!("{statements} statements");
}

fn sql_files(path: &Path) -> Vec<std::path::PathBuf> {
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
