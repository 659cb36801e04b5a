//! HTTP/1.1 as the reference's server speaks it: uvicorn 0.54 on h11 0.16.
//!
//! A stock HTTP library cannot stand in here: the `http` crate refuses
//! request targets over 64 KiB (the reference serves 70,000-character ids),
//! drops a raw `#…` from the target (the reference keeps it in the id),
//! accepts raw non-ASCII targets (the reference answers 400), and answers
//! malformed requests differently. So this module implements h11's grammar
//! and framing rules (found in h11's `_abnf.py`, `_readers.py` and
//! `_headers.py`, then confirmed by probing the reference):
//!
//! - request line `METHOD SP TARGET SP HTTP/d.d`: method a token, target one
//!   or more visible ASCII bytes (`!`..`~`), single spaces;
//! - head lines end in `\n` (a `\r` before it is dropped); a continuation line
//!   (leading space or tab) is folded into the previous header with one space;
//! - header `name: OWS value OWS`, name a token, value without NUL or
//!   whitespace other than inner spaces and tabs;
//! - HTTP/1.1 needs exactly one `Host`; no version may have two;
//! - `Content-Length` lists must agree and be digits; `Transfer-Encoding` may
//!   appear once and must be `chunked` (any case), and then wins over
//!   `Content-Length`; neither means an empty body;
//! - chunks: `HEX{1,20}[;ext] OWS CRLF`, data, then exactly CRLF; trailers;
//! - a connection closes after a response when the request said
//!   `Connection: close` or was older than HTTP/1.1;
//! - `Expect: 100-continue` (HTTP/1.1+) gets `100 Continue` when the app reads
//!   the body;
//! - anything else is uvicorn's 400 `Invalid HTTP request received.`
//!   (`text/plain; charset=utf-8`, `Connection: close`, delimited by closing
//!   the connection, or chunked once the request line and headers had been
//!   accepted).

use std::ops::Range;

/// h11's `DEFAULT_MAX_INCOMPLETE_EVENT_SIZE` (`_connection.py`): when an
/// event (a request head, a chunk-size line, a trailer block) is still
/// incomplete and the receive buffer holds more than this many bytes, the
/// request is refused. It is checked after each read, so a head that
/// arrives whole in one read (a 70,000-character id sent at once) passes,
/// and one that arrives in pieces past 16 KiB does not.
pub const MAX_INCOMPLETE_EVENT: usize = 16 * 1024;

/// How many bytes one read takes at most: asyncio's selector event loop
/// (`selector_events.py`, `max_size = 256 * 1024`) under uvicorn. Reads
/// of this size decide, as for the reference, whether a large head arrives
/// whole.
pub const READ_SIZE: usize = 256 * 1024;

/// Body of uvicorn's answer to a malformed request.
pub const INVALID_REQUEST: &str = "Invalid HTTP request received.";

/// Why a request was refused at the HTTP layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid HTTP request: {0}")]
pub struct ProtocolError(pub &'static str);

/// How a request's body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: n` (or no body at all: 0).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A parsed request head. Ranges index into the head's bytes.
#[derive(Clone, Debug)]
pub struct Head {
    /// The method token.
    pub method: Range<usize>,
    /// The request target, verbatim.
    pub target: Range<usize>,
    /// `(major, minor)` of `HTTP/major.minor`.
    pub version: (u8, u8),
    /// Headers in order: name range and value.
    pub headers: Vec<(Range<usize>, HeaderValue)>,
    /// Values made by folding continuation lines (rare).
    folded: Vec<Vec<u8>>,
    /// How the body is delimited.
    pub framing: Framing,
    /// Whether the connection stays open after the response.
    pub keep_alive: bool,
    /// Whether the client waits for `100 Continue`.
    pub expects_continue: bool,
}

/// Where a header value lives.
#[derive(Clone, Debug)]
pub enum HeaderValue {
    /// A range of the head's bytes.
    Raw(Range<usize>),
    /// An index into the folded values.
    Folded(usize),
}

impl Head {
    /// The bytes of a header value.
    pub fn value<'a>(&'a self, head: &'a [u8], v: &HeaderValue) -> &'a [u8] {
        match v {
            HeaderValue::Raw(r) => &head[r.clone()],
            HeaderValue::Folded(i) => &self.folded[*i],
        }
    }

    /// The first value of a header (case-insensitive name).
    pub fn header<'a>(&'a self, head: &'a [u8], name: &str) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .find(|(n, _)| head[n.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| self.value(head, v))
    }

    /// Every value of a header, in order.
    pub fn header_all<'a>(
        &'a self,
        head: &'a [u8],
        name: &'a str,
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| head[n.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .map(move |(_, v)| self.value(head, v))
    }
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Python's `\s` for bytes, plus NUL: what h11 forbids inside a value.
fn is_value_forbidden(b: u8) -> bool {
    matches!(b, 0 | b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Whether h11 refuses a head that is still incomplete in `buf`, without
/// waiting for the rest: its first byte cannot start a request line (below
/// `!`: a TLS ClientHello, a space, a stray control byte; h11
/// `ReceiveBuffer.is_next_line_obviously_invalid_request_line`), or more
/// than [`MAX_INCOMPLETE_EVENT`] bytes are buffered.
pub fn incomplete_head_refused(buf: &[u8]) -> bool {
    buf.first().is_some_and(|&b| b < 0x21) || buf.len() > MAX_INCOMPLETE_EVENT
}

/// Finds the end of a head (h11's `maybe_extract_lines`): the index just
/// past the blank line, or `None` if it has not arrived yet. A head that
/// starts with a blank line is returned as empty (and then refused).
pub fn head_end(buf: &[u8]) -> Option<usize> {
    if buf.first() == Some(&b'\n') {
        return Some(1);
    }
    if buf.starts_with(b"\r\n") {
        return Some(2);
    }
    let mut from = 0;
    while let Some(i) = memchr(b'\n', &buf[from..]) {
        let nl = from + i;
        match buf.get(nl + 1) {
            Some(b'\n') => return Some(nl + 2),
            Some(b'\r') if buf.get(nl + 2) == Some(&b'\n') => return Some(nl + 3),
            Some(_) => from = nl + 1,
            None => return None,
        }
    }
    None
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Parses a complete head (`head` is everything up to and including the
/// blank line, as found by [`head_end`]).
///
/// # Errors
/// [`ProtocolError`] wherever h11 raises `RemoteProtocolError`.
pub fn parse_head(head: &[u8]) -> Result<Head, ProtocolError> {
    let lines = split_lines(head);
    let Some(request_line) = lines.first().cloned() else {
        return Err(ProtocolError("no request line"));
    };
    let (method, target, version) = parse_request_line(head, request_line)?;
    let (headers, folded) = parse_header_lines(head, &lines[1..])?;
    let mut h = Head {
        method,
        target,
        version,
        headers,
        folded,
        framing: Framing::Length(0),
        keep_alive: true,
        expects_continue: false,
    };
    validate_and_frame(&mut h, head)?;
    Ok(h)
}

/// The lines of a block that ends in a blank line (as [`head_end`] finds
/// it), each without its `\n` and one trailing `\r`, the blank ones at the
/// end left out (h11 `maybe_extract_lines`).
fn split_lines(block: &[u8]) -> Vec<Range<usize>> {
    let mut lines: Vec<Range<usize>> = Vec::with_capacity(8);
    let mut start = 0;
    for (i, &b) in block.iter().enumerate() {
        if b == b'\n' {
            let end = if i > start && block[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            lines.push(start..end);
            start = i + 1;
        }
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// h11's `normalize_and_validate` for the framing headers, one header at a
/// time: `Content-Length` values (comma lists must agree, `[0-9]{1,20}`,
/// equal across headers) and `Transfer-Encoding` (once, exactly `chunked`).
fn check_framing_header<'a>(
    name: &[u8],
    value: &'a [u8],
    content_length: &mut Option<&'a [u8]>,
    chunked: &mut bool,
) -> Result<(), ProtocolError> {
    if name.eq_ignore_ascii_case(b"content-length") {
        let mut lengths = value.split(|&b| b == b',').map(trim_ows);
        let first = lengths.next().unwrap_or_default();
        if lengths.any(|l| l != first) {
            return Err(ProtocolError("conflicting Content-Length headers"));
        }
        // h11 `_headers.py`: `[0-9]+`, at most CONTENT_LENGTH_MAX_DIGITS (20).
        if first.is_empty() || first.len() > 20 || !first.iter().all(u8::is_ascii_digit) {
            return Err(ProtocolError("bad Content-Length"));
        }
        match content_length {
            Some(seen) if *seen != first => {
                return Err(ProtocolError("conflicting Content-Length headers"));
            }
            _ => *content_length = Some(first),
        }
    } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
        if *chunked {
            return Err(ProtocolError("multiple Transfer-Encoding headers"));
        }
        if !value.eq_ignore_ascii_case(b"chunked") {
            return Err(ProtocolError(
                "Only Transfer-Encoding: chunked is supported",
            ));
        }
        *chunked = true;
    }
    Ok(())
}

/// Header values, as parsed.
type HeaderLines = (Vec<(Range<usize>, HeaderValue)>, Vec<Vec<u8>>);

/// h11's `_decode_header_lines` over `lines` of `head`: obsolete line
/// folding first, on the raw lines (`_obsolete_line_fold`: a line that
/// starts with spaces or tabs is appended, after one space, to the whole
/// previous line, its trailing whitespace included), then each line
/// matched against `field_name ":" OWS field_value OWS`.
///
/// # Errors
/// a continuation line first, a line without a colon, a name that
/// is not a token, a value with a forbidden byte.
fn parse_header_lines(head: &[u8], lines: &[Range<usize>]) -> Result<HeaderLines, ProtocolError> {
    // Logical lines: where the first raw line starts, and the joined bytes
    // when continuation lines were folded into it.
    let mut logical: Vec<(Range<usize>, Option<Vec<u8>>)> = Vec::with_capacity(lines.len());
    for line in lines {
        let bytes = &head[line.clone()];
        if bytes.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            let rest = bytes
                .iter()
                .position(|&b| b != b' ' && b != b'\t')
                .unwrap_or(bytes.len());
            let Some((first, joined)) = logical.last_mut() else {
                return Err(ProtocolError("continuation line at start of headers"));
            };
            let joined = joined.get_or_insert_with(|| head[first.clone()].to_vec());
            joined.push(b' ');
            joined.extend_from_slice(&bytes[rest..]);
        } else {
            logical.push((line.clone(), None));
        }
    }
    let mut headers: Vec<(Range<usize>, HeaderValue)> = Vec::with_capacity(logical.len());
    let mut folded: Vec<Vec<u8>> = Vec::new();
    for (first, joined) in logical {
        let bytes: &[u8] = joined.as_deref().unwrap_or(&head[first.clone()]);
        let colon = bytes
            .iter()
            .position(|&b| b == b':')
            .ok_or(ProtocolError("illegal header line"))?;
        // A valid name ends before anything folded in (a fold adds a space,
        // which no token holds), so it lies within the first raw line.
        if colon == 0 || colon > first.len() || !bytes[..colon].iter().all(|&b| is_token(b)) {
            return Err(ProtocolError("illegal header name"));
        }
        let mut v = colon + 1..bytes.len();
        while v.start < v.end && matches!(bytes[v.start], b' ' | b'\t') {
            v.start += 1;
        }
        while v.end > v.start && matches!(bytes[v.end - 1], b' ' | b'\t') {
            v.end -= 1;
        }
        if !valid_field_value(&bytes[v.clone()]) {
            return Err(ProtocolError("illegal header value"));
        }
        let value = match &joined {
            None => HeaderValue::Raw(first.start + v.start..first.start + v.end),
            Some(joined) => {
                folded.push(joined[v].to_vec());
                HeaderValue::Folded(folded.len() - 1)
            }
        };
        headers.push((first.start..first.start + colon, value));
    }
    Ok((headers, folded))
}

/// `field_content` of h11: visible bytes with single runs of spaces/tabs
/// between them (the ends were stripped), or empty.
fn valid_field_value(v: &[u8]) -> bool {
    v.iter()
        .all(|&b| b == b' ' || b == b'\t' || !is_value_forbidden(b))
}

/// Method range, target range and `(major, minor)` version.
type RequestLine = (Range<usize>, Range<usize>, (u8, u8));

fn parse_request_line(head: &[u8], line: Range<usize>) -> Result<RequestLine, ProtocolError> {
    let bytes = &head[line.clone()];
    let bad = ProtocolError("illegal request line");
    let sp1 = bytes.iter().position(|&b| b == b' ').ok_or(bad)?;
    let method = &bytes[..sp1];
    if method.is_empty() || !method.iter().all(|&b| is_token(b)) {
        return Err(bad);
    }
    let rest = &bytes[sp1 + 1..];
    let sp2 = rest.iter().position(|&b| b == b' ').ok_or(bad)?;
    let target = &rest[..sp2];
    if target.is_empty() || !target.iter().all(|&b| (0x21..=0x7e).contains(&b)) {
        return Err(bad);
    }
    let version = &rest[sp2 + 1..];
    let v = match version {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            (major - b'0', minor - b'0')
        }
        _ => return Err(bad),
    };
    let base = line.start;
    Ok((base..base + sp1, base + sp1 + 1..base + sp1 + 1 + sp2, v))
}

/// h11's header normalisation, `_body_framing`, `_keep_alive` and
/// `_has_expect_100_continue`.
fn validate_and_frame(h: &mut Head, head: &[u8]) -> Result<(), ProtocolError> {
    let mut hosts = 0;
    let mut content_length: Option<&[u8]> = None;
    let mut chunked = false;
    let mut close = false;
    let mut expect_continue = false;
    for (name, v) in &h.headers {
        let name = &head[name.clone()];
        let value = h.value(head, v);
        if name.eq_ignore_ascii_case(b"host") {
            hosts += 1;
        } else if name.eq_ignore_ascii_case(b"content-length")
            || name.eq_ignore_ascii_case(b"transfer-encoding")
        {
            check_framing_header(name, value, &mut content_length, &mut chunked)?;
        } else if name.eq_ignore_ascii_case(b"connection") {
            close |= comma_list_has(value, b"close");
        } else if name.eq_ignore_ascii_case(b"expect") {
            expect_continue |= comma_list_has(value, b"100-continue");
        }
    }
    if h.version == (1, 1) && hosts == 0 {
        return Err(ProtocolError("Missing mandatory Host: header"));
    }
    if hosts > 1 {
        return Err(ProtocolError("Found multiple Host: headers"));
    }
    let at_least_1_1 = h.version >= (1, 1);
    h.framing = if chunked {
        Framing::Chunked
    } else {
        let n = content_length.map_or(0, |digits| {
            digits
                .iter()
                .try_fold(0u64, |acc, &d| {
                    acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
                })
                .unwrap_or(u64::MAX)
        });
        Framing::Length(n)
    };
    h.keep_alive = !close && at_least_1_1;
    h.expects_continue = expect_continue && at_least_1_1;
    Ok(())
}

fn trim_ows(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|&c| c != b' ' && c != b'\t')
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|&c| c != b' ' && c != b'\t')
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// Whether a comma-separated header value holds `token` (case-insensitive).
fn comma_list_has(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| trim_ows(t).eq_ignore_ascii_case(token))
}

/// Incremental decoder of a chunked body, as h11's `ChunkedReader`.
#[derive(Debug, Default)]
pub struct ChunkedDecoder {
    state: ChunkState,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Expecting a chunk-size line.
    #[default]
    Size,
    /// Inside chunk data, this many bytes left.
    Data(u64),
    /// Expecting the CRLF after chunk data; this many of its bytes have
    /// arrived (h11 checks each byte as it comes).
    DataEnd(u8),
    /// After the last chunk: trailer lines until a blank one.
    Trailers,
    /// The body is complete.
    Done,
}

/// What [`ChunkedDecoder::decode`] made of the input.
#[derive(Debug, PartialEq, Eq)]
pub enum ChunkProgress {
    /// More input is needed.
    NeedMore,
    /// The body ended.
    Done,
}

impl ChunkedDecoder {
    /// Consumes as much of `input` as possible, appending body bytes to
    /// `out` (when given). Returns the number of input bytes consumed.
    ///
    /// # Errors
    /// [`ProtocolError`] for a malformed chunk size line, missing
    /// CRLF after chunk data, or a malformed trailer.
    pub fn decode(
        &mut self,
        input: &[u8],
        mut out: Option<&mut Vec<u8>>,
    ) -> Result<(usize, ChunkProgress), ProtocolError> {
        let mut pos = 0;
        loop {
            match self.state {
                ChunkState::Done => return Ok((pos, ChunkProgress::Done)),
                ChunkState::Size => {
                    let Some(end) = find_crlf(&input[pos..]) else {
                        if input.len() - pos > MAX_INCOMPLETE_EVENT {
                            return Err(ProtocolError("Receive buffer too long"));
                        }
                        return Ok((pos, ChunkProgress::NeedMore));
                    };
                    let line = &input[pos..pos + end];
                    let size = parse_chunk_size(line)?;
                    pos += end + 2;
                    self.state = if size == 0 {
                        ChunkState::Trailers
                    } else {
                        ChunkState::Data(size)
                    };
                }
                ChunkState::Data(left) => {
                    let available = (input.len() - pos) as u64;
                    if available == 0 {
                        return Ok((pos, ChunkProgress::NeedMore));
                    }
                    let take = left.min(available) as usize;
                    if let Some(out) = out.as_deref_mut() {
                        out.extend_from_slice(&input[pos..pos + take]);
                    }
                    pos += take;
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        ChunkState::DataEnd(0)
                    } else {
                        ChunkState::Data(left)
                    };
                }
                ChunkState::DataEnd(seen) => {
                    let Some(&b) = input.get(pos) else {
                        return Ok((pos, ChunkProgress::NeedMore));
                    };
                    if b != b"\r\n"[usize::from(seen)] {
                        return Err(ProtocolError("malformed chunk footer"));
                    }
                    pos += 1;
                    self.state = if seen == 0 {
                        ChunkState::DataEnd(1)
                    } else {
                        ChunkState::Size
                    };
                }
                ChunkState::Trailers => {
                    let rest = &input[pos..];
                    let Some(end) = head_end(rest) else {
                        if rest.len() > MAX_INCOMPLETE_EVENT {
                            return Err(ProtocolError("Receive buffer too long"));
                        }
                        return Ok((pos, ChunkProgress::NeedMore));
                    };
                    validate_trailers(&rest[..end])?;
                    pos += end;
                    self.state = ChunkState::Done;
                }
            }
        }
    }
}

fn find_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

/// `HEX{1,20}(;.*)? OWS`.
fn parse_chunk_size(line: &[u8]) -> Result<u64, ProtocolError> {
    let bad = ProtocolError("illegal chunk header");
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 20 {
        return Err(bad);
    }
    let rest = &line[digits..];
    // `(;.*)?` then OWS: `.` is anything but a newline.
    let ok_rest = if rest.first() == Some(&b';') {
        !rest.contains(&b'\n')
    } else {
        rest.iter().all(|&b| b == b' ' || b == b'\t')
    };
    if !ok_rest {
        return Err(bad);
    }
    let mut size: u64 = 0;
    for &d in &line[..digits] {
        let v = u64::from((d as char).to_digit(16).unwrap_or(0));
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(v))
            .unwrap_or(u64::MAX);
    }
    Ok(size)
}

/// Trailers are header lines: h11 reads them with `maybe_extract_lines`
/// and `_decode_header_lines` (folding included), then
/// `normalize_and_validate` applies the framing-header rules to them too.
fn validate_trailers(block: &[u8]) -> Result<(), ProtocolError> {
    let (headers, folded) = parse_header_lines(block, &split_lines(block))?;
    let (mut content_length, mut chunked) = (None, false);
    for (name, value) in &headers {
        let value = match value {
            HeaderValue::Raw(r) => &block[r.clone()],
            HeaderValue::Folded(i) => &folded[*i][..],
        };
        check_framing_header(
            &block[name.clone()],
            value,
            &mut content_length,
            &mut chunked,
        )?;
    }
    Ok(())
}

/// Checks the chunked body bytes that have already arrived, as h11 does
/// when it parses everything received before the app runs (uvicorn
/// `handle_events`): a malformed part among them refuses the request
/// before any answer, `100 Continue` included.
///
/// # Errors
/// The [`ProtocolError`] the decoder meets in `buffered`.
pub fn check_buffered_chunked(buffered: &[u8]) -> Result<(), ProtocolError> {
    ChunkedDecoder::default().decode(buffered, None).map(|_| ())
}

/// Python 3.11's `HTTPStatus` phrase, which uvicorn sends (`h11_impl.py`
/// `STATUS_PHRASES`); `""` for a code it does not know.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Result<Head, ProtocolError> {
        let end = head_end(raw).expect("complete head");
        parse_head(&raw[..end])
    }

    #[test]
    fn accepts_what_h11_accepts() {
        let ok: &[&[u8]] = &[
            b"PUT /items/foo HTTP/1.1\r\nHost: a\r\n\r\n",
            b"PUT /items/a#b?x=<> HTTP/1.1\r\nHost: a\r\n\r\n",
            b"PUT /items/foo HTTP/1.0\r\n\r\n",
            b"PUT /items/foo HTTP/1.2\r\n\r\n",
            b"PUT http://h/items/foo HTTP/1.1\r\nHost: a\r\n\r\n",
            b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            b"put /items/foo HTTP/1.1\nHost: a\nX-A:\ta\t\nX-B:\nX-C: \xe9\n\n",
            b"PUT /items/foo HTTP/1.1\r\nHost: a\r\nX-A: a\r\n b\r\n\r\n",
            b"PUT /items/foo HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\n",
            b"PUT /items/foo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nContent-Length: 9\r\n\r\n",
        ];
        for raw in ok {
            assert!(parse(raw).is_ok(), "{:?}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn refuses_what_h11_refuses() {
        let bad: &[&[u8]] = &[
            b"\r\nPUT /items/foo HTTP/1.1\r\nHost: a\r\n\r\n",
            b"PUT /items/\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
            b"PUT /items/foo?q=\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
            b"PUT /items/a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n",
            b"PUT  /items/foo HTTP/1.1\r\nHost: a\r\n\r\n",
            b"P(T /items/foo HTTP/1.1\r\nHost: a\r\n\r\n",
            b" /items/foo HTTP/1.1\r\nHost: a\r\n\r\n",
            b"PUT /items/foo HTTP/11\r\nHost: a\r\n\r\n",
            b"PUT /items/foo http/1.1\r\nHost: a\r\n\r\n",
            b"PUT /items/foo HTTP/1.1\r\n\r\n",
            b"PUT /items/foo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            b"PUT /items/foo HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n",
            b"PUT /items/foo HTTP/1.1\r\nHost: a\r\nX-A: a\x0bb\r\n\r\n",
            b"PUT /items/foo HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"PUT /items/foo HTTP/1.1\r\nHost: a\r\nContent-Length: +2\r\n\r\n",
            b"PUT /items/foo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            b"hello\r\n\r\n",
            b"PUT /items/foo HTTP/1.1\r\n X: folded-first\r\nHost: a\r\n\r\n",
        ];
        for raw in bad {
            assert!(parse(raw).is_err(), "{:?}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn framing_keep_alive_and_expect() {
        let h = parse(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n").unwrap();
        assert_eq!(
            (h.framing, h.keep_alive, h.expects_continue),
            (Framing::Length(12), true, false)
        );
        let h = parse(b"PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nConnection: Keep-Alive, CLOSE\r\nExpect: 100-Continue\r\n\r\n").unwrap();
        assert_eq!(
            (h.framing, h.keep_alive, h.expects_continue),
            (Framing::Chunked, false, true)
        );
        let h = parse(b"PUT / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\n")
            .unwrap();
        assert_eq!(
            (h.framing, h.keep_alive, h.expects_continue),
            (Framing::Length(0), false, false)
        );
        let raw = b"PUT / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n b\r\n\tc\r\n\r\n";
        let h = parse(raw).unwrap();
        assert_eq!(h.header(raw, "x-a"), Some(&b"a b c"[..]));
    }

    #[test]
    fn head_end_finds_lf_or_crlf_blank_lines() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nrest"), Some(27));
        assert_eq!(head_end(b"GET / HTTP/1.1\nHost: a\n\nrest"), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
        assert_eq!(head_end(b"\r\nGET"), Some(2));
    }

    #[test]
    fn chunked_bodies() {
        let mut d = ChunkedDecoder::default();
        let mut out = Vec::new();
        let input = b"5;ext=1\r\n{\"nam\r\n8  \r\ne\":\"ch\"}\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        // Fed byte by byte, it gives the same result.
        let mut consumed = 0;
        let mut progress = ChunkProgress::NeedMore;
        for end in 1..=input.len() {
            let (n, p) = d.decode(&input[consumed..end], Some(&mut out)).unwrap();
            consumed += n;
            progress = p;
            if progress == ChunkProgress::Done {
                break;
            }
        }
        assert_eq!(progress, ChunkProgress::Done);
        assert_eq!(out, b"{\"name\":\"ch\"}");
        assert_eq!(&input[consumed..], b"NEXT");
        for bad in [
            &b"zz\r\n"[..],
            b"2\r\n{}XX",
            b"123456789012345678901\r\n",
            b"2 x\r\n",
        ] {
            assert!(
                ChunkedDecoder::default().decode(bad, None).is_err(),
                "{bad:?}"
            );
        }
    }
}
