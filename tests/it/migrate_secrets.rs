//! Passwords in every form a connection string can take never reach output or a child's argv,
//! and Unix-socket URLs connect without TLS — against a real server that demands the password
//! (scram-sha-256 for one role), so every successful run proves the password was understood.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{eventos, fixture};
use eventos::db::Cluster;

/// The password: every character that needs care in a URL or a key=value string, and
/// recognisable fragments, none of which may appear anywhere.
const PASSWORD: &str = "Zq8vW Kr3xP'Mm4tL@Hh7jN:Qq2sD/Yy5bC%Ff6gT\\Jj9uR?Ww1eS#Aa3cV&Bb5nE=Gg7kX";
const FRAGMENTS: &[&str] = &[
    "Zq8vW", "Kr3xP", "Mm4tL", "Hh7jN", "Qq2sD", "Yy5bC", "Ff6gT", "Jj9uR", "Ww1eS", "Aa3cV",
    "Bb5nE", "Gg7kX",
];
const USER: &str = "eventos_secret_user";

/// A cluster where `USER` must authenticate with its password; everyone else is trusted.
struct Server {
    cluster: Cluster,
    port: u16,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start() -> Server {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let cluster = runtime
            .block_on(Cluster::start(false))
            .expect("a throwaway PostgreSQL for the password tests");
        let port: u16 = cluster
            .url("postgres")
            .rsplit(':')
            .next()
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let mut admin =
            postgres::Client::connect(&cluster.admin_url("postgres"), postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "SET password_encryption = 'scram-sha-256';
                 CREATE ROLE {USER} LOGIN SUPERUSER PASSWORD '{}';",
                PASSWORD.replace('\'', "''")
            ))
            .unwrap();
        let hba = cluster.dir().join("data/pg_hba.conf");
        let owner = std::fs::metadata(&hba).unwrap();
        std::fs::write(
            &hba,
            format!(
                "local all all trust\nhost all {USER} 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n"
            ),
        )
        .unwrap();
        use std::os::unix::fs::MetadataExt;
        std::os::unix::fs::chown(&hba, Some(owner.uid()), Some(owner.gid())).unwrap();
        admin.batch_execute("SELECT pg_reload_conf()").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        Server {
            cluster,
            port,
            _runtime: runtime,
        }
    }

    /// A fresh database owned by nobody in particular.
    fn database(&self, name: &str) -> String {
        let mut admin =
            postgres::Client::connect(&self.cluster.admin_url("postgres"), postgres::NoTls)
                .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        name.to_string()
    }

    fn admin(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.cluster.admin_url(db), postgres::NoTls).unwrap()
    }
}

/// Percent-encodes everything but unreserved characters.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A key=value value, quoted with libpq's escapes.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// An unquoted key=value value: every special character backslash-escaped.
fn escaped(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect()
}

/// Every spelling of a working connection string for database `db`.
fn working_forms(port: u16, db: &str) -> Vec<(&'static str, String)> {
    let pw = encoded(PASSWORD);
    let url = format!("postgresql://{USER}:{pw}@127.0.0.1:{port}/{db}");
    vec![
        ("url", url.clone()),
        (
            "postgres scheme",
            url.replacen("postgresql://", "postgres://", 1),
        ),
        ("leading space and tab", format!(" \t{url}\n")),
        (
            "upper-case scheme",
            url.replacen("postgresql://", "POSTGRES://", 1),
        ),
        (
            "mixed-case scheme",
            url.replacen("postgresql://", "PostgreSQL://", 1),
        ),
        (
            "password in the query",
            format!("postgres://{USER}@127.0.0.1:{port}/{db}?password={pw}&sslmode=prefer"),
        ),
        (
            "percent-encoded key",
            format!("postgres://{USER}@127.0.0.1:{port}/{db}?pass%77ord={pw}"),
        ),
        (
            "everything in the query",
            format!("postgresql:///{db}?host=127.0.0.1&port={port}&user={USER}&password={pw}"),
        ),
        (
            "two hosts, the first refusing",
            format!("postgres://{USER}:{pw}@127.0.0.1:1,127.0.0.1:{port}/{db}"),
        ),
        (
            "key=value, quoted",
            format!(
                "host=127.0.0.1 port={port} user={USER} password={} dbname={db}",
                quoted(PASSWORD)
            ),
        ),
        (
            "key=value, spaces around =",
            format!(
                "host = 127.0.0.1 port= {port} user ={USER} password = {} dbname={db}",
                quoted(PASSWORD)
            ),
        ),
        (
            "key=value, tabs and newlines",
            format!(
                "host=127.0.0.1\tport={port}\nuser={USER}\n\tpassword={}\ndbname={db}",
                quoted(PASSWORD)
            ),
        ),
        (
            "key=value, backslash escapes",
            format!(
                "host=127.0.0.1 port={port} user={USER} password={} dbname={db}",
                escaped(PASSWORD)
            ),
        ),
    ]
}

/// Asserts that no fragment of the password is in `text`.
#[track_caller]
fn assert_no_password(text: &str, what: &str) {
    for fragment in FRAGMENTS {
        assert!(
            !text.contains(fragment),
            "{what}: password fragment {fragment:?} in:\n{text}"
        );
    }
}

fn output_of(assert: &assert_cmd::assert::Assert) -> String {
    let out = assert.get_output();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn every_working_form_connects_and_no_output_in_any_format_shows_the_password() {
    let server = Server::start();
    let db = server.database("forms");
    let dir = fixture("basic");
    let forms = working_forms(server.port, &db);
    let first = &forms[0].1;
    let up = eventos(&dir)
        .args([
            "migrate",
            "up",
            "--supabase-compat",
            "--database-url",
            first,
        ])
        .assert()
        .success();
    assert_no_password(&output_of(&up), "migrate up");
    for (what, url) in &forms {
        let status = eventos(&dir)
            .args(["status", "--database-url", url])
            .assert()
            .success();
        let text = output_of(&status);
        assert_no_password(&text, what);
        assert!(text.contains("database: "), "{what}: {text}");
        assert!(
            text.contains("***"),
            "{what}: the password is shown as ***: {text}"
        );
        for args in [
            &["status", "--format", "json"][..],
            &["migrate", "up", "--dry-run"],
            &["migrate", "up"],
            &["verify", "--format", "human"],
            &["verify", "--format", "json"],
            &["verify", "--format", "junit"],
        ] {
            let run = eventos(&dir)
                .args(args)
                .args(["--database-url", url])
                .assert()
                .success();
            assert_no_password(&output_of(&run), &format!("{what}: {args:?}"));
        }
    }
    for format in ["human", "json", "sarif", "github", "gcc"] {
        let run = eventos(&dir)
            .args(["lint", "--format", format, "--database-url", &forms[9].1])
            .assert()
            .success();
        assert_no_password(&output_of(&run), &format!("lint --format {format}"));
    }
    // From the environment and a .env file, and with the password in PGPASSWORD.
    let project = tempfile::tempdir().unwrap();
    copy_tree(&dir, project.path());
    std::fs::write(
        project.path().join(".env"),
        format!("DATABASE_URL='{first}'\n"),
    )
    .unwrap();
    let from_dotenv = eventos(project.path()).arg("status").assert().success();
    assert_no_password(&output_of(&from_dotenv), ".env");
    let from_env = eventos(&dir)
        .arg("status")
        .env("DATABASE_URL", &forms[9].1)
        .assert()
        .success();
    assert_no_password(&output_of(&from_env), "DATABASE_URL");
    let pgpassword = eventos(&dir)
        .args(["status", "--format", "json", "--database-url"])
        .arg(format!("postgres://{USER}@127.0.0.1:{}/{db}", server.port))
        .env("PGPASSWORD", PASSWORD)
        .assert()
        .success();
    let text = output_of(&pgpassword);
    assert_no_password(&text, "PGPASSWORD");
    assert!(
        !text.contains("***"),
        "nothing to redact in the string: {text}"
    );
}

#[test]
fn forms_that_fail_show_no_part_of_the_password() {
    let server = Server::start();
    let db = server.database("broken");
    let dir = fixture("basic");
    let pw = encoded(PASSWORD);
    let port = server.port;
    let forms = [
        (
            "one slash",
            format!("postgres:/{USER}:{pw}@127.0.0.1:{port}/{db}"),
        ),
        (
            "no slashes",
            format!("postgresql:{USER}:{pw}@127.0.0.1:{port}/{db}"),
        ),
        (
            "unencoded password",
            format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{port}/{db}"),
        ),
        (
            "upper-case key",
            format!("PASSWORD={} host=127.0.0.1", quoted(PASSWORD)),
        ),
        (
            "misspelt key",
            format!("pasword={} host=127.0.0.1", quoted(PASSWORD)),
        ),
        (
            "unterminated quote",
            format!("host=127.0.0.1 password='{}", escaped(PASSWORD)),
        ),
        (
            "bad percent-encoding",
            format!("postgres://{USER}:{pw}%zz@127.0.0.1:{port}/{db}"),
        ),
        (
            "refused port",
            format!("postgres://{USER}:{pw}@127.0.0.1:1/{db}"),
        ),
        (
            "wrong password",
            format!(
                "postgres://{USER}:{}x@127.0.0.1:{port}/{db}",
                encoded(&PASSWORD[..20])
            ),
        ),
        (
            "unknown parameter",
            format!("postgres://{USER}:{pw}@127.0.0.1:{port}/{db}?sslcert=x"),
        ),
        (
            "bad value",
            format!("postgres://{USER}:{pw}@127.0.0.1:{port}/{db}?sslmode={pw}"),
        ),
        ("bare password", PASSWORD.to_string()),
    ];
    for (what, url) in &forms {
        for args in [
            &["status"][..],
            &["status", "--format", "json"],
            &["migrate", "up"],
            &["migrate", "up", "--dry-run"],
            &["migrate", "down", "--phase", "1"],
            &["verify", "--format", "junit"],
        ] {
            let run = eventos(&dir)
                .args(args)
                .args(["--database-url", url])
                .assert()
                .code(2);
            assert_no_password(&output_of(&run), &format!("{what}: {args:?}"));
        }
        let lint = eventos(&dir)
            .args(["lint", "--format", "json", "--database-url", url])
            .assert()
            .code(2);
        assert_no_password(&output_of(&lint), &format!("{what}: lint"));
    }
    let typo = eventos(&dir)
        .args(["status", "--database-url", &forms[0].1])
        .assert()
        .code(2);
    assert!(
        output_of(&typo).contains("two slashes"),
        "{}",
        output_of(&typo)
    );
}

/// The pg_dump that `eventos` (pid `parent`) started, once it runs.
fn pg_dump_child(parent: u32, deadline: Instant) -> u32 {
    loop {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            let ppid: u32 = after
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            if ppid == parent && stat.contains("(pg_dump)") {
                return pid;
            }
        }
        assert!(Instant::now() < deadline, "pg_dump never started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn pg_dump_gets_the_password_through_a_private_file_never_argv_or_environment() {
    let server = Server::start();
    let db = server.database("dumped");
    let dir = fixture("basic");
    let forms = working_forms(server.port, &db);
    eventos(&dir)
        .args([
            "migrate",
            "up",
            "--supabase-compat",
            "--database-url",
            &forms[0].1,
        ])
        .assert()
        .success();
    let out = tempfile::tempdir().unwrap();
    for (what, url) in [&forms[0], &forms[6], &forms[9], &forms[12]] {
        // pg_dump waits for this lock, so it can be inspected while it runs.
        let mut blocker = server.admin(&db);
        let mut tx = blocker.transaction().unwrap();
        tx.batch_execute("LOCK TABLE public.notes IN ACCESS EXCLUSIVE MODE")
            .unwrap();
        let file = out.path().join(format!("{}.sql", what.replace(' ', "_")));
        let child = Command::new(assert_cmd::cargo::cargo_bin("eventos"))
            .current_dir(&dir)
            .args(["migrate", "up", "--no-verify", "--backup"])
            .arg(&file)
            .arg("--database-url")
            .arg(url)
            .env_remove("DATABASE_URL")
            .env("PGPASSWORD", "not-this-one")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = pg_dump_child(child.id(), Instant::now() + Duration::from_secs(30));
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let environ = String::from_utf8_lossy(&environ).replace('\0', "\n");
        assert_no_password(&cmdline, &format!("{what}: pg_dump argv"));
        assert_no_password(&environ, &format!("{what}: pg_dump environment"));
        assert!(
            !environ.contains("not-this-one"),
            "inherited PG* variables are removed"
        );
        let passfile = environ
            .lines()
            .find_map(|l| l.strip_prefix("PGPASSFILE="))
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("{what}: no PGPASSFILE in {environ}"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&passfile).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{what}: the password file is private");
        tx.rollback().unwrap();
        let done = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&done.stdout),
            String::from_utf8_lossy(&done.stderr)
        );
        assert!(done.status.success(), "{what}: {text}");
        assert_no_password(&text, what);
        assert!(!passfile.exists(), "{what}: the password file is deleted");
        let dump = std::fs::read_to_string(&file).unwrap();
        assert!(
            dump.contains("CREATE TABLE public.notes"),
            "{what}: a real dump"
        );
    }
}

#[test]
fn unix_socket_urls_connect_without_tls_whatever_sslmode_says() {
    let server = Server::start();
    let db = server.database("sockets");
    let socket_dir = server.cluster.dir().to_path_buf();
    let dir = fixture("basic");
    let port = server.port;
    let path = socket_dir.display().to_string();
    for url in [
        format!("postgresql:///{db}?host={path}&port={port}&user=postgres"),
        format!(
            "postgresql:///{db}?host={}&port={port}&user=postgres",
            encoded(&path)
        ),
        format!("postgresql://postgres@{}:{port}/{db}", encoded(&path)),
        format!("postgresql:///{db}?host={path}&port={port}&user=postgres&sslmode=require"),
        format!("host={path} port={port} user=postgres dbname={db}"),
        format!("host={path},127.0.0.1 port={port} user=postgres dbname={db} sslmode=prefer"),
    ] {
        let run = eventos(&dir)
            .args(["status", "--database-url", &url])
            .assert()
            .success();
        assert!(
            output_of(&run).contains("pending"),
            "{url}: {}",
            output_of(&run)
        );
    }
    let missing = eventos(&dir)
        .args(["status", "--database-url"])
        .arg(format!("postgresql:///{db}?host=/nonexistent&port={port}"))
        .assert()
        .code(2);
    assert!(
        output_of(&missing).contains("socket /nonexistent/.s.PGSQL."),
        "{}",
        output_of(&missing)
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
