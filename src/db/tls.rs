//! TLS for PostgreSQL connections with rustls, honouring libpq's `sslmode` and `sslrootcert`.
//!
//! tokio-postgres understands only `sslmode=disable|prefer|require`, so eventos takes `sslmode`
//! and `sslrootcert` out of the URL, hands tokio-postgres the closest mode, and builds the
//! rustls configuration itself:
//!
//! | sslmode       | TLS                          | certificate checked                    |
//! |---------------|------------------------------|----------------------------------------|
//! | `disable`     | never                        | —                                      |
//! | `prefer` (default) | if the server offers it | no                                     |
//! | `require`     | always                       | no (chain, as verify-ca, if `sslrootcert` is given — as libpq) |
//! | `verify-ca`   | always                       | chain to `sslrootcert` (or system roots) |
//! | `verify-full` | always                       | chain and host name                    |

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, unverified.
    Prefer,
    /// TLS, unverified.
    Require,
    /// TLS, certificate chain verified.
    VerifyCa,
    /// TLS, chain and host name verified.
    VerifyFull,
}

/// The TLS part of a connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The mode (libpq's default is `prefer`).
    pub mode: SslMode,
    /// `sslrootcert`: PEM file of trusted roots.
    pub root_cert: Option<PathBuf>,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => bail!(
                "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
            ),
        })
    }

    /// The mode tokio-postgres is given.
    fn driver_value(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => "require",
        }
    }
}

/// Takes `sslmode` and `sslrootcert` out of `url` (URL or key=value form); returns the string
/// tokio-postgres accepts and the TLS settings.
pub fn split_tls_settings(url: &str) -> Result<(String, TlsSettings)> {
    let mut mode = None;
    let mut root_cert = None;
    let mut take = |key: &str, value: &str| -> Result<bool> {
        match key {
            "sslmode" => mode = Some(SslMode::parse(value)?),
            "sslrootcert" => root_cert = Some(PathBuf::from(value)),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let mut rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        strip_url_params(url, &mut take)?
    } else {
        strip_key_value_params(url, &mut take)?
    };
    let mode = match (mode.unwrap_or(SslMode::Prefer), &root_cert) {
        (SslMode::Require, Some(_)) => SslMode::VerifyCa,
        (mode, _) => mode,
    };
    append_param(&mut rest, "sslmode", mode.driver_value());
    Ok((rest, TlsSettings { mode, root_cert }))
}

fn strip_url_params(url: &str, take: &mut dyn FnMut(&str, &str) -> Result<bool>) -> Result<String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok(url.to_string());
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded: String = url::form_urlencoded::parse(format!("v={value}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if !take(key, &decoded)? {
            kept.push(pair);
        }
    }
    Ok(if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    })
}

fn strip_key_value_params(
    conninfo: &str,
    take: &mut dyn FnMut(&str, &str) -> Result<bool>,
) -> Result<String> {
    let mut kept = Vec::new();
    for pair in conninfo.split_whitespace() {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !take(key.trim(), value.trim_matches('\''))? {
            kept.push(pair);
        }
    }
    Ok(kept.join(" "))
}

fn append_param(conn: &mut String, key: &str, value: &str) {
    if conn.starts_with("postgres://") || conn.starts_with("postgresql://") {
        conn.push(if conn.contains('?') { '&' } else { '?' });
        conn.push_str(&format!("{key}={value}"));
    } else {
        conn.push_str(&format!(" {key}={value}"));
    }
}

/// The rustls client configuration for `settings`.
pub fn client_config(settings: &TlsSettings) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("configuring TLS")?;
    let verifier: Arc<dyn ServerCertVerifier> = match settings.mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => Arc::new(NoVerification(provider)),
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = Arc::new(root_store(settings.root_cert.as_deref())?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
                .build()
                .context("building the certificate verifier")?;
            if settings.mode == SslMode::VerifyCa {
                Arc::new(ChainOnly(webpki))
            } else {
                webpki
            }
        }
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Trusted roots: the `sslrootcert` file, else the system's store.
fn root_store(root_cert: Option<&Path>) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    let certs: Vec<CertificateDer<'static>> = match root_cert {
        Some(path) => CertificateDer::pem_file_iter(path)
            .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
            .with_context(|| {
                format!(
                    "sslrootcert={}: cannot read PEM certificates",
                    path.display()
                )
            })?,
        None => rustls_native_certs::load_native_certs().certs,
    };
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        bail!(
            "no trusted root certificates{}\nhelp: add sslrootcert=<CA file> to the database URL",
            root_cert
                .map(|p| format!(" in {}", p.display()))
                .unwrap_or_default()
        );
    }
    Ok(store)
}

/// `require`/`prefer`: encrypt, accept any certificate (handshake signatures still checked).
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the host name is not compared.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_modes_become_require_for_the_driver() {
        let (url, tls) =
            split_tls_settings("postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem")
                .unwrap();
        assert_eq!(url, "postgres://u@h/db?sslmode=require");
        assert_eq!(
            tls,
            TlsSettings {
                mode: SslMode::VerifyFull,
                root_cert: Some("/tmp/ca.pem".into())
            }
        );
    }

    #[test]
    fn require_with_a_root_cert_verifies_the_chain_like_libpq() {
        let (_, tls) =
            split_tls_settings("host=h sslmode=require sslrootcert=/ca.pem dbname=d").unwrap();
        assert_eq!(tls.mode, SslMode::VerifyCa);
    }

    #[test]
    fn default_is_prefer_and_other_params_are_kept() {
        let (url, tls) = split_tls_settings("postgres://u@h/db?application_name=x").unwrap();
        assert_eq!(url, "postgres://u@h/db?application_name=x&sslmode=prefer");
        assert_eq!(tls.mode, SslMode::Prefer);
        let (conninfo, _) = split_tls_settings("host=h dbname=d").unwrap();
        assert_eq!(conninfo, "host=h dbname=d sslmode=prefer");
        assert!(split_tls_settings("postgres://h/d?sslmode=sometimes").is_err());
    }
}
