//! The one severity scale of lint findings and verification results, and the levels
//! `eventos.toml` may set (`[rules]`, `[verify.checks]`, `[verify] pre_existing`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much a finding counts, from least to most; JSON documents carry the lowercase word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported for the record: never fails (verify's informational findings).
    Info,
    /// Reported; fails only where warnings are denied.
    Warning,
    /// Fails the run (exit 1).
    Error,
}

impl Severity {
    /// The lowercase word every output format uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A level as `eventos.toml` sets it: a severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelSetting {
    /// The rule or check does not run (or, for `pre_existing`, is not reported).
    Off,
    /// Findings count at this severity.
    On(Severity),
}

impl LevelSetting {
    /// Parses `error`, `warning`, `info` or `off`.
    pub fn parse(word: &str) -> Option<LevelSetting> {
        match word {
            "off" => Some(LevelSetting::Off),
            "info" => Some(LevelSetting::On(Severity::Info)),
            "warning" => Some(LevelSetting::On(Severity::Warning)),
            "error" => Some(LevelSetting::On(Severity::Error)),
            _ => None,
        }
    }

    /// The severity, `None` for `off`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            LevelSetting::Off => None,
            LevelSetting::On(severity) => Some(severity),
        }
    }

    /// The word as written.
    pub fn as_str(self) -> &'static str {
        self.severity().map_or("off", Severity::as_str)
    }
}

impl<'de> Deserialize<'de> for LevelSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = String::deserialize(deserializer)?;
        LevelSetting::parse(&word).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{word:?} is not a level; use \"error\", \"warning\", \"info\" or \"off\""
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_levels_parse() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
        assert_eq!(LevelSetting::parse("off"), Some(LevelSetting::Off));
        assert_eq!(
            LevelSetting::parse("info"),
            Some(LevelSetting::On(Severity::Info))
        );
        assert_eq!(LevelSetting::parse("fatal"), None);
        assert_eq!(LevelSetting::On(Severity::Warning).as_str(), "warning");
    }
}
