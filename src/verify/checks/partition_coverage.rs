//! `partition-coverage` — every partitioned table in an exposed schema has a default partition
//! and, when range-partitioned on one date/timestamp column, a partition for the current period
//! and one for the next.
//!
//! Why: a row with no matching partition fails its INSERT (`no partition of relation … found for
//! row`), so an application breaks the day the last period runs out; a default partition catches
//! strays, and the next period must exist before it starts. The current period is the partition
//! containing the server's `now()`; the next is the one containing that partition's upper bound.
//! Hash partitioning cannot have a default partition and is only listed.
//! Fix: create the missing partitions (`CREATE TABLE … PARTITION OF … FOR VALUES FROM … TO …` /
//! `… DEFAULT`), ideally from a scheduled job that stays a period ahead.

use super::{Check, Examined, Severity};
use crate::verify::catalog::{Catalog, PartitionBound, Relation};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "partition-coverage",
    level: Severity::Error,
    summary: "every partitioned table has a default partition and, for time ranges, partitions for this and the next period",
    help: "CREATE TABLE <t>_<period> PARTITION OF <t> FOR VALUES FROM (…) TO (…); / CREATE TABLE <t>_default PARTITION OF <t> DEFAULT;",
    doc: include_str!("../../../docs/checks/partition-coverage.md"),
    splinter: &[],
    run: Some(check),
};

/// One result per exposed partitioned table.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_relations(&['p'])
        .map(|table| {
            let name = table.qualified();
            let partitions: Vec<&PartitionBound> = catalog
                .partitions
                .iter()
                .filter(|p| p.parent == name)
                .collect();
            let problems = problems(table, &partitions, catalog.now);
            Examined::relation(
                table,
                (!problems.is_empty())
                    .then(|| format!("partitioned table {name}: {}", problems.join("; "))),
            )
        })
        .collect()
}

fn problems(table: &Relation, partitions: &[&PartitionBound], now: f64) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(strategy) = table.partition_strategy else {
        return problems;
    };
    if strategy != 'h' && !partitions.iter().any(|p| p.is_default) {
        problems.push("no DEFAULT partition".to_string());
    }
    if strategy == 'r' && table.time_range {
        match containing(partitions, now) {
            None => problems.push(format!(
                "no partition for the current period ({})",
                date(now)
            )),
            Some(current) => {
                let next_start = current.to.unwrap_or(now);
                if containing(partitions, next_start).is_none() {
                    problems.push(format!(
                        "no partition for the next period (from {})",
                        date(next_start)
                    ));
                }
            }
        }
    }
    problems
}

/// The bounded partition whose range holds `instant`.
fn containing<'a>(partitions: &[&'a PartitionBound], instant: f64) -> Option<&'a PartitionBound> {
    partitions.iter().copied().find(|p| match (p.from, p.to) {
        (Some(from), Some(to)) => from <= instant && instant < to,
        _ => false,
    })
}

/// `YYYY-MM-DD` (UTC) of Unix seconds (days-to-civil, proleptic Gregorian).
fn date(seconds: f64) -> String {
    let days = (seconds / 86_400.0).floor() as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, problems as found, relation};

    const DAY: f64 = 86_400.0;
    /// 2026-11-23T00:00:00Z.
    const NOW: f64 = 1_795_392_000.0;

    fn bound(
        partition: &str,
        from: Option<f64>,
        to: Option<f64>,
        is_default: bool,
    ) -> PartitionBound {
        PartitionBound {
            parent: "public.log".into(),
            partition: partition.into(),
            is_default,
            from,
            to,
        }
    }

    fn catalog_with(strategy: char, time_range: bool, partitions: Vec<PartitionBound>) -> Catalog {
        let mut catalog = catalog();
        catalog.now = NOW + 3600.0;
        let mut log = relation("public", "log", 'p');
        log.partition_strategy = Some(strategy);
        log.time_range = time_range;
        catalog.relations.push(log);
        catalog.partitions = partitions;
        catalog
    }

    #[test]
    fn formats_dates() {
        assert_eq!(date(NOW), "2026-11-23");
        assert_eq!(date(0.0), "1970-01-01");
        assert_eq!(date(951_782_400.0), "2000-02-29");
    }

    #[test]
    fn passes_with_current_next_and_default() {
        let catalog = catalog_with(
            'r',
            true,
            vec![
                bound(
                    "public.log_now",
                    Some(NOW - DAY),
                    Some(NOW + 7.0 * DAY),
                    false,
                ),
                bound(
                    "public.log_next",
                    Some(NOW + 7.0 * DAY),
                    Some(NOW + 14.0 * DAY),
                    false,
                ),
                bound("public.log_default", None, None, true),
            ],
        );
        assert_eq!(found(check(&catalog)), Vec::<String>::new());
    }

    #[test]
    fn names_missing_next_period_and_default() {
        let catalog = catalog_with(
            'r',
            true,
            vec![bound(
                "public.log_now",
                Some(NOW - DAY),
                Some(NOW + 7.0 * DAY),
                false,
            )],
        );
        assert_eq!(
            found(check(&catalog)),
            vec![
                "public.log: partitioned table public.log: no DEFAULT partition; no partition for the next period (from 2026-11-30)"
            ]
        );
    }

    #[test]
    fn names_missing_current_period() {
        let catalog = catalog_with(
            'r',
            true,
            vec![
                bound(
                    "public.log_old",
                    Some(NOW - 9.0 * DAY),
                    Some(NOW - 2.0 * DAY),
                    false,
                ),
                bound("d", None, None, true),
            ],
        );
        assert_eq!(
            found(check(&catalog)),
            vec![
                "public.log: partitioned table public.log: no partition for the current period (2026-11-23)"
            ]
        );
    }

    #[test]
    fn list_needs_only_a_default_and_hash_needs_nothing() {
        assert_eq!(
            found(check(&catalog_with('l', false, vec![]))),
            vec!["public.log: partitioned table public.log: no DEFAULT partition"]
        );
        assert_eq!(
            found(check(&catalog_with('h', false, vec![]))),
            Vec::<String>::new()
        );
    }
}
