//! `hardcoded-secret` (error) — a credential written into a migration: a JWT (three base64url
//! segments whose first decodes to a JSON header — Supabase's legacy `anon` and `service_role`
//! keys are JWTs), a Supabase secret key (`sb_secret_…`), Stripe (`sk_live_…`, `rk_…`,
//! `whsec_…`), AWS (`AKIA…`), GitHub, Slack, Google, OpenAI and Anthropic keys, a private key,
//! a password in a connection URL or `password=` connection string, and the literal of
//! `PASSWORD '…'` (`CREATE|ALTER ROLE|USER`, user mappings). Found anywhere in the file: string
//! literals, dollar-quoted bodies (`net.http_post(… headers …)` in a function) and comments — a
//! key in a comment is leaked all the same.
//!
//! The secret is never echoed: messages show at most its first 4 characters (none of a
//! password), and every output of the run — source lines of any finding, messages, the lock
//! report — sees the file with the secret masked ([`redact`]).
//!
//! Why: whatever is committed is in the repository's history for good, readable by everyone
//! with access to it, and the migration runs with it in `pg_stat_activity` and the logs.
//! Fix: rotate the credential now; keep it out of the files (Supabase Vault, filled from a
//! one-off session or the dashboard; a setting or secret the deploy injects).

use std::ops::Range;

use base64::Engine;
use pg_query::protobuf::Token;

use super::Rule;
use crate::lint::{Diagnostic, Severity, SourceFile};
use crate::sql::scan_tokens;

/// The rule's metadata; its findings come from [`scan_file`], run on every file.
pub const RULE: Rule = Rule {
    id: "hardcoded-secret",
    severity: Severity::Error,
    summary: "a key, token or password written into a migration (strings, bodies, comments)",
    help: "rotate it now (it is in the repository history), then keep it out of migrations: Supabase Vault or a secret the deploy injects",
    doc: include_str!("../../../docs/rules/hardcoded-secret.md"),
    check: None,
    finish: None,
};

/// How many leading characters of a key a message may show.
const SHOWN: usize = 4;

/// One credential in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// Its bytes in the file.
    pub span: Range<usize>,
    /// What it is, for the message (`a Stripe secret key`).
    pub kind: String,
    /// Leading characters that may be shown (0 for passwords).
    pub shown: usize,
}

/// The findings of one file.
pub fn scan_file(source: &SourceFile) -> Vec<Diagnostic> {
    let secrets = secrets_in(&source.text);
    if secrets.is_empty() {
        return Vec::new(); // the common case: no token scan of the file
    }
    let tokens = scan_tokens(&source.text);
    secrets
        .into_iter()
        .map(|secret| {
            let text = &source.text[secret.span.clone()];
            let prefix: String = text.chars().take(secret.shown).collect();
            let length = text.chars().count();
            let shown = if secret.shown == 0 {
                format!("{length} characters")
            } else {
                format!("`{prefix}…`, {length} characters")
            };
            let message = format!(
                "{} in {} ({shown}): it is in the repository history once committed",
                secret.kind,
                place(&source.text, &tokens, secret.span.start)
            );
            RULE.finding(&source.path, secret.span.clone(), message)
        })
        .collect()
}

/// Every file with its credentials masked (all but their first characters become `*`, byte
/// lengths kept so positions stay right), and every message and help cleaned of them.
/// `holding` lists the positions of the files [`scan_file`] found credentials in (the others
/// are not scanned again).
pub fn redact(
    sources: Vec<SourceFile>,
    holding: &[usize],
    diagnostics: &mut [Diagnostic],
) -> Vec<SourceFile> {
    let mut leaked: Vec<(String, String)> = Vec::new();
    let sources = sources
        .into_iter()
        .enumerate()
        .map(|(index, mut source)| {
            if holding.binary_search(&index).is_err() {
                return source;
            }
            let secrets = secrets_in(&source.text);
            if secrets.is_empty() {
                return source;
            }
            let mut text = source.text.clone();
            for secret in secrets.iter().rev() {
                let original = &source.text[secret.span.clone()];
                let masked = mask(original, secret.shown);
                leaked.push((original.to_string(), masked.clone()));
                text.replace_range(secret.span.clone(), &masked);
            }
            source.text = text;
            source
        })
        .collect();
    leaked.sort_by_key(|(original, _)| std::cmp::Reverse(original.len()));
    for diagnostic in diagnostics.iter_mut() {
        for (original, masked) in &leaked {
            if diagnostic.message.contains(original.as_str()) {
                diagnostic.message = diagnostic.message.replace(original.as_str(), masked);
            }
            if let Some(help) = &mut diagnostic.help
                && help.contains(original.as_str())
            {
                *help = help.replace(original.as_str(), masked).into();
            }
        }
    }
    sources
}

/// `text` with every character after the first `shown` replaced by a mask character of the
/// same UTF-8 length.
fn mask(text: &str, shown: usize) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| match (i < shown, c.len_utf8()) {
            (true, _) => c.to_string(),
            (false, 1) => "*".to_string(),
            (false, 2) => "\u{b7}".to_string(),
            (false, 3) => "\u{2022}".to_string(),
            (false, _) => "\u{1f784}".to_string(),
        })
        .collect()
}

/// Where in the file a secret sits, from the scanner's token around it.
fn place(text: &str, tokens: &[pg_query::protobuf::ScanToken], offset: usize) -> &'static str {
    let token = tokens
        .iter()
        .find(|t| (t.start as usize) <= offset && offset < t.end as usize);
    match token.map(|t| Token::try_from(t.token)) {
        Some(Ok(Token::SqlComment | Token::CComment)) => "a comment",
        Some(Ok(Token::Sconst | Token::Usconst)) => {
            let start = token.map_or(0, |t| t.start as usize);
            if text[start..].starts_with('$') {
                "a dollar-quoted body"
            } else {
                "a string literal"
            }
        }
        Some(Ok(Token::Ident)) => "a quoted identifier",
        _ => "the file",
    }
}

/// Every credential in `text`, in file order, without overlaps.
pub fn secrets_in(text: &str) -> Vec<Secret> {
    let mut found = key_secrets(text);
    found.extend(password_literals(text, 0, 0));
    found.sort_by_key(|s| (s.span.start, std::cmp::Reverse(s.span.end)));
    let mut out: Vec<Secret> = Vec::new();
    for secret in found {
        if out
            .last()
            .is_some_and(|last| secret.span.start < last.span.end)
        {
            continue;
        }
        out.push(secret);
    }
    out
}

/// Characters of base64url tokens and most API keys.
const fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// A key shape: a prefix, then `min..=max` characters accepted by `body`.
struct Shape {
    prefix: &'static str,
    min: usize,
    max: usize,
    body: fn(u8) -> bool,
    kind: &'static str,
}

/// Any length from `min` on.
const OPEN: usize = usize::MAX;

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn upper_alnum(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// Key shapes by prefix (vendors' documented formats).
const SHAPES: &[Shape] = &[
    Shape {
        prefix: "sb_secret_",
        min: 20,
        max: OPEN,
        body: is_key_char,
        kind: "a Supabase secret API key",
    },
    Shape {
        prefix: "sk_live_",
        min: 16,
        max: OPEN,
        body: alnum,
        kind: "a Stripe live secret key",
    },
    Shape {
        prefix: "sk_test_",
        min: 16,
        max: OPEN,
        body: alnum,
        kind: "a Stripe test secret key",
    },
    Shape {
        prefix: "rk_live_",
        min: 16,
        max: OPEN,
        body: alnum,
        kind: "a Stripe restricted key",
    },
    Shape {
        prefix: "rk_test_",
        min: 16,
        max: OPEN,
        body: alnum,
        kind: "a Stripe restricted test key",
    },
    Shape {
        prefix: "whsec_",
        min: 24,
        max: OPEN,
        body: alnum,
        kind: "a Stripe webhook signing secret",
    },
    Shape {
        prefix: "AKIA",
        min: 16,
        max: 16,
        body: upper_alnum,
        kind: "an AWS access key id",
    },
    Shape {
        prefix: "ASIA",
        min: 16,
        max: 16,
        body: upper_alnum,
        kind: "an AWS temporary access key id",
    },
    Shape {
        prefix: "ghp_",
        min: 36,
        max: OPEN,
        body: alnum,
        kind: "a GitHub token",
    },
    Shape {
        prefix: "gho_",
        min: 36,
        max: OPEN,
        body: alnum,
        kind: "a GitHub OAuth token",
    },
    Shape {
        prefix: "ghs_",
        min: 36,
        max: OPEN,
        body: alnum,
        kind: "a GitHub app token",
    },
    Shape {
        prefix: "github_pat_",
        min: 40,
        max: OPEN,
        body: is_key_char,
        kind: "a GitHub token",
    },
    Shape {
        prefix: "xoxb-",
        min: 20,
        max: OPEN,
        body: is_key_char,
        kind: "a Slack bot token",
    },
    Shape {
        prefix: "xoxp-",
        min: 20,
        max: OPEN,
        body: is_key_char,
        kind: "a Slack user token",
    },
    Shape {
        prefix: "AIza",
        min: 35,
        max: OPEN,
        body: is_key_char,
        kind: "a Google API key",
    },
    Shape {
        prefix: "sk-ant-",
        min: 20,
        max: OPEN,
        body: is_key_char,
        kind: "an Anthropic API key",
    },
    Shape {
        prefix: "sk-proj-",
        min: 20,
        max: OPEN,
        body: is_key_char,
        kind: "an OpenAI API key",
    },
    Shape {
        prefix: "sk-svcacct-",
        min: 20,
        max: OPEN,
        body: is_key_char,
        kind: "an OpenAI API key",
    },
    Shape {
        prefix: "sk-",
        min: 40,
        max: OPEN,
        body: alnum,
        kind: "an OpenAI API key",
    },
];

/// Key-shaped secrets, JWTs, private keys and connection-string passwords, anywhere in `text`.
///
/// Every one starts a word (a run of [`is_key_char`] bytes) with a byte [`could_start`]: the
/// scan looks at each word's first byte and skips the rest of the word.
fn key_secrets(text: &str) -> Vec<Secret> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let class = BYTE_CLASS[bytes[i] as usize];
        if class & KEY_CHAR == 0 {
            i += 1;
            continue;
        }
        if class & COULD_START != 0
            && let Some(secret) = secret_at(text, i)
        {
            i = secret.span.end;
            out.push(secret);
            if i > 0 && BYTE_CLASS[bytes[i - 1] as usize] & KEY_CHAR == 0 {
                continue; // the next byte starts a word
            }
        }
        while i < bytes.len() && BYTE_CLASS[bytes[i] as usize] & KEY_CHAR != 0 {
            i += 1;
        }
    }
    out
}

/// [`BYTE_CLASS`] bit: [`is_key_char`].
const KEY_CHAR: u8 = 1;
/// [`BYTE_CLASS`] bit: [`could_start`].
const COULD_START: u8 = 2;

/// [`KEY_CHAR`] and [`COULD_START`] of every byte.
const BYTE_CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = (is_key_char(byte) as u8 * KEY_CHAR) | (could_start(byte) as u8 * COULD_START);
        b += 1;
    }
    table
};

/// Whether a secret can start with byte `b` (the first bytes of every shape, `eyJ`,
/// `-----BEGIN`, URL schemes and `password=`): most bytes are skipped at once.
const fn could_start(b: u8) -> bool {
    matches!(
        b,
        b'e' | b'-' | b's' | b'r' | b'w' | b'A' | b'g' | b'x' | b'p' | b'm' | b'a' | b'h' | b'f'
    )
}

/// The secret starting at byte `i`, if one does (`i` starts a word with a byte [`could_start`]).
fn secret_at(text: &str, i: usize) -> Option<Secret> {
    let rest = &text[i..];
    if starts_with(rest, "eyJ") {
        return jwt_at(text, i);
    }
    if starts_with(rest, "-----BEGIN ") {
        return private_key_at(text, i);
    }
    for shape in SHAPES {
        if starts_with(rest, shape.prefix) {
            let body = &rest[shape.prefix.len()..];
            let len = body.bytes().take_while(|b| (shape.body)(*b)).count();
            let fits = (shape.min..=shape.max).contains(&len);
            let end = i + shape.prefix.len() + len;
            let ends_cleanly = text.as_bytes().get(end).is_none_or(|b| !is_key_char(*b));
            if fits && ends_cleanly {
                return Some(Secret {
                    span: i..end,
                    kind: shape.kind.to_string(),
                    shown: SHOWN,
                });
            }
        }
    }
    url_password_at(text, i).or_else(|| conninfo_password_at(text, i))
}

/// `rest.starts_with(prefix)`, its first two bytes compared inline: at most word starts, few
/// prefixes share them (a call to compare every prefix was most of the scan).
fn starts_with(rest: &str, prefix: &str) -> bool {
    let (rest, wanted) = (rest.as_bytes(), prefix.as_bytes());
    rest.len() >= wanted.len() && rest[..2] == wanted[..2] && rest[2..wanted.len()] == wanted[2..]
}

/// `header.payload.signature`, header base64url-decoding to a JSON object with `alg`.
fn jwt_at(text: &str, i: usize) -> Option<Secret> {
    let bytes = text.as_bytes();
    let mut end = i;
    let mut segments = vec![i];
    while end < bytes.len() && (is_key_char(bytes[end]) || bytes[end] == b'.') {
        if bytes[end] == b'.' {
            segments.push(end + 1);
        }
        end += 1;
    }
    let parts: Vec<&str> = text[i..end].split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return None;
    };
    if header.len() < 10 || payload.len() < 10 || signature.len() < 10 {
        return None;
    }
    let decode = |s: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    };
    let header = decode(header)?;
    header.get("alg")?;
    let claims = decode(payload);
    let role = claims
        .as_ref()
        .and_then(|c| c.get("role"))
        .and_then(|r| r.as_str());
    let supabase = claims
        .as_ref()
        .and_then(|c| c.get("iss"))
        .and_then(|r| r.as_str())
        .is_some_and(|iss| iss.contains("supabase"));
    let kind = match role {
        Some("service_role") => {
            "a Supabase service_role key (a JWT that bypasses row level security)".to_string()
        }
        Some("anon") if supabase => "a Supabase anon key (a JWT)".to_string(),
        Some(role) => format!("a JWT for role {role}"),
        None => "a JWT".to_string(),
    };
    Some(Secret {
        span: i..end,
        kind,
        shown: SHOWN,
    })
}

/// A PEM private key block, to its `-----END … PRIVATE KEY-----` line (or the end of the text).
fn private_key_at(text: &str, i: usize) -> Option<Secret> {
    let header_end = text[i..].find('\n').map_or(text.len(), |n| i + n);
    let header = &text[i..header_end];
    if !header.contains("PRIVATE KEY-----") {
        return None;
    }
    let end = text[header_end..]
        .find("PRIVATE KEY-----")
        .map_or(text.len(), |n| header_end + n + "PRIVATE KEY-----".len());
    Some(Secret {
        span: i..end,
        kind: "a private key".into(),
        shown: 0,
    })
}

/// Schemes whose URLs carry `user:password@host`.
const URL_SCHEMES: &[&str] = &[
    "postgres://",
    "postgresql://",
    "mysql://",
    "redis://",
    "rediss://",
    "amqp://",
    "amqps://",
    "mongodb://",
    "mongodb+srv://",
    "https://",
    "http://",
    "smtp://",
    "ftp://",
];

/// The password of `scheme://user:password@host`, unless it is a placeholder or the URL points
/// at a local development server.
fn url_password_at(text: &str, i: usize) -> Option<Secret> {
    let rest = &text[i..];
    let scheme = URL_SCHEMES.iter().find(|s| starts_with(rest, s))?;
    let authority_start = i + scheme.len();
    let authority_len = text[authority_start..]
        .find(|c: char| c.is_whitespace() || matches!(c, '/' | '\'' | '"' | '?' | '#'))
        .unwrap_or(text.len() - authority_start);
    let authority = &text[authority_start..authority_start + authority_len];
    let (credentials, host) = authority.rsplit_once('@')?;
    let (_, password) = credentials.split_once(':')?;
    if is_placeholder(password) || is_local(host) {
        return None;
    }
    let start = authority_start + credentials.len() - password.len();
    Some(Secret {
        span: start..start + password.len(),
        kind: format!("a password in a {} URL", scheme.trim_end_matches("://")),
        shown: 0,
    })
}

/// `password=…` in a libpq connection string.
fn conninfo_password_at(text: &str, i: usize) -> Option<Secret> {
    let rest = &text[i..];
    if !starts_with(rest, "password=") {
        return None;
    }
    let after = &rest["password=".len()..];
    let len = after
        .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | ';' | ',' | ')'))
        .unwrap_or(after.len());
    let password = &after[..len];
    if is_placeholder(password) {
        return None;
    }
    let start = i + "password=".len();
    Some(Secret {
        span: start..start + len,
        kind: "a password in a connection string".into(),
        shown: 0,
    })
}

/// `<password>`, `[YOUR-PASSWORD]`, `${DB_PASSWORD}`, `$1`, `***`, `%s`, `password`, empty.
fn is_placeholder(password: &str) -> bool {
    let lower = password.to_ascii_lowercase();
    password.is_empty()
        || password.contains(['<', '>', '[', ']', '{', '}', '$', '*', '%'])
        || matches!(
            lower.as_str(),
            "password"
                | "pass"
                | "passwd"
                | "secret"
                | "your-password"
                | "your_password"
                | "changeme"
                | "xxx"
                | "xxxx"
        )
}

/// Local development hosts (Supabase local: `postgres:postgres@127.0.0.1:54322`).
fn is_local(host: &str) -> bool {
    let host = host.split(':').next().unwrap_or(host);
    matches!(
        host,
        "localhost" | "127.0.0.1" | "0.0.0.0" | "host.docker.internal" | "db" | "[::1]"
    )
}

/// Whether `text` holds `word` in any ASCII case, without a lowercase copy of the text (of the
/// whole file, 44 MB for a pg_dump with data, beside the file itself).
fn mentions(text: &str, word: &str) -> bool {
    let (text, word) = (text.as_bytes(), word.as_bytes());
    let first = word[0];
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), text).any(|at| {
        text[at..]
            .get(..word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    })
}

/// How deep string bodies inside string bodies are scanned for `PASSWORD '…'`.
const MAX_DEPTH: usize = 3;

/// The literals after a `PASSWORD` keyword (`CREATE|ALTER ROLE|USER … PASSWORD '…'`, user
/// mappings' `OPTIONS (password '…')`), found with PostgreSQL's own scanner; string tokens are
/// scanned again inside (a `DO` body, an `EXECUTE '…'` string). `base` is the file offset of
/// `text`; offsets inside a single-quoted string map back through its doubled quotes.
fn password_literals(text: &str, base: usize, depth: usize) -> Vec<Secret> {
    let mut out = Vec::new();
    if depth > MAX_DEPTH || !mentions(text, "password") {
        return out;
    }
    let tokens: Vec<_> = scan_tokens(text)
        .into_iter()
        .filter(|t| {
            !matches!(
                Token::try_from(t.token),
                Ok(Token::SqlComment | Token::CComment)
            )
        })
        .collect();
    for (n, token) in tokens.iter().enumerate() {
        let (start, end) = (token.start as usize, token.end as usize);
        let is_string = matches!(Token::try_from(token.token), Ok(Token::Sconst));
        let after_password = n > 0 && {
            let previous = &tokens[n - 1];
            text[previous.start as usize..previous.end as usize].eq_ignore_ascii_case("password")
        };
        if is_string && after_password {
            if let Some((inner, offset)) = string_contents(&text[start..end]) {
                let hashed = inner.starts_with("SCRAM-SHA-256$") || inner.starts_with("md5");
                out.push(Secret {
                    span: base + start + offset..base + start + offset + inner.len(),
                    kind: if hashed {
                        "a password hash in PASSWORD '…'".into()
                    } else {
                        "a password in PASSWORD '…'".into()
                    },
                    shown: 0,
                });
            }
        } else if is_string {
            out.extend(nested_passwords(&text[start..end], base + start, depth));
        }
    }
    out
}

/// `'…'`, `E'…'` or `$tag$…$tag$` without its quotes, and the offset of the contents, when the
/// contents are the raw bytes of the file (no doubled quotes inside).
fn string_contents(token: &str) -> Option<(&str, usize)> {
    if let Some(rest) = token.strip_prefix('$') {
        let tag_end = rest.find('$')? + 2;
        let inner = token.get(tag_end..token.len().checked_sub(tag_end)?)?;
        return Some((inner, tag_end));
    }
    let offset = if token.starts_with(['E', 'e']) { 2 } else { 1 };
    let inner = token.get(offset..token.len().checked_sub(1)?)?;
    (!inner.contains('\'')).then_some((inner, offset))
}

/// Passwords inside a string token (a `DO` body or an `EXECUTE` string).
fn nested_passwords(token: &str, base: usize, depth: usize) -> Vec<Secret> {
    if let Some(rest) = token.strip_prefix('$') {
        let Some(tag_end) = rest.find('$').map(|n| n + 2) else {
            return Vec::new();
        };
        let Some(inner) = token.get(tag_end..token.len().saturating_sub(tag_end)) else {
            return Vec::new();
        };
        return password_literals(inner, base + tag_end, depth + 1);
    }
    let offset = if token.starts_with(['E', 'e']) { 2 } else { 1 };
    let Some(raw) = token.get(offset..token.len().saturating_sub(1)) else {
        return Vec::new();
    };
    // Undo doubled quotes, remembering where each byte came from.
    let mut inner = String::with_capacity(raw.len());
    let mut origin = Vec::with_capacity(raw.len() + 1);
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' && chars.peek().map(|(_, n)| *n) == Some('\'') {
            chars.next();
        }
        for _ in 0..c.len_utf8() {
            origin.push(i);
        }
        inner.push(c);
    }
    origin.push(raw.len());
    password_literals(&inner, 0, depth + 1)
        .into_iter()
        .map(|s| {
            let start = base + offset + origin[s.span.start];
            let end = base + offset + origin[s.span.end.min(origin.len() - 1)];
            Secret {
                span: start..end.max(start),
                ..s
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::tests::{lint_files, render_rule};

    /// A JWT with the given claims (header `{"alg":"HS256","typ":"JWT"}`), as Supabase issues.
    fn jwt(claims: &str) -> String {
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.{}",
            enc(r#"{"alg":"HS256","typ":"JWT"}"#),
            enc(claims),
            "dGhpcy1pcy1ub3QtYS1yZWFsLXNpZ25hdHVyZQ"
        )
    }

    fn service_role() -> String {
        jwt(
            r#"{"iss":"supabase","ref":"abcdefghijklmnop","role":"service_role","iat":1700000000,"exp":2000000000}"#,
        )
    }

    #[test]
    fn a_word_is_found_in_any_case() {
        assert!(mentions("ALTER ROLE r PassWord 'x'", "password"));
        assert!(mentions("password", "password"));
        assert!(!mentions("passwor", "password"));
        assert!(!mentions("pass word", "password"));
    }

    #[test]
    fn keys_are_found_at_word_starts_only() {
        let key = format!("sk_live_{}", "4eC39HqLyjWDarjtT1zdp7dc");
        let spans = |text: &str| -> Vec<std::ops::Range<usize>> {
            secrets_in(text).into_iter().map(|s| s.span).collect()
        };
        // Inside a word (after a key character) a prefix starts nothing.
        assert!(spans(&format!("x{key} _{key} -{key}")).is_empty());
        // After any other byte, a multi-byte character included, it does.
        for separator in [" ", "'", ".", "(", "é", "\n", "%"] {
            let text = format!("{separator}{key}");
            assert_eq!(spans(&text), vec![separator.len()..text.len()], "{text:?}");
        }
        // A URL password ending in a non-key byte: the next word is still looked at.
        let text = format!("postgres://u:pw!@db.example.com/{key}");
        assert_eq!(spans(&text).len(), 2, "{text}");
        // Two keys in a row, one byte apart.
        assert_eq!(spans(&format!("{key} {key}")).len(), 2);
    }

    #[test]
    fn secrets_are_found_in_strings_bodies_and_comments() {
        let key = service_role();
        let stripe = format!("sk_live_{}", "4eC39HqLyjWDarjtT1zdp7dc");
        let sql = format!(
            "-- local testing: Authorization: Bearer {key}\n\
             CREATE FUNCTION public.notify() RETURNS trigger LANGUAGE plpgsql AS $$\n\
             BEGIN\n  PERFORM net.http_post(url := 'https://x.supabase.co/functions/v1/hook',\n    headers := jsonb_build_object('Authorization', 'Bearer {key}'));\n  RETURN NEW;\nEND $$;\n\
             SELECT vault.create_secret('{stripe}', 'stripe');\n\
             CREATE ROLE reporting LOGIN PASSWORD 'Tr0ub4dor&3';\n\
             ALTER USER reporting WITH ENCRYPTED PASSWORD 'SCRAM-SHA-256$4096:abc$def:ghi';\n\
             DO $do$ BEGIN EXECUTE 'ALTER ROLE reporting PASSWORD ''n3w-s3cret'''; END $do$;\n"
        );
        let files = [("V1__s.sql", sql.as_str())];
        let report = lint_files(&files);
        let found: Vec<&str> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == RULE.id)
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(found[0].contains("a comment") && found[0].contains("service_role"));
        assert!(found[1].contains("a dollar-quoted body"));
        assert!(found[2].contains("a string literal") && found[2].contains("Stripe"));
        assert!(found[3].contains("PASSWORD"));
        assert!(found[4].contains("hash"));
        assert!(found[5].contains("PASSWORD"));
        insta::assert_snapshot!(render_rule(&files, RULE.id));
    }

    #[test]
    fn no_output_format_echoes_a_secret() {
        let key = service_role();
        let sql = format!(
            "SELECT net.http_post('https://x.supabase.co/functions/v1/f', '{{}}'::jsonb, headers := '{{\"apikey\": \"{key}\"}}'::jsonb);\n\
             CREATE ROLE app LOGIN PASSWORD 'hunter2-but-longer';\n\
             ALTER SYSTEM SET app.key = '{key}';\n"
        );
        let source = SourceFile {
            path: "V1__s.sql".into(),
            text: sql.clone(),
        };
        let options = crate::lint::LintOptions {
            explain_locks: true,
            ..Default::default()
        };
        let report = crate::lint::lint_sources(vec![source], &options);
        assert!(report.diagnostics.iter().any(|d| d.rule == "alter-system"));
        let outputs = [
            // What every renderer reads (the formats themselves: tests/it/lint_live.rs).
            crate::lint::tests::messages_with(&options, &[("V1__s.sql", sql.as_str())]),
            format!("{:?}", report.diagnostics),
            format!("{:?}", report.sources),
            crate::lint::lock_report::render_text(&report.locks, &report.sources),
            crate::lint::lock_report::render_json(&report.locks, &report.sources).to_string(),
        ];
        let signature = key.rsplit('.').next().unwrap();
        for output in &outputs {
            assert!(!output.contains(&key[4..20]), "{output}");
            assert!(!output.contains(signature), "{output}");
            assert!(!output.contains("hunter2"), "{output}");
        }
        assert!(outputs[0].contains("eyJh****"), "{}", outputs[0]);
    }

    #[test]
    fn a_reasoned_ignore_suppresses_it() {
        let sql = format!(
            "-- eventos:ignore hardcoded-secret -- Stripe's documented test key, used by the local seed\nSELECT 'sk_test_{}';",
            "4eC39HqLyjWDarjtT1zdp7dc"
        );
        let report = lint_files(&[("V1__s.sql", sql.as_str())]);
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    }

    #[test]
    fn placeholders_identifiers_and_local_urls_are_fine() {
        let sql = "-- export DATABASE_URL='postgresql://postgres:<password>@db.ref.supabase.co:5432/postgres'\n\
                   -- local: postgresql://postgres:postgres@127.0.0.1:54322/postgres\n\
                   CREATE TABLE public.sk_live_settings (publishable text DEFAULT 'pk_live_abc', password_hash text);\n\
                   CREATE ROLE r PASSWORD NULL;\n\
                   SELECT 'eyJhbGciOi.not-base64!.x';";
        let report = lint_files(&[("V1__s.sql", sql)]);
        let found: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == RULE.id)
            .collect();
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn vendor_key_shapes_are_recognised() {
        let cases = [
            (
                format!("sb_secret_{}", "N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"),
                "Supabase secret",
            ),
            (format!("AKIA{}", "IOSFODNN7EXAMPLE"), "AWS"),
            (format!("ghp_{}", "a".repeat(36)), "GitHub"),
            (format!("sk-ant-api03-{}", "b".repeat(40)), "Anthropic"),
            (format!("whsec_{}", "c".repeat(32)), "webhook"),
            (
                "postgresql://postgres:S3cr3t-Pw@db.abc.supabase.co:5432/postgres".to_string(),
                "URL",
            ),
            (
                "host=db.abc.supabase.co password=S3cr3t-Pw user=postgres".to_string(),
                "connection string",
            ),
        ];
        for (secret, kind) in cases {
            let found = secrets_in(&format!("SELECT '{secret}';"));
            assert_eq!(found.len(), 1, "{secret}");
            assert!(found[0].kind.contains(kind), "{secret}: {}", found[0].kind);
        }
    }

    #[test]
    fn masking_keeps_byte_offsets() {
        assert_eq!(mask("sk_live_abc", 4), "sk_l*******");
        assert_eq!(mask("pässwörd", 0).len(), "pässwörd".len());
    }
}
