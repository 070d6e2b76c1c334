//! One migration file: version, name, SQL, checksum and the `no-transaction` directive.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::BundleError;

/// The directive that makes a file run statement by statement in autocommit.
pub const NO_TRANSACTION_DIRECTIVE: &str = "eventos:no-transaction";

/// A versioned migration loaded from `sql/phase<N>/V<version>__<name>.sql`.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The phase folder it belongs to.
    pub phase: u8,
    /// Its version (unique across phases).
    pub version: u32,
    /// The name part of the file name.
    pub name: String,
    /// The file on disk.
    pub path: PathBuf,
    /// The SQL as eventos reads every SQL file ([`read_sql_file`]): no BOM, LF line endings.
    pub sql: String,
    /// Whether the leading comments carry `-- eventos:no-transaction`.
    pub no_transaction: bool,
    /// sha256 of the SQL, hex.
    pub sha256: String,
}

impl Migration {
    /// The refinery name: `V<version>__<name>`.
    pub fn refinery_name(&self) -> String {
        format!("V{:04}__{}", self.version, self.name)
    }

    /// Builds a migration from a file's path and contents.
    pub fn from_file(path: &Path, phase: u8) -> Result<Migration, BundleError> {
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let (version, name) =
            parse_file_name(file_name).ok_or_else(|| BundleError::BadFileName {
                path: path.to_path_buf(),
                phase,
            })?;
        if version / 1000 != u32::from(phase) || version % 1000 == 0 {
            return Err(BundleError::VersionOutOfRange {
                path: path.to_path_buf(),
                version,
                phase,
            });
        }
        let sql = read_sql_file(path)?;
        Ok(Migration {
            phase,
            version,
            name: name.to_string(),
            path: path.to_path_buf(),
            no_transaction: has_no_transaction_directive(&sql),
            sha256: sha256_hex(sql.as_bytes()),
            sql,
        })
    }
}

/// Loads every migration of `sql_dir/phase<phase>`, sorted by version; a missing folder is empty.
pub(super) fn load_phase(sql_dir: &Path, phase: u8) -> Result<Vec<Migration>, BundleError> {
    let dir = sql_dir.join(format!("phase{phase}"));
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&dir).map_err(|source| BundleError::Io {
        path: dir.clone(),
        source,
    })?;
    let mut migrations = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| BundleError::Io {
            path: dir.clone(),
            source,
        })?;
        migrations.push(Migration::from_file(&entry.path(), phase)?);
    }
    migrations.sort_by_key(|m| m.version);
    Ok(migrations)
}

/// `V0001__create_events.sql` → `(1, "create_events")`.
pub(super) fn parse_file_name(file_name: &str) -> Option<(u32, &str)> {
    let stem = file_name.strip_prefix('V')?.strip_suffix(".sql")?;
    let (digits, name) = stem.split_once("__")?;
    let valid_digits = digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit());
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !(valid_digits && valid_name) {
        return None;
    }
    Some((digits.parse().ok()?, name))
}

/// Reads a SQL file as UTF-8, the one way eventos reads every SQL file (so checksums, the sum
/// file, positions and what runs all agree): a leading BOM is dropped and CRLF line endings are
/// read as LF, so neither an editor's BOM nor a Windows checkout changes a migration; every
/// other byte counts. Invalid UTF-8 is an error with its line.
pub fn read_sql_file(path: &Path) -> Result<String, BundleError> {
    let bytes = std::fs::read(path).map_err(|source| BundleError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.replace("\r\n", "\n")),
        Err(err) => {
            let offset = err.valid_up_to();
            let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(BundleError::NotUtf8 {
                path: path.to_path_buf(),
                offset,
                line,
            })
        }
    }
}

/// True when a `--` line of the file's leading comment block is exactly the directive.
pub fn has_no_transaction_directive(sql: &str) -> bool {
    sql.lines()
        .map(str::trim)
        .take_while(|line| line.is_empty() || line.starts_with("--"))
        .filter_map(|line| line.strip_prefix("--"))
        .any(|comment| comment.trim() == NO_TRANSACTION_DIRECTIVE)
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_refinery() {
        assert_eq!(
            parse_file_name("V0001__create_events.sql"),
            Some((1, "create_events"))
        );
        assert_eq!(parse_file_name("V1002__ai.sql"), Some((1002, "ai")));
        assert_eq!(parse_file_name("V1__x.sql"), None);
        assert_eq!(parse_file_name("V0001_x.sql"), None);
        assert_eq!(parse_file_name("V0001__Events.sql"), None);
        assert_eq!(parse_file_name("V0001__.sql"), None);
        assert_eq!(parse_file_name("U0001__x.sql"), None);
        assert_eq!(parse_file_name("V0001__x.txt"), None);
    }

    #[test]
    fn directive_only_counts_in_leading_comments() {
        assert!(has_no_transaction_directive(
            "-- eventos:no-transaction\nCREATE INDEX CONCURRENTLY i ON t(a);"
        ));
        assert!(has_no_transaction_directive(
            "-- index build\n\n--eventos:no-transaction\nSELECT 1;"
        ));
        assert!(!has_no_transaction_directive(
            "SELECT 1;\n-- eventos:no-transaction\n"
        ));
        assert!(!has_no_transaction_directive(
            "-- eventos:no-transaction-please\nSELECT 1;"
        ));
    }

    #[test]
    fn bom_and_crlf_are_read_away_and_invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("V0001__a.sql");
        std::fs::write(&good, b"\xEF\xBB\xBFSELECT 1;").unwrap();
        assert_eq!(read_sql_file(&good).unwrap(), "SELECT 1;");
        let crlf = dir.path().join("V0003__c.sql");
        std::fs::write(&crlf, b"\xEF\xBB\xBFSELECT 1;\r\nSELECT '\r';\r\n").unwrap();
        assert_eq!(read_sql_file(&crlf).unwrap(), "SELECT 1;\nSELECT '\r';\n");
        let bad = dir.path().join("V0002__b.sql");
        std::fs::write(&bad, b"SELECT 1;\nSELECT '\xff';").unwrap();
        let err = read_sql_file(&bad).unwrap_err().to_string();
        assert!(
            err.contains("V0002__b.sql") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn versions_must_sit_in_their_phase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("V1001__x.sql");
        std::fs::write(&path, "SELECT 1;").unwrap();
        assert!(matches!(
            Migration::from_file(&path, 0),
            Err(BundleError::VersionOutOfRange {
                version: 1001,
                phase: 0,
                ..
            })
        ));
        assert_eq!(
            Migration::from_file(&path, 1).unwrap().refinery_name(),
            "V1001__x"
        );
    }
}
