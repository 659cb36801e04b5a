//! `itemctl serve`: the stand-in for the reference app.

use std::io::Write;
use std::net::SocketAddr;

use super::{Threads, Verdict, runtime};
use crate::cli::ServeArgs;
use crate::error::Failure;
use crate::reference::item;
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
    let config = server::Config {
        quiet: args.quiet,
        max_body: args.max_body,
        header_timeout: args.header_timeout,
        max_connections: args.max_connections,
    };
    let store = Store::with_items(items).with_max_items(args.max_items);
    let app = App::with_config(store, &config);
    if !args.host.is_loopback() {
        eprintln!(
            "itemctl: warning: listening on {}, beyond this machine: PUT /items/{{id}} has no authentication",
            args.host
        );
    }
    runtime(Threads::PerCpu)?.block_on(async {
        let addr = SocketAddr::new(args.host, args.port);
        let server = Server::bind(addr, app)
            .await
            .map_err(|e| Failure::setup(format!("cannot listen on {addr}"), e))?;
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
