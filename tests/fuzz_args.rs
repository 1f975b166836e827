//! Property test over the args file and the validator: arbitrary bytes, arbitrary JSON,
//! every option with every JSON type, null, huge numbers, deep nesting, non-UTF-8 and
//! duplicate keys. Whatever comes in, exactly one JSON object comes out, `failed`
//! agrees with the exit code, and nothing panics or hangs.
//!
//! Runs for FUZZ_SECONDS (default 3) in process, plus FUZZ_BINARY_RUNS (default 40) runs
//! of the real binaries; `make fuzz` runs it longer. FUZZ_SEED replays a run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, Instant};

use missing_collection::ansible::{self, Context, ModuleSpec, Outcome};
use missing_collection::modules::{docker_hub_personal_token_info, docker_hub_token};
use serde_json::{json, Map, Value};

/// xorshift64*: small, seedable, good enough to pick shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const KEYS: &[&str] = &[
    "token",
    "url",
    "uuid",
    "page",
    "page_size",
    "all_pages",
    "validate_certs",
    "ca_path",
    "timeout",
    "use_proxy",
    "retries",
    "username",
    "password",
    "code",
    "bogus",
    "_ansible_check_mode",
    "_ansible_inject_invocation",
    "_ansible_ignore_unknown_opts",
    "_ansible_no_log",
    "_ansible_version",
    "ANSIBLE_MODULE_ARGS",
    "",
];

fn string(rng: &mut Rng) -> String {
    const PICKS: &[&str] = &[
        "",
        "1",
        "0",
        "-1",
        "2.5",
        "yes",
        "no",
        "true",
        "maybe",
        "100",
        "101",
        " 7 ",
        "1_000",
        "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
        "https://127.0.0.1:1/v2/access-tokens/",
        "http://example.com/",
        "ftp://x",
        "~/ca.pem",
        "$HOME/x",
        "${NOPE",
        "\u{0}",
        "é",
        "🦀",
        "9223372036854775808",
        "-9223372036854775809",
        "1e400",
        "\\",
        "\"",
    ];
    if rng.chance(70) {
        PICKS[rng.below(PICKS.len())].to_owned()
    } else {
        (0..rng.below(40))
            .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'))
            .collect()
    }
}

fn value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 4 { 6 } else { 9 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => json!(rng.next() as i64),
        3 => json!([0, 1, 2, 100, 101, -1, i64::MAX, i64::MIN][rng.below(8)]),
        4 => json!([0.0, 1.0, 2.5, -0.0, 1e300, 1e-300, 100.0][rng.below(7)]),
        5 => Value::String(string(rng)),
        6 => Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        7 => Value::Object(object(rng, depth + 1)),
        _ => json!(u64::MAX),
    }
}

fn object(rng: &mut Rng, depth: usize) -> Map<String, Value> {
    (0..rng.below(8))
        .map(|_| (KEYS[rng.below(KEYS.len())].to_owned(), value(rng, depth)))
        .collect()
}

/// Bytes of an args file: mostly JSON objects, some mangled, some not JSON at all.
fn args_file(rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0 => (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
        1 => {
            let mut text = Value::Object(object(rng, 0)).to_string().into_bytes();
            if !text.is_empty() {
                let at = rng.below(text.len());
                text[at] = rng.next() as u8;
                text.truncate(rng.below(text.len() + 1));
            }
            text
        }
        2 => {
            // Duplicate keys, written by hand since maps cannot hold them.
            let key = KEYS[rng.below(KEYS.len())];
            format!(
                r#"{{"{key}": {}, "{key}": {}}}"#,
                value(rng, 0),
                value(rng, 0)
            )
            .into_bytes()
        }
        3 => {
            let depth = rng.below(3000);
            let mut text = b"{\"token\": ".to_vec();
            text.extend(std::iter::repeat_n(b'[', depth));
            text.extend(std::iter::repeat_n(b']', depth));
            text.push(b'}');
            text
        }
        4 => format!(
            r#"{{"page": {}{}}}"#,
            "9".repeat(rng.below(400) + 1),
            if rng.chance(50) { ".0" } else { "" }
        )
        .into_bytes(),
        _ => Value::Object(object(rng, 0)).to_string().into_bytes(),
    }
}

fn no_network(_ctx: &mut Context) -> Outcome {
    Ok(Map::new())
}

fn check_output(out: &Value, code: i32, input: &[u8]) {
    let shown = String::from_utf8_lossy(input);
    assert!(out.is_object(), "not an object for {shown}");
    assert_eq!(
        out["failed"] == Value::Bool(true),
        code == 1,
        "failed vs exit code for {shown}: {out}"
    );
    assert!(code == 0 || code == 1);
    assert!(out["changed"].is_boolean(), "{out}");
    if code == 1 {
        assert!(out["msg"].as_str().is_some_and(|m| !m.is_empty()), "{out}");
    }
}

#[test]
fn validator_and_args_file_in_process() {
    let seed = env_number("FUZZ_SEED", 0x5EED_1234_ABCD_0001);
    let budget = Duration::from_secs(env_number("FUZZ_SECONDS", 3));
    let specs: [&'static ModuleSpec; 2] = [
        &docker_hub_personal_token_info::SPEC,
        &docker_hub_token::SPEC,
    ];
    let path = common::temp_file("fuzz-args.json", b"");
    let mut rng = Rng(seed);
    let start = Instant::now();
    let mut cases = 0u64;
    while start.elapsed() < budget {
        let input = args_file(&mut rng);
        std::fs::write(&path, &input).unwrap();
        for spec in specs {
            let (out, code) = ansible::execute(spec, no_network, Some(path.as_os_str()));
            check_output(&out, code, &input);
            // A value for a secret option never comes back in clear.
            if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&input) {
                for key in ["token", "password", "code"] {
                    if let Some(Value::String(secret)) = map.get(key) {
                        if secret.len() >= 6 && spec.option(key).is_some() {
                            assert!(
                                !out.to_string().contains(secret.as_str()),
                                "{key} leaked: {out}"
                            );
                        }
                    }
                }
            }
        }
        cases += 1;
    }
    assert!(cases > 100, "only {cases} cases in {budget:?}");
    eprintln!("fuzz: {cases} args files, seed {seed:#x}");
}

#[test]
fn real_binaries_never_crash() {
    let seed = env_number("FUZZ_SEED", 0x5EED_1234_ABCD_0002);
    let runs = env_number("FUZZ_BINARY_RUNS", 40);
    let mut rng = Rng(seed);
    // Whatever the options say, the only server is a closed loopback port: no traffic leaves.
    let url = |path: &str| format!("https://127.0.0.1:{}{path}", common::closed_port());
    for i in 0..runs {
        let bin = if i % 2 == 0 {
            common::INFO
        } else {
            common::LOGIN
        };
        let mut args = object(&mut rng, 0);
        let path = if bin == common::INFO {
            "/v2/access-tokens/"
        } else {
            "/v2/users/login"
        };
        args.insert("url".into(), Value::String(url(path)));
        args.insert("retries".into(), json!(0));
        args.insert("timeout".into(), json!(2));
        args.remove("ANSIBLE_MODULE_ARGS");
        let start = Instant::now();
        let run = common::run(bin, Value::Object(args));
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "took {:?}",
            start.elapsed()
        );
        assert!(run.stderr.is_empty(), "{}", run.stderr);
    }
}
