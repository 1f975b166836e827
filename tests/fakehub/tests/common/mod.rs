//! A tiny hand-written HTTP/1.1 client (plain or rustls) for testing the fake hub.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fakehub::FakeHub;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use serde_json::Value;

pub trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// One HTTP connection.
pub struct Client {
    stream: Box<dyn Stream>,
    sock: TcpStream,
    buf: Vec<u8>,
}

/// A parsed response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The headers every fake hub response must carry.
    pub fn assert_standard_headers(&self) {
        for name in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ] {
            let v = self
                .header(name)
                .unwrap_or_else(|| panic!("missing {name}"));
            v.parse::<u64>()
                .unwrap_or_else(|_| panic!("{name} not a number: {v}"));
        }
    }
}

pub fn tls_config(ca_path: &Path) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_path).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

fn tcp(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

impl Client {
    /// Connects to the hub the way a module would (TLS trusting `ca_path`, or plain HTTP).
    pub fn connect(hub: &FakeHub) -> Client {
        if hub.base_url().starts_with("https://") {
            Client::tls(hub.port(), hub.ca_path(), "127.0.0.1").unwrap()
        } else {
            Client::plain(hub.port())
        }
    }

    pub fn plain(port: u16) -> Client {
        let sock = tcp(port);
        Client {
            sock: sock.try_clone().unwrap(),
            stream: Box::new(sock),
            buf: Vec::new(),
        }
    }

    /// TLS with the handshake completed, so certificate errors show up here.
    pub fn tls(port: u16, ca_path: &Path, server_name: &str) -> Result<Client, rustls::Error> {
        let name = ServerName::try_from(server_name.to_string()).unwrap();
        let mut conn = ClientConnection::new(tls_config(ca_path), name)?;
        let mut sock = tcp(port);
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut sock) {
                let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
                return Err(inner
                    .cloned()
                    .unwrap_or(rustls::Error::General(e.to_string())));
            }
        }
        Ok(Client {
            sock: sock.try_clone().unwrap(),
            stream: Box::new(StreamOwned::new(conn, sock)),
            buf: Vec::new(),
        })
    }

    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<()> {
        let mut out = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (k, v) in headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            out.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(body);
        self.send_raw(&bytes)
    }

    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Resp> {
        self.send(method, path, headers, body)?;
        self.read_response()
    }

    pub fn get(&mut self, path: &str, jwt: &str) -> Resp {
        let auth = format!("Bearer {jwt}");
        self.request("GET", path, &[("Authorization", &auth)], b"")
            .unwrap()
    }

    pub fn post_json(&mut self, path: &str, body: &Value) -> Resp {
        self.request(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
        .unwrap()
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 16384];
        let n = self.stream.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Reads the status line and headers only.
    pub fn read_head(&mut self) -> io::Result<(u16, Vec<(String, String)>)> {
        let end = loop {
            if let Some(pos) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos;
            }
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        };
        let head = String::from_utf8(self.buf[..end].to_vec()).unwrap();
        self.buf.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
        let status = status_line[9..12].parse().unwrap();
        let headers = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.to_ascii_lowercase(), v.trim().to_string())
            })
            .collect();
        Ok((status, headers))
    }

    /// Reads exactly `n` more bytes.
    pub fn read_exact(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// Reads whatever arrives next (at least one byte unless EOF).
    pub fn read_some(&mut self) -> io::Result<Vec<u8>> {
        if self.buf.is_empty() {
            self.fill()?;
        }
        Ok(std::mem::take(&mut self.buf))
    }

    /// Like `read_some`, but gives up (with an error) after `timeout`.
    pub fn read_some_with_timeout(&mut self, timeout: Duration) -> io::Result<Vec<u8>> {
        self.sock.set_read_timeout(Some(timeout))?;
        let got = self.read_some();
        self.sock.set_read_timeout(Some(Duration::from_secs(10)))?;
        got
    }

    fn read_line(&mut self) -> io::Result<String> {
        loop {
            if let Some(pos) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..pos]).into_owned();
                self.buf.drain(..pos + 2);
                return Ok(line);
            }
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// A whole response: Content-Length or chunked body.
    pub fn read_response(&mut self) -> io::Result<Resp> {
        let (status, headers) = self.read_head()?;
        let find = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let body = if let Some(len) = find("content-length") {
            self.read_exact(len.parse().unwrap())?
        } else if find("transfer-encoding").as_deref() == Some("chunked") {
            let mut body = Vec::new();
            loop {
                let size = usize::from_str_radix(self.read_line()?.trim(), 16).unwrap();
                body.extend(self.read_exact(size)?);
                self.read_line()?;
                if size == 0 {
                    break body;
                }
            }
        } else {
            let mut body = std::mem::take(&mut self.buf);
            while let Ok(n) = self.stream.read_to_end(&mut body) {
                if n == 0 {
                    break;
                }
            }
            body
        };
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    /// Reads (and drops) whatever is still coming; true if the server closed the connection
    /// (EOF or reset) within 2 s, false if it is still open then.
    pub fn closed_by_server(&mut self) -> bool {
        self.sock
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        loop {
            match self.fill() {
                Ok(0) => return true,
                Ok(_) => self.buf.clear(),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return false
                }
                Err(_) => return true,
            }
        }
    }
}

/// Decodes unpadded base64url (for looking inside JWTs).
pub fn base64url_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'-' => 62,
            b'_' => 63,
            _ => panic!("not base64url: {c}"),
        }
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

/// Logs in with `password` and returns the JWT (panics unless 200).
pub fn login(client: &mut Client, username: &str, password: &str) -> String {
    let r = client.post_json(
        "/v2/users/login",
        &serde_json::json!({"username": username, "password": password}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_string()
}
