//! The Docker Hub behaviour: paging, single tokens, logins, bearer auth, errors.

mod common;

use std::collections::HashSet;

use common::{base64url_decode, login, Client};
use fakehub::{Config, FakeHub};
use serde_json::{json, Value};

fn hub(tokens: usize) -> FakeHub {
    FakeHub::start(Config {
        tokens,
        ..Config::default()
    })
    .unwrap()
}

fn page_url(hub: &FakeHub, page: u64, size: u64) -> Value {
    json!(format!(
        "{}/v2/access-tokens?page={page}&page_size={size}",
        hub.base_url()
    ))
}

#[test]
fn paging_when_count_divides_by_page_size() {
    let hub = hub(30);
    let mut c = Client::connect(&hub);
    let jwt = hub.jwt();
    let uuids = hub.token_uuids();
    for page in 1..=3u64 {
        let r = c.get(&format!("/v2/access-tokens?page={page}&page_size=10"), &jwt);
        assert_eq!(r.status, 200);
        r.assert_standard_headers();
        assert_eq!(r.header("content-type"), Some("application/json"));
        let v = r.json();
        assert_eq!(v["count"], 30);
        assert_eq!(v["active_count"], 30 - 7);
        let got: Vec<&str> = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["uuid"].as_str().unwrap())
            .collect();
        let start = (page as usize - 1) * 10;
        assert_eq!(got, uuids[start..start + 10]);
        let next = if page < 3 {
            page_url(&hub, page + 1, 10)
        } else {
            Value::Null
        };
        let previous = if page > 1 {
            page_url(&hub, page - 1, 10)
        } else {
            Value::Null
        };
        assert_eq!(v["next"], next, "page {page}");
        assert_eq!(v["previous"], previous, "page {page}");
    }
    let r = c.get("/v2/access-tokens?page=4&page_size=10", &jwt);
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"detail": "Invalid page.", "message": "Invalid page."})
    );
    assert_eq!(
        hub.connections(),
        1,
        "all pages on one keep-alive connection"
    );
}

#[test]
fn paging_when_count_does_not_divide() {
    let hub = hub(25);
    let mut c = Client::connect(&hub);
    let v = c
        .get("/v2/access-tokens?page=3&page_size=10", &hub.jwt())
        .json();
    assert_eq!(v["results"].as_array().unwrap().len(), 5);
    assert_eq!(v["next"], Value::Null);
    assert_eq!(v["previous"], page_url(&hub, 2, 10));
    assert_eq!(
        c.get("/v2/access-tokens?page=4&page_size=10", &hub.jwt())
            .status,
        404
    );
}

#[test]
fn defaults_trailing_slash_and_page_size_cap() {
    let hub = hub(250);
    let mut c = Client::connect(&hub);
    let jwt = hub.jwt();
    let plain = c.get("/v2/access-tokens", &jwt).json();
    assert_eq!(plain["results"].as_array().unwrap().len(), 10);
    assert_eq!(plain["next"], page_url(&hub, 2, 10));
    let slash = c.get("/v2/access-tokens/", &jwt).json();
    assert_eq!(plain, slash);
    let capped = c.get("/v2/access-tokens?page_size=1000", &jwt).json();
    assert_eq!(capped["results"].as_array().unwrap().len(), 100);
    assert_eq!(capped["next"], page_url(&hub, 2, 100));
    let last = c.get("/v2/access-tokens?page=3&page_size=500", &jwt).json();
    assert_eq!(last["results"].as_array().unwrap().len(), 50);
    assert_eq!(last["previous"], page_url(&hub, 2, 100));
}

#[test]
fn hundreds_of_tokens_by_following_next() {
    let hub = hub(345);
    let mut c = Client::connect(&hub);
    let jwt = hub.jwt();
    let prefix = hub.base_url();
    let mut url = Some(format!("{prefix}/v2/access-tokens?page_size=100"));
    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(u) = url {
        let v = c.get(u.strip_prefix(&prefix).unwrap(), &jwt).json();
        assert_eq!(v["count"], 345);
        assert_eq!(v["active_count"], 345 - 345 / 4);
        for t in v["results"].as_array().unwrap() {
            seen.push(t["uuid"].as_str().unwrap().to_string());
        }
        url = v["next"].as_str().map(str::to_string);
        pages += 1;
    }
    assert_eq!(pages, 4);
    assert_eq!(seen, hub.token_uuids());
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 345);
    assert_eq!(hub.connections(), 1);
}

#[test]
fn empty_account() {
    let hub = hub(0);
    let mut c = Client::connect(&hub);
    let r = c.get("/v2/access-tokens?page=1&page_size=100", &hub.jwt());
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"count": 0, "next": null, "previous": null, "active_count": 0, "results": []})
    );
    assert_eq!(
        c.get("/v2/access-tokens?page=2&page_size=100", &hub.jwt())
            .status,
        404
    );
}

#[test]
fn invalid_paging_parameters() {
    let hub = hub(5);
    let mut c = Client::connect(&hub);
    for (query, field) in [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("page_size=0", "page_size"),
        ("page_size=ten", "page_size"),
    ] {
        let r = c.get(&format!("/v2/access-tokens?{query}"), &hub.jwt());
        assert_eq!(r.status, 400, "{query}");
        r.assert_standard_headers();
        let v = r.json();
        assert!(v["fields"][field][0].is_string(), "{query}: {v}");
        assert!(v["text"].is_string());
    }
}

#[test]
fn token_objects_and_single_token() {
    let hub = FakeHub::start(Config {
        tokens: 8,
        inactive_every: 3,
        ..Config::default()
    })
    .unwrap();
    let mut c = Client::connect(&hub);
    let list = c.get("/v2/access-tokens?page_size=100", &hub.jwt()).json();
    assert_eq!(list["active_count"], 6);
    let results = list["results"].as_array().unwrap();
    let mut saw_null_last_used = false;
    let mut saw_expiry = false;
    for (i, t) in results.iter().enumerate() {
        let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "uuid",
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
                "expires_at"
            ]
        );
        assert_eq!(t["client_id"], "HUB");
        assert_eq!(t["generated_by"], "manual");
        assert_eq!(t["token"], "");
        assert_eq!(t["is_active"], (i + 1) % 3 != 0);
        assert!(t["created_at"].as_str().unwrap().ends_with('Z'));
        assert!(t["token_label"]
            .as_str()
            .unwrap()
            .ends_with(&format!("-{:03}", i + 1)));
        let scope = t["scopes"][0].as_str().unwrap();
        assert!(["repo:admin", "repo:write", "repo:read", "repo:public_read"].contains(&scope));
        saw_null_last_used |= t["last_used"].is_null();
        saw_expiry |= t["expires_at"].is_string();

        let uuid = t["uuid"].as_str().unwrap();
        let one = c.get(&format!("/v2/access-tokens/{uuid}"), &hub.jwt());
        assert_eq!(one.status, 200);
        assert_eq!(&one.json(), t);
    }
    assert!(saw_null_last_used && saw_expiry);

    let missing = c.get(
        "/v2/access-tokens/00000000-0000-4000-8000-000000000000",
        &hub.jwt(),
    );
    assert_eq!(missing.status, 404);
    missing.assert_standard_headers();
    assert_eq!(
        missing.json(),
        json!({"detail": "Not found.", "message": "Not found."})
    );
}

#[test]
fn tokens_are_stable_across_servers() {
    let a = hub(12);
    let b = hub(12);
    assert_eq!(a.token_uuids(), b.token_uuids());
    let mut ca = Client::connect(&a);
    let mut cb = Client::connect(&b);
    let va = ca.get("/v2/access-tokens?page_size=100", &a.jwt()).json();
    let vb = cb.get("/v2/access-tokens?page_size=100", &b.jwt()).json();
    assert_eq!(va["results"], vb["results"]);
}

#[test]
fn bearer_auth_failures() {
    let hub = hub(3);
    let config = Config::default();
    let mut c = Client::connect(&hub);
    let unauthorized = |r: &common::Resp| {
        assert_eq!(r.status, 401, "{}", r.text());
        r.assert_standard_headers();
        let v = r.json();
        assert_eq!(v["message"], "unauthorized");
        assert_eq!(v["errinfo"], json!({}));
        assert!(v["detail"].is_string());
    };
    unauthorized(&c.request("GET", "/v2/access-tokens", &[], b"").unwrap());
    unauthorized(&c.get("/v2/access-tokens", &config.pat));
    unauthorized(&c.get("/v2/access-tokens", "not-a-jwt"));
    unauthorized(&c.get("/v2/access-tokens", ""));
    let forged = format!("{}x", hub.jwt());
    unauthorized(&c.get("/v2/access-tokens/", &forged));
    let basic = c
        .request(
            "GET",
            "/v2/access-tokens",
            &[("Authorization", "Basic ZmFrZXVzZXI6ZmFrZXBhc3N3b3Jk")],
            b"",
        )
        .unwrap();
    unauthorized(&basic);
    let uuid = &hub.token_uuids()[0];
    unauthorized(&c.get(&format!("/v2/access-tokens/{uuid}"), &config.pat));

    // A JWT from a login made with the PAT is refused with 403 and the real Hub's words.
    let pat_jwt = login(&mut c, &config.username, &config.pat);
    let r = c.get("/v2/access-tokens", &pat_jwt);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"message": "token issued from personal access token is not allowed", "errinfo": {}})
    );
    assert_eq!(
        c.get(&format!("/v2/access-tokens/{uuid}"), &pat_jwt).status,
        403
    );
    // The scheme name is case-insensitive, like the real one.
    let lower = format!("bearer {}", hub.jwt());
    let r = c
        .request(
            "GET",
            "/v2/access-tokens",
            &[("authorization", &lower)],
            b"",
        )
        .unwrap();
    assert_eq!(r.status, 200);
}

#[test]
fn password_login_gives_a_real_looking_unique_jwt() {
    let hub = hub(3);
    let mut c = Client::connect(&hub);
    let a = login(&mut c, "fakeuser", "fakepassword");
    let b = login(&mut c, "fakeuser", "fakepassword");
    assert_ne!(a, b);
    for jwt in [&a, &b, &hub.jwt()] {
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value = serde_json::from_slice(&base64url_decode(parts[0])).unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "JWT");
        let payload: Value = serde_json::from_slice(&base64url_decode(parts[1])).unwrap();
        assert_eq!(payload["username"], "fakeuser");
        assert!(payload["exp"].as_u64().unwrap() > payload["iat"].as_u64().unwrap());
        assert!(payload["jti"].as_str().unwrap().len() >= 16);
        assert!(base64url_decode(parts[2]).len() >= 64);
        assert_eq!(c.get("/v2/access-tokens", jwt).status, 200);
    }
}

#[test]
fn login_failures() {
    let hub = hub(3);
    let mut c = Client::connect(&hub);
    for (user, password) in [
        ("fakeuser", "wrong"),
        ("someoneelse", "fakepassword"),
        ("FAKEUSER", "fakepassword"),
        ("fakeuser", ""),
    ] {
        let r = c.post_json(
            "/v2/users/login",
            &json!({"username": user, "password": password}),
        );
        assert_eq!(r.status, 401);
        r.assert_standard_headers();
        assert_eq!(
            r.json(),
            json!({"detail": "Incorrect authentication credentials"})
        );
    }
    for body in [
        json!({"username": "fakeuser"}),
        json!({"password": "fakepassword"}),
        json!({"username": 1, "password": "fakepassword"}),
        json!(["fakeuser", "fakepassword"]),
    ] {
        let r = c.post_json("/v2/users/login", &body);
        assert_eq!(r.status, 400, "{body}");
    }
    let r = c
        .request("POST", "/v2/users/login", &[], b"{not json")
        .unwrap();
    assert_eq!(r.status, 400);
    let r = c.request("GET", "/v2/users/login", &[], b"").unwrap();
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
}

#[test]
fn two_factor_login() {
    let hub = FakeHub::start(Config {
        totp_code: Some("123456".into()),
        ..Config::default()
    })
    .unwrap();
    let mut c = Client::connect(&hub);
    let r = c.post_json(
        "/v2/users/login",
        &json!({"username": "fakeuser", "password": "fakepassword"}),
    );
    assert_eq!(r.status, 401);
    let v = r.json();
    assert_eq!(
        v["detail"],
        "Require secondary authentication on MFA enabled account"
    );
    let token = v["login_2fa_token"].as_str().unwrap().to_string();
    assert!(token.len() >= 20);

    // Wrong password still says nothing about 2FA.
    let r = c.post_json(
        "/v2/users/login",
        &json!({"username": "fakeuser", "password": "nope"}),
    );
    assert_eq!(
        r.json(),
        json!({"detail": "Incorrect authentication credentials"})
    );

    let fail = |c: &mut Client, body: Value| {
        let r = c.post_json("/v2/users/2fa-login", &body);
        assert_eq!(r.status, 401, "{body}");
        assert_eq!(
            r.json(),
            json!({"detail": "Incorrect authentication credentials"})
        );
    };
    fail(&mut c, json!({"login_2fa_token": token, "code": "654321"}));
    fail(
        &mut c,
        json!({"login_2fa_token": "made-up", "code": "123456"}),
    );
    assert_eq!(
        c.post_json("/v2/users/2fa-login", &json!({"code": "123456"}))
            .status,
        400
    );

    let r = c.post_json(
        "/v2/users/2fa-login",
        &json!({"login_2fa_token": token, "code": "123456"}),
    );
    assert_eq!(r.status, 200);
    let jwt = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(c.get("/v2/access-tokens", &jwt).status, 200);
    // A 2FA token works once.
    fail(&mut c, json!({"login_2fa_token": token, "code": "123456"}));

    // A PAT skips the second factor but its JWT cannot manage tokens.
    let pat_jwt = login(&mut c, "fakeuser", "dckr_pat_fake0000000000000000000");
    assert_eq!(c.get("/v2/access-tokens", &pat_jwt).status, 403);
}

#[test]
fn auth_token_endpoint() {
    let hub = hub(3);
    let mut c = Client::connect(&hub);
    let r = c.post_json(
        "/v2/auth/token",
        &json!({"identifier": "fakeuser", "secret": "fakepassword"}),
    );
    assert_eq!(r.status, 200);
    let jwt = r.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(jwt.split('.').count(), 3);
    assert_eq!(c.get("/v2/access-tokens", &jwt).status, 200);

    let r = c.post_json(
        "/v2/auth/token",
        &json!({"identifier": "fakeuser", "secret": "dckr_pat_fake0000000000000000000"}),
    );
    assert_eq!(r.status, 200);
    let pat_jwt = r.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(c.get("/v2/access-tokens", &pat_jwt).status, 403);

    let r = c.post_json(
        "/v2/auth/token",
        &json!({"identifier": "fakeuser", "secret": "wrong"}),
    );
    assert_eq!(r.status, 401);
    let v = r.json();
    assert!(v["detail"].is_string() && v["message"].is_string());
    assert_eq!(v["errinfo"], json!({}));
    assert_eq!(
        c.post_json("/v2/auth/token", &json!({"identifier": "fakeuser"}))
            .status,
        400
    );
}

#[test]
fn unknown_paths_and_wrong_methods() {
    let hub = hub(3);
    let mut c = Client::connect(&hub);
    let r = c.get("/v2/repositories/library/ubuntu", &hub.jwt());
    assert_eq!(r.status, 404);
    r.assert_standard_headers();
    assert!(r.json()["detail"].is_string());
    let auth = format!("Bearer {}", hub.jwt());
    for (method, path) in [
        ("PUT", "/v2/access-tokens"),
        ("POST", "/v2/access-tokens"),
        ("DELETE", "/v2/access-tokens/x"),
        ("PATCH", "/v2/access-tokens/x"),
    ] {
        let r = c
            .request(method, path, &[("Authorization", &auth)], b"{}")
            .unwrap();
        assert_eq!(r.status, 405, "{method} {path}");
        assert!(r.header("allow").is_some());
        r.json();
    }
    let r = c
        .request("GET", "/v2/auth/token", &[("Authorization", &auth)], b"")
        .unwrap();
    assert_eq!(r.status, 405);
}

#[test]
fn keep_alive_and_recording() {
    let hub = hub(3);
    let mut c = Client::connect(&hub);
    let auth = format!("Bearer {}", hub.jwt());
    let r1 = c
        .request(
            "GET",
            "/v2/access-tokens?page=1&page_size=2",
            &[("Authorization", &auth), ("User-Agent", "test/1.0")],
            b"",
        )
        .unwrap();
    assert_eq!(r1.status, 200);
    assert_eq!(r1.header("connection"), Some("keep-alive"));
    let r2 = c.post_json(
        "/v2/users/login",
        &json!({"username": "fakeuser", "password": "fakepassword"}),
    );
    assert_eq!(r2.status, 200);
    assert_eq!(hub.connections(), 1);

    let reqs = hub.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path, "/v2/access-tokens");
    assert_eq!(reqs[0].query.as_deref(), Some("page=1&page_size=2"));
    assert_eq!(reqs[0].header("USER-AGENT"), Some("test/1.0"));
    assert!(reqs[0].headers.iter().any(|(k, _)| k == "authorization"));
    assert!(reqs[0].body.is_empty());
    assert_eq!(reqs[1].method, "POST");
    assert_eq!(
        serde_json::from_slice::<Value>(&reqs[1].body).unwrap()["username"],
        "fakeuser"
    );
    assert_eq!(reqs[0].connection, reqs[1].connection);

    // A second connection gets a new id; Connection: close is honoured.
    let mut c2 = Client::connect(&hub);
    let r = c2
        .request(
            "GET",
            "/v2/access-tokens",
            &[("Authorization", &auth), ("Connection", "close")],
            b"",
        )
        .unwrap();
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c2.closed_by_server());
    assert_eq!(hub.connections(), 2);
    let reqs = hub.requests();
    assert_ne!(reqs[2].connection, reqs[0].connection);
}

#[test]
fn malformed_requests_get_400_and_close() {
    let hub = FakeHub::start(Config {
        tls: false,
        ..Config::default()
    })
    .unwrap();
    let mut c = Client::plain(hub.port());
    c.send_raw(b"NOT HTTP AT ALL\r\n\r\n").unwrap();
    let r = c.read_response().unwrap();
    assert_eq!(r.status, 400);
    r.assert_standard_headers();
    assert!(c.closed_by_server());

    let mut c = Client::plain(hub.port());
    c.send_raw(b"POST /v2/users/login HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n")
        .unwrap();
    assert_eq!(c.read_response().unwrap().status, 413);
    assert!(hub.requests().is_empty());
}

#[test]
fn plain_http_mode() {
    let hub = FakeHub::start(Config {
        tls: false,
        ..Config::default()
    })
    .unwrap();
    assert_eq!(hub.base_url(), format!("http://127.0.0.1:{}", hub.port()));
    assert_eq!(
        hub.tokens_url(),
        format!("http://127.0.0.1:{}/v2/access-tokens/", hub.port())
    );
    assert_eq!(
        hub.login_url(),
        format!("http://127.0.0.1:{}/v2/users/login", hub.port())
    );
    let mut c = Client::plain(hub.port());
    let v = c.get("/v2/access-tokens?page_size=1", &hub.jwt()).json();
    assert_eq!(
        v["next"],
        json!(format!(
            "http://127.0.0.1:{}/v2/access-tokens?page=2&page_size=1",
            hub.port()
        ))
    );
}

#[test]
fn many_keep_alive_requests_are_fast() {
    // A server that writes a response in several pieces without TCP_NODELAY stalls ~40 ms per
    // request on delayed ACKs; 200 requests would then take 8 s or more.
    for tls in [true, false] {
        let hub = FakeHub::start(Config {
            tokens: 150,
            tls,
            ..Config::default()
        })
        .unwrap();
        let mut c = Client::connect(&hub);
        let jwt = hub.jwt();
        let start = std::time::Instant::now();
        for i in 0..200 {
            let page = i % 2 + 1;
            let r = c.get(
                &format!("/v2/access-tokens?page={page}&page_size=100"),
                &jwt,
            );
            assert_eq!(r.status, 200);
        }
        let took = start.elapsed();
        assert!(
            took.as_secs_f64() < 4.0,
            "tls={tls}: 200 requests took {took:?}"
        );
        assert_eq!(hub.connections(), 1);
    }
}
