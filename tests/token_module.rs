//! docker_hub_token, run as a binary against the TLS stand-in.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use serde_json::{json, Value};

fn two_factor_hub() -> FakeHub {
    hub(Config {
        totp_code: Some(TOTP.into()),
        ..Config::default()
    })
}

#[test]
fn logs_in_and_the_token_reads_the_tokens() {
    let hub = default_hub();
    let login = run(LOGIN, login_args(&hub));
    login.expect_ok();
    assert_eq!(login.json["changed"], false);
    let jwt = login.json["token"].as_str().unwrap();
    assert_eq!(jwt.split('.').count(), 3, "a JWT: {jwt}");

    let request = &requests_to(&hub, "/v2/users/login")[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(request.header("authorization").is_none());
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, json!({"username": "fakeuser", "password": PASSWORD}));

    run(INFO, with(info_args(&hub), json!({"token": jwt}))).expect_ok();
}

#[test]
fn check_mode_logs_in_the_same() {
    let hub = default_hub();
    let run = run(
        LOGIN,
        with(login_args(&hub), json!({"_ansible_check_mode": true})),
    );
    run.expect_ok();
    assert!(run.json["token"].is_string());
}

#[test]
fn wrong_password_fails_once_without_retry() {
    let hub = default_hub();
    let run = run(
        LOGIN,
        with(login_args(&hub), json!({"password": "not-the-Password-42"})),
    );
    run.expect_failure(&[
        "POST",
        "HTTP 401",
        "Incorrect authentication credentials",
        "username or password is wrong",
        "Not retried",
    ]);
    assert_eq!(run.json["status"], 401);
    assert_eq!(requests_to(&hub, "/v2/users/login").len(), 1);
    assert!(!run.stdout.contains("not-the-Password-42"));
}

#[test]
fn two_factor_without_code_says_code_is_needed() {
    let hub = two_factor_hub();
    let run = run(LOGIN, login_args(&hub));
    run.expect_failure(&["two-factor authentication is on", "set code"]);
    assert!(requests_to(&hub, "/v2/users/2fa-login").is_empty());
}

#[test]
fn the_two_factor_ticket_is_never_printed() {
    let hub = default_hub();
    let ticket = "2fa-Ticket-Known-To-The-Test-0042";
    let body = json!({"detail": format!("Require secondary authentication ({ticket})"), "login_2fa_token": ticket});
    hub.push_fault(Fault::Status {
        status: 401,
        body: body.to_string(),
        headers: vec![],
    });
    let run = run(LOGIN, login_args(&hub));
    run.expect_failure(&["two-factor authentication is on"]);
    assert!(!run.stdout.contains(ticket), "{}", run.stdout);
}

#[test]
fn two_factor_with_a_wrong_code() {
    let hub = two_factor_hub();
    let run = run(LOGIN, with(login_args(&hub), json!({"code": "000000"})));
    run.expect_failure(&[
        "/v2/users/2fa-login",
        "HTTP 401",
        "two-factor code was not accepted",
    ]);
    assert!(!run.stdout.contains(&login_ticket(&hub)));
}

#[test]
fn two_factor_with_the_right_code() {
    let hub = two_factor_hub();
    let run = run(LOGIN, with(login_args(&hub), json!({"code": TOTP})));
    run.expect_ok();
    let second = &requests_to(&hub, "/v2/users/2fa-login")[0];
    let body: Value = serde_json::from_slice(&second.body).unwrap();
    assert_eq!(body["code"], TOTP);
    assert_eq!(
        body["login_2fa_token"].as_str().unwrap(),
        login_ticket(&hub)
    );
    let jwt = run.json["token"].as_str().unwrap();
    run_info_ok(&hub, jwt);
    assert!(!run.stdout.contains(&login_ticket(&hub)));
}

#[test]
fn login_validation_and_https_rule() {
    let run1 = run(
        LOGIN,
        json!({"url": "http://hub.example.com/v2/users/login", "bogus": true}),
    );
    run1.expect_failure(&[
        "Unsupported parameters for (community.missing_collection.docker_hub_token) module: bogus. Supported parameters include: ca_path, code, password, retries, timeout, url, use_proxy, username, validate_certs.",
        "missing required arguments: password, username",
    ]);
    let run2 = run(
        LOGIN,
        json!({"username": "u", "password": PASSWORD, "url": "http://hub.example.com/v2/users/login"}),
    );
    run2.expect_failure(&["refusing plain http"]);
}

#[test]
fn login_failures_of_the_transport() {
    let port = closed_port();
    let args = json!({"username": "u", "password": PASSWORD, "url": format!("https://127.0.0.1:{port}/v2/users/login"), "retries": 0});
    run(LOGIN, args).expect_failure(&["connection refused"]);
    let hub = default_hub();
    hub.push_fault(Fault::Raw {
        status: 200,
        content_type: "application/json".into(),
        body: b"{}".to_vec(),
    });
    run(LOGIN, login_args(&hub)).expect_failure(&["holds no token"]);
    hub.push_fault(Fault::EchoAuthorization { status: 500 });
    run(LOGIN, login_args(&hub)).expect_failure(&["HTTP 500"]);
}

#[test]
fn a_login_is_retried_on_503_but_not_on_401() {
    let hub = default_hub();
    let headers = vec![("Retry-After".to_owned(), "0".to_owned())];
    hub.push_fault_for(
        "/v2/users/login",
        Fault::Status {
            status: 503,
            body: "{}".into(),
            headers,
        },
        1,
    );
    run(LOGIN, login_args(&hub)).expect_ok();
    assert_eq!(requests_to(&hub, "/v2/users/login").len(), 2);
}

/// The ticket the module sent in its second step, as the hub recorded it.
fn login_ticket(hub: &FakeHub) -> String {
    let second = requests_to(hub, "/v2/users/2fa-login");
    let body: Value = serde_json::from_slice(&second.last().unwrap().body).unwrap();
    body["login_2fa_token"].as_str().unwrap().to_owned()
}

fn run_info_ok(hub: &FakeHub, jwt: &str) {
    run(INFO, with(info_args(hub), json!({"token": jwt}))).expect_ok();
}
