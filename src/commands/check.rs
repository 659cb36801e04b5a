//! `itemctl check`: the upsert contract of a server, with CI reports.

use std::io::Write;

use anstream::ColorChoice;

use super::common::{Threads, interruptible, refuse_silent_embedded, runtime, start_embedded};
use super::exit::Verdict;
use super::output;
use crate::check::report::{self, Format, Look};
use crate::check::{self, CheckResult, Outcome, Stop, Tally};
use crate::cli::CheckArgs;
use crate::client::{self, Client, openapi};
use crate::contract::Promises;
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
    // A report that cannot be written is known before anything runs.
    if let Some(path) = &args.report {
        report_dir_exists(path)?;
    }
    let client_options = client::Options {
        timeout: args.timeout.timeout,
        headers: args.headers.headers.clone(),
        path: args.target.endpoint.path.clone().unwrap_or_default(),
        trace: args.verbose.then(|| output::stderr_tracer(color)),
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
            promises: Promises {
                update_204: endpoint.promises.update_204 || args.update_204,
                ..endpoint.promises
            },
            shape: shape.clone(),
        };
        let suite = check::run(&client, &opts).await;
        drop(stop);
        let described = Described {
            path: endpoint.path.to_string(),
            source: endpoint.source,
            shape: shape.to_string(),
            id,
        };
        Ok::<_, Failure>((client.base().to_owned(), Some(described), Ok(suite)))
    }))?;
    let (url, described, suite) = outcome;
    // Unreachable: only a --path given is known, nothing was discovered.
    let described = described.unwrap_or_else(|| Described {
        path: args
            .target
            .endpoint
            .path
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        source: String::new(),
        shape: String::new(),
        id: String::new(),
    });
    // The server could not be reached: before the first check, or it went
    // away mid-run (the checks that ran are still reported).
    let (results, stopped): (&[CheckResult], Option<Stop>) = match &suite {
        Ok(s) => (&s.results, s.stopped.clone()),
        Err(unreachable) => (
            &[],
            Some(Stop::Gone {
                during: check::Check::Create,
                why: unreachable.to_string(),
            }),
        ),
    };
    let error = stopped.as_ref().map(|stop| match stop {
        // Before any check: the transport error alone, as a report of a
        // server that never answered says.
        Stop::Gone { why, .. } if results.is_empty() => why.clone(),
        stop => stop.to_string(),
    });
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
    // Unreachable before any check: the text checklist would only repeat
    // the error line; machine formats still get their document.
    let text = if error.is_some() && results.is_empty() && args.format == Format::Text {
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
    match stopped {
        Some(Stop::Gone { why, .. }) if results.is_empty() => {
            return Err(Failure::NoResponse(why).into());
        }
        Some(Stop::Gone { during, why }) => {
            return Err(Failure::NoResponse(format!(
                "{why} (the server went away during {}, after {} checks; the rest were not run: a server that crashes on a request {} sends looks the same)",
                during.name(),
                results.len(),
                during.name()
            ))
            .into());
        }
        Some(Stop::Refused { why, .. }) => return Err(Failure::Usage(why).into()),
        None => {}
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

/// That the folder `--report` writes into exists.
///
/// # Errors
/// [`Failure::Usage`] naming the folder.
fn report_dir_exists(path: &std::path::Path) -> Result<(), Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => return Ok(()),
    };
    if dir.is_dir() {
        Ok(())
    } else {
        Err(Failure::Usage(format!(
            "cannot write the report to {}: the folder {} does not exist (create it, or name another --report FILE)",
            path.display(),
            dir.display()
        )))
    }
}

/// The endpoint a run checked, for the report.
struct Described {
    path: String,
    source: String,
    shape: String,
    id: String,
}

/// Why every check was skipped: the distinct reasons, with their checks.
fn why_none_ran(results: &[CheckResult]) -> String {
    let mut reasons: Vec<(String, Vec<&str>)> = Vec::new();
    for r in results {
        if let Outcome::Skip(why) = &r.outcome {
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
