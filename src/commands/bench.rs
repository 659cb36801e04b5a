//! `itemctl bench`: load with the contract checked on every response.

use std::io::IsTerminal;

use super::{Threads, Verdict, interruptible, runtime, start_embedded};
use crate::bench::{self, Limit};
use crate::cli::BenchArgs;

/// Runs the load against `--url` (or the embedded server) and prints the
/// report (text or `--json`).
///
/// # Errors
/// Usage errors, [`crate::error::Failure::NoResponse`] when the server cannot be
/// reached, [`crate::error::Failure::Interrupted`], or a failed write.
pub(super) fn run(args: &BenchArgs) -> anyhow::Result<Verdict> {
    let limit = match args.requests {
        Some(n) => Limit::Requests(n),
        None => Limit::Duration(args.duration),
    };
    let opts = bench::Options {
        connections: args.connections as usize,
        limit,
        ids: args.ids,
        timeout: args.timeout,
    };
    let show_progress = !args.json && std::io::stderr().is_terminal();
    let report = runtime(Threads::PerCpu)?.block_on(interruptible(async {
        let (url, stop) = match &args.url {
            Some(url) => (url.clone(), None),
            None => {
                let (url, stop) = start_embedded().await?;
                (url, Some(stop))
            }
        };
        let progress = show_progress.then(|| progress_bar(limit));
        let report = bench::run(&url, &opts, progress.clone()).await;
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        drop(stop);
        report
    }))?;
    let text = if args.json {
        report.to_json()
    } else {
        report.to_text()
    };
    super::print_stdout(text.as_bytes())?;
    Ok(if report.is_clean() {
        Verdict::Met
    } else {
        Verdict::NotMet
    })
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
