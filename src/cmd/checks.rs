//! `eventos checks [CHECK]`: the verification check table, or one check's full explanation.

use anyhow::Result;

use super::{Outcome, emit};
use crate::cli::ChecksArgs;
use crate::report::tables;
use crate::verify::checks::find;

/// Lists every check, or prints one check's documentation page.
pub fn run(args: &ChecksArgs) -> Result<Outcome> {
    match &args.id {
        None => emit(&tables::checks())?,
        Some(id) => match find(id) {
            Some(check) => emit(check.doc)?,
            None => anyhow::bail!("unknown check `{id}`\nhelp: `eventos checks` lists every check"),
        },
    }
    Ok(Outcome::Success)
}
