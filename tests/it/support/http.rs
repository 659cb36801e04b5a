//! Raw HTTP/1.1 for tests: one request builder, a raw exchange, and a
//! response parser.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A request to send as raw bytes. Defaults: `Host: t`, `Connection:
/// close`, and `Content-Type: application/json` with a `Content-Length`
/// for `PUT`.
#[derive(Clone, Debug)]
pub struct Req {
    method: String,
    target: Vec<u8>,
    host: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    close: bool,
}

impl Req {
    /// `method target`.
    pub fn new(method: &str, target: impl AsRef<[u8]>) -> Req {
        Req {
            method: method.to_owned(),
            target: target.as_ref().to_vec(),
            host: "t".into(),
            headers: Vec::new(),
            body: Vec::new(),
            close: true,
        }
    }

    /// `PUT target` with a JSON body.
    pub fn put(target: impl AsRef<[u8]>, body: impl AsRef<[u8]>) -> Req {
        Req::new("PUT", target)
            .header("Content-Type", "application/json")
            .body(body)
    }

    /// `PUT /items/{id}` with a JSON body (`id` sent as given).
    pub fn upsert(id: &str, body: impl AsRef<[u8]>) -> Req {
        Req::put(format!("/items/{id}"), body)
    }

    /// The `Host` header's value.
    pub fn host(mut self, host: &str) -> Req {
        self.host = host.to_owned();
        self
    }

    /// One more header.
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The body (sent with a `Content-Length`).
    pub fn body(mut self, body: impl AsRef<[u8]>) -> Req {
        self.body = body.as_ref().to_vec();
        self
    }

    /// No `Connection: close`: the connection stays open after the answer.
    pub fn keep_alive(mut self) -> Req {
        self.close = false;
        self
    }

    /// The bytes on the wire.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.body.len());
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(&self.target);
        out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        out.extend_from_slice(self.host.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (k, v) in &self.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        if !self.body.is_empty() || self.method == "PUT" {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        if self.close {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// Writes `request` to `addr` and reads the answer until EOF (send
/// `Connection: close`).
pub fn raw_exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// A parsed HTTP/1.1 response (content-length bodies only; interim 1xx
/// responses skipped).
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn parse(bytes: &[u8]) -> RawResponse {
        let mut rest = bytes;
        loop {
            let split = rest
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(rest)));
            let head = String::from_utf8_lossy(&rest[..split]).into_owned();
            let body = &rest[split + 4..];
            let mut lines = head.split("\r\n");
            let status: u16 = lines
                .next()
                .unwrap()
                .split(' ')
                .nth(1)
                .unwrap()
                .parse()
                .unwrap();
            if (100..200).contains(&status) {
                rest = body;
                continue;
            }
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            return RawResponse {
                status,
                headers,
                body: body.to_vec(),
            };
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
