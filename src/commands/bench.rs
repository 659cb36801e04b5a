//! `itemctl bench`: load with the contract checked on every response.

use std::io::{IsTerminal, Write};

use super::common::{Threads, refuse_silent_embedded, runtime, start_embedded};
use super::exit::Verdict;
use crate::bench::{self, Limit};
use crate::cli::BenchArgs;
use crate::client::{self, Client, openapi};
use crate::error::Failure;
use crate::values::items;

/// Runs the load against `--url` (or the embedded server) and prints the
/// report (text or `--json`); on Ctrl-C, the report of what was measured,
/// then exit 130.
///
/// # Errors
/// Usage errors, a missing URL where `$CI` is set,
/// [`Failure::NoResponse`] when the server cannot be reached,
/// [`Failure::Interrupted`] after the partial report, or a failed write.
pub(super) fn run(args: &BenchArgs) -> anyhow::Result<Verdict> {
    refuse_silent_embedded(args.target.url.as_deref(), args.target.embedded, "bench")?;
    let limit = match args.requests {
        Some(n) => Limit::Requests(n),
        None => Limit::Duration(args.duration),
    };
    // More connections than requests per second would idle.
    let connections = match args.rate {
        Some(rate) => (args.connections as usize).min(rate as usize).max(1),
        None => args.connections as usize,
    };
    // An unreadable --body is a usage error before anything starts.
    let given_body = args
        .body
        .as_deref()
        .map(super::common::read_body_arg)
        .transpose()?;
    let show_progress = !args.json && std::io::stderr().is_terminal();
    let report = runtime(Threads::PerCpu)?.block_on(async {
        let (url, stop) = match &args.target.url {
            Some(url) => (url.clone(), None),
            None => {
                let (url, stop) = start_embedded().await?;
                (url, Some(stop))
            }
        };
        let client = Client::new(
            &url,
            &client::Options {
                timeout: args.timeout.timeout,
                headers: args.headers.headers.clone(),
                ..client::Options::default()
            },
        )?;
        let endpoint = openapi::discover(
            &client,
            args.target.endpoint.openapi.as_deref(),
            args.target.endpoint.path.as_ref(),
        )
        .await?;
        let body = match (given_body, &endpoint.shape) {
            (Some(body), _) => body,
            (None, Ok(shape)) => serde_json::to_vec(&items::full(shape, 0, "bench"))
                .map_err(|e| Failure::Usage(format!("cannot build the body: {e}")))?,
            (None, Err(why)) => {
                return Err(Failure::Usage(format!(
                    "{why}: pass the body to send with --body"
                )));
            }
        };
        if let Some(field) = &endpoint.promises.id_field
            && bench::split_at_id(&body, field).is_none()
        {
            // Not an error: many servers take any value there.
            let _ = writeln!(
                std::io::stderr(),
                "itemctl: warning: the endpoint repeats the id in the body field \"{field}\", which --body lacks: a server that requires them to match refuses these PUTs"
            );
        }
        let opts = bench::Options {
            connections,
            limit,
            ids: args.ids,
            timeout: args.timeout.timeout,
            rate: args.rate,
            headers: args.headers.headers.clone(),
            embedded: args.target.url.is_none(),
            path: endpoint.path,
            body,
            promises: endpoint.promises,
        };
        let progress = show_progress.then(|| progress_bar(limit));
        let interrupt = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let report = bench::run(&url, &opts, progress.clone(), interrupt).await;
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        drop(stop);
        report
    })?;
    let text = if args.json {
        report.to_json()
    } else {
        report.to_text()
    };
    super::common::print_stdout(text.as_bytes())?;
    if report.interrupted {
        return Err(Failure::Interrupted.into());
    }
    let problems = report.problems();
    if problems.is_empty() {
        return Ok(Verdict::Met);
    }
    let _ = writeln!(
        std::io::stderr(),
        "itemctl: bench failed: {}",
        problems.join("; ")
    );
    Ok(Verdict::NotMet)
}

/// The progress bar on a terminal: requests done of `-n`, or a spinner for
/// `-d`.
fn progress_bar(limit: Limit) -> indicatif::ProgressBar {
    let (bar, template) = match limit {
        Limit::Requests(n) => (
            indicatif::ProgressBar::new(n),
            "{bar:40} {pos}/{len} requests  {per_sec}  {elapsed}",
        ),
        Limit::Duration(_) => (
            indicatif::ProgressBar::new_spinner(),
            "{spinner} {pos} requests  {per_sec}  {elapsed}",
        ),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}
