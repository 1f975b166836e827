//! One walk over every success and failure path of both modules with distinctive secret
//! values, checking that none of them appears in stdout or stderr in any form the
//! modules could print: plain, inside a URL (also percent-encoded), inside an echoed body.
//! (Every other integration test checks the same through `common::run`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use serde_json::{json, Value};

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Runs and checks every form of every secret, returning the run for more checks.
fn walk(bin: &str, args: Value, secrets: &[&str]) -> Run {
    let run = run(bin, args);
    let mut forms: Vec<String> = Vec::new();
    for s in secrets {
        forms.push((*s).to_owned());
        forms.push(percent(s));
        forms.push(
            serde_json::to_string(s)
                .unwrap()
                .trim_matches('"')
                .to_owned(),
        );
    }
    assert_no_secret(&run, &forms);
    run
}

#[test]
fn info_module_paths() {
    let hub = default_hub();
    let jwt = hub.jwt();
    let secrets = [jwt.as_str()];
    let ok = |extra: Value| walk(INFO, with(info_args(&hub), extra), &secrets);

    ok(json!({})).expect_ok();
    ok(json!({"all_pages": true, "page_size": 1})).expect_ok();
    ok(json!({"uuid": hub.token_uuids()[0]})).expect_ok();
    ok(json!({"_ansible_check_mode": true})).expect_ok();
    ok(json!({"uuid": "00000000-0000-4000-8000-000000000000"})).expect_failure(&["404"]);
    ok(json!({"page": "x", "bogus": jwt})).expect_failure(&["Unsupported parameters"]);
    ok(json!({"url": format!("{}?jwt={jwt}", hub.tokens_url())}))
        .expect_failure(&["cannot use the URL"]);
    ok(json!({"url": format!("http://example.com/{jwt}")}))
        .expect_failure(&["refusing plain http"]);
    ok(json!({"ca_path": format!("/nonexistent/{jwt}")})).expect_failure(&["cannot use ca_path"]);

    for status in [401, 403, 500] {
        hub.push_fault(Fault::EchoAuthorization { status });
        ok(json!({})).expect_failure(&[&status.to_string()]);
    }
    let echoing =
        json!({"detail": format!("token {jwt} is bad"), "message": jwt, "errinfo": {"jwt": jwt}});
    hub.push_fault(Fault::Status {
        status: 401,
        body: echoing.to_string(),
        headers: vec![],
    });
    ok(json!({})).expect_failure(&["401"]);
    hub.push_fault(Fault::Raw {
        status: 502,
        content_type: "text/plain".into(),
        body: format!("upstream said {jwt}").into_bytes(),
    });
    ok(json!({"retries": 0})).expect_failure(&["502"]);
    hub.push_fault(Fault::Raw {
        status: 200,
        content_type: "text/plain".into(),
        body: format!("{jwt} {jwt}").into_bytes(),
    });
    ok(json!({})).expect_failure(&["not the JSON object"]);
    hub.push_fault(Fault::Redirect {
        status: 302,
        location: format!("https://elsewhere.example/?t={}", percent(&jwt)),
    });
    ok(json!({})).expect_failure(&["refusing to follow a redirect"]);
    hub.push_fault(Fault::NoResponse);
    ok(json!({"timeout": 1, "retries": 0})).expect_failure(&["timeout"]);

    let bad = default_hub();
    let other = common::hub(Config {
        cert: CertKind::SelfSigned,
        ..Config::default()
    });
    walk(
        INFO,
        with(
            info_args(&other),
            json!({"token": jwt, "ca_path": bad.ca_path()}),
        ),
        &secrets,
    )
    .expect_failure(&["TLS"]);
    let refused = format!("https://127.0.0.1:{}/v2/access-tokens/", closed_port());
    walk(
        INFO,
        json!({"token": jwt, "url": refused, "retries": 0}),
        &secrets,
    )
    .expect_failure(&["connection refused"]);
    // A secret given with the wrong type is masked in every shape.
    walk(
        INFO,
        json!({"token": [jwt, {"x": jwt}], "url": hub.tokens_url()}),
        &secrets,
    )
    .expect_failure(&["argument 'token'"]);
}

#[test]
fn token_module_paths() {
    let hub = hub(Config {
        totp_code: Some(TOTP.into()),
        ..Config::default()
    });
    let secrets = [PASSWORD, TOTP];
    let go = |extra: Value| walk(LOGIN, with(login_args(&hub), extra), &secrets);

    go(json!({"code": TOTP})).expect_ok();
    go(json!({})).expect_failure(&["two-factor"]);
    go(json!({"code": "123456"})).expect_failure(&["two-factor code was not accepted"]);
    go(json!({"password": format!("{PASSWORD}-wrong"), "code": TOTP})).expect_failure(&["401"]);
    go(json!({"url": format!("https://127.0.0.1:1/{PASSWORD}/{}", percent(PASSWORD)), "retries": 0})).expect_failure(&["cannot connect"]);
    go(json!({"bogus": PASSWORD, "code": 1234567})).expect_failure(&["Unsupported"]);
    go(json!({"password": 913377})).expect_failure(&["401"]);

    let echoing = json!({"detail": format!("password {PASSWORD} and code {TOTP} refused")});
    hub.push_fault(Fault::Status {
        status: 401,
        body: echoing.to_string(),
        headers: vec![],
    });
    go(json!({"code": TOTP})).expect_failure(&["401"]);
    hub.push_fault(Fault::Raw {
        status: 500,
        content_type: "text/plain".into(),
        body: PASSWORD.as_bytes().to_vec(),
    });
    go(json!({"code": TOTP})).expect_failure(&["500"]);
    hub.push_fault(Fault::Raw {
        status: 200,
        content_type: "application/json".into(),
        body: format!(r#"{{"token": "", "echo": "{PASSWORD}"}}"#).into_bytes(),
    });
    go(json!({"code": TOTP})).expect_failure(&["holds no token"]);
}
