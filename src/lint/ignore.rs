//! Suppression comments: `-- eventos:ignore <rule>[, <rule>] -- <reason>` before a statement and
//! `-- eventos:ignore-file <rule>[, <rule>] -- <reason>` anywhere in a file.
//!
//! Comments are found with libpg_query's scanner, so a directive inside a string is not one. A
//! directive naming an unknown rule or giving no reason is itself a finding (`invalid-ignore`).

use std::ops::Range;

use pg_query::protobuf::Token;

use super::rules::{self, invalid_ignore};
use crate::lint::{Diagnostic, SourceFile};
use crate::sql::scan_tokens;

const STATEMENT_PREFIX: &str = "eventos:ignore";
const FILE_PREFIX: &str = "eventos:ignore-file";

/// The suppressions of one file: nothing but a null pointer for the many files without any
/// (one is kept per file until the report: 14,000 on a long history).
#[derive(Debug, Default)]
pub struct Suppressions(Option<Box<Directives>>);

/// A file's directives.
#[derive(Debug, Default)]
struct Directives {
    file_rules: Vec<String>,
    statement_rules: Vec<(Range<usize>, Vec<String>)>,
}

impl Suppressions {
    /// Reads the directives of `source`, whose parsed statements span `statements` (in file
    /// order); malformed directives are pushed to `problems`.
    pub fn parse(
        source: &SourceFile,
        statements: &[Range<usize>],
        problems: &mut Vec<Diagnostic>,
    ) -> Self {
        // No directive text anywhere: nothing to scan for (the scanner still decides otherwise).
        if !source.text.contains(STATEMENT_PREFIX) {
            return Suppressions(None);
        }
        let mut out = Directives::default();
        for token in scan_tokens(&source.text) {
            if Token::try_from(token.token) != Ok(Token::SqlComment) {
                continue;
            }
            let span = token.start as usize..token.end as usize;
            let body = source.text[span.clone()].trim_start_matches('-').trim();
            let (file_level, rest) = if let Some(rest) = body.strip_prefix(FILE_PREFIX) {
                (true, rest)
            } else if let Some(rest) = body.strip_prefix(STATEMENT_PREFIX) {
                (false, rest)
            } else {
                continue;
            };
            let Some(rules) = parse_directive(rest, source, &span, problems) else {
                continue;
            };
            if file_level {
                out.file_rules.extend(rules);
            } else if let Some(next) =
                statements.get(statements.partition_point(|s| s.start < span.end))
            {
                out.statement_rules.push((next.clone(), rules));
            }
        }
        let any = !out.file_rules.is_empty() || !out.statement_rules.is_empty();
        Suppressions(any.then(|| Box::new(out)))
    }

    /// Whether `diagnostic` (in this file) is suppressed.
    pub fn suppresses(&self, diagnostic: &Diagnostic) -> bool {
        let Some(directives) = &self.0 else {
            return false;
        };
        if diagnostic.rule == invalid_ignore::RULE.id {
            return false;
        }
        let named = |rules: &[String]| rules.iter().any(|r| r == diagnostic.rule);
        named(&directives.file_rules)
            || directives
                .statement_rules
                .iter()
                .any(|(span, rules)| span.contains(&diagnostic.span.start) && named(rules))
    }
}

/// `rule, rule -- reason` → the rules; reports unknown rules and a missing reason.
fn parse_directive(
    rest: &str,
    source: &SourceFile,
    span: &Range<usize>,
    problems: &mut Vec<Diagnostic>,
) -> Option<Vec<String>> {
    let (names, reason) = match rest.split_once("--") {
        Some((names, reason)) => (names, reason.trim()),
        None => (rest, ""),
    };
    let names: Vec<String> = names
        .split(',')
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    let mut problem =
        |message: String| problems.push(invalid_ignore::diagnostic(source, span.clone(), message));
    if names.is_empty() {
        problem("the ignore directive names no rule".into());
        return None;
    }
    if let Some(unknown) = names.iter().find(|n| rules::find(n).is_none()) {
        problem(format!(
            "the ignore directive names unknown rule `{unknown}`"
        ));
        return None;
    }
    if reason.is_empty() {
        problem("the ignore directive gives no reason".into());
        return None;
    }
    Some(names)
}
