//! Writing what the user reads: stdout for results, stderr for progress notes and failures,
//! both through anstream (styles kept on a terminal, dropped otherwise).
//!
//! A closed stdout (`eventos status | head -1`) is not an error to report: [`emit`] returns
//! [`StdoutClosed`], the command unwinds through its cleanup (locks released, throwaway
//! clusters removed), and `main` exits 0.

use std::io::Write;

/// stdout was closed by its reader.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed")]
pub struct StdoutClosed;

/// Writes `text` to stdout; a closed pipe is [`StdoutClosed`]. Other write errors (a full disk)
/// are ignored: losing output never stops the work.
pub fn emit(text: &str) -> Result<(), StdoutClosed> {
    let mut stdout = anstream::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed),
        _ => Ok(()),
    }
}

/// Writes `text` to stderr (notes, progress, refusals and failures).
pub fn note(text: &str) {
    let mut stderr = anstream::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
}

/// Whether an error is (caused by) a closed stdout.
pub fn is_stdout_closed(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.is::<StdoutClosed>())
}
