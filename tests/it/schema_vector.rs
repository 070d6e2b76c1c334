//! pgvector behaviour on the schema's embedding columns, on whichever bundled PostgreSQL's
//! pgvector works on this CPU (PostgreSQL 18 + AVX-512 build, or 16.2 + pgvector 0.6.2 without
//! AVX-512; `Pg::Vector` fails loudly, naming what to install, when neither does). And the probe
//! that decides: an installation that ships `vector.control` but cannot run it is rejected.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::harness::schema::*;
use crate::harness::{Pg, TestDb, repo_root};
use eventos::db::PgInstall;
use eventos::db::vector_probe::{Verdict, verdict};

fn one(c: &mut postgres::Client, sql: &str) -> String {
    rows(c, sql).remove(0)
}

/// A deterministic `dims`-dimensional vector literal for seed `n`.
fn embedding(n: usize, dims: usize) -> String {
    let values: Vec<String> = (0..dims)
        .map(|i| format!("{:.5}", ((n * 31 + i * 7) as f64).sin()))
        .collect();
    format!("'[{}]'::extensions.vector", values.join(","))
}

#[test]
fn hnsw_inserts_and_nearest_neighbour_queries_on_the_schema_embeddings() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    let mut c = db.client();
    // As on Supabase (and PostgREST's extra search path): the operators live in `extensions`.
    c.batch_execute("SET search_path = public, extensions")
        .unwrap();
    seed_v2_users(&mut c);
    let (event, _) = seed_event(&mut c, ALICE, "Vectors", 10);
    c.batch_execute("DELETE FROM ticket_tiers").unwrap();
    let mut sessions = Vec::new();
    for i in 0..30 {
        let session = one(
            &mut c,
            &format!(
                "INSERT INTO event_sessions (event_id, title, start_time, end_time) VALUES ('{event}', 'S{i}', now() + interval '10 days', now() + interval '10 days 1 hour') RETURNING id"
            ),
        );
        // Through the HNSW index (idx_session_embeddings_hnsw, cosine) on every insert.
        c.batch_execute(&format!(
            "INSERT INTO session_embeddings (session_id, embedding_vector, model_version) VALUES ('{session}', {}, 'v1')",
            embedding(i, 1536)
        ))
        .unwrap();
        sessions.push(session);
    }
    let attendee = seed_attendee(&mut c, &event, CAROL, "carol@example.com");
    c.batch_execute(&format!(
        "INSERT INTO attendee_embeddings (attendee_id, embedding_vector, model_version) VALUES ('{attendee}', {}, 'v1');
         INSERT INTO facial_recognition_data (attendee_id, embedding_vector, consent_given, consent_date, expires_at)
           VALUES ('{attendee}', {}, true, now(), now() + interval '30 days');
         ANALYZE session_embeddings",
        embedding(5, 1536),
        embedding(9, 512)
    ))
    .unwrap();

    // Nearest session to the attendee's interests, by cosine distance, through the index.
    let nearest = format!(
        "SELECT s.session_id FROM session_embeddings AS s
         ORDER BY s.embedding_vector <=> (SELECT a.embedding_vector FROM attendee_embeddings AS a WHERE a.attendee_id = '{attendee}')
         LIMIT 1"
    );
    c.batch_execute("SET enable_seqscan = off").unwrap();
    let plan = rows(&mut c, &format!("EXPLAIN (COSTS OFF) {nearest}")).join("\n");
    assert!(plan.contains("idx_session_embeddings_hnsw"), "{plan}");
    assert_eq!(one(&mut c, &nearest), sessions[5]);
    // L2 distance and the 512-dimension face index answer too.
    assert_eq!(
        one(
            &mut c,
            &format!(
                "SELECT round((embedding_vector <-> {})::numeric, 4) FROM facial_recognition_data",
                embedding(9, 512)
            )
        ),
        "0.0000"
    );
    c.batch_execute("RESET enable_seqscan").unwrap();
    // The organizer ranks their own sessions as the API does; other users see none.
    let ranked = format!(
        "SELECT count(*) FROM (SELECT session_id FROM session_embeddings ORDER BY embedding_vector <=> {} LIMIT 5) AS x",
        embedding(3, 1536)
    );
    assert_eq!(
        as_who(&mut c, Who::User(ALICE), &ranked).unwrap(),
        vec!["5"]
    );
    assert_eq!(as_who(&mut c, Who::User(BOB), &ranked).unwrap(), vec!["0"]);
}

/// A fake installation: the stock server's binaries, plus a pg_config whose share folder ships
/// pgvector's control file but no library — it looks like pgvector, and cannot run it.
fn fake_vector_install(root: &Path) -> PgInstall {
    let stock = PgInstall::candidates()
        .into_iter()
        .find(|c| !c.has_vector)
        .expect("a PostgreSQL without pgvector (Debian's)");
    let bin = root.join("bin");
    let share = root.join("share");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(share.join("extension")).unwrap();
    std::fs::write(
        share.join("extension/vector.control"),
        "default_version = '0.6.2'\nmodule_pathname = '$libdir/vector'\n",
    )
    .unwrap();
    for tool in ["initdb", "postgres"] {
        std::os::unix::fs::symlink(stock.bin_dir.join(tool), bin.join(tool)).unwrap();
    }
    let pg_config = bin.join("pg_config");
    std::fs::write(&pg_config, format!("#!/bin/sh\necho {}\n", share.display())).unwrap();
    for dir in [root, &bin, &share, &share.join("extension")] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&pg_config, std::fs::Permissions::from_mode(0o755)).unwrap();
    PgInstall {
        bin_dir: bin,
        version: stock.version,
        has_vector: true,
        source: "test",
    }
}

#[test]
fn the_probe_rejects_a_pgvector_that_does_not_run_and_accepts_the_one_the_tests_use() {
    let dir = tempfile::Builder::new()
        .prefix("eventos-fake-vector-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let fake = fake_vector_install(dir.path());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match runtime.block_on(verdict(&fake)) {
        Verdict::Broken(why) => assert!(why.contains("HNSW inserts"), "{why}"),
        Verdict::Works => panic!("a pgvector without its library cannot work"),
    }
    // The installation the Pg::Vector tests run on passed the same probe.
    let db = TestDb::new(Pg::Vector);
    let version = one(&mut db.client(), "SHOW server_version");
    let chosen = PgInstall::candidates()
        .into_iter()
        .filter(|c| c.has_vector)
        .find(|c| c.version.ends_with(&version))
        .expect("the vector cluster's installation");
    assert_eq!(runtime.block_on(verdict(&chosen)), Verdict::Works);
}
