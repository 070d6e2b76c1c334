//! `sensitive-columns-exposed` — no API-readable table in an exposed schema shows columns that
//! look like credentials or personal identifiers (passwords, secrets, tokens, SSNs, card
//! numbers…) to every row's reader (splinter's `sensitive_columns_exposed`).
//!
//! Why: such a column must never be readable row by row by anyone holding the public key. The
//! finding needs a column readable by `anon` or `authenticated` (table or column privilege)
//! and either row level security disabled (splinter's case: every row is readable) or a
//! permissive SELECT policy for that role that is always true (eventos's addition: RLS is on,
//! but every row is public anyway). Names are matched whole after lower-casing (`-` as `_`)
//! against a list of credential, identity, financial, health, device and key names, plus the
//! suffixes `_password`, `_secret`, `_token`, `_api_key`, `_private_key`.
//! Fix: enable RLS with owner-only policies, `REVOKE SELECT (<column>) ON <table> FROM anon,
//! authenticated;`, or move the secret to a table (or Vault) the API cannot read.

use super::{Check, Examined, Severity};
use crate::verify::catalog::{Catalog, Policy, Relation};
use crate::verify::expr::Expr;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "sensitive-columns-exposed",
    level: Severity::Error,
    summary: "no table readable through the API without row filtering has password/secret/token/SSN/card-like columns",
    help: "enable RLS with owner-only policies, or REVOKE SELECT (<column>) ON <table> FROM anon, authenticated",
    doc: include_str!("../../../docs/checks/sensitive-columns-exposed.md"),
    splinter: &["sensitive_columns_exposed"],
    run: Some(check),
};

const SENSITIVE_NAMES: &[&str] = &[
    // credentials
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "password_hash",
    "hashed_password",
    "encrypted_password",
    "secret",
    "client_secret",
    "secret_key",
    "private_key",
    "api_key",
    "apikey",
    "api_secret",
    "access_key",
    "auth_key",
    "token",
    "jwt",
    "access_token",
    "refresh_token",
    "id_token",
    "oauth_token",
    "session_token",
    "bearer_token",
    "auth_token",
    "reset_token",
    "auth_code",
    "otp",
    "otp_secret",
    "totp_secret",
    "mfa_secret",
    "two_factor_secret",
    "recovery_code",
    "recovery_codes",
    "backup_code",
    "backup_codes",
    "verification_code",
    "session_id",
    "session_key",
    "session_secret",
    // identity documents
    "ssn",
    "social_security",
    "social_security_number",
    "tax_id",
    "national_id",
    "passport_number",
    "passport_id",
    "driver_license",
    "drivers_license",
    "driving_license",
    "license_number",
    // financial
    "credit_card",
    "credit_card_number",
    "card_number",
    "cvv",
    "cvc",
    "cvn",
    "iban",
    "bank_account",
    "bank_account_number",
    "account_number",
    "routing_number",
    "swift_code",
    "bic",
    // health
    "medical_record",
    "health_record",
    "patient_id",
    "insurance_number",
    "health_insurance",
    "diagnosis",
    // devices, keys, biometrics
    "mac_address",
    "macaddr",
    "imei",
    "device_uuid",
    "ssh_key",
    "pgp_key",
    "gpg_key",
    "license_key",
    "activation_key",
    "certificate",
    "biometric_data",
    "facial_recognition",
    "fingerprint",
];

const SENSITIVE_SUFFIXES: &[&str] = &["_password", "_secret", "_token", "_api_key", "_private_key"];

/// Whether a column called `name` looks sensitive.
pub fn is_sensitive(name: &str) -> bool {
    let name = name.to_lowercase().replace('-', "_");
    SENSITIVE_NAMES.contains(&name.as_str()) || SENSITIVE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// One result per exposed table or partition with a sensitive column readable by an API role.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_relations(&['r', 'p'])
        .filter_map(|table| {
            let columns: Vec<(&str, &Vec<String>)> = catalog
                .columns_of(&table.qualified())
                .filter(|c| is_sensitive(&c.name) && !c.api_readers.is_empty())
                .map(|c| (c.name.as_str(), &c.api_readers))
                .collect();
            (!columns.is_empty())
                .then(|| Examined::relation(table, problem(catalog, table, &columns)))
        })
        .collect()
}

fn problem(
    catalog: &Catalog,
    table: &Relation,
    columns: &[(&str, &Vec<String>)],
) -> Option<String> {
    let names = |role: Option<&str>| -> Vec<&str> {
        columns
            .iter()
            .filter(|(_, readers)| role.is_none_or(|r| readers.iter().any(|x| x == r)))
            .map(|(name, _)| *name)
            .collect()
    };
    if !table.rls {
        return Some(format!(
            "table {} has row level security disabled and API roles can read its sensitive column(s) {}",
            table.qualified(),
            names(None).join(", ")
        ));
    }
    for role in ["anon", "authenticated"] {
        let open = catalog
            .policies_on(table)
            .find(|p| p.permissive && p.governs("SELECT") && p.applies_to(role) && always_true(p));
        let readable = names(Some(role));
        if let (Some(policy), false) = (open, readable.is_empty()) {
            return Some(format!(
                "every row of {} is readable by {role} (policy {} is USING (true)), sensitive column(s) {} included",
                table.qualified(),
                policy.name,
                readable.join(", ")
            ));
        }
    }
    None
}

fn always_true(policy: &Policy) -> bool {
    policy
        .using
        .as_deref()
        .and_then(Expr::parse)
        .is_some_and(|e| e.is_always_true())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Column;
    use crate::verify::checks::fixtures::{catalog, policy, problems, relation};

    fn column(table: &str, name: &str, readers: &[&str]) -> Column {
        Column {
            schema: "public".into(),
            table: table.into(),
            name: name.into(),
            type_name: "text".into(),
            api_readers: readers.iter().map(|r| r.to_string()).collect(),
            ..Column::default()
        }
    }

    #[test]
    fn names_are_matched_whole_or_by_suffix() {
        for name in [
            "password",
            "API-Key",
            "stripe_secret",
            "reset_token",
            "ssn",
            "card_number",
        ] {
            assert!(is_sensitive(name), "{name}");
        }
        for name in [
            "token_count",
            "passwords_changed_at",
            "email",
            "secretary",
            "keynote",
        ] {
            assert!(!is_sensitive(name), "{name}");
        }
    }

    #[test]
    fn flags_readable_sensitive_columns_without_row_filtering() {
        let mut catalog = catalog();
        let mut open = relation("public", "accounts", 'r');
        open.rls = false;
        catalog.relations = vec![
            open,
            relation("public", "t", 'r'),
            relation("public", "owned", 'r'),
        ];
        catalog.columns = vec![
            column("accounts", "password_hash", &["anon", "authenticated"]),
            column("accounts", "email", &["anon"]),
            column("t", "api_key", &["authenticated"]),
            column("t", "ssn", &[]),
            column("owned", "api_key", &["authenticated"]),
        ];
        catalog.policies = vec![policy(
            "everyone",
            "SELECT",
            &["public"],
            Some("true"),
            None,
        )];
        let mut own = policy(
            "own",
            "SELECT",
            &["authenticated"],
            Some("(id = ( SELECT auth.uid() AS uid))"),
            None,
        );
        own.table = "owned".into();
        catalog.policies.push(own);
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.accounts: table public.accounts has row level security disabled and API roles can read its sensitive column(s) password_hash",
                "public.t: every row of public.t is readable by authenticated (policy everyone is USING (true)), sensitive column(s) api_key included",
            ]
        );
    }
}
