//! `itemctl put`: one upsert, shown, held to `--expect`.

use std::io::Write;

use anstream::ColorChoice;
use bytes::Bytes;

use super::common::{CtrlC, Threads, interruptible, runtime};
use super::exit::Verdict;
use super::output;
use crate::cli::items::{self, Kind};
use crate::cli::{Parts, PutArgs};
use crate::client::plain::Plain;
use crate::client::{self, Client, Exchange, openapi};
use crate::contract::PathTemplate;
use crate::error::Failure;

/// Sends the upsert the flags describe and shows the response (or, with
/// `--dry-run` / `--curl`, shows the request without sending it).
///
/// # Errors
/// Usage errors (flags, `--body` input), [`Failure::NoResponse`],
/// [`Failure::Interrupted`], or a failed write of the output (a closed
/// pipe is not one: the verdict stands).
pub(super) fn run(args: &PutArgs, color: ColorChoice) -> anyhow::Result<Verdict> {
    // Request items first: a bad one (or an unreadable file) stops the
    // command before anything is sent.
    let items = items::build(&args.items, &mut read_item_file).map_err(Failure::Usage)?;
    if let Some(body_item) = args.items.iter().find(|i| matches!(i.kind, Kind::Field(_))) {
        refuse_body_flags(&body_item.text, args)?;
    }
    let body = Bytes::from(match (&args.body, &items.body) {
        (Some(arg), _) => super::common::read_body_arg(arg)?,
        (None, Some(object)) => serde_json::to_vec(object)
            .map_err(|e| Failure::Usage(format!("cannot build the body: {e}")))?,
        (None, None) => serde_json::to_vec(&tutorial_fields(args))
            .map_err(|e| Failure::Usage(format!("cannot build the body: {e}")))?,
    });
    let mut client = Client::new(
        &args.url,
        &client::Options {
            timeout: args.timeout.timeout,
            follow: args.follow,
            headers: args.headers.headers.clone(),
            path: args.endpoint.path.clone().unwrap_or_default(),
            trace: None,
        },
    )?
    .with_request_headers(&items.headers)?
    .with_query(&items.query)
    // --timeout is the whole command's, discovery and retries included.
    .with_total_timeout();
    let mut transport = Transport::for_put(&client, args)?;
    let mut stderr = anstream::AutoStream::new(std::io::stderr(), color);
    // --dry-run and --curl discover the endpoint too (a GET, not a write),
    // so that they show what a real send would send.
    if args.endpoint.path.is_none() || args.endpoint.openapi.is_some() {
        let endpoint = transport.discover(
            &client,
            args.endpoint.openapi.as_deref(),
            args.endpoint.path.as_ref(),
        )?;
        if args.verbose && !args.quiet {
            let _ = writeln!(
                stderr,
                "itemctl: endpoint PUT {} (from {})",
                endpoint.path, endpoint.source
            );
        }
        if !args.quiet
            && let Some(warning) = missing_tutorial_fields(args, &endpoint)
        {
            let _ = writeln!(stderr, "itemctl: warning: {warning}");
        }
        // A real send's own failure says why; a request only shown would
        // otherwise show a guessed path as the discovered one.
        if (args.dry_run || args.curl)
            && !args.quiet
            && let Some(why) = &endpoint.unread
        {
            let _ = writeln!(
                stderr,
                "itemctl: warning: discovery failed ({why}), so the path shown is the default {}; give the endpoint with --path",
                endpoint.path
            );
        }
        client.set_path(endpoint.path);
    }
    let outgoing = client.outgoing(&args.id, body.clone())?;
    if args.id.contains('/') && !args.quiet {
        let _ = writeln!(
            stderr,
            "itemctl: warning: the id contains '/'; it is sent as %2F, but Starlette (FastAPI) decodes %2F before routing, so such a server answers 404 for it"
        );
    }
    if args.curl {
        let line = output::curl_command(&outgoing, args.body.as_deref(), args);
        output::ignore_closed_pipe(print_line(&line))?;
        return Ok(Verdict::Met);
    }
    let parts = Parts::from_flags(args.print, args.verbose || args.dry_run);
    if args.dry_run {
        let mut stdout = anstream::AutoStream::new(std::io::stdout().lock(), color);
        output::ignore_closed_pipe(output::write_request(
            &mut stdout,
            &outgoing,
            Parts::REQUEST,
        ))?;
        return Ok(Verdict::Met);
    }
    if parts.request_head || parts.request_body {
        let _ = output::write_request(&mut stderr, &outgoing, parts);
        let _ = writeln!(stderr);
    }
    let exchange = transport.put(&client, &args.id, body, args.retry)?;
    drop(transport);
    output::ignore_closed_pipe(print_exchange(&exchange, args, parts, color))?;
    if (300..400).contains(&exchange.status) && !args.follow && !args.quiet {
        let to = exchange
            .header("location")
            .map_or(String::new(), |l| format!(" to {l}"));
        let _ = writeln!(
            stderr,
            "itemctl: {} {}{to}; pass --follow to follow it",
            exchange.status, exchange.reason
        );
    }
    Ok(match args.expect {
        Some(expect) if expect.is_met_by(exchange.status) => Verdict::Met,
        Some(expect) => {
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

/// How put's requests go: over blocking sockets for a plain http server
/// reached directly without --follow (no async runtime, no reqwest client
/// to set up: most of a one-upsert process's work otherwise), else through
/// reqwest on a one-thread runtime (https, a proxy from the environment,
/// redirects).
enum Transport {
    /// Blocking sockets; Ctrl-C armed while it lives.
    Plain(Plain, CtrlC),
    /// reqwest.
    Async(tokio::runtime::Runtime),
}

impl Transport {
    /// The transport for `client`, given put's flags.
    ///
    /// # Errors
    /// [`Failure::Setup`] when the runtime or the Ctrl-C handler cannot
    /// be set up.
    fn for_put(client: &Client, args: &PutArgs) -> Result<Transport, Failure> {
        let given_url = args
            .endpoint
            .openapi
            .as_deref()
            .filter(|o| openapi::is_url(o));
        Ok(match Plain::new(client, given_url) {
            Some(plain) => Transport::Plain(plain, CtrlC::arm()?),
            None => Transport::Async(runtime(Threads::One)?),
        })
    }

    /// [`openapi::discover`].
    fn discover(
        &mut self,
        client: &Client,
        openapi: Option<&str>,
        path: Option<&PathTemplate>,
    ) -> anyhow::Result<openapi::Endpoint> {
        match self {
            Transport::Plain(plain, _) => Ok(plain.discover(client, openapi, path)?),
            Transport::Async(rt) => {
                rt.block_on(interruptible(openapi::discover(client, openapi, path)))
            }
        }
    }

    /// [`Client::put_retrying`].
    fn put(
        &mut self,
        client: &Client,
        id: &str,
        body: Bytes,
        retry: u32,
    ) -> anyhow::Result<Exchange> {
        match self {
            Transport::Plain(plain, _) => Ok(plain.put_retrying(client, id, body, retry)?),
            Transport::Async(rt) => {
                rt.block_on(interruptible(client.put_retrying(id, body, retry)))
            }
        }
    }
}

/// Reads a file a request item names (`~/` is the home directory, as xh
/// reads it).
fn read_item_file(path: &str) -> std::io::Result<Vec<u8>> {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::fs::read(std::path::Path::new(&home).join(rest)),
        _ => std::fs::read(path),
    }
}

/// Refuses the flags that build a body beside a body item (`item`).
///
/// # Errors
/// [`Failure::Usage`] naming the item and the flag.
fn refuse_body_flags(item: &str, args: &PutArgs) -> Result<(), Failure> {
    let name = "send the name as an item instead";
    let size = "send the size as an item instead";
    let given = [
        (
            args.body.is_some(),
            "--body",
            "put every field in the --body JSON, or send each as an item",
        ),
        (args.name.is_some(), "--name", &format!("{name} (name=…)")),
        (
            args.null_name,
            "--null-name",
            &format!("{name} (name:=null)"),
        ),
        (args.size.is_some(), "--size", &format!("{size} (size:=…)")),
        (
            args.null_size,
            "--null-size",
            &format!("{size} (size:=null)"),
        ),
    ];
    match given.iter().find(|(given, ..)| *given) {
        Some((_, flag, instead)) => Err(Failure::Usage(format!(
            "`{item}` builds the body, so it cannot go with {flag}; {instead}"
        ))),
        None => Ok(()),
    }
}

/// The body --name, --size, --null-name and --null-size build: the
/// tutorial's fields, each left out unless given.
fn tutorial_fields(args: &PutArgs) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value;
    let mut item = serde_json::Map::new();
    match (&args.name, args.null_name) {
        (Some(n), _) => drop(item.insert("name".into(), Value::from(n.as_str()))),
        (None, true) => drop(item.insert("name".into(), Value::Null)),
        (None, false) => {}
    }
    match (&args.size, args.null_size) {
        (Some(n), _) => drop(item.insert("size".into(), Value::Number(n.clone()))),
        (None, true) => drop(item.insert("size".into(), Value::Null)),
        (None, false) => {}
    }
    item
}

/// The warning for --name or --size (the tutorial's fields) sent to an
/// item that has no such field, or `None`.
fn missing_tutorial_fields(args: &PutArgs, endpoint: &openapi::Endpoint) -> Option<String> {
    let shape = endpoint.shape.as_ref().ok()?;
    let given = [
        ("name", args.name.is_some() || args.null_name),
        ("size", args.size.is_some() || args.null_size),
    ];
    let missing: Vec<String> = given
        .iter()
        .filter(|(field, sent)| *sent && shape.field(field).is_none())
        .map(|(field, _)| format!("\"{field}\""))
        .collect();
    let what = match missing.as_slice() {
        [] => return None,
        [one] => format!("no field {one}"),
        several => format!("no fields {}", several.join(" and ")),
    };
    let fields: Vec<&str> = shape.fields.iter().map(|f| f.name.as_str()).collect();
    Some(format!(
        "the item of PUT {} ({}) has {what} (its fields: {}); send request items like {}=…",
        endpoint.path,
        shape.title,
        fields.join(", "),
        fields.first().copied().unwrap_or("field")
    ))
}

fn print_line(line: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

/// Shows a response. On a terminal: the status line and the (pretty,
/// capped) body on stdout. Piped: the status line on stderr and the body's
/// bytes on stdout, with a newline after it unless `--raw` or it has one.
/// `--json`: one line. With `h` in the parts, the status line and headers
/// go to stderr; without `b`, no body.
fn print_exchange(
    ex: &Exchange,
    args: &PutArgs,
    parts: Parts,
    color: ColorChoice,
) -> std::io::Result<()> {
    let mut stdout = anstream::AutoStream::new(std::io::stdout().lock(), color);
    let mut stderr = anstream::AutoStream::new(std::io::stderr(), color);
    if args.json {
        writeln!(stdout, "{}", output::json_line(ex, &args.id))?;
        return stdout.flush();
    }
    let terminal = output::stdout_is_terminal();
    if parts.response_head {
        output::write_response_head(&mut stderr, ex)?;
        if parts.response_body {
            writeln!(stderr)?;
        }
    } else if !args.quiet {
        let line = output::status_line(ex.status, ex.reason);
        if terminal {
            writeln!(stdout, "{line}")?;
        } else {
            writeln!(stderr, "{line}")?;
        }
    }
    if !parts.response_body {
        return stdout.flush();
    }
    if terminal && ex.body.len() > output::TERMINAL_BODY_CAP {
        let shown = output::TERMINAL_BODY_CAP;
        writeln!(stdout, "{}", String::from_utf8_lossy(&ex.body[..shown]))?;
        writeln!(
            stdout,
            "… ({} more bytes not shown; pipe the output to get the whole body)",
            ex.body.len() - shown
        )?;
    } else if terminal {
        match output::pretty_json(&ex.body) {
            Some(pretty) => writeln!(stdout, "{pretty}")?,
            None if ex.body.is_empty() => {}
            None => writeln!(stdout, "{}", String::from_utf8_lossy(&ex.body))?,
        }
    } else {
        // The exact bytes: not through the color filter.
        let mut raw = stdout.into_inner();
        raw.write_all(&ex.body)?;
        if !args.raw && !ex.body.is_empty() && !ex.body.ends_with(b"\n") {
            raw.write_all(b"\n")?;
        }
        return raw.flush();
    }
    stdout.flush()
}
