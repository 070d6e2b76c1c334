//! Benchmark baseline for `scripts/bench-lint`: the same `pg_query::parse` of every file, but with
//! eventos's allocator (mimalloc, overriding libpg_query's `malloc` too) and one thread per core —
//! the floor for eventos lint under the same conditions.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let texts = common::corpus_from_args();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let statements: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut count = 0;
                    while let Some(text) = texts.get(next.fetch_add(1, Ordering::Relaxed)) {
                        count += common::parse_count(text);
                    }
                    count
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    println!("{statements} statements");
}
