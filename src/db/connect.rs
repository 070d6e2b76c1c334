//! Connecting with tokio-postgres: the connection string parsed once ([`ConnInfo`]), each host
//! tried in libpq's order with TLS through rustls (see [`super::tls`]) except on Unix-domain
//! sockets, the session tagged `application_name=eventos` and registered for interrupts
//! ([`super::interrupt`]). Every string shown is [`ConnInfo::redacted`].

use std::sync::Arc;

use anyhow::{Result, anyhow};
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, NoTls, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::conninfo::{ConnInfo, HostTarget};
use super::interrupt;
use super::tls::{SslMode, client_config};

/// Connects to `url` (URL or key=value form, libpq's environment variables filling the gaps).
pub async fn connect(url: &str) -> Result<Client> {
    connect_info(&ConnInfo::parse_with_env(url)?).await
}

/// Connects to the first host of `info` that accepts, as libpq does.
pub async fn connect_info(info: &ConnInfo) -> Result<Client> {
    let tls = info.tls_settings();
    let mut rustls = None;
    let mut failures = Vec::new();
    for target in info.host_targets() {
        let result = if target.unix_socket || tls.mode == SslMode::Disable {
            connect_with(&target.config, NoTls, None).await
        } else {
            let config = match &rustls {
                Some(config) => Arc::clone(config),
                None => Arc::clone(rustls.insert(Arc::new(client_config(&tls)?))),
            };
            let maker = MakeRustlsConnect::new((*config).clone());
            connect_with(&target.config, maker, Some(config)).await
        };
        match result {
            Ok(client) => return Ok(client),
            Err(err) => failures.push((describe_host(&target), error_chain(&err))),
        }
    }
    let shown = info.redacted();
    Err(match failures.as_slice() {
        [(host, only)] => anyhow!("cannot connect to {shown} ({host}): {only}"),
        all => anyhow!(
            "cannot connect to {shown}:\n{}",
            all.iter()
                .map(|(host, err)| format!("  {host}: {err}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    })
}

/// Connects with `tls`, drives the connection in the background and registers the session for
/// interrupts until the connection ends.
async fn connect_with<T>(
    config: &tokio_postgres::Config,
    tls: T,
    tls_config: Option<Arc<rustls::ClientConfig>>,
) -> Result<Client, tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket> + 'static,
    T::Stream: Send + 'static,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let (client, connection) = config.connect(tls).await?;
    let (registered_tx, registered_rx) = tokio::sync::oneshot::channel::<u64>();
    tokio::spawn(async move {
        // The error surfaces on the next query; nothing to do here.
        let _ = connection.await;
        if let Ok(id) = registered_rx.await {
            interrupt::unregister(id);
        }
    });
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .await?
        .get(0);
    let id = interrupt::register(pid, client.cancel_token(), config, tls_config);
    let _ = registered_tx.send(id);
    Ok(client)
}

/// `host:port` or the socket path, for a failure line.
fn describe_host(target: &HostTarget) -> String {
    let port = target.config.get_ports().first().copied().unwrap_or(5432);
    match target.config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => format!("host {host} port {port}"),
        Some(tokio_postgres::config::Host::Unix(dir)) => {
            format!("socket {}/.s.PGSQL.{port}", dir.display())
        }
        None => "no host".into(),
    }
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut current = err.source();
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// The connection string for messages: the password replaced by `***`; a string that does not
/// parse is not shown at all.
pub fn redact_url(url: &str) -> String {
    match ConnInfo::parse(url) {
        Ok(info) => info.redacted(),
        Err(_) => "<connection string not shown: it does not parse>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_survive() {
        assert_eq!(
            redact_url("postgresql://postgres:s3cr3t@db.example.supabase.co:5432/postgres"),
            "postgresql://postgres:***@db.example.supabase.co:5432/postgres"
        );
        assert_eq!(
            redact_url("postgres://u@h/db?sslmode=require&password=s3cr3t"),
            "postgres://u@h/db?sslmode=require&password=***"
        );
        assert_eq!(
            redact_url("host=h user=u password=s3cr3t dbname=d"),
            "host=h user=u password=*** dbname=d"
        );
        assert!(!redact_url("postgres://u:p%40ss@h/d").contains("p%40ss"));
        assert!(!redact_url("postgres:/u:s3cr3t@h/d").contains("s3cr3t"));
    }
}
