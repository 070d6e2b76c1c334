//! `eventos new <name>`: create the next migration file of a phase and rewrite the sum file.

use anyhow::Result;

use super::{Outcome, emit};
use crate::bundle::new;
use crate::cli::NewArgs;
use crate::config::Config;

/// Creates `sql/phase<N>/V<next>__<name>.sql` (default: the newest phase).
pub fn run(config: &Config, args: &NewArgs) -> Result<Outcome> {
    let project = super::load_project(config, args.phase)?;
    let phase = match args.phase {
        Some(phase) => phase,
        None => project
            .bundles
            .last()
            .map(|b| b.phase())
            .expect("a loaded project has at least one plan"),
    };
    let created = new::create(
        &project,
        &config.sql_dir,
        phase,
        &args.name,
        args.no_transaction,
    )?;
    let mut text = format!(
        "created {} (version {}, phase {phase}{})\n",
        created.path.display(),
        created.version,
        if args.no_transaction {
            ", no transaction"
        } else {
            ""
        }
    );
    let sum = config.sql_dir.join(crate::bundle::sum::SUM_FILE);
    if created.sum_rewritten {
        text.push_str(&format!("updated {}\n", sum.display()));
    } else {
        text.push_str(&format!(
            "no {} in this project: nothing to update (`eventos hash` starts one)\n",
            sum.display()
        ));
    }
    text.push_str("next: write the SQL, then `eventos hash` and `eventos lint`\n");
    emit(&text)?;
    Ok(Outcome::Success)
}
