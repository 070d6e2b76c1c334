//! Interrupts (SIGINT, SIGTERM, SIGHUP): the process-wide request, and every open database
//! session, so that an interrupt cancels the running statements server-side (a cancel request,
//! as psql sends on Ctrl-C) and, should one not stop, terminates its backend from a fresh
//! connection. Long waits select on [`wait`]; steps between statements call [`check`].

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_postgres::{CancelToken, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

static REQUESTED: AtomicI32 = AtomicI32::new(0);
static NOTIFY: tokio::sync::Notify = tokio::sync::Notify::const_new();
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static SESSIONS: Mutex<Vec<Session>> = Mutex::new(Vec::new());

/// How long a cancel request or a terminating connection may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

/// A command stopped because of an interrupt (the signal number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted by {}", signal_name(*.0))]
pub struct Interrupted(pub i32);

/// `SIGINT`, `SIGTERM`, `SIGHUP` or the number.
pub fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGINT => "SIGINT".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGHUP => "SIGHUP".into(),
        other => format!("signal {other}"),
    }
}

/// Records an interrupt and wakes every [`wait`]er.
pub fn request(signal: i32) {
    REQUESTED.store(signal, Ordering::SeqCst);
    NOTIFY.notify_waiters();
}

/// The signal that interrupted this process, if any.
pub fn requested() -> Option<i32> {
    match REQUESTED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// `Err` once an interrupt was requested: call between steps that change the database.
pub fn check() -> Result<(), Interrupted> {
    requested().map_or(Ok(()), |signal| Err(Interrupted(signal)))
}

/// Resolves when an interrupt is requested (at once if one already was).
pub async fn wait() -> Interrupted {
    loop {
        let notified = NOTIFY.notified();
        if let Some(signal) = requested() {
            return Interrupted(signal);
        }
        notified.await;
    }
}

/// An open connection of this process.
#[derive(Clone)]
struct Session {
    id: u64,
    backend_pid: i32,
    token: CancelToken,
    config: tokio_postgres::Config,
    tls: Option<Arc<rustls::ClientConfig>>,
}

/// Remembers an open session until [`unregister`]; `tls` is the configuration it connected with.
pub(super) fn register(
    backend_pid: i32,
    token: CancelToken,
    config: &tokio_postgres::Config,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> u64 {
    let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
    let session = Session {
        id,
        backend_pid,
        token,
        config: config.clone(),
        tls,
    };
    SESSIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(session);
    id
}

/// Forgets a session whose connection ended.
pub(super) fn unregister(id: u64) {
    SESSIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|s| s.id != id);
}

/// Backend pids of the sessions still open.
pub fn open_backends() -> Vec<i32> {
    sessions().iter().map(|s| s.backend_pid).collect()
}

fn sessions() -> Vec<Session> {
    SESSIONS.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Sends a cancel request for the running statement of every open session; returns how many
/// were sent.
pub async fn cancel_running() -> usize {
    let mut sent = 0;
    for Session { token, tls, .. } in sessions() {
        let request = async {
            match tls {
                Some(config) => {
                    token
                        .cancel_query(MakeRustlsConnect::new((*config).clone()))
                        .await
                }
                None => token.cancel_query(NoTls).await,
            }
        };
        if matches!(
            tokio::time::timeout(REQUEST_TIMEOUT, request).await,
            Ok(Ok(()))
        ) {
            sent += 1;
        }
    }
    sent
}

/// Ends the backends of sessions that are still open with `pg_terminate_backend`, each from a
/// fresh connection to its server; returns the pids ended.
pub async fn terminate_remaining() -> Vec<i32> {
    let mut ended = Vec::new();
    for Session {
        backend_pid: pid,
        config,
        tls,
        ..
    } in sessions()
    {
        let run = async {
            let client = match tls {
                Some(tls) => connect_quietly(&config, MakeRustlsConnect::new((*tls).clone())).await,
                None => connect_quietly(&config, NoTls).await,
            }?;
            client
                .query_one("SELECT pg_terminate_backend($1)", &[&pid])
                .await
                .map(|row| row.get::<_, bool>(0))
        };
        if let Ok(Ok(true)) = tokio::time::timeout(REQUEST_TIMEOUT, run).await {
            ended.push(pid);
        }
    }
    ended
}

async fn connect_quietly<T>(
    config: &tokio_postgres::Config,
    tls: T,
) -> Result<tokio_postgres::Client, tokio_postgres::Error>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + 'static,
    T::Stream: Send + 'static,
{
    let (client, connection) = config.connect(tls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}
