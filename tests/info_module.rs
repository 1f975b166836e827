//! docker_hub_personal_token_info, run as a binary against the TLS stand-in.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

#[test]
fn lists_a_page_with_the_query_on_the_wire_and_the_right_headers() {
    let hub = hub(Config {
        tokens: 12,
        ..Config::default()
    });
    let run = run(
        INFO,
        with(info_args(&hub), json!({"page": 2, "page_size": 5})),
    );
    run.expect_ok();
    let result = &run.json["result"];
    assert_eq!(result["count"], 12);
    assert_eq!(result["results"].as_array().unwrap().len(), 5);
    assert_eq!(result["results"][0]["uuid"], hub.token_uuids()[5]);
    assert!(result["next"]
        .as_str()
        .unwrap()
        .ends_with("page=3&page_size=5"));
    assert!(result["previous"]
        .as_str()
        .unwrap()
        .ends_with("page=1&page_size=5"));
    assert_eq!(run.json["changed"], false);
    assert!(
        run.json["rate_limit"]["remaining"].is_i64(),
        "{}",
        run.stdout
    );

    let requests = requests_to(&hub, "/v2/access-tokens");
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/v2/access-tokens");
    assert_eq!(request.query.as_deref(), Some("page=2&page_size=5"));
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {}", hub.jwt()).as_str())
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    let agent = request.header("user-agent").unwrap();
    assert!(
        agent.contains("community.missing_collection.docker_hub_personal_token_info")
            && agent.contains(env!("CARGO_PKG_VERSION")),
        "{agent}"
    );
}

#[test]
fn defaults_are_page_1_of_100() {
    let hub = hub(Config {
        tokens: 3,
        ..Config::default()
    });
    run(INFO, info_args(&hub)).expect_ok();
    let request = &requests_to(&hub, "/v2/access-tokens")[0];
    assert_eq!(request.query.as_deref(), Some("page=1&page_size=100"));
}

#[test]
fn url_with_or_without_trailing_slash() {
    let hub = default_hub();
    let bare = hub.tokens_url().trim_end_matches('/').to_owned();
    for url in [hub.tokens_url(), bare] {
        run(INFO, with(info_args(&hub), json!({"url": url}))).expect_ok();
    }
    let uuid = hub.token_uuids()[1].clone();
    run(
        INFO,
        with(
            info_args(&hub),
            json!({"uuid": uuid, "url": hub.tokens_url()}),
        ),
    )
    .expect_ok();
    let paths: Vec<String> = requests_to(&hub, "/v2/")
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "/v2/access-tokens",
            "/v2/access-tokens",
            &format!("/v2/access-tokens/{uuid}")
        ]
    );
}

#[test]
fn strings_from_ad_hoc_commands_are_converted() {
    let hub = hub(Config {
        tokens: 9,
        ..Config::default()
    });
    let args = with(
        info_args(&hub),
        json!({"page": "2", "page_size": "4", "validate_certs": "yes", "timeout": "10", "all_pages": "no"}),
    );
    let run = run(INFO, args);
    run.expect_ok();
    assert_eq!(run.json["result"]["results"].as_array().unwrap().len(), 4);
    assert_eq!(run.json["invocation"]["module_args"]["page"], 2);
    assert_eq!(
        run.json["invocation"]["module_args"]["validate_certs"],
        true
    );
}

#[test]
fn shows_one_token_by_uuid() {
    let hub = default_hub();
    let uuid = hub.token_uuids()[2].clone();
    let run = run(INFO, with(info_args(&hub), json!({"uuid": uuid})));
    run.expect_ok();
    assert_eq!(run.json["result"]["uuid"], uuid);
    for field in [
        "client_id",
        "creator_ip",
        "creator_ua",
        "created_at",
        "last_used",
        "generated_by",
        "is_active",
        "token",
        "token_label",
        "scopes",
    ] {
        assert!(
            run.json["result"].get(field).is_some(),
            "{field} missing: {}",
            run.stdout
        );
    }
}

#[test]
fn empty_uuid_means_list() {
    let hub = default_hub();
    let run = run(INFO, with(info_args(&hub), json!({"uuid": ""})));
    run.expect_ok();
    assert_eq!(run.json["result"]["count"], 3);
}

#[test]
fn unknown_uuid_is_a_404_that_says_so() {
    let hub = default_hub();
    let uuid = "00000000-0000-4000-8000-000000000000";
    let run = run(INFO, with(info_args(&hub), json!({"uuid": uuid})));
    run.expect_failure(&[
        "GET",
        "/v2/access-tokens/00000000-0000-4000-8000-000000000000",
        "HTTP 404",
        "no access token with uuid",
    ]);
    assert_eq!(run.json["status"], 404);
    assert_eq!(run.json["code"], 404);
}

#[test]
fn check_mode_runs_the_same() {
    let hub = default_hub();
    let normal = run(INFO, info_args(&hub));
    let check = run(
        INFO,
        with(info_args(&hub), json!({"_ansible_check_mode": true})),
    );
    check.expect_ok();
    assert_eq!(normal.json["result"], check.json["result"]);
    assert!(check.json.get("skipped").is_none());
}

#[test]
fn invocation_follows_the_controller() {
    let hub = default_hub();
    let with_inv = run(INFO, info_args(&hub));
    assert_eq!(
        with_inv.json["invocation"]["module_args"]["token"],
        "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    );
    assert_eq!(with_inv.json["invocation"]["module_args"]["page_size"], 100);
    let without = run(
        INFO,
        with(
            info_args(&hub),
            json!({"_ansible_inject_invocation": false}),
        ),
    );
    without.expect_ok();
    assert!(without.json.get("invocation").is_none());
    let asked = run(
        INFO,
        with(info_args(&hub), json!({"_ansible_inject_invocation": true})),
    );
    assert!(asked.json.get("invocation").is_some());
}

#[test]
fn bad_options_are_all_reported_at_once_before_any_request() {
    let hub = default_hub();
    let args = json!({
        "url": hub.tokens_url(), "page": "2.5", "page_size": 500, "uuid": "not-a-uuid",
        "validate_certs": "maybe", "timeout": 0, "foo": 1, "_ansible_whatever": 2,
    });
    let run = run(INFO, args);
    run.expect_failure(&[
        "Unsupported parameters for (community.missing_collection.docker_hub_personal_token_info) module: foo. Supported parameters include: all_pages, ca_path, page, page_size, retries, timeout, token, url, use_proxy, uuid, validate_certs.",
        "missing required arguments: token",
        "argument 'page' is of type str and we were unable to convert to int",
        "argument 'page_size' must be between 1 and 100, got 500",
        "argument 'uuid' must be a UUID",
        "argument 'validate_certs' is of type str and we were unable to convert to bool",
        "argument 'timeout' must be between 1 and 3600, got 0",
    ]);
    assert_eq!(run.json["errors"].as_array().unwrap().len(), 7);
    assert!(hub.requests().is_empty());
}

#[test]
fn ints_refuse_booleans_and_fractions() {
    let hub = default_hub();
    for bad in [json!(true), json!(2.5), json!("2.5"), json!([2])] {
        let run = run(INFO, with(info_args(&hub), json!({"page": bad})));
        run.expect_failure(&["argument 'page'"]);
    }
    run(INFO, with(info_args(&hub), json!({"page": 1.0}))).expect_ok();
    run(INFO, with(info_args(&hub), json!({"page": null}))).expect_ok();
}

#[test]
fn unknown_options_pass_when_the_controller_says_so() {
    let hub = default_hub();
    let args = with(
        info_args(&hub),
        json!({"foo": 1, "_ansible_ignore_unknown_opts": true}),
    );
    run(INFO, args).expect_ok();
}

#[test]
fn plain_http_only_to_loopback() {
    let hub = hub(Config {
        tls: false,
        ..Config::default()
    });
    let args = with(
        info_args(&hub),
        json!({"url": format!("{}/v2/access-tokens/", hub.base_url())}),
    );
    assert!(hub.base_url().starts_with("http://"));
    run(INFO, args).expect_ok();

    let args = with(
        info_args(&hub),
        json!({"url": "http://hub.docker.com/v2/access-tokens/"}),
    );
    run(INFO, args).expect_failure(&["refusing plain http", "in clear"]);
    let args = with(
        info_args(&hub),
        json!({"url": "ftp://127.0.0.1/v2/access-tokens/"}),
    );
    run(INFO, args).expect_failure(&["only https URLs are supported"]);
    let args = with(info_args(&hub), json!({"url": "127.0.0.1/v2"}));
    run(INFO, args).expect_failure(&["cannot use the URL"]);
}

#[test]
fn tls_failures_explain_ca_path_and_validate_certs() {
    for (cert, words) in [
        (CertKind::SelfSigned, "UnknownIssuer"),
        (CertKind::Expired, "certificate expired"),
        (CertKind::WrongHost, "not valid for name"),
    ] {
        let hub = hub(Config {
            cert,
            ..Config::default()
        });
        let run = run(INFO, info_args(&hub));
        run.expect_failure(&["TLS with", words, "ca_path", "validate_certs"]);
        assert!(
            requests_to(&hub, "/v2/").is_empty(),
            "no request may pass a failed handshake"
        );
    }
}

#[test]
fn system_store_does_not_trust_the_test_ca() {
    let hub = default_hub();
    let mut args = info_args(&hub);
    args.as_object_mut().unwrap().remove("ca_path");
    run(INFO, args).expect_failure(&["UnknownIssuer"]);
}

#[test]
fn validate_certs_false_works_and_warns() {
    let hub = hub(Config {
        cert: CertKind::SelfSigned,
        ..Config::default()
    });
    let run = run(
        INFO,
        with(info_args(&hub), json!({"validate_certs": false})),
    );
    run.expect_ok();
    let warnings = run.json["warnings"].as_array().unwrap();
    assert!(warnings[0]
        .as_str()
        .unwrap()
        .contains("validate_certs is false"));
}

#[test]
fn ca_path_problems() {
    let hub = default_hub();
    let run1 = run(
        INFO,
        with(info_args(&hub), json!({"ca_path": "/nonexistent/ca.pem"})),
    );
    run1.expect_failure(&["cannot use ca_path '/nonexistent/ca.pem'"]);
    let junk = temp_file("junk.pem", b"not a certificate");
    let run2 = run(INFO, with(info_args(&hub), json!({"ca_path": junk})));
    run2.expect_failure(&["holds no PEM certificate"]);
}

#[test]
fn refused_connection() {
    let port = closed_port();
    let url = format!("https://127.0.0.1:{port}/v2/access-tokens/");
    let run = run(
        INFO,
        json!({"token": "jwt-for-refused", "url": url, "retries": 0}),
    );
    run.expect_failure(&["cannot connect to", "connection refused"]);
}

#[test]
fn unresolvable_host_fails_without_network() {
    // In a fresh network namespace the resolver cannot reach anything, so nothing leaves
    // this machine and the lookup fails as it would for an unknown name.
    let args = temp_file(
        "dns.json",
        json!({"token": "jwt-for-dns", "url": "https://no-such-host.invalid/v2/access-tokens/"})
            .to_string()
            .as_bytes(),
    );
    let out = std::process::Command::new("unshare")
        .args(["-n", INFO])
        .arg(&args)
        .output()
        .expect("unshare (util-linux) runs; the tests run as root");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["failed"], true, "{json}");
    assert!(
        json["msg"]
            .as_str()
            .unwrap()
            .contains("cannot resolve the host"),
        "{json}"
    );
    assert!(
        !json["msg"].as_str().unwrap().contains("gave up"),
        "a lookup failure is not retried: {json}"
    );
}

#[test]
fn wrong_token_401_explains_login() {
    let hub = default_hub();
    let run = run(
        INFO,
        with(
            info_args(&hub),
            json!({"token": "eyJhbGciOi.not-a-real.jwt-at-all"}),
        ),
    );
    run.expect_failure(&["GET", "HTTP 401", "docker_hub_token"]);
    assert_eq!(run.json["status"], 401);
    assert_eq!(run.json["code"], 401);
}

#[test]
fn pat_as_bearer_401_and_pat_login_403_explained() {
    let hub = default_hub();
    run(INFO, with(info_args(&hub), json!({"token": PAT})))
        .expect_failure(&["HTTP 401", "personal access token"]);

    let login = run(LOGIN, with(login_args(&hub), json!({"password": PAT})));
    login.expect_ok();
    let jwt = login.json["token"].as_str().unwrap().to_owned();
    let run = run(INFO, with(info_args(&hub), json!({"token": jwt})));
    run.expect_failure(&[
        "HTTP 403",
        "token issued from personal access token is not allowed",
        "account password",
    ]);
}

#[test]
fn transient_failures_are_retried_then_succeed() {
    let hub = default_hub();
    let retry_now = vec![("Retry-After".to_owned(), "0".to_owned())];
    hub.push_fault_for(
        "/v2/access-tokens",
        Fault::Status {
            status: 503,
            body: "{}".into(),
            headers: retry_now.clone(),
        },
        1,
    );
    hub.push_fault_for(
        "/v2/access-tokens",
        Fault::Status {
            status: 429,
            body: r#"{"detail":"slow down"}"#.into(),
            headers: retry_now,
        },
        1,
    );
    let run = run(INFO, info_args(&hub));
    run.expect_ok();
    assert_eq!(requests_to(&hub, "/v2/access-tokens").len(), 3);
}

#[test]
fn retries_run_out_with_the_count_in_the_message() {
    let hub = default_hub();
    let headers = vec![("Retry-After".to_owned(), "0".to_owned())];
    hub.push_fault_for(
        "/v2/access-tokens",
        Fault::Status {
            status: 429,
            body: r#"{"detail":"Too many requests"}"#.into(),
            headers,
        },
        10,
    );
    let run = run(INFO, with(info_args(&hub), json!({"retries": 2})));
    run.expect_failure(&["HTTP 429", "Too many requests", "gave up after 3 attempts"]);
    assert_eq!(run.json["status"], 429);
    assert_eq!(requests_to(&hub, "/v2/access-tokens").len(), 3);
}

#[test]
fn a_long_retry_after_fails_at_once() {
    let hub = default_hub();
    let headers = vec![("Retry-After".to_owned(), "3600".to_owned())];
    hub.push_fault_for(
        "/v2/access-tokens",
        Fault::Status {
            status: 429,
            body: "{}".into(),
            headers,
        },
        5,
    );
    let run = run(INFO, info_args(&hub));
    run.expect_failure(&["HTTP 429", "wait 3600 s"]);
    assert!(run.elapsed < Duration::from_secs(5));
    assert_eq!(requests_to(&hub, "/v2/access-tokens").len(), 1);
}

#[test]
fn other_client_errors_are_not_retried() {
    let hub = default_hub();
    hub.push_fault_for(
        "/v2/access-tokens",
        Fault::Status {
            status: 400,
            body: r#"{"fields":{"page":["bad"]},"text":"bad request"}"#.into(),
            headers: vec![],
        },
        5,
    );
    run(INFO, info_args(&hub)).expect_failure(&["HTTP 400", "bad request"]);
    assert_eq!(requests_to(&hub, "/v2/access-tokens").len(), 1);
}

#[test]
fn hostile_bodies_fail_clearly() {
    let hub = default_hub();
    let cases: Vec<(u16, &str, &[u8], &str)> = vec![
        (
            500,
            "text/html",
            b"<!DOCTYPE html><html><body>Internal Server Error</body></html>",
            "an HTML page",
        ),
        (200, "application/json", b"", "the body is empty"),
        (200, "application/json", b"[1, 2]", "got a JSON array"),
        (
            200,
            "application/json",
            br#"{"count": 3, "results": [{"uuid": "#,
            "not the JSON object",
        ),
        (200, "text/plain", b"hello there", "text/plain body"),
        (
            200,
            "text/html",
            br#"{"count": 0, "results": []}"#,
            "an HTML page (text/html",
        ),
    ];
    for (status, content_type, body, words) in cases {
        hub.push_fault(Fault::Raw {
            status,
            content_type: content_type.into(),
            body: body.to_vec(),
        });
        run(INFO, info_args(&hub)).expect_failure(&[words]);
    }
}

#[test]
fn oversized_and_endless_bodies_stop_at_the_limit() {
    let hub = default_hub();
    let big = vec![b' '; 5 * 1024 * 1024];
    hub.push_fault(Fault::Raw {
        status: 200,
        content_type: "application/json".into(),
        body: big,
    });
    run(INFO, info_args(&hub)).expect_failure(&["larger than 4 MiB"]);
    hub.push_fault(Fault::EndlessBody);
    let run = run(INFO, with(info_args(&hub), json!({"timeout": 5})));
    run.expect_failure(&["larger than 4 MiB"]);
    assert!(run.elapsed < Duration::from_secs(6));
}

#[test]
fn stalls_end_within_the_timeout() {
    let hub = default_hub();
    for (fault, phase) in [
        (Fault::NoResponse, "waiting for the response headers"),
        (
            Fault::HeadersNeverFinish,
            "waiting for the response headers",
        ),
    ] {
        hub.push_fault(fault);
        let run = run(
            INFO,
            with(info_args(&hub), json!({"timeout": 1, "retries": 0})),
        );
        run.expect_failure(&["within the timeout of 1 s", phase]);
        assert!(run.elapsed < Duration::from_secs(2), "{:?}", run.elapsed);
    }
}

#[test]
fn reset_mid_body() {
    let hub = default_hub();
    hub.push_fault(Fault::ResetMidBody);
    run(INFO, info_args(&hub)).expect_failure(&["while reading the response body"]);
    assert_eq!(
        requests_to(&hub, "/v2/access-tokens").len(),
        1,
        "a response had started: no retry"
    );
}

#[test]
fn an_echoed_bearer_is_masked() {
    let hub = default_hub();
    hub.push_fault(Fault::EchoAuthorization { status: 401 });
    let run = run(INFO, info_args(&hub));
    run.expect_failure(&["HTTP 401", "********"]);
    assert!(!run.stdout.contains(&hub.jwt()));
}

#[test]
fn redirects_on_the_same_origin_keep_the_bearer() {
    let hub = default_hub();
    hub.push_fault(Fault::Redirect {
        status: 307,
        location: format!("{}/v2/access-tokens?page=1&page_size=100", hub.base_url()),
    });
    run(
        INFO,
        with(
            info_args(&hub),
            json!({"url": format!("{}/old/", hub.base_url())}),
        ),
    )
    .expect_ok();
    let last = hub.requests().last().cloned().unwrap();
    assert_eq!(last.path, "/v2/access-tokens");
    assert_eq!(
        last.header("authorization"),
        Some(format!("Bearer {}", hub.jwt()).as_str())
    );
}

#[test]
fn redirects_elsewhere_fail_and_send_nothing_there() {
    let hub = default_hub();
    let elsewhere = default_hub();
    hub.push_fault(Fault::Redirect {
        status: 302,
        location: format!("{}/v2/access-tokens", elsewhere.base_url()),
    });
    run(INFO, info_args(&hub))
        .expect_failure(&["refusing to follow a redirect", "must not be sent there"]);
    assert!(elsewhere.requests().is_empty());
}

#[test]
fn all_pages_gathers_every_token_over_one_connection() {
    for (tokens, page_size) in [(250usize, 100i64), (23, 7), (10, 10), (0, 100)] {
        let hub = hub(Config {
            tokens,
            ..Config::default()
        });
        let run = run(
            INFO,
            with(
                info_args(&hub),
                json!({"all_pages": true, "page_size": page_size}),
            ),
        );
        run.expect_ok();
        let result = &run.json["result"];
        let uuids: Vec<&str> = result["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["uuid"].as_str().unwrap())
            .collect();
        assert_eq!(
            uuids,
            hub.token_uuids()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        );
        assert_eq!(result["count"], tokens);
        assert!(result["active_count"].is_u64());
        assert_eq!(result["next"], Value::Null);
        assert_eq!(result["previous"], Value::Null);
        let pages = tokens.div_ceil(page_size as usize).max(1);
        assert_eq!(
            requests_to(&hub, "/v2/access-tokens").len(),
            pages,
            "{tokens}/{page_size}"
        );
        assert_eq!(hub.connections(), 1, "{tokens}/{page_size}");
    }
}

#[test]
fn all_pages_starts_at_page() {
    let hub = hub(Config {
        tokens: 30,
        ..Config::default()
    });
    let run = run(
        INFO,
        with(
            info_args(&hub),
            json!({"all_pages": true, "page": 2, "page_size": 10}),
        ),
    );
    run.expect_ok();
    assert_eq!(run.json["result"]["results"].as_array().unwrap().len(), 20);
}

#[test]
fn a_next_link_to_another_host_is_refused_before_sending() {
    let hub = default_hub();
    let elsewhere = default_hub();
    let body = json!({"count": 9, "active_count": 9, "previous": null, "results": [],
                      "next": format!("{}/v2/access-tokens?page=2", elsewhere.base_url())});
    hub.push_fault(Fault::Status {
        status: 200,
        body: body.to_string(),
        headers: vec![],
    });
    run(INFO, with(info_args(&hub), json!({"all_pages": true})))
        .expect_failure(&["next page link", "must not be sent there"]);
    assert!(elsewhere.requests().is_empty());
}

#[test]
fn a_next_link_loop_is_stopped() {
    let hub = default_hub();
    let page = json!({"count": 9, "active_count": 9, "previous": null, "results": [],
                      "next": format!("{}/v2/access-tokens?page=1&page_size=100", hub.base_url())});
    hub.push_fault_for(
        "/v2/access-tokens",
        Fault::Status {
            status: 200,
            body: page.to_string(),
            headers: vec![],
        },
        5,
    );
    run(INFO, with(info_args(&hub), json!({"all_pages": true}))).expect_failure(&["a loop"]);
}

#[test]
fn proxies_from_the_environment_unless_use_proxy_is_false() {
    let hub = default_hub();
    let dead_proxy = format!("http://127.0.0.1:{}", closed_port());
    let env = [("HTTPS_PROXY", dead_proxy.as_str())];
    run_with_env(INFO, with(info_args(&hub), json!({"retries": 0})), &env)
        .expect_failure(&["cannot connect"]);
    assert!(hub.requests().is_empty(), "the proxy was used");
    run_with_env(
        INFO,
        with(info_args(&hub), json!({"use_proxy": false})),
        &env,
    )
    .expect_ok();
    let bypass = [
        ("HTTPS_PROXY", dead_proxy.as_str()),
        ("NO_PROXY", "127.0.0.1"),
    ];
    run_with_env(INFO, info_args(&hub), &bypass).expect_ok();
}

#[test]
fn an_upper_case_uuid_is_sent_in_lower_case() {
    let hub = default_hub();
    let uuid = hub.token_uuids()[0].clone();
    let run = run(
        INFO,
        with(info_args(&hub), json!({"uuid": uuid.to_ascii_uppercase()})),
    );
    run.expect_ok();
    assert_eq!(run.json["result"]["uuid"], uuid);
    assert_eq!(
        requests_to(&hub, "/v2/access-tokens")[0].path,
        format!("/v2/access-tokens/{uuid}")
    );
}

#[test]
fn a_page_past_the_end_says_so() {
    let hub = default_hub();
    run(INFO, with(info_args(&hub), json!({"page": 7})))
        .expect_failure(&["HTTP 404", "Page 7 is past the end of the list"]);
    let wrong = format!("{}/v2/nothing-here/", hub.base_url());
    run(INFO, with(info_args(&hub), json!({"url": wrong})))
        .expect_failure(&["HTTP 404", "check the url option"]);
}
