//! The rule and check tables: `eventos rules`, `eventos checks`, and the markdown tables of
//! README.md and docs/verify.md, all derived from [`RULES`] and [`CHECKS`] (a test keeps the
//! documents equal to what these functions print).

use crate::lint::RULES;
use crate::verify::checks::CHECKS;

/// `eventos rules`: id, default severity and summary of every rule.
pub fn rules() -> String {
    let width = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out: String = RULES
        .iter()
        .map(|r| format!("{:<width$}  {:<7}  {}\n", r.id, r.severity, r.summary))
        .collect();
    out.push_str(
        "\n`eventos rules <id>` explains a rule; `[rules]` in eventos.toml changes levels.\n",
    );
    out
}

/// `eventos checks`: id, default level and summary of every check.
pub fn checks() -> String {
    let width = CHECKS.iter().map(|c| c.id.len()).max().unwrap_or(0);
    let mut out: String = CHECKS
        .iter()
        .map(|c| format!("{:<width$}  {:<7}  {}\n", c.id, c.level, c.summary))
        .collect();
    out.push_str(
        "\n`eventos checks <id>` explains a check; `[verify.checks]` in eventos.toml changes levels,\n`[[verify.exempt]]` accepts a finding on one object with a reason.\n",
    );
    out
}

/// The README's rule table.
pub fn rules_markdown() -> String {
    let mut out = String::from("| rule | severity | finds |\n|------|----------|-------|\n");
    for rule in RULES {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            rule.id, rule.severity, rule.summary
        ));
    }
    out
}

/// A check table whose links point into `pages` (`docs/checks/` from the README,
/// `checks/` from docs/verify.md).
pub fn checks_markdown(pages: &str) -> String {
    let mut out = String::from("| id | level | proves |\n|---|---|---|\n");
    for check in CHECKS {
        out.push_str(&format!(
            "| [`{id}`]({pages}{id}.md) | {} | {} |\n",
            check.level,
            check.summary,
            id = check.id
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Replaces the table that follows `marker` in `document` with `table`; the table ends at
    /// the first line that is not a table row.
    fn with_table(document: &str, marker: &str, table: &str) -> String {
        let start = document
            .find(marker)
            .unwrap_or_else(|| panic!("no `{marker}` line"))
            + marker.len()
            + 1;
        let rest = &document[start..];
        let end = rest
            .split_inclusive('\n')
            .take_while(|line| line.starts_with('|'))
            .map(str::len)
            .sum::<usize>();
        format!("{}{table}{}", &document[..start], &rest[end..])
    }

    /// Fails when a document's generated table drifted; `EVENTOS_UPDATE_DOCS=1` rewrites it.
    fn assert_table(file: &str, marker: &str, table: &str) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let document = std::fs::read_to_string(&path).unwrap();
        let expected = with_table(&document, marker, table);
        if document == expected {
            return;
        }
        if std::env::var_os("EVENTOS_UPDATE_DOCS").is_some() {
            std::fs::write(&path, expected).unwrap();
            return;
        }
        panic!(
            "{file}: the table after `{marker}` differs from the rule/check metadata; run `EVENTOS_UPDATE_DOCS=1 cargo test --lib tables` to regenerate it"
        );
    }

    #[test]
    fn the_documents_tables_are_generated_from_the_metadata() {
        assert_table(
            "README.md",
            "<!-- rules table: generated -->",
            &rules_markdown(),
        );
        assert_table(
            "README.md",
            "<!-- checks table: generated -->",
            &checks_markdown("docs/checks/"),
        );
        assert_table(
            "docs/verify.md",
            "<!-- checks table: generated -->",
            &checks_markdown("checks/"),
        );
    }

    #[test]
    fn the_command_tables_list_every_rule_and_check() {
        insta::assert_snapshot!("rules", rules());
        insta::assert_snapshot!("checks", checks());
    }
}
