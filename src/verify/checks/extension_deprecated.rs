//! `extension-deprecated` (warning) — no installed extension is one Supabase drops from its
//! PostgreSQL 17 images: `plv8`, `timescaledb`, `adminpack` (splinter's
//! `pg17_deprecated_extensions`).
//!
//! Why: the project cannot move to PostgreSQL 17 while it depends on them.
//! Fix: replace what uses it (PL/pgSQL or an edge function for plv8, native partitioning or
//! pg_partman for timescaledb), then `DROP EXTENSION <name>;`.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "extension-deprecated",
    level: Severity::Warning,
    summary: "no extension Supabase drops in its PostgreSQL 17 images (plv8, timescaledb, adminpack) is installed",
    help: "migrate off it, then DROP EXTENSION <name>;",
    doc: include_str!("../../../docs/checks/extension-deprecated.md"),
    splinter: &["pg17_deprecated_extensions"],
    run: Some(check),
};

const DEPRECATED: &[&str] = &["plv8", "timescaledb", "adminpack"];

/// One result per deprecated extension installed.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .extensions
        .iter()
        .filter(|x| DEPRECATED.contains(&x.name.as_str()))
        .map(|x| {
            Examined::new(
                format!("extension {}", x.name),
                Object::extension(&x.name),
                Some(format!(
                    "extension {} is not available in Supabase's PostgreSQL 17 images; the project cannot upgrade while it is installed",
                    x.name
                )),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Extension;
    use crate::verify::checks::fixtures::{catalog, problems};

    #[test]
    fn names_deprecated_extensions() {
        let mut catalog = catalog();
        catalog.extensions = vec![
            Extension {
                name: "plv8".into(),
                ..Extension::default()
            },
            Extension {
                name: "vector".into(),
                ..Extension::default()
            },
        ];
        assert_eq!(problems(check(&catalog)).len(), 1);
    }
}
