//! Functions that come from elsewhere: extensions the files create and the platform.
//!
//! For an extension listed here eventos knows which functions it provides (the ones migrations
//! use, mostly trigger functions of PostgreSQL's contrib `spi` modules). For any other extension
//! the files create, the schema it lands in is opaque: a function there is unknown, not
//! undefined.

/// Functions of the extensions whose contents eventos knows.
const EXTENSIONS: &[(&str, &[&str])] = &[
    ("moddatetime", &["moddatetime"]),
    ("insert_username", &["insert_username"]),
    ("autoinc", &["autoinc"]),
    ("refint", &["check_primary_key", "check_foreign_key"]),
    ("tcn", &["triggered_change_notification"]),
    ("lo", &["lo_manage", "lo_oid"]),
];

/// Extensions whose control file fixes their schema (`CREATE EXTENSION … SCHEMA` is ignored).
const FIXED_SCHEMAS: &[(&str, &str)] = &[
    ("pg_cron", "cron"),
    ("pg_net", "net"),
    ("pgsodium", "pgsodium"),
    ("supabase_vault", "vault"),
    ("pg_graphql", "graphql"),
    ("pgmq", "pgmq"),
    ("postgis_topology", "topology"),
    ("postgis_tiger_geocoder", "tiger"),
];

/// Functions the platform provides (Supabase database webhooks).
const PLATFORM: &[(&str, &str)] = &[("supabase_functions", "http_request")];

/// The functions `extension` provides, when eventos knows them.
pub(super) fn extension_functions(extension: &str) -> Option<&'static [&'static str]> {
    EXTENSIONS
        .iter()
        .find(|(name, _)| *name == extension)
        .map(|(_, functions)| *functions)
}

/// The schema an extension's control file puts it in, whatever `CREATE EXTENSION` says.
pub(super) fn fixed_schema(extension: &str) -> Option<&'static str> {
    FIXED_SCHEMAS
        .iter()
        .find(|(name, _)| *name == extension)
        .map(|(_, schema)| *schema)
}

/// Whether the platform provides the function.
pub(super) fn platform_provides(name: &super::QualName, qualified: bool) -> bool {
    PLATFORM
        .iter()
        .any(|(schema, function)| *function == name.1 && (!qualified || *schema == name.0))
}
