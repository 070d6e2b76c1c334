//! `eventos completions <shell>`.

use anyhow::Result;
use clap::CommandFactory;

use super::Outcome;
use crate::cli::{Cli, CompletionsArgs};

/// Prints the completion script for the requested shell.
pub fn run(args: &CompletionsArgs) -> Result<Outcome> {
    let mut command = Cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(args.shell, &mut command, "eventos", &mut buffer);
    super::emit(&String::from_utf8_lossy(&buffer))?;
    Ok(Outcome::Success)
}
