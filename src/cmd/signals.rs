//! SIGINT, SIGTERM and SIGHUP while a command runs: cancel the running statements server-side
//! (as psql does on Ctrl-C), give the command a few seconds to unwind — its transaction rolls
//! back, it releases the migration lock, it removes its throwaway cluster — then stop it and end
//! any database session still open; exit 128 + the signal (130, 143, 129).

use std::future::Future;
use std::time::Duration;

use anyhow::Result;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::Outcome;
use crate::db::interrupt::{self, Interrupted};

/// How long an interrupted command may take to unwind before it is stopped.
const GRACE: Duration = Duration::from_secs(5);
/// When a cancel request is sent again, in case the first arrived between two statements.
const RESEND_CANCEL_AFTER: Duration = Duration::from_millis(1500);

/// The three signals that stop a command.
struct Signals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl Signals {
    fn install() -> Result<Signals> {
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// The next signal's number.
    async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.interrupt.recv() => libc::SIGINT,
            _ = self.terminate.recv() => libc::SIGTERM,
            _ = self.hangup.recv() => libc::SIGHUP,
        }
    }
}

/// Runs `work`; on a signal, cancels, waits for it to unwind (at most [`GRACE`]), stops it.
pub(super) async fn run_interruptible(
    work: impl Future<Output = Result<Outcome>>,
) -> Result<Outcome> {
    let mut signals = Signals::install()?;
    let mut work = Box::pin(work);
    let signal = tokio::select! {
        result = &mut work => return result,
        signal = signals.next() => signal,
    };
    interrupt::request(signal);
    let name = interrupt::signal_name(signal);
    eprintln!("eventos: {name} received; cancelling the running statement and cleaning up");
    interrupt::cancel_running().await;
    let grace = tokio::time::sleep(GRACE);
    let resend = tokio::time::sleep(RESEND_CANCEL_AFTER);
    tokio::pin!(grace, resend);
    let mut resent = false;
    let finished = loop {
        tokio::select! {
            result = &mut work => {
                report_unexpected(result);
                break true;
            }
            _ = &mut resend, if !resent => {
                resent = true;
                interrupt::cancel_running().await;
            }
            _ = &mut grace => break false,
            _ = signals.next() => break false,
        }
    };
    drop(work);
    if !finished {
        // Dropped clients close their connections; give their tasks a moment, then end whatever
        // backend is still busy (a statement that ignored the cancel request).
        tokio::time::sleep(Duration::from_millis(200)).await;
        let ended = interrupt::terminate_remaining().await;
        eprintln!(
            "eventos: stopped without waiting any longer{}",
            if ended.is_empty() {
                String::new()
            } else {
                format!("; ended database sessions {ended:?} with pg_terminate_backend")
            }
        );
    }
    eprintln!("eventos: interrupted by {name}");
    Ok(Outcome::Interrupted(signal))
}

/// An error of the unwinding command other than the interrupt itself is still worth showing.
fn report_unexpected(result: Result<Outcome>) {
    if let Err(err) = result
        && err.downcast_ref::<Interrupted>().is_none()
        && !crate::report::output::is_stdout_closed(&err)
    {
        eprintln!("error: {err:#}");
    }
}
