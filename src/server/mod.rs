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

use self::connection::Connection;

mod access_log;
mod admin;
mod app;
mod connection;
mod cors;
pub mod faults;
mod handlers;
mod journal;
mod limits;
mod response;
pub mod state;
pub mod store;

pub use self::access_log::LogFormat;
pub use self::app::{App, Config, Site};
use self::limits::SHUTDOWN_GRACE;
pub use self::limits::{DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_MAX_CONNECTIONS};

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// the bind error (address in use, permission denied).
    pub async fn bind(addr: SocketAddr, app: App) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Server {
            listener,
            app: Arc::new(app),
        })
    }

    /// The address actually bound.
    ///
    /// # Errors
    /// The socket's, should the OS not tell.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:43117`.
    ///
    /// # Errors
    /// As [`Server::local_addr`].
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
    ///
    /// # Errors
    /// As [`Server::local_addr`], before anything is served.
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
/// # Errors
/// the OS refused to install a handler.
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
