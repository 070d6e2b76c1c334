//! `--backup`: a `pg_dump` of the database before a run changes it.
//!
//! pg_dump refuses servers newer than itself and a much older one may miss objects, so eventos
//! picks the pg_dump whose major version equals the server's, from the same installation
//! discovery as throwaway clusters (`EVENTOS_PG_BIN`, `pg_config`, `/usr/lib/postgresql/*`,
//! `PATH`, eventos's install location). The password travels in `PGPASSWORD`, never argv.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::{Database, PgInstall};

/// What a backup produced.
#[derive(Debug, Clone)]
pub struct Backup {
    /// The dump file.
    pub file: PathBuf,
    /// The pg_dump that wrote it.
    pub pg_dump: PathBuf,
    /// The server's major version.
    pub server_major: u32,
}

impl Database {
    /// Dumps the database (plain SQL) into `file` with the pg_dump matching the server's major.
    pub async fn backup(&self, file: &Path) -> Result<Backup> {
        let server_num: String = self
            .client
            .query_one("SHOW server_version_num", &[])
            .await
            .context("reading the server version")?
            .get(0);
        let server_major = server_num
            .parse::<u32>()
            .context("parsing server_version_num")?
            / 10000;
        let pg_dump = matching_pg_dump(server_major)?;
        let (dbname, password) = split_password(&self.url);
        let mut command = Command::new(&pg_dump);
        command
            .arg("--file")
            .arg(file)
            .arg("--no-password")
            .arg("--dbname")
            .arg(&dbname);
        if let Some(password) = password {
            command.env("PGPASSWORD", password);
        }
        let output = command
            .output()
            .with_context(|| format!("running {}", pg_dump.display()))?;
        if !output.status.success() {
            bail!(
                "{} failed ({}): {}\nhelp: nothing was applied; fix the dump (disk space, permissions) or run without --backup",
                pg_dump.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(Backup {
            file: file.to_path_buf(),
            pg_dump,
            server_major,
        })
    }
}

/// The first discovered `pg_dump` of major version `major`.
fn matching_pg_dump(major: u32) -> Result<PathBuf> {
    let candidates = PgInstall::candidates();
    let found = candidates
        .iter()
        .find(|c| c.major() == Some(major) && c.bin_dir.join("pg_dump").is_file());
    match found {
        Some(install) => Ok(install.bin_dir.join("pg_dump")),
        None => bail!(
            "no pg_dump for PostgreSQL {major} found (looked at: {})\nhelp: install postgresql-client-{major} or set EVENTOS_PG_BIN to its bin folder",
            candidates
                .iter()
                .map(|c| c.bin_dir.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Takes the password out of a `postgres://` URL; other forms are passed through unchanged.
fn split_password(url: &str) -> (String, Option<String>) {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return (url.to_string(), None);
    };
    let password = parsed.password().map(percent_decode);
    if password.is_some() {
        let _ = parsed.set_password(None);
    }
    (parsed.to_string(), password)
}

/// Decodes `%XX` escapes (URL userinfo keeps `+` literal, unlike form encoding).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::split_password;

    #[test]
    fn passwords_leave_the_url() {
        let (url, password) = split_password("postgresql://u:s%40cret@h:5432/db?sslmode=require");
        assert_eq!(url, "postgresql://u@h:5432/db?sslmode=require");
        assert_eq!(password.as_deref(), Some("s@cret"));
        assert_eq!(
            split_password("postgres://u:a+b%2B@h/d").1.as_deref(),
            Some("a+b+")
        );
        assert_eq!(
            split_password("host=h dbname=d"),
            ("host=h dbname=d".to_string(), None)
        );
    }
}
