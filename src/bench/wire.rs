//! One request and its response on a keep-alive connection: the response
//! head parsed with httparse, the body skipped by its framing.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one request and reads its response (parsed with httparse);
/// returns the status and whether the connection stays open.
pub(super) async fn exchange(
    s: &mut TcpStream,
    req: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(u16, bool), String> {
    s.write_all(req)
        .await
        .map_err(|e| format!("write: {}", io_reason(&e)))?;
    buf.clear();
    let (head_end, status, framing, mut close) = loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(buf) {
            Ok(httparse::Status::Complete(end)) => {
                let status = resp.code.ok_or("malformed status line")?;
                let (framing, close) = framing_of(&resp)?;
                break (end, status, framing, close);
            }
            Ok(httparse::Status::Partial) => read_more(s, buf).await?,
            Err(e) => return Err(format!("malformed response head: {e}")),
        }
    };
    match framing {
        BodyFraming::Length(n) => {
            while buf.len() < head_end + n {
                read_more(s, buf).await?;
            }
        }
        BodyFraming::Chunked => skip_chunked(s, buf, head_end).await?,
        BodyFraming::UntilClose => {
            while read_more(s, buf).await.is_ok() {}
            close = true;
        }
    }
    Ok((status, !close))
}

/// How a response body ends.
enum BodyFraming {
    /// After this many bytes.
    Length(usize),
    /// After the last chunk and its trailers.
    Chunked,
    /// When the server closes the connection.
    UntilClose,
}

/// The body framing of a parsed response head (RFC 9112 §6.3) and whether
/// the server said `Connection: close`.
fn framing_of(resp: &httparse::Response<'_, '_>) -> Result<(BodyFraming, bool), String> {
    let (mut length, mut chunked, mut close) = (None, false, false);
    for h in resp.headers.iter() {
        let value = h.value.trim_ascii();
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .ok_or("malformed content-length")?;
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value
                .rsplit(|&b| b == b',')
                .next()
                .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = value
                .split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"));
        }
    }
    let no_body = matches!(resp.code, Some(100..=199 | 204 | 304));
    let framing = match (no_body, chunked, length) {
        (true, _, _) => BodyFraming::Length(0),
        (false, true, _) => BodyFraming::Chunked,
        (false, false, Some(n)) => BodyFraming::Length(n),
        (false, false, None) => BodyFraming::UntilClose,
    };
    Ok((framing, close))
}

/// Reads past a chunked body that starts at `at` in `buf` (chunk sizes
/// parsed with httparse), through the trailer section's blank line.
async fn skip_chunked(s: &mut TcpStream, buf: &mut Vec<u8>, mut at: usize) -> Result<(), String> {
    loop {
        let size = loop {
            match httparse::parse_chunk_size(&buf[at..]) {
                Ok(httparse::Status::Complete((used, size))) => {
                    at += used;
                    break size;
                }
                Ok(httparse::Status::Partial) => read_more(s, buf).await?,
                Err(_) => return Err("malformed chunk size".into()),
            }
        };
        if size == 0 {
            break;
        }
        let end = usize::try_from(size)
            .ok()
            .and_then(|n| at.checked_add(n)?.checked_add(2))
            .ok_or("chunk too large")?;
        while buf.len() < end {
            read_more(s, buf).await?;
        }
        if &buf[end - 2..end] != b"\r\n" {
            return Err("chunk data not followed by CRLF".into());
        }
        at = end;
    }
    // Trailer lines, then the blank line.
    loop {
        match memchr::memmem::find(&buf[at..], b"\r\n") {
            Some(0) => return Ok(()),
            Some(i) => at += i + 2,
            None => read_more(s, buf).await?,
        }
    }
}

async fn read_more(s: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), String> {
    if buf.capacity() - buf.len() < 1024 {
        buf.reserve(8192);
    }
    match s.read_buf(buf).await {
        Ok(0) => Err("the server closed the connection mid-response".into()),
        Ok(_) => Ok(()),
        Err(e) => Err(format!("read: {}", io_reason(&e))),
    }
}

pub(super) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        _ => e.to_string(),
    }
}
