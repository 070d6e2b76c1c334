//! Lock-safety lint against a real PostgreSQL: the same ALTER on a table the files create (empty
//! until this deploy: silent) and on live tables whose size the catalog gives (1M rows: an
//! error naming the size; a small one: a warning); the lock report of a mixed file; secrets
//! never echoed by any output format of the real binary.

use std::path::Path;

use crate::harness::{Pg, TestDb, eventos, stderr, stdout};
use serde_json::Value;

/// Writes `files` into a fresh folder (no eventos.toml: defaults).
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// `(file:line rule severity, message)` of every finding of a `--format json` run.
fn json_findings(out: &str) -> Vec<(String, String)> {
    let doc: Value = serde_json::from_str(out).unwrap();
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = Path::new(d["file"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (
                format!(
                    "{file}:{} {} {}",
                    d["line"],
                    d["rule"].as_str().unwrap(),
                    d["severity"].as_str().unwrap()
                ),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const NEW_TABLE: &str = "CREATE TABLE public.fresh (id bigint PRIMARY KEY, status text);\n\
     ALTER TABLE public.fresh ENABLE ROW LEVEL SECURITY;\n\
     ALTER TABLE public.fresh ADD CONSTRAINT fresh_status_check CHECK (status <> '');\n";

const ALTERS: &str = "ALTER TABLE public.orders ADD CONSTRAINT orders_status_check CHECK (status <> '');\n\
     ALTER TABLE public.tiny ADD CONSTRAINT tiny_status_check CHECK (status <> '');\n\
     ALTER TABLE public.fresh ADD CONSTRAINT fresh_id_check CHECK (id > 0);\n";

#[test]
fn the_same_alter_is_silent_on_a_new_table_and_sized_on_live_ones() {
    let db = TestDb::new(Pg::Stock);
    db.client()
        .batch_execute(
            "CREATE TABLE public.orders (id bigint PRIMARY KEY, status text);
             INSERT INTO public.orders SELECT g, 'paid' FROM generate_series(1, 1000000) g;
             CREATE TABLE public.tiny (id bigint PRIMARY KEY, status text);
             INSERT INTO public.tiny SELECT g, 'paid' FROM generate_series(1, 50) g;
             ANALYZE public.orders; ANALYZE public.tiny;",
        )
        .unwrap();
    let dir = project(&[("V1__fresh.sql", NEW_TABLE), ("V2__alters.sql", ALTERS)]);

    // The database's history (eventos's table is absent: nothing applied): V1 is not
    // released, so public.fresh is empty until this deploy; orders and tiny are live.
    let online = stdout(
        &db.eventos(
            dir.path(),
            &["lint", ".", "--format", "json", "--runner", "eventos"],
        )
        .assert()
        .code(1),
    );
    let found = json_findings(&online);
    let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "V2__alters.sql:1 check-not-valid error",
            "V2__alters.sql:2 check-not-valid warning"
        ],
        "{online}"
    );
    assert!(found[0].1.contains("~1,000,000 rows"), "{}", found[0].1);
    assert!(found[0].1.contains("MB"), "{}", found[0].1);
    assert!(found[1].1.contains("~50 rows"), "{}", found[1].1);

    // The lock report gives the live table's size and calls the file's own table new.
    let locks = stdout(
        &db.eventos(
            dir.path(),
            &["lint", ".", "--explain-locks", "--runner", "eventos"],
        )
        .assert()
        .code(1),
    );
    assert!(
        locks.contains("live (~1,000,000 rows") && locks.contains("new (empty until this deploy)"),
        "{locks}"
    );

    // A lower threshold keeps the small table an error too.
    std::fs::write(dir.path().join("eventos.toml"), "small_table_rows = 10\n").unwrap();
    let strict = stdout(
        &db.eventos(
            dir.path(),
            &["lint", ".", "--format", "json", "--runner", "eventos"],
        )
        .assert()
        .code(1),
    );
    assert!(
        json_findings(&strict)[1]
            .0
            .ends_with("check-not-valid error"),
        "{strict}"
    );
    std::fs::remove_file(dir.path().join("eventos.toml")).unwrap();

    // Offline, nothing says V1 is unapplied: its table is assumed live (never "safe" by
    // accident), and the outside tables are live without a size.
    let offline = stdout(
        &eventos(dir.path())
            .args(["lint", ".", "--format", "json", "--runner", "eventos"])
            .assert()
            .code(1),
    );
    let ids: Vec<String> = json_findings(&offline).into_iter().map(|f| f.0).collect();
    assert_eq!(
        ids,
        [
            "V2__alters.sql:1 check-not-valid error",
            "V2__alters.sql:2 check-not-valid error",
            "V2__alters.sql:3 check-not-valid error"
        ],
        "{offline}"
    );
    // Told that nothing is released yet, the earlier file's table is new again.
    let none = stdout(
        &eventos(dir.path())
            .args([
                "lint",
                ".",
                "--format",
                "json",
                "--runner",
                "eventos",
                "--released-through",
                "none",
            ])
            .assert()
            .code(1),
    );
    assert_eq!(json_findings(&none).len(), 2, "{none}");
}

#[test]
fn history_table_rows_make_files_released() {
    let db = TestDb::new(Pg::Stock);
    db.client()
        .batch_execute(
            "CREATE TABLE public.fresh (id bigint PRIMARY KEY, status text);
             INSERT INTO public.fresh SELECT g, 'x' FROM generate_series(1, 20000) g;
             ANALYZE public.fresh;
             CREATE TABLE public.orders (id bigint, status text);
             CREATE TABLE public.tiny (id bigint, status text);
             CREATE TABLE public.schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
             INSERT INTO public.schema_migrations VALUES (1, false);",
        )
        .unwrap();
    let dir = project(&[("1_fresh.up.sql", NEW_TABLE), ("2_alters.up.sql", ALTERS)]);
    // golang-migrate's history says version 1 ran: its statements are history, and the table
    // it created is live with the catalog's size.
    let out = stdout(
        &db.eventos(dir.path(), &["lint", ".", "--format", "json"])
            .assert()
            .code(1),
    );
    let found = json_findings(&out);
    let fresh: Vec<_> = found
        .iter()
        .filter(|(_, message)| message.contains("public.fresh"))
        .collect();
    assert_eq!(fresh.len(), 1, "{out}");
    assert_eq!(fresh[0].0, "2_alters.up.sql:3 check-not-valid error");
    assert!(fresh[0].1.contains("~20,000 rows"), "{}", fresh[0].1);
}

#[test]
fn explain_locks_reports_each_statement_and_what_stays_held() {
    let mixed = "ALTER TABLE public.orders ADD COLUMN note text;\n\
                 CREATE TABLE public.holds (id bigint PRIMARY KEY, order_id bigint REFERENCES public.orders (id));\n\
                 CREATE INDEX holds_order_id ON public.holds (order_id);\n\
                 ALTER TABLE public.orders ALTER COLUMN status TYPE varchar(20);\n\
                 UPDATE public.orders SET note = 'x' WHERE id < 10;\n";
    let dir = project(&[("V1__mixed.sql", mixed)]);
    let out = stdout(
        &eventos(dir.path())
            .args(["lint", ".", "--explain-locks", "--runner", "eventos"])
            .assert()
            .code(1),
    );
    let report = &out[out.find("V1__mixed.sql\n").expect("the lock report")..];
    insta::assert_snapshot!(report);
    let json = stdout(
        &eventos(dir.path())
            .args(["lint", ".", "--explain-locks", "--format", "json"])
            .assert()
            .code(1),
    );
    let doc: Value = serde_json::from_str(&json).unwrap();
    let locks = doc["locks"].as_array().unwrap();
    assert_eq!(locks.len(), 5, "{json}");
    assert_eq!(locks[3]["locks"][0]["mode"], "ACCESS EXCLUSIVE");
    assert_eq!(locks[3]["locks"][0]["work"], "rewrite");
    assert_eq!(locks[2]["locks"][0]["table"], "new");
}

/// A Supabase-style service_role JWT, built at run time (no credential-looking text in the
/// repository).
fn service_role_jwt() -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = b64.encode(r#"{"iss":"supabase","ref":"abcdefghijklmnopqrst","role":"service_role","iat":1700000000,"exp":2000000000}"#);
    let signature = b64.encode([7u8; 32]);
    format!("{header}.{claims}.{signature}")
}

#[test]
fn no_output_format_of_the_binary_echoes_a_secret() {
    let jwt = service_role_jwt();
    let password = "Tr0ub4dor-and-3";
    let sql = format!(
        "-- curl -H 'apikey: {jwt}' https://abcdefghijklmnopqrst.supabase.co/rest/v1/\n\
         CREATE FUNCTION public.notify() RETURNS trigger LANGUAGE plpgsql AS $$\n\
         BEGIN\n  PERFORM net.http_post(url := 'https://abcdefghijklmnopqrst.supabase.co/functions/v1/n',\n\
           headers := jsonb_build_object('Authorization', 'Bearer {jwt}'));\n  RETURN NEW;\nEND $$;\n\
         CREATE ROLE reporting LOGIN PASSWORD '{password}';\n"
    );
    let dir = project(&[("V1__secrets.sql", &sql)]);
    let signature = jwt.rsplit('.').next().unwrap().to_string();
    let claims = jwt.split('.').nth(1).unwrap().to_string();
    for format in ["human", "json", "sarif", "github", "gcc"] {
        let assert = eventos(dir.path())
            .args(["lint", ".", "--explain-locks", "--format", format])
            .assert()
            .code(1);
        let out = stdout(&assert) + &stderr(&assert);
        assert!(
            out.matches("hardcoded-secret").count() >= 3,
            "{format}: {out}"
        );
        for leaked in [&jwt[4..], &claims, &signature, password, &password[4..]] {
            assert!(!out.contains(leaked), "{format} echoes a secret:\n{out}");
        }
    }
}
