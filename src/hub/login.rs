//! Logging in: username and password (and a TOTP code for 2FA accounts) for a JWT.

use serde_json::{json, Value};

use super::error::Error;
use super::transport::{Client, Reply};

/// The login path; the two-factor step lives beside it.
const LOGIN_PATH: &str = "/v2/users/login";
const SECOND_FACTOR_PATH: &str = "/v2/users/2fa-login";

/// What the first login step gave.
#[derive(Debug)]
pub enum Login {
    /// The bearer JWT, and the reply it came in.
    Token(String, Reply),
    /// Two-factor authentication is on: this ticket plus a TOTP code finish the login.
    SecondFactor { ticket: String },
}

/// `POST url {username, password}`. A 401 is never retried: repeated failed logins
/// lock the account (the transport only retries 429/5xx and failed connections).
pub fn login(client: &Client, username: &str, password: &str) -> Result<Login, Error> {
    let url = client.endpoint().as_str().to_owned();
    match client.post(&url, &json!({"username": username, "password": password})) {
        Ok(reply) => token_of(&url, reply).map(|(token, reply)| Login::Token(token, reply)),
        Err(error) => match second_factor_ticket(&error) {
            Some(ticket) => Ok(Login::SecondFactor { ticket }),
            None => Err(with_hint(error, false)),
        },
    }
}

/// `POST .../v2/users/2fa-login {login_2fa_token, code}` on the login URL's origin.
pub fn second_factor(client: &Client, ticket: &str, code: &str) -> Result<(String, Reply), Error> {
    let url = second_factor_url(client.endpoint().as_str(), client);
    match client.post(&url, &json!({"login_2fa_token": ticket, "code": code})) {
        Ok(reply) => token_of(&url, reply),
        Err(error) => Err(with_hint(error, true)),
    }
}

/// Beside the login URL when it ends in the usual path (keeping any prefix a
/// gateway adds), else at the origin's root.
fn second_factor_url(login_url: &str, client: &Client) -> String {
    match login_url.strip_suffix(LOGIN_PATH) {
        Some(prefix) => format!("{prefix}{SECOND_FACTOR_PATH}"),
        None => client.endpoint().origin_url(SECOND_FACTOR_PATH),
    }
}

/// A 401 holding `login_2fa_token` means: password right, second factor needed.
fn second_factor_ticket(error: &Error) -> Option<String> {
    if error.status() != Some(401) {
        return None;
    }
    let ticket = error.body()?.get("login_2fa_token")?.as_str()?;
    (!ticket.is_empty()).then(|| ticket.to_owned())
}

fn token_of(url: &str, reply: Reply) -> Result<(String, Reply), Error> {
    match reply.body.get("token").and_then(Value::as_str) {
        Some(token) if !token.is_empty() => Ok((token.to_owned(), reply)),
        _ => Err(Error::NotJson {
            url: url.to_owned(),
            reason: "the login answer holds no token".into(),
        }),
    }
}

fn with_hint(error: Error, second_step: bool) -> Error {
    error
        .with_hint(|status, _| match (status, second_step) {
            (401, false) => Some(
                "The username or password is wrong (a personal access token also works as the password, \
                 but its JWT cannot manage access tokens). Not retried: repeated failed logins lock the \
                 account for several minutes"
                    .to_owned(),
            ),
            (401, true) => Some(
                "The two-factor code was not accepted: pass the current code from the authenticator app \
                 (codes change every 30 seconds)"
                    .to_owned(),
            ),
            (429, _) => Some("Docker Hub is rate limiting logins; log in once and reuse the token".to_owned()),
            _ => None,
        })
        // The answer to a failed login may hold a 2FA ticket: keep only the server's words.
        .without_body_field("login_2fa_token")
}
