//! Benchmark baseline for `scripts/bench-lint`: parse every given `.sql` file with `pg_query::parse`
//! on one thread with the system allocator, and nothing else — what a plain pg_query loop costs.

mod common;

fn main() {
    let statements: usize = common::corpus_from_args()
        .iter()
        .map(|text| common::parse_count(text))
        .sum();
    println!("{statements} statements");
}
