//! HTTP/1.1 by hand, for what reqwest cannot do: `bench`'s event loop
//! (its responses read a piece at a time, [`ResponseReader`]), and a PUT whose request
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
    let head = read_head(s, &mut buf).await?;
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

/// A response read a piece at a time into one buffer, for an event loop
/// that does its own reads (bench): after each read,
/// [`ResponseReader::advance`] says whether the whole response is in.
/// The head is parsed once (httparse); the body is framed as
/// [`request`] frames it (RFC 9112 §6.3), without being copied.
#[derive(Debug, Default)]
pub(crate) struct ResponseReader {
    /// Where the final response's head starts (after any 1xx).
    from: usize,
    /// The final response's head, once it is in.
    head: Option<ReadHead>,
}

/// Response heads already parsed, by their exact bytes (at most
/// [`HeadMemo::SIZE`], the oldest replaced): a server sends the same head
/// again and again (the same status line, length and headers; a `Date`
/// changes once a second), and the same bytes frame a response the same
/// way, so a head seen before is compared, not parsed. Only a final head
/// that ends at its first blank line (`\r\n\r\n`) and starts the response
/// is kept.
#[derive(Debug, Default)]
pub(crate) struct HeadMemo {
    /// The heads (with their blank line) and what they say.
    heads: Vec<(Box<[u8]>, u16, bool, BodyFraming)>,
    /// The entry replaced next once full.
    next: usize,
}

impl HeadMemo {
    /// How many heads are kept.
    const SIZE: usize = 8;

    /// The head that starts `buf`, if it is one already seen (a kept
    /// head ends at its first blank line, so a `buf` that starts with it
    /// has that head).
    fn find(&self, buf: &[u8]) -> Option<ReadHead> {
        self.heads
            .iter()
            .find(|(bytes, ..)| buf.starts_with(bytes))
            .map(|&(ref bytes, status, close, framing)| ReadHead {
                status,
                close,
                framing,
                at: bytes.len(),
                trailers: false,
            })
    }

    /// Keeps `bytes`, a final head that httparse read as `head`.
    fn keep(&mut self, bytes: &[u8], head: &ReadHead) {
        let first_blank = memchr::memmem::find(bytes, b"\r\n\r\n").map(|i| i + 4);
        if first_blank != Some(bytes.len()) {
            return;
        }
        let entry = (bytes.into(), head.status, head.close, head.framing);
        if self.heads.len() < Self::SIZE {
            self.heads.push(entry);
        } else {
            self.heads[self.next] = entry;
            self.next = (self.next + 1) % Self::SIZE;
        }
    }
}

/// What [`ResponseReader`] keeps of a response head.
#[derive(Debug)]
struct ReadHead {
    status: u16,
    close: bool,
    framing: BodyFraming,
    /// Where the body's unread part starts in the buffer: for chunked
    /// bodies, the next chunk-size line (or trailer line).
    at: usize,
    /// Chunked: the last chunk is in; trailer lines follow.
    trailers: bool,
}

impl ResponseReader {
    /// Forgets the response, for the next one (its bytes start the buffer).
    pub(crate) fn reset(&mut self) {
        *self = ResponseReader::default();
    }

    /// Whether `buf`, the bytes of one response so far (`eof`: and the
    /// server closed the connection after them), holds the whole
    /// response: `Some((status, keep_alive))` when it does, `None` when
    /// more is to come. `memo` has the heads already parsed (a worker's
    /// connections share one); a new one is added to it.
    ///
    /// # Errors
    /// What is wrong with the response, in one line: a malformed head,
    /// content-length or chunk, or a connection closed mid-response.
    pub(crate) fn advance(
        &mut self,
        buf: &[u8],
        eof: bool,
        memo: &mut HeadMemo,
    ) -> Result<Option<(u16, bool)>, String> {
        const CLOSED: &str = "the server closed the connection mid-response";
        if self.head.is_none()
            && self.from == 0
            && let Some(known) = memo.find(buf)
        {
            self.head = Some(known);
        }
        let head = match &mut self.head {
            Some(head) => head,
            None => loop {
                let mut headers = [httparse::EMPTY_HEADER; 64];
                let mut resp = httparse::Response::new(&mut headers);
                match resp.parse(&buf[self.from..]) {
                    Ok(httparse::Status::Complete(len)) => {
                        let status = resp.code.ok_or("malformed status line")?;
                        if (100..200).contains(&status) && status != 101 {
                            self.from += len;
                            continue;
                        }
                        let (framing, close) = framing_of(&resp)?;
                        let head = ReadHead {
                            status,
                            // HTTP/1.0 closes unless it says keep-alive.
                            close: close || resp.version == Some(0),
                            framing,
                            at: self.from + len,
                            trailers: false,
                        };
                        if self.from == 0 {
                            memo.keep(&buf[..len], &head);
                        }
                        break self.head.insert(head);
                    }
                    Ok(httparse::Status::Partial) if eof => return Err(CLOSED.into()),
                    Ok(httparse::Status::Partial) => return Ok(None),
                    Err(e) => return Err(format!("malformed response head: {e}")),
                }
            },
        };
        let done = Some((head.status, !head.close));
        match head.framing {
            BodyFraming::Length(n) if buf.len() >= head.at.saturating_add(n) => Ok(done),
            BodyFraming::UntilClose if eof => Ok(Some((head.status, false))),
            BodyFraming::Chunked => loop {
                if head.trailers {
                    match memchr::memmem::find(&buf[head.at..], b"\r\n") {
                        Some(0) => return Ok(done),
                        Some(i) => head.at += i + 2,
                        None if eof => return Err(CLOSED.into()),
                        None => return Ok(None),
                    }
                    continue;
                }
                match httparse::parse_chunk_size(&buf[head.at..]) {
                    Ok(httparse::Status::Complete((used, 0))) => {
                        head.at += used;
                        head.trailers = true;
                    }
                    Ok(httparse::Status::Complete((used, size))) => {
                        let end = usize::try_from(size)
                            .ok()
                            .and_then(|n| (head.at + used).checked_add(n)?.checked_add(2))
                            .ok_or("chunk too large")?;
                        if buf.len() < end {
                            return if eof { Err(CLOSED.into()) } else { Ok(None) };
                        }
                        if &buf[end - 2..end] != b"\r\n" {
                            return Err("chunk data not followed by CRLF".into());
                        }
                        head.at = end;
                    }
                    Ok(httparse::Status::Partial) if eof => return Err(CLOSED.into()),
                    Ok(httparse::Status::Partial) => return Ok(None),
                    Err(_) => return Err("malformed chunk size".into()),
                }
            },
            _ if eof => Err(CLOSED.into()),
            _ => Ok(None),
        }
    }
}

/// A parsed response head.
struct Head {
    version: &'static str,
    status: u16,
    /// Where the body starts in the buffer.
    end: usize,
    framing: BodyFraming,
    close: bool,
    /// The headers as received.
    headers: Vec<(String, String)>,
}

/// Reads until a whole response head (after any 1xx) is in `buf`.
async fn read_head<S: AsyncRead + Unpin>(s: &mut S, buf: &mut Vec<u8>) -> Result<Head, Error> {
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
                let headers = resp
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
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
#[derive(Clone, Copy, Debug)]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `response` to a reader `step` bytes at a time (the last piece
    /// shorter); the answer after each piece, and at the end with `eof`
    /// if asked.
    fn feed(response: &[u8], step: usize, eof: bool) -> Vec<Result<Option<(u16, bool)>, String>> {
        let run = |memo: &mut HeadMemo| {
            let mut reader = ResponseReader::default();
            let mut ends: Vec<usize> = (step..response.len()).step_by(step).collect();
            ends.push(response.len());
            let mut out: Vec<_> = ends
                .into_iter()
                .map(|end| reader.advance(&response[..end], false, memo))
                .collect();
            if eof {
                out.push(reader.advance(response, true, memo));
            }
            out
        };
        let mut memo = HeadMemo::default();
        let out = run(&mut memo);
        // The same response again, its head from the memo: the same answers.
        assert_eq!(out, run(&mut memo), "from the memo");
        out
    }

    #[test]
    fn a_response_read_in_pieces_is_whole_only_at_its_end() {
        let plain = &b"HTTP/1.1 201 Created\r\ncontent-length: 5\r\n\r\nhello"[..];
        let chunked = &b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\n!!!\r\n0\r\nx-trailer: 1\r\n\r\n"[..];
        for (response, whole) in [(plain, (201, true)), (chunked, (200, true))] {
            for step in [1, 5, 7, response.len()] {
                let mut answers = feed(response, step, false);
                assert_eq!(answers.pop(), Some(Ok(Some(whole))), "step {step}");
                assert!(
                    answers.iter().all(|a| a == &Ok(None)),
                    "step {step}: {answers:?}"
                );
            }
        }
    }

    #[test]
    fn how_a_response_ends_says_whether_the_connection_stays() {
        let close = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(feed(close, close.len(), false)[0], Ok(Some((200, false))));
        let old = b"HTTP/1.0 201 Created\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(feed(old, old.len(), false)[0], Ok(Some((201, false))));
        // Close-delimited: whole only when the server closes.
        let open_ended = b"HTTP/1.0 201 Created\r\n\r\n{}";
        let answers = feed(open_ended, open_ended.len(), true);
        assert_eq!(answers, [Ok(None), Ok(Some((201, false)))]);
        let no_body = b"HTTP/1.1 204 No Content\r\n\r\n";
        assert_eq!(
            feed(no_body, no_body.len(), false)[0],
            Ok(Some((204, true)))
        );
    }

    #[test]
    fn a_head_seen_before_is_taken_from_the_memo_only_when_identical() {
        let mut memo = HeadMemo::default();
        let read = |memo: &mut HeadMemo, bytes: &[u8]| {
            ResponseReader::default().advance(bytes, false, memo)
        };
        let created = b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(read(&mut memo, created), Ok(Some((201, true))));
        assert_eq!(memo.heads.len(), 1);
        assert_eq!(read(&mut memo, created), Ok(Some((201, true))));
        assert_eq!(memo.heads.len(), 1, "found, not kept again");
        // One byte differs (the length): parsed, and kept too.
        let longer = b"HTTP/1.1 201 Created\r\ncontent-length: 3\r\n\r\n{}";
        assert_eq!(read(&mut memo, longer), Ok(None));
        assert_eq!(memo.heads.len(), 2);
        // A head whose blank line is a bare LF is not kept (its first
        // CRLFCRLF, if any, is not where it ends).
        let bare = b"HTTP/1.1 200 OK\ncontent-length: 6\n\nab\r\n\r\n";
        assert_eq!(read(&mut memo, bare), Ok(Some((200, true))));
        assert_eq!(read(&mut memo, bare), Ok(Some((200, true))));
        assert_eq!(memo.heads.len(), 2);
        // Full: the oldest goes.
        for n in 0..10 {
            let head = format!("HTTP/1.1 200 OK\r\nx-n: {n}\r\ncontent-length: 0\r\n\r\n");
            assert_eq!(read(&mut memo, head.as_bytes()), Ok(Some((200, true))));
        }
        assert_eq!(memo.heads.len(), HeadMemo::SIZE);
        assert!(
            memo.heads
                .iter()
                .all(|(h, ..)| h.starts_with(b"HTTP/1.1 200 OK\r\nx-n: "))
        );
    }

    #[test]
    fn broken_responses_are_errors() {
        let cut = b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nhello";
        let closed = Err("the server closed the connection mid-response".to_owned());
        assert_eq!(feed(cut, cut.len(), true).last(), Some(&closed));
        assert_eq!(feed(b"HTTP/1.1 200", 12, true).last(), Some(&closed));
        let cut_chunk = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel";
        assert_eq!(feed(cut_chunk, cut_chunk.len(), true).last(), Some(&closed));
        let bad_length = b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n";
        assert_eq!(
            feed(bad_length, bad_length.len(), false)[0],
            Err("malformed content-length".to_owned())
        );
        let bad_chunk = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhelloXX";
        assert_eq!(
            feed(bad_chunk, bad_chunk.len(), false)[0],
            Err("chunk data not followed by CRLF".to_owned())
        );
        assert!(
            feed(b"SMTP ready\r\n\r\n", 14, false)[0]
                .as_ref()
                .is_err_and(|e| e.starts_with("malformed response head"))
        );
    }
}
