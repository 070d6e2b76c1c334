//! An ordered, bounded work pipeline: workers run jobs on every core while the caller consumes
//! the results strictly in the order the jobs were handed out, as soon as each next one is ready.
//!
//! At most `in_flight` jobs are handed out and not yet consumed, so memory is bounded by that
//! many results whatever the input's size. Jobs are handed out in consumption order, so the
//! earliest unconsumed job is always running on some worker and the pipeline cannot stall.
//!
//! libpg_query redirects the process's stderr (fd 2) into a pipe around every parse and puts
//! it back afterwards; two threads doing that at once can leave fd 2 pointing at a closed pipe.
//! The process's stderr is therefore saved before the workers start and restored when they end.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

/// Calls `consume(work(job))` for every job `next_job` hands out, in hand-out order, with `work`
/// running on `workers` threads: the caller's and `workers - 1` spawned ones (1: everything
/// inline). The caller runs jobs too whenever the next result to consume is not ready, so a
/// machine of `workers` cores runs `workers` threads, not one more that mostly waits (each
/// thread's allocator pages and stack were 2 MB of a small run's peak).
pub fn run_ordered<J, R>(
    workers: usize,
    in_flight: usize,
    next_job: impl FnMut() -> Option<J> + Send,
    work: impl Fn(J) -> R + Sync,
    mut consume: impl FnMut(R),
) where
    J: Send,
    R: Send,
{
    let source = Mutex::new(Source {
        handed_out: 0,
        next_job,
    });
    if workers <= 1 {
        while let Some((_, job)) = Source::take_from(&source) {
            consume(work(job));
        }
        return;
    }
    let _stderr = StderrGuard::save();
    let credits = Credits::new(in_flight.max(workers));
    let (sender, receiver) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 1..workers {
            let sender = sender.clone();
            let (source, credits, work) = (&source, &credits, &work);
            scope.spawn(move || {
                let _abort = AbortOnPanic(credits);
                while credits.acquire() {
                    let Some((seq, job)) = Source::take_from(source) else {
                        credits.release();
                        break;
                    };
                    if sender.send((seq, work(job))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let _abort = AbortOnPanic(&credits);
        let mut ready = BTreeMap::new();
        let mut expected = 0;
        loop {
            while let Some(result) = ready.remove(&expected) {
                consume(result);
                credits.release();
                expected += 1;
            }
            if let Ok((seq, result)) = receiver.try_recv() {
                ready.insert(seq, result);
                continue;
            }
            if credits.try_acquire() {
                if let Some((seq, job)) = Source::take_from(&source) {
                    ready.insert(seq, work(job));
                    continue;
                }
                credits.release();
            }
            // Every job handed out is consumed or running on a worker: wait for one, or stop
            // once the workers are gone (they leave when the jobs run out, or on a panic).
            match receiver.recv() {
                Ok((seq, result)) => ready.insert(seq, result),
                Err(_) => break,
            };
        }
    });
}

/// The jobs and how many have been handed out (their sequence numbers).
struct Source<F> {
    handed_out: usize,
    next_job: F,
}

impl<J, F: FnMut() -> Option<J>> Source<F> {
    /// The next job with its sequence number.
    fn take(&mut self) -> Option<(usize, J)> {
        let job = (self.next_job)()?;
        self.handed_out += 1;
        Some((self.handed_out - 1, job))
    }

    /// [`Source::take`] under the source's lock.
    fn take_from(source: &Mutex<Self>) -> Option<(usize, J)> {
        source.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// A counting semaphore of jobs that may be handed out; closed when a worker panics.
struct Credits {
    available: Mutex<usize>,
    changed: Condvar,
    closed: AtomicBool,
}

impl Credits {
    fn new(count: usize) -> Credits {
        Credits {
            available: Mutex::new(count),
            changed: Condvar::new(),
            closed: AtomicBool::new(false),
        }
    }

    /// Takes a credit, waiting for one; `false` once closed.
    fn acquire(&self) -> bool {
        let mut available = self.available.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if self.closed.load(Ordering::Acquire) {
                return false;
            }
            if *available > 0 {
                *available -= 1;
                return true;
            }
            available = self
                .changed
                .wait(available)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Takes a credit if one is free, without waiting; `false` when none is or once closed.
    fn try_acquire(&self) -> bool {
        let mut available = self.available.lock().unwrap_or_else(|e| e.into_inner());
        if self.closed.load(Ordering::Acquire) || *available == 0 {
            return false;
        }
        *available -= 1;
        true
    }

    fn release(&self) {
        *self.available.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.changed.notify_one();
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let _lock = self.available.lock().unwrap_or_else(|e| e.into_inner());
        self.changed.notify_all();
    }
}

/// Closes the credits when its worker unwinds, so the other workers stop and the panic reaches
/// the caller instead of a hang.
struct AbortOnPanic<'a>(&'a Credits);

impl Drop for AbortOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.close();
        }
    }
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
    use std::sync::atomic::AtomicUsize;

    fn numbers(n: u64) -> impl FnMut() -> Option<u64> + Send {
        let mut next = 0;
        move || {
            next += 1;
            (next <= n).then_some(next - 1)
        }
    }

    #[test]
    fn results_arrive_in_hand_out_order_whatever_the_finishing_order() {
        for workers in [1, 2, 4] {
            let mut seen = Vec::new();
            run_ordered(
                workers,
                3,
                numbers(200),
                |n| {
                    // Uneven work so workers finish out of order.
                    std::thread::sleep(std::time::Duration::from_micros((n * 37) % 500));
                    n * 2
                },
                |doubled| seen.push(doubled),
            );
            let expected: Vec<u64> = (0..200).map(|n| n * 2).collect();
            assert_eq!(seen, expected, "{workers} workers");
        }
    }

    #[test]
    fn no_more_than_in_flight_results_exist_at_once() {
        let alive = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        run_ordered(
            4,
            5,
            numbers(300),
            |n| {
                let now = alive.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_micros((n * 53) % 300));
                n
            },
            |_| {
                alive.fetch_sub(1, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_micros(50));
            },
        );
        assert!(peak.load(Ordering::SeqCst) <= 5, "{peak:?}");
    }

    #[test]
    fn no_jobs_means_no_calls() {
        let mut calls = 0;
        run_ordered(4, 8, || None::<u8>, |_| (), |_| calls += 1);
        assert_eq!(calls, 0);
    }

    #[test]
    fn a_panicking_job_reaches_the_caller() {
        let outcome = std::panic::catch_unwind(|| {
            run_ordered(
                2,
                2,
                numbers(50),
                |n| assert!(n != 17, "job 17 fails"),
                |_| {},
            )
        });
        assert!(outcome.is_err());
    }
}
