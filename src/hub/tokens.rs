//! The personal access tokens API: list a page, list every page, show one token.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::error::Error;
use super::transport::{Client, Reply};

/// Stops a server whose `next` links never end.
pub const MAX_PAGES: usize = 1000;

/// `/v2/access-tokens` of one account, read with a login JWT.
pub struct AccessTokens<'a> {
    client: &'a Client,
    bearer: &'a str,
}

impl<'a> AccessTokens<'a> {
    /// `client` is bound to the access-tokens URL (the `url` option).
    pub fn new(client: &'a Client, bearer: &'a str) -> Self {
        AccessTokens { client, bearer }
    }

    pub fn page_url(&self, page: i64, page_size: i64) -> String {
        self.client
            .endpoint()
            .with_query(&format!("page={page}&page_size={page_size}"))
    }

    /// One page of the list.
    pub fn list(&self, page: i64, page_size: i64) -> Result<Reply, Error> {
        self.get(&self.page_url(page, page_size), Call::Page(page))
    }

    /// Every token from `page` on, following `next` on the same origin, as one
    /// page-shaped object: `count` and `active_count` from the API, all `results`.
    pub fn list_all(&self, page: i64, page_size: i64) -> Result<Reply, Error> {
        let first_url = self.page_url(page, page_size);
        let mut reply = self.get(&first_url, Call::Page(page))?;
        let mut results = take_results(&first_url, &mut reply.body)?;
        let mut seen = HashSet::from([first_url]);
        let mut next = next_link(&reply.body);
        while let Some(url) = next {
            if !self.client.endpoint().same_origin(&url) {
                return Err(Error::ForeignOrigin {
                    url: self.client.endpoint().as_str().to_owned(),
                    target: url,
                    what: "the next page link",
                });
            }
            if !seen.insert(url.clone()) {
                return Err(Error::Paging {
                    url,
                    reason: "the server sent this next link twice (a loop)".into(),
                });
            }
            if seen.len() > MAX_PAGES {
                return Err(Error::Paging {
                    url,
                    reason: format!("more than {MAX_PAGES} pages"),
                });
            }
            let mut page_reply = self.get(&url, Call::Next)?;
            results.extend(take_results(&url, &mut page_reply.body)?);
            next = next_link(&page_reply.body);
            reply.rate_limit = page_reply.rate_limit.or(reply.rate_limit);
        }
        let mut body = Map::new();
        for key in ["count", "active_count"] {
            body.insert(
                key.to_owned(),
                reply.body.get(key).cloned().unwrap_or(Value::Null),
            );
        }
        body.insert("next".into(), Value::Null);
        body.insert("previous".into(), Value::Null);
        body.insert("results".into(), Value::Array(results));
        Ok(Reply {
            body,
            rate_limit: reply.rate_limit,
        })
    }

    /// One token by uuid (sent in lower case, as the API writes them).
    pub fn show(&self, uuid: &str) -> Result<Reply, Error> {
        let uuid = uuid.to_ascii_lowercase();
        self.get(&self.client.endpoint().join(&uuid), Call::Token(&uuid))
    }

    fn get(&self, url: &str, call: Call) -> Result<Reply, Error> {
        self.client
            .get(url, self.bearer)
            .map_err(|e| with_hint(e, call))
    }
}

/// Which call failed, for the hint.
#[derive(Clone, Copy)]
enum Call<'a> {
    Page(i64),
    Next,
    Token(&'a str),
}

fn next_link(body: &Map<String, Value>) -> Option<String> {
    match body.get("next") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn take_results(url: &str, body: &mut Map<String, Value>) -> Result<Vec<Value>, Error> {
    match body.remove("results") {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(Error::NotJson {
            url: url.to_owned(),
            reason: "the page has no results list".into(),
        }),
    }
}

/// What the access-tokens API's errors mean for the user.
fn with_hint(error: Error, call: Call) -> Error {
    error.with_hint(|status, detail| match (status, call) {
        (401, _) => Some(
            "The token is not a valid Docker Hub JWT: it expired, or it is a personal access token \
             used as the bearer. Log in with community.missing_collection.docker_hub_token \
             (username and password) and pass the token it returns"
                .to_owned(),
        ),
        (403, _) if detail.to_ascii_lowercase().contains("personal access token") => Some(
            "This JWT comes from a login made with a personal access token; managing access tokens \
             needs a login with the account password (docker_hub_token with password set to it)"
                .to_owned(),
        ),
        (403, _) => Some("The account of this token is not allowed to read access tokens".to_owned()),
        (404, Call::Token(uuid)) => Some(format!("This account has no access token with uuid {uuid}")),
        (404, Call::Page(page)) if page > 1 => Some(format!(
            "Page {page} is past the end of the list; the count in page 1 tells how many tokens there are"
        )),
        (404, _) => Some("The url does not lead to the access-tokens API; check the url option".to_owned()),
        (429, _) => Some("Docker Hub is rate limiting this client; wait and try again".to_owned()),
        _ => None,
    })
}
