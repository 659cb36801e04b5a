//! `itemctl check`: the upsert contract of a server, with CI reports.

use std::io::Write;

use anstream::ColorChoice;

use super::common::{Threads, interruptible, refuse_silent_embedded, runtime, start_embedded};
use super::exit::Verdict;
use super::output;
use crate::check::report::{self, Format, Look};
use crate::check::{self, CheckResult, Outcome, Tally};
use crate::cli::CheckArgs;
use crate::client::{self, Client, openapi};
use crate::error::Failure;

/// Runs the checks against `--url` (or the embedded server), prints the
/// report, and writes `--report FILE` (also when the server cannot be
/// reached).
///
/// # Errors
/// Usage errors (also: no check ran, an unwritable report), a missing URL
/// where `$CI` is set, [`Failure::NoResponse`] when the server cannot be
/// reached, [`Failure::Interrupted`], or a failed write.
pub(super) fn run(args: &CheckArgs, color: ColorChoice) -> anyhow::Result<Verdict> {
    refuse_silent_embedded(args.target.url.as_deref(), args.target.embedded, "check")?;
    let client_options = client::Options {
        timeout: args.timeout.timeout,
        headers: args.headers.headers.clone(),
        path: args.target.endpoint.path.clone().unwrap_or_default(),
        ..client::Options::default()
    };
    let embedded = args.target.url.is_none();
    // A bad URL is a usage error before anything runs.
    let given = args
        .target
        .url
        .as_deref()
        .map(|url| Client::new(url, &client_options))
        .transpose()?;
    let outcome = runtime(Threads::Two)?.block_on(interruptible(async {
        let (mut client, stop) = match given {
            Some(client) => {
                if let Err(unreachable) = client.wait(args.wait, args.retry).await {
                    let url = client.base().to_owned();
                    return Ok((url, None, Err(unreachable)));
                }
                (client, None)
            }
            None => {
                let (url, stop) = start_embedded().await?;
                (Client::new(&url, &client_options)?, Some(stop))
            }
        };
        let endpoint = openapi::discover(
            &client,
            args.target.endpoint.openapi.as_deref(),
            args.target.endpoint.path.as_ref(),
        )
        .await?;
        let shape = endpoint.shape.clone().map_err(|why| {
            Failure::Usage(format!(
                "{why}: check needs an item body (a JSON object with fields); choose another endpoint with --path"
            ))
        })?;
        client.set_path(endpoint.path.clone());
        let id = endpoint.describe_id();
        let opts = check::Options {
            fastapi: args.fastapi || embedded,
            seeded: args.seeded || embedded,
            only: args.only.clone(),
            skip: args.skip.clone(),
            concurrency: usize::from(args.concurrency),
            exact_echo: match (args.exact_echo, args.no_exact_echo) {
                (true, _) => true,
                (_, true) => false,
                _ => check::exact_echo_by_default(&shape, endpoint.promises.response_fields.as_deref()),
            },
            promises: endpoint.promises,
            shape: shape.clone(),
        };
        let results = check::run(&client, &opts).await?;
        drop(stop);
        let described = Described {
            path: endpoint.path.to_string(),
            source: endpoint.source,
            shape: shape.to_string(),
            id,
        };
        Ok::<_, Failure>((client.base().to_owned(), Some(described), Ok(results)))
    }))?;
    let (url, described, results) = outcome;
    let described = described.unwrap_or_else(|| Described {
        path: args
            .target
            .endpoint
            .path
            .clone()
            .unwrap_or_default()
            .to_string(),
        source: String::new(),
        shape: String::new(),
        id: String::new(),
    });
    let error = results.as_ref().err().map(ToString::to_string);
    let results: &[CheckResult] = results.as_deref().unwrap_or(&[]);
    let run = report::Run {
        url: &url,
        embedded,
        path: &described.path,
        source: &described.source,
        shape: &described.shape,
        id: &described.id,
        results,
        error: error.as_deref(),
    };
    let look = Look {
        terminal: output::stdout_is_terminal(),
        quiet: args.quiet,
    };
    // Unreachable: the text checklist would only repeat the error line;
    // machine formats still get their document.
    let text = if error.is_some() && args.format == Format::Text {
        String::new()
    } else {
        report::render(args.format, &run, look)
    };
    let mut stdout = anstream::AutoStream::new(std::io::stdout().lock(), color);
    output::ignore_closed_pipe(
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush()),
    )?;
    if let Some(path) = &args.report {
        let format = Format::for_path(path).unwrap_or(Format::Junit);
        let text = report::render(format, &run, Look::default());
        std::fs::write(path, text).map_err(|e| {
            Failure::input(format!("cannot write the report to {}", path.display()), e)
        })?;
    }
    if let Some(error) = error {
        return Err(Failure::NoResponse(error).into());
    }
    let tally = Tally::of(results);
    if tally.passed + tally.failed == 0 {
        return Err(Failure::Usage(format!("no check ran: {}", why_none_ran(results))).into());
    }
    Ok(if tally.failed == 0 {
        Verdict::Met
    } else {
        Verdict::NotMet
    })
}

/// The endpoint a run checked, for the report.
struct Described {
    path: String,
    source: String,
    shape: String,
    id: String,
}

/// Why every check was skipped: the distinct reasons, with their checks
/// (those left out by `--only` named only when nothing else explains it).
fn why_none_ran(results: &[CheckResult]) -> String {
    let selected = |why: &str| !why.contains("--only");
    let any_selected = results
        .iter()
        .any(|r| matches!(&r.outcome, Outcome::Skip(why) if selected(why)));
    let mut reasons: Vec<(String, Vec<&str>)> = Vec::new();
    for r in results {
        if let Outcome::Skip(why) = &r.outcome
            && (selected(why) || !any_selected)
        {
            match reasons.iter_mut().find(|(w, _)| w == why) {
                Some((_, names)) => names.push(r.check.name()),
                None => reasons.push((why.clone(), vec![r.check.name()])),
            }
        }
    }
    reasons
        .iter()
        .map(|(why, names)| format!("{} ({why})", names.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}
