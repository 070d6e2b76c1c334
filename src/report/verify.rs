//! Renderers for a verification [`Report`]: human text, JSON and JUnit XML.
//!
//! Human output lists every failure and warning with its fix, one line per passing plan check
//! and probe, and one summary line per passing catalog check (a database has thousands of
//! objects); informational findings and exemptions are summarised per check. The bundles' own
//! objects come first, pre-existing objects in a section of their own. JSON and JUnit carry one
//! entry per check and subject, so CI systems can show each object.

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use super::{JSON_SCHEMA_VERSION, style};
use crate::base::Severity;
use crate::verify::Report;
use crate::verify::checks::{CHECKS, Check, CheckResult, Section, Status};

/// The results of `check` in `section`, in report order.
fn results_of<'a>(
    report: &'a Report,
    check: &'a Check,
    section: Section,
) -> impl Iterator<Item = &'a CheckResult> + 'a {
    report
        .results
        .iter()
        .filter(move |r| r.check == check.id && r.section == section)
}

fn count(report: &Report, status: Status) -> usize {
    report
        .results
        .iter()
        .filter(|r| r.status() == status)
        .count()
}

/// How many subjects, with the right noun.
fn objects(n: usize) -> String {
    if n == 1 {
        "1 object".into()
    } else {
        format!("{n} objects")
    }
}

/// Text for a terminal (styled; write it through anstream).
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    for check in CHECKS {
        human_check(&mut out, report, check, Section::Owned);
    }
    let pre_existing: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.section == Section::PreExisting)
        .collect();
    let problems_before = pre_existing
        .iter()
        .filter(|r| r.status() != Status::Pass)
        .count();
    if problems_before > 0 {
        out.push_str(&format!(
            "\n{}\n",
            style::bold("== pre-existing objects (no plan owns them: findings are warnings unless --all-objects)")
        ));
        for check in CHECKS {
            human_check(&mut out, report, check, Section::PreExisting);
        }
        out.push('\n');
    }
    let failed = count(report, Status::Fail);
    let summary = format!(
        "verify: {} checks, {failed} failed, {} warnings, {} infos, {} exempt; {problems_before} on pre-existing objects (catalog read in {} queries)\n",
        report.results.len(),
        count(report, Status::Warn),
        count(report, Status::Info),
        count(report, Status::Exempt),
        report.catalog_queries
    );
    out.push_str(&if failed > 0 {
        style::error(&summary)
    } else {
        style::ok(&summary)
    });
    out
}

fn human_check(out: &mut String, report: &Report, check: &Check, section: Section) {
    let results: Vec<&CheckResult> = results_of(report, check, section).collect();
    let with_status = |status: Status| results.iter().filter(move |r| r.status() == status);
    let problems: Vec<&&CheckResult> = results
        .iter()
        .filter(|r| matches!(r.status(), Status::Fail | Status::Warn))
        .collect();
    for result in &problems {
        let label = if result.passed() {
            style::warning("warn")
        } else {
            style::error("FAIL")
        };
        out.push_str(&format!("{label} {} {}\n", check.id, result.subject));
        for message in result.messages() {
            out.push_str(&format!("     {message}\n"));
        }
        for note in &result.notes {
            out.push_str(&format!("     note: {note}\n"));
        }
    }
    if !problems.is_empty() {
        out.push_str(&format!(
            "     {} {}\n",
            style::accent("= help:"),
            check.help
        ));
    }
    let infos: Vec<&&CheckResult> = with_status(Status::Info).collect();
    if !infos.is_empty() {
        let shown: Vec<&str> = infos.iter().take(3).map(|r| r.subject.as_str()).collect();
        let more = if infos.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        out.push_str(&format!(
            "info {} {}: {}{more} (`eventos checks {}`; `--format json` lists all)\n",
            check.id,
            objects(infos.len()),
            shown.join(", "),
            check.id
        ));
    }
    let exempt = with_status(Status::Exempt).count();
    if exempt > 0 {
        out.push_str(&format!(
            "exempt {} ({}; reasons in eventos.toml [[verify.exempt]])\n",
            check.id,
            objects(exempt)
        ));
    }
    let passing: Vec<&&CheckResult> = with_status(Status::Pass).collect();
    if check.run.is_none() {
        for result in passing {
            // Notes of a passing plan query are rows reported with another result: counted, not
            // repeated.
            let notes = match (result.notes.len(), check.id) {
                (0, _) => String::new(),
                (n, "plan-query") => format!(" ({n} row(s) reported with other results)"),
                _ => format!(" ({})", result.notes.join("; ")),
            };
            out.push_str(&format!(
                "{} {} {}{notes}\n",
                style::ok("pass"),
                check.id,
                result.subject
            ));
        }
    } else if !passing.is_empty() {
        out.push_str(&format!(
            "{} {} ({})\n",
            style::ok("pass"),
            check.id,
            objects(passing.len())
        ));
    }
}

/// The JSON document (documented in docs/verify.md).
#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    passed: bool,
    checks: usize,
    failed: usize,
    warnings: usize,
    infos: usize,
    exempt: usize,
    pre_existing_findings: usize,
    catalog_queries: usize,
    plan_queries: usize,
    phases: Vec<PhaseEntry>,
    results: Vec<ResultEntry<'a>>,
}

#[derive(Serialize)]
struct PhaseEntry {
    phase: u8,
    state: &'static str,
}

/// One check on one subject.
#[derive(Serialize)]
struct ResultEntry<'a> {
    check: &'static str,
    level: Severity,
    section: Section,
    subject: &'a str,
    status: Status,
    messages: Vec<&'a str>,
    findings: Vec<FindingEntry<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tried: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    exemption: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'static str>,
}

#[derive(Serialize)]
struct FindingEntry<'a> {
    level: Severity,
    message: &'a str,
}

fn result_entry<'a>(check: &'a Check, r: &'a CheckResult) -> ResultEntry<'a> {
    ResultEntry {
        check: check.id,
        level: check.level,
        section: r.section,
        subject: &r.subject,
        status: r.status(),
        messages: r.messages().collect(),
        findings: r
            .findings
            .iter()
            .map(|f| FindingEntry {
                level: f.level,
                message: &f.message,
            })
            .collect(),
        notes: &r.notes,
        tried: &r.tried,
        exemption: r.exemption.as_deref(),
        help: (r.status() != Status::Pass).then_some(check.help),
    }
}

/// One JSON document: counts, phases, and one entry per check and subject.
pub fn json(report: &Report) -> String {
    let results = [Section::Owned, Section::PreExisting]
        .into_iter()
        .flat_map(|section| {
            CHECKS.iter().flat_map(move |check| {
                results_of(report, check, section).map(move |r| result_entry(check, r))
            })
        })
        .collect();
    let document = Document {
        schema_version: JSON_SCHEMA_VERSION,
        passed: report.passed(),
        checks: report.results.len(),
        failed: count(report, Status::Fail),
        warnings: count(report, Status::Warn),
        infos: count(report, Status::Info),
        exempt: count(report, Status::Exempt),
        pre_existing_findings: report
            .results
            .iter()
            .filter(|r| r.section == Section::PreExisting && r.status() != Status::Pass)
            .count(),
        catalog_queries: report.catalog_queries,
        plan_queries: report.plan_queries,
        phases: report
            .phases
            .iter()
            .map(|(phase, state)| PhaseEntry {
                phase: *phase,
                state: state.as_str(),
            })
            .collect(),
        results,
    };
    super::to_pretty_json(&document)
}

/// JUnit XML: one testsuite per check (and section), one testcase per subject.
pub fn junit(report: &Report) -> String {
    let mut junit = quick_junit::Report::new("eventos verify");
    for section in [Section::Owned, Section::PreExisting] {
        for check in CHECKS {
            let results: Vec<&CheckResult> = results_of(report, check, section).collect();
            if results.is_empty() {
                continue;
            }
            let name = match section {
                Section::Owned => check.id.to_string(),
                Section::PreExisting => format!("{} (pre-existing)", check.id),
            };
            let mut suite = TestSuite::new(name);
            let skipped = results
                .iter()
                .filter(|r| r.status() == Status::Exempt)
                .count();
            suite
                .extra
                .insert("skipped".into(), skipped.to_string().into());
            suite.add_test_cases(results.into_iter().map(|r| testcase(check, r)));
            junit.add_test_suite(suite);
        }
    }
    junit
        .to_string()
        .expect("JUnit XML of in-memory strings always serialises")
}

fn testcase(check: &Check, result: &CheckResult) -> TestCase {
    let messages: Vec<&str> = result.messages().collect();
    let status = match result.status() {
        Status::Fail => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_type(check.id)
                .set_message(messages[0])
                .set_description(format!("{}\nhelp: {}", messages.join("\n"), check.help));
            status
        }
        Status::Exempt => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!(
                "exempt: {}",
                result.exemption.as_deref().unwrap_or_default()
            ));
            status
        }
        Status::Pass | Status::Warn | Status::Info => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(result.subject.as_str(), status);
    case.set_classname(format!("eventos.verify.{}", check.id));
    match result.status() {
        Status::Exempt => {
            case.set_system_out(messages.join("\n"));
        }
        Status::Warn | Status::Info => {
            let body: Vec<String> = result
                .findings
                .iter()
                .map(|f| format!("{}: {}", f.level.as_str(), f.message))
                .collect();
            case.set_system_out(body.join("\n"));
        }
        Status::Pass | Status::Fail => {}
    }
    case
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::strip;
    use crate::verify::checks::Severity;

    fn report() -> Report {
        let warn = CheckResult::with_level(
            "rls-has-policy",
            "public.tags",
            Severity::Warning,
            vec!["no policy".into()],
        );
        let mut theirs = CheckResult::with_level(
            "rls-enabled",
            "public.legacy",
            Severity::Warning,
            vec!["legacy has RLS disabled".into()],
        );
        theirs.section = Section::PreExisting;
        let mut exempt = CheckResult::with_level(
            "multiple-permissive-policies",
            "public.t authenticated SELECT",
            Severity::Warning,
            vec!["two".into()],
        );
        exempt.exemption = Some("public read and owner read are separate on purpose".into());
        Report {
            results: vec![
                CheckResult::new("plan-objects", "phase 0 (2 objects)", vec![]),
                CheckResult::new("rls-enabled", "public.notes", vec![]),
                CheckResult::new(
                    "rls-enabled",
                    "public.a<b>",
                    vec!["table \"a<b>\" has RLS & more".into()],
                ),
                warn,
                CheckResult::with_level(
                    "unused-index",
                    "public.idx",
                    Severity::Info,
                    vec!["never scanned".into()],
                ),
                exempt,
                theirs,
            ],
            phases: vec![],
            catalog_queries: 11,
            plan_queries: 0,
        }
    }

    #[test]
    fn human_lists_failures_with_help_summarises_the_rest_and_separates_pre_existing() {
        insta::assert_snapshot!(strip(&human(&report())));
    }

    #[test]
    fn json_has_one_entry_per_check_and_subject() {
        insta::assert_snapshot!(json(&report()));
    }

    #[test]
    fn junit_escapes_and_reports_failures_per_testcase() {
        insta::assert_snapshot!(junit(&report()));
    }
}
