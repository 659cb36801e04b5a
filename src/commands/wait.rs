//! `itemctl wait`: block until a server answers HTTP.

use std::time::Duration;

use super::{Threads, Verdict, interruptible, runtime};
use crate::cli::WaitArgs;
use crate::client::{self, Client};

/// Waits for the server at `--url`; says on stderr how long it took.
///
/// # Errors
/// [`crate::error::Failure::NoResponse`] when it did not answer within
/// `--timeout`; usage errors for a bad URL.
pub(super) fn run(args: &WaitArgs) -> anyhow::Result<Verdict> {
    let client = Client::new(
        &args.url,
        &client::Options {
            timeout: Duration::from_secs(2),
            ..client::Options::default()
        },
    )?;
    let took = runtime(Threads::One)?.block_on(interruptible(client.wait(args.timeout, 0)))?;
    eprintln!(
        "itemctl: {} answers (after {:.2}s)",
        args.url,
        took.as_secs_f64()
    );
    Ok(Verdict::Met)
}
