//! The client side: the one way `put`, `check` and `wait` send requests.
//!
//! [`Client`] sends `PUT {base}/items/{id}` with reqwest (rustls), reads at
//! most [`MAX_RESPONSE_BYTES`] of a response, retries connection failures
//! when asked, and turns transport errors into one line that names the
//! real cause. A request target that reqwest cannot carry exactly (over
//! 65,534 bytes, or the ids `.` and `..`, which URL libraries normalise
//! away) goes over plain HTTP/1.1 by hand ([`wire`]). `put` to a plain
//! http server reached directly sends over blocking sockets instead
//! ([`plain`]): the same requests, without an async runtime or reqwest.

pub mod openapi;
pub mod plain;
pub mod proxy;
pub(crate) mod wire;

use std::time::{Duration, Instant};

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};

pub use self::proxy::proxy_for;
use crate::contract::PathTemplate;
use crate::error::Failure;

/// Characters of an id that are sent as they are: RFC 3986 unreserved.
/// Everything else is percent-encoded (UTF-8), so the server decodes
/// exactly the id given.
const ID_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The longest request target the `http` crate (under reqwest) accepts.
const MAX_URI_LEN: usize = 65_534;

/// The `user-agent` sent.
pub const AGENT: &str = concat!("itemctl/", env!("CARGO_PKG_VERSION"));

/// A response as it arrived.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// `HTTP/1.1`, `HTTP/1.0`, `HTTP/2.0`.
    pub version: String,
    /// The status code.
    pub status: u16,
    /// The standard reason phrase of the status (`""` for an unknown one).
    pub reason: &'static str,
    /// The response headers, in order (names lower case).
    pub headers: Vec<(String, String)>,
    /// The body bytes, exactly as received (at most [`MAX_RESPONSE_BYTES`]).
    pub body: Bytes,
    /// Time from sending the (last) attempt to the last body byte.
    pub elapsed: Duration,
}

impl Exchange {
    /// A response read by hand ([`wire`]) as reqwest's reads: header names
    /// lower case, the standard reason phrase; `started` when the request
    /// was sent.
    fn from_wire(r: wire::Response, started: Instant) -> Exchange {
        let status = reqwest::StatusCode::from_u16(r.status).ok();
        Exchange {
            version: r.version.to_owned(),
            status: r.status,
            reason: status.and_then(|s| s.canonical_reason()).unwrap_or(""),
            headers: r
                .headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            body: Bytes::from(r.body),
            elapsed: started.elapsed(),
        }
    }

    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A request as it will go on the wire, for `--verbose`, `--dry-run` and
/// `--curl`.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// `PUT`.
    pub method: &'static str,
    /// The whole URL.
    pub url: String,
    /// The request target (path and query).
    pub target: String,
    /// The headers, in the order sent (`host` first).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

/// One request and what came back, for `-v` as it happens.
#[derive(Clone, Debug)]
pub struct Traced<'a> {
    /// `PUT`, `GET`.
    pub method: &'a str,
    /// The whole URL.
    pub url: &'a str,
    /// The request headers sent (names lower case).
    pub request_headers: Vec<(String, String)>,
    /// The request body.
    pub request_body: &'a [u8],
    /// The answer; or why there was none.
    pub response: Result<Answered<'a>, String>,
}

/// An answer, for a trace.
#[derive(Clone, Debug)]
pub struct Answered<'a> {
    /// The status code.
    pub status: u16,
    /// The headers (names lower case).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: &'a [u8],
}

/// What `-v` shows.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// A line of context: `check create`.
    Note(&'a str),
    /// A request and what came back.
    Exchange(&'a Traced<'a>),
}

/// Where `-v` sends what a client does, as it happens. Called from any
/// task; each call is one whole block.
#[derive(Clone)]
pub struct Tracer(pub std::sync::Arc<dyn Fn(Event<'_>) + Send + Sync>);

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tracer")
    }
}

/// Header pairs for a trace (lossy text).
fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Parses a base URL, with a message that names the fix
/// ([`crate::contract::base_url`]).
///
/// # Errors
/// [`Failure::Usage`]: no scheme (`127.0.0.1:8000`, `localhost:8000`), a
/// scheme other than http(s), no host, or not a URL at all.
pub fn parse_base(base: &str) -> Result<reqwest::Url, Failure> {
    crate::contract::base_url(base).map_err(Failure::Usage)
}

/// `{base}/items/{percent-encoded id}`.
///
/// # Errors
/// [`Failure::Usage`] when `base` is not an http(s) URL ([`parse_base`]).
#[cfg(test)]
fn item_url(base: &str, id: &str) -> Result<String, Failure> {
    item_url_at(base, &PathTemplate::default(), &encode_id(id))
}

/// An id percent-encoded for a path: every byte but `A-Z a-z 0-9 - . _ ~`.
pub fn encode_id(id: &str) -> String {
    utf8_percent_encode(id, ID_ESCAPES).to_string()
}

/// `{base}{path with encoded_id}` (a path prefix of `base` is kept).
///
/// # Errors
/// [`Failure::Usage`] when `base` is not an http(s) URL ([`parse_base`]).
pub fn item_url_at(base: &str, path: &PathTemplate, encoded_id: &str) -> Result<String, Failure> {
    parse_base(base)?;
    let prefix = base
        .split(['?', '#'])
        .next()
        .unwrap_or(base)
        .trim_end_matches('/');
    Ok(format!("{prefix}{}", path.fill(encoded_id)))
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
    /// Headers to send, `(name, value)`; each replaces a default of the
    /// same name (`content-type: application/json`, `accept`,
    /// `user-agent`).
    pub headers: Vec<(String, String)>,
    /// The item path below the base URL.
    pub path: PathTemplate,
    /// Where to show each exchange as it completes (`check -v`).
    pub trace: Option<Tracer>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(30),
            follow: false,
            headers: Vec::new(),
            path: PathTemplate::default(),
            trace: None,
        }
    }
}

/// An HTTP client bound to one server's base URL.
///
/// rustls (ring) for https; the system's root certificates are loaded only
/// when an https URL can be reached (an https base, or redirects followed),
/// so that `http://` pays nothing for TLS (loading them is most of a short
/// run's time). Proxies come from the environment ([`proxy_for`]).
/// reqwest's client is built on first use: `put` to a plain http server
/// sends over blocking sockets instead ([`plain`]) and never builds it.
#[derive(Clone, Debug)]
pub struct Client {
    http: std::sync::OnceLock<reqwest::Client>,
    /// Whether redirects are followed (up to 10).
    follow: bool,
    /// Whether an https URL can be reached: the root certificates are
    /// loaded.
    tls: bool,
    base: String,
    headers: HeaderMap,
    timeout: Duration,
    /// When set, every request ends by then too: the timeout is a total
    /// across requests (curl's `--max-time`), not per request.
    deadline: Option<Instant>,
    path: PathTemplate,
    trace: Option<Tracer>,
    /// The query string of every upsert (encoded, without `?`); empty
    /// for none.
    query: String,
}

impl Client {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:8000`; a
    /// path prefix is kept).
    ///
    /// # Errors
    /// [`Failure::Usage`] for a URL that is not http(s), a header that is
    /// not valid, or a proxy variable that cannot be used
    /// ([`proxy::check_for`]).
    pub fn new(base: &str, opts: &Options) -> Result<Client, Failure> {
        let url = parse_base(base)?;
        proxy::check_for(url.as_str())?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        headers.insert(USER_AGENT, HeaderValue::from_static(AGENT));
        for (name, value) in &opts.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Failure::Usage(format!("invalid header name `{name}`")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| Failure::Usage(format!("invalid value for header `{name}`")))?;
            headers.insert(name, value);
        }
        Ok(Client {
            http: std::sync::OnceLock::new(),
            follow: opts.follow,
            tls: opts.follow || url.scheme() == "https",
            base: base.to_owned(),
            headers,
            timeout: opts.timeout,
            deadline: None,
            path: opts.path.clone(),
            trace: opts.trace.clone(),
            query: String::new(),
        })
    }

    /// The headers of a GET: all but `content-type` (a GET has no body).
    fn get_headers(&self) -> HeaderMap {
        let mut headers = self.headers.clone();
        headers.remove(CONTENT_TYPE);
        headers
    }

    /// reqwest's client, built on first use.
    ///
    /// # Errors
    /// [`Failure::Setup`] when the TLS stack cannot be set up.
    fn http(&self) -> Result<&reqwest::Client, Failure> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        // reqwest is built without a default crypto provider; ring is ours.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let policy = if self.follow {
            reqwest::redirect::Policy::limited(10)
        } else {
            reqwest::redirect::Policy::none()
        };
        let builder = if self.tls {
            reqwest::Client::builder()
        } else {
            reqwest::Client::builder().tls_certs_only(std::iter::empty())
        };
        let http = builder
            .redirect(policy)
            .proxy(proxy::for_reqwest())
            .build()
            .map_err(|e| Failure::setup("cannot set up the HTTP client", e))?;
        Ok(self.http.get_or_init(|| http))
    }

    /// Shows `note` where `-v` shows exchanges (nothing without `-v`).
    pub fn note(&self, note: &str) {
        if let Some(Tracer(f)) = &self.trace {
            f(Event::Note(note));
        }
    }

    /// Shows an exchange where `-v` shows them.
    fn traced(&self, method: &str, url: &str, body: &[u8], response: Result<Answered<'_>, String>) {
        if let Some(Tracer(f)) = &self.trace {
            let headers = if method == "GET" {
                self.get_headers()
            } else {
                self.headers.clone()
            };
            f(Event::Exchange(&Traced {
                method,
                url,
                request_headers: header_pairs(&headers),
                request_body: body,
                response,
            }));
        }
    }

    /// [`Client::traced`] of an exchange made, or of why none was.
    fn traced_exchange(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
        got: &Result<Exchange, impl std::fmt::Display>,
    ) {
        let response = match got {
            Ok(ex) => Ok(Answered {
                status: ex.status,
                headers: ex.headers.clone(),
                body: &ex.body,
            }),
            Err(e) => Err(e.to_string()),
        };
        self.traced(method, url, body, response);
    }

    /// Adds these query parameters to every upsert's URL, form-encoded
    /// (`a b&c` → `a+b%26c`), as xh and browsers encode them.
    pub fn with_query(mut self, pairs: &[(String, String)]) -> Client {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        self.query = query.finish();
        self
    }

    /// Applies headers from request items after the defaults and the
    /// `-H` flags, as xh does: a name's first item replaces the header
    /// of that name, a repeated name sends each value, and `None` leaves
    /// the header out (until a later item of that name). The order of the
    /// other headers is kept.
    ///
    /// # Errors
    /// [`Failure::Usage`] for a header name or value that is not valid.
    pub fn with_request_headers(
        mut self,
        items: &[(String, Option<String>)],
    ) -> Result<Client, Failure> {
        let mut list: Vec<(HeaderName, HeaderValue)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut touched: Vec<HeaderName> = Vec::new();
        for (name, value) in items {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Failure::Usage(format!("invalid header name `{name}`")))?;
            if !touched.contains(&name) {
                list.retain(|(k, _)| *k != name);
                touched.push(name.clone());
            }
            match value {
                Some(v) => {
                    let v = HeaderValue::from_str(v).map_err(|_| {
                        Failure::Usage(format!("invalid value for header `{name}`"))
                    })?;
                    list.push((name, v));
                }
                None => list.retain(|(k, _)| *k != name),
            }
        }
        let mut headers = HeaderMap::new();
        for (k, v) in list {
            headers.append(k, v);
        }
        self.headers = headers;
        Ok(self)
    }

    /// Makes the timeout a total from now on: every later request, and all
    /// of them together, end within it (as curl's `--max-time`), so that a
    /// command that sends several requests (discovery, then the PUT) takes
    /// no longer than the timeout given.
    pub fn with_total_timeout(mut self) -> Client {
        self.deadline = Some(Instant::now() + self.timeout);
        self
    }

    /// How long the next request may take: the timeout, or what is left
    /// of the total (at least a millisecond, so that a spent total fails
    /// as a timeout).
    fn limit(&self) -> Duration {
        let left = self.deadline.map_or(self.timeout, |d| {
            d.saturating_duration_since(Instant::now())
        });
        self.timeout.min(left).max(Duration::from_millis(1))
    }

    /// The pause before retry `attempt` (1-based): the back-off, cut to
    /// what is left of the total; `None` when the total is spent.
    fn retry_pause(&self, attempt: u32) -> Option<Duration> {
        let pause = backoff(attempt);
        match self.deadline {
            None => Some(pause),
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                (!left.is_zero()).then(|| pause.min(left))
            }
        }
    }

    /// Whether the total is spent (never without one).
    fn spent(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Why there is no response when the total ran out between retries:
    /// the last attempt's cause, and how many of the `1 + retry` were made.
    fn ran_out(&self, why: &str, made: u32, retry: u32) -> String {
        format!(
            "{why}; the timeout of {} (retries included) ran out after {made} of {} attempts: allow more time with --timeout",
            humantime::format_duration(self.timeout),
            retry.saturating_add(1)
        )
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The URL of the item `id` (percent-encoded into the path).
    ///
    /// # Errors
    /// [`Failure::Usage`] for a bad base URL.
    pub fn item_url(&self, id: &str) -> Result<String, Failure> {
        self.url_of(&encode_id(id))
    }

    /// The upsert URL of an encoded id, with the query.
    fn url_of(&self, encoded_id: &str) -> Result<String, Failure> {
        let url = item_url_at(&self.base, &self.path, encoded_id)?;
        Ok(if self.query.is_empty() {
            url
        } else {
            format!("{url}?{}", self.query)
        })
    }

    /// Sends later upserts to `path` (a discovered endpoint).
    pub fn set_path(&mut self, path: PathTemplate) {
        self.path = path;
    }

    /// `GET url` (absolute), with the configured headers: the status and
    /// the whole body (at most [`MAX_RESPONSE_BYTES`]).
    ///
    /// # Errors
    /// [`Failure::NoResponse`] when no complete response arrived;
    /// [`Failure::Setup`] when reqwest's client cannot be set up.
    pub async fn get(&self, url: &str) -> Result<(u16, Bytes), Failure> {
        let sent = self
            .http()?
            .get(url)
            .headers(self.get_headers())
            .timeout(self.limit())
            .send()
            .await;
        let got = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = self
                    .trace
                    .as_ref()
                    .map(|_| header_pairs(resp.headers()))
                    .unwrap_or_default();
                match read_capped(resp, url).await? {
                    Ok(body) => Ok((status, headers, body)),
                    Err(e) => Err(describe(&e, url, self.timeout)),
                }
            }
            Err(e) => Err(describe(&e, url, self.timeout)),
        };
        match got {
            Ok((status, headers, body)) => {
                self.traced(
                    "GET",
                    url,
                    b"",
                    Ok(Answered {
                        status,
                        headers,
                        body: &body,
                    }),
                );
                Ok((status, body))
            }
            Err(why) => {
                self.traced("GET", url, b"", Err(why.clone()));
                Err(Failure::NoResponse(why))
            }
        }
    }

    /// The request `put(id, body)` sends, as it goes on the wire.
    ///
    /// # Errors
    /// [`Failure::Usage`] for a bad URL.
    pub fn outgoing(&self, id: &str, body: Bytes) -> Result<Outgoing, Failure> {
        let url = self.url_of(&encode_id(id))?;
        let parsed = parse_base(&self.base)?;
        let host = match parsed.port() {
            Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or("")),
            None => parsed.host_str().unwrap_or("").to_owned(),
        };
        let target = url
            .find("://")
            .and_then(|i| url[i + 3..].find('/').map(|j| url[i + 3 + j..].to_owned()))
            .unwrap_or_else(|| "/".into());
        // A host header given replaces the URL's.
        let mut headers = Vec::new();
        if !self.headers.contains_key(reqwest::header::HOST) {
            headers.push(("host".to_owned(), host));
        }
        for (k, v) in &self.headers {
            headers.push((
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            ));
        }
        headers.push(("content-length".into(), body.len().to_string()));
        Ok(Outgoing {
            method: "PUT",
            url,
            target,
            headers,
            body,
        })
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
    /// backoff from 100 ms to 2 s) when the connection fails; with a total
    /// ([`Client::with_total_timeout`]) the retries and their pauses end
    /// with it.
    ///
    /// # Errors
    /// As [`Client::put`], for the last attempt.
    pub async fn put_retrying(
        &self,
        id: &str,
        body: Bytes,
        retry: u32,
    ) -> Result<Exchange, Failure> {
        let url = self.url_of(&encode_id(id))?;
        if needs_wire(id, &url) {
            let got = self.put_by_hand(id, body.clone(), retry).await;
            self.traced_exchange("PUT", &url, &body, &got);
            return got;
        }
        self.send_put(&url, body, retry).await
    }

    /// `PUT` with the id percent-encoded as given (`%41` for `A`): the
    /// identity check's other spelling of an id.
    ///
    /// # Errors
    /// As [`Client::put`].
    pub async fn put_encoded(&self, encoded_id: &str, body: Bytes) -> Result<Exchange, Failure> {
        let url = self.url_of(encoded_id)?;
        self.send_put(&url, body, 0).await
    }

    async fn send_put(&self, url: &str, body: Bytes, retry: u32) -> Result<Exchange, Failure> {
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let sent = self
                .http()?
                .put(url)
                .headers(self.headers.clone())
                .body(body.clone())
                .timeout(self.limit())
                .send()
                .await;
            let err = match sent {
                Ok(resp) => {
                    let status = resp.status();
                    let version = format!("{:?}", resp.version());
                    let headers = header_pairs(resp.headers());
                    match read_capped(resp, &self.base).await? {
                        Ok(got) => {
                            let ex = Exchange {
                                version,
                                status: status.as_u16(),
                                reason: status.canonical_reason().unwrap_or(""),
                                headers,
                                body: got,
                                elapsed: started.elapsed(),
                            };
                            self.traced(
                                "PUT",
                                url,
                                &body,
                                Ok(Answered {
                                    status: ex.status,
                                    headers: ex.headers.clone(),
                                    body: &ex.body,
                                }),
                            );
                            return Ok(ex);
                        }
                        Err(e) => e,
                    }
                }
                Err(e) => e,
            };
            let why = describe(&err, &self.base, self.timeout);
            self.traced("PUT", url, &body, Err(why.clone()));
            if err.is_connect() && attempt < retry {
                attempt += 1;
                if let Some(pause) = self.retry_pause(attempt) {
                    tokio::time::sleep(pause).await;
                    if !self.spent() {
                        continue;
                    }
                }
                return Err(Failure::NoResponse(self.ran_out(&why, attempt, retry)));
            }
            return Err(Failure::NoResponse(why));
        }
    }

    /// The PUT over HTTP/1.1 by hand, for a target reqwest cannot carry
    /// exactly (plain http only; through the environment's proxy like
    /// reqwest).
    async fn put_by_hand(&self, id: &str, body: Bytes, retry: u32) -> Result<Exchange, Failure> {
        let out = self.outgoing(id, body)?;
        let parsed = parse_base(&self.base)?;
        if parsed.scheme() != "http" {
            return Err(Failure::Usage(format!(
                "the id cannot be sent over https: a target of {} bytes is over the HTTP library's limit of {MAX_URI_LEN}, or `{id}` is a dot segment it would normalise; use an http:// URL",
                out.target.len()
            )));
        }
        let proxy = proxy_for(&self.base);
        let (connect, target) = match &proxy {
            Some(p) => (parse_base(p)?, out.url.clone()),
            None => (parsed.clone(), out.target.clone()),
        };
        let mut req = format!("PUT {target} HTTP/1.1\r\n").into_bytes();
        for (k, v) in &out.headers {
            req.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        req.extend_from_slice(b"connection: close\r\n\r\n");
        req.extend_from_slice(&out.body);
        let host = connect
            .host_str()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_owned();
        let port = connect.port_or_known_default().unwrap_or(80);
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let stream = match tokio::time::timeout(
                self.limit(),
                tokio::net::TcpStream::connect((host.as_str(), port)),
            )
            .await
            {
                Ok(Ok(s)) => s,
                Ok(Err(e)) if attempt < retry => {
                    attempt += 1;
                    if let Some(pause) = self.retry_pause(attempt) {
                        tokio::time::sleep(pause).await;
                        if !self.spent() {
                            continue;
                        }
                    }
                    let why = cannot_connect(&self.base, proxy.as_deref(), &wire::io_reason(&e));
                    return Err(Failure::NoResponse(self.ran_out(&why, attempt, retry)));
                }
                Ok(Err(e)) => {
                    return Err(Failure::NoResponse(cannot_connect(
                        &self.base,
                        proxy.as_deref(),
                        &wire::io_reason(&e),
                    )));
                }
                Err(_) => {
                    return Err(Failure::NoResponse(format!(
                        "no response from {}: timed out after {}",
                        self.base,
                        humantime::format_duration(self.timeout)
                    )));
                }
            };
            let mut stream = stream;
            let got = tokio::time::timeout(
                self.limit(),
                wire::request(&mut stream, &req, MAX_RESPONSE_BYTES),
            )
            .await;
            return match got {
                Ok(Ok(r)) => Ok(Exchange::from_wire(r, started)),
                Ok(Err(why)) => Err(Failure::NoResponse(format!(
                    "connected to {}, but {why}",
                    self.base
                ))),
                Err(_) => Err(Failure::NoResponse(format!(
                    "no response from {}: timed out after {}",
                    self.base,
                    humantime::format_duration(self.timeout)
                ))),
            };
        }
    }

    /// Waits until the server answers any HTTP request (a GET of the base
    /// URL), trying for up to `wait` and at least `1 + retry` times, with
    /// backoff. Each try may take the client's timeout, but no longer than
    /// what is left of `wait` (when some is). Returns how long it took.
    ///
    /// # Errors
    /// [`Failure::NoResponse`] with the last error when nothing answered.
    pub async fn wait(&self, wait: Duration, retry: u32) -> Result<Duration, Failure> {
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            let left = wait.saturating_sub(started.elapsed());
            let limit = if left.is_zero() {
                self.limit()
            } else {
                self.limit().min(left)
            };
            let tried = self
                .http()?
                .get(&self.base)
                .headers(self.get_headers())
                .timeout(limit)
                .send()
                .await;
            match tried {
                Ok(_) => return Ok(started.elapsed()),
                Err(err) => {
                    attempt += 1;
                    let elapsed = started.elapsed();
                    if elapsed >= wait && attempt > retry {
                        return Err(Failure::NoResponse(describe(&err, &self.base, limit)));
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

/// Whether reqwest cannot carry this request target exactly.
fn needs_wire(id: &str, url: &str) -> bool {
    id == "." || id == ".." || url.len() > MAX_URI_LEN
}

/// The pause before retry `attempt` (1-based): 100 ms doubling, at most 2 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(100u64 << (attempt - 1).min(4)).min(Duration::from_secs(2))
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
    format!("{:016x}", random_u64())
}

/// 128 random bits (two [`random_u64`]s).
pub fn random_u128() -> u128 {
    (u128::from(random_u64()) << 64) | u128::from(random_u64())
}

/// 64 bits from the standard library's randomly seeded hasher, a counter
/// and the clock: unique per call, not for cryptography.
pub fn random_u64() -> u64 {
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
    h.finish()
}

/// `cannot connect to URL: cause`, or, through a proxy, `cannot connect to
/// the proxy P (from the environment) for URL: cause`.
fn cannot_connect(base: &str, proxy: Option<&str>, cause: &str) -> String {
    match proxy {
        Some(p) => {
            format!("cannot connect to the proxy {p} (from the environment) for {base}: {cause}")
        }
        None => format!("cannot connect to {base}: {cause}"),
    }
}

/// One line for a transport error that names the real cause: could not
/// connect (and to what: the server or the proxy), the server does not
/// speak TLS, connected but no response in time, a broken or garbled
/// response, too many redirects.
fn describe(err: &reqwest::Error, base: &str, timeout: Duration) -> String {
    let cause = root_cause(err);
    let proxy = proxy_for(base);
    if is_plain_http_answer(err) {
        let plain = base.replacen("https://", "http://", 1);
        return format!(
            "the server at {base} does not speak TLS (it answered like plain HTTP): use {plain}"
        );
    }
    if cause.contains("tls handshake eof") {
        let plain = base.replacen("https://", "http://", 1);
        return format!(
            "the server at {base} closed the connection during the TLS handshake: if it speaks plain HTTP, use {plain}"
        );
    }
    if err.is_connect() {
        if err.is_timeout() {
            return cannot_connect(base, proxy.as_deref(), "timed out");
        }
        return cannot_connect(base, proxy.as_deref(), &cause);
    }
    if err.is_timeout() {
        return format!(
            "no response from {base}: timed out after {} (connected, but no complete response)",
            humantime::format_duration(timeout)
        );
    }
    if err.is_redirect() {
        return format!("{base}: too many redirects");
    }
    if err.is_body() || err.is_decode() {
        return format!("incomplete response from {base}: {cause}");
    }
    if cause.contains("connection closed before message completed") {
        return format!(
            "connected to {base}, but the server closed the connection without answering"
        );
    }
    if is_parse_error(err) {
        return format!("connected to {base}, but the answer is not HTTP: {cause}");
    }
    format!("request to {base} failed: {cause}")
}

/// A TLS handshake that got plain HTTP back (rustls: `InvalidContentType`).
fn is_plain_http_answer(err: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) =
            e.downcast_ref::<rustls::Error>()
        {
            return true;
        }
        if e.to_string().contains("InvalidContentType") {
            return true;
        }
        current = e.source();
    }
    false
}

/// A response hyper could not parse (garbage instead of HTTP).
fn is_parse_error(err: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(h) = e.downcast_ref::<hyper::Error>()
            && h.is_parse()
        {
            return true;
        }
        current = e.source();
    }
    false
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

    fn client() -> Client {
        let opts = Options {
            headers: vec![("X-Flag".into(), "f".into()), ("X-Keep".into(), "k".into())],
            ..Options::default()
        };
        Client::new("http://h:1/api", &opts).unwrap()
    }

    #[test]
    fn query_items_are_form_encoded() {
        let pairs = [("q", "a b&c=d"), ("é", "☃"), ("q", ""), ("+", "%")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let c = client().with_query(&pairs);
        assert_eq!(
            c.item_url("x y").unwrap(),
            "http://h:1/api/items/x%20y?q=a+b%26c%3Dd&%C3%A9=%E2%98%83&q=&%2B=%25"
        );
        assert_eq!(
            c.outgoing("x", Bytes::new()).unwrap().target,
            "/api/items/x?q=a+b%26c%3Dd&%C3%A9=%E2%98%83&q=&%2B=%25"
        );
        assert_eq!(
            client().with_query(&[]).item_url("x").unwrap(),
            "http://h:1/api/items/x"
        );
    }

    #[test]
    fn header_items_replace_repeat_and_unset() {
        let items = [
            ("x-flag", Some("i1")),
            ("X-Flag", Some("i2")),
            ("user-agent", None),
            ("content-type", Some("text/plain")),
            ("x-gone", Some("g")),
            ("X-Gone", None),
            ("x-back", None),
            ("x-back", Some("b")),
            ("host", Some("example.com")),
        ]
        .map(|(k, v)| (k.to_owned(), v.map(str::to_owned)));
        let c = client().with_request_headers(&items).unwrap();
        let out = c.outgoing("x", Bytes::from_static(b"{}")).unwrap();
        let shown: Vec<String> = out
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        assert_eq!(
            shown,
            [
                "accept: */*",
                "x-keep: k",
                "x-flag: i1",
                "x-flag: i2",
                "content-type: text/plain",
                "x-back: b",
                "host: example.com",
                "content-length: 2",
            ]
        );
        let bad = [("x".to_owned(), Some("a\nb".to_owned()))];
        assert!(client().with_request_headers(&bad).is_err());
    }
}
