//! The `eventos` binary: load `.env`, parse arguments, run the command, map the outcome to an
//! exit code (0 success, 1 findings or failed checks, 2 usage/config/connection errors).

use std::process::ExitCode;

use clap::Parser;

/// mimalloc for Rust and, through `override`, for libpg_query's C allocations too: parse trees are
/// allocated on worker threads and freed on the main one, which glibc's arenas handle poorly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// Sets a mimalloc runtime option unless its `MIMALLOC_*` environment variable did
    /// (`mimalloc.h`; the same numbering in its v2 and v3).
    fn mi_option_set_default(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Keeps lint's memory near what is live without making the kernel zero pages all the time.
///
/// Lint frees each chunk's parse trees as soon as the rules are done with them, so it touches
/// fresh memory all the time:
/// - transparent huge pages off (for this process, and the servers and tools it starts):
///   mimalloc asks for huge pages on the memory it maps, and Linux then zeroes 2 MiB on every
///   first touch. PostgreSQL does not use them for its shared memory either. The `no_thp`
///   feature keeps mimalloc from asking at all: its first arena is mapped before `main`, and
///   the huge page it got there was 2 MiB of every run's peak (2.3 of an empty run's 3.3 MB of
///   anonymous memory).
/// - freed pages go back to the OS after 5 ms, not mimalloc v3's default of 1 s: sooner makes
///   the kernel unmap and zero the same pages again and again, later holds more memory.
///   `MIMALLOC_PURGE_DELAY` (milliseconds) overrides it.
///
/// Measured with `scripts/bench-lint` on 2 cores (the previous setting: huge pages on, a 2 ms
/// delay): the 2 MB schema file 0.45 s and 62 MB → 0.25 s and 49 MB; the 1,400-file history
/// 0.40 s and 46 MB → 0.25 s and 32 MB. Against 30 ms (the setting until 2026-12-04), 5 ms
/// holds 1.5–3.5 MB less on the small shapes (the findings file 21.2 → 17.7 MB, the
/// 1,400-file history 18.1 → 16.6) for 7% more time on the 24 MB file and 3% on the
/// 14,000-file history; 0 ms is 1.5 MB less again, for half again the time on small inputs
/// and twice on the 24 MB file.
fn tune_allocator() {
    const PURGE_DELAY: std::ffi::c_int = 15;
    // SAFETY: prctl(PR_SET_THP_DISABLE) only sets a flag of this process (a kernel without it
    // fails the call and nothing changes); mi_option_set_default is a plain setter of
    // mimalloc's option table, called before any thread starts.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        mi_option_set_default(PURGE_DELAY, 5);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    for warning in eventos::config::load_dotenv() {
        eprintln!("warning: {warning}");
    }
    let cli = eventos::cli::Cli::parse();
    eventos::cmd::exit_code(eventos::cmd::run(cli))
}
