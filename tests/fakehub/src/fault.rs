//! Injected failures: what they are, their queue, their JSON form and how they are played out.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::http::{reason, Request, Response};
use crate::lock;
use crate::server::{Conn, Shared};

/// How long `NoResponse` and `HeadersNeverFinish` hold a connection at most.
const HOLD_CAP: Duration = Duration::from_secs(120);
/// How long, and how many bytes, `EndlessBody` streams at most.
const ENDLESS_TIME_CAP: Duration = Duration::from_secs(60);
const ENDLESS_BYTES_CAP: u64 = 4 << 30;

/// A misbehaviour to play instead of (or before) the normal answer to one request.
///
/// Faults are applied before authentication, so they work on any route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Reply with exactly this status, body and headers (Content-Type is `application/json`
    /// unless `headers` gives one; the rate-limit headers are added unless `headers` gives them).
    Status {
        status: u16,
        body: String,
        headers: Vec<(String, String)>,
    },
    /// Reply with this status, content type and raw body (an HTML error page, an empty body,
    /// a JSON array, truncated JSON, ...).
    Raw {
        status: u16,
        content_type: String,
        body: Vec<u8>,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Read the request and never answer; the socket is held until the client closes it, the
    /// server stops, or 120 s pass.
    NoResponse,
    /// Send the status line and one header, then stall (same limits as `NoResponse`).
    HeadersNeverFinish,
    /// Send headers announcing 100000 bytes of body, send 1000, then reset the connection (RST).
    ResetMidBody,
    /// A 200 with a chunked JSON-looking body that never ends (until the client goes away,
    /// the server stops, 60 s pass or 4 GiB were sent).
    EndlessBody,
    /// A redirect (301/302/307/308 or any status given) to `location`.
    Redirect { status: u16, location: String },
    /// An error whose body echoes the request's Authorization header, like a hostile or buggy
    /// server would: `{"detail": "bad token: <value>", "message": "..."}`.
    EchoAuthorization { status: u16 },
}

/// What the connection loop should do after a fault was applied.
pub(crate) enum Outcome {
    /// Send this response normally.
    Respond(Response),
    /// Answer the request normally.
    Proceed,
    /// Close the connection without answering further.
    Close,
    /// The connection was set to reset: drop it without any goodbye.
    Reset,
}

struct Queued {
    prefix: Option<String>,
    fault: Fault,
    remaining: usize,
}

/// FIFO of pending faults; each request consumes at most one.
#[derive(Default)]
pub(crate) struct FaultQueue {
    queue: Mutex<VecDeque<Queued>>,
}

impl FaultQueue {
    /// Queues `fault` for the next `times` requests whose path starts with `prefix` (any path
    /// when `prefix` is `None`). Returns how many entries are queued now.
    pub(crate) fn push(&self, prefix: Option<String>, fault: Fault, times: usize) -> usize {
        let mut queue = lock(&self.queue);
        if times > 0 {
            queue.push_back(Queued {
                prefix,
                fault,
                remaining: times,
            });
        }
        queue.len()
    }

    /// Takes the first queued fault that applies to `path`.
    pub(crate) fn take(&self, path: &str) -> Option<Fault> {
        let mut queue = lock(&self.queue);
        let index = queue
            .iter()
            .position(|q| q.prefix.as_deref().is_none_or(|p| path.starts_with(p)))?;
        let entry = queue.get_mut(index)?;
        entry.remaining -= 1;
        let fault = entry.fault.clone();
        if entry.remaining == 0 {
            queue.remove(index);
        }
        Some(fault)
    }

    /// Drops every queued fault; returns how many entries there were.
    pub(crate) fn clear(&self) -> usize {
        let mut queue = lock(&self.queue);
        let n = queue.len();
        queue.clear();
        n
    }

    pub(crate) fn len(&self) -> usize {
        lock(&self.queue).len()
    }
}

fn status_of(v: &Value, default: Option<u16>) -> Result<u16, String> {
    match v.get("status") {
        None => default.ok_or_else(|| "missing \"status\"".to_string()),
        Some(s) => s
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| (100..=999).contains(n))
            .ok_or_else(|| "\"status\" must be an integer from 100 to 999".to_string()),
    }
}

/// A string field, or the JSON text of any other value (so bodies can be given as JSON).
fn text_of(v: &Value, name: &str) -> String {
    match v.get(name) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

impl Fault {
    /// Parses the control endpoint's form, e.g. `{"kind": "status", "status": 429, "body": "..",
    /// "headers": [["Retry-After", "1"]]}` or `{"kind": "delay", "ms": 1500}`.
    pub(crate) fn from_json(v: &Value) -> Result<Fault, String> {
        let kind = v
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("missing \"kind\"")?;
        Ok(match kind {
            "status" => {
                let mut headers = Vec::new();
                for pair in v
                    .get("headers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    match pair.as_array().map(Vec::as_slice) {
                        Some([Value::String(k), Value::String(v)]) => {
                            headers.push((k.clone(), v.clone()))
                        }
                        _ => {
                            return Err(
                                "\"headers\" must be a list of [name, value] string pairs".into()
                            )
                        }
                    }
                }
                Fault::Status {
                    status: status_of(v, None)?,
                    body: text_of(v, "body"),
                    headers,
                }
            }
            "raw" => Fault::Raw {
                status: status_of(v, Some(200))?,
                content_type: v
                    .get("content_type")
                    .and_then(Value::as_str)
                    .unwrap_or("application/json")
                    .to_string(),
                body: text_of(v, "body").into_bytes(),
            },
            "delay" => Fault::Delay(Duration::from_millis(
                v.get("ms")
                    .and_then(Value::as_u64)
                    .ok_or("\"delay\" needs \"ms\" (milliseconds)")?,
            )),
            "no_response" => Fault::NoResponse,
            "headers_never_finish" => Fault::HeadersNeverFinish,
            "reset_mid_body" => Fault::ResetMidBody,
            "endless_body" => Fault::EndlessBody,
            "redirect" => Fault::Redirect {
                status: status_of(v, Some(302))?,
                location: v
                    .get("location")
                    .and_then(Value::as_str)
                    .ok_or("\"redirect\" needs \"location\"")?
                    .to_string(),
            },
            "echo_authorization" => Fault::EchoAuthorization {
                status: status_of(v, Some(401))?,
            },
            other => return Err(format!("unknown fault kind {other:?}")),
        })
    }
}

/// Plays `fault` for `req` on `conn`.
pub(crate) fn apply(
    fault: Fault,
    conn: &mut dyn Conn,
    req: &Request,
    shared: &Shared,
) -> io::Result<Outcome> {
    Ok(match fault {
        Fault::Status {
            status,
            body,
            headers,
        } => Outcome::Respond(Response {
            status,
            headers,
            body: body.into_bytes(),
        }),
        Fault::Raw {
            status,
            content_type,
            body,
        } => Outcome::Respond(Response {
            status,
            headers: vec![("Content-Type".into(), content_type)],
            body,
        }),
        Fault::Redirect { status, location } => Outcome::Respond(
            Response::json(status, &json!({"detail": format!("Moved to {location}")}))
                .with_header("Location", &location),
        ),
        Fault::EchoAuthorization { status } => {
            let auth = req.header("authorization").unwrap_or("");
            Outcome::Respond(Response::json(
                status,
                &json!({
                    "detail": format!("bad token: {auth}"),
                    "message": format!("request rejected for Authorization: {auth}"),
                }),
            ))
        }
        Fault::Delay(d) => {
            if shared.sleep(d) {
                Outcome::Proceed
            } else {
                Outcome::Close
            }
        }
        Fault::NoResponse => {
            hold(conn, shared);
            Outcome::Close
        }
        Fault::HeadersNeverFinish => {
            conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")?;
            conn.flush()?;
            hold(conn, shared);
            Outcome::Close
        }
        Fault::ResetMidBody => {
            let mut out = head(200, &[("Content-Length", "100000".into())], shared);
            let mut body = concat!(
                r#"{"count":1000,"next":null,"previous":null,"active_count":1000,"#,
                r#""results":[{"uuid":"00000000-0000-4000-8000-000000000000","token_label":""#
            )
            .as_bytes()
            .to_vec();
            body.resize(1000, b'x');
            out.extend_from_slice(&body);
            conn.write_all(&out)?;
            conn.flush()?;
            socket2::SockRef::from(conn.tcp()).set_linger(Some(Duration::ZERO))?;
            Outcome::Reset
        }
        Fault::EndlessBody => {
            endless(conn, shared)?;
            Outcome::Close
        }
    })
}

/// Status line and headers (with the standard ones), without Content-Length.
fn head(status: u16, extra: &[(&str, String)], shared: &Shared) -> Vec<u8> {
    let mut r = Response {
        status,
        headers: extra
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect(),
        body: Vec::new(),
    };
    shared.finish(&mut r);
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status)).into_bytes();
    for (k, v) in &r.headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Keeps the connection open, discarding input, until the client closes it, the server stops or
/// the cap passes.
fn hold(conn: &mut dyn Conn, shared: &Shared) {
    let deadline = Instant::now() + HOLD_CAP;
    let mut sink = [0u8; 4096];
    while !shared.stopping() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero()
            || conn
                .tcp()
                .set_read_timeout(Some(left.min(Duration::from_millis(250))))
                .is_err()
        {
            return;
        }
        match (&mut conn.tcp()).read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return,
        }
    }
}

/// Streams a never-ending JSON list of tokens in chunked encoding.
fn endless(conn: &mut dyn Conn, shared: &Shared) -> io::Result<()> {
    let mut out = head(200, &[("Transfer-Encoding", "chunked".into())], shared);
    let start =
        br#"{"count":1000000000,"next":null,"previous":null,"active_count":1000000000,"results":["#;
    out.extend_from_slice(format!("{:x}\r\n", start.len()).as_bytes());
    out.extend_from_slice(start);
    out.extend_from_slice(b"\r\n");
    conn.write_all(&out)?;

    let item = concat!(
        r#"{"uuid":"00000000-0000-4000-8000-000000000000","client_id":"HUB","#,
        r#""token_label":"endless","scopes":["repo:read"],"is_active":true},"#
    )
    .as_bytes();
    let mut payload = Vec::with_capacity(64 * 1024);
    while payload.len() + item.len() <= 60 * 1024 {
        payload.extend_from_slice(item);
    }
    let mut chunk = format!("{:x}\r\n", payload.len()).into_bytes();
    chunk.extend_from_slice(&payload);
    chunk.extend_from_slice(b"\r\n");

    conn.tcp().set_write_timeout(Some(Duration::from_secs(5)))?;
    let deadline = Instant::now() + ENDLESS_TIME_CAP;
    let mut sent = out.len() as u64;
    while !shared.stopping() && Instant::now() < deadline && sent < ENDLESS_BYTES_CAP {
        conn.write_all(&chunk)?;
        sent += chunk.len() as u64;
    }
    conn.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_is_fifo_and_respects_prefix_and_times() {
        let q = FaultQueue::default();
        q.push(Some("/v2/access-tokens".into()), Fault::NoResponse, 2);
        q.push(None, Fault::EndlessBody, 1);
        assert_eq!(q.take("/v2/users/login"), Some(Fault::EndlessBody));
        assert_eq!(q.take("/v2/users/login"), None);
        assert_eq!(q.take("/v2/access-tokens/x"), Some(Fault::NoResponse));
        assert_eq!(q.take("/v2/access-tokens"), Some(Fault::NoResponse));
        assert_eq!(q.take("/v2/access-tokens"), None);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn parses_every_kind() {
        let parse = |v: Value| Fault::from_json(&v);
        assert_eq!(
            parse(
                json!({"kind": "status", "status": 429, "body": "{}", "headers": [["Retry-After", "1"]]})
            ),
            Ok(Fault::Status {
                status: 429,
                body: "{}".into(),
                headers: vec![("Retry-After".into(), "1".into())]
            })
        );
        assert_eq!(
            parse(json!({"kind": "status", "status": 400, "body": {"a": 1}})),
            Ok(Fault::Status {
                status: 400,
                body: "{\"a\":1}".into(),
                headers: vec![]
            })
        );
        assert_eq!(
            parse(
                json!({"kind": "raw", "status": 500, "content_type": "text/html", "body": "<h1>x</h1>"})
            ),
            Ok(Fault::Raw {
                status: 500,
                content_type: "text/html".into(),
                body: b"<h1>x</h1>".to_vec()
            })
        );
        assert_eq!(
            parse(json!({"kind": "delay", "ms": 250})),
            Ok(Fault::Delay(Duration::from_millis(250)))
        );
        assert_eq!(parse(json!({"kind": "no_response"})), Ok(Fault::NoResponse));
        assert_eq!(
            parse(json!({"kind": "headers_never_finish"})),
            Ok(Fault::HeadersNeverFinish)
        );
        assert_eq!(
            parse(json!({"kind": "reset_mid_body"})),
            Ok(Fault::ResetMidBody)
        );
        assert_eq!(
            parse(json!({"kind": "endless_body"})),
            Ok(Fault::EndlessBody)
        );
        assert_eq!(
            parse(json!({"kind": "redirect", "status": 301, "location": "https://x/"})),
            Ok(Fault::Redirect {
                status: 301,
                location: "https://x/".into()
            })
        );
        assert_eq!(
            parse(json!({"kind": "echo_authorization"})),
            Ok(Fault::EchoAuthorization { status: 401 })
        );
        assert!(parse(json!({"kind": "nope"})).is_err());
        assert!(parse(json!({"kind": "status"})).is_err());
        assert!(parse(json!({"kind": "status", "status": 70000})).is_err());
        assert!(parse(json!({"kind": "delay"})).is_err());
        assert!(parse(json!({"kind": "redirect"})).is_err());
    }
}
