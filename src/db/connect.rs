//! Connecting with tokio-postgres (TLS through rustls, see [`super::tls`]), tagging the
//! session, and redacting URLs for display.

use anyhow::{Context, Result};
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, Config, NoTls, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::{SslMode, client_config, split_tls_settings};

/// Connects to `url` (URL or key=value form) as application `eventos`, with TLS per `sslmode`.
pub async fn connect(url: &str) -> Result<Client> {
    let invalid = || format!("invalid database URL {}", redact_url(url));
    let (driver_url, tls) = split_tls_settings(url).with_context(invalid)?;
    let mut config: Config = driver_url.parse().with_context(invalid)?;
    if config.get_application_name().is_none() {
        config.application_name("eventos");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    let connected = match tls.mode {
        SslMode::Disable => connect_with(&config, NoTls).await,
        _ => connect_with(&config, MakeRustlsConnect::new(client_config(&tls)?)).await,
    };
    connected.with_context(|| format!("cannot connect to {}", redact_url(url)))
}

/// Connects with `tls` and drives the connection in the background.
async fn connect_with<T>(config: &Config, tls: T) -> Result<Client, tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket> + 'static,
    T::Stream: Send + 'static,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let (client, connection) = config.connect(tls).await?;
    tokio::spawn(async move {
        // The error surfaces on the next query; nothing to do here.
        let _ = connection.await;
    });
    Ok(client)
}

/// Replaces the password of a `postgres://` URL or a `password=` key with `***`.
pub fn redact_url(url: &str) -> String {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return match url::Url::parse(url) {
            Ok(mut parsed) => {
                if parsed.password().is_some() {
                    let _ = parsed.set_password(Some("***"));
                }
                redact_query_password(parsed.as_str())
            }
            Err(_) => "<unparseable URL>".to_string(),
        };
    }
    url.split_whitespace()
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `?password=` in a URL's query string is also a password.
fn redact_query_password(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
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
    }
}
