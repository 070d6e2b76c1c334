//! `rls-probe`: with `--rls-probe`, each `[[rls_probe]]` table shows a signed-in user only
//! their own rows, and `anon` none. The probe itself is `verify::probe`.

use super::{Check, Severity};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "rls-probe",
    level: Severity::Error,
    summary: "(--rls-probe) each [[rls_probe]] table shows a signed-in user only their own rows, and anon none",
    help: "tighten the table's SELECT policies to the owner, e.g. USING (owner_id = (SELECT auth.uid()))",
    doc: include_str!("../../../docs/checks/rls-probe.md"),
    splinter: &[],
    run: None,
};
