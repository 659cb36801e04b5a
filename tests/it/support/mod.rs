//! Shared test harness: an in-process server per test, the real `serve`
//! binary as a child process, the `itemctl` builder ([`cmd`]), raw HTTP
//! ([`http`]) and scripted servers ([`scripted`], [`broken`]).

pub mod broken;
pub mod cmd;
pub mod front;
pub mod http;
pub mod scripted;

pub use cmd::itemctl;
pub use http::{RawResponse, Req, raw_exchange};
pub use scripted::Scripted;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, Command as StdCommand, Stdio};

use itemctl::reference::json::Value;
use itemctl::server::store::{Store, Stored};
use itemctl::server::{App, Server};

/// An `itemctl serve` running inside the test process on 127.0.0.1:0.
pub struct TestServer {
    pub url: String,
    pub addr: SocketAddr,
    pub app: std::sync::Arc<App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Seeded like the reference (foo, bar).
    pub fn start() -> Self {
        Self::with_items(itemctl::reference::item::seed())
    }

    pub fn with_items(items: Vec<(String, Value)>) -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let items = items.into_iter().map(|(k, v)| (k, Stored::of(&v)));
                let app = App::new(Store::with_items(items), true);
                let server = Server::bind("127.0.0.1:0".parse().unwrap(), app)
                    .await
                    .expect("bind");
                tx.send((server.local_addr().unwrap(), server.app()))
                    .unwrap();
                server
                    .run(async {
                        let _ = stop_rx.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        let (addr, app) = rx.recv().expect("server started");
        TestServer {
            url: format!("http://{addr}"),
            addr,
            app,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Sends raw bytes and reads until the server closes the connection.
    pub fn raw(&self, request: &[u8]) -> Vec<u8> {
        raw_exchange(self.addr, request)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A port nobody listens on (bound, then released).
pub fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Sends signal `name` (`TERM`, `INT`) to a process, with kill(1): no libc
/// dependency for one signal.
pub fn signal(pid: u32, name: &str) {
    let _ = StdCommand::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status();
}

/// `itemctl serve` as a child process on port 0.
pub struct ServeProcess {
    pub child: Child,
    pub url: String,
    pub stderr: Option<BufReader<ChildStderr>>,
}

impl ServeProcess {
    /// On a free port, with extra `serve` arguments.
    pub fn start(args: &[&str]) -> ServeProcess {
        Self::spawn(0, args)
    }

    /// On a given port, quiet.
    pub fn start_on(port: u16) -> ServeProcess {
        Self::spawn(port, &["--quiet"])
    }

    fn spawn(port: u16, args: &[&str]) -> ServeProcess {
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("itemctl"))
            .args(["serve", "--port", &port.to_string()])
            .args(args)
            .env_remove("ITEMCTL_PORT")
            .env_remove("ITEMCTL_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).expect("first line");
        let url = first.trim().to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "first line was {first:?}"
        );
        let stderr = child.stderr.take().map(BufReader::new);
        ServeProcess { child, url, stderr }
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        self.child.wait().expect("wait")
    }

    /// Sends a signal (`TERM`, `INT`) without waiting.
    pub fn signal(&self, name: &str) {
        signal(self.child.id(), name);
    }

    /// The next stderr line (blocking).
    pub fn stderr_line(&mut self) -> String {
        let mut line = String::new();
        if let Some(r) = self.stderr.as_mut() {
            r.read_line(&mut line).expect("stderr line");
        }
        line
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
