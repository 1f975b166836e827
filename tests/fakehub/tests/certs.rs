//! The certificate kinds, checked by a rustls client that trusts only `ca_path`.

mod common;

use common::Client;
use fakehub::{CertKind, Config, FakeHub};
use rustls::{CertificateError, Error};

fn hub(cert: CertKind) -> FakeHub {
    FakeHub::start(Config {
        cert,
        ..Config::default()
    })
    .unwrap()
}

fn connect_error(hub: &FakeHub, name: &str) -> Error {
    match Client::tls(hub.port(), hub.ca_path(), name) {
        Ok(_) => panic!("the handshake should have failed for {name}"),
        Err(e) => e,
    }
}

#[test]
fn valid_certificate_covers_all_loopback_names() {
    let hub = hub(CertKind::Valid);
    assert_eq!(hub.base_url(), format!("https://127.0.0.1:{}", hub.port()));
    let pem = std::fs::read_to_string(hub.ca_path()).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    for name in ["127.0.0.1", "localhost", "::1"] {
        let mut c = Client::tls(hub.port(), hub.ca_path(), name).unwrap();
        assert_eq!(c.get("/v2/access-tokens", &hub.jwt()).status, 200);
    }
    assert!(matches!(
        connect_error(&hub, "wrong.example"),
        Error::InvalidCertificate(CertificateError::NotValidForName)
            | Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })
    ));
}

#[test]
fn every_server_has_its_own_ca() {
    let a = hub(CertKind::Valid);
    let b = hub(CertKind::Valid);
    assert_ne!(
        std::fs::read(a.ca_path()).unwrap(),
        std::fs::read(b.ca_path()).unwrap()
    );
    assert!(Client::tls(a.port(), b.ca_path(), "127.0.0.1").is_err());
}

#[test]
fn expired_certificate() {
    let hub = hub(CertKind::Expired);
    let e = connect_error(&hub, "127.0.0.1");
    assert!(
        matches!(
            e,
            Error::InvalidCertificate(CertificateError::Expired)
                | Error::InvalidCertificate(CertificateError::ExpiredContext { .. })
        ),
        "{e:?}"
    );
}

#[test]
fn wrong_host_certificate() {
    let hub = hub(CertKind::WrongHost);
    let e = connect_error(&hub, "127.0.0.1");
    assert!(
        matches!(
            e,
            Error::InvalidCertificate(CertificateError::NotValidForName)
                | Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })
        ),
        "{e:?}"
    );
    // It is signed by the CA all the same: the name it does carry validates.
    Client::tls(hub.port(), hub.ca_path(), "wrong.example").unwrap();
}

#[test]
fn self_signed_certificate() {
    let hub = hub(CertKind::SelfSigned);
    let e = connect_error(&hub, "127.0.0.1");
    assert!(
        matches!(
            e,
            Error::InvalidCertificate(CertificateError::UnknownIssuer)
        ),
        "{e:?}"
    );
}

#[test]
fn the_server_survives_failed_handshakes() {
    let hub = hub(CertKind::SelfSigned);
    for _ in 0..3 {
        connect_error(&hub, "127.0.0.1");
    }
    assert_eq!(hub.connections(), 3);
    assert!(hub.requests().is_empty());
}
