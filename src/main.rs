//! The `eventos` binary: load `.env`, parse arguments, run the command, map the outcome to an
//! exit code (0 success, 1 findings or failed checks, 2 usage/config/connection errors).

use std::process::ExitCode;

use clap::Parser;

/// mimalloc for Rust and, through `override`, for libpg_query's C allocations too: parse trees are
/// allocated on worker threads and freed on the main one, which glibc's arenas handle poorly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    for warning in eventos::config::load_dotenv() {
        eprintln!("warning: {warning}");
    }
    let cli = eventos::cli::Cli::parse();
    eventos::cmd::exit_code(eventos::cmd::run(cli))
}
