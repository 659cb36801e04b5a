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
    let show_progress = !args.json && !args.quiet && std::io::stderr().is_terminal();
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
        // Ctrl-C while the document is fetched ends the run at once (130).
        let endpoint = tokio::select! {
            endpoint = openapi::discover(
                &client,
                args.target.endpoint.openapi.as_deref(),
                args.target.endpoint.path.as_ref(),
            ) => endpoint?,
            _ = tokio::signal::ctrl_c() => return Err(Failure::Interrupted),
        };
        let (body, body_source) = match (given_body, &endpoint.shape) {
            (Some(body), _) => (body, "--body"),
            (None, Ok(shape)) => (
                serde_json::to_vec(&items::full(shape, 0, "bench"))
                    .map_err(|e| Failure::Usage(format!("cannot build the body: {e}")))?,
                if endpoint.tutorial {
                    "the tutorial's item"
                } else {
                    "a valid item of the schema"
                },
            ),
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
            source: endpoint.source,
            body,
            body_source: body_source.to_owned(),
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
        report.to_text(args.quiet)
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
/// `-d`, with the rate in whole requests per second (`24,545/s`).
fn progress_bar(limit: Limit) -> indicatif::ProgressBar {
    let (bar, template) = match limit {
        Limit::Requests(n) => (
            indicatif::ProgressBar::new(n),
            "{bar:40} {pos}/{len} requests  {rate}  {elapsed}",
        ),
        Limit::Duration(_) => (
            indicatif::ProgressBar::new_spinner(),
            "{spinner} {pos} requests  {rate}  {elapsed}",
        ),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let rate = state.per_sec();
                let whole = if rate.is_finite() {
                    rate.round() as u64
                } else {
                    0
                };
                let _ = write!(w, "{}/s", bench::thousands(whole));
            },
        ));
    }
    bar
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A terminal that keeps what is drawn on it.
    #[derive(Clone, Debug, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_progress_bar_shows_whole_requests_per_second() {
        for limit in [
            Limit::Requests(1_000_000),
            Limit::Duration(std::time::Duration::from_secs(10)),
        ] {
            let screen = Screen::default();
            let bar = progress_bar(limit);
            bar.set_draw_target(indicatif::ProgressDrawTarget::term_like(Box::new(
                screen.clone(),
            )));
            std::thread::sleep(std::time::Duration::from_millis(30));
            bar.set_position(24_545);
            std::thread::sleep(std::time::Duration::from_millis(30));
            bar.set_position(49_090);
            bar.force_draw();
            let drawn = screen.0.lock().unwrap().clone();
            let rate = drawn
                .split_whitespace()
                .rfind(|w| w.ends_with("/s"))
                .unwrap_or_else(|| panic!("no rate in {drawn:?}"));
            let digits = rate.trim_end_matches("/s");
            assert!(
                !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == ','),
                "{rate:?} in {drawn:?}"
            );
        }
    }
}
