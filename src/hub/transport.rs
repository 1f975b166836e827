//! The HTTPS transport: one ureq agent per run (so pages share a connection), TLS
//! roots, timeouts, proxies, redirects kept on the same origin, retries of transient
//! failures, and error bodies turned into [`Error`]s.

use std::path::PathBuf;
use std::thread::sleep;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use ureq::http::{HeaderMap, Response, StatusCode};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::{Agent, Body, Proxy};

use super::endpoint::{origin_of, Endpoint};
use super::error::{Error, PHASE_CONNECT};

/// Far above any real answer (a page of 100 tokens is about 50 KiB).
pub const MAX_BODY_BYTES: u64 = 4 * 1024 * 1024;
/// No single wait between attempts is longer than this.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
const MAX_REDIRECTS: u32 = 5;

/// Where the system CA bundle lives on common Linux distributions and macOS.
const SYSTEM_CA_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// How to reach the server: the connection options every module shares.
#[derive(Clone, Debug)]
pub struct Settings {
    pub validate_certs: bool,
    /// CA certificates the server must chain to, instead of the system store.
    pub ca_path: Option<PathBuf>,
    /// Bounds each phase of a request (connect, waiting for the answer, reading it).
    pub timeout: Duration,
    /// Honour HTTPS_PROXY / ALL_PROXY / NO_PROXY.
    pub use_proxy: bool,
    /// Further attempts after a transient failure.
    pub retries: u32,
    pub user_agent: String,
}

/// A successful (2xx) answer holding a JSON object.
#[derive(Debug)]
pub struct Reply {
    pub body: Map<String, Value>,
    /// `limit`, `remaining`, `reset` from the X-RateLimit-* headers, when sent.
    pub rate_limit: Option<Map<String, Value>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A blocking Docker Hub client bound to the origin of one configured URL.
pub struct Client {
    agent: Agent,
    endpoint: Endpoint,
    settings: Settings,
}

impl Client {
    /// Checks the URL (https rule) and the TLS settings; makes no connection yet.
    pub fn new(endpoint: Endpoint, settings: Settings) -> Result<Client, Error> {
        let roots = if let Some(path) = &settings.ca_path {
            RootCerts::new_with_certs(&read_ca_file(path)?)
        } else {
            system_roots()
        };
        let tls = TlsConfig::builder()
            .root_certs(roots)
            .disable_verification(!settings.validate_certs)
            .build();
        let t = settings.timeout;
        let agent: Agent = Agent::config_builder()
            .tls_config(tls)
            .proxy(if settings.use_proxy {
                Proxy::try_from_env()
            } else {
                None
            })
            .http_status_as_error(false)
            // Redirects are followed here, only on the same origin (see `send`).
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(settings.user_agent.as_str())
            .accept("application/json")
            .input_buffer_size(16 * 1024)
            .output_buffer_size(16 * 1024)
            .timeout_resolve(Some(t))
            .timeout_connect(Some(t))
            .timeout_send_request(Some(t))
            .timeout_recv_response(Some(t))
            .timeout_recv_body(Some(t))
            // A little over `t`, so the phase that stalled is the one reported.
            .timeout_global(Some(t + Duration::from_millis(250)))
            .build()
            .into();
        Ok(Client {
            agent,
            endpoint,
            settings,
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// GET a JSON object with a bearer token.
    pub fn get(&self, url: &str, bearer: &str) -> Result<Reply, Error> {
        self.send(Method::Get, url, Some(bearer), None)
    }

    /// POST a JSON body, without credentials in headers.
    pub fn post(&self, url: &str, body: &Value) -> Result<Reply, Error> {
        self.send(Method::Post, url, None, Some(body.to_string()))
    }

    /// One logical request: retried while the failure is transient and attempts remain.
    fn send(
        &self,
        method: Method,
        url: &str,
        bearer: Option<&str>,
        body: Option<String>,
    ) -> Result<Reply, Error> {
        let mut attempt: u32 = 1;
        loop {
            let error = match self.send_once(method, url, bearer, body.as_deref()) {
                Ok(reply) => return Ok(reply),
                Err(error) => error,
            };
            if !error.is_transient() {
                return Err(error);
            }
            let wait = match retry_after(&error) {
                Some(wait) if wait > MAX_RETRY_WAIT => {
                    return Err(Error::WaitTooLong {
                        wait,
                        last: Box::new(error),
                    });
                }
                Some(wait) => wait,
                None => backoff(attempt),
            };
            if attempt > self.settings.retries {
                return Err(exhausted(attempt, error));
            }
            sleep(wait);
            attempt += 1;
        }
    }

    /// One attempt, following redirects that stay on the configured origin.
    fn send_once(
        &self,
        method: Method,
        url: &str,
        bearer: Option<&str>,
        body: Option<&str>,
    ) -> Result<Reply, Error> {
        let mut url = url.to_owned();
        let mut method = method;
        for _ in 0..=MAX_REDIRECTS {
            let mut response = self.exchange(method, &url, bearer, body)?;
            let status = response.status();
            if status.is_redirection() {
                let target = redirect_target(&url, response.headers())?;
                if !self.endpoint.same_origin(&target) {
                    return Err(Error::ForeignOrigin {
                        url,
                        target,
                        what: "a redirect",
                    });
                }
                // 303, and 301/302 after a POST, turn into a GET; 307/308 repeat the request.
                if status == StatusCode::SEE_OTHER
                    || (method == Method::Post && matches!(status.as_u16(), 301 | 302))
                {
                    method = Method::Get;
                }
                url = target;
                continue;
            }
            let bytes = read_body(&mut response, &url)?;
            let headers = response.headers();
            if !status.is_success() {
                return Err(status_error(method.name(), &url, status, headers, &bytes));
            }
            let body = parse_object(&url, headers, &bytes)?;
            return Ok(Reply {
                body,
                rate_limit: rate_limit(headers),
            });
        }
        Err(Error::Transport {
            url,
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    fn exchange(
        &self,
        method: Method,
        url: &str,
        bearer: Option<&str>,
        body: Option<&str>,
    ) -> Result<Response<Body>, Error> {
        let auth = bearer.map(|token| format!("Bearer {token}"));
        let result = match (method, body) {
            (Method::Get, _) => {
                let mut request = self.agent.get(url);
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth.as_str());
                }
                request.call()
            }
            (Method::Post, body) => {
                let mut request = self
                    .agent
                    .post(url)
                    .header("Content-Type", "application/json");
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth.as_str());
                }
                request.send(body.unwrap_or("{}"))
            }
        };
        result.map_err(|e| transport_error(url, self.settings.timeout, e))
    }
}

fn exhausted(attempt: u32, error: Error) -> Error {
    if attempt > 1 {
        Error::Exhausted {
            attempts: attempt,
            last: Box::new(error),
        }
    } else {
        error
    }
}

/// Exponential backoff from 1 s with jitter (50-100 % of the step), capped.
fn backoff(attempt: u32) -> Duration {
    let step = Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(MAX_RETRY_WAIT);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = 0.5 + f64::from(nanos % 1000) / 2000.0;
    step.mul_f64(jitter)
}

fn retry_after(error: &Error) -> Option<Duration> {
    match error {
        Error::Status { retry_after, .. } => *retry_after,
        _ => None,
    }
}

/// `Retry-After` (seconds or an HTTP date) or the older `X-Retry-After` (unix time).
fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(value) = header("retry-after") {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Some(at) = parse_http_date(value) {
            return Some(Duration::from_secs(at.saturating_sub(now)));
        }
    }
    let at = header("x-retry-after")?.parse::<u64>().ok()?;
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`, as unix seconds.
fn parse_http_date(text: &str) -> Option<u64> {
    let (_, rest) = text.split_once(", ")?;
    let mut parts = rest.split(' ');
    let day: u64 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == month_name)? as u64
        + 1;
    let year: u64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Days from civil (proleptic Gregorian), after Howard Hinnant's algorithm.
    let (y, mo) = if month <= 2 {
        (year.checked_sub(1)?, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * mo + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

fn redirect_target(url: &str, headers: &HeaderMap) -> Result<String, Error> {
    let location = headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::Transport {
            url: url.to_owned(),
            reason: "a redirect without a usable Location header".into(),
        })?;
    if location.starts_with('/') && !location.starts_with("//") {
        let origin = origin_of(url)?;
        return Ok(format!(
            "{}://{}:{}{location}",
            origin.scheme, origin.host, origin.port
        ));
    }
    Ok(location.to_owned())
}

fn read_body(response: &mut Response<Body>, url: &str) -> Result<Vec<u8>, Error> {
    response
        .body_mut()
        .with_config()
        .limit(MAX_BODY_BYTES)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => Error::BodyTooLarge {
                url: url.to_owned(),
                limit: MAX_BODY_BYTES,
            },
            other => match transport_error(url, Duration::ZERO, other) {
                Error::Timeout { url, seconds, .. } => Error::Timeout {
                    url,
                    seconds,
                    phase: "reading the response body",
                },
                Error::Connect { url, reason } => Error::Transport {
                    url,
                    reason: format!(
                        "the connection broke while reading the response body ({reason})"
                    ),
                },
                error => error,
            },
        })
}

fn parse_object(url: &str, headers: &HeaderMap, bytes: &[u8]) -> Result<Map<String, Value>, Error> {
    let not_json = |reason: String| Error::NotJson {
        url: url.to_owned(),
        reason,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(not_json("the body is empty".into()));
    }
    // A page whose type says it is not JSON (a captive portal, a proxy's page) is not
    // trusted even if it happens to parse; a missing type is given the benefit of the doubt.
    if let Some(declared) = headers.get("content-type").and_then(|v| v.to_str().ok()) {
        if !declared.to_ascii_lowercase().contains("json") {
            return Err(not_json(describe_non_json(declared, bytes)));
        }
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(not_json(format!(
            "got a JSON {}",
            crate::json::kind_name(&other)
        ))),
        Err(e) => Err(not_json(format!(
            "{} ({e})",
            describe_non_json(content_type(headers), bytes)
        ))),
    }
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
}

/// A few words about a body that is not JSON, never the whole of it.
fn describe_non_json(content_type: &str, bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lower = text.trim_start().to_ascii_lowercase();
    if lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || content_type.contains("html")
    {
        return format!("an HTML page ({content_type}, {} bytes)", bytes.len());
    }
    let snippet: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect();
    format!(
        "a {content_type} body of {} bytes: '{snippet}'",
        bytes.len()
    )
}

fn status_error(
    method: &'static str,
    url: &str,
    status: StatusCode,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Error {
    let reason = status.canonical_reason().unwrap_or("");
    let json = serde_json::from_slice::<Value>(bytes).ok();
    let words: Vec<String> = match &json {
        Some(Value::Object(map)) => {
            let mut words: Vec<String> = Vec::new();
            for key in ["detail", "message", "text", "error"] {
                if let Some(Value::String(s)) = map.get(key) {
                    if !s.is_empty() && !words.iter().any(|w| w.eq_ignore_ascii_case(s)) {
                        words.push(s.clone());
                    }
                }
            }
            if let Some(Value::Object(fields)) = map.get("fields") {
                words.push(format!("fields: {}", Value::Object(fields.clone())));
            }
            words
        }
        _ => Vec::new(),
    };
    let detail = if !words.is_empty() {
        format!("{reason} ({})", words.join("; "))
    } else if bytes.is_empty() {
        format!("{reason} (empty body)")
    } else {
        format!(
            "{reason} ({})",
            describe_non_json(content_type(headers), bytes)
        )
    };
    Error::Status {
        method,
        url: url.to_owned(),
        status: status.as_u16(),
        detail,
        body: json.filter(Value::is_object).map(Box::new),
        hint: None,
        retry_after: parse_retry_after(headers),
    }
}

fn rate_limit(headers: &HeaderMap) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    for (header, key) in [
        ("x-ratelimit-limit", "limit"),
        ("x-ratelimit-remaining", "remaining"),
        ("x-ratelimit-reset", "reset"),
    ] {
        if let Some(n) = headers
            .get(header)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
        {
            out.insert(key.to_owned(), Value::from(n));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Maps ureq's errors onto ours, with the URL and without anything secret.
fn transport_error(url: &str, timeout: Duration, error: ureq::Error) -> Error {
    let url = url.to_owned();
    match error {
        ureq::Error::Timeout(which) => {
            use ureq::Timeout as T;
            let phase = match which {
                T::Resolve => "resolving the host name",
                T::Connect => PHASE_CONNECT,
                T::SendRequest | T::SendBody | T::Await100 | T::PerWrite => "sending the request",
                T::RecvResponse | T::PerRead => "waiting for the response headers",
                T::RecvBody => "reading the response body",
                _ => "completing the request",
            };
            Error::Timeout {
                url,
                phase,
                seconds: timeout.as_secs(),
            }
        }
        ureq::Error::HostNotFound => Error::HostNotFound { url },
        ureq::Error::Io(e) => io_error(url, &e),
        ureq::Error::ConnectionFailed => Error::Connect {
            url,
            reason: "the connection failed".into(),
        },
        ureq::Error::Rustls(e) => Error::Tls {
            url,
            reason: e.to_string(),
        },
        ureq::Error::Tls(e) => Error::Tls {
            url,
            reason: e.to_owned(),
        },
        ureq::Error::Pem(e) => Error::Tls {
            url,
            reason: format!("bad PEM data: {e:?}"),
        },
        ureq::Error::BodyExceedsLimit(_) => Error::BodyTooLarge {
            url,
            limit: MAX_BODY_BYTES,
        },
        ureq::Error::LargeResponseHeader(..) => Error::Transport {
            url,
            reason: "the response headers are too large".into(),
        },
        ureq::Error::InvalidProxyUrl | ureq::Error::ConnectProxyFailed(_) => Error::Connect {
            url,
            reason: format!(
                "through the proxy from the environment: {error} (use_proxy=false bypasses it)"
            ),
        },
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => Error::InvalidUrl {
            url,
            reason: "it is not a valid URL",
        },
        other => Error::Transport {
            url,
            reason: other.to_string(),
        },
    }
}

fn io_error(url: String, error: &std::io::Error) -> Error {
    use std::io::ErrorKind as K;
    // rustls reports certificate problems through io errors.
    if let Some(inner) = error.get_ref() {
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return Error::Tls {
                url,
                reason: tls.to_string(),
            };
        }
    }
    // std's resolver reports lookup failures as plain io errors with this wording.
    if error.to_string().starts_with("failed to lookup address") {
        return Error::HostNotFound { url };
    }
    match error.kind() {
        K::ConnectionRefused => Error::Connect {
            url,
            reason: "connection refused (is the server running, is the port right?)".into(),
        },
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => {
            Error::Connect {
                url,
                reason: format!("the server closed the connection ({error})"),
            }
        }
        K::TimedOut => Error::Connect {
            url,
            reason: "the operating system gave up connecting (timed out)".into(),
        },
        _ => Error::Connect {
            url,
            reason: error.to_string(),
        },
    }
}

fn read_ca_file(path: &PathBuf) -> Result<Vec<Certificate<'static>>, Error> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::CaFile {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let certs = pem_certificates(&bytes);
    if certs.is_empty() {
        return Err(Error::CaFile {
            path: shown,
            reason: "it holds no PEM certificate".into(),
        });
    }
    Ok(certs)
}

fn pem_certificates(bytes: &[u8]) -> Vec<Certificate<'static>> {
    ureq::tls::parse_pem(bytes)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(cert)) => Some(cert),
            _ => None,
        })
        .collect()
}

/// The host's CA bundle (so corporate CAs added there are trusted), else the bundled
/// Mozilla roots. SSL_CERT_FILE wins, as with OpenSSL and curl.
fn system_roots() -> RootCerts {
    let from_env = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
    let candidates = from_env
        .into_iter()
        .chain(SYSTEM_CA_FILES.iter().map(PathBuf::from));
    for path in candidates {
        if let Ok(bytes) = std::fs::read(&path) {
            let certs = pem_certificates(&bytes);
            if !certs.is_empty() {
                return RootCerts::new_with_certs(&certs);
            }
        }
    }
    RootCerts::WebPki
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(1_835_438_400)
        );
        assert_eq!(parse_http_date("06 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"), None);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(&headers(&[(
                "retry-after",
                "Thu, 01 Jan 1970 00:00:00 GMT"
            )])),
            Some(Duration::ZERO)
        );
        let soon = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 100;
        let wait = parse_retry_after(&headers(&[("x-retry-after", &soon.to_string())])).unwrap();
        assert!((98..=100).contains(&wait.as_secs()), "{wait:?}");
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "soon")])),
            None
        );
        assert_eq!(parse_retry_after(&headers(&[])), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        for attempt in 1..=10 {
            let step = Duration::from_secs(1u64 << (attempt - 1).min(5)).min(MAX_RETRY_WAIT);
            let wait = backoff(attempt);
            assert!(wait >= step / 2 && wait <= step, "{attempt}: {wait:?}");
        }
    }

    #[test]
    fn rate_limit_headers() {
        let h = headers(&[
            ("x-ratelimit-limit", "180"),
            ("x-ratelimit-remaining", "179"),
            ("x-ratelimit-reset", "1700000000"),
        ]);
        assert_eq!(
            Value::Object(rate_limit(&h).unwrap()),
            serde_json::json!({"limit": 180, "remaining": 179, "reset": 1_700_000_000})
        );
        assert!(rate_limit(&headers(&[])).is_none());
    }

    #[test]
    fn error_details_use_the_apis_words() {
        let e = status_error(
            "GET",
            "https://h/x",
            StatusCode::UNAUTHORIZED,
            &headers(&[]),
            br#"{"detail": "Invalid token", "message": "invalid token", "errinfo": {}}"#,
        );
        assert_eq!(
            e.to_string(),
            "GET https://h/x returned HTTP 401: Unauthorized (Invalid token)"
        );
        assert_eq!(e.status(), Some(401));
        let e = status_error(
            "GET",
            "https://h/x",
            StatusCode::INTERNAL_SERVER_ERROR,
            &headers(&[("content-type", "text/html")]),
            b"<html><body>oops</body></html>",
        );
        assert!(
            e.to_string().contains("an HTML page (text/html, 30 bytes)"),
            "{e}"
        );
        let e = status_error(
            "GET",
            "https://h/x",
            StatusCode::BAD_REQUEST,
            &headers(&[]),
            br#"{"fields": {"page": ["bad"]}, "text": "invalid"}"#,
        );
        assert!(
            e.to_string()
                .contains(r#"invalid; fields: {"page":["bad"]}"#),
            "{e}"
        );
    }

    #[test]
    fn bodies_that_are_not_objects() {
        let h = headers(&[("content-type", "application/json")]);
        assert!(parse_object("u", &h, b"  ")
            .unwrap_err()
            .to_string()
            .contains("the body is empty"));
        assert!(parse_object("u", &h, b"[1]")
            .unwrap_err()
            .to_string()
            .contains("got a JSON array"));
        assert!(parse_object("u", &h, br#"{"a": "#)
            .unwrap_err()
            .to_string()
            .contains("body of 6 bytes"));
        assert!(parse_object("u", &h, br#"{"a": 1}"#).is_ok());
        let utf8 = headers(&[("content-type", "application/json; charset=utf-8")]);
        assert!(parse_object("u", &utf8, br#"{"a": 1}"#).is_ok());
        assert!(parse_object("u", &headers(&[]), br#"{"a": 1}"#).is_ok());
        let html = headers(&[("content-type", "text/html")]);
        let err = parse_object("u", &html, br#"{"a": 1}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("an HTML page (text/html, 8 bytes)"), "{err}");
    }

    #[test]
    fn transient_errors() {
        let status = |s| Error::Status {
            method: "GET",
            url: "u".into(),
            status: s,
            detail: String::new(),
            body: None,
            hint: None,
            retry_after: None,
        };
        for s in [429, 502, 503, 504] {
            assert!(status(s).is_transient());
        }
        for s in [400, 401, 403, 404, 500] {
            assert!(!status(s).is_transient());
        }
        assert!(Error::Connect {
            url: "u".into(),
            reason: String::new()
        }
        .is_transient());
        assert!(!Error::HostNotFound { url: "u".into() }.is_transient());
    }
}
