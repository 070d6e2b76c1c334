//! `rls-probe-setup`: with `--rls-probe`, the probes could create their synthetic users and
//! rows (else nothing was proven). The probes are `verify::probe`.

use super::{Check, Severity};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "rls-probe-setup",
    level: Severity::Error,
    summary: "(--rls-probe) the probes can create their synthetic users and rows (else nothing was proven)",
    help: "fix what refused the probe's insert: a trigger on auth.users, or the table's [[rls_probe]] seed",
    doc: include_str!("../../../docs/checks/rls-probe-setup.md"),
    splinter: &[],
    run: None,
};
