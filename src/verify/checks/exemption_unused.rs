//! `exemption-unused`: every `[[verify.exempt]]` entry still accepts a finding; stale ones are
//! listed (judged in `verify` itself, after every other check).

use super::{Check, Severity};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "exemption-unused",
    level: Severity::Warning,
    summary: "every [[verify.exempt]] entry still accepts a finding (stale ones are listed)",
    help: "remove the [[verify.exempt]] entry from eventos.toml: the object passes now",
    doc: include_str!("../../../docs/checks/exemption-unused.md"),
    splinter: &[],
    run: None,
};
