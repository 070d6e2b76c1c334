//! Renderers for a verification [`Report`]: human text, JSON and JUnit XML.
//!
//! Human output lists every failure and warning with its fix, one line per passing plan check
//! and probe, and one summary line per passing catalog check (a database has thousands of
//! objects); informational findings and exemptions are summarised per check. The bundles' own
//! objects come first, pre-existing objects in a section of their own. JSON and JUnit carry one
//! entry per check and subject, so CI systems can show each object.

use serde_json::json;

use super::Report;
use super::checks::{CHECKS, Check, CheckResult, Section};
use crate::report::{JSON_SCHEMA_VERSION, Style};

/// The three output formats of `eventos verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text for a terminal.
    Human,
    /// One JSON document.
    Json,
    /// JUnit XML: one testsuite per check, one testcase per check and subject.
    Junit,
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format, style: Style) -> String {
    match format {
        Format::Human => human(report, style),
        Format::Json => {
            serde_json::to_string_pretty(&to_json(report)).expect("JSON values serialise") + "\n"
        }
        Format::Junit => junit(report),
    }
}

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

fn count(report: &Report, status: &str) -> usize {
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

fn human(report: &Report, style: Style) -> String {
    let mut out = String::new();
    for check in CHECKS {
        human_check(&mut out, report, check, Section::Owned, style);
    }
    let pre_existing: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.section == Section::PreExisting)
        .collect();
    if pre_existing.iter().any(|r| r.status() != "pass") {
        out.push_str(&format!(
            "\n{}\n",
            style.bold("== pre-existing objects (no plan owns them: findings are warnings unless --all-objects)")
        ));
        for check in CHECKS {
            human_check(&mut out, report, check, Section::PreExisting, style);
        }
        out.push('\n');
    }
    let failed = count(report, "fail");
    let problems_before = pre_existing.iter().filter(|r| r.status() != "pass").count();
    let summary = format!(
        "verify: {} checks, {failed} failed, {} warnings, {} infos, {} exempt; {problems_before} on pre-existing objects (catalog read in {} queries)\n",
        report.results.len(),
        count(report, "warn"),
        count(report, "info"),
        count(report, "exempt"),
        report.catalog_queries
    );
    out.push_str(&if failed > 0 {
        style.error(&summary)
    } else {
        style.ok(&summary)
    });
    out
}

fn human_check(out: &mut String, report: &Report, check: &Check, section: Section, style: Style) {
    let results: Vec<&CheckResult> = results_of(report, check, section).collect();
    let problems: Vec<&&CheckResult> = results
        .iter()
        .filter(|r| matches!(r.status(), "fail" | "warn"))
        .collect();
    for result in &problems {
        let label = if result.passed() {
            style.warning("warn")
        } else {
            style.error("FAIL")
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
            style.accent("= help:"),
            check.help
        ));
    }
    let infos: Vec<&&CheckResult> = results.iter().filter(|r| r.status() == "info").collect();
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
    let exempt = results.iter().filter(|r| r.status() == "exempt").count();
    if exempt > 0 {
        out.push_str(&format!(
            "exempt {} ({}; reasons in eventos.toml [[verify.exempt]])\n",
            check.id,
            objects(exempt)
        ));
    }
    let passing: Vec<&&CheckResult> = results.iter().filter(|r| r.status() == "pass").collect();
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
                style.ok("pass"),
                check.id,
                result.subject
            ));
        }
    } else if !passing.is_empty() {
        out.push_str(&format!(
            "{} {} ({})\n",
            style.ok("pass"),
            check.id,
            objects(passing.len())
        ));
    }
}

fn to_json(report: &Report) -> serde_json::Value {
    let results: Vec<serde_json::Value> = [Section::Owned, Section::PreExisting]
        .into_iter()
        .flat_map(|section| {
            CHECKS
                .iter()
                .flat_map(move |check| results_of(report, check, section).map(move |r| (check, r)))
        })
        .map(|(check, r)| {
            let mut entry = json!({
                "check": check.id,
                "level": check.level.as_str(),
                "section": r.section.as_str(),
                "subject": r.subject,
                "status": r.status(),
                "messages": r.messages().collect::<Vec<_>>(),
                "findings": r.findings.iter().map(|f| json!({"level": f.level.as_str(), "message": f.message})).collect::<Vec<_>>(),
            });
            if !r.notes.is_empty() {
                entry["notes"] = json!(r.notes);
            }
            if !r.tried.is_empty() {
                entry["tried"] = json!(r.tried);
            }
            if let Some(reason) = &r.exemption {
                entry["exemption"] = json!(reason);
            }
            if r.status() != "pass" {
                entry["help"] = json!(check.help);
            }
            entry
        })
        .collect();
    let phases: Vec<serde_json::Value> = report
        .phases
        .iter()
        .map(|(phase, state)| json!({"phase": phase, "state": state.as_str()}))
        .collect();
    json!({
        "schema_version": JSON_SCHEMA_VERSION,
        "passed": report.passed(),
        "checks": report.results.len(),
        "failed": count(report, "fail"),
        "warnings": count(report, "warn"),
        "infos": count(report, "info"),
        "exempt": count(report, "exempt"),
        "pre_existing_findings": report.results.iter().filter(|r| r.section == Section::PreExisting && r.status() != "pass").count(),
        "catalog_queries": report.catalog_queries,
        "plan_queries": report.plan_queries,
        "phases": phases,
        "results": results,
    })
}

fn junit(report: &Report) -> String {
    let failed = count(report, "fail");
    let skipped = count(report, "exempt");
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"eventos verify\" tests=\"{}\" failures=\"{failed}\" skipped=\"{skipped}\">\n",
        report.results.len()
    ));
    for section in [Section::Owned, Section::PreExisting] {
        for check in CHECKS {
            let results: Vec<&CheckResult> = results_of(report, check, section).collect();
            if results.is_empty() {
                continue;
            }
            let failures = results.iter().filter(|r| r.status() == "fail").count();
            let skipped = results.iter().filter(|r| r.status() == "exempt").count();
            let name = match section {
                Section::Owned => check.id.to_string(),
                Section::PreExisting => format!("{} (pre-existing)", check.id),
            };
            out.push_str(&format!(
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">\n",
                xml(&name),
                results.len()
            ));
            for result in results {
                out.push_str(&testcase(check, result));
            }
            out.push_str("  </testsuite>\n");
        }
    }
    out.push_str("</testsuites>\n");
    out
}

fn testcase(check: &Check, result: &CheckResult) -> String {
    let open = format!(
        "    <testcase classname=\"eventos.verify.{}\" name=\"{}\"",
        check.id,
        xml(&result.subject)
    );
    let messages: Vec<&str> = result.messages().collect();
    match result.status() {
        "fail" => {
            let body = format!("{}\nhelp: {}", messages.join("\n"), check.help);
            format!(
                "{open}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                check.id,
                xml(messages[0]),
                xml(&body)
            )
        }
        "exempt" => format!(
            "{open}>\n      <skipped message=\"{}\"/>\n      <system-out>{}</system-out>\n    </testcase>\n",
            xml(&format!(
                "exempt: {}",
                result.exemption.as_deref().unwrap_or_default()
            )),
            xml(&messages.join("\n"))
        ),
        "warn" | "info" => {
            let body: Vec<String> = result
                .findings
                .iter()
                .map(|f| format!("{}: {}", f.level.as_str(), f.message))
                .collect();
            format!(
                "{open}>\n      <system-out>{}</system-out>\n    </testcase>\n",
                xml(&body.join("\n"))
            )
        }
        _ => format!("{open}/>\n"),
    }
}

/// Escapes text for XML attributes and content.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::Level;

    fn report() -> Report {
        let warn = CheckResult::with_level(
            "rls-has-policy",
            "public.tags",
            Level::Warning,
            vec!["no policy".into()],
        );
        let mut theirs = CheckResult::with_level(
            "rls-enabled",
            "public.legacy",
            Level::Warning,
            vec!["legacy has RLS disabled".into()],
        );
        theirs.section = Section::PreExisting;
        let mut exempt = CheckResult::with_level(
            "multiple-permissive-policies",
            "public.t authenticated SELECT",
            Level::Warning,
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
                    Level::Info,
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
        let text = render(&report(), Format::Human, Style::plain());
        assert_eq!(
            text,
            "pass plan-objects phase 0 (2 objects)\n\
             FAIL rls-enabled public.a<b>\n     table \"a<b>\" has RLS & more\n     = help: ALTER TABLE <table> ENABLE ROW LEVEL SECURITY; then add the policies it needs\n\
             pass rls-enabled (1 object)\n\
             warn rls-has-policy public.tags\n     no policy\n     = help: CREATE POLICY … ON <table> …; without one, only the service role can reach its rows\n\
             exempt multiple-permissive-policies (1 object; reasons in eventos.toml [[verify.exempt]])\n\
             info unused-index 1 object: public.idx (`eventos checks unused-index`; `--format json` lists all)\n\
             \n== pre-existing objects (no plan owns them: findings are warnings unless --all-objects)\n\
             warn rls-enabled public.legacy\n     legacy has RLS disabled\n     = help: ALTER TABLE <table> ENABLE ROW LEVEL SECURITY; then add the policies it needs\n\
             \n\
             verify: 7 checks, 1 failed, 2 warnings, 1 infos, 1 exempt; 1 on pre-existing objects (catalog read in 11 queries)\n"
        );
    }

    #[test]
    fn json_has_one_entry_per_check_and_subject() {
        let value: serde_json::Value =
            serde_json::from_str(&render(&report(), Format::Json, Style::plain())).unwrap();
        assert_eq!(value["schema_version"], JSON_SCHEMA_VERSION);
        assert_eq!(value["passed"], false);
        assert_eq!(value["failed"], 1);
        assert_eq!(value["warnings"], 2);
        assert_eq!(value["exempt"], 1);
        assert_eq!(value["catalog_queries"], 11);
        assert_eq!(value["results"][2]["status"], "fail");
        assert_eq!(value["results"][2]["subject"], "public.a<b>");
        assert_eq!(value["results"][3]["level"], "warning");
        assert!(value["results"][0].get("help").is_none());
        let last = &value["results"][6];
        assert_eq!(
            (last["section"].as_str(), last["status"].as_str()),
            (Some("pre-existing"), Some("warn"))
        );
        let exempt = value["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["status"] == "exempt")
            .unwrap();
        assert_eq!(
            exempt["exemption"],
            "public read and owner read are separate on purpose"
        );
    }

    #[test]
    fn junit_escapes_and_reports_failures_per_testcase() {
        let xml = render(&report(), Format::Junit, Style::plain());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"eventos verify\" tests=\"7\" failures=\"1\" skipped=\"1\">"), "{xml}");
        assert!(
            xml.contains(
                "<testsuite name=\"rls-enabled\" tests=\"2\" failures=\"1\" skipped=\"0\">"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite name=\"rls-enabled (pre-existing)\" tests=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<testcase classname=\"eventos.verify.rls-enabled\" name=\"public.notes\"/>"
            ),
            "{xml}"
        );
        assert!(xml.contains("name=\"public.a&lt;b&gt;\">\n      <failure type=\"rls-enabled\" message=\"table &quot;a&lt;b&gt;&quot; has RLS &amp; more\">"), "{xml}");
        assert!(
            xml.contains("<system-out>warning: no policy</system-out>"),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<skipped message=\"exempt: public read and owner read are separate on purpose\"/>"
            ),
            "{xml}"
        );
        assert!(
            !xml.contains("partition-coverage"),
            "checks without results are left out: {xml}"
        );
    }
}
