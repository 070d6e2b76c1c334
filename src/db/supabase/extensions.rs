//! supautils' extension allow-list, emulated with PostgreSQL's own trusted extensions.
//!
//! On Supabase, supautils runs `CREATE EXTENSION` of an allow-listed extension as the superuser,
//! into any schema; any other extension follows plain PostgreSQL (allowed only if *trusted*).
//! PostgreSQL 18's `extension_control_path` lets a throwaway cluster look for control files in
//! a folder of its own first: eventos writes there a copy of each allow-listed control file the
//! installation ships but does not mark trusted, with `trusted = true`, and links the
//! extension's scripts next to it. PostgreSQL itself then lets a role with CREATE on the
//! database install exactly those extensions, runs their scripts as the bootstrap superuser
//! (who owns the member objects, as supabase_admin does on Supabase), into any schema, and
//! still refuses every other untrusted extension with `permission denied to create extension`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use super::platform::PRIVILEGED_EXTENSIONS;

/// Folder (under the cluster's folder) given to `extension_control_path`; PostgreSQL reads its
/// `extension/` subfolder.
pub const OVERLAY_DIR: &str = "supautils";

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
pub fn control_path(overlay: &Path) -> String {
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
