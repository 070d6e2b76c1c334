//! Verification checks, one module each.

pub mod plan_objects;
pub mod plan_queries;

/// The outcome of one check on one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// The check id, e.g. `plan-objects`.
    pub check: &'static str,
    /// What was checked (a phase, a query name, an object).
    pub subject: String,
    /// Failure messages; empty means pass.
    pub failures: Vec<String>,
}

impl CheckResult {
    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}
