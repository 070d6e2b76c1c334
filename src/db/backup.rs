//! `--backup`: a `pg_dump` of the database before a run changes it.
//!
//! pg_dump refuses servers newer than itself and a much older one may miss objects, so eventos
//! picks the pg_dump whose major version equals the server's, from the same installation
//! discovery as throwaway clusters (`EVENTOS_PG_BIN`, `pg_config`, `/usr/lib/postgresql/*`,
//! `PATH`, eventos's install location).
//!
//! pg_dump gets the connection through libpq's environment variables (`PGHOST`, `PGDATABASE`,
//! …, from the same parsed connection string eventos connected with; inherited `PG*` variables
//! are removed) and the password through a password file of mode 0600 (`PGPASSFILE`), deleted
//! when the dump ends: nothing secret is on its command line or in its environment.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};

use super::{ConnInfo, Database, PgInstall, interrupt};

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
        let passfile = password_file(&self.info)?;
        let mut command = tokio::process::Command::new(&pg_dump);
        command
            .arg("--file")
            .arg(file)
            .arg("--no-password")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PG") {
                command.env_remove(name);
            }
        }
        command.envs(child_env(&self.info, server_major));
        if let Some(passfile) = &passfile {
            command.env("PGPASSFILE", passfile.path());
        }
        let child = command
            .spawn()
            .with_context(|| format!("running {}", pg_dump.display()))?;
        let output = tokio::select! {
            output = child.wait_with_output() => output
                .with_context(|| format!("running {}", pg_dump.display()))?,
            interrupted = interrupt::wait() => return Err(interrupted.into()),
        };
        drop(passfile);
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

/// libpq variables for pg_dump. `sslrootcert` absent under a verify mode means the system's
/// roots to eventos; libpq 16+ spells that `system` (older libpq looks in ~/.postgresql).
fn child_env(info: &ConnInfo, server_major: u32) -> Vec<(&'static str, String)> {
    let mut env = info.child_env();
    let verifies = matches!(info.get("sslmode"), Some("verify-ca" | "verify-full"));
    if verifies && info.get("sslrootcert").is_none() && server_major >= 16 {
        env.push(("PGSSLROOTCERT", "system".into()));
    }
    env
}

/// A 0600 password file `*:*:*:*:<password>` (`:` and `\` escaped, as libpq reads it), deleted
/// on drop; `None` without a password.
fn password_file(info: &ConnInfo) -> Result<Option<tempfile::NamedTempFile>> {
    let Some(password) = info.password() else {
        return Ok(None);
    };
    if password.contains(['\n', '\r']) {
        bail!(
            "--backup: the password contains a line break, which a libpq password file cannot hold\nhelp: run pg_dump yourself, or change the password"
        );
    }
    let mut file = tempfile::Builder::new()
        .prefix("eventos-pgpass-")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile()
        .context("creating the password file for pg_dump")?;
    let escaped = password.replace('\\', "\\\\").replace(':', "\\:");
    writeln!(file, "*:*:*:*:{escaped}").context("writing the password file for pg_dump")?;
    file.flush()?;
    Ok(Some(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_file_escapes_like_libpq_and_is_private() {
        let info = ConnInfo::parse("postgres://u:a%3Ab%5Cc@h/d").unwrap();
        let file = password_file(&info).unwrap().unwrap();
        assert_eq!(
            std::fs::read_to_string(file.path()).unwrap(),
            "*:*:*:*:a\\:b\\\\c\n"
        );
        let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(
            password_file(&ConnInfo::parse("host=h").unwrap())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_child_gets_every_setting_but_the_password() {
        let info =
            ConnInfo::parse("postgres://u:s3cr3t@h:6543/d?sslmode=verify-full&options=-c%20a%3D1")
                .unwrap();
        let env = child_env(&info, 17);
        assert!(env.contains(&("PGHOST", "h".into())), "{env:?}");
        assert!(env.contains(&("PGPORT", "6543".into())), "{env:?}");
        assert!(env.contains(&("PGOPTIONS", "-c a=1".into())), "{env:?}");
        assert!(env.contains(&("PGSSLROOTCERT", "system".into())), "{env:?}");
        assert!(env.iter().all(|(_, v)| !v.contains("s3cr3t")), "{env:?}");
    }
}
