//! `replication-slot-unused` (warning; error when lost) — no inactive replication slot retains
//! WAL past `max_slot_wal_keep_size` or has been invalidated (splinter's
//! `unused_replication_slot`).
//!
//! Why: an inactive slot pins WAL on disk; once it passes the server's limit (`wal_status =
//! unreserved`) the disk fills, and a slot already `lost` can never resume: its consumer
//! (a replica, a CDC pipeline, Realtime) silently stopped receiving changes. Slots within their
//! limits (`reserved`, `extended`) are fine.
//! Fix: reconnect the consumer, or `SELECT pg_drop_replication_slot('<slot>');`.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "replication-slot-unused",
    level: Severity::Error,
    summary: "no inactive replication slot is past its WAL limit (unreserved) or invalidated (lost: an error)",
    help: "reconnect the slot's consumer, or SELECT pg_drop_replication_slot('<slot>');",
    doc: include_str!("../../../docs/checks/replication-slot-unused.md"),
    splinter: &["unused_replication_slot"],
    run: Some(check),
};

/// One result per replication slot.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .replication_slots
        .iter()
        .map(|slot| {
            let subject = format!("replication slot {}", slot.name);
            let object = Object::database(&slot.name);
            let status = slot.wal_status.as_deref().unwrap_or("");
            match (slot.active, status) {
                (false, "lost") => Examined::new(
                    subject,
                    object,
                    Some(format!("replication slot {} is inactive and lost: its consumer can never resume", slot.name)),
                ),
                (false, "unreserved") => Examined::warn(
                    subject,
                    object,
                    format!("replication slot {} is inactive and retains WAL beyond max_slot_wal_keep_size", slot.name),
                ),
                _ => Examined::new(subject, object, None),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::ReplicationSlot;
    use crate::verify::checks::fixtures::{catalog, problems};

    #[test]
    fn lost_slots_fail_and_unreserved_ones_warn() {
        let mut catalog = catalog();
        let slot = |name: &str, active: bool, status: &str| ReplicationSlot {
            name: name.into(),
            active,
            wal_status: Some(status.into()),
        };
        catalog.replication_slots = vec![
            slot("ok", false, "reserved"),
            slot("gone", false, "lost"),
            slot("full", false, "unreserved"),
            slot("busy", true, "lost"),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "replication slot gone: replication slot gone is inactive and lost: its consumer can never resume",
                "replication slot full: (warning) replication slot full is inactive and retains WAL beyond max_slot_wal_keep_size",
            ]
        );
    }
}
