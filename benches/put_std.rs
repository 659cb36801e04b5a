//! The floor for `itemctl put` from a fresh process (README "Performance",
//! `benches/put.sh`): a Rust client using the standard library only that
//! sends one `PUT /items/ID` with a JSON body over a `TcpStream`, reads the
//! whole response (`content-length` framing, which `itemctl serve`
//! answers with) and prints the body and the status, as `itemctl put`
//! does. No discovery, no argument parser, no async runtime.
//!
//! Run: `cargo bench --bench put_std -- 127.0.0.1:8000 foo '{"name":"x","size":3}'`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, id, body] = args.as_slice() else {
        eprintln!("usage: put_std HOST:PORT ID JSON");
        return ExitCode::from(2);
    };
    match put(addr, id, body) {
        Ok(status) => {
            eprintln!("{status}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("put_std: {addr}: {e}");
            ExitCode::from(3)
        }
    }
}

/// Sends the PUT, prints the response body; returns the status line's
/// code and reason.
fn put(addr: &str, id: &str, body: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    let request = format!(
        "PUT /items/{id} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\naccept: */*\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let closed = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed mid-response");
    let (start, length) = loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(closed());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (end + 4, length);
        }
    };
    while buf.len() < start + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(closed());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(&buf[start..start + length])?;
    out.write_all(b"\n")?;
    out.flush()?;
    let line = String::from_utf8_lossy(&buf[..start]);
    Ok(line
        .lines()
        .next()
        .and_then(|l| l.split_once(' '))
        .map_or(String::new(), |(_, rest)| rest.to_owned()))
}
