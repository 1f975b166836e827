//! Everything that can go wrong talking to Docker Hub, each with the words a user
//! needs to fix it. Messages may quote URLs but never credentials; the module runtime
//! masks secrets on top of that.

use std::fmt;

use serde_json::Value;

#[derive(Debug)]
pub enum Error {
    /// A URL (the `url` option, a redirect, a `next` link) is not an absolute https URL we can use.
    InvalidUrl { url: String, reason: &'static str },
    /// Plain http to a host that is not loopback: the credentials would travel in clear.
    InsecureUrl { url: String },
    /// The `ca_path` file cannot be read or holds no PEM certificate.
    CaFile { path: String, reason: String },
    /// The server answered with a status other than 2xx.
    Status {
        method: &'static str,
        url: String,
        status: u16,
        /// Docker Hub's own words (`detail`, `message` or `text`), or a short description of the body.
        detail: String,
        /// The body, when it was JSON.
        body: Option<Box<Value>>,
        /// What to do about it, where the caller knows.
        hint: Option<String>,
        /// How long the server asked us to wait (Retry-After / X-Retry-After).
        retry_after: Option<std::time::Duration>,
    },
    /// The host name did not resolve.
    HostNotFound { url: String },
    /// No connection could be made (refused, unreachable, closed before any response).
    Connect { url: String, reason: String },
    /// The TLS handshake or the certificate check failed.
    Tls { url: String, reason: String },
    /// A request took longer than `timeout` seconds.
    Timeout {
        url: String,
        phase: &'static str,
        seconds: u64,
    },
    /// The response body was larger than the limit.
    BodyTooLarge { url: String, limit: u64 },
    /// A 2xx body that is not the JSON object the API documents.
    NotJson { url: String, reason: String },
    /// The server pointed a redirect or a `next` link at another scheme, host or port.
    ForeignOrigin {
        url: String,
        target: String,
        what: &'static str,
    },
    /// Paging went wrong: a `next` link repeated, or more pages than the cap.
    Paging { url: String, reason: String },
    /// The exchange broke after it had started (reset mid-body, malformed HTTP, ...).
    Transport { url: String, reason: String },
    /// Retries ran out; `last` is what the final attempt got.
    Exhausted { attempts: u32, last: Box<Error> },
    /// The server asked us to wait longer than we ever wait between attempts.
    WaitTooLong {
        wait: std::time::Duration,
        last: Box<Error>,
    },
}

impl Error {
    /// The HTTP status behind this error, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            Error::Exhausted { last, .. } | Error::WaitTooLong { last, .. } => last.status(),
            _ => None,
        }
    }

    /// The JSON error body the server sent, if any.
    pub fn body(&self) -> Option<&Value> {
        match self {
            Error::Status { body, .. } => body.as_deref(),
            Error::Exhausted { last, .. } | Error::WaitTooLong { last, .. } => last.body(),
            _ => None,
        }
    }

    /// Sets the hint of the HTTP error inside (through retry wrappers), from its status
    /// and Docker Hub's words, unless one is set already.
    pub fn with_hint(mut self, hint: impl FnOnce(u16, &str) -> Option<String>) -> Error {
        if let Some(Error::Status {
            status,
            detail,
            hint: slot @ None,
            ..
        }) = self.status_error_mut()
        {
            *slot = hint(*status, detail);
        }
        self
    }

    /// Removes a field from the JSON error body (one that must never be shown).
    pub fn without_body_field(mut self, field: &str) -> Error {
        if let Some(Error::Status {
            body: Some(body), ..
        }) = self.status_error_mut()
        {
            if let Some(map) = body.as_object_mut() {
                map.remove(field);
            }
        }
        self
    }

    fn status_error_mut(&mut self) -> Option<&mut Error> {
        match self {
            Error::Status { .. } => Some(self),
            Error::Exhausted { last, .. } | Error::WaitTooLong { last, .. } => {
                last.status_error_mut()
            }
            _ => None,
        }
    }

    /// Worth another attempt: rate limiting, a gateway in trouble, or a connection
    /// that failed before any response (so the request was not processed).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Status { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            Error::Connect { .. } => true,
            Error::Timeout { phase, .. } => *phase == PHASE_CONNECT,
            _ => false,
        }
    }
}

pub(crate) const PHASE_CONNECT: &str = "connecting";

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl { url, reason } => write!(f, "cannot use the URL '{url}': {reason}"),
            Error::InsecureUrl { url } => write!(
                f,
                "refusing plain http to '{url}': the credentials would travel in clear; \
                 use https (plain http is allowed only to 127.0.0.1, ::1 or localhost, for testing)"
            ),
            Error::CaFile { path, reason } => write!(f, "cannot use ca_path '{path}': {reason}"),
            Error::Status { method, url, status, detail, hint, .. } => {
                write!(f, "{method} {url} returned HTTP {status}: {detail}")?;
                match hint {
                    Some(hint) => write!(f, ". {hint}"),
                    None => Ok(()),
                }
            }
            Error::HostNotFound { url } => write!(
                f,
                "cannot resolve the host of {url}: check the url option and the machine's DNS"
            ),
            Error::Connect { url, reason } => write!(f, "cannot connect to {url}: {reason}"),
            Error::Tls { url, reason } => write!(
                f,
                "TLS with {url} failed: {reason}. If the server uses a private or corporate CA, \
                 point ca_path at its PEM file (or add it to the system CA store); \
                 validate_certs=false turns verification off, for testing only"
            ),
            Error::Timeout { url, phase, seconds } => write!(
                f,
                "no answer from {url} within the timeout of {seconds} s (while {phase}); \
                 raise timeout if the server is just slow"
            ),
            Error::BodyTooLarge { url, limit } => write!(
                f,
                "the response from {url} is larger than {} MiB, far more than the API sends; giving up",
                limit / (1024 * 1024)
            ),
            Error::NotJson { url, reason } => write!(
                f,
                "the response from {url} is not the JSON object the Docker Hub API sends: {reason}"
            ),
            Error::ForeignOrigin { url, target, what } => write!(
                f,
                "refusing to follow {what} from {url} to {target}: it is another scheme, host or port, \
                 and the credentials must not be sent there"
            ),
            Error::Paging { url, reason } => write!(f, "paging through {url} stopped: {reason}"),
            Error::Transport { url, reason } => write!(f, "the exchange with {url} failed: {reason}"),
            Error::Exhausted { attempts, last } => {
                write!(f, "{last} (gave up after {attempts} attempts)")
            }
            Error::WaitTooLong { wait, last } => write!(
                f,
                "{last} (the server asks to wait {} s before trying again, longer than this module \
                 ever waits between attempts; try again later)",
                wait.as_secs()
            ),
        }
    }
}

impl std::error::Error for Error {}
