//! The `eventos` binary: load `.env`, parse arguments, run the command, map the outcome to an
//! exit code (0 success, 1 findings or failed checks, 2 usage/config/connection errors).

use std::process::ExitCode;

use clap::Parser;

/// mimalloc for Rust and, through `override`, for libpg_query's C allocations too: parse trees are
/// allocated on worker threads and freed on the main one, which glibc's arenas handle poorly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// mimalloc's runtime options (`mimalloc.h`; the same numbering in its v2 and v3).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Has mimalloc return freed pages to the OS within 2 ms instead of its default 10: lint frees
/// each chunk's parse trees as soon as the rules are done with them, and this keeps peak memory
/// near what is live (about half of it on a 2 MB schema file) at no measurable CPU cost.
fn bound_allocator_memory() {
    const PURGE_DELAY: std::ffi::c_int = 15;
    // SAFETY: a plain setter of mimalloc's option table, called before any thread starts.
    unsafe { mi_option_set(PURGE_DELAY, 2) }
}

fn main() -> ExitCode {
    bound_allocator_memory();
    for warning in eventos::config::load_dotenv() {
        eprintln!("warning: {warning}");
    }
    let cli = eventos::cli::Cli::parse();
    eventos::cmd::exit_code(eventos::cmd::run(cli))
}
