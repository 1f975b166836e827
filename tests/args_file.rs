//! The binaries as ansible-core runs them, fed bad args files: always one JSON failure
//! object on stdout, exit 1, never a panic or a backtrace.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::ffi::OsStr;

use common::*;

fn fails_with(bin: &str, argv: &[&OsStr], words: &str) {
    let run = run_argv(bin, argv);
    run.expect_failure(&[words]);
    assert!(run.stderr.is_empty(), "nothing on stderr: {}", run.stderr);
}

#[test]
fn no_argument() {
    for bin in [INFO, LOGIN] {
        fails_with(bin, &[], "no args file given");
    }
}

#[test]
fn unreadable_or_a_directory() {
    fails_with(
        INFO,
        &[OsStr::new("/nonexistent/args")],
        "cannot read the args file",
    );
    fails_with(
        INFO,
        &[std::env::temp_dir().as_os_str()],
        "cannot read the args file",
    );
}

#[test]
fn not_json_or_not_an_object() {
    for (name, body, words) in [
        ("empty.json", &b""[..], "is not valid JSON"),
        ("text.json", b"page=2", "is not valid JSON"),
        ("array.json", b"[1, 2]", "holds a JSON array"),
        ("string.json", b"\"x\"", "holds a JSON string"),
        ("null.json", b"null", "holds a JSON null"),
        ("latin1.json", b"{\"token\": \"\xe9\"}", "is not valid JSON"),
        ("truncated.json", b"{\"token\": \"abc", "is not valid JSON"),
    ] {
        let path = temp_file(name, body);
        fails_with(INFO, &[path.as_os_str()], words);
    }
}

#[test]
fn too_large() {
    let mut body = b"{\"token\": \"".to_vec();
    body.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
    body.extend(b"\"}");
    let path = temp_file("huge.json", &body);
    fails_with(INFO, &[path.as_os_str()], "is larger than 1024 KiB");
}

#[test]
fn deep_nesting() {
    let depth = 100_000;
    let mut body = b"{\"token\": ".to_vec();
    body.extend(std::iter::repeat_n(b'[', depth));
    body.extend(std::iter::repeat_n(b']', depth));
    body.push(b'}');
    let path = temp_file("deep.json", &body);
    fails_with(INFO, &[path.as_os_str()], "is not valid JSON");
}

#[test]
fn extra_arguments_are_ignored() {
    let hub = default_hub();
    let path = temp_file("ok.json", info_args(&hub).to_string().as_bytes());
    run_argv(INFO, &[path.as_os_str(), OsStr::new("extra")]).expect_ok();
}
