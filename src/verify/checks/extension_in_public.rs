//! `extension-in-public` — no extension is installed in an exposed schema.
//!
//! Why: an extension's functions, types and operators in `public` become API endpoints and
//! collide with application objects; Supabase installs extensions in schema `extensions`.
//! Fix: `ALTER EXTENSION <name> SET SCHEMA extensions;` (check column types that reference it).

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "extension-in-public",
    level: Severity::Error,
    summary: "no extension is installed in an exposed schema such as public",
    help: "ALTER EXTENSION <name> SET SCHEMA extensions;",
    doc: include_str!("../../../docs/checks/extension-in-public.md"),
    splinter: &["extension_in_public"],
    run: Some(check),
};

/// One result per installed extension (except plpgsql, which lives in pg_catalog).
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .extensions
        .iter()
        .filter(|x| x.name != "plpgsql")
        .map(|x| {
            let problem = catalog.is_exposed(&x.schema).then(|| {
                format!(
                    "extension {} is installed in exposed schema {}",
                    x.name, x.schema
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
    fn names_extensions_in_exposed_schemas() {
        let mut catalog = catalog();
        let ext = |name: &str, schema: &str| Extension {
            name: name.into(),
            schema: schema.into(),
            ..Extension::default()
        };
        catalog.extensions = vec![
            ext("plpgsql", "pg_catalog"),
            ext("vector", "extensions"),
            ext("pg_trgm", "public"),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec!["extension pg_trgm: extension pg_trgm is installed in exposed schema public"]
        );
        assert_eq!(check(&catalog).len(), 2);
    }
}
