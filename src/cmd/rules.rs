//! `eventos rules [RULE]`: the rule table, or one rule's full explanation.

use anyhow::Result;

use super::{Outcome, emit};
use crate::cli::RulesArgs;
use crate::lint::rules;
use crate::report::tables;

/// Lists every rule, or prints one rule's documentation page.
pub fn run(args: &RulesArgs) -> Result<Outcome> {
    match &args.id {
        None => emit(&tables::rules())?,
        Some(id) => match rules::find(id) {
            Some(rule) => emit(rule.doc)?,
            None => anyhow::bail!("unknown rule `{id}`\nhelp: `eventos rules` lists every rule"),
        },
    }
    Ok(Outcome::Success)
}
