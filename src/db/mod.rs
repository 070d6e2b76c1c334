//! Reaching PostgreSQL: connecting with a redacted URL, throwaway clusters, and the Supabase
//! compatibility layer for vanilla servers.

mod backup;
pub mod cluster;
pub mod compat;
mod connect;
pub mod conninfo;
pub mod interrupt;
pub mod lifecycle;
mod lock;
pub mod supabase;
pub mod tls;
pub mod vector_probe;

pub use backup::{Backup, BackupScope};
pub use cluster::{Cluster, PgInstall};
pub use compat::CompatProfile;
pub use connect::{connect, connect_info, redact_url};
pub use conninfo::{ConnInfo, ConnInfoError};
pub use lock::{LockHolder, LockWait, MIGRATION_LOCK_KEY, MigrationLock};

use std::time::Duration;

use anyhow::{Context, Result};
use tokio_postgres::Client;

/// Where a command's database came from, kept alive for as long as the command runs.
pub struct Database {
    /// The connected client.
    pub client: Client,
    /// The URL with any password removed, for messages.
    pub display_url: String,
    /// The parsed connection string, for further connections and child processes.
    info: ConnInfo,
    /// The throwaway cluster, if any; dropping it stops and removes it.
    cluster: Option<Cluster>,
    /// Whether the Supabase compat layer is to be installed.
    install_compat: bool,
    /// Which stand-in the compat layer is.
    profile: CompatProfile,
    /// What happened on the way that the user should read (cluster started, role assumed,
    /// compat layer installed), oldest first; see [`Database::take_notes`].
    notes: Vec<String>,
}

/// How a command wants its database.
#[derive(Debug, Clone)]
pub struct DatabaseRequest {
    /// A URL to connect to, or `None` for a throwaway cluster.
    pub url: Option<String>,
    /// Install the Supabase compatibility layer (forced on for throwaway clusters).
    pub supabase_compat: bool,
    /// Whether the selected phases need pgvector (steers the choice of binaries).
    pub needs_vector: bool,
    /// Which stand-in the compat layer (and a throwaway cluster) is.
    pub profile: CompatProfile,
}

impl Database {
    /// Connects (or starts a throwaway cluster) and installs the compat layer when asked.
    pub async fn open(request: &DatabaseRequest) -> Result<Database> {
        let mut db = Database::connect(request).await?;
        db.install_compat_if_requested().await?;
        Ok(db)
    }

    /// Connects (or starts a throwaway cluster) without changing anything yet, so a caller can
    /// take the migration lock before [`Database::install_compat_if_requested`].
    pub async fn connect(request: &DatabaseRequest) -> Result<Database> {
        let mut notes = Vec::new();
        let (info, cluster) = match &request.url {
            Some(url) => (ConnInfo::parse_with_env(url)?, None),
            None => {
                let install = PgInstall::find(request.needs_vector).await?;
                let cluster = Cluster::start_with(install, request.profile).await?;
                if cluster.removed_stale() > 0 {
                    notes.push(format!(
                        "ephemeral: removed {} throwaway cluster folder(s) left by eventos runs that were killed",
                        cluster.removed_stale()
                    ));
                }
                notes.push(cluster.describe());
                (ConnInfo::parse(&cluster.url("postgres"))?, Some(cluster))
            }
        };
        interrupt::check()?;
        let client = connect_info(&info).await?;
        let install_compat = request.supabase_compat || cluster.is_some();
        let mut db = Database {
            client,
            display_url: info.redacted(),
            info,
            cluster,
            install_compat,
            profile: request.profile,
            notes,
        };
        // A database that has the profile already (or a real Supabase one) is worked on as
        // `postgres` by every command, not only by those that install it.
        if db.runs_as_migrating_role() && compat::auth_schema_present(&db.client).await? {
            db.become_migrating_role().await?;
        }
        Ok(db)
    }

    /// Whether this run's changes are to be made as the non-superuser `postgres`.
    fn runs_as_migrating_role(&self) -> bool {
        self.install_compat && self.profile == CompatProfile::Supabase
    }

    /// Switches a superuser session to `postgres` (see [`compat::assume_migrating_role`]).
    async fn become_migrating_role(&mut self) -> Result<()> {
        if let Some(line) = compat::assume_migrating_role(&self.client).await? {
            self.notes.push(line);
        }
        Ok(())
    }

    /// The notes gathered since the last call, for the command to show.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Installs the Supabase compatibility layer if the request (or a throwaway cluster) wants
    /// it; with the Supabase profile the session then runs as the non-superuser `postgres`.
    pub async fn install_compat_if_requested(&mut self) -> Result<()> {
        if !self.install_compat {
            return Ok(());
        }
        let outcome = match &self.cluster {
            // The session is `postgres` already; the bootstrap needs the cluster's superuser.
            Some(cluster) => {
                let admin = connect(&cluster.admin_url("postgres")).await?;
                compat::install(&admin, self.profile).await?
            }
            None => compat::install(&self.client, self.profile).await?,
        };
        self.notes.push(outcome.to_string());
        if self.runs_as_migrating_role() {
            self.become_migrating_role().await?;
        }
        Ok(())
    }

    /// Whether [`Database::install_compat_if_requested`] would install the compat layer.
    pub fn wants_compat(&self) -> bool {
        self.install_compat
    }

    /// A second connection to the same database.
    pub async fn reconnect(&self) -> Result<Client> {
        connect_info(&self.info).await
    }

    /// Runs `work` holding the migration lock (waiting at most `wait`, each wait reported to
    /// `on_wait`), then releases the lock, after a failure too. A failed release never hides
    /// the work's own error: it is returned only when the work succeeded (the server frees a
    /// session's advisory locks when the session ends anyway).
    pub async fn with_lock<T>(
        &mut self,
        wait: Duration,
        on_wait: &mut dyn FnMut(LockWait<'_>),
        work: impl AsyncFnOnce(&mut Database, &MigrationLock) -> Result<T>,
    ) -> Result<T> {
        let lock = MigrationLock::acquire(&self.client, wait, on_wait).await?;
        let outcome = work(self, &lock).await;
        let released = lock
            .release(&self.client)
            .await
            .context("releasing the migration lock");
        let value = outcome?;
        released?;
        Ok(value)
    }

    /// Whether this database is a throwaway cluster.
    pub fn is_ephemeral(&self) -> bool {
        self.cluster.is_some()
    }
}
