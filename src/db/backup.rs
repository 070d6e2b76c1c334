//! `--backup`: a `pg_dump` of the database before a run changes it.
//!
//! What is dumped is what eventos owns ([`BackupScope`]): the schemas the bundles create
//! objects in and the history schema, with the extensions the bundles use — not `auth`,
//! `storage` or Supabase's other schemas, which the migrating role could not restore. Inside
//! those schemas, entries owned by a role the migrating role cannot act as (supautils'
//! `supabase_admin` default privileges on `public`, …) are left out too, so the script restores
//! with `psql -v ON_ERROR_STOP=1 -f FILE` as `postgres` without a single error. The dump is
//! taken in pg_dump's archive format, filtered through `pg_restore --list`, and written as a
//! plain SQL script by `pg_restore`, to restore into a fresh database (no `--clean`: its DROPs
//! fail on partitioned tables' inherited constraints).
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
use std::process::{Command, Stdio};

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
    /// The schemas dumped (those of the scope that exist).
    pub schemas: Vec<String>,
    /// The extensions dumped.
    pub extensions: Vec<String>,
    /// Owners of the entries left out, with how many each.
    pub left_out: Vec<(String, usize)>,
}

/// What a backup covers: the schemas the bundles create objects in (and the history schema),
/// and the extensions they use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupScope {
    /// Schemas to dump, when they exist.
    pub schemas: Vec<String>,
    /// Extensions to dump, when they are installed.
    pub extensions: Vec<String>,
}

/// The scope as found on the server, and the roles the session may act as.
struct DumpPlan {
    schemas: Vec<String>,
    extensions: Vec<String>,
    owners: Vec<String>,
}

impl Database {
    /// Dumps `scope` (plain SQL) into `file` with the pg_dump matching the server's major.
    pub async fn backup(&self, file: &Path, scope: &BackupScope) -> Result<Backup> {
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
        let plan = self.dump_plan(scope).await?;
        let mut backup = Backup {
            file: file.to_path_buf(),
            pg_dump: pg_dump.clone(),
            server_major,
            schemas: plan.schemas.clone(),
            extensions: plan.extensions.clone(),
            left_out: Vec::new(),
        };
        // Fail before dumping when the file cannot be written at all.
        std::fs::File::create(file)
            .with_context(|| {
                format!(
                    "cannot write the backup file {} for {}",
                    file.display(),
                    pg_dump.display()
                )
            })
            .map_err(dump_failed)?;
        if plan.schemas.is_empty() {
            std::fs::write(
                file,
                "-- eventos backup: none of the bundles' schemas exist yet; nothing to restore\n",
            )
            .with_context(|| format!("writing {}", file.display()))
            .map_err(dump_failed)?;
            return Ok(backup);
        }
        let work = tempfile::Builder::new()
            .prefix("eventos-backup-")
            .tempdir()
            .context("creating a folder for the dump archive")?;
        let archive = work.path().join("dump.archive");
        self.run_pg_dump(&pg_dump, server_major, |command| {
            command
                .arg("--file")
                .arg(&archive)
                .arg("--format=custom")
                .args(plan.schemas.iter().map(|s| format!("--schema={s}")))
                .args(plan.extensions.iter().map(|e| format!("--extension={e}")));
        })
        .await?;
        backup.left_out = write_restore_script(&pg_dump, &archive, file, &plan)?;
        Ok(backup)
    }

    /// Runs `pg_dump` with the arguments `args` adds, connected through libpq's environment and a
    /// 0600 password file (never argv); stops it when eventos is interrupted.
    async fn run_pg_dump(
        &self,
        pg_dump: &Path,
        server_major: u32,
        args: impl FnOnce(&mut tokio::process::Command),
    ) -> Result<()> {
        let passfile = password_file(&self.info)?;
        let mut command = tokio::process::Command::new(pg_dump);
        args(&mut command);
        command
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
            .with_context(|| format!("running {}", pg_dump.display()))
            .map_err(dump_failed)?;
        let output = tokio::select! {
            output = child.wait_with_output() => output
                .with_context(|| format!("running {}", pg_dump.display()))
                .map_err(dump_failed)?,
            interrupted = interrupt::wait() => return Err(interrupted.into()),
        };
        drop(passfile);
        if !output.status.success() {
            return Err(dump_failed(anyhow::anyhow!(
                "{} failed ({}): {}",
                pg_dump.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(())
    }

    /// The scope's schemas and extensions that exist, and the roles this session may act as
    /// (the owners a restore as this role can recreate).
    async fn dump_plan(&self, scope: &BackupScope) -> Result<DumpPlan> {
        let names = |rows: Vec<tokio_postgres::Row>| rows.iter().map(|r| r.get(0)).collect();
        let schemas = self
            .client
            .query(
                "SELECT nspname::text FROM pg_catalog.pg_namespace WHERE nspname = ANY($1) ORDER BY 1",
                &[&scope.schemas],
            )
            .await
            .context("reading which schemas to back up")?;
        let extensions = self
            .client
            .query(
                "SELECT extname::text FROM pg_catalog.pg_extension WHERE extname = ANY($1) ORDER BY 1",
                &[&scope.extensions],
            )
            .await?;
        let owners = self
            .client
            .query(
                "SELECT rolname::text FROM pg_catalog.pg_roles WHERE pg_has_role(oid, 'MEMBER')",
                &[],
            )
            .await?;
        Ok(DumpPlan {
            schemas: names(schemas),
            extensions: names(extensions),
            owners: names(owners),
        })
    }
}

/// Lists the archive, keeps the entries a restore as this role can recreate, and writes them
/// as a plain SQL script. Returns the owners of the entries left out, with their counts.
fn write_restore_script(
    pg_dump: &Path,
    archive: &Path,
    file: &Path,
    plan: &DumpPlan,
) -> Result<Vec<(String, usize)>> {
    let pg_restore = pg_dump.with_file_name("pg_restore");
    let listing = run_tool(
        Command::new(&pg_restore).arg("--list").arg(archive),
        &pg_restore,
    )?;
    let (kept, left_out) = filter_listing(&listing, &plan.owners);
    let list = archive.with_file_name("dump.list");
    std::fs::write(&list, kept).context("writing the dump's table of contents")?;
    let script = run_tool(
        Command::new(&pg_restore)
            .arg("--use-list")
            .arg(&list)
            .arg("--file")
            .arg("-")
            .arg(archive),
        &pg_restore,
    )?;
    std::fs::write(file, default_privileges_prologue(&plan.schemas) + &script)
        .with_context(|| format!("writing {}", file.display()))
        .map_err(dump_failed)?;
    Ok(left_out)
}

/// A restore runs as a role whose default privileges (Supabase grants the API roles everything
/// `postgres` creates in `public`) would add grants to every restored object that the dump never
/// revokes. The script first clears that role's default privileges in the dumped schemas; the
/// dump's own `ALTER DEFAULT PRIVILEGES` at its end puts back exactly the source's.
fn default_privileges_prologue(schemas: &[String]) -> String {
    let list: Vec<String> = schemas
        .iter()
        .map(|s| format!("'{}'", s.replace('\'', "''")))
        .collect();
    format!(
        "-- eventos backup of schemas {names}: restore into a fresh database with\n\
         --   psql -v ON_ERROR_STOP=1 --single-transaction -f <this file> <URL as the migrating role>\n\
         -- The restoring role's default privileges in those schemas would add grants to every\n\
         -- restored object; they are cleared here and restored from the dump at its end.\n\
         DO $eventos_restore$\n\
         DECLARE\n  entry record;\n\
         BEGIN\n  FOR entry IN\n\
         \x20   SELECT DISTINCT n.nspname, d.defaclobjtype, a.grantee\n\
         \x20   FROM pg_catalog.pg_default_acl AS d\n\
         \x20   JOIN pg_catalog.pg_namespace AS n ON n.oid = d.defaclnamespace\n\
         \x20   CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) AS a\n\
         \x20   WHERE d.defaclrole = current_user::regrole AND n.nspname = ANY (ARRAY[{list}]::text[])\n\
         \x20 LOOP\n\
         \x20   EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I REVOKE ALL ON %s FROM %s',\n\
         \x20     current_user, entry.nspname,\n\
         \x20     CASE entry.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'\n\
         \x20                              WHEN 'f' THEN 'FUNCTIONS' ELSE 'TYPES' END,\n\
         \x20     CASE WHEN entry.grantee = 0 THEN 'PUBLIC' ELSE entry.grantee::regrole::text END);\n\
         \x20 END LOOP;\n\
         END\n$eventos_restore$;\n\n",
        names = schemas.join(", "),
        list = list.join(", ")
    )
}

/// Splits a `pg_restore --list` table of contents: entries owned by one of `owners` (and the
/// extensions, which their allow-listing lets the role recreate) stay; the others are commented
/// out and counted per owner. The entry creating `public` goes too: the target has it.
fn filter_listing(listing: &str, owners: &[String]) -> (String, Vec<(String, usize)>) {
    let mut kept = String::new();
    let mut left_out: Vec<(String, usize)> = Vec::new();
    for line in listing.lines() {
        let entry = line.trim_start();
        let owner = entry.rsplit(' ').next().unwrap_or_default();
        let is_entry = !entry.is_empty() && !entry.starts_with(';');
        let extension = entry.contains(" EXTENSION ");
        // Every database has public: recreating it fails; its comment and grants stay.
        let public_itself = entry.contains(" SCHEMA - public ");
        if is_entry && public_itself {
            kept.push(';');
        } else if is_entry && !extension && !owners.iter().any(|o| o == owner) {
            kept.push(';');
            match left_out.iter_mut().find(|(o, _)| o == owner) {
                Some((_, count)) => *count += 1,
                None => left_out.push((owner.to_string(), 1)),
            }
        }
        kept.push_str(line);
        kept.push('\n');
    }
    (kept, left_out)
}

/// Runs a PostgreSQL client tool; its stdout, or an error saying nothing was applied.
fn run_tool(command: &mut Command, tool: &Path) -> Result<String> {
    let output = command
        .output()
        .with_context(|| format!("running {}", tool.display()))
        .map_err(dump_failed)?;
    if !output.status.success() {
        return Err(dump_failed(anyhow::anyhow!(
            "{} failed ({}): {}",
            tool.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn dump_failed(err: anyhow::Error) -> anyhow::Error {
    err.context(
        "the backup failed\nhelp: nothing was applied; fix the dump (disk space, permissions) or run without --backup",
    )
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
    fn entries_of_roles_the_restorer_cannot_be_are_left_out() {
        let listing = ";\n; Archive created\n;\n14; 2615 16552 SCHEMA - eventos postgres\n\
                       2312; 826 16480 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES supabase_admin\n\
                       2311; 826 16479 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES postgres\n\
                       3; 3079 16400 EXTENSION - vector \n\
                       7; 2615 2200 SCHEMA - public pg_database_owner\n\
                       4444; 0 0 ACL - SCHEMA public pg_database_owner\n";
        let owners = vec!["postgres".to_string(), "pg_database_owner".to_string()];
        let (kept, left_out) = filter_listing(listing, &owners);
        assert!(kept.contains(";2312; 826 16480 DEFAULT ACL"), "{kept}");
        assert!(kept.contains("\n2311; 826"), "{kept}");
        assert!(kept.contains("\n3; 3079 16400 EXTENSION"), "{kept}");
        assert!(kept.contains("\n4444; 0 0 ACL - SCHEMA public"), "{kept}");
        assert!(kept.contains(";7; 2615 2200 SCHEMA - public"), "{kept}");
        assert_eq!(left_out, vec![("supabase_admin".to_string(), 1)]);
    }

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
