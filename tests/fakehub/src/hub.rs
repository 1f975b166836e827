//! The Docker Hub part: the account, its personal access tokens, logins and the routes.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::http::{query_param, Request, Response};
use crate::util::{base64url, iso8601, now_unix, random_bytes, random_hex, splitmix64};
use crate::{lock, Config};

/// Default and maximum `page_size` of the token list.
const DEFAULT_PAGE_SIZE: u64 = 10;
const MAX_PAGE_SIZE: u64 = 100;

/// Where a JWT came from: only a login with the account password may manage tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Password,
    Pat,
}

/// One personal access token, kept with its JSON form ready to send.
struct Token {
    uuid: String,
    active: bool,
    json: String,
}

/// Account state shared by all connections.
pub(crate) struct Hub {
    username: String,
    password: String,
    pat: String,
    totp_code: Option<String>,
    base_url: String,
    tokens: Vec<Token>,
    by_uuid: HashMap<String, usize>,
    active_count: usize,
    jwts: Mutex<HashMap<String, Source>>,
    pending_2fa: Mutex<HashSet<String>>,
}

const LABELS: [&str; 8] = [
    "ci-runner",
    "laptop",
    "deploy-bot",
    "backup-job",
    "renovate",
    "github-actions",
    "mirror-sync",
    "buildkit-cache",
];
const SCOPES: [&str; 4] = ["repo:admin", "repo:write", "repo:read", "repo:public_read"];
const USER_AGENTS: [&str; 4] = [
    "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0-45-generic os/linux arch/amd64",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "hub-tool/v0.4.6",
    "Go-http-client/2.0",
];

/// The token at `index` of the list; the same index always gives the same token.
fn make_token(index: usize, inactive_every: usize) -> Token {
    let i = index as u64;
    let a = splitmix64(i ^ 0x6661_6b65_6875_6200);
    let b = splitmix64(a ^ i);
    // Version-4 layout: version nibble 4, variant bits 10.
    let a = (a & !0xf000) | 0x4000;
    let b = (b & !(0xc << 60)) | (0x8 << 60);
    let uuid = format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    );
    let active = inactive_every == 0 || (index + 1) % inactive_every != 0;
    // Newest first, like the Hub lists them: 2025-06-01T09:00:00Z minus about 37 hours per index.
    let created = 1_748_768_400 - (i as i64) * 133_380 - (b % 3_600) as i64;
    let micros = (a % 1_000_000) as u32;
    let last_used = (index % 3 != 2).then(|| {
        let used = created + 3_600 + (b % (30 * 86_400)) as i64;
        iso8601(used, ((b >> 20) % 1_000_000) as u32)
    });
    // Even indexes never expire; odd ones expire 90 days (long past) or 3 years after creation.
    let expires_at = (index % 2 == 1).then(|| {
        let days = if index % 4 == 1 { 90 } else { 3 * 365 };
        iso8601(created + days * 86_400, micros)
    });
    let label = LABELS.get(index % LABELS.len()).copied().unwrap_or("token");
    let scope = SCOPES
        .get(index % SCOPES.len())
        .copied()
        .unwrap_or("repo:read");
    let ua = USER_AGENTS
        .get(index % USER_AGENTS.len())
        .copied()
        .unwrap_or("");
    let value = json!({
        "uuid": uuid,
        "client_id": "HUB",
        "creator_ip": format!("203.0.113.{}", index % 250 + 1),
        "creator_ua": ua,
        "created_at": iso8601(created, micros),
        "last_used": last_used,
        "generated_by": "manual",
        "is_active": active,
        "token": "",
        "token_label": format!("{label}-{:03}", index + 1),
        "scopes": [scope],
        "expires_at": expires_at,
    });
    Token {
        uuid,
        active,
        json: value.to_string(),
    }
}

fn detail_message(detail: &str) -> Value {
    json!({"detail": detail, "message": detail})
}

fn not_found() -> Response {
    Response::json(404, &detail_message("Not found."))
}

fn method_not_allowed(method: &str, allow: &str) -> Response {
    Response::json(
        405,
        &detail_message(&format!("Method \"{method}\" not allowed.")),
    )
    .with_header("Allow", allow)
}

fn value_error(field: &str, problem: &str) -> Response {
    Response::json(
        400,
        &json!({"fields": {field: [problem]}, "text": format!("{field}: {problem}")}),
    )
}

fn unauthorized(detail: &str) -> Response {
    Response::json(
        401,
        &json!({"detail": detail, "message": "unauthorized", "errinfo": {}}),
    )
    .with_header("WWW-Authenticate", "Bearer realm=\"hub.docker.com\"")
}

fn bad_credentials() -> Response {
    Response::json(
        401,
        &json!({"detail": "Incorrect authentication credentials"}),
    )
}

impl Hub {
    pub(crate) fn new(config: &Config, base_url: String) -> Hub {
        let tokens: Vec<Token> = (0..config.tokens)
            .map(|i| make_token(i, config.inactive_every))
            .collect();
        let by_uuid = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.uuid.clone(), i))
            .collect();
        let active_count = tokens.iter().filter(|t| t.active).count();
        Hub {
            username: config.username.clone(),
            password: config.password.clone(),
            pat: config.pat.clone(),
            totp_code: config.totp_code.clone(),
            base_url,
            tokens,
            by_uuid,
            active_count,
            jwts: Mutex::new(HashMap::new()),
            pending_2fa: Mutex::new(HashSet::new()),
        }
    }

    pub(crate) fn token_uuids(&self) -> Vec<String> {
        self.tokens.iter().map(|t| t.uuid.clone()).collect()
    }

    /// Issues and remembers a new JWT for the account.
    fn issue_jwt(&self, source: Source, lifetime_secs: u64) -> String {
        let now = now_unix();
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": "fakehub"});
        let payload = json!({
            "iss": "https://login.docker.com/",
            "sub": format!("fakehub|{}", self.username),
            "aud": "https://hub.docker.com",
            "username": self.username,
            "session_type": match source { Source::Password => "password", Source::Pat => "pat" },
            "iat": now,
            "exp": now + lifetime_secs,
            "jti": random_hex(16),
        });
        let jwt = format!(
            "{}.{}.{}",
            base64url(header.to_string().as_bytes()),
            base64url(payload.to_string().as_bytes()),
            base64url(&random_bytes(256))
        );
        lock(&self.jwts).insert(jwt.clone(), source);
        jwt
    }

    /// A fresh JWT from a password login (what `FakeHub::jwt` hands out).
    pub(crate) fn password_jwt(&self) -> String {
        self.issue_jwt(Source::Password, 30 * 86_400)
    }

    /// Answers one (unfaulted) request.
    pub(crate) fn handle(&self, req: &Request) -> Response {
        let path = req.path.as_str();
        let post_only = |f: &dyn Fn(&Value) -> Response| {
            if req.method != "POST" {
                return method_not_allowed(&req.method, "POST");
            }
            match serde_json::from_slice::<Value>(&req.body) {
                Ok(body @ Value::Object(_)) => f(&body),
                _ => Response::json(
                    400,
                    &json!({
                        "fields": {},
                        "text": "JSON parse error: the body must be a JSON object",
                    }),
                ),
            }
        };
        match path {
            "/v2/users/login" | "/v2/users/login/" => post_only(&|b| self.login(b)),
            "/v2/users/2fa-login" | "/v2/users/2fa-login/" => post_only(&|b| self.login_2fa(b)),
            "/v2/auth/token" | "/v2/auth/token/" => post_only(&|b| self.auth_token(b)),
            "/v2/access-tokens" | "/v2/access-tokens/" => {
                self.authorized(req, "GET, POST", || self.list(req.query.as_deref()))
            }
            _ => match path.strip_prefix("/v2/access-tokens/") {
                Some(rest) if !rest.trim_end_matches('/').contains('/') => {
                    let uuid = rest.trim_end_matches('/');
                    self.authorized(req, "GET, PATCH, DELETE", || self.get_token(uuid))
                }
                _ => not_found(),
            },
        }
    }

    /// Bearer authentication as the access-token routes do it, then the method check.
    fn authorized(&self, req: &Request, allow: &str, get: impl FnOnce() -> Response) -> Response {
        let Some(auth) = req.header("authorization") else {
            return unauthorized("Authentication credentials were not provided.");
        };
        let token = match auth.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return unauthorized("Invalid authorization header."),
        };
        match lock(&self.jwts).get(token).copied() {
            None => return unauthorized("Invalid or expired token."),
            Some(Source::Pat) => {
                return Response::json(
                    403,
                    &json!({
                        "message": "token issued from personal access token is not allowed",
                        "errinfo": {},
                    }),
                )
            }
            Some(Source::Password) => {}
        }
        match req.method.as_str() {
            "GET" => get(),
            // Creating, changing and deleting tokens are in the real API but not in this fake.
            "POST" | "PATCH" | "DELETE" if allow.contains(req.method.as_str()) => Response::json(
                405,
                &detail_message(&format!("fakehub does not implement {} here", req.method)),
            )
            .with_header("Allow", "GET"),
            other => method_not_allowed(other, allow),
        }
    }

    fn list(&self, query: Option<&str>) -> Response {
        let number = |name: &str, default: u64| match query_param(query, name) {
            None => Ok(default),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n >= 1 => Ok(n),
                Ok(_) => Err(value_error(
                    name,
                    "Ensure this value is greater than or equal to 1.",
                )),
                Err(_) => Err(value_error(name, "A valid integer is required.")),
            },
        };
        let page = match number("page", 1) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let page_size = match number("page_size", DEFAULT_PAGE_SIZE) {
            Ok(s) => s.min(MAX_PAGE_SIZE),
            Err(r) => return r,
        };
        let count = self.tokens.len() as u64;
        let pages = count.div_ceil(page_size).max(1);
        if page > pages {
            return Response::json(404, &detail_message("Invalid page."));
        }
        let start = (page - 1) * page_size;
        let end = (start + page_size).min(count);
        let url = |p: u64| {
            Value::String(format!(
                "{}/v2/access-tokens?page={p}&page_size={page_size}",
                self.base_url
            ))
        };
        let next = if end < count {
            url(page + 1)
        } else {
            Value::Null
        };
        let previous = if page > 1 { url(page - 1) } else { Value::Null };
        let results: Vec<&str> = self
            .tokens
            .get(start as usize..end as usize)
            .unwrap_or_default()
            .iter()
            .map(|t| t.json.as_str())
            .collect();
        Response::json_text(
            200,
            format!(
                "{{\"count\":{count},\"next\":{next},\"previous\":{previous},\"active_count\":{},\"results\":[{}]}}",
                self.active_count,
                results.join(",")
            ),
        )
    }

    fn get_token(&self, uuid: &str) -> Response {
        match self.by_uuid.get(uuid).and_then(|&i| self.tokens.get(i)) {
            Some(t) => Response::json_text(200, t.json.clone()),
            None => not_found(),
        }
    }

    /// Which secret `secret` is for `user`: the password, the PAT, or neither.
    fn check(&self, user: &str, secret: &str) -> Option<Source> {
        if user != self.username {
            return None;
        }
        if secret == self.password {
            Some(Source::Password)
        } else if secret == self.pat {
            Some(Source::Pat)
        } else {
            None
        }
    }

    fn login(&self, body: &Value) -> Response {
        let (user, password) = match required(body, ["username", "password"]) {
            Ok([u, p]) => (u, p),
            Err(r) => return r,
        };
        match self.check(user, password) {
            None => bad_credentials(),
            Some(Source::Password) if self.totp_code.is_some() => {
                let login_2fa_token = base64url(&random_bytes(32));
                lock(&self.pending_2fa).insert(login_2fa_token.clone());
                Response::json(
                    401,
                    &json!({
                        "detail": "Require secondary authentication on MFA enabled account",
                        "login_2fa_token": login_2fa_token,
                    }),
                )
            }
            Some(source) => {
                Response::json(200, &json!({"token": self.issue_jwt(source, 30 * 86_400)}))
            }
        }
    }

    fn login_2fa(&self, body: &Value) -> Response {
        let (token, code) = match required(body, ["login_2fa_token", "code"]) {
            Ok([t, c]) => (t, c),
            Err(r) => return r,
        };
        let code_ok = self.totp_code.as_deref() == Some(code);
        let mut pending = lock(&self.pending_2fa);
        if code_ok && pending.remove(token) {
            drop(pending);
            Response::json(
                200,
                &json!({"token": self.issue_jwt(Source::Password, 30 * 86_400)}),
            )
        } else {
            bad_credentials()
        }
    }

    fn auth_token(&self, body: &Value) -> Response {
        let (user, secret) = match required(body, ["identifier", "secret"]) {
            Ok([u, s]) => (u, s),
            Err(r) => return r,
        };
        match self.check(user, secret) {
            Some(source) => {
                Response::json(200, &json!({"access_token": self.issue_jwt(source, 600)}))
            }
            None => Response::json(
                401,
                &json!({
                    "errinfo": {},
                    "detail": "Incorrect authentication credentials",
                    "message": "unauthorized",
                }),
            ),
        }
    }
}

/// The string fields `names` of a JSON object, or a 400 naming the first missing one.
fn required<'a, const N: usize>(
    body: &'a Value,
    names: [&str; N],
) -> Result<[&'a str; N], Response> {
    let mut out = [""; N];
    for (slot, name) in out.iter_mut().zip(names) {
        match body.get(name) {
            Some(Value::String(s)) => *slot = s.as_str(),
            Some(_) => return Err(value_error(name, "Not a valid string.")),
            None => return Err(value_error(name, "This field is required.")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_deterministic_and_complete() {
        let a = make_token(6, 4);
        let b = make_token(6, 4);
        assert_eq!(a.json, b.json);
        assert_ne!(make_token(7, 4).uuid, a.uuid);
        let v: Value = serde_json::from_str(&a.json).unwrap();
        for field in [
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
            "expires_at",
        ] {
            assert!(v.get(field).is_some(), "missing {field}");
        }
        assert_eq!(v["token_label"], "mirror-sync-007");
        let uuid = v["uuid"].as_str().unwrap();
        let lens: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(lens, [8, 4, 4, 4, 12]);
        assert!(uuid
            .bytes()
            .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        assert!(!make_token(3, 4).active);
        assert!(make_token(3, 0).active);
    }
}
