//! `itemctl serve`: the stand-in for the reference app.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use super::common::{Threads, runtime};
use super::exit::Verdict;
use crate::cli::ServeArgs;
use crate::error::Failure;
use crate::reference::item;
use crate::server::state::State;
use crate::server::store::{self, SeedError, Store};
use crate::server::{self, App, Server};

/// Serves until SIGINT or SIGTERM; the first line on stdout is the base
/// URL bound.
///
/// # Errors
/// A malformed or unreadable `--seed` file ([`Failure::Input`] /
/// [`Failure::Usage`]); an address that cannot be bound or a failed
/// write of the URL ([`Failure::Setup`]).
pub(super) fn run(args: &ServeArgs) -> anyhow::Result<Verdict> {
    let items = if args.empty {
        Vec::new()
    } else if let Some(path) = &args.seed {
        store::load_seed(path).map_err(seed_failure)?
    } else {
        item::seed()
    };
    let faults = server::faults::Settings {
        delay: args.delay,
        fail_rate: args.fail_rate,
        fail_status: args.fail_status,
        drop_rate: args.drop_rate,
        seed: args.fault_seed,
    };
    // With --state, what the file holds is the store; a new file is seeded.
    let (state, stored) = match &args.state {
        Some(path) => {
            let (state, stored) = State::open(path).map_err(|e| Failure::Usage(e.to_string()))?;
            (Some(state), stored)
        }
        None => (None, None),
    };
    let config = server::Config {
        quiet: args.quiet,
        max_body: args.max_body,
        header_timeout: args.header_timeout,
        max_connections: args.max_connections,
        log_format: args.log_format,
        admin_journal: args.admin.then_some(args.journal),
        faults,
        cors: args.cors.clone(),
        seed: items.clone(),
    };
    let seed_file = stored.is_none();
    let store = Store::with_items(stored.unwrap_or(items.clone())).with_max_items(args.max_items);
    let mut app = App::with_config(store, &config);
    if let Some(state) = state {
        if seed_file {
            let committed = state.reset(&items).blocking_recv();
            if !matches!(committed, Ok(Ok(()))) {
                return Err(Failure::Usage(format!(
                    "--state: cannot write the seed items: {committed:?}"
                ))
                .into());
            }
        }
        app = app.with_state(state);
    }
    let addr = resolve(&args.host, args.port)?;
    let url_file = args.url_file.as_deref().map(UrlFile::clear).transpose()?;
    runtime(Threads::PerCpu)?.block_on(async {
        let server = Server::bind(addr, app)
            .await
            .map_err(|e| Failure::setup(format!("cannot listen on {addr}"), e))?;
        if !addr.ip().is_loopback() {
            let _ = writeln!(
                std::io::stderr(),
                "itemctl: warning: listening on {}, beyond this machine: PUT /items/{{id}} has no authentication",
                addr.ip()
            );
        }
        let shutdown = server::shutdown_signal()
            .map_err(|e| Failure::setup("cannot install the signal handlers", e))?;
        let url = server
            .base_url()
            .map_err(|e| Failure::setup("cannot read the bound address", e))?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{url}")
            .and_then(|()| stdout.flush())
            .map_err(|e| Failure::setup("cannot print the URL", e))?;
        drop(stdout);
        if let Some(file) = &url_file {
            file.write(&url)?;
        }
        server
            .run(shutdown)
            .await
            .map_err(|e| Failure::setup("the server stopped", e))?;
        Ok(Verdict::Met)
    })
}

/// A seed file that cannot be read is an input error with its OS cause;
/// one that is malformed names the file, line and column.
fn seed_failure(err: SeedError) -> Failure {
    match err {
        SeedError::Read { path, source } => {
            Failure::input(format!("cannot read the --seed file {path}"), source)
        }
        other => Failure::Usage(other.to_string()),
    }
}

/// `--host` and `--port` as one socket address: an IP address as it is, a
/// host name (`localhost`) through the system resolver, its first address.
///
/// # Errors
/// [`Failure::Usage`] when the name does not resolve.
fn resolve(host: &str, port: u16) -> Result<SocketAddr, Failure> {
    let bracketless = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bracketless.parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| {
            Failure::Usage(format!(
                "--host `{host}` is neither an IP address nor a host name this machine resolves"
            ))
        })
}

/// `--url-file`: the bound URL for `itemctl wait --url-file`, written
/// atomically (a temporary file renamed into place, so a reader never sees
/// half a line) and removed when serve exits.
struct UrlFile(PathBuf);

impl UrlFile {
    /// Removes a file left by an earlier run, so that nobody reads a stale
    /// URL while this server starts.
    ///
    /// # Errors
    /// [`Failure::Input`] when it exists and cannot be removed.
    fn clear(path: &Path) -> Result<UrlFile, Failure> {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Failure::input(
                    format!("cannot replace the --url-file {}", path.display()),
                    e,
                ));
            }
        }
        Ok(UrlFile(path.to_owned()))
    }

    /// Writes `url` and a newline.
    ///
    /// # Errors
    /// [`Failure::Input`] naming the file.
    fn write(&self, url: &str) -> Result<(), Failure> {
        let mut tmp = self.0.clone().into_os_string();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, format!("{url}\n"))
            .and_then(|()| std::fs::rename(&tmp, &self.0))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                Failure::input(
                    format!("cannot write the --url-file {}", self.0.display()),
                    e,
                )
            })
    }
}

impl Drop for UrlFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
