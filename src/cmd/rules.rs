//! `eventos rules [RULE]`: the rule table, or one rule's full explanation.

use anyhow::Result;

use super::{Outcome, emit};
use crate::cli::RulesArgs;
use crate::lint::{RULES, rules};

/// Lists every rule, or prints one rule's documentation page.
pub fn run(args: &RulesArgs) -> Result<Outcome> {
    match &args.id {
        None => emit(&rule_table()),
        Some(id) => match rules::find(id) {
            Some(rule) => emit(rule.doc),
            None => anyhow::bail!("unknown rule `{id}`\nhelp: `eventos rules` lists every rule"),
        },
    }
    Ok(Outcome::Success)
}

fn rule_table() -> String {
    let width = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out: String = RULES
        .iter()
        .map(|r| {
            format!(
                "{:<width$}  {:<7}  {}\n",
                r.id,
                r.severity.as_str(),
                r.summary
            )
        })
        .collect();
    out.push_str(
        "\n`eventos rules <id>` explains a rule; `[rules]` in eventos.toml changes levels.\n",
    );
    out
}
