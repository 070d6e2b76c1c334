//! `sequence-exposed` (warning) — `anon` and `authenticated` hold no privilege on a sequence
//! beyond what their own inserts need (an eventos check; splinter does not look at sequences).
//!
//! Why: `UPDATE` on a sequence allows `setval()`: one call rewinds it (every later insert hits a
//! duplicate key) or pushes it to its maximum (every later insert fails) — for a sequence such
//! as `audit_log_id_seq` that means every audited write stops. No API role ever needs `UPDATE`.
//! `USAGE` (nextval) and `SELECT` (currval) are needed only when the role itself inserts into a
//! column whose default calls `nextval` of the sequence; identity columns need no privilege at
//! all. Supabase's default privileges grant all three on every new sequence in `public`, so the
//! finding is common; it is a warning because an API request cannot call `setval` directly —
//! it takes a function or SQL running as that role.
//! Fix: `REVOKE ALL ON SEQUENCE <s> FROM anon, authenticated;` then `GRANT USAGE ON SEQUENCE <s>
//! TO <role>;` for a role that inserts through a serial default.

use super::{Check, Examined, Object, ObjectKind, Severity};
use crate::verify::catalog::{Catalog, Sequence};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "sequence-exposed",
    level: Severity::Warning,
    summary: "API roles cannot UPDATE (setval) a sequence, nor USAGE/SELECT one their inserts do not need",
    help: "REVOKE ALL ON SEQUENCE <s> FROM anon, authenticated; GRANT USAGE ON SEQUENCE <s> TO <role> only where its inserts need nextval",
    doc: include_str!("../../../docs/checks/sequence-exposed.md"),
    splinter: &[],
    run: Some(check),
};

/// One result per sequence in an exposed schema.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .sequences
        .iter()
        .filter(|s| catalog.is_exposed(&s.schema) && !s.from_extension)
        .map(|s| {
            let object = Object {
                kind: ObjectKind::Relation,
                name: s.qualified(),
                table: s.table(),
            };
            Examined::new(s.qualified(), object, problem(s))
        })
        .collect()
}

fn problem(sequence: &Sequence) -> Option<String> {
    let mut problems = Vec::new();
    for role in ["anon", "authenticated"] {
        let needs = !sequence.identity && sequence.needed_by.iter().any(|r| r == role);
        let mut excess: Vec<&str> = Vec::new();
        if sequence.held(role, "UPDATE") {
            excess.push("UPDATE (setval)");
        }
        if !needs {
            excess.extend(
                ["USAGE", "SELECT"]
                    .into_iter()
                    .filter(|p| sequence.held(role, p)),
            );
        }
        if !excess.is_empty() {
            let why = if needs {
                "it needs only USAGE for its inserts".to_string()
            } else if sequence.identity {
                "an identity column needs no sequence privilege".to_string()
            } else {
                "none of its inserts call nextval on it".to_string()
            };
            problems.push(format!("{role} holds {} ({why})", excess.join(", ")));
        }
    }
    (!problems.is_empty())
        .then(|| format!("sequence {}: {}", sequence.qualified(), problems.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, problems};

    fn sequence(name: &str, identity: bool, privileges: &[&str], needed_by: &[&str]) -> Sequence {
        Sequence {
            schema: "public".into(),
            name: name.into(),
            owned_by: Some(format!("public.{name}.id")),
            identity,
            api_privileges: privileges.iter().map(|p| p.to_string()).collect(),
            needed_by: needed_by.iter().map(|p| p.to_string()).collect(),
            from_extension: false,
        }
    }

    #[test]
    fn update_is_never_needed_and_usage_only_for_serial_inserts() {
        let mut catalog = catalog();
        catalog.sequences = vec![
            sequence(
                "audit",
                true,
                &[
                    "anon:USAGE",
                    "anon:SELECT",
                    "anon:UPDATE",
                    "authenticated:UPDATE",
                ],
                &[],
            ),
            sequence(
                "serial_ok",
                false,
                &["authenticated:USAGE"],
                &["authenticated"],
            ),
            sequence(
                "serial_setval",
                false,
                &["authenticated:USAGE", "authenticated:UPDATE"],
                &["authenticated"],
            ),
            sequence("closed", false, &[], &[]),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.audit: sequence public.audit: anon holds UPDATE (setval), USAGE, SELECT (an identity column needs no sequence privilege); authenticated holds UPDATE (setval) (an identity column needs no sequence privilege)",
                "public.serial_setval: sequence public.serial_setval: authenticated holds UPDATE (setval) (it needs only USAGE for its inserts)",
            ]
        );
    }
}
