//! The `fakehub` binary: its JSON line, serving, the control endpoint and clean exits.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Client;
use serde_json::{json, Value};

fn spawn(args: &[&str]) -> (Child, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fakehub"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    (child, info)
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("fakehub did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_and_exits_on_stdin_eof() {
    let (mut child, info) = spawn(&[
        "--tokens",
        "12",
        "--username",
        "alice",
        "--password",
        "s3cret",
        "--exit-on-stdin-eof",
    ]);
    let port = info["port"].as_u64().unwrap() as u16;
    let url = format!("https://127.0.0.1:{port}");
    assert_eq!(info["url"], json!(url));
    assert_eq!(
        info["tokens_url"],
        json!(format!("{url}/v2/access-tokens/"))
    );
    assert_eq!(info["login_url"], json!(format!("{url}/v2/users/login")));
    assert_eq!(info["username"], "alice");
    assert_eq!(info["password"], "s3cret");
    assert_eq!(info["pid"], json!(child.id()));
    let ca_path = PathBuf::from(info["ca_path"].as_str().unwrap());
    assert!(ca_path.is_file());

    let mut c = Client::tls(port, &ca_path, "127.0.0.1").unwrap();
    let jwt = info["jwt"].as_str().unwrap();
    let v = c.get("/v2/access-tokens?page_size=5", jwt).json();
    assert_eq!(v["count"], 12);
    assert_eq!(
        v["next"],
        json!(format!("{url}/v2/access-tokens?page=2&page_size=5"))
    );
    let jwt2 = common::login(&mut c, "alice", "s3cret");
    assert_eq!(c.get("/v2/access-tokens", &jwt2).status, 200);

    let r = c.post_json(
        "/_fakehub/faults",
        &json!({"path_prefix": "/v2/access-tokens", "fault": {"kind": "status", "status": 429,
                "body": "{}", "headers": [["Retry-After", "2"]]}}),
    );
    assert_eq!(r.status, 201);
    let r = c.get("/v2/access-tokens", jwt);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("2"));
    let reqs = c
        .request("GET", "/_fakehub/requests", &[], b"")
        .unwrap()
        .json();
    assert_eq!(reqs.as_array().unwrap().len(), 4);

    drop(child.stdin.take());
    let status = wait_exit(&mut child);
    assert!(status.success(), "{status:?}");
    assert!(!ca_path.exists(), "temp dir removed on exit");
}

#[test]
fn exits_cleanly_on_sigterm_even_with_a_held_connection() {
    let (mut child, info) = spawn(&["--http", "--tokens", "0"]);
    let port = info["port"].as_u64().unwrap() as u16;
    assert_eq!(info["url"], json!(format!("http://127.0.0.1:{port}")));
    let ca_path = PathBuf::from(info["ca_path"].as_str().unwrap());

    let mut c = Client::plain(port);
    let r = c.post_json(
        "/_fakehub/faults",
        &json!({"fault": {"kind": "no_response"}}),
    );
    assert_eq!(r.status, 201);
    c.send("GET", "/v2/access-tokens", &[], b"").unwrap();
    std::thread::sleep(Duration::from_millis(100));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let start = Instant::now();
    let status = wait_exit(&mut child);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(status.success(), "{status:?}");
    assert!(!ca_path.exists());
    assert!(c.closed_by_server());
}

#[test]
fn options_and_errors() {
    let (mut child, info) = spawn(&[
        "--tokens=2",
        "--cert",
        "wrong-host",
        "--totp-code",
        "000111",
        "--pat",
        "dckr_pat_other",
        "--exit-on-stdin-eof",
    ]);
    assert_eq!(info["pat"], "dckr_pat_other");
    let port = info["port"].as_u64().unwrap() as u16;
    let ca_path = PathBuf::from(info["ca_path"].as_str().unwrap());
    assert!(Client::tls(port, &ca_path, "127.0.0.1").is_err());
    let mut c = Client::tls(port, &ca_path, "wrong.example").unwrap();
    let r = c.post_json(
        "/v2/users/login",
        &json!({"username": "fakeuser", "password": "fakepassword"}),
    );
    assert!(r.json()["login_2fa_token"].is_string());
    drop(child.stdin.take());
    assert!(wait_exit(&mut child).success());

    for bad in [
        &["--tokens", "many"][..],
        &["--cert", "bogus"],
        &["--frobnicate"],
        &["--port"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_fakehub"))
            .args(bad)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{bad:?}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("fakehub: "));
    }
}
