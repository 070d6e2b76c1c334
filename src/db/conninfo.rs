//! Connection strings as libpq reads them — `postgresql://` URLs and `key=value` pairs — parsed
//! once into keyword/value pairs, so that eventos connects with, displays, and hands a child
//! process (`pg_dump`) exactly the same settings.
//!
//! The grammar is libpq's (`fe-connect.c`): the user part of a URL ends at the first `@` before
//! any `/`; hosts and ports are comma lists; every URL component and query key is
//! percent-decoded; `ssl=true` means `sslmode=require`; in `key=value` form, whitespace may
//! surround `=`, values may be single-quoted with `\'` and `\\` escapes, and later keys win.
//! Keys libpq does not know are refused, as libpq does. Settings the string leaves out come from
//! libpq's environment variables (`PGHOST`, `PGPASSWORD`, …).
//!
//! eventos is stricter or more lenient than libpq in three places, all documented in
//! docs/migrate.md: surrounding whitespace is ignored; the URL scheme is matched without regard
//! to case (RFC 3986); and an `@` left in the host or database part of a URL (an unencoded `@`
//! in a password) is refused, because the rest of the password would otherwise be shown as a
//! host name.
//!
//! Errors never contain any part of the string except the names of known keys: a string that
//! does not parse may hold a password anywhere.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::tls::{SslMode, TlsSettings};

/// Keys whose values are secrets: never displayed.
const SECRET_KEYS: &[&str] = &[
    "password",
    "sslpassword",
    "scram_client_key",
    "scram_server_key",
    "oauth_client_secret",
];

/// Every keyword libpq (PostgreSQL 18) accepts; the first column of `eventos`'s support.
const LIBPQ_KEYS: &[(&str, Support)] = &[
    ("host", Support::Yes),
    ("hostaddr", Support::Yes),
    ("port", Support::Yes),
    ("dbname", Support::Yes),
    ("user", Support::Yes),
    ("password", Support::Yes),
    ("options", Support::Yes),
    ("application_name", Support::Yes),
    ("fallback_application_name", Support::Yes),
    ("connect_timeout", Support::Yes),
    ("tcp_user_timeout", Support::Yes),
    ("keepalives", Support::Yes),
    ("keepalives_idle", Support::Yes),
    ("keepalives_interval", Support::Yes),
    ("keepalives_count", Support::Yes),
    ("target_session_attrs", Support::Yes),
    ("channel_binding", Support::Yes),
    ("load_balance_hosts", Support::Yes),
    ("sslmode", Support::Yes),
    ("sslnegotiation", Support::Yes),
    ("sslrootcert", Support::Yes),
    ("client_encoding", Support::Yes),
    ("gssencmode", Support::Yes),
    ("sslcompression", Support::Ignored),
    ("sslsni", Support::Ignored),
    (
        "passfile",
        Support::No("password files; put the password in the URL or PGPASSWORD"),
    ),
    ("service", Support::No("service files")),
    ("sslcert", Support::No("client certificates")),
    ("sslkey", Support::No("client certificates")),
    ("sslpassword", Support::No("client certificates")),
    ("sslcertmode", Support::No("client certificates")),
    ("sslcrl", Support::No("certificate revocation lists")),
    ("sslcrldir", Support::No("certificate revocation lists")),
    (
        "ssl_min_protocol_version",
        Support::No("TLS version limits"),
    ),
    (
        "ssl_max_protocol_version",
        Support::No("TLS version limits"),
    ),
    (
        "min_protocol_version",
        Support::No("protocol version limits"),
    ),
    (
        "max_protocol_version",
        Support::No("protocol version limits"),
    ),
    ("requirepeer", Support::No("peer checks")),
    ("require_auth", Support::No("authentication method limits")),
    ("krbsrvname", Support::No("Kerberos/GSSAPI")),
    ("gsslib", Support::No("Kerberos/GSSAPI")),
    ("gssdelegation", Support::No("Kerberos/GSSAPI")),
    ("replication", Support::No("replication connections")),
    ("scram_client_key", Support::No("SCRAM pass-through keys")),
    ("scram_server_key", Support::No("SCRAM pass-through keys")),
    ("oauth_issuer", Support::No("OAuth")),
    ("oauth_client_id", Support::No("OAuth")),
    ("oauth_client_secret", Support::No("OAuth")),
    ("oauth_scope", Support::No("OAuth")),
];

/// libpq's environment variables for the keys eventos supports.
const ENV_DEFAULTS: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("hostaddr", "PGHOSTADDR"),
    ("port", "PGPORT"),
    ("dbname", "PGDATABASE"),
    ("user", "PGUSER"),
    ("password", "PGPASSWORD"),
    ("options", "PGOPTIONS"),
    ("application_name", "PGAPPNAME"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("target_session_attrs", "PGTARGETSESSIONATTRS"),
    ("channel_binding", "PGCHANNELBINDING"),
    ("load_balance_hosts", "PGLOADBALANCEHOSTS"),
    ("sslmode", "PGSSLMODE"),
    ("sslnegotiation", "PGSSLNEGOTIATION"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("client_encoding", "PGCLIENTENCODING"),
    ("gssencmode", "PGGSSENCMODE"),
];

/// Where libpq looks for a Unix socket when no host is given (Debian's default first).
const DEFAULT_SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/tmp"];

/// How eventos handles a libpq keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Support {
    /// Used.
    Yes,
    /// Accepted and ignored (libpq ignores it too, or rustls decides).
    Ignored,
    /// Refused with the feature's name.
    No(&'static str),
}

/// Why a connection string was refused. The message names at most a known key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnInfoError {
    /// Neither a `postgresql://` URL nor `key=value` pairs.
    NotAConnectionString(&'static str),
    /// A structural problem (quote, percent-encoding, separators).
    Malformed(&'static str),
    /// A key libpq does not know; the key is named only when it is close to a real one.
    UnknownKey {
        /// The real key it resembles, if any.
        suggestion: Option<&'static str>,
        /// The key as written, when it is safe to show (it resembles a real key).
        written: Option<String>,
    },
    /// A key libpq knows but eventos does not support.
    Unsupported {
        /// The key.
        key: &'static str,
        /// The feature it belongs to.
        feature: &'static str,
    },
    /// A value that is not valid for its key.
    InvalidValue {
        /// The key.
        key: &'static str,
        /// What is accepted.
        expected: &'static str,
    },
}

impl fmt::Display for ConnInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnInfoError::NotAConnectionString(hint) => write!(
                f,
                "the database URL is neither a postgresql:// URL nor key=value pairs{hint}"
            )?,
            ConnInfoError::Malformed(what) => write!(f, "the database URL is malformed: {what}")?,
            ConnInfoError::UnknownKey {
                suggestion,
                written,
            } => {
                match written {
                    Some(key) => write!(f, "the database URL has an unknown parameter `{key}`")?,
                    None => write!(f, "the database URL has an unknown parameter")?,
                }
                if let Some(real) = suggestion {
                    write!(
                        f,
                        "; did you mean `{real}`? (parameter names are lowercase)"
                    )?;
                }
            }
            ConnInfoError::Unsupported { key, feature } => write!(
                f,
                "the database URL sets `{key}`, but eventos does not support {feature}"
            )?,
            ConnInfoError::InvalidValue { key, expected } => write!(
                f,
                "the database URL has an invalid value for `{key}` (expected {expected})"
            )?,
        }
        write!(
            f,
            "\nnote: the string itself is not shown, as it may contain a password"
        )
    }
}

impl std::error::Error for ConnInfoError {}

/// Which syntax a string used; displays keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `postgresql://…` or `postgres://…` (the scheme as written, lowercased).
    Url(&'static str),
    /// `key=value …`
    Pairs,
}

/// Where a setting came from: which part of a URL, a key=value pair, or the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    UserInfo,
    NetLoc,
    Path,
    Query,
    Pair,
    Env,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Param {
    key: &'static str,
    value: String,
    origin: Origin,
}

/// A parsed connection string.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnInfo {
    form: Form,
    params: Vec<Param>,
}

impl fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// One host to try, in order: its tokio-postgres configuration and whether TLS applies.
#[derive(Debug, Clone)]
pub struct HostTarget {
    /// The driver configuration for this host only.
    pub config: tokio_postgres::Config,
    /// `true` for a Unix-domain socket, where libpq ignores `sslmode`.
    pub unix_socket: bool,
}

impl ConnInfo {
    /// Parses `text` (URL or key=value) without looking at the environment.
    pub fn parse(text: &str) -> Result<ConnInfo, ConnInfoError> {
        let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let info = match strip_scheme(text) {
            Some((scheme, rest)) => {
                let mut info = ConnInfo {
                    form: Form::Url(scheme),
                    params: Vec::new(),
                };
                parse_url(rest, &mut info)?;
                info
            }
            None => {
                let mut info = ConnInfo {
                    form: Form::Pairs,
                    params: Vec::new(),
                };
                parse_pairs(text, &mut info).map_err(|err| not_a_string_hint(text, err))?;
                info
            }
        };
        info.validate()?;
        Ok(info)
    }

    /// Parses `text` and fills what it leaves out from libpq's environment variables.
    pub fn parse_with_env(text: &str) -> Result<ConnInfo, ConnInfoError> {
        let mut info = ConnInfo::parse(text)?;
        info.fill_from(|name| std::env::var(name).ok())?;
        Ok(info)
    }

    /// Fills unset keys from `lookup` (an environment), as libpq does.
    fn fill_from(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConnInfoError> {
        for (key, var) in ENV_DEFAULTS {
            if self.get(key).is_none()
                && let Some(value) = lookup(var).filter(|v| !v.is_empty())
            {
                self.params.push(Param {
                    key,
                    value,
                    origin: Origin::Env,
                });
            }
        }
        self.validate()
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.value.as_str())
    }

    /// The password, if one is set (in the string or `PGPASSWORD`).
    pub fn password(&self) -> Option<&str> {
        self.get("password")
    }

    /// Stores `key=value`; a later value for the same key wins, as in libpq.
    fn set(&mut self, raw_key: &str, value: String, origin: Origin) -> Result<(), ConnInfoError> {
        let (key, support) = lookup_key(raw_key)?;
        if let Support::No(feature) = support {
            return Err(ConnInfoError::Unsupported { key, feature });
        }
        match self.params.iter_mut().find(|p| p.key == key) {
            Some(existing) => {
                existing.value = value;
                existing.origin = origin;
            }
            None => self.params.push(Param { key, value, origin }),
        }
        Ok(())
    }

    /// Checks the values eventos interprets, so a bad one fails before anything connects.
    fn validate(&self) -> Result<(), ConnInfoError> {
        for param in &self.params {
            let value = param.value.as_str();
            let invalid = |expected| ConnInfoError::InvalidValue {
                key: param.key,
                expected,
            };
            let ok = match param.key {
                "port" => value
                    .split(',')
                    .all(|p| p.is_empty() || p.trim().parse::<u16>().is_ok_and(|n| n > 0)),
                "hostaddr" => value
                    .split(',')
                    .all(|a| a.is_empty() || a.parse::<std::net::IpAddr>().is_ok()),
                "connect_timeout"
                | "tcp_user_timeout"
                | "keepalives_idle"
                | "keepalives_interval"
                | "keepalives_count"
                | "keepalives" => value.trim().parse::<i64>().is_ok(),
                "sslmode" => SslMode::parse(value).is_ok(),
                "sslnegotiation" => matches!(value, "postgres" | "direct"),
                "target_session_attrs" => matches!(value, "any" | "read-write" | "read-only"),
                "channel_binding" => matches!(value, "disable" | "prefer" | "require"),
                "load_balance_hosts" => matches!(value, "disable" | "random"),
                "gssencmode" => matches!(value, "disable" | "prefer"),
                "client_encoding" => {
                    matches!(
                        value.to_ascii_lowercase().as_str(),
                        "utf8" | "utf-8" | "unicode"
                    )
                }
                _ => true,
            };
            if !ok {
                return Err(invalid(expected_value(param.key)));
            }
        }
        Ok(())
    }

    /// The string for messages: the same form as written, the password as `***`, and nothing
    /// taken from the environment.
    pub fn redacted(&self) -> String {
        match self.form {
            Form::Url(scheme) => self.redacted_url(scheme),
            Form::Pairs => self.redacted_pairs(),
        }
    }

    fn shown(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.origin != Origin::Env)
    }

    /// A value as displayed: secrets as `***`; a database name that is itself a connection
    /// string (libpq expands those in some tools) redacted in turn.
    fn shown_value(param: &Param) -> String {
        if SECRET_KEYS.contains(&param.key) {
            return "***".into();
        }
        let value = &param.value;
        if param.key == "dbname" && looks_like_a_connection_string(value) {
            return ConnInfo::parse(value).map_or("***".into(), |inner| inner.redacted());
        }
        value.clone()
    }

    fn redacted_url(&self, scheme: &str) -> String {
        let from = |origin: Origin, key: &str| {
            self.shown()
                .find(|p| p.origin == origin && p.key == key)
                .map(Self::shown_value)
        };
        let mut out = format!("{scheme}://");
        let user = from(Origin::UserInfo, "user");
        let password = from(Origin::UserInfo, "password");
        if user.is_some() || password.is_some() {
            out.push_str(&encode(user.as_deref().unwrap_or(""), USERINFO));
            if password.is_some() {
                out.push_str(":***");
            }
            out.push('@');
        }
        let hosts = from(Origin::NetLoc, "host").unwrap_or_default();
        let hosts: Vec<&str> = hosts.split(',').filter(|_| !hosts.is_empty()).collect();
        let ports = from(Origin::NetLoc, "port").unwrap_or_default();
        let ports: Vec<&str> = ports.split(',').filter(|_| !ports.is_empty()).collect();
        let netloc: Vec<String> = (0..hosts.len().max(ports.len()))
            .map(|i| {
                let host = hosts.get(i).copied().unwrap_or("");
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    encode(host, HOST)
                };
                match ports.get(i).filter(|p| !p.is_empty()) {
                    Some(port) => format!("{host}:{}", encode(port, HOST)),
                    None => host,
                }
            })
            .collect();
        out.push_str(&netloc.join(","));
        if let Some(dbname) = from(Origin::Path, "dbname") {
            out.push('/');
            out.push_str(&encode(&dbname, PATH));
        }
        let query: Vec<String> = self
            .shown()
            .filter(|p| p.origin == Origin::Query)
            .map(|p| format!("{}={}", p.key, encode(&Self::shown_value(p), QUERY)))
            .collect();
        if !query.is_empty() {
            out.push('?');
            out.push_str(&query.join("&"));
        }
        out
    }

    fn redacted_pairs(&self) -> String {
        self.shown()
            .map(|p| format!("{}={}", p.key, quote_pair_value(&Self::shown_value(p))))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The TLS settings: `sslmode` (default `prefer`) and `sslrootcert`; `require` with a root
    /// certificate verifies the chain, as libpq does.
    pub fn tls_settings(&self) -> TlsSettings {
        let mode = self
            .get("sslmode")
            .and_then(|m| SslMode::parse(m).ok())
            .unwrap_or(SslMode::Prefer);
        let root_cert = self.get("sslrootcert").map(PathBuf::from);
        let mode = match (mode, &root_cert) {
            (SslMode::Require, Some(_)) => SslMode::VerifyCa,
            (mode, _) => mode,
        };
        TlsSettings { mode, root_cert }
    }

    /// One driver configuration per host, in the order libpq tries them.
    pub fn host_targets(&self) -> Vec<HostTarget> {
        let base = self.base_config();
        let split = |key: &str| -> Vec<String> {
            self.get(key)
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default()
        };
        let hosts = split("host");
        let addrs = split("hostaddr");
        let ports = split("port");
        let count = hosts.len().max(addrs.len()).max(1);
        let mut targets: Vec<HostTarget> = (0..count)
            .map(|i| {
                let mut config = base.clone();
                let host = hosts.get(i).filter(|h| !h.is_empty()).cloned();
                let addr = addrs.get(i).and_then(|a| a.parse().ok());
                let host = match (host, addr) {
                    (Some(host), _) => host,
                    (None, Some(addr)) => std::net::IpAddr::to_string(&addr),
                    (None, None) => default_socket_dir(port_at(&ports, i)),
                };
                let unix_socket = host.starts_with('/');
                config.host(&host);
                if let Some(addr) = addr {
                    config.hostaddr(addr);
                }
                config.port(port_at(&ports, i));
                if unix_socket {
                    config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                }
                HostTarget {
                    config,
                    unix_socket,
                }
            })
            .collect();
        if self.get("load_balance_hosts") == Some("random") && targets.len() > 1 {
            let start = random_index(targets.len());
            targets.rotate_left(start);
        }
        targets
    }

    /// Every setting except the hosts, as a tokio-postgres configuration.
    fn base_config(&self) -> tokio_postgres::Config {
        use tokio_postgres::config::{
            ChannelBinding, SslMode as DriverSsl, SslNegotiation, TargetSessionAttrs,
        };
        let mut config = tokio_postgres::Config::new();
        let seconds = |v: &str| v.trim().parse::<i64>().ok().filter(|n| *n > 0);
        for param in &self.params {
            let v = param.value.as_str();
            match param.key {
                "user" => {
                    config.user(v);
                }
                "password" => {
                    config.password(v);
                }
                "dbname" => {
                    config.dbname(v);
                }
                "options" => {
                    config.options(v);
                }
                "application_name" => {
                    config.application_name(v);
                }
                "connect_timeout" => {
                    // libpq: values below 2 seconds are raised to 2.
                    if let Some(n) = seconds(v) {
                        config.connect_timeout(Duration::from_secs(n.max(2) as u64));
                    }
                }
                "tcp_user_timeout" => {
                    // libpq counts milliseconds here.
                    if let Some(n) = seconds(v) {
                        config.tcp_user_timeout(Duration::from_millis(n as u64));
                    }
                }
                "keepalives" => {
                    config.keepalives(v.trim() != "0");
                }
                "keepalives_idle" => {
                    if let Some(n) = seconds(v) {
                        config.keepalives_idle(Duration::from_secs(n as u64));
                    }
                }
                "keepalives_interval" => {
                    if let Some(n) = seconds(v) {
                        config.keepalives_interval(Duration::from_secs(n as u64));
                    }
                }
                "keepalives_count" => {
                    if let Some(n) = seconds(v) {
                        config.keepalives_retries(n as u32);
                    }
                }
                "target_session_attrs" => {
                    config.target_session_attrs(match v {
                        "read-write" => TargetSessionAttrs::ReadWrite,
                        "read-only" => TargetSessionAttrs::ReadOnly,
                        _ => TargetSessionAttrs::Any,
                    });
                }
                "channel_binding" => {
                    config.channel_binding(match v {
                        "disable" => ChannelBinding::Disable,
                        "require" => ChannelBinding::Require,
                        _ => ChannelBinding::Prefer,
                    });
                }
                "load_balance_hosts" => {}
                "sslnegotiation" => {
                    config.ssl_negotiation(match v {
                        "direct" => SslNegotiation::Direct,
                        _ => SslNegotiation::Postgres,
                    });
                }
                _ => {}
            }
        }
        if config.get_application_name().is_none() {
            config.application_name(self.get("fallback_application_name").unwrap_or("eventos"));
        }
        if config.get_user().is_none()
            && let Some(user) = os_user_name()
        {
            config.user(user);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.ssl_mode(match self.tls_settings().mode {
            SslMode::Disable => DriverSsl::Disable,
            SslMode::Prefer => DriverSsl::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => DriverSsl::Require,
        });
        config
    }

    /// libpq environment variables that reproduce these settings for a child process (`pg_dump`),
    /// password excepted: it goes into a password file, never the environment or argv.
    pub fn child_env(&self) -> Vec<(&'static str, String)> {
        ENV_DEFAULTS
            .iter()
            .filter(|(key, _)| *key != "password")
            .filter_map(|(key, var)| self.get(key).map(|v| (*var, v.to_string())))
            .collect()
    }
}

/// A URL (even a mistyped one) or key=value pairs, rather than a plain database name.
fn looks_like_a_connection_string(value: &str) -> bool {
    let lower = value.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres") && lower.contains(':')
        || ['=', '@'].iter().any(|c| value.contains(*c))
        || value.contains("://")
}

/// The help for a `key=value` parse failure of something that looks like a mistyped URL.
fn not_a_string_hint(text: &str, err: ConnInfoError) -> ConnInfoError {
    let lower = text.to_ascii_lowercase();
    let scheme = ["postgresql:", "postgres:"]
        .into_iter()
        .find(|s| lower.starts_with(s));
    match (scheme, &err) {
        (Some(_), _) => ConnInfoError::NotAConnectionString(
            "\nhelp: a URL starts with postgresql:// or postgres:// (two slashes)",
        ),
        (None, ConnInfoError::Malformed(_)) if lower.contains("://") => {
            ConnInfoError::NotAConnectionString(
                "\nhelp: only postgresql:// and postgres:// URLs are understood",
            )
        }
        (None, ConnInfoError::Malformed(_)) if !text.contains('=') => {
            ConnInfoError::NotAConnectionString(
                "\nhelp: write postgresql://user:password@host:5432/dbname, or host=… dbname=…",
            )
        }
        _ => err,
    }
}

/// `postgresql://` or `postgres://`, any case: the scheme and the rest.
fn strip_scheme(text: &str) -> Option<(&'static str, &str)> {
    ["postgresql://", "postgres://"]
        .into_iter()
        .find_map(|prefix| {
            let head = text.get(..prefix.len())?;
            head.eq_ignore_ascii_case(prefix)
                .then(|| (prefix.trim_end_matches("://"), &text[prefix.len()..]))
        })
}

/// libpq's URL grammar: `[user[:password]@][host[:port][,…]][/dbname][?key=value&…]`.
fn parse_url(rest: &str, info: &mut ConnInfo) -> Result<(), ConnInfoError> {
    let mut p = rest;
    let credentials_end = p.find(['@', '/']);
    if let Some(end) = credentials_end.filter(|&i| p.as_bytes()[i] == b'@') {
        let credentials = &p[..end];
        let (user, password) = match credentials.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (credentials, None),
        };
        if !user.is_empty() {
            info.set("user", decode(user)?, Origin::UserInfo)?;
        }
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            info.set("password", decode(password)?, Origin::UserInfo)?;
        }
        p = &p[end + 1..];
    }
    let (hosts, ports, terminator, after) = parse_netloc(p)?;
    if hosts.contains('@') || ports.contains('@') {
        return Err(unencoded_at());
    }
    if !hosts.replace(',', "").is_empty() {
        info.set("host", decode(&hosts)?, Origin::NetLoc)?;
    }
    if !ports.replace(',', "").is_empty() {
        info.set("port", decode(&ports)?, Origin::NetLoc)?;
    }
    let mut p = after;
    if terminator == Some('/') {
        let (dbname, rest) = match p.find('?') {
            Some(i) => (&p[..i], Some(&p[i + 1..])),
            None => (p, None),
        };
        if dbname.contains('@') {
            return Err(unencoded_at());
        }
        if !dbname.is_empty() {
            info.set("dbname", decode(dbname)?, Origin::Path)?;
        }
        match rest {
            Some(query) => p = query,
            None => return Ok(()),
        }
    } else if terminator != Some('?') {
        return Ok(());
    }
    parse_query(p, info)
}

fn unencoded_at() -> ConnInfoError {
    ConnInfoError::Malformed(
        "an `@` follows the user part; write `@` (and `/`, `?`, `#`, `:`) inside a password percent-encoded (%40, %2F, %3F, %23, %3A)",
    )
}

/// Hosts and ports of a URL's network-location part (raw, comma-joined as libpq stores them),
/// the character that ended it (`/`, `?` or none) and what follows.
fn parse_netloc(mut p: &str) -> Result<(String, String, Option<char>, &str), ConnInfoError> {
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    loop {
        let host;
        if let Some(inner) = p.strip_prefix('[') {
            let close = inner.find(']').ok_or(ConnInfoError::Malformed(
                "an IPv6 address has no closing `]`",
            ))?;
            if close == 0 {
                return Err(ConnInfoError::Malformed("an IPv6 address is empty"));
            }
            host = &inner[..close];
            p = &inner[close + 1..];
            if !(p.is_empty() || p.starts_with([':', '/', '?', ','])) {
                return Err(ConnInfoError::Malformed(
                    "an IPv6 address is followed by something other than `:`, `/`, `?` or `,`",
                ));
            }
        } else {
            let end = p.find([':', '/', '?', ',']).unwrap_or(p.len());
            host = &p[..end];
            p = &p[end..];
        }
        hosts.push(host);
        let mut port = "";
        if let Some(rest) = p.strip_prefix(':') {
            let end = rest.find(['/', '?', ',']).unwrap_or(rest.len());
            port = &rest[..end];
            p = &rest[end..];
        }
        ports.push(port);
        match p.chars().next() {
            Some(',') => p = &p[1..],
            Some(c @ ('/' | '?')) => {
                return Ok((hosts.join(","), ports.join(","), Some(c), &p[1..]));
            }
            _ => return Ok((hosts.join(","), ports.join(","), None, "")),
        }
    }
}

/// `key=value&…`, keys and values percent-decoded; exactly one `=` per parameter.
fn parse_query(query: &str, info: &mut ConnInfo) -> Result<(), ConnInfoError> {
    let mut rest = query;
    while !rest.is_empty() {
        let (pair, next) = match rest.find('&') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let (key, value) = pair
            .split_once('=')
            .ok_or(ConnInfoError::Malformed("a query parameter has no `=`"))?;
        if value.contains('=') {
            return Err(ConnInfoError::Malformed(
                "a query parameter has a second `=`; write `=` inside a value as %3D",
            ));
        }
        let key = decode(key)?;
        let value = decode(value)?;
        if key == "ssl" && value == "true" {
            info.set("sslmode", "require".into(), Origin::Query)?;
        } else {
            info.set(&key, value, Origin::Query)?;
        }
        rest = next;
    }
    Ok(())
}

/// libpq's `key = value` grammar: whitespace around `=`, single quotes, backslash escapes.
fn parse_pairs(text: &str, info: &mut ConnInfo) -> Result<(), ConnInfoError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if is_space(bytes[i]) {
            i += 1;
            continue;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !is_space(bytes[i]) {
            i += 1;
        }
        let key = &text[key_start..i];
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            return Err(ConnInfoError::Malformed("a word is not followed by `=`"));
        }
        i += 1;
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        let mut value = Vec::new();
        if bytes.get(i) == Some(&b'\'') {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => {
                        return Err(ConnInfoError::Malformed(
                            "a quoted value has no closing `'`",
                        ));
                    }
                    Some(b'\\') => {
                        if let Some(&next) = bytes.get(i + 1) {
                            value.push(next);
                        }
                        i += 2;
                    }
                    Some(b'\'') => {
                        i += 1;
                        break;
                    }
                    Some(&byte) => {
                        value.push(byte);
                        i += 1;
                    }
                }
            }
        } else {
            while i < bytes.len() && !is_space(bytes[i]) {
                if bytes[i] == b'\\' {
                    if let Some(&next) = bytes.get(i + 1) {
                        value.push(next);
                    }
                    i += 2;
                } else {
                    value.push(bytes[i]);
                    i += 1;
                }
            }
        }
        let value = String::from_utf8(value)
            .map_err(|_| ConnInfoError::Malformed("a value is not valid UTF-8"))?;
        info.set(key, value, Origin::Pair)?;
    }
    Ok(())
}

/// C's `isspace` in the C locale, as libpq uses it.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// libpq's percent-decoding: `%XX` only (no `+`), `%00` refused, the result must be UTF-8 here.
fn decode(text: &str) -> Result<String, ConnInfoError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(ConnInfoError::Malformed(
                    "a `%` is not followed by two hex digits (write `%` itself as %25)",
                ))?;
            if hex == 0 {
                return Err(ConnInfoError::Malformed("%00 is not allowed"));
            }
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| {
        ConnInfoError::Malformed("a percent-encoded value is not valid UTF-8 once decoded")
    })
}

/// The libpq keyword `raw` names, or an error that shows it only if it resembles a real key.
fn lookup_key(raw: &str) -> Result<(&'static str, Support), ConnInfoError> {
    if let Some((key, support)) = LIBPQ_KEYS.iter().find(|(k, _)| *k == raw) {
        return Ok((key, *support));
    }
    let lower = raw.to_ascii_lowercase();
    let suggestion = LIBPQ_KEYS
        .iter()
        .map(|(k, _)| (*k, edit_distance(&lower, k)))
        .filter(|(k, d)| *d <= 2 && *d * 4 < k.len())
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k);
    Err(ConnInfoError::UnknownKey {
        suggestion,
        written: suggestion.map(|_| raw.to_string()),
    })
}

/// Levenshtein distance (keys are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

fn expected_value(key: &str) -> &'static str {
    match key {
        "port" => "port numbers 1–65535, comma-separated",
        "hostaddr" => "IP addresses, comma-separated",
        "sslmode" => "disable, allow, prefer, require, verify-ca or verify-full",
        "sslnegotiation" => "postgres or direct",
        "target_session_attrs" => "any, read-write or read-only",
        "channel_binding" => "disable, prefer or require",
        "load_balance_hosts" => "disable or random",
        "gssencmode" => "disable or prefer (eventos has no GSSAPI)",
        "client_encoding" => "UTF8, the only encoding eventos speaks",
        _ => "an integer",
    }
}

fn port_at(ports: &[String], i: usize) -> u16 {
    let port = match ports.len() {
        0 => "",
        1 => &ports[0],
        _ => ports.get(i).map_or("", String::as_str),
    };
    port.trim().parse().unwrap_or(5432)
}

/// libpq's default socket directory: the first that has a socket for `port`.
fn default_socket_dir(port: u16) -> String {
    DEFAULT_SOCKET_DIRS
        .iter()
        .find(|dir| {
            std::path::Path::new(dir)
                .join(format!(".s.PGSQL.{port}"))
                .exists()
        })
        .unwrap_or(&DEFAULT_SOCKET_DIRS[0])
        .to_string()
}

/// libpq's default user: the operating-system account running eventos.
fn os_user_name() -> Option<String> {
    let entry = unsafe { libc::getpwuid(libc::geteuid()) };
    if entry.is_null() {
        return std::env::var("USER").ok();
    }
    let name = unsafe { std::ffi::CStr::from_ptr((*entry).pw_name) };
    name.to_str().ok().map(str::to_string)
}

fn random_index(len: usize) -> usize {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as usize);
    (nanos ^ std::process::id() as usize) % len
}

/// Characters left as they are in each URL part (RFC 3986 unreserved plus harmless ones).
const USERINFO: &str = "-._~";
const HOST: &str = "-._~";
const PATH: &str = "-._~";
const QUERY: &str = "-._~/:,*";

fn encode(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || keep.as_bytes().contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A key=value value, single-quoted when it must be.
fn quote_pair_value(value: &str) -> String {
    let plain = !value.is_empty()
        && !value
            .bytes()
            .any(|b| is_space(b) || b == b'\'' || b == b'\\');
    if plain {
        return value.to_string();
    }
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "Zq8vW";

    fn parsed(text: &str) -> ConnInfo {
        ConnInfo::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    #[track_caller]
    fn password_of(text: &str, expected: &str) {
        let info = parsed(text);
        assert_eq!(info.password(), Some(expected), "{text:?}");
        let shown = info.redacted();
        assert!(!shown.contains(SECRET), "{text:?} shown as {shown:?}");
        assert!(shown.contains("***"), "{shown}");
    }

    #[test]
    fn urls_in_every_spelling_libpq_reads() {
        password_of("postgresql://u:Zq8vW@h:5432/db", SECRET);
        password_of("postgres://u:Zq8vW@h/db", SECRET);
        password_of(" \tpostgres://u:Zq8vW@h/db\n", SECRET);
        password_of("POSTGRES://u:Zq8vW@h/db", SECRET);
        password_of("PostgreSQL://u:Zq8vW@h/db", SECRET);
        password_of("postgres://u:Zq8v%57@h/db", "Zq8vW");
        password_of("postgres://u@h/db?password=Zq8vW", SECRET);
        password_of("postgres://u@h/db?pass%77ord=Zq8vW", SECRET);
        password_of("postgres://u@h/db?%70assword=Zq8vW&sslmode=disable", SECRET);
        password_of("postgres://u:x@h/db?password=Zq8vW", SECRET);
        password_of("postgres://u:a%20b%27Zq8vW%40%3A%2F@h/db", "a b'Zq8vW@:/");
        password_of("postgresql:///db?host=/tmp&user=u&password=Zq8vW", SECRET);
        password_of("postgres://u:Zq8vW:more@h/db", "Zq8vW:more");
        password_of("postgres://u:Zq8vW?x@h/db", "Zq8vW?x");
        password_of("postgres://u:Zq8vW#x@h/db", "Zq8vW#x");
        password_of("postgres://u:Zq8vW+x@h/db", "Zq8vW+x");
        password_of("postgres://u:Zq8vW@[::1]:5433,h2/db", SECRET);
    }

    #[test]
    fn a_database_name_that_is_a_connection_string_is_redacted_too() {
        for text in [
            "host=h dbname=postgres://u:Zq8vW@h/db",
            "host=h dbname='password=Zq8vW'",
            "postgres://h/postgres%3A%2F%2Fu%3AZq8vW%40h%2Fdb",
            "host=h dbname='postgres:/u:Zq8vW@h'",
        ] {
            let shown = parsed(text).redacted();
            assert!(!shown.contains(SECRET), "{text:?} shown as {shown:?}");
        }
    }

    #[test]
    fn key_value_pairs_in_every_spelling_libpq_reads() {
        password_of("host=h user=u password=Zq8vW dbname=d", SECRET);
        password_of("host=h password='a Zq8vW b'", "a Zq8vW b");
        password_of("password = Zq8vW host=h", SECRET);
        password_of("password=\tZq8vW\nhost=h", SECRET);
        password_of("password='it\\'s Zq8vW' host=h", "it's Zq8vW");
        password_of("password=Zq8vW\\ x host=h", "Zq8vW x");
        password_of("password=a=Zq8vW", "a=Zq8vW");
        password_of("password='Zq8vW'host=h", SECRET);
        password_of("password=x password=Zq8vW", SECRET);
        // libpq skips blanks after `=`: the next pair becomes the value.
        password_of("password= Zq8vW", SECRET);
    }

    #[test]
    fn what_does_not_parse_shows_nothing_of_itself() {
        for text in [
            "postgres:/u:Zq8vW@h/db",
            "postgresql:u:Zq8vW@h/db",
            "postgres//u:Zq8vW@h/db",
            "mysql://u:Zq8vW@h/db",
            "Zq8vW",
            "host=h password='Zq8vW",
            "PASSWORD=Zq8vW host=h",
            "pasword=Zq8vW",
            "Zq8vW=x",
            "postgres://u:p@Zq8vW@h/db",
            "postgres://u:p/Zq8vW@h/db",
            "postgres://u@h/db?password=a=Zq8vW",
            "postgres://u@h/db?Zq8vW",
            "postgres://u@h/db?password=Zq8vW%zz",
            "postgres://u@h/db?passWord=Zq8vW",
            "postgres://u:Zq8vW@h:port/db",
            "postgres://u:Zq8vW@[::1/db",
            "host=h sslcert=/Zq8vW",
            "postgres://u:Zq8vW@h/db?sslmode=Zq8vW",
        ] {
            let err = ConnInfo::parse(text).expect_err(text).to_string();
            assert!(!err.contains(SECRET), "{text:?}: {err}");
            assert!(err.contains("not shown"), "{text:?}: {err}");
        }
        let typo = ConnInfo::parse("postgres:/u:p@h/db")
            .unwrap_err()
            .to_string();
        assert!(typo.contains("two slashes"), "{typo}");
        let upper = ConnInfo::parse("PASSWORD=x").unwrap_err().to_string();
        assert!(upper.contains("did you mean `password`"), "{upper}");
    }

    #[test]
    fn displays_keep_the_form_and_everything_but_the_password() {
        assert_eq!(
            parsed("postgresql://postgres:s3cr3t@db.x.supabase.co:5432/postgres?sslmode=require")
                .redacted(),
            "postgresql://postgres:***@db.x.supabase.co:5432/postgres?sslmode=require"
        );
        assert_eq!(
            parsed("host=h user=u password='a b' dbname='my db'").redacted(),
            "host=h user=u password=*** dbname='my db'"
        );
        assert_eq!(
            parsed("postgres://u@[::1]:5433,h2/d?application_name=x%20y").redacted(),
            "postgres://u@[::1]:5433,h2/d?application_name=x%20y"
        );
    }

    #[test]
    fn environment_fills_what_the_string_leaves_out_and_is_never_shown() {
        let mut info = parsed("postgres://u@h/db");
        info.fill_from(|var| match var {
            "PGPASSWORD" => Some(SECRET.into()),
            "PGHOST" => Some("ignored".into()),
            "PGSSLMODE" => Some("require".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(info.password(), Some(SECRET));
        assert_eq!(info.get("host"), Some("h"));
        assert_eq!(info.redacted(), "postgres://u@h/db");
        assert_eq!(info.tls_settings().mode, SslMode::Require);
        assert!(
            info.child_env().iter().all(|(_, v)| v != SECRET),
            "{:?}",
            info.child_env()
        );
    }

    #[test]
    fn unix_socket_hosts_never_use_tls() {
        let targets =
            parsed("postgresql:///db?host=/var/run/postgresql&sslmode=require").host_targets();
        assert_eq!(targets.len(), 1);
        assert!(targets[0].unix_socket);
        let mixed = parsed("host=/tmp,db.example.com port=5433 dbname=d").host_targets();
        assert_eq!(
            mixed.iter().map(|t| t.unix_socket).collect::<Vec<_>>(),
            [true, false]
        );
        assert_eq!(mixed[1].config.get_ports(), [5433]);
    }

    #[test]
    fn jdbc_ssl_true_means_require() {
        assert_eq!(
            parsed("postgres://h/d?ssl=true").tls_settings().mode,
            SslMode::Require
        );
    }
}
