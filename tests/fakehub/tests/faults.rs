//! Injected faults, the control endpoint and prompt shutdown.

mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use common::Client;
use fakehub::{Config, FakeHub, Fault};
use serde_json::{json, Value};

fn hub(tls: bool) -> FakeHub {
    FakeHub::start(Config {
        tokens: 5,
        tls,
        ..Config::default()
    })
    .unwrap()
}

fn list(c: &mut Client, hub: &FakeHub) -> common::Resp {
    c.get("/v2/access-tokens?page=1&page_size=10", &hub.jwt())
}

#[test]
fn status_fault_replies_exactly_then_the_server_recovers() {
    let hub = hub(true);
    hub.push_fault(Fault::Status {
        status: 429,
        body: r#"{"detail":"slow down"}"#.into(),
        headers: vec![
            ("Retry-After".into(), "1".into()),
            ("X-RateLimit-Remaining".into(), "0".into()),
        ],
    });
    let mut c = Client::connect(&hub);
    let r = list(&mut c, &hub);
    assert_eq!(r.status, 429);
    assert_eq!(r.text(), r#"{"detail":"slow down"}"#);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(
        r.headers
            .iter()
            .filter(|(k, _)| k == "x-ratelimit-remaining")
            .count(),
        1
    );
    r.assert_standard_headers();
    assert_eq!(list(&mut c, &hub).status, 200);
    assert_eq!(hub.connections(), 1);
    assert_eq!(hub.requests().len(), 2, "faulted requests are recorded too");
}

#[test]
fn faults_apply_before_authentication() {
    let hub = hub(true);
    hub.push_fault(Fault::Status {
        status: 503,
        body: "{}".into(),
        headers: vec![("Content-Type".into(), "text/plain".into())],
    });
    let mut c = Client::connect(&hub);
    let r = c.request("GET", "/v2/access-tokens", &[], b"").unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(
        c.request("GET", "/v2/access-tokens", &[], b"")
            .unwrap()
            .status,
        401
    );
}

#[test]
fn raw_faults() {
    let hub = hub(true);
    let mut c = Client::connect(&hub);
    let cases: [(u16, &str, &[u8]); 4] = [
        (
            500,
            "text/html",
            b"<html><body>Internal error</body></html>",
        ),
        (200, "application/json", b""),
        (200, "application/json", b"[1,2,3]"),
        (
            200,
            "application/json",
            b"{\"count\": 3, \"results\": [{\"uu",
        ),
    ];
    for (status, content_type, body) in cases {
        hub.push_fault(Fault::Raw {
            status,
            content_type: content_type.into(),
            body: body.to_vec(),
        });
        let r = list(&mut c, &hub);
        assert_eq!(r.status, status);
        assert_eq!(r.header("content-type"), Some(content_type));
        assert_eq!(r.body, body);
        r.assert_standard_headers();
    }
    assert_eq!(list(&mut c, &hub).status, 200);
}

#[test]
fn delay_then_normal_answer() {
    let hub = hub(true);
    hub.push_fault(Fault::Delay(Duration::from_millis(300)));
    let mut c = Client::connect(&hub);
    let start = Instant::now();
    let r = list(&mut c, &hub);
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["count"], 5);
}

#[test]
fn no_response_holds_until_the_client_gives_up() {
    let hub = hub(true);
    hub.push_fault(Fault::NoResponse);
    let mut c = Client::connect(&hub);
    c.send("GET", "/v2/access-tokens", &[], b"").unwrap();
    // Nothing comes back within a client timeout.
    let sock_wait = Instant::now();
    let got = c.read_some_with_timeout(Duration::from_millis(500));
    assert!(got.is_err(), "expected a timeout, got {got:?}");
    assert!(sock_wait.elapsed() >= Duration::from_millis(450));
    assert_eq!(hub.requests().len(), 1);
}

#[test]
fn stop_is_prompt_even_with_held_connections() {
    let hub = hub(true);
    hub.push_fault(Fault::NoResponse);
    hub.push_fault(Fault::HeadersNeverFinish);
    hub.push_fault(Fault::Delay(Duration::from_secs(60)));
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = Client::connect(&hub);
        c.send("GET", "/v2/access-tokens", &[], b"").unwrap();
        held.push(c);
    }
    while hub.requests().len() < 3 {
        std::thread::sleep(Duration::from_millis(10));
    }
    // An idle keep-alive connection and one that never started its TLS handshake.
    let mut idle = Client::connect(&hub);
    assert_eq!(list(&mut idle, &hub).status, 200);
    let _raw = std::net::TcpStream::connect(("127.0.0.1", hub.port())).unwrap();
    let ca_dir = hub.ca_path().parent().unwrap().to_path_buf();
    let port = hub.port();
    let start = Instant::now();
    hub.stop();
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "stop took {:?}",
        start.elapsed()
    );
    assert!(!ca_dir.exists(), "temp dir removed");
    for c in &mut held {
        assert!(c.closed_by_server());
    }
    assert!(idle.closed_by_server());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn headers_never_finish() {
    let hub = hub(false);
    hub.push_fault(Fault::HeadersNeverFinish);
    let mut c = Client::plain(hub.port());
    c.send("GET", "/v2/access-tokens", &[], b"").unwrap();
    let got = c.read_some_with_timeout(Duration::from_secs(5)).unwrap();
    let text = String::from_utf8(got).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(!text.contains("\r\n\r\n"));
    assert!(c
        .read_some_with_timeout(Duration::from_millis(400))
        .is_err());
}

#[test]
fn reset_mid_body_plain() {
    let hub = hub(false);
    hub.push_fault(Fault::ResetMidBody);
    let mut c = Client::plain(hub.port());
    c.send("GET", "/v2/access-tokens", &[], b"").unwrap();
    let (status, headers) = c.read_head().unwrap();
    assert_eq!(status, 200);
    assert!(headers.contains(&("content-length".into(), "100000".into())));
    let body = c.read_exact(1000).unwrap();
    assert!(body.starts_with(b"{\"count\""));
    let err = c.read_exact(1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
}

#[test]
fn reset_mid_body_tls() {
    let hub = hub(true);
    hub.push_fault(Fault::ResetMidBody);
    let mut c = Client::connect(&hub);
    c.send("GET", "/v2/access-tokens", &[], b"").unwrap();
    let (_, headers) = c.read_head().unwrap();
    assert!(headers.contains(&("content-length".into(), "100000".into())));
    assert!(c.read_exact(100_000).is_err());
}

#[test]
fn endless_body_streams_until_the_client_leaves() {
    let hub = hub(true);
    hub.push_fault(Fault::EndlessBody);
    let mut c = Client::connect(&hub);
    c.send("GET", "/v2/access-tokens", &[], b"").unwrap();
    let (status, headers) = c.read_head().unwrap();
    assert_eq!(status, 200);
    assert!(headers.contains(&("transfer-encoding".into(), "chunked".into())));
    let mut total = 0;
    while total < 4 << 20 {
        total += c.read_some().unwrap().len();
    }
    drop(c);
    // The server is still fine afterwards.
    let mut c = Client::connect(&hub);
    assert_eq!(list(&mut c, &hub).status, 200);
    let start = Instant::now();
    hub.stop();
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn redirect_and_echo() {
    let hub = hub(true);
    let mut c = Client::connect(&hub);
    for status in [301, 302, 307, 308] {
        hub.push_fault(Fault::Redirect {
            status,
            location: "https://example.invalid/v2/access-tokens".into(),
        });
        let r = list(&mut c, &hub);
        assert_eq!(r.status, status);
        assert_eq!(
            r.header("location"),
            Some("https://example.invalid/v2/access-tokens")
        );
    }
    hub.push_fault(Fault::EchoAuthorization { status: 401 });
    let r = list(&mut c, &hub);
    assert_eq!(r.status, 401);
    let v = r.json();
    let expected = format!("bad token: Bearer {}", hub.jwt());
    assert_eq!(v["detail"], json!(expected));
    assert!(v["message"].as_str().unwrap().contains(&hub.jwt()));
}

#[test]
fn prefix_times_and_fifo() {
    let hub = hub(true);
    let mut c = Client::connect(&hub);
    let status = |s: u16| Fault::Status {
        status: s,
        body: "{}".into(),
        headers: vec![],
    };
    hub.push_fault_for("/v2/access-tokens", status(502), 2);
    hub.push_fault(status(500));
    hub.push_fault(status(503));
    let login = |c: &mut Client| {
        c.post_json(
            "/v2/users/login",
            &json!({"username": "fakeuser", "password": "fakepassword"}),
        )
        .status
    };
    // The login path skips the prefixed entry and takes the first any-path one, FIFO.
    assert_eq!(login(&mut c), 500);
    assert_eq!(list(&mut c, &hub).status, 502);
    assert_eq!(list(&mut c, &hub).status, 502);
    assert_eq!(list(&mut c, &hub).status, 503);
    assert_eq!(list(&mut c, &hub).status, 200);
    assert_eq!(login(&mut c), 200);
}

#[test]
fn control_endpoint() {
    let hub = hub(true);
    let mut c = Client::connect(&hub);
    let r = c.post_json(
        "/_fakehub/faults",
        &json!({"path_prefix": "/v2/access-tokens", "times": 2, "fault": {
            "kind": "status", "status": 429, "body": "{\"detail\":\"Too many\"}",
            "headers": [["Retry-After", "1"]]}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json(), json!({"queued": 1}));
    let r = c.post_json(
        "/_fakehub/faults",
        &json!({"fault": {"kind": "raw", "status": 500, "content_type": "text/html", "body": "<h1>oops</h1>"}}),
    );
    assert_eq!(r.json(), json!({"queued": 2}));
    for bad in [
        json!({}),
        json!({"fault": {"kind": "bogus"}}),
        json!({"fault": {"kind": "delay"}}),
        json!({"times": -1, "fault": {"kind": "no_response"}}),
        json!({"path_prefix": 3, "fault": {"kind": "no_response"}}),
    ] {
        assert_eq!(c.post_json("/_fakehub/faults", &bad).status, 400, "{bad}");
    }

    let r = list(&mut c, &hub);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("1"));
    let r = c.post_json(
        "/v2/users/login",
        &json!({"username": "fakeuser", "password": "fakepassword"}),
    );
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), "<h1>oops</h1>");
    assert_eq!(list(&mut c, &hub).status, 429);
    assert_eq!(list(&mut c, &hub).status, 200);

    // Every kind parses; then DELETE clears them.
    for fault in [
        json!({"kind": "delay", "ms": 10}),
        json!({"kind": "no_response"}),
        json!({"kind": "headers_never_finish"}),
        json!({"kind": "reset_mid_body"}),
        json!({"kind": "endless_body"}),
        json!({"kind": "redirect", "status": 307, "location": "/elsewhere"}),
        json!({"kind": "echo_authorization", "status": 403}),
    ] {
        let r = c.post_json(
            "/_fakehub/faults",
            &json!({"path_prefix": "/nowhere", "fault": fault}),
        );
        assert_eq!(r.status, 201);
    }
    let r = c.request("DELETE", "/_fakehub/faults", &[], b"").unwrap();
    assert_eq!(r.json(), json!({"cleared": 7}));

    let r = c.request("GET", "/_fakehub/requests", &[], b"").unwrap();
    assert_eq!(r.status, 200);
    let reqs = r.json();
    let reqs = reqs.as_array().unwrap();
    assert_eq!(reqs.len(), 4, "control requests are not recorded");
    assert_eq!(reqs[0]["method"], "GET");
    assert_eq!(reqs[0]["path"], "/v2/access-tokens");
    assert_eq!(reqs[0]["query"], "page=1&page_size=10");
    assert!(reqs[0]["headers"]
        .as_array()
        .unwrap()
        .contains(&json!(["authorization", format!("Bearer {}", hub.jwt())])));
    assert_eq!(reqs[1]["path"], "/v2/users/login");
    assert_eq!(
        serde_json::from_str::<Value>(reqs[1]["body"].as_str().unwrap()).unwrap()["username"],
        "fakeuser"
    );
    assert_eq!(reqs[0]["connection"], 1);
    assert_eq!(hub.requests().len(), 4);

    let stats = c
        .request("GET", "/_fakehub/stats", &[], b"")
        .unwrap()
        .json();
    assert_eq!(
        stats,
        json!({"connections": 1, "requests": 4, "faults_queued": 0})
    );
    assert_eq!(
        c.request("PUT", "/_fakehub/faults", &[], b"")
            .unwrap()
            .status,
        405
    );
    assert_eq!(
        c.request("GET", "/_fakehub/nothing", &[], b"")
            .unwrap()
            .status,
        404
    );
}

#[test]
fn control_endpoint_delay_fault() {
    let hub = hub(false);
    let mut c = Client::plain(hub.port());
    let r = c.post_json(
        "/_fakehub/faults",
        &json!({"fault": {"kind": "delay", "ms": 200}}),
    );
    assert_eq!(r.status, 201);
    let start = Instant::now();
    assert_eq!(list(&mut c, &hub).status, 200);
    assert!(start.elapsed() >= Duration::from_millis(200));
}
