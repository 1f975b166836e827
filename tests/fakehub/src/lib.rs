//! `fakehub`: a local stand-in for the parts of the Docker Hub API that the access-token modules
//! use, for tests, demos and benchmarks.
//!
//! It serves, on `127.0.0.1` only, over HTTPS (a throw-away CA and leaf made with rcgen; rustls
//! with the ring provider) or plain HTTP:
//!
//! * `POST /v2/users/login`, `POST /v2/users/2fa-login`, `POST /v2/auth/token`: JWTs;
//! * `GET /v2/access-tokens?page=P&page_size=S` and `GET /v2/access-tokens/{uuid}`: the
//!   account's personal access tokens, generated deterministically, behind bearer auth (a JWT
//!   from a password login; a JWT from a login made with a personal access token gets 403);
//! * injected faults ([`Fault`]) applied before anything else, queued with
//!   [`FakeHub::push_fault`] / [`FakeHub::push_fault_for`] or over HTTP;
//! * a control endpoint for out-of-process users (never faulted, never recorded):
//!   - `POST /_fakehub/faults` with `{"path_prefix": "/v2/access-tokens", "times": 1,
//!     "fault": {"kind": "status", "status": 429, "body": "...", "headers": [["Retry-After", "1"]]}}`
//!     (`path_prefix` optional: any path; `times` default 1). Kinds: `status` (`status`, `body`,
//!     `headers`), `raw` (`status`, `content_type`, `body`), `delay` (`ms`), `no_response`,
//!     `headers_never_finish`, `reset_mid_body`, `endless_body`, `redirect` (`status`,
//!     `location`), `echo_authorization` (`status`). A `body` that is not a string is sent as its
//!     JSON text. Answers 201 `{"queued": N}`.
//!   - `DELETE /_fakehub/faults`: 200 `{"cleared": N}`.
//!   - `GET /_fakehub/requests`: 200, a JSON array of `{"method", "path", "query", "headers":
//!     [[name, value]], "body" (UTF-8, lossy), "connection"}`.
//!   - `GET /_fakehub/stats`: 200 `{"connections", "requests", "faults_queued"}`.
//!
//! Every response carries `Content-Type` (JSON unless a fault says otherwise) and
//! `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (never enforced).

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

mod fault;
mod http;
mod hub;
mod server;
mod tls;
mod util;

pub use fault::Fault;

/// Locks a mutex, ignoring poisoning (a panicked connection thread must not wedge the server).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The kind of server certificate to present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertKind {
    /// Signed by the generated CA, for `127.0.0.1`, `::1` and `localhost`.
    #[default]
    Valid,
    /// Signed by the CA, right names, but `not_after` is in the past.
    Expired,
    /// Signed by the CA, but only for `wrong.example`.
    WrongHost,
    /// Right names, but self-signed: not signed by the CA written to `ca_path`.
    SelfSigned,
}

/// What the fake account looks like and how the server is reached.
#[derive(Debug, Clone)]
pub struct Config {
    /// How many personal access tokens the account has (default 3).
    pub tokens: usize,
    /// Every Nth token is inactive (default 4; 0 = none), so `active_count` differs from `count`.
    pub inactive_every: usize,
    /// Account name (default `fakeuser`).
    pub username: String,
    /// Account password (default `fakepassword`).
    pub password: String,
    /// A personal access token that also logs in (default `dckr_pat_fake0000000000000000000`);
    /// JWTs from such logins are refused (403) by the access-token routes, like the real Hub.
    pub pat: String,
    /// `Some(code)`: 2FA is on and only this TOTP code is accepted by `/v2/users/2fa-login`.
    pub totp_code: Option<String>,
    /// HTTPS (default) or plain HTTP.
    pub tls: bool,
    /// Which certificate to present when `tls` is on.
    pub cert: CertKind,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tokens: 3,
            inactive_every: 4,
            username: "fakeuser".into(),
            password: "fakepassword".into(),
            pat: "dckr_pat_fake0000000000000000000".into(),
            totp_code: None,
            tls: true,
            cert: CertKind::Valid,
        }
    }
}

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string after `?`, if any.
    pub query: Option<String>,
    /// Headers in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
    /// Id of the TCP connection it came on (1 for the first accepted connection, and so on).
    pub connection: usize,
}

impl RecordedRequest {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        http::header(&self.headers, name)
    }
}

/// A running fake Docker Hub. Stops (and removes its temp dir) on [`FakeHub::stop`] or drop.
pub struct FakeHub {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    base_url: String,
    ca_path: PathBuf,
    jwt: String,
    tempdir: Option<util::TempDir>,
}

impl FakeHub {
    /// Binds `127.0.0.1:0`, generates a fresh CA and leaf, writes the CA PEM to a fresh temp
    /// dir and serves in background threads.
    pub fn start(config: Config) -> std::io::Result<FakeHub> {
        FakeHub::start_on_port(config, 0)
    }

    /// Like [`FakeHub::start`] but on a chosen port of `127.0.0.1` (0 = any free port).
    pub fn start_on_port(config: Config, port: u16) -> std::io::Result<FakeHub> {
        let tempdir = util::TempDir::new("fakehub")?;
        let certs = tls::generate(&config.cert)?;
        let ca_path = tempdir.path().join("ca.pem");
        std::fs::write(&ca_path, &certs.ca_pem)?;
        let tls_config = if config.tls {
            Some(tls::server_config(&certs)?)
        } else {
            None
        };
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let scheme = if config.tls { "https" } else { "http" };
        let base_url = format!("{scheme}://127.0.0.1:{}", addr.port());
        let hub = hub::Hub::new(&config, base_url.clone());
        let jwt = hub.password_jwt();
        let shared = Arc::new(server::Shared::new(hub, tls_config));
        server::spawn_acceptor(Arc::clone(&shared), listener)?;
        Ok(FakeHub {
            shared,
            addr,
            base_url,
            ca_path,
            jwt,
            tempdir: Some(tempdir),
        })
    }

    /// The port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `https://127.0.0.1:PORT` (or `http://` when `tls` is off).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// `base_url() + "/v2/access-tokens/"`.
    pub fn tokens_url(&self) -> String {
        format!("{}/v2/access-tokens/", self.base_url)
    }

    /// `base_url() + "/v2/users/login"`.
    pub fn login_url(&self) -> String {
        format!("{}/v2/users/login", self.base_url)
    }

    /// The PEM file of the CA that signs the server certificate (except `CertKind::SelfSigned`).
    pub fn ca_path(&self) -> &Path {
        &self.ca_path
    }

    /// A valid bearer JWT for the account, as a password login returns.
    pub fn jwt(&self) -> String {
        self.jwt.clone()
    }

    /// The uuids of the account's tokens, in list order.
    pub fn token_uuids(&self) -> Vec<String> {
        self.shared.hub.token_uuids()
    }

    /// Every request received so far, in order, including faulted ones (not control requests).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// How many TCP connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Queues `fault` for the next request, whatever its path (FIFO; one fault per request).
    pub fn push_fault(&self, fault: Fault) {
        self.shared.faults.push(None, fault, 1);
    }

    /// Queues `fault` for the next `times` requests whose path starts with `path_prefix`.
    pub fn push_fault_for(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.shared
            .faults
            .push(Some(path_prefix.to_string()), fault, times);
    }

    /// Stops accepting, closes every connection (held ones too), waits briefly for the server
    /// threads and removes the temp dir. Never hangs: threads still busy after 5 s are left to
    /// finish on their own. Dropping the `FakeHub` does the same.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.shutdown(self.addr);
        self.tempdir.take();
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for FakeHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeHub")
            .field("base_url", &self.base_url)
            .field("ca_path", &self.ca_path)
            .finish_non_exhaustive()
    }
}
