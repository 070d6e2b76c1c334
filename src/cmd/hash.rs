//! `eventos hash`: write `sql/eventos.sum` for the project's bundles.

use anyhow::{Context, Result};

use super::{Outcome, emit};
use crate::bundle::sum;
use crate::config::Config;

/// Hashes every migration and rollback script and writes the sum file.
pub fn run(config: &Config) -> Result<Outcome> {
    let project = super::load_project(config, None)?;
    let path = sum::write(&project, &config.sql_dir).with_context(|| {
        format!(
            "{}: cannot write the sum file",
            config.sql_dir.join(sum::SUM_FILE).display()
        )
    })?;
    let files = sum::of_project(&project, &config.sql_dir).entries.len();
    emit(&format!("wrote {} ({files} files)\n", path.display()))?;
    Ok(Outcome::Success)
}
