//! Connecting with tokio-postgres, tagging the session, and redacting URLs for display.

use anyhow::{Context, Result};
use tokio_postgres::{Client, Config, NoTls};

/// Connects to `url` (URL or key=value form) as application `eventos`.
pub async fn connect(url: &str) -> Result<Client> {
    let mut config: Config = url
        .parse()
        .with_context(|| format!("invalid database URL {}", redact_url(url)))?;
    if config.get_application_name().is_none() {
        config.application_name("eventos");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    let (client, connection) = config
        .connect(NoTls)
        .await
        .with_context(|| format!("cannot connect to {}", redact_url(url)))?;
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
