//! A scripted raw HTTP server for tests: a thread per connection on
//! 127.0.0.1:0, each request read (head and `Content-Length` body) and
//! handed to a script that writes whatever bytes it likes. It replaces
//! hand-rolled listeners: hostile servers, redirectors, deliberately broken
//! upsert implementations, a server that never answers.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// A request as the scripted server read it.
#[derive(Clone, Debug)]
pub struct Request {
    /// `PUT`, `GET`, ….
    pub method: String,
    /// The request target, as sent.
    pub target: String,
    /// The headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes; none without it).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A running scripted server; it serves until the test process ends (or,
/// for [`Scripted::silent`], until dropped).
pub struct Scripted {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Kept only by [`Scripted::silent`].
    _listener: Option<TcpListener>,
}

impl Scripted {
    /// Serves every request on every connection with `script`, which
    /// writes the answer; the connection closes when the script returns
    /// (answers should say `connection: close` or be close-delimited).
    pub fn start(script: impl Fn(&Request, &mut TcpStream) + Send + Sync + 'static) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local address");
        let script = Arc::new(script);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let script = Arc::clone(&script);
                std::thread::spawn(move || {
                    let mut stream = stream;
                    if let Ok(Some(request)) = read_request(&mut stream) {
                        script(&request, &mut stream);
                        let _ = stream.flush();
                    }
                });
            }
        });
        Scripted {
            url: format!("http://{addr}"),
            _listener: None,
        }
    }

    /// Answers every request with the same raw bytes.
    pub fn answering(bytes: impl Into<Vec<u8>>) -> Scripted {
        let bytes = bytes.into();
        Scripted::start(move |_, stream| {
            let _ = stream.write_all(&bytes);
        })
    }

    /// Answers every request with the same raw bytes, and keeps every
    /// request it was sent, in order.
    pub fn recording(bytes: impl Into<Vec<u8>>) -> (Scripted, Arc<std::sync::Mutex<Vec<Request>>>) {
        let bytes = bytes.into();
        let seen: Arc<std::sync::Mutex<Vec<Request>>> = Arc::default();
        let log = Arc::clone(&seen);
        let server = Scripted::start(move |req, stream| {
            log.lock().unwrap().push(req.clone());
            let _ = stream.write_all(&bytes);
        });
        (server, seen)
    }

    /// Writes `bytes` on every connection as soon as it is accepted, without
    /// reading anything (a server that answers whatever arrives, as one
    /// speaking plain HTTP answers a TLS ClientHello with a 400).
    pub fn greeting(bytes: impl Into<Vec<u8>>) -> Scripted {
        let bytes = bytes.into();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local address");
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let _ = stream.write_all(&bytes);
                let _ = stream.flush();
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        Scripted {
            url: format!("http://{addr}"),
            _listener: None,
        }
    }

    /// Accepts connections into the listen backlog and never reads or
    /// answers, until dropped: a server that hangs.
    pub fn silent() -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local address");
        Scripted {
            url: format!("http://{addr}"),
            _listener: Some(listener),
        }
    }
}

/// Reads one request: the head up to its blank line, then `Content-Length`
/// body bytes. `None` when the peer closed before a whole head arrived.
pub fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_owned();
    let target = request_line.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..(head_end + length).min(buf.len())].to_vec();
    Ok(Some(Request {
        method,
        target,
        headers,
        body,
    }))
}
