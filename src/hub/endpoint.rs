//! URLs of the API: parsing, the https rule, joining paths and comparing origins.

use std::net::IpAddr;

use ureq::http::Uri;

use super::error::Error;

/// The scheme, host and port a URL points at. Credentials may only ever be sent to
/// the origin of the `url` the user configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

/// A parsed, checked API URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub origin: Origin,
    /// The URL as given, without a trailing slash on its path.
    base: String,
}

impl Endpoint {
    /// Parses a URL the module will send credentials to: https, or plain http to a
    /// loopback host (local testing). Anything else fails before any connection.
    pub fn parse(url: &str) -> Result<Endpoint, Error> {
        let origin = origin_of(url)?;
        if origin.scheme == "http" && !is_loopback(&origin.host) {
            return Err(Error::InsecureUrl {
                url: url.to_owned(),
            });
        }
        let base = match url.split_once(['?', '#']) {
            Some(_) => {
                return Err(Error::InvalidUrl {
                    url: url.to_owned(),
                    reason: "it must not carry a query or fragment",
                })
            }
            None => url.trim_end_matches('/').to_owned(),
        };
        Ok(Endpoint { origin, base })
    }

    /// The URL without its trailing slash.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// `{url}/{segment}`.
    pub fn join(&self, segment: &str) -> String {
        format!("{}/{}", self.base, segment.trim_start_matches('/'))
    }

    /// `{url}?query`.
    pub fn with_query(&self, query: &str) -> String {
        format!("{}?{query}", self.base)
    }

    /// `{scheme}://{host}:{port}{path}`, keeping nothing of this endpoint's own path.
    pub fn origin_url(&self, path: &str) -> String {
        let Origin { scheme, host, port } = &self.origin;
        format!("{scheme}://{host}:{port}{path}")
    }

    /// Whether `url` (absolute) points at this endpoint's scheme, host and port.
    pub fn same_origin(&self, url: &str) -> bool {
        origin_of(url).is_ok_and(|other| other == self.origin)
    }
}

/// Scheme, host and port of an absolute http(s) URL.
pub fn origin_of(url: &str) -> Result<Origin, Error> {
    let invalid = |reason| Error::InvalidUrl {
        url: url.to_owned(),
        reason,
    };
    let uri: Uri = url
        .parse()
        .map_err(|_| invalid("it is not a valid absolute URL"))?;
    let scheme = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => "https",
        Some(s) if s.eq_ignore_ascii_case("http") => "http",
        Some(_) => return Err(invalid("only https URLs are supported")),
        None => return Err(invalid("it is not an absolute URL (https://host/path)")),
    };
    let authority = uri.authority().ok_or_else(|| invalid("it has no host"))?;
    if authority.as_str().contains('@') {
        return Err(invalid("credentials must not be written into the URL"));
    }
    let host = authority.host().to_ascii_lowercase();
    if host.is_empty() {
        return Err(invalid("it has no host"));
    }
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    Ok(Origin {
        scheme: scheme.to_owned(),
        host,
        port,
    })
}

/// 127.0.0.0/8, ::1 and localhost: the only hosts plain http may reach.
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_slash_or_not_gives_the_same_paths() {
        for url in [
            "https://hub.docker.com/v2/access-tokens/",
            "https://hub.docker.com/v2/access-tokens",
        ] {
            let e = Endpoint::parse(url).unwrap();
            assert_eq!(
                e.with_query("page=1&page_size=100"),
                "https://hub.docker.com/v2/access-tokens?page=1&page_size=100"
            );
            assert_eq!(
                e.join("0a1b2c3d-0000-4000-8000-00000000abcd"),
                "https://hub.docker.com/v2/access-tokens/0a1b2c3d-0000-4000-8000-00000000abcd"
            );
        }
    }

    #[test]
    fn origins() {
        let e = Endpoint::parse("https://Hub.Docker.com/v2/users/login").unwrap();
        assert_eq!(
            e.origin,
            Origin {
                scheme: "https".into(),
                host: "hub.docker.com".into(),
                port: 443
            }
        );
        assert!(e.same_origin("https://hub.docker.com:443/v2/access-tokens?page=2"));
        assert!(!e.same_origin("http://hub.docker.com/v2/access-tokens?page=2"));
        assert!(!e.same_origin("https://evil.example/v2/access-tokens?page=2"));
        assert!(!e.same_origin("https://hub.docker.com:8443/x"));
        assert!(!e.same_origin("/relative"));
        assert_eq!(
            e.origin_url("/v2/users/2fa-login"),
            "https://hub.docker.com:443/v2/users/2fa-login"
        );
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8080/v2/access-tokens",
            "http://127.1.2.3/x",
            "http://localhost/x",
            "http://[::1]:9/x",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://hub.docker.com/v2/access-tokens",
            "http://10.0.0.1/x",
            "http://localhost.evil.com/x",
        ] {
            assert!(
                matches!(Endpoint::parse(bad), Err(Error::InsecureUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn other_schemes_and_junk_fail() {
        for bad in [
            "ftp://hub.docker.com/x",
            "hub.docker.com/v2",
            "",
            "https://",
            "https://user:pw@hub.docker.com/x",
            "https://hub.docker.com/x?page=2",
            "not a url",
        ] {
            assert!(
                matches!(Endpoint::parse(bad), Err(Error::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }
}
