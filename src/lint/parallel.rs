//! Order-preserving parallel map: workers prepare items on every core while the caller consumes
//! the results strictly in input order, as soon as each next one is ready.
//!
//! libpg_query redirects the process's stderr (fd 2) into a pipe around every parse and puts
//! it back afterwards; two threads doing that at once can leave fd 2 pointing at a closed pipe.
//! The process's stderr is therefore saved before the workers start and restored when they end.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Results a worker may have queued before it waits for the consumer.
const QUEUE_PER_WORKER: usize = 4;

/// Calls `consume(i, prepare(&items[i]))` for every item, in index order, with `prepare` running
/// on up to `workers` threads (1, or a single item: inline, in the caller's thread).
pub fn prepare_with_workers<T, P, F, C>(workers: usize, items: &[T], prepare: F, mut consume: C)
where
    T: Sync,
    P: Send,
    F: Fn(&T) -> P + Sync,
    C: FnMut(usize, P),
{
    let workers = workers.min(items.len());
    if workers <= 1 {
        for (index, item) in items.iter().enumerate() {
            consume(index, prepare(item));
        }
        return;
    }
    let _stderr = StderrGuard::save();
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::sync_channel(workers * QUEUE_PER_WORKER);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, prepare) = (&next, &prepare);
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    if sender.send((index, prepare(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let mut ready = BTreeMap::new();
        let mut expected = 0;
        for (index, prepared) in receiver {
            ready.insert(index, prepared);
            while let Some(prepared) = ready.remove(&expected) {
                consume(expected, prepared);
                expected += 1;
            }
        }
    });
}

/// Restores the process's stderr (fd 2) on drop to what it was when saved.
struct StderrGuard(Option<libc::c_int>);

impl StderrGuard {
    fn save() -> StderrGuard {
        // SAFETY: dup of a descriptor number has no memory effects; failure is handled.
        let saved = unsafe { libc::dup(libc::STDERR_FILENO) };
        StderrGuard((saved >= 0).then_some(saved))
    }
}

impl Drop for StderrGuard {
    fn drop(&mut self) {
        if let Some(saved) = self.0 {
            // SAFETY: `saved` is a descriptor this guard owns; dup2 and close only touch fds.
            unsafe {
                libc::dup2(saved, libc::STDERR_FILENO);
                libc::close(saved);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_in_input_order_whatever_the_finishing_order() {
        let items: Vec<u64> = (0..200).collect();
        let mut seen = Vec::new();
        prepare_with_workers(
            4,
            &items,
            |&n| {
                // Uneven work so workers finish out of order.
                std::thread::sleep(std::time::Duration::from_micros((n * 37) % 500));
                n * 2
            },
            |index, doubled| seen.push((index, doubled)),
        );
        let expected: Vec<(usize, u64)> = (0..200).map(|n| (n as usize, n * 2)).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn no_items_means_no_calls() {
        let mut calls = 0;
        prepare_with_workers(4, &[] as &[u8], |_| (), |_, _| calls += 1);
        assert_eq!(calls, 0);
    }
}
