//! `extension-outdated` (warning) — every installed extension runs the version the server would
//! install today (splinter's `extension_versions_outdated`).
//!
//! Why: after a server upgrade the extension's files are new but the installed SQL objects stay
//! at the old version until `ALTER EXTENSION … UPDATE`; fixes (security ones included) do not
//! apply until then, and some old versions stop working with the new library.
//! Fix: `ALTER EXTENSION <name> UPDATE;` (read the extension's upgrade notes first).

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "extension-outdated",
    level: Severity::Warning,
    summary: "every installed extension is at the default version the server ships",
    help: "ALTER EXTENSION <name> UPDATE;",
    doc: include_str!("../../../docs/checks/extension-outdated.md"),
    splinter: &["extension_versions_outdated"],
    run: Some(check),
};

/// One result per installed extension.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .extensions
        .iter()
        .map(|x| {
            let problem = x
                .default_version
                .as_deref()
                .filter(|d| *d != x.version)
                .map(|d| {
                    format!(
                        "extension {} is at version {}, the server ships {d}",
                        x.name, x.version
                    )
                });
            Examined::new(
                format!("extension {}", x.name),
                Object::extension(&x.name),
                problem,
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
    fn names_extensions_behind_their_default_version() {
        let mut catalog = catalog();
        let ext = |name: &str, version: &str, default: Option<&str>| Extension {
            name: name.into(),
            schema: "extensions".into(),
            version: version.into(),
            default_version: default.map(Into::into),
        };
        catalog.extensions = vec![
            ext("vector", "0.6.2", Some("0.8.0")),
            ext("pg_trgm", "1.6", Some("1.6")),
            ext("gone", "1.0", None),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec!["extension vector: extension vector is at version 0.6.2, the server ships 0.8.0"]
        );
    }
}
