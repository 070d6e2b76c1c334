//! Terminal styles (anstyle). Renderers always style their text; the commands write it through
//! anstream, which drops the codes when that stream is not a terminal, `NO_COLOR` is set or
//! `TERM` is `dumb` — so stdout and stderr each decide for themselves.

use anstyle::{AnsiColor, Style};

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const OK: Style = AnsiColor::Green.on_default().bold();
const ACCENT: Style = AnsiColor::Blue.on_default().bold();
const BOLD: Style = Style::new().bold();

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// Bold red: failures.
pub fn error(text: &str) -> String {
    paint(ERROR, text)
}

/// Bold yellow: warnings.
pub fn warning(text: &str) -> String {
    paint(WARNING, text)
}

/// Bold green: success.
pub fn ok(text: &str) -> String {
    paint(OK, text)
}

/// Bold blue: gutters, arrows, `= help:`.
pub fn accent(text: &str) -> String {
    paint(ACCENT, text)
}

/// Bold: headings.
pub fn bold(text: &str) -> String {
    paint(BOLD, text)
}

/// `text` without its styles (what a pipe receives), for tests and plain files.
pub fn strip(text: &str) -> String {
    anstream::adapter::strip_str(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_wrap_the_text_and_strip_back_to_it() {
        let styled = error("FAIL");
        assert_eq!(styled, "\u{1b}[1m\u{1b}[31mFAIL\u{1b}[0m");
        assert_eq!(strip(&styled), "FAIL");
    }
}
