//! `psql-only` — what only psql understands, in a file a migration tool sends to the server: a
//! meta-command (`\restrict`, `\connect`…) or the inline data of a `COPY … FROM stdin`.
//!
//! Why: the server rejects a backslash command and reads inline data as SQL, so the deploy
//! fails at that file. Fix: keep migrations to SQL; run psql scripts (a pg_dump) with psql and
//! lint them with `--runner none`. The engine sets psql's part aside before parsing
//! ([`crate::sql::psql`]) whatever this rule's level; this rule only reports it.

use super::Rule;
use crate::lint::{Diagnostic, Runner, Severity, SourceFile};
use crate::sql::psql::{ClientKind, ClientPart};

/// The rule's metadata; the engine emits its findings when it reads a file.
pub const RULE: Rule = Rule {
    id: "psql-only",
    severity: Severity::Error,
    summary: "a psql meta-command or inline COPY data in a file the runner sends to the server",
    help: "keep migrations to SQL (drop pg_dump's `\\restrict`/`\\unrestrict` lines, write seed rows as INSERTs); run psql scripts with `psql -f` and lint them with `--runner none`",
    doc: include_str!("../../../docs/rules/psql-only.md"),
    check: None,
    finish: None,
};

/// The findings on the parts of `source` (its text as read) that psql handles itself.
pub fn findings(source: &SourceFile, parts: &[ClientPart], runner: Runner) -> Vec<Diagnostic> {
    parts
        .iter()
        .filter_map(|part| finding(source, part, runner))
        .collect()
}

fn finding(source: &SourceFile, part: &ClientPart, runner: Runner) -> Option<Diagnostic> {
    let text = &source.text[part.span.clone()];
    let (span, message) = match part.kind {
        ClientKind::MetaCommand | ClientKind::QueryCommand if runner != Runner::None => {
            let name = text.split_whitespace().next().unwrap_or(text);
            let span = part.span.start..part.span.start + name.len();
            let message = format!(
                "`{name}` is a psql meta-command: {} sends the file to PostgreSQL, which rejects it",
                runner.tool()
            );
            (span, message)
        }
        // Flyway sends a `COPY … FROM STDIN`'s inline data itself, as psql does.
        ClientKind::CopyData if !matches!(runner, Runner::None | Runner::Flyway) => {
            let lines = text.lines().count().saturating_sub(1);
            let first_line = text.find('\n').unwrap_or(text.len());
            let noun = if lines == 1 { "line" } else { "lines" };
            let message = format!(
                "inline `COPY … FROM stdin` data ({lines} {noun} before `\\.`): only psql sends \
                 it; {} sends the file to PostgreSQL, which reads it as SQL",
                runner.tool()
            );
            (part.span.start..part.span.start + first_line, message)
        }
        _ => return None,
    };
    Some(RULE.finding(&source.path, span, message))
}

#[cfg(test)]
mod tests {
    use crate::lint::Runner;
    use crate::lint::tests::{lines, lines_with};

    const DUMP: &str = "\\restrict k3y\nSET statement_timeout = 0;\nCOPY public.t (a, b) FROM stdin;\n1\tO'Brien\n2\t\\N\n\\.\nCREATE TABLE public.u (a int);\n\\unrestrict k3y\n";

    #[test]
    fn meta_commands_and_inline_copy_data_are_found_at_their_lines() {
        assert_eq!(lines(DUMP, "psql-only"), vec![1, 4, 8]);
        assert_eq!(lines(DUMP, "syntax-error"), Vec::<usize>::new());
    }

    #[test]
    fn each_runner_is_told_what_it_does_not_send() {
        assert_eq!(
            lines_with(Runner::None, DUMP, "psql-only"),
            Vec::<usize>::new()
        );
        // Flyway sends inline COPY data itself; no runner but psql takes meta-commands.
        assert_eq!(lines_with(Runner::Flyway, DUMP, "psql-only"), vec![1, 8]);
        assert_eq!(
            lines_with(Runner::Supabase, DUMP, "psql-only"),
            vec![1, 4, 8]
        );
    }

    #[test]
    fn a_meta_command_that_sends_the_query_is_named_and_ends_its_statement() {
        let text = "SELECT 'CREATE DATABASE app' WHERE NOT EXISTS (SELECT 1) \\gexec\nALTER SYSTEM SET work_mem = '1GB';\n";
        assert_eq!(lines(text, "psql-only"), vec![1]);
        assert_eq!(lines(text, "alter-system"), vec![2]);
        assert!(lines(text, "syntax-error").is_empty());
    }

    #[test]
    fn the_sql_around_psql_s_part_is_still_linted() {
        let text =
            "\\connect app\nCOPY t FROM stdin;\nx'\n\\.\nALTER SYSTEM SET work_mem = '1GB';\n";
        assert_eq!(lines_with(Runner::None, text, "alter-system"), vec![5]);
    }
}
