//! The rule table: every rule's metadata declared once, in one place, with its check.
//!
//! A rule has a statement check (run on every unit, in order), a set check (run once over the
//! final symbol table), or neither (findings the engine or the sum file check emits itself).

pub mod alter_system;
pub mod auth_rls_initplan;
pub mod concurrently_in_transaction;
pub mod copy_from_file;
pub mod copy_to_file;
pub mod destructive_change;
pub mod invalid_ignore;
pub mod partition_of_unpartitioned;
pub mod policy_on_view;
pub mod policy_without_rls;
pub mod refresh_concurrently_needs_unique_index;
pub mod require_concurrent_index;
pub mod rls_disabled;
pub mod security_definer_search_path;
pub mod sum_mismatch;
pub mod supabase_reserved_schema;
pub mod syntax_error;
pub mod transaction_control;
pub mod undefined_function;
pub mod unindexed_foreign_key;
pub mod view_bypasses_rls;

use super::{LintOptions, Symbols, UnitContext};
use crate::lint::{Diagnostic, Severity};

/// A statement check: pushes findings for one unit.
pub type CheckFn = fn(&UnitContext<'_>, &Rule, &mut Vec<Diagnostic>);

/// A set check: pushes findings once, over the symbol table of the whole set.
pub type FinishFn = fn(&Symbols, &LintOptions, &Rule, &mut Vec<Diagnostic>);

/// A lint rule: id, default severity, documentation and its check.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, part of the interface (`alter-system`).
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// How to fix a finding.
    pub help: &'static str,
    /// The full explanation (what, why, fix, example): `docs/rules/<id>.md`.
    pub doc: &'static str,
    /// The statement check.
    pub check: Option<CheckFn>,
    /// The set check.
    pub finish: Option<FinishFn>,
}

/// Every rule, in the order they are documented.
pub static RULES: &[Rule] = &[
    syntax_error::RULE,
    alter_system::RULE,
    supabase_reserved_schema::RULE,
    copy_to_file::RULE,
    copy_from_file::RULE,
    partition_of_unpartitioned::RULE,
    security_definer_search_path::RULE,
    policy_on_view::RULE,
    rls_disabled::RULE,
    policy_without_rls::RULE,
    view_bypasses_rls::RULE,
    refresh_concurrently_needs_unique_index::RULE,
    concurrently_in_transaction::RULE,
    undefined_function::RULE,
    transaction_control::RULE,
    destructive_change::RULE,
    require_concurrent_index::RULE,
    auth_rls_initplan::RULE,
    unindexed_foreign_key::RULE,
    sum_mismatch::RULE,
    invalid_ignore::RULE,
];

/// A set-check finding at the statement that declared an object.
pub fn at_site(rule: &Rule, site: &crate::lint::symbols::Site, message: String) -> Diagnostic {
    Diagnostic {
        file: site.file.clone(),
        span: site.span.clone(),
        rule: rule.id,
        severity: rule.severity,
        message,
        help: Some(rule.help.to_string()),
    }
}

/// Looks a rule up by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_doc_page_with_why_fix_and_example() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
        for rule in RULES {
            let path = dir.join(format!("{}.md", rule.id));
            let page = std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("rule {} has no doc page {}", rule.id, path.display()));
            assert_eq!(
                page, rule.doc,
                "{}: RULE.doc must include the page",
                rule.id
            );
            for section in ["## Why", "## Fix", "## Example"] {
                assert!(
                    page.contains(section),
                    "{} lacks `{section}`",
                    path.display()
                );
            }
        }
    }

    /// Wraps a statement every way a migration can run it, and every way it is only text.
    fn placements(stmt: &str) -> (Vec<String>, Vec<String>) {
        let quoted = stmt.replace('\'', "''");
        let runs = vec![
            format!("{stmt};"),
            format!("do $custom_tag$\nbegin\n  {stmt};\nend\n$custom_tag$;"),
            format!(
                "CREATE FUNCTION app.f() RETURNS void LANGUAGE plpgsql AS $body$ BEGIN {stmt}; END $body$;"
            ),
            format!("CREATE FUNCTION app.g() RETURNS void LANGUAGE sql AS $q$ {stmt}; $q$;"),
            format!("DO $$ BEGIN EXECUTE '{quoted}'; END $$;"),
        ];
        let text_only = vec![
            format!("-- {stmt};\nSELECT 1;"),
            format!("/* {stmt}; */ SELECT 1;"),
            format!("SELECT '{quoted}';"),
            format!("SELECT $x${stmt}$x$;"),
            format!("DO $$ BEGIN RAISE NOTICE '{quoted}'; END $$;"),
        ];
        (runs, text_only)
    }

    #[test]
    fn forbidden_commands_are_found_wherever_they_run_and_never_in_text() {
        let cases = [
            ("alter-system", "ALTER  SYSTEM\tSET work_mem = '1GB'"),
            (
                "copy-to-file",
                "copy public.events to '/backups/events.csv'",
            ),
            (
                "copy-from-file",
                "COPY app.events FROM PROGRAM 'curl http://x'",
            ),
        ];
        for (rule, stmt) in cases {
            let (runs, text_only) = placements(stmt);
            for sql in runs {
                let found = crate::lint::tests::lines(&sql, rule);
                assert_eq!(found.len(), 1, "{rule} not found once in:\n{sql}");
            }
            for sql in text_only {
                assert!(
                    crate::lint::tests::rule_ids(&sql).is_empty(),
                    "false alarm in:\n{sql}"
                );
            }
            let next_to_correct =
                format!("COPY t TO STDOUT;\nALTER ROLE x SET work_mem = '1MB';\n{stmt};");
            assert_eq!(
                crate::lint::tests::lines(&next_to_correct, rule),
                vec![3],
                "{rule}"
            );
        }
    }

    /// The code of the first fenced block after the line `label` (`Flagged:`, `Fixed:`) of a
    /// rule's doc page.
    fn example<'a>(doc: &'a str, label: &str) -> Option<&'a str> {
        let after = &doc[doc.find(&format!("\n{label}\n"))?..];
        let start = after.find("```")?;
        let body = &after[start..];
        let body = &body[body.find('\n')? + 1..];
        Some(&body[..body.find("```")?])
    }

    /// Rules whose documented example is not SQL the linter reads alone (the sum file check
    /// compares `eventos.sum`, tested in its own file).
    const NOT_FROM_SQL: &[&str] = &["sum-mismatch"];

    /// Earlier files a rule's documented example assumes (the example is the last file).
    const EARLIER_FILES: &[(&str, &str)] = &[(
        "require-concurrent-index",
        "CREATE TABLE public.events (id uuid PRIMARY KEY, starts_at timestamptz);",
    )];

    /// The files a rule's example is linted as: its earlier files, then `example.sql`.
    fn example_files<'a>(rule: &Rule, example: &'a str) -> Vec<(&'static str, &'a str)> {
        let mut files: Vec<(&str, &str)> = EARLIER_FILES
            .iter()
            .filter(|(id, _)| *id == rule.id)
            .map(|(_, text)| ("earlier.sql", *text))
            .collect();
        files.push(("example.sql", example));
        files
    }

    /// Every rule flags the `Flagged:` example of its doc page (the snapshot pins the exact
    /// messages: `src/lint/rules/snapshots/eventos__lint__rules__tests__<id>.snap`) and not the
    /// `Fixed:` one. A new rule gets its snapshot from its doc page.
    #[test]
    fn every_rule_flags_its_documented_example_with_the_snapshotted_messages() {
        use crate::lint::tests::{lint_files, messages};
        let fires = |rule: &Rule, example: &str| {
            lint_files(&example_files(rule, example))
                .diagnostics
                .iter()
                .any(|d| d.rule == rule.id)
        };
        let mut wrong = Vec::new();
        for rule in RULES.iter().filter(|r| !NOT_FROM_SQL.contains(&r.id)) {
            let flagged = example(rule.doc, "Flagged:")
                .unwrap_or_else(|| panic!("docs/rules/{}.md has no `Flagged:` example", rule.id));
            let fixed = example(rule.doc, "Fixed:")
                .unwrap_or_else(|| panic!("docs/rules/{}.md has no `Fixed:` example", rule.id));
            if !fires(rule, flagged) {
                wrong.push(format!(
                    "{}: the documented example is not flagged",
                    rule.id
                ));
            }
            if fires(rule, fixed) {
                wrong.push(format!("{}: the documented fix is still flagged", rule.id));
            }
            insta::assert_snapshot!(rule.id, messages(&example_files(rule, flagged)), flagged);
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn every_doc_page_belongs_to_a_rule_and_ids_are_unique() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let id = name.strip_suffix(".md").unwrap();
            assert!(find(id).is_some(), "docs/rules/{name} documents no rule");
        }
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }
}
