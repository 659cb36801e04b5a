//! The client side: the one way `put`, `check` and `wait` send requests.
//!
//! [`Client`] sends `PUT {base}/items/{id}` with reqwest (rustls), reads at
//! most [`MAX_RESPONSE_BYTES`] of a response, retries connection failures
//! when asked, and turns transport errors into one clear line.

use std::time::{Duration, Instant};

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use crate::error::Failure;

/// Characters of an id that are sent as they are: RFC 3986 unreserved.
const ID_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A response as it arrived.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The status code.
    pub status: u16,
    /// The standard reason phrase of the status (`""` for an unknown one).
    pub reason: &'static str,
    /// The body bytes, exactly as received (at most [`MAX_RESPONSE_BYTES`]).
    pub body: Bytes,
    /// Time from sending the (last) attempt to the last body byte.
    pub elapsed: Duration,
}

/// The JSON body the flags describe: `{"name":…,"size":…}` with a key only
/// for each field given; `Some(None)` sends `null`.
///
/// # Errors
/// [`Failure::Usage`] when `size` is not a JSON integer (`-?[0-9]+` without
/// leading zeros), any length.
pub fn item_body(
    name: Option<Option<&str>>,
    size: Option<Option<&str>>,
) -> Result<Vec<u8>, Failure> {
    use serde_json::{Map, Number, Value};
    let mut item = Map::new();
    if let Some(name) = name {
        item.insert(
            "name".into(),
            name.map_or(Value::Null, |n| Value::String(n.to_owned())),
        );
    }
    if let Some(size) = size {
        let value = match size {
            None => Value::Null,
            Some(text) => Value::Number(
                Some(text)
                    .filter(|t| is_json_integer(t))
                    .and_then(|t| t.parse::<Number>().ok())
                    .ok_or_else(|| {
                        Failure::Usage(format!(
                            "--size `{text}` is not a JSON integer (write it without leading zeros or `+`, or send other values with --body)"
                        ))
                    })?,
            ),
        };
        item.insert("size".into(), value);
    }
    serde_json::to_vec(&Value::Object(item))
        .map_err(|e| Failure::Usage(format!("cannot build the body: {e}")))
}

/// Whether `text` is a JSON integer: `-?(0|[1-9][0-9]*)`, any length.
fn is_json_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    match digits.as_bytes() {
        [] => false,
        [b'0'] => true,
        [b'0', ..] => false,
        d => d.iter().all(u8::is_ascii_digit),
    }
}

/// Whether a base URL is https (case-insensitive scheme).
pub fn is_https(base: &str) -> bool {
    base.get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
}

/// `{base}/items/{percent-encoded id}`.
///
/// Errors: [`Failure::Usage`] when `base` is not an http(s) URL.
pub fn item_url(base: &str, id: &str) -> Result<String, Failure> {
    let parsed = reqwest::Url::parse(base)
        .map_err(|e| Failure::Usage(format!("invalid URL `{base}`: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(Failure::Usage(format!(
            "invalid URL `{base}`: expected http:// or https://"
        )));
    }
    let prefix = base
        .split(['?', '#'])
        .next()
        .unwrap_or(base)
        .trim_end_matches('/');
    Ok(format!(
        "{prefix}/items/{}",
        utf8_percent_encode(id, ID_ESCAPES)
    ))
}

/// The most response-body bytes a request reads (memory stays bounded).
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;

/// How a [`Client`] talks to a server.
#[derive(Clone, Debug)]
pub struct Options {
    /// Limit for one exchange, connect to last body byte.
    pub timeout: Duration,
    /// Whether to follow redirects (up to 10).
    pub follow: bool,
    /// Headers to send, `(name, value)`; `content-type: application/json`
    /// is sent unless one of these names it.
    pub headers: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(30),
            follow: false,
            headers: Vec::new(),
        }
    }
}

/// An HTTP client bound to one server's base URL.
///
/// rustls (ring) for https; the system's root certificates are loaded only
/// when an https URL can be reached (an https base, or redirects followed),
/// so that `http://` pays nothing for TLS (loading them is most of a short
/// run's time).
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    headers: HeaderMap,
    timeout: Duration,
}

impl Client {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:8000`; a
    /// path prefix is kept).
    ///
    /// # Errors
    /// [`Failure::Usage`] for a URL that is not http(s) or a header that is
    /// not valid; [`Failure::Setup`] when the TLS stack cannot be set up.
    pub fn new(base: &str, opts: &Options) -> Result<Client, Failure> {
        item_url(base, "x")?;
        // reqwest is built without a default crypto provider; ring is ours.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let policy = if opts.follow {
            reqwest::redirect::Policy::limited(10)
        } else {
            reqwest::redirect::Policy::none()
        };
        let builder = if opts.follow || is_https(base) {
            reqwest::Client::builder()
        } else {
            reqwest::Client::builder().tls_certs_only(std::iter::empty())
        };
        let http = builder
            .redirect(policy)
            .timeout(opts.timeout)
            .user_agent(concat!("itemctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::setup("cannot set up the HTTP client", e))?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in &opts.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Failure::Usage(format!("invalid header name `{name}`")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| Failure::Usage(format!("invalid value for header `{name}`")))?;
            headers.insert(name, value);
        }
        Ok(Client {
            http,
            base: base.to_owned(),
            headers,
            timeout: opts.timeout,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends `PUT {base}/items/{id}` with `body` once and reads the whole
    /// response.
    ///
    /// # Errors
    /// [`Failure::Usage`] for a bad URL; [`Failure::NoResponse`] when no
    /// complete response arrived (or its body exceeds [`MAX_RESPONSE_BYTES`]).
    pub async fn put(&self, id: &str, body: Bytes) -> Result<Exchange, Failure> {
        self.put_retrying(id, body, 0).await
    }

    /// Like [`Client::put`], retrying up to `retry` more times (with
    /// backoff from 100 ms to 2 s) when the connection fails.
    ///
    /// # Errors
    /// As [`Client::put`], for the last attempt.
    pub async fn put_retrying(
        &self,
        id: &str,
        body: Bytes,
        retry: u32,
    ) -> Result<Exchange, Failure> {
        let url = item_url(&self.base, id)?;
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let sent = self
                .http
                .put(&url)
                .headers(self.headers.clone())
                .body(body.clone())
                .send()
                .await;
            let err = match sent {
                Ok(resp) => {
                    let status = resp.status();
                    match read_capped(resp, &self.base).await? {
                        Ok(body) => {
                            return Ok(Exchange {
                                status: status.as_u16(),
                                reason: status.canonical_reason().unwrap_or(""),
                                body,
                                elapsed: started.elapsed(),
                            });
                        }
                        Err(e) => e,
                    }
                }
                Err(e) => e,
            };
            if err.is_connect() && attempt < retry {
                attempt += 1;
                let backoff = Duration::from_millis(100u64 << (attempt - 1).min(4))
                    .min(Duration::from_secs(2));
                tokio::time::sleep(backoff).await;
                continue;
            }
            return Err(describe(&err, &self.base, self.timeout));
        }
    }

    /// Waits until the server answers any HTTP request (a GET of the base
    /// URL, each try limited to 2 s), trying for up to `wait` and at least
    /// `1 + retry` times, with backoff. Returns how long it took.
    ///
    /// # Errors
    /// [`Failure::NoResponse`] with the last connection error when nothing
    /// answered.
    pub async fn wait(&self, wait: Duration, retry: u32) -> Result<Duration, Failure> {
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            let tried = self
                .http
                .get(&self.base)
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            match tried {
                Ok(_) => return Ok(started.elapsed()),
                Err(err) => {
                    attempt += 1;
                    let elapsed = started.elapsed();
                    if elapsed >= wait && attempt > retry {
                        let within = if wait > Duration::ZERO {
                            format!(" within {}", humantime::format_duration(wait))
                        } else {
                            String::new()
                        };
                        return Err(Failure::NoResponse(format!(
                            "cannot connect to {}{within}: {}",
                            self.base,
                            describe_error(&err)
                        )));
                    }
                    let backoff = Duration::from_millis(50u64 << attempt.min(4))
                        .min(Duration::from_millis(500));
                    let left = wait.saturating_sub(elapsed);
                    let pause = if attempt <= retry {
                        backoff
                    } else {
                        backoff.min(left)
                    };
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }
}

/// Reads a response body chunk by chunk, up to [`MAX_RESPONSE_BYTES`].
///
/// # Errors
/// The outer [`Failure::NoResponse`] when the body is larger; the inner
/// reqwest error when the transfer broke off.
async fn read_capped(
    mut resp: reqwest::Response,
    base: &str,
) -> Result<Result<Bytes, reqwest::Error>, Failure> {
    let mut body = bytes::BytesMut::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(Failure::NoResponse(format!(
                        "the response body from {base} is larger than {} MiB; stopped reading",
                        MAX_RESPONSE_BYTES / (1024 * 1024)
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(Ok(body.freeze())),
            Err(e) => return Ok(Err(e)),
        }
    }
}

/// 16 random hex digits, for fresh ids (not cryptographic: ids only need
/// to be fresh).
pub fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", h.finish())
}

/// One line for a transport error: `cannot connect to URL: connection refused`.
fn describe(err: &reqwest::Error, base: &str, timeout: Duration) -> Failure {
    if err.is_timeout() {
        return Failure::NoResponse(format!(
            "no response from {base}: timed out after {}",
            humantime::format_duration(timeout)
        ));
    }
    let cause = root_cause(err);
    if err.is_connect() {
        return Failure::NoResponse(format!("cannot connect to {base}: {cause}"));
    }
    if err.is_redirect() {
        return Failure::NoResponse(format!("{base}: too many redirects"));
    }
    if err.is_body() || err.is_decode() {
        return Failure::NoResponse(format!("incomplete response from {base}: {cause}"));
    }
    Failure::NoResponse(format!("request to {base} failed: {cause}"))
}

/// A transport error in one line: `timed out`, `connection refused`, ….
pub fn describe_error(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".into()
    } else {
        root_cause(err)
    }
}

/// The innermost cause, in the words users know (`connection refused`).
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current: &(dyn std::error::Error + 'static) = err;
    let mut io_kind = None;
    while let Some(next) = current.source() {
        if let Some(io) = next.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        current = next;
    }
    match io_kind {
        Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".into(),
        Some(std::io::ErrorKind::ConnectionReset) => "connection reset by peer".into(),
        _ => current.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_leave_out_what_is_not_given() {
        let body = |name, size| item_body(name, size).unwrap();
        assert_eq!(
            body(Some(Some("x")), Some(Some("3"))),
            br#"{"name":"x","size":3}"#
        );
        assert_eq!(body(None, Some(Some("-3"))), br#"{"size":-3}"#);
        assert_eq!(body(Some(None), None), br#"{"name":null}"#);
        assert_eq!(body(None, None), b"{}");
        assert_eq!(
            body(Some(Some("a\"é\n")), Some(None)),
            "{\"name\":\"a\\\"é\\n\",\"size\":null}".as_bytes()
        );
        assert_eq!(
            body(None, Some(Some("-123456789012345678901234567890"))),
            br#"{"size":-123456789012345678901234567890}"#
        );
        for not_json in ["007", "+3", "1.5", "1e3", "-", ""] {
            assert!(item_body(None, Some(Some(not_json))).is_err(), "{not_json}");
        }
    }

    #[test]
    fn urls_encode_the_id() {
        assert_eq!(
            item_url("http://h:1", "foo").unwrap(),
            "http://h:1/items/foo"
        );
        assert_eq!(
            item_url("http://h:1/", "a b/é").unwrap(),
            "http://h:1/items/a%20b%2F%C3%A9"
        );
        assert_eq!(
            item_url("http://h/api/", "x-y_z.~").unwrap(),
            "http://h/api/items/x-y_z.~"
        );
        assert!(matches!(item_url("ftp://h", "x"), Err(Failure::Usage(_))));
        assert!(matches!(item_url("nope", "x"), Err(Failure::Usage(_))));
    }
}
