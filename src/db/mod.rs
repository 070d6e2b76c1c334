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
pub mod tls;

pub use backup::Backup;
pub use cluster::{Cluster, PgInstall};
pub use connect::{connect, connect_info, redact_url};
pub use conninfo::{ConnInfo, ConnInfoError};
pub use lock::{LockHolder, LockWait, MIGRATION_LOCK_KEY, MigrationLock};

use anyhow::Result;
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
}

impl Database {
    /// Connects (or starts a throwaway cluster) and installs the compat layer when asked.
    pub async fn open(request: &DatabaseRequest) -> Result<Database> {
        let db = Database::connect(request).await?;
        db.install_compat_if_requested().await?;
        Ok(db)
    }

    /// Connects (or starts a throwaway cluster) without changing anything yet, so a caller can
    /// take the migration lock before [`Database::install_compat_if_requested`].
    pub async fn connect(request: &DatabaseRequest) -> Result<Database> {
        let (info, cluster) = match &request.url {
            Some(url) => (ConnInfo::parse_with_env(url)?, None),
            None => {
                let cluster = Cluster::start(request.needs_vector).await?;
                eprintln!("{}", cluster.describe());
                (ConnInfo::parse(&cluster.url("postgres"))?, Some(cluster))
            }
        };
        interrupt::check()?;
        let client = connect_info(&info).await?;
        let install_compat = request.supabase_compat || cluster.is_some();
        Ok(Database {
            client,
            display_url: info.redacted(),
            info,
            cluster,
            install_compat,
        })
    }

    /// Installs the Supabase compatibility layer if the request (or a throwaway cluster) wants it.
    pub async fn install_compat_if_requested(&self) -> Result<()> {
        if self.install_compat {
            let outcome = compat::install(&self.client).await?;
            eprintln!("{outcome}");
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

    /// Whether this database is a throwaway cluster.
    pub fn is_ephemeral(&self) -> bool {
        self.cluster.is_some()
    }
}
