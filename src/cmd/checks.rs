//! `eventos checks [CHECK]`: the verification check table, or one check's full explanation.

use anyhow::Result;

use super::{Outcome, emit};
use crate::cli::ChecksArgs;
use crate::verify::checks::{CHECKS, find};

/// Lists every check, or prints one check's documentation page.
pub fn run(args: &ChecksArgs) -> Result<Outcome> {
    match &args.id {
        None => emit(&check_table()),
        Some(id) => match find(id) {
            Some(check) => emit(check.doc),
            None => anyhow::bail!("unknown check `{id}`\nhelp: `eventos checks` lists every check"),
        },
    }
    Ok(Outcome::Success)
}

fn check_table() -> String {
    let width = CHECKS.iter().map(|c| c.id.len()).max().unwrap_or(0);
    let mut out: String = CHECKS
        .iter()
        .map(|c| format!("{:<width$}  {:<7}  {}\n", c.id, c.level.as_str(), c.summary))
        .collect();
    out.push_str(
        "\n`eventos checks <id>` explains a check; `[verify.checks]` in eventos.toml changes levels,\n`[[verify.exempt]]` accepts a finding on one object with a reason.\n",
    );
    out
}
