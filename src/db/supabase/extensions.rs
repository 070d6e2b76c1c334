//! supautils' extension allow-list, emulated with PostgreSQL's own trusted extensions.
//!
//! On Supabase, supautils runs `CREATE EXTENSION` of an allow-listed extension as the superuser,
//! into any schema; any other extension follows plain PostgreSQL (allowed only if *trusted*).
//! A throwaway cluster gets an extension folder of its own holding a copy of each allow-listed
//! control file the installation ships but does not mark trusted, with `trusted = true`, and
//! the extension's scripts linked next to it. PostgreSQL itself then lets a role with CREATE on
//! the database install exactly those extensions, runs their scripts as the bootstrap superuser
//! (who owns the member objects, as supabase_admin does on Supabase), into any schema, and still
//! refuses every other untrusted extension with `permission denied to create extension`.
//!
//! PostgreSQL 18 reads that folder first through `extension_control_path`. Older servers only
//! read the extension folder of their installation, which they find relative to the server
//! binary: there the cluster runs a copy of the binary inside a private view of the
//! installation (its library folder and every other share file linked to the originals).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use super::platform::PRIVILEGED_EXTENSIONS;

/// Folder (under the cluster's folder) of the emulation: given to `extension_control_path`
/// (PostgreSQL reads its `extension/` subfolder), or holding the private view of the
/// installation.
pub const OVERLAY_DIR: &str = "supautils";

/// The first major with `extension_control_path`.
const CONTROL_PATH_MIN_MAJOR: u32 = 18;

/// How a throwaway cluster reads the allow-listed extensions as trusted.
#[derive(Debug, Clone)]
pub struct AllowList {
    /// The folder of control files the server reads first (tests add extensions there).
    pub extension_dir: PathBuf,
    /// `extension_control_path`, on PostgreSQL ≥ 18.
    pub control_path: Option<String>,
    /// The server binary to run instead of the installation's, on older servers.
    pub postgres: Option<PathBuf>,
}

/// Prepares the emulation for the installation at `bin_dir` (PostgreSQL `major`) under `dir`.
pub fn prepare_allow_list(bin_dir: &Path, major: u32, dir: &Path) -> Result<AllowList> {
    let overlay = dir.join(OVERLAY_DIR);
    let share = pg_config_dir(bin_dir, "--sharedir")?;
    if major >= CONTROL_PATH_MIN_MAJOR {
        write_trusted_overlay(&share, &overlay)?;
        return Ok(AllowList {
            extension_dir: overlay.join("extension"),
            control_path: Some(control_path(&overlay)),
            postgres: None,
        });
    }
    let (postgres, extension_dir) = relocated_install(bin_dir, &share, &overlay)?;
    Ok(AllowList {
        extension_dir,
        control_path: None,
        postgres: Some(postgres),
    })
}

/// A private view of the installation under `into`: a copy of the server binary at the same
/// place relative to the share and library folders, the library folder linked, the share
/// folder's entries linked except `extension/`, which holds the trusted copies and links to
/// every other file. Returns the binary and the extension folder.
fn relocated_install(bin_dir: &Path, share: &Path, into: &Path) -> Result<(PathBuf, PathBuf)> {
    let bin = pg_config_dir(bin_dir, "--bindir")?;
    let pkglib = pg_config_dir(bin_dir, "--pkglibdir")?;
    let base = common_ancestor(&[&bin, share, &pkglib]);
    let place = |path: &Path| into.join(path.strip_prefix(&base).unwrap_or(path));
    let new_bin = place(&bin);
    std::fs::create_dir_all(&new_bin).with_context(|| format!("creating {}", new_bin.display()))?;
    let postgres = new_bin.join("postgres");
    if std::fs::hard_link(bin.join("postgres"), &postgres).is_err() {
        std::fs::copy(bin.join("postgres"), &postgres)
            .with_context(|| format!("copying {}", bin.join("postgres").display()))?;
    }
    let new_pkglib = place(&pkglib);
    if let Some(parent) = new_pkglib.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::os::unix::fs::symlink(&pkglib, &new_pkglib)
        .with_context(|| format!("linking {}", pkglib.display()))?;
    let new_share = place(share);
    std::fs::create_dir_all(&new_share)?;
    for entry in std::fs::read_dir(share).with_context(|| format!("reading {}", share.display()))? {
        let entry = entry?;
        if entry.file_name() != "extension" {
            std::os::unix::fs::symlink(entry.path(), new_share.join(entry.file_name()))?;
        }
    }
    // `write_trusted_overlay` writes `<overlay>/extension/`: here the share folder itself.
    write_trusted_overlay(share, &new_share)?;
    let extension_dir = new_share.join("extension");
    for entry in std::fs::read_dir(share.join("extension"))? {
        let entry = entry?;
        let target = extension_dir.join(entry.file_name());
        if !target.exists() && target.symlink_metadata().is_err() {
            std::os::unix::fs::symlink(entry.path(), target)?;
        }
    }
    Ok((postgres, extension_dir))
}

/// The deepest folder containing all `paths`.
fn common_ancestor(paths: &[&Path]) -> PathBuf {
    let mut base = paths[0].to_path_buf();
    while !paths.iter().all(|p| p.starts_with(&base)) {
        if !base.pop() {
            break;
        }
    }
    base
}

/// A folder of the installation at `bin_dir`, from `pg_config` (`--sharedir`, `--pkglibdir`).
pub fn pg_config_dir(bin_dir: &Path, flag: &str) -> Result<PathBuf> {
    let pg_config = bin_dir.join("pg_config");
    let output = Command::new(&pg_config)
        .arg(flag)
        .output()
        .with_context(|| format!("running {}", pg_config.display()))?;
    anyhow::ensure!(
        output.status.success(),
        "{} {flag} failed",
        pg_config.display()
    );
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim().to_string(),
    ))
}

/// Writes the overlay into `overlay/extension/` for the extensions under `share/extension/`;
/// returns the names made trusted.
pub fn write_trusted_overlay(share: &Path, overlay: &Path) -> Result<Vec<String>> {
    let system = share.join("extension");
    let target = overlay.join("extension");
    std::fs::create_dir_all(&target).with_context(|| format!("creating {}", target.display()))?;
    let mut trusted = Vec::new();
    for name in PRIVILEGED_EXTENSIONS {
        let control = system.join(format!("{name}.control"));
        let Ok(text) = std::fs::read_to_string(&control) else {
            continue;
        };
        if is_trusted(&text) || has_directory_setting(&text) {
            continue;
        }
        std::fs::write(target.join(format!("{name}.control")), with_trusted(&text))
            .with_context(|| format!("writing the trusted copy of {}", control.display()))?;
        link_scripts(&system, &target, name)?;
        trusted.push((*name).to_string());
    }
    Ok(trusted)
}

/// `extension_control_path` for an overlay at `overlay`: it first, then the installation's own.
fn control_path(overlay: &Path) -> String {
    format!("{}:$system", overlay.display())
}

/// Links `name--*.sql` and secondary `name--*.control` files of `system` into `target`.
fn link_scripts(system: &Path, target: &Path, name: &str) -> Result<()> {
    let prefix = format!("{name}--");
    for entry in
        std::fs::read_dir(system).with_context(|| format!("reading {}", system.display()))?
    {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(file) = file_name.to_str() else {
            continue;
        };
        if file.starts_with(&prefix) {
            std::os::unix::fs::symlink(entry.path(), target.join(file))
                .with_context(|| format!("linking {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The value of a control file's `key = value` line, if any.
fn setting<'t>(control: &'t str, key: &str) -> Option<&'t str> {
    control.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('\''))
    })
}

fn is_trusted(control: &str) -> bool {
    setting(control, "trusted").is_some_and(|v| matches!(v, "true" | "on" | "yes" | "1"))
}

/// Control files naming their own script folder are left alone (scripts would not be found).
fn has_directory_setting(control: &str) -> bool {
    setting(control, "directory").is_some()
}

/// The control file with its `trusted` line replaced by `trusted = true`.
fn with_trusted(control: &str) -> String {
    let mut out: String = control
        .lines()
        .filter(|line| {
            line.split_once('=')
                .is_none_or(|(k, _)| k.trim() != "trusted")
        })
        .map(|line| format!("{line}\n"))
        .collect();
    out.push_str("# eventos: allow-listed by supautils on Supabase\ntrusted = true\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_files_become_trusted_once() {
        let text = "comment = 'x'\ntrusted = false\nrelocatable = true\n";
        let out = with_trusted(text);
        assert!(is_trusted(&out));
        assert_eq!(out.matches("trusted =").count(), 1);
        assert!(!is_trusted(text));
        assert!(is_trusted("trusted = true\n"));
        assert!(has_directory_setting("directory = 'extension/x'\n"));
    }

    #[test]
    fn the_common_ancestor_of_an_installations_folders() {
        let bin = Path::new("/opt/pg/pginstall/bin");
        let share = Path::new("/opt/pg/pginstall/share/postgresql");
        let lib = Path::new("/opt/pg/pginstall/lib/postgresql");
        assert_eq!(
            common_ancestor(&[bin, share, lib]),
            Path::new("/opt/pg/pginstall")
        );
        let debian = [
            Path::new("/usr/lib/postgresql/16/bin"),
            Path::new("/usr/share/postgresql/16"),
        ];
        assert_eq!(common_ancestor(&debian), Path::new("/usr"));
    }

    #[test]
    fn the_overlay_holds_untrusted_allow_listed_extensions_only() {
        let share = tempfile::tempdir().unwrap();
        let system = share.path().join("extension");
        std::fs::create_dir_all(&system).unwrap();
        std::fs::write(system.join("vector.control"), "default_version = '1'\n").unwrap();
        std::fs::write(system.join("vector--1.sql"), "SELECT 1;\n").unwrap();
        std::fs::write(system.join("pg_trgm.control"), "trusted = true\n").unwrap();
        std::fs::write(system.join("file_fdw.control"), "default_version = '1'\n").unwrap();
        let overlay = tempfile::tempdir().unwrap();
        let made = write_trusted_overlay(share.path(), overlay.path()).unwrap();
        assert_eq!(made, vec!["vector"]);
        let target = overlay.path().join("extension");
        assert!(target.join("vector--1.sql").exists());
        assert!(!target.join("file_fdw.control").exists());
        assert!(!target.join("pg_trgm.control").exists());
    }
}
