//! Renderers for a verification [`Report`]: human text, JSON and JUnit XML.
//!
//! Human output lists every failure and warning with its fix, one line per passing plan check
//! and one summary line per passing catalog check (a database has thousands of objects). JSON
//! and JUnit carry one entry per check and subject, so CI systems can show each object.

use serde_json::json;

use super::Report;
use super::checks::{CHECKS, Check, CheckResult};
use crate::report::Style;

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

/// The results of `check`, in report order.
fn results_of<'a>(
    report: &'a Report,
    check: &'a Check,
) -> impl Iterator<Item = &'a CheckResult> + 'a {
    report.results.iter().filter(move |r| r.check == check.id)
}

fn status(result: &CheckResult) -> &'static str {
    match (result.failures.is_empty(), result.warnings.is_empty()) {
        (false, _) => "fail",
        (true, false) => "warn",
        (true, true) => "pass",
    }
}

fn human(report: &Report, style: Style) -> String {
    let mut out = String::new();
    for check in CHECKS {
        let results: Vec<&CheckResult> = results_of(report, check).collect();
        let problems: Vec<&&CheckResult> = results.iter().filter(|r| status(r) != "pass").collect();
        for result in &problems {
            let label = if result.passed() {
                style.warning("warn")
            } else {
                style.error("FAIL")
            };
            out.push_str(&format!("{label} {} {}\n", check.id, result.subject));
            for message in result.failures.iter().chain(&result.warnings) {
                out.push_str(&format!("     {message}\n"));
            }
        }
        if !problems.is_empty() {
            out.push_str(&format!(
                "     {} {}\n",
                style.accent("= help:"),
                check.help
            ));
        }
        let passing: Vec<&&CheckResult> = results.iter().filter(|r| status(r) == "pass").collect();
        if check.run.is_none() {
            for result in passing {
                out.push_str(&format!(
                    "{} {} {}\n",
                    style.ok("pass"),
                    check.id,
                    result.subject
                ));
            }
        } else if !passing.is_empty() {
            let noun = if passing.len() == 1 {
                "object"
            } else {
                "objects"
            };
            out.push_str(&format!(
                "{} {} ({} {noun})\n",
                style.ok("pass"),
                check.id,
                passing.len()
            ));
        }
    }
    let failed = report.results.iter().filter(|r| !r.passed()).count();
    let warned = report
        .results
        .iter()
        .filter(|r| status(r) == "warn")
        .count();
    let summary = format!(
        "verify: {} checks, {failed} failed, {warned} warnings (catalog read in {} queries)\n",
        report.results.len(),
        report.catalog_queries
    );
    out.push_str(&if failed > 0 {
        style.error(&summary)
    } else {
        style.ok(&summary)
    });
    out
}

fn to_json(report: &Report) -> serde_json::Value {
    let results: Vec<serde_json::Value> = CHECKS
        .iter()
        .flat_map(|check| results_of(report, check).map(move |r| (check, r)))
        .map(|(check, r)| {
            let mut entry = json!({
                "check": check.id,
                "level": check.level.as_str(),
                "subject": r.subject,
                "status": status(r),
                "messages": r.failures.iter().chain(&r.warnings).collect::<Vec<_>>(),
            });
            if status(r) != "pass" {
                entry["help"] = json!(check.help);
            }
            entry
        })
        .collect();
    json!({
        "passed": report.passed(),
        "checks": report.results.len(),
        "failed": report.results.iter().filter(|r| !r.passed()).count(),
        "warnings": report.results.iter().filter(|r| status(r) == "warn").count(),
        "catalog_queries": report.catalog_queries,
        "plan_queries": report.plan_queries,
        "results": results,
    })
}

fn junit(report: &Report) -> String {
    let failed = report.results.iter().filter(|r| !r.passed()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"eventos verify\" tests=\"{}\" failures=\"{failed}\">\n",
        report.results.len()
    ));
    for check in CHECKS {
        let results: Vec<&CheckResult> = results_of(report, check).collect();
        if results.is_empty() {
            continue;
        }
        let failures = results.iter().filter(|r| !r.passed()).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
            check.id,
            results.len()
        ));
        for result in results {
            out.push_str(&testcase(check, result));
        }
        out.push_str("  </testsuite>\n");
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
    if let Some(first) = result.failures.first() {
        let body = format!("{}\nhelp: {}", result.failures.join("\n"), check.help);
        return format!(
            "{open}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
            check.id,
            xml(first),
            xml(&body)
        );
    }
    if !result.warnings.is_empty() {
        let body: Vec<String> = result
            .warnings
            .iter()
            .map(|w| format!("warning: {w}"))
            .collect();
        return format!(
            "{open}>\n      <system-out>{}</system-out>\n    </testcase>\n",
            xml(&body.join("\n"))
        );
    }
    format!("{open}/>\n")
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

    fn report() -> Report {
        let mut warn = CheckResult::new("rls-has-policy", "public.tags", vec![]);
        warn.warnings.push("no policy".into());
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
            ],
            catalog_queries: 10,
            plan_queries: 0,
        }
    }

    #[test]
    fn human_lists_failures_with_help_and_summarises_passes() {
        let text = render(&report(), Format::Human, Style::plain());
        assert_eq!(
            text,
            "pass plan-objects phase 0 (2 objects)\n\
             FAIL rls-enabled public.a<b>\n     table \"a<b>\" has RLS & more\n     = help: ALTER TABLE <table> ENABLE ROW LEVEL SECURITY; then add the policies it needs\n\
             pass rls-enabled (1 object)\n\
             warn rls-has-policy public.tags\n     no policy\n     = help: CREATE POLICY … ON <table> …; without one, only the service role can reach its rows\n\
             verify: 4 checks, 1 failed, 1 warnings (catalog read in 10 queries)\n"
        );
    }

    #[test]
    fn json_has_one_entry_per_check_and_subject() {
        let value: serde_json::Value =
            serde_json::from_str(&render(&report(), Format::Json, Style::plain())).unwrap();
        assert_eq!(value["passed"], false);
        assert_eq!(value["failed"], 1);
        assert_eq!(value["warnings"], 1);
        assert_eq!(value["catalog_queries"], 10);
        assert_eq!(value["results"][2]["status"], "fail");
        assert_eq!(value["results"][2]["subject"], "public.a<b>");
        assert_eq!(value["results"][3]["level"], "warning");
        assert!(value["results"][0].get("help").is_none());
    }

    #[test]
    fn junit_escapes_and_reports_failures_per_testcase() {
        let xml = render(&report(), Format::Junit, Style::plain());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"eventos verify\" tests=\"4\" failures=\"1\">"), "{xml}");
        assert!(
            xml.contains("<testsuite name=\"rls-enabled\" tests=\"2\" failures=\"1\">"),
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
            !xml.contains("partition-coverage"),
            "checks without results are left out: {xml}"
        );
    }
}
