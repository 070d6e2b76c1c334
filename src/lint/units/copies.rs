//! `COPY … TO|FROM '<file>'` recognised from scanner tokens in text that does not parse, so the
//! forbidden command is still named in a broken or uncompilable body.

use std::ops::Range;

use pg_query::NodeEnum;
use pg_query::protobuf::Token;

use super::{Body, Expansion, Unit};
use crate::sql::code_tokens;

/// Pushes a unit for every `COPY` keyword in `text` (found at file offset `offset`).
pub(super) fn push(body: &Body<'_>, text: &str, offset: Option<usize>, out: &mut Expansion) {
    for (span, node) in copies_in(text) {
        let span = offset.map_or(body.span.clone(), |o| o + span.start..o + span.end);
        out.units.push(Unit {
            node,
            span,
            base: None,
            kind: body.kind,
            dynamic: None,
        });
    }
}

/// Every `COPY` statement in `text` by its tokens (`COPY … TO|FROM [PROGRAM] '<literal>'` at
/// parenthesis depth 0, up to `;`), each re-parsed as a minimal `COPY` carrying the literal.
/// The scanner tells keywords from strings and comments, so a quoted "COPY" is not one.
pub(super) fn copies_in(text: &str) -> Vec<(Range<usize>, NodeEnum)> {
    let tokens = code_tokens(text);
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if Token::try_from(token.token) != Ok(Token::Copy) {
            continue;
        }
        let rest = &tokens[i..];
        let len = rest
            .iter()
            .position(|t| Token::try_from(t.token) == Ok(Token::Ascii59))
            .unwrap_or(rest.len());
        let statement = &rest[..len];
        if let Some(node) = copy_shape(text, statement) {
            let end = statement.last().map_or(token.end, |t| t.end);
            out.push((token.start as usize..end as usize, node));
        }
    }
    out
}

fn copy_shape(text: &str, tokens: &[pg_query::protobuf::ScanToken]) -> Option<NodeEnum> {
    let kind = |i: usize| tokens.get(i).and_then(|t| Token::try_from(t.token).ok());
    let mut depth = 0i32;
    for (i, token) in tokens.iter().enumerate() {
        match Token::try_from(token.token) {
            Ok(Token::Ascii40) => depth += 1,
            Ok(Token::Ascii41) => depth -= 1,
            Ok(direction @ (Token::To | Token::From)) if depth == 0 => {
                let program = kind(i + 1) == Some(Token::Program);
                let literal = tokens.get(i + 1 + usize::from(program))?;
                if Token::try_from(literal.token) != Ok(Token::Sconst) {
                    return None;
                }
                let word = if direction == Token::To { "TO" } else { "FROM" };
                let program = if program { "PROGRAM " } else { "" };
                let literal = &text[literal.start as usize..literal.end as usize];
                let synthetic = format!("COPY eventos_unparsed {word} {program}{literal}");
                let parsed = crate::sql::parse(&synthetic).ok()?;
                return parsed.stmts.into_iter().next()?.stmt?.node;
            }
            _ => {}
        }
    }
    None
}
