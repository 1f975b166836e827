//! Certificates (a throw-away CA and a leaf made with rcgen) and the rustls server config.

use std::io;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

use crate::util::{civil_from_days, now_unix};
use crate::CertKind;

/// What the server needs: the CA in PEM (for clients) and the leaf chain and key it serves.
pub(crate) struct Certs {
    pub(crate) ca_pem: String,
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
}

fn rcgen_err(e: rcgen::Error) -> io::Error {
    io::Error::other(format!("certificate generation failed: {e}"))
}

/// Sets validity from `from_days` to `to_days` relative to today (UTC, whole days).
fn set_validity(params: &mut CertificateParams, from_days: i64, to_days: i64) {
    let today = i64::try_from(now_unix() / 86_400).unwrap_or(0);
    let day = |offset: i64| {
        let (y, m, d) = civil_from_days(today + offset);
        rcgen::date_time_ymd(y as i32, m as u8, d as u8)
    };
    params.not_before = day(from_days);
    params.not_after = day(to_days);
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "fakehub");
    dn.push(DnType::CommonName, common_name);
    dn
}

/// Generates a fresh CA and a leaf of the requested kind.
pub(crate) fn generate(kind: &CertKind) -> io::Result<Certs> {
    let ca_key = KeyPair::generate().map_err(rcgen_err)?;
    let mut ca_params = CertificateParams::new(Vec::new()).map_err(rcgen_err)?;
    ca_params.distinguished_name = name("fakehub test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    set_validity(&mut ca_params, -2, 365);
    let ca_cert = ca_params.self_signed(&ca_key).map_err(rcgen_err)?;

    let hosts: Vec<String> = match kind {
        CertKind::WrongHost => vec!["wrong.example".into()],
        _ => vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
    };
    let leaf_key = KeyPair::generate().map_err(rcgen_err)?;
    let mut leaf = CertificateParams::new(hosts.clone()).map_err(rcgen_err)?;
    leaf.distinguished_name = name(hosts.first().map_or("localhost", String::as_str));
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    match kind {
        CertKind::Expired => set_validity(&mut leaf, -120, -30),
        _ => set_validity(&mut leaf, -1, 90),
    }
    let leaf_cert = match kind {
        CertKind::SelfSigned => leaf.self_signed(&leaf_key),
        _ => leaf.signed_by(&leaf_key, &Issuer::from_params(&ca_params, &ca_key)),
    }
    .map_err(rcgen_err)?;

    Ok(Certs {
        ca_pem: ca_cert.pem(),
        chain: vec![leaf_cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    })
}

/// A rustls server config (ring provider, TLS 1.2 and 1.3, ALPN http/1.1) serving `certs`.
pub(crate) fn server_config(certs: &Certs) -> io::Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(certs.chain.clone(), certs.key.clone_key())
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
