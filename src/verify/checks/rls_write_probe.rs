//! `rls-write-probe`: with `--rls-probe`, no signed-in user can write another user's rows and
//! `anon` writes nothing. The probe itself is `verify::probe::write`.

use super::{Check, Severity};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "rls-write-probe",
    level: Severity::Error,
    summary: "(--rls-probe) no signed-in user can insert, update, re-point or delete another user's rows, and anon writes nothing",
    help: "pin the ownership column in WITH CHECK, e.g. WITH CHECK (owner_id = (SELECT auth.uid())), and keep UPDATE's WITH CHECK as strict as INSERT's",
    doc: include_str!("../../../docs/checks/rls-write-probe.md"),
    splinter: &[],
    run: None,
};
