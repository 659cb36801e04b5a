//! `itemctl put`: one upsert, printed, held to `--expect`.

use std::io::{Read, Write};

use anstream::ColorChoice;

use super::output;
use super::{Threads, Verdict, interruptible, runtime};
use crate::cli::PutArgs;
use crate::client::{self, Client, Exchange};
use crate::error::Failure;

/// Sends the upsert the flags describe and prints the response.
///
/// # Errors
/// Usage errors (flags, `--body` input), [`Failure::NoResponse`],
/// [`Failure::Interrupted`], or a failed write of the output.
pub(super) fn run(args: &PutArgs, color: ColorChoice) -> anyhow::Result<Verdict> {
    let body = match &args.body {
        Some(arg) => read_body_arg(arg)?,
        None => {
            let name = match (&args.name, args.null_name) {
                (Some(n), _) => Some(Some(n.as_str())),
                (None, true) => Some(None),
                (None, false) => None,
            };
            let size = match (&args.size, args.null_size) {
                (Some(s), _) => Some(Some(s.as_str())),
                (None, true) => Some(None),
                (None, false) => None,
            };
            client::item_body(name, size)?
        }
    };
    let client = Client::new(
        &args.url,
        &client::Options {
            timeout: args.timeout,
            follow: args.follow,
            headers: args.headers.clone(),
        },
    )?;
    let exchange = runtime(Threads::One)?.block_on(interruptible(client.put_retrying(
        &args.id,
        body.into(),
        args.retry,
    )))?;
    print_exchange(&exchange, &args.id, args.json, color)?;
    Ok(match args.expect {
        Some(expect) if expect.is_met_by(exchange.status) => Verdict::Met,
        Some(expect) => {
            let mut stderr = anstream::AutoStream::new(std::io::stderr(), color);
            let _ = writeln!(
                stderr,
                "itemctl: expected {expect}, got {}",
                output::status_line(exchange.status, exchange.reason)
            );
            Verdict::NotMet
        }
        None => Verdict::Status(exchange.status),
    })
}

/// Reads `--body`: literal JSON, `@FILE` or `-` (stdin).
///
/// # Errors
/// [`Failure::Input`] naming the file (or stdin) that cannot be read.
fn read_body_arg(arg: &str) -> Result<Vec<u8>, Failure> {
    if arg == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::input("cannot read the body from stdin", e))?;
        Ok(buf)
    } else if let Some(path) = arg.strip_prefix('@') {
        std::fs::read(path).map_err(|e| Failure::input(format!("cannot read body file {path}"), e))
    } else {
        Ok(arg.as_bytes().to_vec())
    }
}

/// Prints a response: on a terminal the status line and the (pretty,
/// capped) body on stdout; piped, the status line on stderr and the body's
/// exact bytes on stdout; `--json`, one line.
fn print_exchange(ex: &Exchange, id: &str, json: bool, color: ColorChoice) -> std::io::Result<()> {
    let mut stdout = anstream::AutoStream::new(std::io::stdout().lock(), color);
    let terminal = output::stdout_is_terminal();
    if json {
        writeln!(stdout, "{}", output::json_line(ex, id))?;
    } else if terminal && ex.body.len() > output::TERMINAL_BODY_CAP {
        writeln!(stdout, "{}", output::status_line(ex.status, ex.reason))?;
        let shown = output::TERMINAL_BODY_CAP;
        writeln!(stdout, "{}", String::from_utf8_lossy(&ex.body[..shown]))?;
        writeln!(
            stdout,
            "… ({} more bytes not shown; pipe the output to get the whole body)",
            ex.body.len() - shown
        )?;
    } else if terminal {
        writeln!(stdout, "{}", output::status_line(ex.status, ex.reason))?;
        match output::pretty_json(&ex.body) {
            Some(pretty) => writeln!(stdout, "{pretty}")?,
            None if ex.body.is_empty() => {}
            None => writeln!(stdout, "{}", String::from_utf8_lossy(&ex.body))?,
        }
    } else {
        let mut stderr = anstream::AutoStream::new(std::io::stderr(), color);
        writeln!(stderr, "{}", output::status_line(ex.status, ex.reason))?;
        // The exact bytes: not through the color filter.
        let mut raw = stdout.into_inner();
        raw.write_all(&ex.body)?;
        return raw.flush();
    }
    stdout.flush()
}
