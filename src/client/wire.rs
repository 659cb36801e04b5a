//! HTTP/1.1 by hand, for what reqwest cannot do: `bench`'s keep-alive
//! request loop (no allocation per request), and a PUT whose request
//! target the `http` crate refuses (over 65,534 bytes) or a URL library
//! would normalise (the ids `.` and `..`). Response heads are parsed with
//! httparse; bodies are framed by RFC 9112 §6.3.
//!
//! The exchange is written once, over any tokio stream: a socket of the
//! async runtime, or a blocking std socket seen as one ([`Blocking`],
//! driven by [`block_on`] without a runtime).

use std::fmt;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

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
    /// Whether the connection may carry another request.
    pub keep_alive: bool,
}

/// Why an exchange got no whole response.
#[derive(Debug)]
pub(crate) enum Error {
    /// Sending the request failed.
    Write(std::io::Error),
    /// Reading the response failed.
    Read {
        /// The cause.
        error: std::io::Error,
        /// Whether the head had arrived whole.
        in_body: bool,
    },
    /// The server closed the connection before the response was whole.
    Closed {
        /// Bytes of the response that had arrived (0: no answer at all).
        received: usize,
        /// Whether the head had arrived whole.
        in_body: bool,
    },
    /// The response head is not HTTP/1.x.
    Head(String),
    /// The body's framing is broken (a bad chunk).
    Framing(&'static str),
    /// The body is longer than the cap, in bytes.
    TooLarge(usize),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Write(e) => write!(f, "write: {}", io_reason(e)),
            Error::Read { error, .. } => write!(f, "read: {}", io_reason(error)),
            Error::Closed { .. } => f.write_str("the server closed the connection mid-response"),
            Error::Head(why) => f.write_str(why),
            Error::Framing(why) => f.write_str(why),
            Error::TooLarge(max) => write!(
                f,
                "the response body is larger than {} MiB; stopped reading",
                max >> 20
            ),
        }
    }
}

/// Sends one request and skips its response's body; returns the status and
/// whether the connection stays open (bench's hot path).
///
/// # Errors
/// What went wrong, in one line.
pub(crate) async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    req: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(u16, bool), String> {
    s.write_all(req)
        .await
        .map_err(|e| Error::Write(e).to_string())?;
    buf.clear();
    let head = read_head(s, buf, false).await.map_err(|e| e.to_string())?;
    let close = read_body(s, buf, &head, None, usize::MAX)
        .await
        .map_err(|e| e.to_string())?;
    Ok((head.status, !close))
}

/// Sends one request and reads the whole response, its body capped at
/// `max_body` bytes.
///
/// # Errors
/// What went wrong, in one line.
pub(crate) async fn request<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    req: &[u8],
    max_body: usize,
) -> Result<Response, Error> {
    s.write_all(req).await.map_err(Error::Write)?;
    let mut buf = Vec::with_capacity(8192);
    let head = read_head(s, &mut buf, true).await?;
    let mut body = Vec::new();
    let close = read_body(s, &mut buf, &head, Some(&mut body), max_body).await?;
    Ok(Response {
        version: head.version,
        status: head.status,
        headers: head.headers,
        body,
        keep_alive: !close,
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
async fn read_head<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
    keep_headers: bool,
) -> Result<Head, Error> {
    let mut start = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&buf[start..]) {
            Ok(httparse::Status::Complete(len)) => {
                let status = resp
                    .code
                    .ok_or_else(|| Error::Head("malformed status line".into()))?;
                if (100..200).contains(&status) && status != 101 {
                    // An interim response (100 Continue): the real one follows.
                    start += len;
                    continue;
                }
                let (framing, close) = framing_of(&resp).map_err(Error::Head)?;
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
            Ok(httparse::Status::Partial) => read_more(s, buf, false).await?,
            Err(e) => return Err(Error::Head(format!("malformed response head: {e}"))),
        }
    }
}

/// Reads the body after `head`, into `sink` when given (at most `max`
/// bytes); returns whether the connection must close afterwards.
async fn read_body<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
    head: &Head,
    mut sink: Option<&mut Vec<u8>>,
    max: usize,
) -> Result<bool, Error> {
    let too_large = || Error::TooLarge(max);
    match head.framing {
        BodyFraming::Length(n) => {
            if n > max && sink.is_some() {
                return Err(too_large());
            }
            while buf.len() < head.end + n {
                read_more(s, buf, true).await?;
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
                        Ok(httparse::Status::Partial) => read_more(s, buf, true).await?,
                        Err(_) => return Err(Error::Framing("malformed chunk size")),
                    }
                };
                if size == 0 {
                    break;
                }
                let end = usize::try_from(size)
                    .ok()
                    .and_then(|n| at.checked_add(n)?.checked_add(2))
                    .ok_or(Error::Framing("chunk too large"))?;
                while buf.len() < end {
                    read_more(s, buf, true).await?;
                }
                if &buf[end - 2..end] != b"\r\n" {
                    return Err(Error::Framing("chunk data not followed by CRLF"));
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
                    None => read_more(s, buf, true).await?,
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
                    Err(error) => {
                        return Err(Error::Read {
                            error,
                            in_body: true,
                        });
                    }
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

/// Reads more of the response into `buf` (`in_body`: its head is whole).
async fn read_more<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
    in_body: bool,
) -> Result<(), Error> {
    if buf.capacity() - buf.len() < 1024 {
        buf.reserve(8192);
    }
    match s.read_buf(buf).await {
        Ok(0) => Err(Error::Closed {
            received: buf.len(),
            in_body,
        }),
        Ok(_) => Ok(()),
        Err(error) => Err(Error::Read { error, in_body }),
    }
}

/// A blocking std socket seen as a tokio stream, for [`request`] without
/// an async runtime: each poll makes the blocking call, so it is always
/// ready ([`block_on`]). Every read and write ends by `deadline` (the
/// socket's timeout is what is left of it); past it, `TimedOut`.
#[derive(Debug)]
pub(crate) struct Blocking {
    /// The connected socket.
    pub stream: std::net::TcpStream,
    /// When reads and writes stop waiting.
    pub deadline: std::time::Instant,
}

impl Blocking {
    /// Runs `io` (a read or a write, given what is left before the
    /// deadline for its timeout), again when a signal interrupts it.
    fn io<T>(
        &mut self,
        mut io: impl FnMut(&mut std::net::TcpStream, std::time::Duration) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        use std::io::ErrorKind;
        loop {
            let left = self
                .deadline
                .saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(ErrorKind::TimedOut.into());
            }
            match io(&mut self.stream, left) {
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // A socket timeout reads as EAGAIN.
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    return Err(ErrorKind::TimedOut.into());
                }
                other => return other,
            }
        }
    }
}

impl AsyncRead for Blocking {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::io::Read;
        let me = self.get_mut();
        let read = me.io(|s, left| {
            s.set_read_timeout(Some(left))?;
            s.read(buf.initialize_unfilled())
        });
        std::task::Poll::Ready(read.map(|n| buf.advance(n)))
    }
}

impl AsyncWrite for Blocking {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        use std::io::Write;
        std::task::Poll::Ready(self.get_mut().io(|s, left| {
            s.set_write_timeout(Some(left))?;
            s.write(data)
        }))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(self.get_mut().stream.shutdown(std::net::Shutdown::Write))
    }
}

/// Runs an exchange over [`Blocking`] to its end on this thread: the
/// stream never pends, so one poll completes it.
pub(crate) fn block_on<F: std::future::Future>(exchange: F) -> F::Output {
    let mut exchange = std::pin::pin!(exchange);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match exchange.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => unreachable!("a blocking stream is always ready"),
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
