//! `itemctl serve`: the connection loop that answers like the reference app.
//!
//! The HTTP grammar is [`crate::reference::h11`] (h11's), routing is [`crate::reference::routing`],
//! bodies are [`crate::reference::validation`], rendering is [`crate::reference::render`]; this module
//! ties them to sockets: reading requests (pipelined or not), `100 Continue`,
//! writing responses with uvicorn's headers, keep-alive, the access log, and
//! the graceful shutdown on SIGINT/SIGTERM.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::task::TaskTracker;

use self::access_log::AccessLog;
use self::connection::Connection;
use crate::server::store::Store;

mod access_log;
mod admin;
mod connection;
mod cors;
pub mod faults;
mod handlers;
mod response;
pub mod state;
pub mod store;

pub use self::access_log::LogFormat;

/// How long in-flight requests get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// uvicorn's `--timeout-keep-alive` default: an idle keep-alive connection
/// is closed after this long.
const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a fresh connection may stay silent before its first byte.
/// uvicorn has no limit here (its keep-alive timer starts only after a
/// response); an idle connection is otherwise held for ever, so this is a
/// documented divergence, far above the reference's own 5 s keep-alive.
const FRESH_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a request body may go without a byte arriving.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time a request head may take from its first byte to its blank
/// line (slow-loris clients are cut off after it).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default most connections served at once; more wait in the listen backlog.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Bodies above this many bytes are refused with 413 (the reference has no
/// limit; this one is far above the tens of MB it is known to take).
pub const DEFAULT_MAX_BODY: u64 = 256 * 1024 * 1024;

/// Server settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// No access log.
    pub quiet: bool,
    /// Largest accepted request body, in bytes.
    pub max_body: u64,
    /// Time from a request head's first byte to its end.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// The access log's format.
    pub log_format: LogFormat,
    /// `--admin`: the control API, keeping this many requests in the
    /// journal.
    pub admin_journal: Option<usize>,
    /// The fault settings at start.
    pub faults: faults::Settings,
    /// `--cors`: the allowed origin (`*` for any).
    pub cors: Option<String>,
    /// The items `DELETE /__itemctl/items` resets to.
    pub seed: Vec<(String, crate::reference::item::Item)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            quiet: false,
            max_body: DEFAULT_MAX_BODY,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            log_format: LogFormat::Text,
            admin_journal: None,
            faults: faults::Settings::default(),
            cors: None,
            seed: Vec::new(),
        }
    }
}

/// The shared state of a running server.
#[derive(Debug)]
pub struct App {
    /// The items.
    pub store: Store,
    log: Option<AccessLog>,
    max_body: u64,
    header_timeout: Duration,
    max_connections: usize,
    admin: Option<admin::Admin>,
    faults: faults::Faults,
    cors: Option<cors::Cors>,
    state: Option<state::State>,
}

impl App {
    /// An app over `store`, logging one line per request to stderr unless
    /// `quiet`.
    pub fn new(store: Store, quiet: bool) -> Self {
        Self::with_config(
            store,
            &Config {
                quiet,
                ..Config::default()
            },
        )
    }

    /// An app over `store` with explicit settings.
    pub fn with_config(store: Store, config: &Config) -> Self {
        App {
            store,
            log: (!config.quiet).then(|| AccessLog::spawn(config.log_format)),
            max_body: config.max_body,
            header_timeout: config.header_timeout,
            max_connections: config.max_connections.max(1),
            admin: config
                .admin_journal
                .map(|n| admin::Admin::new(n, config.seed.clone())),
            faults: faults::Faults::new(config.faults.clone()),
            cors: config.cors.as_deref().map(cors::Cors::new),
            state: None,
        }
    }

    /// Keeps the items in a state file too (`--state`).
    pub fn with_state(mut self, state: state::State) -> Self {
        self.state = Some(state);
        self
    }

    /// Resets the store to `items` (and the state file, in the same order
    /// as upserts); returns the commit to wait for with `--state`.
    fn reset(&self, items: &[(String, crate::reference::item::Item)]) -> Option<handlers::Durable> {
        let mut durable = None;
        self.store.reset_then(items, || {
            durable = self.state.as_ref().map(|s| s.reset(items));
        });
        durable
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

    /// Serves until `shutdown` completes; then stops accepting, closes idle
    /// connections, lets requests in flight finish (up to 10 s, answered
    /// with `Connection: close`), and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let local = self.listener.local_addr()?;
        let server_ip: Arc<str> = local.ip().to_string().into();
        let tracker = TaskTracker::new();
        let (stop_tx, stop_rx) = watch::channel(false);
        let slots = Arc::new(tokio::sync::Semaphore::new(self.app.max_connections));
        tokio::pin!(shutdown);
        loop {
            // At the connection limit, stop accepting until one ends: the
            // kernel's listen backlog holds the rest.
            let permit = tokio::select! {
                permit = Arc::clone(&slots).acquire_owned() => match permit {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
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
                    let conn = Connection {
                        app: Arc::clone(&self.app),
                        peer,
                        server_ip: Arc::clone(&server_ip),
                        server_port: local.port(),
                        stop: stop_rx.clone(),
                    };
                    tracker.spawn(async move {
                        conn.serve(stream).await;
                        drop(permit);
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        let _ = stop_tx.send(true);
        tracker.close();
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait()).await;
        Ok(())
    }
}

/// `http://host:port` for a bound address (`[…]` around IPv6).
pub fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// Registers SIGINT and SIGTERM handlers now (so a signal that arrives
/// before the server runs is not lost to the default action) and returns a
/// future that resolves on either.
///
/// Errors: the OS refused to install a handler.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
