//! The lifecycle of throwaway clusters' files and processes, so none outlives its eventos run:
//!
//! - each cluster folder records its owner (`eventos-owner`: pid, process start time, boot id),
//!   and every cluster start first removes the folders of owners that are gone (`kill -9`,
//!   power loss), stopping a server still running in one;
//! - child processes (initdb, the server) run in their own process group (a terminal's Ctrl-C
//!   reaches eventos only, which then cleans up in order), die with eventos through
//!   `PR_SET_PDEATHSIG`, and initdb's whole group is killed when its run is abandoned;
//! - the folder is removed when its guard drops, retrying while the last processes exit.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::interrupt;

/// The owner record's file name inside a cluster folder.
pub const OWNER_FILE: &str = "eventos-owner";
/// The prefix of every cluster folder.
pub const FOLDER_PREFIX: &str = "eventos-pg-";

/// A process identity that survives pid reuse: pid, start time since boot, boot id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The process id.
    pub pid: u32,
    /// `/proc/<pid>/stat` field 22 (clock ticks since boot).
    pub start_time: u64,
    /// `/proc/sys/kernel/random/boot_id`.
    pub boot_id: String,
}

impl Owner {
    /// This process.
    pub fn current() -> Option<Owner> {
        let pid = std::process::id();
        Some(Owner {
            pid,
            start_time: start_time(pid)?,
            boot_id: boot_id()?,
        })
    }

    fn render(&self) -> String {
        format!(
            "pid={}\nstart_time={}\nboot_id={}\n",
            self.pid, self.start_time, self.boot_id
        )
    }

    fn parse(text: &str) -> Option<Owner> {
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
                .map(str::trim)
        };
        Some(Owner {
            pid: field("pid")?.parse().ok()?,
            start_time: field("start_time")?.parse().ok()?,
            boot_id: field("boot_id")?.to_string(),
        })
    }

    /// Whether this very process is still running.
    pub fn is_alive(&self) -> bool {
        boot_id().as_deref() == Some(self.boot_id.as_str())
            && start_time(self.pid) == Some(self.start_time)
    }
}

fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 2 (comm) is parenthesised and may hold spaces; field 22 is the 20th after it.
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.split_whitespace().nth(19)?.parse().ok()
}

fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_string())
}

/// A cluster folder, removed (with everything in it) when dropped.
#[derive(Debug)]
pub struct ClusterDir {
    path: PathBuf,
}

impl ClusterDir {
    /// Creates `<base>/eventos-pg-XXXXXX` and records this process as its owner.
    pub fn create(base: &Path) -> Result<ClusterDir> {
        let path = tempfile::Builder::new()
            .prefix(FOLDER_PREFIX)
            .tempdir_in(base)
            .context("creating the throwaway cluster's folder")?
            .keep();
        let dir = ClusterDir { path };
        if let Some(owner) = Owner::current() {
            std::fs::write(dir.path.join(OWNER_FILE), owner.render())
                .context("recording the throwaway cluster's owner")?;
        }
        Ok(dir)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ClusterDir {
    fn drop(&mut self) {
        remove_with_retries(&self.path);
    }
}

/// Removes a folder, retrying while processes that are exiting still write into it.
fn remove_with_retries(path: &Path) {
    for _ in 0..20 {
        match std::fs::remove_dir_all(path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => return,
        }
    }
}

/// Removes the cluster folders under `bases` whose owner is gone, stopping a server still
/// running in one; returns how many were removed. Folders without an owner record (another
/// program's, or one being created this instant) are left alone.
pub fn remove_stale_clusters(bases: &[PathBuf]) -> usize {
    let mut removed = 0;
    let mut seen = Vec::new();
    for base in bases {
        let Ok(canonical) = base.canonicalize() else {
            continue;
        };
        if seen.contains(&canonical) {
            continue;
        }
        seen.push(canonical.clone());
        let Ok(entries) = std::fs::read_dir(&canonical) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_cluster = entry
                .file_name()
                .to_string_lossy()
                .starts_with(FOLDER_PREFIX)
                && entry.file_type().is_ok_and(|t| t.is_dir());
            if !is_cluster {
                continue;
            }
            let owner = std::fs::read_to_string(path.join(OWNER_FILE))
                .ok()
                .and_then(|text| Owner::parse(&text));
            if owner.is_some_and(|o| !o.is_alive()) {
                stop_leftover_server(&path);
                remove_with_retries(&path);
                removed += usize::from(!path.exists());
            }
        }
    }
    removed
}

/// Stops the postmaster of a stale folder, if one still runs from it.
fn stop_leftover_server(dir: &Path) {
    let Some(pid) = std::fs::read_to_string(dir.join("data/postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next()?.trim().parse::<i32>().ok())
    else {
        return;
    };
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    if !String::from_utf8_lossy(&cmdline).contains(&*dir.to_string_lossy()) {
        return;
    }
    unsafe { libc::kill(pid, libc::SIGQUIT) };
    let deadline = Instant::now() + Duration::from_secs(5);
    while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

/// Makes `cmd` a child that cannot outlive eventos: its own process group, and
/// `PR_SET_PDEATHSIG` (set after the uid change, which would clear it).
pub fn bind_to_eventos(cmd: &mut Command, death_signal: i32) {
    cmd.process_group(0);
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, death_signal);
            Ok(())
        });
    }
}

/// Runs `cmd` to completion like [`Command::output`], without blocking the runtime; if the
/// future is dropped or an interrupt arrives, its whole process group is killed.
pub async fn run_to_completion(mut cmd: Command) -> Result<Output> {
    let stdout = tempfile::tempfile()?;
    let stderr = tempfile::tempfile()?;
    bind_to_eventos(&mut cmd, libc::SIGKILL);
    cmd.stdout(stdout.try_clone()?).stderr(stderr.try_clone()?);
    let mut child = GroupGuard(Some(cmd.spawn()?));
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            interrupted = interrupt::wait() => return Err(interrupted.into()),
        }
    };
    child.disarm();
    let read = |mut file: std::fs::File| -> std::io::Result<Vec<u8>> {
        use std::io::{Read, Seek};
        let mut bytes = Vec::new();
        file.rewind()?;
        file.read_to_end(&mut bytes)?;
        Ok(bytes)
    };
    Ok(Output {
        status,
        stdout: read(stdout)?,
        stderr: read(stderr)?,
    })
}

/// Kills a child's process group unless disarmed.
struct GroupGuard(Option<Child>);

impl GroupGuard {
    /// The child's status once it exited.
    fn try_wait(&mut self) -> std::io::Result<Option<std::process::ExitStatus>> {
        match &mut self.0 {
            Some(child) => child.try_wait(),
            None => Ok(None),
        }
    }

    /// The child exited by itself: nothing to kill.
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            unsafe { libc::killpg(child.id() as libc::pid_t, libc::SIGKILL) };
            let _ = child.wait();
        }
    }
}
