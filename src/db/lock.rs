//! The session-level advisory lock that serialises every eventos run that changes a database.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use tokio_postgres::Client;

/// The advisory lock key: the bytes of "eventos" as a bigint.
pub const MIGRATION_LOCK_KEY: i64 = 0x0065_7665_6e74_6f73;

/// Proof that this session holds the migration lock; release it with [`MigrationLock::release`].
#[derive(Debug)]
pub struct MigrationLock {
    _private: (),
}

impl MigrationLock {
    /// Polls `pg_try_advisory_lock` until it succeeds or `wait` passes; then fails naming the holder.
    pub async fn acquire(client: &Client, wait: Duration) -> Result<MigrationLock> {
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(50);
        loop {
            let row = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
                .await?;
            if row.get::<_, bool>(0) {
                return Ok(MigrationLock { _private: () });
            }
            if Instant::now() >= deadline {
                bail!("{}", describe_holder(client, wait).await?);
            }
            tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }

    /// Releases the lock.
    pub async fn release(self, client: &Client) -> Result<()> {
        client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
            .await?;
        Ok(())
    }
}

async fn describe_holder(client: &Client, waited: Duration) -> Result<String> {
    let rows = client
        .query(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.backend_start::text, '?')
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND ((l.classid::bigint << 32) | l.objid::bigint) = $1",
            &[&MIGRATION_LOCK_KEY],
        )
        .await?;
    let holder = match rows.first() {
        Some(row) => format!(
            "pid {} (application_name '{}', connected since {})",
            row.get::<_, i32>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2)
        ),
        None => "another session".to_string(),
    };
    Ok(format!(
        "another eventos run holds the migration lock: {holder}; gave up after {}s\n\
         help: wait for it to finish, raise --lock-wait, or end that session with pg_terminate_backend(pid)",
        waited.as_secs()
    ))
}
