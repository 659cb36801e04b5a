//! HTTP/1.1 by hand, for what reqwest cannot do: `bench`'s keep-alive
//! request loop (no allocation per request), and a PUT whose request
//! target the `http` crate refuses (over 65,534 bytes) or a URL library
//! would normalise (the ids `.` and `..`). Response heads are parsed with
//! httparse; bodies are framed by RFC 9112 §6.3.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response read whole.
#[derive(Debug)]
pub(crate) struct Response {
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: &'static str,
    /// The status code.
    pub status: u16,
    /// The headers as received, in order.
    pub headers: Vec<(String, String)>,
    /// The body (chunked framing removed).
    pub body: Vec<u8>,
}

/// Sends one request and skips its response's body; returns the status and
/// whether the connection stays open (bench's hot path).
///
/// # Errors
/// What went wrong, in one line.
pub(crate) async fn exchange(
    s: &mut TcpStream,
    req: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(u16, bool), String> {
    s.write_all(req)
        .await
        .map_err(|e| format!("write: {}", io_reason(&e)))?;
    buf.clear();
    let head = read_head(s, buf, false).await?;
    let close = read_body(s, buf, &head, None, usize::MAX).await?;
    Ok((head.status, !close))
}

/// Sends one request and reads the whole response, its body capped at
/// `max_body` bytes.
///
/// # Errors
/// What went wrong, in one line.
pub(crate) async fn request(
    s: &mut TcpStream,
    req: &[u8],
    max_body: usize,
) -> Result<Response, String> {
    s.write_all(req)
        .await
        .map_err(|e| format!("write: {}", io_reason(&e)))?;
    let mut buf = Vec::with_capacity(8192);
    let head = read_head(s, &mut buf, true).await?;
    let mut body = Vec::new();
    read_body(s, &mut buf, &head, Some(&mut body), max_body).await?;
    Ok(Response {
        version: head.version,
        status: head.status,
        headers: head.headers,
        body,
    })
}

/// A parsed response head.
struct Head {
    version: &'static str,
    status: u16,
    /// Where the body starts in the buffer.
    end: usize,
    framing: BodyFraming,
    close: bool,
    /// Filled only when asked for.
    headers: Vec<(String, String)>,
}

/// Reads until a whole response head (after any 1xx) is in `buf`.
async fn read_head(
    s: &mut TcpStream,
    buf: &mut Vec<u8>,
    keep_headers: bool,
) -> Result<Head, String> {
    let mut start = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&buf[start..]) {
            Ok(httparse::Status::Complete(len)) => {
                let status = resp.code.ok_or("malformed status line")?;
                if (100..200).contains(&status) && status != 101 {
                    // An interim response (100 Continue): the real one follows.
                    start += len;
                    continue;
                }
                let (framing, close) = framing_of(&resp)?;
                let version = if resp.version == Some(0) {
                    "HTTP/1.0"
                } else {
                    "HTTP/1.1"
                };
                let headers = if keep_headers {
                    resp.headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_owned(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                // HTTP/1.0 closes unless it says keep-alive; close-delimited too.
                let close = close || version == "HTTP/1.0";
                return Ok(Head {
                    version,
                    status,
                    end: start + len,
                    framing,
                    close,
                    headers,
                });
            }
            Ok(httparse::Status::Partial) => read_more(s, buf).await?,
            Err(e) => return Err(format!("malformed response head: {e}")),
        }
    }
}

/// Reads the body after `head`, into `sink` when given (at most `max`
/// bytes); returns whether the connection must close afterwards.
async fn read_body(
    s: &mut TcpStream,
    buf: &mut Vec<u8>,
    head: &Head,
    mut sink: Option<&mut Vec<u8>>,
    max: usize,
) -> Result<bool, String> {
    let too_large = || {
        format!(
            "the response body is larger than {} MiB; stopped reading",
            max >> 20
        )
    };
    match head.framing {
        BodyFraming::Length(n) => {
            if n > max && sink.is_some() {
                return Err(too_large());
            }
            while buf.len() < head.end + n {
                read_more(s, buf).await?;
            }
            if let Some(out) = sink {
                out.extend_from_slice(&buf[head.end..head.end + n]);
            }
            Ok(head.close)
        }
        BodyFraming::Chunked => {
            let mut at = head.end;
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
                if let Some(out) = sink.as_deref_mut() {
                    if out.len() + (end - 2 - at) > max {
                        return Err(too_large());
                    }
                    out.extend_from_slice(&buf[at..end - 2]);
                }
                at = end;
            }
            // Trailer lines, then the blank line.
            loop {
                match memchr::memmem::find(&buf[at..], b"\r\n") {
                    Some(0) => return Ok(head.close),
                    Some(i) => at += i + 2,
                    None => read_more(s, buf).await?,
                }
            }
        }
        BodyFraming::UntilClose => {
            loop {
                match s.read_buf(buf).await {
                    Ok(0) => break,
                    Ok(_) if buf.len() - head.end > max && sink.is_some() => {
                        return Err(too_large());
                    }
                    Ok(_) => {}
                    Err(e) => return Err(format!("read: {}", io_reason(&e))),
                }
            }
            if let Some(out) = sink {
                out.extend_from_slice(&buf[head.end..]);
            }
            Ok(true)
        }
    }
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

/// An I/O error in the words users know.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::ConnectionReset => "connection reset by peer".into(),
        _ => e.to_string(),
    }
}
