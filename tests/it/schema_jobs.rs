//! Schema v2's scheduled maintenance: registration with pg_cron (a `cron` schema stand-in with
//! pg_cron's `cron.schedule` / `cron.unschedule` / `cron.job`), `eventos maintain` where pg_cron
//! is absent, the verify warning for jobs nobody runs, and what the jobs do (log retention).

use crate::harness::schema::*;
use crate::harness::{Pg, TestDb, repo_root, stderr, stdout};

/// pg_cron's interface as eventos uses it: schedule by name (replacing a job of the same
/// name), unschedule by name, jobs in cron.job.
const CRON_STAND_IN: &str = "
CREATE SCHEMA cron;
CREATE TABLE cron.job (jobid bigserial PRIMARY KEY, schedule text NOT NULL, command text NOT NULL,
                       jobname text UNIQUE, active boolean NOT NULL DEFAULT true);
CREATE FUNCTION cron.schedule(job_name text, schedule text, command text) RETURNS bigint
LANGUAGE sql AS $$
  INSERT INTO cron.job (jobname, schedule, command) VALUES (job_name, schedule, command)
  ON CONFLICT (jobname) DO UPDATE SET schedule = excluded.schedule, command = excluded.command
  RETURNING jobid
$$;
CREATE FUNCTION cron.unschedule(job_name text) RETURNS boolean
LANGUAGE sql AS $$ WITH d AS (DELETE FROM cron.job WHERE jobname = job_name RETURNING 1) SELECT count(*) > 0 FROM d $$;
-- What Supabase's issue_pg_cron_access event trigger grants the migrating role.
GRANT USAGE ON SCHEMA cron TO postgres WITH GRANT OPTION;
GRANT ALL ON ALL TABLES IN SCHEMA cron TO postgres WITH GRANT OPTION;
GRANT ALL ON ALL SEQUENCES IN SCHEMA cron TO postgres WITH GRANT OPTION;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA cron TO postgres WITH GRANT OPTION;
";

#[test]
fn with_pg_cron_the_migration_schedules_every_job_idempotently_and_rollback_unschedules() {
    let db = TestDb::new(Pg::Vector);
    let root = repo_root();
    db.eventos(&root, &["status", "--supabase-compat"])
        .assert()
        .success();
    let mut c = db.client();
    c.batch_execute(CRON_STAND_IN).unwrap();
    db.migrate_up(&root, &[]);
    let scheduled = rows(
        &mut c,
        "SELECT jobname || ' ' || schedule || ' ' || command FROM cron.job ORDER BY jobname",
    );
    assert_eq!(scheduled.len(), 8, "{scheduled:?}");
    assert!(scheduled.contains(
        &"eventos-seal-audit-log * * * * * SELECT public.run_maintenance_job('eventos-seal-audit-log')"
            .to_string()
    ));
    assert!(
        scheduled
            .iter()
            .all(|s| s.starts_with("eventos-") && s.contains("run_maintenance_job")),
        "{scheduled:?}"
    );
    // Idempotent by name.
    assert_eq!(
        one(&mut c, "SELECT public.register_maintenance_jobs()"),
        "8"
    );
    assert_eq!(one(&mut c, "SELECT count(*) FROM cron.job"), "8");
    // What pg_cron would run works, and is recorded.
    for command in rows(&mut c, "SELECT command FROM cron.job ORDER BY jobname") {
        let result = one(&mut c, &command);
        assert!(result.starts_with("succeeded"), "{command}: {result}");
    }
    assert_eq!(
        one(
            &mut c,
            "SELECT count(*) FROM eventos_private.maintenance_jobs WHERE last_status = 'succeeded'"
        ),
        "8"
    );
    // eventos maintain leaves them to pg_cron; verify has nothing to warn about.
    let out = stdout(&db.eventos(&root, &["maintain"]).assert().success());
    assert_eq!(out.matches("scheduled by pg_cron").count(), 8, "{out}");
    let verify = stdout(&db.eventos(&root, &["verify"]).assert().success());
    assert!(!verify.contains("warn maintenance-jobs"), "{verify}");
    // Rolling back phase 4 unschedules exactly its jobs.
    c.batch_execute("SELECT cron.schedule('someone-else', '0 0 * * *', 'SELECT 1')")
        .unwrap();
    db.migrate_down(&root, 4);
    assert_eq!(
        rows(&mut c, "SELECT jobname FROM cron.job"),
        vec!["someone-else"]
    );
}

#[test]
fn without_pg_cron_eventos_maintain_runs_due_jobs_once_and_verify_warns_about_neglected_ones() {
    let db = TestDb::new(Pg::Vector);
    let root = repo_root();
    db.migrate_up(&root, &[]);
    let mut c = db.client();
    // Fresh: nothing is overdue yet, so verify is quiet.
    let verify = stdout(&db.eventos(&root, &["verify"]).assert().success());
    assert!(!verify.contains("warn maintenance-jobs"), "{verify}");

    let first = stdout(&db.eventos(&root, &["maintain"]).assert().success());
    assert!(first.contains("maintain: 8 jobs run, 0 failed"), "{first}");
    let again = stdout(&db.eventos(&root, &["maintain"]).assert().success());
    assert!(again.contains("maintain: 0 jobs run, 0 failed"), "{again}");
    assert_eq!(again.matches("not due").count(), 8, "{again}");
    let forced = stdout(
        &db.eventos(
            &root,
            &[
                "maintain",
                "--job",
                "eventos-seal-audit-log",
                "--force",
                "--format",
                "json",
            ],
        )
        .assert()
        .success(),
    );
    let json: serde_json::Value = serde_json::from_str(&forced).unwrap();
    let ran: Vec<&str> = json["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["action"] == "ran")
        .map(|j| j["job"].as_str().unwrap())
        .collect();
    assert_eq!(ran, vec!["eventos-seal-audit-log"]);

    let unknown = db
        .eventos(&root, &["maintain", "--job", "eventos-nope"])
        .assert()
        .code(2);
    assert!(stderr(&unknown).contains("no maintenance job named eventos-nope"));

    // A failing job: exit 1, the failure is recorded and verify reports it.
    c.batch_execute(
        "UPDATE eventos_private.maintenance_jobs SET command = 'SELECT 1/0' WHERE name = 'eventos-refresh-analytics'",
    )
    .unwrap();
    let failed = db
        .eventos(
            &root,
            &["maintain", "--job", "eventos-refresh-analytics", "--force"],
        )
        .assert()
        .code(1);
    assert!(stdout(&failed).contains("FAILED"), "{}", stdout(&failed));
    // A job that nobody ran for a day.
    c.batch_execute(
        "UPDATE eventos_private.maintenance_jobs SET last_started_at = now() - interval '1 day', last_finished_at = now() - interval '1 day' WHERE name = 'eventos-expire-orders'",
    )
    .unwrap();
    let verify = stdout(&db.eventos(&root, &["verify"]).assert().success());
    assert!(
        verify.contains(
            "job eventos-expire-orders (00:05:00) is neither scheduled by pg_cron nor run recently"
        ),
        "{verify}"
    );
    assert!(
        verify.contains("job eventos-refresh-analytics's last run failed: division by zero"),
        "{verify}"
    );
}

#[test]
fn log_retention_drops_old_partitions_and_old_default_rows_only() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    let mut c = db.client();
    seed_users(&mut c);
    let (event, _) = seed_event(&mut c, ALICE, "Logs", 5);
    // Partitions of 30 months ago (premade from that reference) and a stray old row.
    c.batch_execute(
        "SELECT count(*) FROM public.create_upcoming_partitions(now() - interval '30 months', 'chatbot_logs')",
    )
    .unwrap();
    c.batch_execute(&format!(
        "INSERT INTO chatbot_logs (conversation_id, event_id, created_at) VALUES
           ('old', '{event}', now() - interval '30 months'), ('stray', '{event}', now() - interval '20 years'),
           ('new', '{event}', now())"
    ))
    .unwrap();
    let before = one(
        &mut c,
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.chatbot_logs'::regclass",
    );
    let dropped = rows(&mut c, "SELECT * FROM public.drop_expired_log_partitions()");
    assert!(dropped.len() >= 4, "{dropped:?}");
    assert!(
        dropped.iter().any(|d| d == "chatbot_logs_default: 1 rows"),
        "{dropped:?}"
    );
    let after = one(
        &mut c,
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.chatbot_logs'::regclass",
    );
    assert!(after.parse::<i64>().unwrap() < before.parse::<i64>().unwrap());
    assert_eq!(
        rows(
            &mut c,
            "SELECT conversation_id FROM chatbot_logs ORDER BY 1"
        ),
        vec!["new"]
    );
    // The current and next periods are never dropped: verify stays clean.
    db.eventos(&repo_root(), &["verify"]).assert().success();
}
