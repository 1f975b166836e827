//! Accepting connections, the per-connection request loop, the control endpoint and shutdown.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use serde_json::{json, Value};

use crate::fault::{self, FaultQueue, Outcome};
use crate::http::{ReadError, Request, RequestReader, Response};
use crate::hub::Hub;
use crate::util::now_unix;
use crate::{lock, RecordedRequest};

/// Idle time after which a keep-alive connection is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// Time a blocked write may take before the connection is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Rate-limit headers: this many requests per window (never enforced).
const RATE_LIMIT: u64 = 100_000;
const RATE_WINDOW_SECS: u64 = 60;
/// Paths under this prefix are the control endpoint: never faulted, never recorded.
const CONTROL_PREFIX: &str = "/_fakehub/";

/// A served connection: plain TCP or TLS over TCP.
pub(crate) trait Conn: Read + Write {
    /// The underlying socket.
    fn tcp(&self) -> &TcpStream;
    /// Says goodbye properly (TLS close_notify) before the socket is closed.
    fn close_gracefully(&mut self) {}
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Conn for StreamOwned<ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }

    fn close_gracefully(&mut self) {
        self.conn.send_close_notify();
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut self.sock).is_err() {
                break;
            }
        }
    }
}

/// State shared by the accept thread, the connection threads and the `FakeHub` handle.
pub(crate) struct Shared {
    pub(crate) hub: Hub,
    pub(crate) faults: FaultQueue,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    pub(crate) connections: AtomicUsize,
    tls: Option<Arc<ServerConfig>>,
    stopping: AtomicBool,
    stop_flag: Mutex<bool>,
    stop_cv: Condvar,
    open: Mutex<HashMap<usize, TcpStream>>,
    live: Mutex<usize>,
    live_cv: Condvar,
    rate: Mutex<(u64, u64)>,
}

/// Counts a running thread; the count drops (and waiters wake) when the guard is dropped.
struct LiveGuard(Arc<Shared>);

impl LiveGuard {
    fn new(shared: &Arc<Shared>) -> LiveGuard {
        *lock(&shared.live) += 1;
        LiveGuard(Arc::clone(shared))
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        *lock(&self.0.live) -= 1;
        self.0.live_cv.notify_all();
    }
}

impl Shared {
    pub(crate) fn new(hub: Hub, tls: Option<Arc<ServerConfig>>) -> Shared {
        Shared {
            hub,
            faults: FaultQueue::default(),
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            tls,
            stopping: AtomicBool::new(false),
            stop_flag: Mutex::new(false),
            stop_cv: Condvar::new(),
            open: Mutex::new(HashMap::new()),
            live: Mutex::new(0),
            live_cv: Condvar::new(),
            rate: Mutex::new((0, 0)),
        }
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Sleeps for `d` unless the server stops first; true if the full time passed.
    pub(crate) fn sleep(&self, d: Duration) -> bool {
        let flag = lock(&self.stop_flag);
        let (flag, _) = self
            .stop_cv
            .wait_timeout_while(flag, d, |stopped| !*stopped)
            .unwrap_or_else(|e| e.into_inner());
        !*flag
    }

    /// Adds the headers every response carries: Content-Type (JSON unless set) and rate limits.
    pub(crate) fn finish(&self, resp: &mut Response) {
        let now = now_unix();
        let (reset, remaining) = {
            let mut rate = lock(&self.rate);
            if now >= rate.0 {
                *rate = (now - now % RATE_WINDOW_SECS + RATE_WINDOW_SECS, 0);
            }
            rate.1 += 1;
            (rate.0, RATE_LIMIT.saturating_sub(rate.1))
        };
        resp.default_header("Content-Type", "application/json");
        resp.default_header("X-RateLimit-Limit", &RATE_LIMIT.to_string());
        resp.default_header("X-RateLimit-Remaining", &remaining.to_string());
        resp.default_header("X-RateLimit-Reset", &reset.to_string());
    }

    /// Stops accepting, closes every connection and waits (boundedly) for the threads to end.
    pub(crate) fn shutdown(&self, addr: SocketAddr) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        *lock(&self.stop_flag) = true;
        self.stop_cv.notify_all();
        // Wake the blocking accept() with a connection of our own; it sees `stopping` and ends.
        let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        for stream in lock(&self.open).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut live = lock(&self.live);
        while *live > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            live = self
                .live_cv
                .wait_timeout(live, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

/// Starts the accept thread.
pub(crate) fn spawn_acceptor(shared: Arc<Shared>, listener: TcpListener) -> std::io::Result<()> {
    let guard = LiveGuard::new(&shared);
    std::thread::Builder::new()
        .name("fakehub-accept".into())
        .spawn(move || {
            let _guard = guard;
            for stream in listener.incoming() {
                if shared.stopping() {
                    break;
                }
                let Ok(stream) = stream else {
                    // Out of file descriptors and the like: back off a little.
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let id = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
                let conn_guard = LiveGuard::new(&shared);
                let worker = Arc::clone(&shared);
                let spawned = std::thread::Builder::new()
                    .name(format!("fakehub-conn-{id}"))
                    .spawn(move || {
                        let _guard = conn_guard;
                        run_connection(&worker, stream, id);
                    });
                if spawned.is_err() {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        })?;
    Ok(())
}

/// How a connection's request loop ended.
enum Ending {
    Graceful,
    Abrupt,
}

fn run_connection(shared: &Shared, stream: TcpStream, id: usize) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    {
        let mut open = lock(&shared.open);
        if shared.stopping() {
            return;
        }
        if let Ok(clone) = stream.try_clone() {
            open.insert(id, clone);
        }
    }
    match &shared.tls {
        Some(config) => {
            if let Ok(tls) = ServerConnection::new(Arc::clone(config)) {
                let mut conn = StreamOwned::new(tls, stream);
                finish_connection(shared, &mut conn, id);
            }
        }
        None => {
            let mut conn = stream;
            finish_connection(shared, &mut conn, id);
        }
    }
    // Dropping the clone closes our last extra handle, so a reset (SO_LINGER 0) really resets.
    lock(&shared.open).remove(&id);
}

fn finish_connection(shared: &Shared, conn: &mut dyn Conn, id: usize) {
    if let Ending::Graceful = serve(shared, conn, id) {
        conn.close_gracefully();
        let _ = conn.tcp().shutdown(Shutdown::Write);
    }
}

fn serve(shared: &Shared, conn: &mut dyn Conn, id: usize) -> Ending {
    let mut reader = RequestReader::default();
    loop {
        let req = match reader.read_request(conn) {
            Ok(Some(req)) => req,
            Ok(None) => return Ending::Graceful,
            Err(ReadError::Io) => return Ending::Abrupt,
            Err(ReadError::Bad { status, message }) => {
                let mut resp =
                    Response::json(status, &json!({"detail": message, "message": message}));
                shared.finish(&mut resp);
                let _ = resp.write_to(conn, false);
                return Ending::Graceful;
            }
        };
        if shared.stopping() {
            return Ending::Abrupt;
        }
        let mut resp = if let Some(rest) = req.path.strip_prefix(CONTROL_PREFIX) {
            control(shared, rest, &req)
        } else {
            lock(&shared.requests).push(RecordedRequest {
                method: req.method.clone(),
                path: req.path.clone(),
                query: req.query.clone(),
                headers: req.headers.clone(),
                body: req.body.clone(),
                connection: id,
            });
            match shared.faults.take(&req.path) {
                None => shared.hub.handle(&req),
                Some(f) => match fault::apply(f, conn, &req, shared) {
                    Ok(Outcome::Respond(resp)) => resp,
                    Ok(Outcome::Proceed) => shared.hub.handle(&req),
                    Ok(Outcome::Close) | Err(_) => return Ending::Abrupt,
                    Ok(Outcome::Reset) => return Ending::Abrupt,
                },
            }
        };
        shared.finish(&mut resp);
        if resp.write_to(conn, req.keep_alive).is_err() {
            return Ending::Abrupt;
        }
        if !req.keep_alive {
            return Ending::Graceful;
        }
    }
}

/// The control endpoint for out-of-process users (see the crate docs for the JSON shapes).
fn control(shared: &Shared, route: &str, req: &Request) -> Response {
    let bad = |text: String| Response::json(400, &json!({"detail": text, "message": text}));
    match (req.method.as_str(), route.trim_end_matches('/')) {
        ("POST", "faults") => {
            let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
                return bad("body must be JSON".into());
            };
            let Some(spec) = body.get("fault") else {
                return bad("missing \"fault\"".into());
            };
            let fault = match fault::Fault::from_json(spec) {
                Ok(f) => f,
                Err(e) => return bad(e),
            };
            let prefix = match body.get("path_prefix") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) => Some(p.clone()),
                Some(_) => return bad("\"path_prefix\" must be a string".into()),
            };
            let times = match body.get("times") {
                None | Some(Value::Null) => 1,
                Some(t) => match t.as_u64().and_then(|t| usize::try_from(t).ok()) {
                    Some(t) => t,
                    None => return bad("\"times\" must be a non-negative integer".into()),
                },
            };
            let queued = shared.faults.push(prefix, fault, times);
            Response::json(201, &json!({"queued": queued}))
        }
        ("DELETE", "faults") => Response::json(200, &json!({"cleared": shared.faults.clear()})),
        ("GET", "requests") => {
            let list: Vec<Value> = lock(&shared.requests)
                .iter()
                .map(|r| {
                    json!({
                        "method": r.method,
                        "path": r.path,
                        "query": r.query,
                        "headers": r.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                        "body": String::from_utf8_lossy(&r.body),
                        "connection": r.connection,
                    })
                })
                .collect();
            Response::json(200, &Value::Array(list))
        }
        ("GET", "stats") => Response::json(
            200,
            &json!({
                "connections": shared.connections.load(Ordering::SeqCst),
                "requests": lock(&shared.requests).len(),
                "faults_queued": shared.faults.len(),
            }),
        ),
        (_, "faults" | "requests" | "stats") => Response::json(
            405,
            &json!({"detail": "method not allowed", "message": "method not allowed"}),
        ),
        _ => Response::json(
            404,
            &json!({"detail": "Not found.", "message": "Not found."}),
        ),
    }
}
