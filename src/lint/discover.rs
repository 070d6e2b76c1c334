//! Finding migrations where projects keep them, and what the layout says about the runner.
//!
//! `eventos lint DIR` walks `DIR` recursively (folders whose name starts with `.` are skipped)
//! and takes, as forward migrations:
//!
//! - flat `*.sql` files (Supabase CLI `supabase/migrations/`, sqlx, Flyway `V…__*.sql`);
//! - `*.up.sql` (golang-migrate, sqlx reversible) — `*.down.sql` are rollbacks and are left out;
//! - `<migration>/up.sql` (diesel) — `down.sql` is left out, `metadata.toml` is read;
//! - Flyway undo scripts (`U…__*.sql`) are left out;
//! - a Supabase project (the folder holding `supabase/config.toml`, or its `supabase/` folder)
//!   means its `supabase/migrations/`: the seed, declarative schemas and functions are not
//!   migrations.
//!
//! Order: folder by folder, names compared naturally (digit runs as numbers, so `2_x` comes
//! before `10_x`); Flyway versioned files (`V1.1__x.sql`) by version, repeatables (`R__x.sql`)
//! after them. A folder without any migration is an error, so is a path that is not a regular
//! file or folder; FIFOs, sockets and devices met inside a folder (directly or through a
//! symlink) are skipped with a warning. Files are opened without blocking and read up to a size
//! limit ([`MAX_FILE_BYTES`] unless chosen, `eventos lint --max-file-mib`), so lint never hangs
//! on or exhausts memory for a file: a named file over it is refused, one met inside a folder is
//! skipped with a warning.
//!
//! The layout also says which runner applies the folder, first match wins:
//!
//! 1. a `supabase/config.toml` at or above it: `supabase` (and its `[api] schemas` are the
//!    exposed schemas);
//! 2. the project's manifest, searched upwards to the repository root: a `Cargo.toml`
//!    depending on `sqlx` or `diesel`/`diesel_migrations`, a `go.mod` requiring
//!    `github.com/golang-migrate/migrate`;
//! 3. file names: `<migration>/up.sql` (diesel), `*.up.sql` (golang-migrate),
//!    `V<version>__*.sql` (Flyway).

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::Runner;
use crate::lint::SourceFile;

/// The largest migration file lint reads by default.
pub const MAX_FILE_BYTES: u64 = 64 * MIB;

const MIB: u64 = 1024 * 1024;

/// What the given paths hold.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The migrations, in lint order (read by the pipeline, [`crate::lint::lint_on_disk`]).
    pub files: Vec<PathBuf>,
    /// The size of each of `files` when it was listed, in bytes (the pipeline batches small
    /// files by it before reading them).
    pub sizes: Vec<u64>,
    /// Non-regular files and files over the size limit skipped inside folders, as messages.
    pub warnings: Vec<String>,
    /// The runner the layout points to, and why.
    pub runner: Option<(Runner, String)>,
    /// A Supabase project's exposed schemas (`[api] schemas`), and the file they come from.
    pub exposed_schemas: Option<(Vec<String>, PathBuf)>,
    /// Migrations the runner's side configuration marks non-transactional.
    pub no_transaction_files: BTreeSet<PathBuf>,
}

/// Finds the migrations of `paths` (files or folders), reading none larger than
/// `max_file_bytes`.
pub fn discover(paths: &[PathBuf], max_file_bytes: u64) -> Result<Discovery> {
    let mut found = Discovery::default();
    let mut files = Vec::new();
    let mut listed = Listed::default();
    for path in paths {
        match classify(path, true)? {
            Entry::Dir => {
                let before = files.len();
                let mut walk = Walk {
                    files: &mut files,
                    found: &mut found,
                    listed: &mut listed,
                    visited: BTreeSet::new(),
                    max_file_bytes,
                };
                walk.folder(&supabase_migrations(path).unwrap_or_else(|| path.clone()))?;
                if files.len() == before {
                    bail!(
                        "{}: no migration files found (looked for *.sql, *.up.sql and <migration>/up.sql)\nhelp: point eventos lint at the folder holding the migrations",
                        path.display()
                    );
                }
            }
            Entry::File(size) if size > max_file_bytes => bail!(too_large(path, max_file_bytes)),
            Entry::File(size) => files.push((path.clone(), size)),
            Entry::Other(kind) => bail!(
                "{}: not a regular file ({kind}); eventos lint reads regular .sql files and folders of them",
                path.display()
            ),
        }
        if found.exposed_schemas.is_none() {
            found.exposed_schemas = supabase_schemas(path)?;
        }
    }
    (found.files, found.sizes) = files.into_iter().unzip();
    found.runner = detect_runner(paths, &found.files, found.exposed_schemas.as_ref());
    found.no_transaction_files = side_configured_no_transaction(&found.files, &listed)?;
    Ok(found)
}

/// The files at `paths` with their texts ([`read_migration`]), all at once.
pub fn read_sources(paths: &[PathBuf], max_file_bytes: u64) -> Result<Vec<SourceFile>> {
    paths
        .iter()
        .map(|path| {
            Ok(SourceFile {
                text: read_migration(path, max_file_bytes)?,
                path: path.clone(),
            })
        })
        .collect()
}

/// A Supabase project's `supabase/migrations`, when `path` is the project (or its `supabase/`
/// folder): its seed, declarative schemas and functions are not migrations.
fn supabase_migrations(path: &Path) -> Option<PathBuf> {
    let supabase = if path.join("supabase/config.toml").is_file() {
        path.join("supabase")
    } else if path.join("config.toml").is_file()
        && file_name(&path.canonicalize().ok()?) == "supabase"
    {
        path.to_path_buf()
    } else {
        return None;
    };
    let migrations = supabase.join("migrations");
    migrations.is_dir().then_some(migrations)
}

/// `path` relative to the current folder when it lies inside it, for messages.
fn shown(path: PathBuf) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.canonicalize().ok())
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or(path)
}

/// What a path is, symlinks followed.
enum Entry {
    Dir,
    /// A regular file of this many bytes.
    File(u64),
    /// A FIFO, socket, device or dangling link.
    Other(&'static str),
}

fn classify(path: &Path, explicit: bool) -> Result<Entry> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(_) if !explicit && std::fs::symlink_metadata(path).is_ok() => {
            return Ok(Entry::Other("a dangling symlink"));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            bail!("{}: no such file or folder", path.display())
        }
        Err(err) => return Err(err).with_context(|| format!("{}: cannot read", path.display())),
    };
    Ok(file_kind(&metadata))
}

fn file_kind(metadata: &std::fs::Metadata) -> Entry {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_dir() {
        Entry::Dir
    } else if kind.is_file() {
        Entry::File(metadata.len())
    } else if kind.is_fifo() {
        Entry::Other("a FIFO")
    } else if kind.is_socket() {
        Entry::Other("a socket")
    } else if kind.is_char_device() || kind.is_block_device() {
        Entry::Other("a device")
    } else {
        Entry::Other("not a regular file")
    }
}

/// The folders a walk listed and the side configuration files in them (a Flyway `.conf`,
/// diesel's `metadata.toml`), so that looking for one beside a migration costs no system call
/// per migration.
#[derive(Default)]
struct Listed {
    folders: HashSet<PathBuf>,
    side_files: HashSet<PathBuf>,
}

impl Listed {
    /// Records a listed folder and its side configuration files.
    fn record(&mut self, dir: &Path, entries: &[(SortKey, PathBuf)]) {
        self.folders.insert(dir.to_path_buf());
        let side = |name: &str| name.ends_with(".conf") || name == "metadata.toml";
        self.side_files.extend(
            entries
                .iter()
                .filter(|(key, _)| side(&key.name))
                .map(|(_, path)| path.clone()),
        );
    }

    /// Whether `path` is a regular file, from the listing when its folder was listed.
    fn is_file(&self, path: &Path) -> bool {
        let listed = path.parent().is_some_and(|dir| self.folders.contains(dir));
        if listed && !self.side_files.contains(path) {
            return false;
        }
        path.is_file()
    }
}

/// A walk collecting the migrations of a folder.
struct Walk<'a> {
    files: &'a mut Vec<(PathBuf, u64)>,
    found: &'a mut Discovery,
    listed: &'a mut Listed,
    /// Folders already walked (canonical), so symlink loops end.
    visited: BTreeSet<PathBuf>,
    max_file_bytes: u64,
}

impl Walk<'_> {
    /// Collects the migrations under `dir` in lint order.
    fn folder(&mut self, dir: &Path) -> Result<()> {
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if !self.visited.insert(canonical) {
            return Ok(());
        }
        let mut entries: Vec<(SortKey, PathBuf)> = std::fs::read_dir(dir)
            .with_context(|| format!("{}: cannot list the folder", dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .map(|path| (SortKey::of(file_name(&path)), path))
            .collect();
        entries.sort_by(|(a, _), (b, _)| a.cmp(b));
        self.listed.record(dir, &entries);
        for (key, path) in entries {
            let name = key.name;
            match classify(&path, false)? {
                Entry::Dir if !name.starts_with('.') => self.folder(&path)?,
                Entry::Dir => {}
                Entry::File(size) if is_forward_migration(&name) && size > self.max_file_bytes => {
                    self.found.warnings.push(format!(
                        "skipped {}: {}, over the {} limit (raise it with --max-file-mib)",
                        path.display(),
                        mib(size),
                        mib(self.max_file_bytes)
                    ))
                }
                Entry::File(size) if is_forward_migration(&name) => self.files.push((path, size)),
                Entry::File(_) => {}
                Entry::Other(kind) => self.found.warnings.push(format!(
                    "skipped {}: {kind}, not a regular file",
                    path.display()
                )),
            }
        }
        Ok(())
    }
}

/// The refusal of a named file over the size limit.
fn too_large(path: &Path, max_file_bytes: u64) -> String {
    format!(
        "{}: larger than the {} limit on a migration file\nhelp: raise it with --max-file-mib",
        path.display(),
        mib(max_file_bytes)
    )
}

/// `12.3 MiB`, or `900 bytes` below one MiB.
fn mib(bytes: u64) -> String {
    if bytes < MIB {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    }
}

/// Whether a file name is a forward migration.
fn is_forward_migration(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".sql")
        && !lower.ends_with(".down.sql")
        && lower != "down.sql"
        && flyway_version(name, 'U').is_none()
}

/// An entry's place in its folder's lint order (see the module documentation), computed once
/// per entry rather than per comparison.
#[derive(PartialEq, Eq)]
struct SortKey {
    /// Flyway repeatables (`R__…`) come after everything else.
    repeatable: bool,
    /// A Flyway version (`V1.2__…`), empty for other names.
    version: Vec<u128>,
    /// The entry's name.
    name: String,
}

impl SortKey {
    fn of(name: String) -> SortKey {
        let version = flyway_version(&name, 'V').unwrap_or_default();
        SortKey {
            repeatable: version.is_empty() && name.starts_with("R__"),
            version,
            name,
        }
    }

    /// The name compared naturally: none for versioned files, which compare by version.
    fn natural_name(&self) -> &str {
        if self.version.is_empty() {
            &self.name
        } else {
            ""
        }
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.repeatable
            .cmp(&other.repeatable)
            .then_with(|| self.version.cmp(&other.version))
            .then_with(|| natural(self.natural_name(), other.natural_name()))
            .then_with(|| self.name.cmp(&other.name))
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The version of a Flyway file name `<prefix><version>__<description>.sql`.
fn flyway_version(name: &str, prefix: char) -> Option<Vec<u128>> {
    let rest = name.strip_prefix(prefix)?;
    let (version, _) = rest.split_once("__")?;
    if version.is_empty() || !name.to_ascii_lowercase().ends_with(".sql") {
        return None;
    }
    version
        .split(['.', '_'])
        .map(|part| part.parse::<u128>().ok())
        .collect()
}

/// Compares names with digit runs as numbers. Sorting a folder compares names that mostly share
/// a long prefix (a timestamp's first digits, a project's naming scheme), so the comparison
/// starts where they first differ: inside digit runs of one length, that digit decides (as it
/// does between numbers of as many digits); elsewhere the names are compared from the start of
/// the digit run the difference falls in, since all before it compares equal.
fn natural(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let common = x.iter().zip(y).take_while(|(p, q)| p == q).count();
    if let (Some(p), Some(q)) = (x.get(common), y.get(common))
        && p.is_ascii_digit()
        && q.is_ascii_digit()
        && split_digits(&a[common..]).0.len() == split_digits(&b[common..]).0.len()
    {
        return p.cmp(q);
    }
    let mut start = common;
    while !a.is_char_boundary(start) {
        start -= 1;
    }
    while start > 0 && x[start - 1].is_ascii_digit() {
        start -= 1;
    }
    natural_from(&a[start..], &b[start..])
}

/// [`natural`] from the start of both names.
fn natural_from(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.chars().next(), b.chars().next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (da, ra) = split_digits(a);
                let (db, rb) = split_digits(b);
                let (na, nb) = (da.trim_start_matches('0'), db.trim_start_matches('0'));
                let by_value = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (a, b) = (ra, rb);
            }
            (Some(x), Some(y)) if x != y => return x.cmp(&y),
            (Some(x), Some(_)) => {
                (a, b) = (&a[x.len_utf8()..], &b[x.len_utf8()..]);
            }
        }
    }
}

fn split_digits(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The runner a layout points to.
fn detect_runner(
    paths: &[PathBuf],
    files: &[PathBuf],
    supabase: Option<&(Vec<String>, PathBuf)>,
) -> Option<(Runner, String)> {
    if let Some((_, config)) = supabase {
        return Some((Runner::Supabase, config.display().to_string()));
    }
    if let Some(found) = paths.first().and_then(|p| manifest_runner(p)) {
        return Some(found);
    }
    let names: Vec<String> = files.iter().map(|f| file_name(f)).collect();
    let root = paths
        .first()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if names.iter().any(|n| n == "up.sql") {
        Some((Runner::Diesel, format!("<migration>/up.sql in {root}")))
    } else if names.iter().any(|n| n.ends_with(".up.sql")) {
        Some((Runner::GolangMigrate, format!("*.up.sql in {root}")))
    } else if names.iter().any(|n| flyway_version(n, 'V').is_some()) {
        Some((Runner::Flyway, format!("V<version>__*.sql in {root}")))
    } else {
        None
    }
}

/// The runner a project manifest at or above `path` (up to the repository root) depends on.
fn manifest_runner(path: &Path) -> Option<(Runner, String)> {
    let start = path.canonicalize().ok()?;
    for dir in start.ancestors() {
        let cargo = dir.join("Cargo.toml");
        if let Some(text) = read_if_present(&cargo)
            && let Ok(manifest) = toml::from_str::<toml::Table>(&text)
        {
            let depends = |name: &str| {
                ["dependencies", "dev-dependencies", "build-dependencies"]
                    .iter()
                    .filter_map(|table| manifest.get(*table))
                    .chain(
                        manifest
                            .get("workspace")
                            .and_then(|w| w.get("dependencies")),
                    )
                    .any(|deps| deps.get(name).is_some())
            };
            let cargo = shown(cargo);
            if depends("sqlx") {
                return Some((Runner::Sqlx, format!("sqlx in {}", cargo.display())));
            }
            if depends("diesel_migrations") || depends("diesel") {
                return Some((Runner::Diesel, format!("diesel in {}", cargo.display())));
            }
        }
        let go = dir.join("go.mod");
        if let Some(text) = read_if_present(&go)
            && text.contains("github.com/golang-migrate/migrate")
        {
            let go = shown(go);
            return Some((
                Runner::GolangMigrate,
                format!("golang-migrate in {}", go.display()),
            ));
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// The `supabase/config.toml` at or above `path`, if any.
fn supabase_config(path: &Path) -> Option<PathBuf> {
    let start = path.canonicalize().ok()?;
    let start = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    start.ancestors().find_map(|dir| {
        let inside = dir.join("config.toml");
        if dir.file_name().is_some_and(|n| n == "supabase") && inside.is_file() {
            return Some(shown(inside));
        }
        let beside = dir.join("supabase").join("config.toml");
        beside.is_file().then(|| shown(beside))
    })
}

/// A Supabase project's `[api] schemas`, when `path` lies in one.
fn supabase_schemas(path: &Path) -> Result<Option<(Vec<String>, PathBuf)>> {
    let Some(config) = supabase_config(path) else {
        return Ok(None);
    };
    let text = read_bounded(&config)?;
    let value: toml::Table = toml::from_str(&text).map_err(|err| {
        anyhow::anyhow!(
            "{}: {}\nhelp: fix the Supabase configuration (eventos reads its [api] schemas)",
            config.display(),
            crate::base::describe_toml_error(&text, &err)
        )
    })?;
    let schemas = value
        .get("api")
        .and_then(|api| api.get("schemas"))
        .and_then(|s| s.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        });
    let schemas = schemas.unwrap_or_else(|| vec!["public".into(), "graphql_public".into()]);
    Ok(Some((schemas, config)))
}

/// Migrations marked non-transactional by diesel's `metadata.toml` or a Flyway `<file>.conf`.
fn side_configured_no_transaction(files: &[PathBuf], listed: &Listed) -> Result<BTreeSet<PathBuf>> {
    let mut out = BTreeSet::new();
    for file in files {
        let diesel = (file.file_name().is_some_and(|name| name == "up.sql"))
            .then(|| file.with_file_name("metadata.toml"))
            .filter(|m| listed.is_file(m));
        if let Some(metadata) = diesel {
            let text = read_bounded(&metadata)?;
            let table: toml::Table = toml::from_str(&text)
                .with_context(|| format!("{}: not valid TOML", metadata.display()))?;
            if table.get("run_in_transaction").and_then(|v| v.as_bool()) == Some(false) {
                out.insert(file.clone());
            }
        }
        let mut conf = file.clone().into_os_string();
        conf.push(".conf");
        let conf = PathBuf::from(conf);
        if listed.is_file(&conf) {
            let text = read_bounded(&conf)?;
            let off = text.lines().any(|line| {
                line.split_once('=').is_some_and(|(key, value)| {
                    key.trim() == "executeInTransaction"
                        && value.trim().eq_ignore_ascii_case("false")
                })
            });
            if off {
                out.insert(file.clone());
            }
        }
    }
    Ok(out)
}

/// A manifest's text when a regular file is there and readable, else `None`: checked first, so
/// that the usual case (no such file in most folders above a project) builds no error, which
/// costs a backtrace under `RUST_BACKTRACE=1`.
fn read_if_present(path: &Path) -> Option<String> {
    let regular = std::fs::metadata(path).is_ok_and(|m| m.is_file());
    regular.then(|| read_bounded(path).ok()).flatten()
}

/// Reads a regular file without blocking on FIFOs and without reading more than the default
/// limit.
fn read_bounded(path: &Path) -> Result<String> {
    let bytes = read_bytes(path, MAX_FILE_BYTES)?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{}: not UTF-8", path.display()))
}

fn read_bytes(path: &Path, max_file_bytes: u64) -> Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .with_context(|| format!("{}: cannot open", path.display()))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if let Entry::Other(kind) = file_kind(&metadata) {
        bail!(
            "{}: not a regular file ({kind}); eventos lint reads regular .sql files",
            path.display()
        );
    }
    // Sized from the metadata (a byte more, so that reading stops at the end without growing):
    // a read into an empty buffer doubles it, up to twice the file held per file.
    let expected = metadata.len().min(max_file_bytes) as usize + 1;
    let mut bytes = Vec::with_capacity(expected);
    file.take(max_file_bytes + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if bytes.len() as u64 > max_file_bytes {
        bail!(too_large(path, max_file_bytes));
    }
    Ok(bytes)
}

/// A migration's text, at most `max_file_bytes`: BOM stripped, UTF-8 required (the error names
/// the line).
pub fn read_migration(path: &Path, max_file_bytes: u64) -> Result<String> {
    let mut bytes = read_bytes(path, max_file_bytes)?;
    if bytes.starts_with(b"PGDMP") {
        bail!(
            "{}: a pg_dump archive (custom format), not SQL\nhelp: lint the SQL it restores: \
             `pg_restore --file=dump.sql {}`, then `eventos lint dump.sql --runner none`",
            path.display(),
            path.display()
        );
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    // Converted in place: a large file is never held twice.
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) => {
            let (bytes, err) = (err.as_bytes(), err.utf8_error());
            let offset = err.valid_up_to();
            let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            bail!(
                "{}:{line}: not valid UTF-8 (byte {offset})\nhelp: save the file as UTF-8",
                path.display()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, name: &str) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "SELECT 1;").unwrap();
    }

    fn names(found: &Discovery, root: &Path) -> Vec<String> {
        found
            .files
            .iter()
            .map(|path| path.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn natural_order_from_the_first_difference_is_the_order_from_the_start() {
        let parts = [
            "0", "00", "1", "2", "9", "10", "010", "a", "_", ".", "é", "ê", "",
        ];
        let mut names = Vec::new();
        for x in parts {
            for y in parts {
                for z in parts {
                    names.push(format!("{x}{y}{z}"));
                }
            }
        }
        for a in &names {
            for b in &names {
                assert_eq!(natural(a, b), natural_from(a, b), "{a:?} vs {b:?}");
            }
        }
        assert_eq!(natural("20240101_9_x", "20240101_10_x"), Ordering::Less);
    }

    #[test]
    fn natural_order_puts_2_before_10() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "10_c.up.sql",
            "2_b.up.sql",
            "1_a.up.sql",
            "1_a.down.sql",
            "README.md",
        ] {
            touch(dir.path(), name);
        }
        let found = discover(&[dir.path().to_path_buf()], MAX_FILE_BYTES).unwrap();
        assert_eq!(
            names(&found, dir.path()),
            ["1_a.up.sql", "2_b.up.sql", "10_c.up.sql"]
        );
        assert_eq!(found.runner.unwrap().0, Runner::GolangMigrate);
    }

    #[test]
    fn diesel_folders_are_migrations_with_their_metadata() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "00000000000000_diesel_initial_setup/up.sql");
        touch(dir.path(), "00000000000000_diesel_initial_setup/down.sql");
        touch(dir.path(), "2024-01-02-000000_index/up.sql");
        std::fs::write(
            dir.path().join("2024-01-02-000000_index/metadata.toml"),
            "run_in_transaction = false\n",
        )
        .unwrap();
        let found = discover(&[dir.path().to_path_buf()], MAX_FILE_BYTES).unwrap();
        assert_eq!(
            names(&found, dir.path()),
            [
                "00000000000000_diesel_initial_setup/up.sql",
                "2024-01-02-000000_index/up.sql"
            ]
        );
        assert_eq!(found.runner.unwrap().0, Runner::Diesel);
        assert_eq!(found.no_transaction_files.len(), 1);
    }

    #[test]
    fn flyway_versions_and_repeatables_are_ordered_like_flyway() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "R__views.sql",
            "V1.10__c.sql",
            "V1.2__b.sql",
            "V1__a.sql",
            "U1__undo.sql",
        ] {
            touch(dir.path(), name);
        }
        let found = discover(&[dir.path().to_path_buf()], MAX_FILE_BYTES).unwrap();
        assert_eq!(
            names(&found, dir.path()),
            ["V1__a.sql", "V1.2__b.sql", "V1.10__c.sql", "R__views.sql"]
        );
        assert_eq!(found.runner.unwrap().0, Runner::Flyway);
    }

    #[test]
    fn a_manifest_names_the_runner_before_file_names_do() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"app\"\n[dependencies]\nsqlx = { version = \"0.8\" }\n",
        )
        .unwrap();
        touch(dir.path(), "migrations/20240101000000_init.up.sql");
        let found = discover(&[dir.path().join("migrations")], MAX_FILE_BYTES).unwrap();
        assert_eq!(found.runner.unwrap().0, Runner::Sqlx);
    }

    #[test]
    fn a_supabase_project_gives_runner_and_exposed_schemas() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("supabase/migrations")).unwrap();
        std::fs::write(
            dir.path().join("supabase/config.toml"),
            "project_id = \"x\"\n[api]\nenabled = true\nschemas = [\"public\", \"api\"]\n",
        )
        .unwrap();
        touch(dir.path(), "supabase/migrations/20240101000000_init.sql");
        let found = discover(&[dir.path().join("supabase/migrations")], MAX_FILE_BYTES).unwrap();
        assert_eq!(found.runner.unwrap().0, Runner::Supabase);
        assert_eq!(found.exposed_schemas.unwrap().0, ["public", "api"]);
        touch(dir.path(), "supabase/seed.sql");
        touch(dir.path(), "supabase/schemas/profiles.sql");
        for project in [dir.path().to_path_buf(), dir.path().join("supabase")] {
            let found = discover(std::slice::from_ref(&project), MAX_FILE_BYTES).unwrap();
            assert_eq!(
                found.files.len(),
                1,
                "only the migrations of {}",
                project.display()
            );
        }
    }

    #[test]
    fn empty_folders_and_special_files_are_refused_fifos_inside_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let err = discover(&[dir.path().to_path_buf()], MAX_FILE_BYTES)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no migration files"), "{err}");
        let fifo = dir.path().join("0002_pipe.sql");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        touch(dir.path(), "0001_a.sql");
        let found = discover(&[dir.path().to_path_buf()], MAX_FILE_BYTES).unwrap();
        assert_eq!(found.files.len(), 1);
        assert!(found.warnings[0].contains("FIFO"), "{:?}", found.warnings);
        let err = discover(&[fifo], MAX_FILE_BYTES).unwrap_err().to_string();
        assert!(err.contains("not a regular file (a FIFO)"), "{err}");
        let err = discover(&[PathBuf::from("/dev/zero")], MAX_FILE_BYTES)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a device"), "{err}");
    }

    #[test]
    fn files_over_the_size_limit_are_refused_when_named_and_skipped_inside_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("0001_small.sql"), "SELECT 1;\n").unwrap();
        let big = dir.path().join("0002_big.sql");
        std::fs::write(&big, "SELECT 1;\n".repeat(300)).unwrap();
        let found = discover(&[dir.path().to_path_buf()], 1000).unwrap();
        assert_eq!(found.files.len(), 1);
        assert!(
            found.warnings[0].contains("0002_big.sql: 3000 bytes, over the 1000 bytes limit"),
            "{:?}",
            found.warnings
        );
        let err = discover(std::slice::from_ref(&big), 1000)
            .unwrap_err()
            .to_string();
        assert!(err.contains("0002_big.sql: larger than the"), "{err}");
        assert!(err.contains("--max-file-mib"), "{err}");
        assert_eq!(discover(&[big], 3000).unwrap().files.len(), 1);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sql");
        std::fs::write(&path, b"SELECT 1;\nSELECT '\xff';\n").unwrap();
        let err = read_migration(&path, MAX_FILE_BYTES)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a.sql:2"), "{err}");
    }
}
