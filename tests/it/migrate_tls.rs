//! TLS against a real server with a certificate signed by a self-signed test CA, made with the
//! `openssl` command in the test. The server only accepts TLS (`hostssl` in pg_hba.conf), so a
//! successful command proves the connection was encrypted.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use crate::harness::{eventos, fixture, stderr, stdout};
use eventos::db::Cluster;

/// Runs `openssl` with `args` in `dir`, failing the test with its stderr.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl must be installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a server certificate for 127.0.0.1 (not for "localhost"), in the cluster folder.
fn make_certificates(data_dir: &Path) {
    openssl(
        data_dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=eventos test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ],
    );
    openssl(
        data_dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(
        data_dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        data_dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ],
    );
    let owner = std::fs::metadata(data_dir).unwrap();
    for file in ["server.key", "server.crt", "ca.crt"] {
        let path = data_dir.join(file);
        std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// Turns TLS on and refuses plain TCP connections.
fn require_tls(cluster: &Cluster) {
    let data_dir = cluster.dir().join("data");
    make_certificates(&data_dir);
    let hba = data_dir.join("pg_hba.conf");
    let owner = std::fs::metadata(&hba).unwrap();
    std::fs::write(&hba, "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 reject\n").unwrap();
    std::os::unix::fs::chown(&hba, Some(owner.uid()), Some(owner.gid())).unwrap();
    let mut admin =
        postgres::Client::connect(&cluster.admin_url("postgres"), postgres::NoTls).unwrap();
    for sql in [
        "ALTER SYSTEM SET ssl = on",
        "ALTER SYSTEM SET ssl_cert_file = 'server.crt'",
        "ALTER SYSTEM SET ssl_key_file = 'server.key'",
        "SELECT pg_reload_conf()",
    ] {
        admin.batch_execute(sql).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
}

#[test]
fn tls_works_with_sslrootcert_and_is_refused_without_it_under_verify_full() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cluster = runtime
        .block_on(Cluster::start(false))
        .expect("a throwaway PostgreSQL for the TLS test");
    require_tls(&cluster);
    let base = cluster.admin_url("postgres");
    let ca = cluster.dir().join("data/ca.crt");
    let dir = fixture("basic");
    let status = |query: &str| {
        eventos(&dir)
            .args(["status", "--database-url", &format!("{base}?{query}")])
            .assert()
    };

    let plain = status("sslmode=disable").code(2);
    assert!(
        stderr(&plain).contains("no encryption") || stderr(&plain).contains("rejects connection"),
        "{}",
        stderr(&plain)
    );

    let ok = status(&format!("sslmode=verify-full&sslrootcert={}", ca.display())).success();
    assert!(stdout(&ok).contains("pending"), "{}", stdout(&ok));
    status("sslmode=require").success();
    status("").success(); // prefer

    let refused = status("sslmode=verify-full").code(2);
    let err = stderr(&refused);
    assert!(
        err.contains("cannot connect") && err.contains("certificate"),
        "{err}"
    );
    assert!(
        err.contains("sslmode=verify-full"),
        "the URL is named: {err}"
    );

    // The certificate names 127.0.0.1 only: verify-full refuses "localhost", verify-ca accepts it.
    let by_name = base.replace("127.0.0.1", "localhost");
    let with_ca = |mode: &str| format!("{by_name}?sslmode={mode}&sslrootcert={}", ca.display());
    let wrong_name = eventos(&dir)
        .args(["status", "--database-url", &with_ca("verify-full")])
        .assert()
        .code(2);
    assert!(
        stderr(&wrong_name).contains("certificate"),
        "{}",
        stderr(&wrong_name)
    );
    eventos(&dir)
        .args(["status", "--database-url", &with_ca("verify-ca")])
        .assert()
        .success();

    // migrate up over verify-full TLS.
    let up = eventos(&dir)
        .args(["migrate", "up", "--supabase-compat", "--database-url"])
        .arg(format!(
            "{base}?sslmode=verify-full&sslrootcert={}",
            ca.display()
        ))
        .assert()
        .success();
    assert!(
        stdout(&up).contains("applied 3 migrations"),
        "{}",
        stdout(&up)
    );
    drop(cluster);
}
