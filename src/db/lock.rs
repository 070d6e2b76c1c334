//! The session-level advisory lock that serialises every eventos run that changes a database.

use std::fmt;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use tokio_postgres::Client;

use super::interrupt;

/// The advisory lock key: the bytes of "eventos" as a bigint.
pub const MIGRATION_LOCK_KEY: i64 = 0x0065_7665_6e74_6f73;

/// How often a waiting run reports that it is still waiting.
const REPORT_EVERY: Duration = Duration::from_secs(5);

/// Proof that this session holds the migration lock; release it with [`MigrationLock::release`].
#[derive(Debug)]
pub struct MigrationLock {
    _private: (),
}

/// The session holding the migration lock, from `pg_locks` and `pg_stat_activity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// Its backend pid.
    pub pid: i32,
    /// Its `application_name`.
    pub application_name: String,
    /// When it connected.
    pub backend_start: String,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} (application_name '{}', connected since {})",
            self.pid, self.application_name, self.backend_start
        )
    }
}

/// What a run reports while it waits for the lock.
#[derive(Debug, Clone)]
pub enum LockWait<'a> {
    /// The lock is taken; reported at once and then every few seconds.
    Waiting {
        /// Who holds it (`None` when it was released between the two queries).
        holder: Option<&'a LockHolder>,
        /// How long this run has waited so far.
        waited: Duration,
        /// How long it will wait in all.
        limit: Duration,
    },
    /// The lock was taken after waiting this long.
    Acquired(Duration),
}

impl MigrationLock {
    /// Polls `pg_try_advisory_lock` until it succeeds or `wait` passes (then fails naming the
    /// holder), reporting the wait to `on_wait`; an interrupt stops the wait.
    pub async fn acquire(
        client: &Client,
        wait: Duration,
        on_wait: &mut dyn FnMut(LockWait<'_>),
    ) -> Result<MigrationLock> {
        let started = Instant::now();
        let deadline = started + wait;
        let mut pause = Duration::from_millis(50);
        let mut next_report = started;
        loop {
            interrupt::check()?;
            let row = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
                .await?;
            if row.get::<_, bool>(0) {
                if next_report > started {
                    on_wait(LockWait::Acquired(started.elapsed()));
                }
                return Ok(MigrationLock { _private: () });
            }
            let now = Instant::now();
            if now >= deadline {
                let holder = holder(client).await?;
                bail!("{}", timeout_message(holder.as_ref(), wait));
            }
            if now >= next_report {
                let holder = holder(client).await?;
                on_wait(LockWait::Waiting {
                    holder: holder.as_ref(),
                    waited: started.elapsed(),
                    limit: wait,
                });
                next_report = now.max(started) + REPORT_EVERY;
            }
            let sleep = pause.min(deadline.saturating_duration_since(Instant::now()));
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                interrupted = interrupt::wait() => return Err(interrupted.into()),
            }
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

/// The session holding the lock in this database, if any.
async fn holder(client: &Client) -> Result<Option<LockHolder>> {
    let row = client
        .query_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.backend_start::text, '?')
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND ((l.classid::bigint << 32) | l.objid::bigint) = $1
             LIMIT 1",
            &[&MIGRATION_LOCK_KEY],
        )
        .await?;
    Ok(row.map(|row| LockHolder {
        pid: row.get(0),
        application_name: row.get(1),
        backend_start: row.get(2),
    }))
}

fn timeout_message(holder: Option<&LockHolder>, waited: Duration) -> String {
    let holder = holder.map_or("another session".to_string(), ToString::to_string);
    format!(
        "another eventos run holds the migration lock: {holder}; gave up after {}s\n\
         help: wait for it to finish, raise --lock-wait, or end that session with pg_terminate_backend(pid)",
        waited.as_secs()
    )
}
