//! A deliberately small HTTP/1.1 server side: request parsing by hand and response encoding.

use std::io::{self, Read, Write};

/// Largest request head (request line plus headers) accepted.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted.
pub(crate) const MAX_BODY: usize = 1024 * 1024;
/// Most headers accepted in one request.
const MAX_HEADERS: usize = 100;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) keep_alive: bool,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// Case-insensitive lookup of the first header called `name` in a list of lower-case names.
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why reading a request failed.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The client sent something that is not an acceptable request: answer `status` and close.
    Bad { status: u16, message: String },
    /// The socket failed or the client went away mid-request: just close.
    Io,
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Io
    }
}

fn bad(status: u16, message: impl Into<String>) -> ReadError {
    ReadError::Bad {
        status,
        message: message.into(),
    }
}

/// Reads requests one after another from a stream, keeping bytes that belong to the next one.
#[derive(Default)]
pub(crate) struct RequestReader {
    buf: Vec<u8>,
}

impl RequestReader {
    /// The next request, or `Ok(None)` when the client closed the connection between requests.
    pub(crate) fn read_request(
        &mut self,
        stream: &mut dyn Read,
    ) -> Result<Option<Request>, ReadError> {
        let head_end = loop {
            if let Some(pos) = find(&self.buf, b"\r\n\r\n") {
                break pos;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(bad(431, "request head too large"));
            }
            if self.fill(stream)? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(ReadError::Io)
                };
            }
        };
        if head_end > MAX_HEAD {
            return Err(bad(431, "request head too large"));
        }
        let head = std::str::from_utf8(self.buf.get(..head_end).unwrap_or_default())
            .map_err(|_| bad(400, "request head is not UTF-8"))?;
        let mut request = parse_head(head)?;
        let length = content_length(&request.headers)?;
        let body_start = head_end + 4;
        while self.buf.len() < body_start + length {
            if self.fill(stream)? == 0 {
                return Err(ReadError::Io);
            }
        }
        request.body = self
            .buf
            .get(body_start..body_start + length)
            .unwrap_or_default()
            .to_vec();
        self.buf.drain(..body_start + length);
        Ok(Some(request))
    }

    fn fill(&mut self, stream: &mut dyn Read) -> io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf
                        .extend_from_slice(chunk.get(..n).unwrap_or_default());
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &str) -> Result<Request, ReadError> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(400, "malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad(400, "malformed method"));
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(bad(505, "only HTTP/1.0 and HTTP/1.1 are supported")),
    };
    if !target.starts_with('/') {
        return Err(bad(
            400,
            "request target must be in origin form (/path?query)",
        ));
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() >= MAX_HEADERS {
            return Err(bad(431, "too many headers"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad(400, "malformed header line"));
        };
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(bad(400, "malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    if header(&headers, "transfer-encoding").is_some() {
        return Err(bad(
            501,
            "request bodies with Transfer-Encoding are not supported; send Content-Length",
        ));
    }
    let connection = header(&headers, "connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let has = |token: &str| connection.split(',').any(|t| t.trim() == token);
    let keep_alive = if http11 {
        !has("close")
    } else {
        has("keep-alive")
    };
    Ok(Request {
        method: method.to_string(),
        path,
        query,
        headers,
        body: Vec::new(),
        keep_alive,
    })
}

fn content_length(headers: &[(String, String)]) -> Result<usize, ReadError> {
    let mut length: Option<usize> = None;
    for (_, value) in headers.iter().filter(|(k, _)| k == "content-length") {
        let n: usize = value
            .parse()
            .map_err(|_| bad(400, "invalid Content-Length"))?;
        if length.is_some_and(|l| l != n) {
            return Err(bad(400, "conflicting Content-Length headers"));
        }
        length = Some(n);
    }
    let length = length.unwrap_or(0);
    if length > MAX_BODY {
        return Err(bad(413, "request body too large"));
    }
    Ok(length)
}

/// The standard reason phrase of a status code (or "Unknown").
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        418 => "I'm a teapot",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// A complete response, encoded and written in one go.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// A JSON response (Content-Type: application/json).
    pub(crate) fn json(status: u16, body: &serde_json::Value) -> Response {
        Response::json_text(status, body.to_string())
    }

    /// A JSON response from already serialized text.
    pub(crate) fn json_text(status: u16, body: String) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into_bytes(),
        }
    }

    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds `name: value` unless a header of that name is already there.
    pub(crate) fn default_header(&mut self, name: &str, value: &str) {
        if header(&self.headers, name).is_none() {
            self.headers.push((name.to_string(), value.to_string()));
        }
    }

    /// Status line, headers (plus Content-Length and Connection) and body in one buffer.
    pub(crate) fn encode(&self, keep_alive: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.body.len());
        out.extend_from_slice(
            format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status)).as_bytes(),
        );
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        out.extend_from_slice(if keep_alive {
            b"Connection: keep-alive\r\n\r\n".as_slice()
        } else {
            b"Connection: close\r\n\r\n".as_slice()
        });
        out.extend_from_slice(&self.body);
        out
    }

    /// Writes the whole response with a single write and flushes it.
    pub(crate) fn write_to(&self, stream: &mut dyn Write, keep_alive: bool) -> io::Result<()> {
        stream.write_all(&self.encode(keep_alive))?;
        stream.flush()
    }
}

/// Decodes `%XX` escapes and `+` (as space) in a query component.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| char::from(*c).to_digit(16));
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                if let (Some(hi), Some(lo)) = (hex(i + 1), hex(i + 2)) {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of the last `name=` parameter in a raw query string (like Django's `QueryDict.get`).
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k) == name).then(|| percent_decode(v))
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> (Vec<Request>, Option<ReadError>) {
        let mut reader = RequestReader::default();
        let mut cursor = std::io::Cursor::new(input.to_vec());
        let mut out = Vec::new();
        loop {
            match reader.read_request(&mut cursor) {
                Ok(Some(r)) => out.push(r),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    #[test]
    fn parses_pipelined_requests_with_bodies() {
        let input = b"GET /v2/access-tokens?page=2&page_size=5 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n\r\nPOST /v2/users/login HTTP/1.1\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody";
        let (reqs, err) = read_all(input);
        assert!(err.is_none());
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].method, "GET");
        assert_eq!(reqs[0].path, "/v2/access-tokens");
        assert_eq!(reqs[0].query.as_deref(), Some("page=2&page_size=5"));
        assert_eq!(reqs[0].header("AUTHORIZATION"), Some("Bearer abc"));
        assert!(reqs[0].keep_alive);
        assert_eq!(reqs[1].body, b"body");
        assert!(!reqs[1].keep_alive);
    }

    #[test]
    fn http10_closes_unless_asked() {
        let (reqs, _) =
            read_all(b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        assert!(!reqs[0].keep_alive);
        assert!(reqs[1].keep_alive);
    }

    #[test]
    fn rejects_bad_input() {
        let status = |input: &[u8]| match read_all(input).1 {
            Some(ReadError::Bad { status, .. }) => status,
            other => panic!("expected a rejection, got {other:?}"),
        };
        assert_eq!(status(b"GARBAGE\r\n\r\n"), 400);
        assert_eq!(status(b"GET / HTTP/2.0\r\n\r\n"), 505);
        assert_eq!(status(b"GET http://x/ HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(
            status(b"GET / HTTP/1.1\r\nContent-Length: nope\r\n\r\n"),
            400
        );
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n"),
            413
        );
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            501
        );
        assert_eq!(status(b"GET / HTTP/1.1\r\nno colon\r\n\r\n"), 400);
        let mut huge = b"GET / HTTP/1.1\r\nX: ".to_vec();
        huge.extend(std::iter::repeat_n(b'a', MAX_HEAD + 10));
        assert_eq!(status(&huge), 431);
    }

    #[test]
    fn truncated_request_is_an_io_error() {
        assert!(matches!(
            read_all(b"GET / HTTP/1.1\r\nHost").1,
            Some(ReadError::Io)
        ));
        assert!(matches!(
            read_all(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc").1,
            Some(ReadError::Io)
        ));
    }

    #[test]
    fn query_params() {
        let q = Some("page=1&page_size=10&page=3&x=a%20b+c");
        assert_eq!(query_param(q, "page").as_deref(), Some("3"));
        assert_eq!(query_param(q, "x").as_deref(), Some("a b c"));
        assert_eq!(query_param(q, "missing"), None);
        assert_eq!(query_param(None, "page"), None);
    }

    #[test]
    fn encodes_in_one_buffer() {
        let r = Response::json_text(404, "{}".into());
        let text = String::from_utf8(r.encode(true)).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(text.contains("Content-Length: 2\r\n"));
        assert!(text.ends_with("Connection: keep-alive\r\n\r\n{}"));
    }
}
