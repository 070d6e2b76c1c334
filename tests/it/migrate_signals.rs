//! Signals against real processes: SIGINT, SIGTERM and SIGHUP during a long statement cancel it
//! server-side, release the migration lock and leave no eventos backend; throwaway clusters are
//! removed after SIGTERM and SIGHUP, and after `kill -9` (also during initdb) at the next start.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Pg, TestDb, count, fixture_copy};
use eventos::db::MIGRATION_LOCK_KEY;
use eventos::db::lifecycle::{FOLDER_PREFIX, OWNER_FILE};

/// The tests of this file run one at a time: each cluster start removes stale folders, which
/// would race with the kill -9 test's look at the folders it leaves.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("eventos"))
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("EVENTOS_CONFIG")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, signal: i32) {
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
}

/// Polls `condition` every 20 ms until it holds or `limit` passes.
fn within(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

/// Waits for the child's exit; its stderr.
fn finish(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ACTIVE_SLEEP: &str = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()";
const EVENTOS_BACKENDS: &str = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'eventos'";

fn lock_held(db: &TestDb) -> bool {
    count(
        db,
        &format!(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND ((classid::bigint << 32) | objid::bigint) = {MIGRATION_LOCK_KEY}"
        ),
    ) != "0"
}

#[test]
fn a_signal_during_a_long_statement_cancels_it_releases_the_lock_and_leaves_no_backend() {
    let _serial = serial();
    for (sig, code, no_transaction) in [
        (libc::SIGINT, 130, false),
        (libc::SIGTERM, 143, false),
        (libc::SIGHUP, 129, false),
        (libc::SIGTERM, 143, true),
    ] {
        let db = TestDb::new(Pg::Stock);
        let project = fixture_copy("basic");
        let dir = project.path();
        db.migrate_up(dir, &[]);
        let directive = if no_transaction {
            "-- eventos:no-transaction\n"
        } else {
            ""
        };
        std::fs::write(
            dir.join("sql/phase1/V1002__slow.sql"),
            format!(
                "{directive}ALTER TABLE public.tags ADD COLUMN IF NOT EXISTS weight int;\nSELECT pg_sleep(60);\n"
            ),
        )
        .unwrap();
        let mut args = vec!["migrate", "up", "--no-verify", "--database-url"];
        args.push(db.url());
        let child = spawn(dir, &args);
        assert!(
            within(Duration::from_secs(30), || count(&db, ACTIVE_SLEEP) != "0"),
            "the slow statement never started"
        );
        let signalled = Instant::now();
        signal(&child, sig);
        let (exit, err) = finish(child);
        assert_eq!(exit, Some(code), "signal {sig}: {err}");
        assert!(
            signalled.elapsed() < Duration::from_secs(8),
            "signal {sig}: took {:?}",
            signalled.elapsed()
        );
        assert!(
            within(Duration::from_secs(3), || count(&db, EVENTOS_BACKENDS)
                == "0"),
            "signal {sig}: an eventos backend is still there"
        );
        assert_eq!(
            count(&db, ACTIVE_SLEEP),
            "0",
            "signal {sig}: still sleeping"
        );
        assert!(
            !lock_held(&db),
            "signal {sig}: the migration lock is still held"
        );
        assert!(err.contains("cancelling the running statement"), "{err}");
        assert!(
            err.contains("canceling statement due to user request"),
            "{err}"
        );
        // The API can take the table at once.
        let mut api = db.client();
        api.batch_execute(
            "SET lock_timeout = '1s'; LOCK TABLE public.tags IN ACCESS EXCLUSIVE MODE",
        )
        .unwrap();
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM eventos.schema_history WHERE version = 1002"
            ),
            "0",
            "signal {sig}: the interrupted file is not recorded"
        );
        let weight = count(
            &db,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'tags' AND column_name = 'weight'",
        );
        assert_eq!(
            weight,
            if no_transaction { "1" } else { "0" },
            "signal {sig}: a transactional file leaves nothing; a no-transaction file keeps its committed statements"
        );
    }
}

#[test]
fn a_signal_while_waiting_for_the_lock_stops_at_once() {
    let _serial = serial();
    let db = TestDb::new(Pg::Stock);
    let mut holder = db.client();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
        .unwrap();
    let project = fixture_copy("basic");
    let child = spawn(
        project.path(),
        &[
            "migrate",
            "up",
            "--supabase-compat",
            "--database-url",
            db.url(),
        ],
    );
    assert!(within(Duration::from_secs(20), || count(
        &db,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'eventos'"
    ) != "0"));
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    signal(&child, libc::SIGTERM);
    let (exit, err) = finish(child);
    assert_eq!(exit, Some(143), "{err}");
    assert!(signalled.elapsed() < Duration::from_secs(3), "{err}");
    assert_eq!(
        count(&db, "SELECT to_regnamespace('auth') IS NULL"),
        "t",
        "nothing was installed"
    );
}

/// The cluster folders whose owner record names `pid`.
fn folders_of(pid: u32) -> Vec<PathBuf> {
    let mut bases = vec![PathBuf::from("/tmp"), std::env::temp_dir()];
    bases.dedup();
    bases
        .iter()
        .flat_map(|base| std::fs::read_dir(base).into_iter().flatten().flatten())
        .filter(|e| e.file_name().to_string_lossy().starts_with(FOLDER_PREFIX))
        .map(|e| e.path())
        .filter(|path| {
            std::fs::read_to_string(path.join(OWNER_FILE))
                .is_ok_and(|t| t.lines().any(|l| l == format!("pid={pid}")))
        })
        .collect()
}

/// Processes whose parent is `pid` and whose name is `name`.
fn children_named(pid: u32, name: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|child| {
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            let Some(close) = stat.rfind(')') else {
                return false;
            };
            let ppid = stat[close + 1..].split_whitespace().nth(1);
            stat.contains(&format!("({name})")) && ppid == Some(&pid.to_string())
        })
        .collect()
}

/// A slow `--ephemeral` run of the basic fixture: `migrate up` stuck in `pg_sleep(60)`.
fn slow_ephemeral_run(project: &Path) -> Child {
    std::fs::write(
        project.join("sql/phase1/V1002__slow.sql"),
        "SELECT pg_sleep(60);\n",
    )
    .unwrap();
    spawn(project, &["migrate", "up", "--ephemeral"])
}

fn wait_for_folder(pid: u32, with: &str) -> PathBuf {
    let mut found = None;
    assert!(
        within(Duration::from_secs(60), || {
            found = folders_of(pid).into_iter().find(|f| f.join(with).exists());
            found.is_some()
        }),
        "no cluster folder with {with} for pid {pid}"
    );
    found.unwrap()
}

#[test]
fn sigterm_and_sighup_remove_the_throwaway_cluster() {
    let _serial = serial();
    for (sig, code) in [(libc::SIGTERM, 143), (libc::SIGHUP, 129)] {
        let project = fixture_copy("basic");
        let child = slow_ephemeral_run(project.path());
        let folder = wait_for_folder(child.id(), "data/postmaster.pid");
        // Wait until it is applying (the server is up and the slow file is running).
        std::thread::sleep(Duration::from_millis(2500));
        signal(&child, sig);
        let (exit, err) = finish(child);
        assert_eq!(exit, Some(code), "{err}");
        assert!(
            !folder.exists(),
            "signal {sig}: {} survived",
            folder.display()
        );
    }
}

#[test]
fn sigterm_during_initdb_removes_the_folder_at_once() {
    let _serial = serial();
    let project = fixture_copy("basic");
    let child = spawn(project.path(), &["status", "--ephemeral"]);
    let folder = wait_for_folder(child.id(), OWNER_FILE);
    assert!(
        within(Duration::from_secs(30), || !children_named(
            child.id(),
            "initdb"
        )
        .is_empty()),
        "initdb never ran"
    );
    signal(&child, libc::SIGTERM);
    let (exit, err) = finish(child);
    assert_eq!(exit, Some(143), "{err}");
    assert!(!folder.exists(), "{} survived", folder.display());
}

#[test]
fn kill_9_leaves_a_folder_that_the_next_start_removes_also_during_initdb() {
    let _serial = serial();
    let project = fixture_copy("basic");
    // During the run: the server dies with eventos; its folder stays until the next start.
    let mut child = slow_ephemeral_run(project.path());
    let running = wait_for_folder(child.id(), "data/postmaster.pid");
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(running.exists(), "kill -9 leaves the folder");
    // During initdb (that start already removes the folder above): initdb dies with eventos too.
    let mut child = spawn(project.path(), &["status", "--ephemeral"]);
    let in_initdb = wait_for_folder(child.id(), OWNER_FILE);
    assert!(
        within(Duration::from_secs(30), || !children_named(
            child.id(),
            "initdb"
        )
        .is_empty()),
        "initdb never ran"
    );
    let initdb = children_named(child.id(), "initdb");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        within(Duration::from_secs(10), || initdb
            .iter()
            .all(|pid| !Path::new(&format!("/proc/{pid}")).exists())),
        "initdb survived kill -9 of eventos"
    );
    assert!(in_initdb.exists(), "kill -9 leaves the folder");

    let next = spawn(project.path(), &["status", "--ephemeral"]);
    let (exit, err) = finish(next);
    assert_eq!(exit, Some(0), "{err}");
    assert!(
        err.contains("left by eventos runs that were killed"),
        "{err}"
    );
    assert!(
        !running.exists(),
        "{} survived the next start",
        running.display()
    );
    assert!(
        !in_initdb.exists(),
        "{} survived the next start",
        in_initdb.display()
    );
}
