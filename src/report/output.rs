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
/// are ignored: losing output never stops the work. Text without an escape sequence (gcc,
/// JSON, SARIF reports) skips anstream, which would scan every byte for styles to drop.
pub fn emit(text: &str) -> Result<(), StdoutClosed> {
    let written = if text.as_bytes().contains(&0x1b) {
        write_flushed(&mut anstream::stdout().lock(), text)
    } else {
        write_flushed(&mut std::io::stdout().lock(), text)
    };
    match written {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed),
        _ => Ok(()),
    }
}

/// Writes all of `text` and flushes.
fn write_flushed(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Stdout for a long report, written as it is rendered: the text gathers in a small buffer that
/// goes out whenever it passes [`StdoutChunks::FLUSH_AT`] bytes, so a report of 8,000 findings
/// is never held whole. Once the reader has closed stdout, writes fail (rendering stops) and
/// [`StdoutChunks::finish`] says [`StdoutClosed`].
#[derive(Debug, Default)]
pub struct StdoutChunks {
    buffer: String,
    closed: bool,
}

impl StdoutChunks {
    /// How much text gathers before it is written.
    pub const FLUSH_AT: usize = 64 * 1024;

    /// An empty buffer in front of stdout.
    pub fn new() -> Self {
        StdoutChunks {
            buffer: String::with_capacity(Self::FLUSH_AT + 4096),
            closed: false,
        }
    }

    /// Writes what is left; [`StdoutClosed`] when the reader went away at any point.
    pub fn finish(mut self) -> Result<(), StdoutClosed> {
        self.write_out();
        if self.closed {
            Err(StdoutClosed)
        } else {
            Ok(())
        }
    }

    fn write_out(&mut self) {
        if !self.closed && emit(&self.buffer).is_err() {
            self.closed = true;
        }
        self.buffer.clear();
    }
}

impl std::fmt::Write for StdoutChunks {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        if self.closed {
            return Err(std::fmt::Error);
        }
        self.buffer.push_str(text);
        if self.buffer.len() >= Self::FLUSH_AT {
            self.write_out();
        }
        Ok(())
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
