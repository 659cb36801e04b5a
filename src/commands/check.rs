//! `itemctl check`: the upsert contract of a server, with CI reports.

use std::io::Write;

use anstream::ColorChoice;

use super::{Threads, Verdict, interruptible, output, runtime, start_embedded};
use crate::check::{self, Tally, report};
use crate::cli::CheckArgs;
use crate::client::{self, Client};
use crate::error::Failure;

/// Runs the checks against `--url` (or the embedded server), prints the
/// report, and writes `--report FILE`.
///
/// # Errors
/// Usage errors, [`Failure::NoResponse`] when the server cannot be
/// reached, [`Failure::Interrupted`], or a failed write.
pub(super) fn run(args: &CheckArgs, color: ColorChoice) -> anyhow::Result<Verdict> {
    let client_options = client::Options {
        timeout: args.timeout,
        ..client::Options::default()
    };
    let embedded = args.url.is_none();
    let opts = check::Options {
        fastapi: args.fastapi || embedded,
        seeded: args.seeded || embedded,
        only: args.only.clone(),
        skip: args.skip.clone(),
        concurrency: usize::from(args.concurrency),
    };
    let (url, results) = runtime(Threads::Two)?.block_on(interruptible(async {
        let (client, stop) = match &args.url {
            Some(url) => {
                let client = Client::new(url, &client_options)?;
                client.wait(args.wait, args.retry).await?;
                (client, None)
            }
            None => {
                let (url, stop) = start_embedded().await?;
                (Client::new(&url, &client_options)?, Some(stop))
            }
        };
        let results = check::run(&client, &opts).await?;
        drop(stop);
        Ok::<_, Failure>((client.base().to_owned(), results))
    }))?;
    let text = report::render(args.format, &url, &results, output::stdout_is_terminal());
    let mut stdout = anstream::AutoStream::new(std::io::stdout().lock(), color);
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    if let Some(path) = &args.report {
        let format = match args.format {
            report::Format::Text => report::Format::for_path(path),
            other => other,
        };
        let text = report::render(format, &url, &results, false);
        let plain = anstream::adapter::strip_str(&text).to_string();
        std::fs::write(path, plain).map_err(|e| {
            Failure::setup(format!("cannot write the report to {}", path.display()), e)
        })?;
    }
    Ok(if Tally::of(&results).failed == 0 {
        Verdict::Met
    } else {
        Verdict::NotMet
    })
}
