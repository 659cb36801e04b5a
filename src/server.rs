//! `itemctl serve`: an HTTP/1.1 server that answers like the reference app.
//!
//! The pieces of fidelity live elsewhere ([`crate::route`], [`crate::body`],
//! [`crate::serialize`]); this module is the transport: accepting
//! connections, reading bodies, building responses, the access log, and the
//! graceful shutdown on SIGINT/SIGTERM.

use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::body::{self, Parsed};
use crate::route::{self, DocsPage, Route, Target};
use crate::serialize;
use crate::store::{Store, Upserted};

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// `documented_app.py`'s OpenAPI schema, as the reference serves it (the one
/// intended divergence from `reference_app.py`: the 201 is documented).
const OPENAPI_JSON: &str = include_str!("docs/openapi.json");
const SWAGGER_UI_HTML: &str = include_str!("docs/swagger-ui.html");
const REDOC_HTML: &str = include_str!("docs/redoc.html");
const OAUTH2_REDIRECT_HTML: &str = include_str!("docs/oauth2-redirect.html");

/// How long in-flight requests get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The shared state of a running server.
#[derive(Debug)]
pub struct App {
    /// The items.
    pub store: Store,
    log: Option<AccessLog>,
}

impl App {
    /// An app over `store`, logging one line per request to stderr unless
    /// `quiet`.
    pub fn new(store: Store, quiet: bool) -> Self {
        App {
            store,
            log: (!quiet).then(AccessLog::spawn),
        }
    }
}

/// The access log: lines go through a channel to a writer thread, so a slow
/// stderr never holds up a response.
#[derive(Debug)]
struct AccessLog {
    tx: std::sync::mpsc::Sender<String>,
}

impl AccessLog {
    fn spawn() -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            let stderr = std::io::stderr();
            let mut out = std::io::BufWriter::new(stderr.lock());
            while let Ok(line) = rx.recv() {
                let _ = writeln!(out, "{line}");
                while let Ok(line) = rx.try_recv() {
                    let _ = writeln!(out, "{line}");
                }
                let _ = out.flush();
            }
        });
        AccessLog { tx }
    }

    fn record(&self, method: &Method, target: &str, status: StatusCode, elapsed: Duration) {
        let _ = self.tx.send(format!(
            "{method} {target} {} {:.3}ms",
            status.as_u16(),
            elapsed.as_secs_f64() * 1000.0
        ));
    }
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    ///
    /// Errors: the bind error (address in use, permission denied).
    pub async fn bind(addr: SocketAddr, app: App) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Server {
            listener,
            app: Arc::new(app),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:43117`.
    pub fn base_url(&self) -> std::io::Result<String> {
        Ok(base_url(self.local_addr()?))
    }

    /// The shared state (for tests and the embedded server).
    pub fn app(&self) -> Arc<App> {
        Arc::clone(&self.app)
    }

    /// Serves until `shutdown` completes, then stops accepting, lets requests
    /// in flight finish (up to 10 s), and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let local = self.listener.local_addr()?;
        let server_name = server_name(local);
        let graceful = GracefulShutdown::new();
        let mut builder = http1::Builder::new();
        builder.keep_alive(true);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(conn) => conn,
                        Err(_) => {
                            // Out of descriptors and the like: back off, keep serving.
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let app = Arc::clone(&self.app);
                    let server_name = server_name.clone();
                    let service = service_fn(move |req| {
                        let app = Arc::clone(&app);
                        let server_name = server_name.clone();
                        async move { Ok::<_, Infallible>(handle(&app, req, peer, &server_name).await) }
                    });
                    let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
        Ok(())
    }
}

/// `http://host:port` for a bound address (`[…]` around IPv6).
pub fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// Starlette's `host[:port]` from the socket address, the port left out
/// when it is 80.
fn server_name(addr: SocketAddr) -> Arc<str> {
    let host = match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => a.ip().to_string(),
    };
    if addr.port() == 80 {
        host.into()
    } else {
        format!("{host}:{}", addr.port()).into()
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Headers as Latin-1 text (Starlette decodes them so).
fn latin1(v: &HeaderValue) -> String {
    v.as_bytes().iter().map(|&b| char::from(b)).collect()
}

/// The scheme after uvicorn's proxy-headers middleware: a trusted client
/// (127.0.0.1) may set it with the last `X-Forwarded-Proto`, stripped, if it
/// is exactly `http`, `https`, `ws` or `wss`.
fn scheme(headers: &HeaderMap, peer: SocketAddr) -> String {
    let trusted = peer.ip() == std::net::Ipv4Addr::LOCALHOST;
    if trusted && let Some(v) = headers.get_all("x-forwarded-proto").iter().next_back() {
        let proto = latin1(v);
        let proto = proto.trim();
        if matches!(proto, "http" | "https" | "ws" | "wss") {
            return proto.to_owned();
        }
    }
    "http".to_owned()
}

async fn handle(
    app: &App,
    req: Request<Incoming>,
    peer: SocketAddr,
    server_name: &str,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    // An absolute-form target is matched literally, as uvicorn does.
    let target: String = match parts.uri.scheme() {
        Some(_) => parts.uri.to_string(),
        None => parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
    };
    let (raw_path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target.as_str(), None),
    };
    let host = parts.headers.get(header::HOST).map(latin1);
    let scheme = scheme(&parts.headers, peer);
    let route = route::route(&Target {
        method: parts.method.as_str(),
        raw_path,
        query,
        host: host.as_deref(),
        scheme: &scheme,
        server: server_name,
    });
    let response = match route {
        Route::Upsert { id } => {
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .map(HeaderValue::as_bytes);
            match body.collect().await {
                Ok(collected) => upsert(app, &id, content_type, &collected.to_bytes()),
                // The client went away mid-body; nobody reads this answer.
                Err(_) => text(StatusCode::BAD_REQUEST, "Invalid HTTP request received."),
            }
        }
        Route::Docs(page) => docs(page),
        Route::MethodNotAllowed { allow } => {
            let mut r = json(
                StatusCode::METHOD_NOT_ALLOWED,
                br#"{"detail":"Method Not Allowed"}"#.to_vec(),
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            r
        }
        Route::Redirect { location } => redirect(&location),
        Route::NotFound => json(StatusCode::NOT_FOUND, br#"{"detail":"Not Found"}"#.to_vec()),
    };
    let response = if parts.method == Method::HEAD {
        without_body(response)
    } else {
        response
    };
    if let Some(log) = &app.log {
        log.record(&parts.method, &target, response.status(), started.elapsed());
    }
    response
}

/// The handler: validate, store, render (in the reference's order, so a
/// name that cannot be rendered is stored before the 500).
fn upsert(app: &App, id: &str, content_type: Option<&[u8]>, body: &[u8]) -> Response<Full<Bytes>> {
    match body::parse_upsert(content_type, body) {
        Parsed::Item(item) => {
            let mut out = Vec::with_capacity(64);
            let rendered = serialize::write_item(&mut out, item.name.as_ref(), item.size.as_ref());
            let status = match app.store.upsert(id, item) {
                Upserted::Created => StatusCode::CREATED,
                Upserted::Replaced => StatusCode::OK,
            };
            match rendered {
                Ok(()) => json(status, out),
                Err(_) => internal_error(),
            }
        }
        Parsed::Invalid(detail) => json(StatusCode::UNPROCESSABLE_ENTITY, detail),
        Parsed::BadRequest => json(
            StatusCode::BAD_REQUEST,
            br#"{"detail":"There was an error parsing the body"}"#.to_vec(),
        ),
        Parsed::Unrenderable => internal_error(),
    }
}

fn docs(page: DocsPage) -> Response<Full<Bytes>> {
    let (content_type, body) = match page {
        DocsPage::OpenApi => (JSON, OPENAPI_JSON),
        DocsPage::SwaggerUi => (HTML, SWAGGER_UI_HTML),
        DocsPage::ReDoc => (HTML, REDOC_HTML),
        DocsPage::OAuth2Redirect => (HTML, OAUTH2_REDIRECT_HTML),
    };
    respond(
        StatusCode::OK,
        Some(content_type),
        Bytes::from_static(body.as_bytes()),
    )
}

fn json(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    respond(status, Some(JSON), Bytes::from(body))
}

fn text(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    respond(status, Some(TEXT), Bytes::from_static(body.as_bytes()))
}

fn internal_error() -> Response<Full<Bytes>> {
    text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
}

fn redirect(location: &str) -> Response<Full<Bytes>> {
    let mut r = respond(StatusCode::TEMPORARY_REDIRECT, None, Bytes::new());
    match HeaderValue::from_str(location) {
        Ok(v) => {
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        // `quote` leaves only visible ASCII, so this cannot happen.
        Err(_) => internal_error(),
    }
}

fn respond(
    status: StatusCode,
    content_type: Option<&'static str>,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    let headers = r.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    if let Some(ct) = content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    *r.body_mut() = Full::new(body);
    r
}

/// A HEAD answer: the GET headers (content-length included), no body.
fn without_body(r: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    let (parts, _) = r.into_parts();
    Response::from_parts(parts, Full::new(Bytes::new()))
}
