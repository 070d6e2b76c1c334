//! The rule table: every rule's metadata declared once, in one place, with its check.
//!
//! A rule has a statement check (run on every unit, in order), a set check (run once over the
//! final symbol table), or neither (findings the engine or the sum file check emits itself).

pub mod add_column_required;
pub mod add_column_volatile_default;
pub mod add_primary_key;
pub mod alter_system;
pub mod auth_rls_initplan;
pub mod change_column_type;
pub mod char_column;
pub mod check_not_valid;
pub mod concurrently_in_transaction;
pub mod copy_from_file;
pub mod copy_to_file;
pub mod destructive_change;
pub mod domain_add_constraint;
pub mod domain_with_constraint;
pub mod drop_database;
pub mod drop_not_null;
pub mod duplicate_column_assignment;
pub mod enum_value_ordering;
pub mod foreign_key_not_valid;
pub mod hardcoded_secret;
pub mod identifier_too_long;
pub mod invalid_ignore;
pub mod partition_of_unpartitioned;
pub mod policy_on_view;
pub mod policy_without_rls;
pub mod prefer_bigint_key;
pub mod prefer_identity;
pub mod prefer_repack;
pub mod prefer_robust_stmts;
pub mod prefer_text;
pub mod prefer_timestamptz;
pub mod psql_only;
pub mod refresh_concurrently_needs_unique_index;
pub mod rename_column;
pub mod rename_table;
pub mod require_concurrent_detach;
pub mod require_concurrent_index;
pub mod require_concurrent_index_drop;
pub mod require_concurrent_reindex;
pub mod require_table_schema;
pub mod require_timeout;
pub mod rls_disabled;
pub mod security_definer_search_path;
pub mod set_not_null;
pub mod sum_mismatch;
pub mod supabase_reserved_schema;
pub mod syntax_error;
pub mod transaction_control;
pub mod truncate_cascade;
pub mod undefined_function;
pub mod unindexed_foreign_key;
pub mod unique_constraint_without_index;
pub mod validate_in_same_transaction;
pub mod view_bypasses_rls;

use std::ops::Range;
use std::sync::Arc;

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

impl Rule {
    /// A finding of this rule at `span` of the file at `path`, with the rule's severity and help.
    pub fn finding(
        &self,
        path: &std::path::Path,
        span: Range<usize>,
        message: String,
    ) -> Diagnostic {
        Diagnostic {
            file: path.into(),
            span,
            rule: self.id,
            severity: self.severity,
            message,
            help: Some(self.help.into()),
        }
    }
}

/// Every rule, in the order they are documented.
pub static RULES: &[Rule] = &[
    syntax_error::RULE,
    psql_only::RULE,
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
    hardcoded_secret::RULE,
    // Changing live tables (squawk's set, schema- and size-aware: docs/lint.md).
    add_column_volatile_default::RULE,
    add_column_required::RULE,
    foreign_key_not_valid::RULE,
    check_not_valid::RULE,
    validate_in_same_transaction::RULE,
    unique_constraint_without_index::RULE,
    add_primary_key::RULE,
    change_column_type::RULE,
    set_not_null::RULE,
    drop_not_null::RULE,
    rename_column::RULE,
    rename_table::RULE,
    prefer_repack::RULE,
    require_concurrent_index_drop::RULE,
    require_concurrent_reindex::RULE,
    require_concurrent_detach::RULE,
    domain_add_constraint::RULE,
    truncate_cascade::RULE,
    drop_database::RULE,
    duplicate_column_assignment::RULE,
    require_timeout::RULE,
    prefer_robust_stmts::RULE,
    // How new schema is written.
    prefer_bigint_key::RULE,
    prefer_identity::RULE,
    prefer_timestamptz::RULE,
    char_column::RULE,
    prefer_text::RULE,
    domain_with_constraint::RULE,
    enum_value_ordering::RULE,
    identifier_too_long::RULE,
    require_table_schema::RULE,
    sum_mismatch::RULE,
    invalid_ignore::RULE,
];

/// Rules that run only when `[rules]` in `eventos.toml` gives them a level.
pub const OPT_IN: &[&str] = &[prefer_text::RULE.id, require_table_schema::RULE.id];

/// Whether `id` is off unless configured.
pub fn is_opt_in(id: &str) -> bool {
    OPT_IN.contains(&id)
}

/// A set-check finding at the statement that declared an object.
pub fn at_site(rule: &Rule, site: &crate::lint::symbols::Site, message: String) -> Diagnostic {
    Diagnostic {
        file: Arc::clone(&site.file),
        span: site.span.clone(),
        rule: rule.id,
        severity: rule.severity,
        message: crate::lint::diagnostic::snug_message(message),
        help: Some(rule.help.into()),
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

    /// The options a rule's documented example is linted under: opt-in rules enabled,
    /// `require-timeout` under a runner that sets no timeouts (its doc page says which).
    fn example_options(rule: &Rule) -> crate::lint::LintOptions {
        let mut options = crate::lint::LintOptions::default();
        if is_opt_in(rule.id) {
            options.levels.insert(rule.id.into(), Some(rule.severity));
        }
        if rule.id == require_timeout::RULE.id {
            options.runner = crate::lint::Runner::Supabase;
        }
        options
    }

    /// Every rule flags the `Flagged:` example of its doc page (the snapshot pins the exact
    /// messages: `src/lint/rules/snapshots/eventos__lint__rules__tests__<id>.snap`) and not the
    /// `Fixed:` one. A new rule gets its snapshot from its doc page.
    #[test]
    fn every_rule_flags_its_documented_example_with_the_snapshotted_messages() {
        use crate::lint::tests::{lint_files_with, messages_with};
        let fires = |rule: &Rule, example: &str| {
            lint_files_with(&example_options(rule), &example_files(rule, example))
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
            let options = example_options(rule);
            insta::assert_snapshot!(
                rule.id,
                messages_with(&options, &example_files(rule, flagged)),
                flagged
            );
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
