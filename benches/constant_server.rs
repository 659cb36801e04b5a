//! The server of the load-generator comparison (README "Performance",
//! `benches/loadgen.sh`): as little work per request as HTTP/1.1 allows,
//! so that the load generator, not the server, is what is measured.
//!
//! One thread, one epoll loop (mio), keep-alive connections. It reads what
//! arrived, frames each request by its head and `Content-Length`, and
//! answers every complete one with a fixed response: `201 Created` the
//! first time it sees a request target, `200 OK` after (a set of targets:
//! the least state that keeps the upsert contract, so that `itemctl
//! bench`, which checks the contract on every response, reports a clean
//! run; wrk's static request is one target, bench's are `--ids`). The body
//! is always `{"name":"x","size":3}`; any other method than PUT gets a
//! 404 with it. All answers to one read go out in one write.
//!
//! With `--spin` it never sleeps: it polls with a zero timeout, so a
//! client's request never has to wake it (in a VM, a wake-up of an idle
//! vCPU costs the waker microseconds), which leaves more of the client's
//! core to the client; its own core is busy all the time.
//!
//! Run: `cargo bench --bench constant_server -- --port 18600` (prints its
//! URL); `--always-200` answers 200 to everything (no set).

use std::collections::HashSet;
use std::io::{ErrorKind, Read, Write};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

const LISTENER: Token = Token(usize::MAX);
const BODY: &[u8] = br#"{"name":"x","size":3}"#;

/// One keep-alive connection.
struct Conn {
    stream: TcpStream,
    /// Bytes read and not yet answered (a partial request).
    input: Vec<u8>,
    /// Answers not yet written (the socket was full).
    output: Vec<u8>,
}

/// A complete request at the start of the input.
struct Request<'a> {
    /// Its length, head and body.
    len: usize,
    /// Its target, for a PUT (`None` for any other method).
    put: Option<&'a [u8]>,
}

/// The first complete request in `input`; `None` for a partial one, `Err`
/// for a malformed head.
fn one_request(input: &[u8]) -> Result<Option<Request<'_>>, ()> {
    let Some(head_end) = memchr::memmem::find(input, b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = &input[..head_end];
    let line_end = memchr::memchr(b'\r', head).unwrap_or(head.len());
    let mut parts = head[..line_end].split(|&b| b == b' ');
    let put = parts.next() == Some(b"PUT");
    let target = parts.next().ok_or(())?;
    let mut length = 0usize;
    for line in head[line_end..].split(|&b| b == b'\n') {
        let line = line.strip_prefix(b"\r").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(colon) = memchr::memchr(b':', line)
            && line[..colon].eq_ignore_ascii_case(b"content-length")
        {
            length = std::str::from_utf8(&line[colon + 1..])
                .map_err(|_| ())?
                .trim()
                .parse()
                .map_err(|_| ())?;
        }
    }
    let end = head_end + 4 + length;
    Ok((input.len() >= end).then_some(Request {
        len: end,
        put: put.then_some(target),
    }))
}

fn response(status: &str) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        BODY.len()
    )
    .into_bytes();
    r.extend_from_slice(BODY);
    r
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let port = args
        .iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(0);
    let always_200 = args.iter().any(|a| a == "--always-200");
    let timeout = args
        .iter()
        .any(|a| a == "--spin")
        .then_some(std::time::Duration::ZERO);
    let (created, replaced) = (response("201 Created"), response("200 OK"));
    let not_found = response("404 Not Found");
    let mut seen: HashSet<Vec<u8>, foldhash::fast::RandomState> = HashSet::default();

    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(([127, 0, 0, 1], port).into())?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("http://{}", listener.local_addr()?);
    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut events = Events::with_capacity(1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        poll.poll(&mut events, timeout)?;
        for event in &events {
            if event.token() == LISTENER {
                while let Ok((mut stream, _)) = listener.accept() {
                    let _ = stream.set_nodelay(true);
                    let slot = conns.iter().position(Option::is_none).unwrap_or_else(|| {
                        conns.push(None);
                        conns.len() - 1
                    });
                    poll.registry().register(
                        &mut stream,
                        Token(slot),
                        Interest::READABLE | Interest::WRITABLE,
                    )?;
                    conns[slot] = Some(Conn {
                        stream,
                        input: Vec::new(),
                        output: Vec::new(),
                    });
                }
                continue;
            }
            let slot = event.token().0;
            let Some(conn) = conns.get_mut(slot).and_then(Option::as_mut) else {
                continue;
            };
            let mut open = true;
            // Edge-triggered: read until a short read (the socket is empty).
            loop {
                match conn.stream.read(&mut chunk) {
                    Ok(0) => {
                        open = false;
                        break;
                    }
                    Ok(n) => {
                        conn.input.extend_from_slice(&chunk[..n]);
                        if n < chunk.len() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => {
                        open = false;
                        break;
                    }
                }
            }
            let mut used = 0;
            loop {
                match one_request(&conn.input[used..]) {
                    Ok(Some(Request { len, put })) => {
                        let answer = match put {
                            None => &not_found,
                            Some(_) if always_200 => &replaced,
                            Some(t) if seen.contains(t) => &replaced,
                            Some(t) => {
                                seen.insert(t.to_vec());
                                &created
                            }
                        };
                        conn.output.extend_from_slice(answer);
                        used += len;
                    }
                    Ok(None) => break,
                    Err(()) => {
                        open = false;
                        break;
                    }
                }
            }
            conn.input.drain(..used);
            while open && !conn.output.is_empty() {
                match conn.stream.write(&conn.output) {
                    Ok(n) => {
                        conn.output.drain(..n);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => open = false,
                }
            }
            if !open {
                let _ = poll.registry().deregister(&mut conn.stream);
                conns[slot] = None;
            }
        }
    }
}
