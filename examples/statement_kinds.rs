//! Which statement kinds a corpus is made of (for `docs/benchmarks.md`, deciding what is worth
//! parsing less): every `.sql` file under the given folders, split with libpg_query's scanner,
//! tallied by first keyword — statements and bytes, largest share first.
//!
//! ```text
//! cargo run --release --example statement_kinds -- tests/corpus /tmp/corpus
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn main() {
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        collect(Path::new(&arg), &mut files);
    }
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut total = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read a corpus file");
        for piece in eventos::sql::pieces(&text, &[]) {
            let kind = piece
                .first
                .map_or_else(|| "(unscannable)".to_string(), |t| format!("{t:?}"));
            let entry = tally.entry(kind).or_default();
            entry.0 += 1;
            entry.1 += piece.span.len();
            total += piece.span.len();
        }
    }
    let mut rows: Vec<_> = tally.into_iter().collect();
    rows.sort_by_key(|(_, (_, bytes))| std::cmp::Reverse(*bytes));
    println!("{} files, {total} bytes of statements", files.len());
    println!("| first keyword | statements | bytes | share of bytes |");
    println!("|---|---:|---:|---:|");
    for (kind, (count, bytes)) in rows.iter().take(15) {
        let share = 100.0 * *bytes as f64 / total.max(1) as f64;
        println!("| {kind} | {count} | {bytes} | {share:.1}% |");
    }
}

/// Every `.sql` file under `path` (recursively), in name order.
fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .expect("list a corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, out);
        } else if entry.extension().is_some_and(|e| e == "sql") {
            out.push(entry);
        }
    }
}
