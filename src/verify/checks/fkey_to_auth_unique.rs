//! `fkey-to-auth-unique` — no foreign key references a table of the `auth` schema through a
//! unique constraint other than its primary key (splinter's `fkey_to_auth_unique`).
//!
//! Why: Supabase Auth owns its tables and may drop or change a unique constraint (for example
//! on `auth.users.email` or `phone`) in an upgrade; a user foreign key on it blocks that
//! upgrade or breaks sign-ups. E-mail and phone also change, so they are poor keys. Reference
//! `auth.users (id)`, the stable primary key.
//! Fix: `ALTER TABLE <t> DROP CONSTRAINT <fk>;` then reference `auth.users (id)` instead.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "fkey-to-auth-unique",
    level: Severity::Error,
    summary: "no foreign key references an auth table through a unique constraint other than its primary key",
    help: "reference auth.users (id) instead: ALTER TABLE <t> DROP CONSTRAINT <fk>; then add one on the id",
    doc: include_str!("../../../docs/checks/fkey-to-auth-unique.md"),
    splinter: &["fkey_to_auth_unique"],
    run: Some(check),
};

/// One result per foreign key into the `auth` schema declared outside the platform's schemas.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .foreign_keys
        .iter()
        .filter(|fk| {
            !fk.inherited && !Catalog::is_platform(&fk.schema) && fk.references.starts_with("auth.")
        })
        .map(|fk| {
            let problem = fk.references_auth_unique.then(|| {
                format!(
                    "foreign key {} on {} ({}) references {} ({}), a unique constraint Supabase Auth may change, not its primary key",
                    fk.name,
                    fk.table_name(),
                    fk.column_names.join(", "),
                    fk.references,
                    fk.referenced_columns.join(", ")
                )
            });
            Examined::new(
                format!("{}.{}", fk.table_name(), fk.name),
                Object::part_of(fk.table_name(), &fk.name),
                problem,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::ForeignKey;
    use crate::verify::checks::fixtures::{catalog, problems};

    #[test]
    fn names_keys_on_auth_unique_columns() {
        let mut catalog = catalog();
        let fk = |name: &str, columns: &[&str], unique: bool| ForeignKey {
            schema: "public".into(),
            table: "profiles".into(),
            name: name.into(),
            column_names: vec!["x".into()],
            references: "auth.users".into(),
            referenced_columns: columns.iter().map(|c| c.to_string()).collect(),
            references_auth_unique: unique,
            ..ForeignKey::default()
        };
        catalog.foreign_keys = vec![
            fk("by_id", &["id"], false),
            fk("by_email", &["email"], true),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.profiles.by_email: foreign key by_email on public.profiles (x) references auth.users (email), a unique constraint Supabase Auth may change, not its primary key"
            ]
        );
    }
}
