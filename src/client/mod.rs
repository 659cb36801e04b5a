//! The HTTP client behind `itemctl put`: builds the request body and URL,
//! sends `PUT {base}/items/{id}` with reqwest (rustls), retries connection
//! failures, and turns transport errors into one clear line.

use std::time::{Duration, Instant};

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::Failure;
use crate::reference::render;

/// Characters of an id that are sent as they are: RFC 3986 unreserved.
const ID_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One upsert to send.
#[derive(Clone, Debug)]
pub struct PutRequest {
    /// The server's base URL, e.g. `http://127.0.0.1:8000` (a path prefix
    /// is kept).
    pub base_url: String,
    /// The item id, unencoded.
    pub id: String,
    /// The request body bytes.
    pub body: Vec<u8>,
    /// Headers to send; `content-type: application/json` is added unless
    /// one of these names it.
    pub headers: Vec<(String, String)>,
    /// Limit for one attempt, connect to last body byte.
    pub timeout: Duration,
    /// Extra attempts after a connection failure.
    pub retry: u32,
    /// Whether to follow redirects (up to 10).
    pub follow: bool,
}

/// A response as it arrived.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The URL the request went to.
    pub url: String,
    /// The status code.
    pub status: u16,
    /// The standard reason phrase of the status.
    pub reason: &'static str,
    /// The `content-type`, if any.
    pub content_type: Option<String>,
    /// The body bytes, exactly as received.
    pub body: Bytes,
    /// Time from sending the (last) attempt to the last body byte.
    pub elapsed: Duration,
}

/// The JSON body the flags describe: `{"name":…,"size":…}` with a key only
/// for each field given; `Some(None)` sends `null`. `size` is decimal text
/// of any length.
pub fn item_body(name: Option<Option<&str>>, size: Option<Option<&str>>) -> Vec<u8> {
    let mut out = Vec::with_capacity(48);
    out.push(b'{');
    if let Some(name) = name {
        out.extend_from_slice(b"\"name\":");
        match name {
            Some(n) => render::write_text(&mut out, n),
            None => out.extend_from_slice(b"null"),
        }
    }
    if let Some(size) = size {
        if name.is_some() {
            out.push(b',');
        }
        out.extend_from_slice(b"\"size\":");
        out.extend_from_slice(size.unwrap_or("null").as_bytes());
    }
    out.push(b'}');
    out
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

/// The HTTP client: rustls (ring) for https, redirects followed only when
/// asked, `timeout` for a whole exchange. `tls` says whether an https URL
/// can be reached at all (an https base, or redirects followed): without
/// it, the system's root certificates are not loaded, so that `http://`
/// pays nothing for TLS (loading them is most of a short run's time).
///
/// Errors: [`Failure::Usage`] if the TLS stack cannot be set up.
pub fn build_client(
    timeout: Duration,
    follow: bool,
    tls: bool,
) -> Result<reqwest::Client, Failure> {
    // reqwest is built without a default crypto provider; ring is ours.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let policy = if follow {
        reqwest::redirect::Policy::limited(10)
    } else {
        reqwest::redirect::Policy::none()
    };
    let builder = if tls {
        reqwest::Client::builder()
    } else {
        reqwest::Client::builder().tls_certs_only(std::iter::empty())
    };
    builder
        .redirect(policy)
        .timeout(timeout)
        .user_agent(concat!("itemctl/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Failure::Usage(format!("cannot set up the HTTP client: {e}")))
}

/// Sends the upsert and reads the whole response.
///
/// Errors: [`Failure::Usage`] for a bad URL or header, [`Failure::NoResponse`]
/// when no complete response arrived (after `retry` extra attempts for
/// connection failures).
pub async fn put(req: &PutRequest) -> Result<Exchange, Failure> {
    let url = item_url(&req.base_url, &req.id)?;
    let client = build_client(
        req.timeout,
        req.follow,
        req.follow || is_https(&req.base_url),
    )?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    for (name, value) in &req.headers {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Failure::Usage(format!("invalid header name `{name}`")))?;
        let value = reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| Failure::Usage(format!("invalid value for header `{name}`")))?;
        headers.insert(name, value);
    }
    let body = Bytes::from(req.body.clone());
    let mut attempt = 0;
    loop {
        let started = Instant::now();
        let sent = client
            .put(&url)
            .headers(headers.clone())
            .body(body.clone())
            .send()
            .await;
        let err = match sent {
            Ok(resp) => {
                let status = resp.status();
                let content_type = resp
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                let final_url = resp.url().to_string();
                match read_capped(resp, &req.base_url).await? {
                    Ok(body) => {
                        return Ok(Exchange {
                            url: final_url,
                            status: status.as_u16(),
                            reason: status.canonical_reason().unwrap_or(""),
                            content_type,
                            body,
                            elapsed: started.elapsed(),
                        });
                    }
                    Err(e) => e,
                }
            }
            Err(e) => e,
        };
        if err.is_connect() && attempt < req.retry {
            attempt += 1;
            let backoff =
                Duration::from_millis(100u64 << (attempt - 1).min(4)).min(Duration::from_secs(2));
            tokio::time::sleep(backoff).await;
            continue;
        }
        return Err(describe(&err, &req.base_url, req.timeout));
    }
}

/// The most response-body bytes `put` reads (memory stays bounded).
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;

/// Reads a response body chunk by chunk, up to [`MAX_RESPONSE_BYTES`].
///
/// Errors: the outer [`Failure::NoResponse`] when the body is larger; the
/// inner reqwest error when the transfer broke off.
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

/// Waits until `base` answers any HTTP request (a GET of the base URL),
/// trying for up to `wait` and at least `1 + retry` times, with backoff.
///
/// Errors: [`Failure::Usage`] for a bad URL; [`Failure::NoResponse`] with
/// the last connection error when nothing answered.
pub async fn wait_for(base: &str, wait: Duration, retry: u32) -> Result<Duration, Failure> {
    item_url(base, "x")?;
    let client = build_client(Duration::from_secs(2), false, is_https(base))?;
    let started = Instant::now();
    let mut attempt: u32 = 0;
    loop {
        match client.get(base).send().await {
            Ok(_) => return Ok(started.elapsed()),
            Err(err) => {
                attempt += 1;
                let elapsed = started.elapsed();
                if elapsed >= wait && attempt > retry {
                    let within = if wait > Duration::ZERO {
                        format!(" within {}s", wait.as_secs_f64())
                    } else {
                        String::new()
                    };
                    return Err(Failure::NoResponse(format!(
                        "cannot connect to {base}{within}: {}",
                        describe_error(&err)
                    )));
                }
                let backoff =
                    Duration::from_millis(50u64 << attempt.min(4)).min(Duration::from_millis(500));
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

/// One line for a transport error: `cannot connect to URL: connection refused`.
fn describe(err: &reqwest::Error, base: &str, timeout: Duration) -> Failure {
    if err.is_timeout() {
        return Failure::NoResponse(format!(
            "no response from {base}: timed out after {}s",
            timeout.as_secs_f64()
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
        assert_eq!(
            item_body(Some(Some("x")), Some(Some("3"))),
            br#"{"name":"x","size":3}"#
        );
        assert_eq!(item_body(None, Some(Some("-3"))), br#"{"size":-3}"#);
        assert_eq!(item_body(Some(None), None), br#"{"name":null}"#);
        assert_eq!(item_body(None, None), b"{}");
        assert_eq!(
            item_body(Some(Some("a\"é\n")), Some(None)),
            "{\"name\":\"a\\\"é\\n\",\"size\":null}".as_bytes()
        );
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
