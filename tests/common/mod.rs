//! Helpers shared by the integration tests: run a module binary the way ansible-core
//! does (argv[1] = args file), parse what it printed, and check that no secret leaked.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub use fakehub::{CertKind, Config, FakeHub, Fault, RecordedRequest};
use serde_json::Value;

pub const INFO: &str = env!("CARGO_BIN_EXE_docker_hub_personal_token_info");
pub const LOGIN: &str = env!("CARGO_BIN_EXE_docker_hub_token");

/// Distinctive secrets: if any of these shows up in any output, it leaked.
pub const PASSWORD: &str = "pw-Secret-7f3a9c!";
pub const TOTP: &str = "913377";
pub const PAT: &str = "dckr_pat_Leak0Check0Pat0000000001";

/// What one run printed.
#[derive(Debug)]
pub struct Run {
    pub json: Value,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn msg(&self) -> &str {
        self.json["msg"].as_str().unwrap_or("")
    }
    pub fn failed(&self) -> bool {
        self.json["failed"] == Value::Bool(true)
    }
    #[track_caller]
    pub fn expect_ok(&self) -> &Self {
        assert!(
            !self.failed() && self.code == 0,
            "expected success, got {}",
            self.stdout
        );
        self
    }
    #[track_caller]
    pub fn expect_failure(&self, words: &[&str]) -> &Self {
        assert!(
            self.failed() && self.code == 1,
            "expected failure, got {}",
            self.stdout
        );
        for w in words {
            assert!(self.msg().contains(w), "msg lacks {w:?}: {}", self.msg());
        }
        self
    }
}

/// A fake Docker Hub with distinctive credentials.
pub fn hub(config: Config) -> FakeHub {
    FakeHub::start(Config {
        password: PASSWORD.into(),
        pat: PAT.into(),
        ..config
    })
    .unwrap()
}

pub fn default_hub() -> FakeHub {
    hub(Config::default())
}

/// Runs `bin` with these args (a JSON object) written to a temp file.
/// Every run checks the output contract and that no secret of the args leaked.
pub fn run(bin: &str, args: Value) -> Run {
    run_with_env(bin, args, &[])
}

/// As [`run`], with extra environment variables (proxies are otherwise removed).
pub fn run_with_env(bin: &str, args: Value, env: &[(&str, &str)]) -> Run {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("mc-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("args-{}.json", N.fetch_add(1, Ordering::SeqCst)));
    std::fs::write(&path, args.to_string()).unwrap();
    let run = run_argv_env(bin, &[path.as_os_str()], env);
    std::fs::remove_file(&path).unwrap();
    // The no_log options of this module (another module's option of the same name is
    // just an unknown option here, and is shown as such).
    let secret_keys: &[&str] = if bin == INFO {
        &["token"]
    } else {
        &["password", "code"]
    };
    let mut secrets: Vec<String> = secret_keys
        .iter()
        .filter_map(|k| args.get(k).and_then(Value::as_str).map(str::to_owned))
        .collect();
    secrets.extend([PASSWORD.to_owned(), TOTP.to_owned(), PAT.to_owned()]);
    assert_no_secret(&run, &secrets);
    run
}

pub fn run_argv(bin: &str, argv: &[&std::ffi::OsStr]) -> Run {
    run_argv_env(bin, argv, &[])
}

pub fn run_argv_env(bin: &str, argv: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> Run {
    let start = Instant::now();
    let mut command = Command::new(bin);
    command.args(argv).stdin(Stdio::null());
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let out = command.output().unwrap();
    let elapsed = start.elapsed();
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().expect("exited, not killed by a signal");
    // Exactly one JSON object on one line, nothing else.
    assert_eq!(stdout.lines().count(), 1, "stdout: {stdout:?}");
    let json: Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert!(json.is_object(), "{stdout}");
    assert_eq!(
        json["failed"] == Value::Bool(true),
        code == 1,
        "exit code {code} vs {stdout}"
    );
    assert!(code == 0 || code == 1, "exit code {code}");
    assert!(json["changed"].is_boolean(), "{stdout}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    Run {
        json,
        code,
        stdout,
        stderr,
        elapsed,
    }
}

#[track_caller]
pub fn assert_no_secret(run: &Run, secrets: &[String]) {
    for secret in secrets.iter().filter(|s| s.len() >= 6) {
        assert!(
            !run.stdout.contains(secret.as_str()),
            "secret leaked on stdout: {}",
            run.stdout
        );
        assert!(
            !run.stderr.contains(secret.as_str()),
            "secret leaked on stderr: {}",
            run.stderr
        );
    }
}

/// Standard args for the info module against `hub`.
pub fn info_args(hub: &FakeHub) -> Value {
    serde_json::json!({
        "token": hub.jwt(),
        "url": hub.tokens_url(),
        "ca_path": hub.ca_path(),
        "_ansible_check_mode": false,
        "_ansible_module_name": "community.missing_collection.docker_hub_personal_token_info",
    })
}

pub fn login_args(hub: &FakeHub) -> Value {
    serde_json::json!({
        "username": "fakeuser",
        "password": PASSWORD,
        "url": hub.login_url(),
        "ca_path": hub.ca_path(),
    })
}

/// `base` with `extra`'s keys set on top.
pub fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

/// The requests the hub received on a path starting with `prefix`.
pub fn requests_to(hub: &FakeHub, prefix: &str) -> Vec<RecordedRequest> {
    hub.requests()
        .into_iter()
        .filter(|r| r.path.starts_with(prefix))
        .collect()
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

pub fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mc-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}
