//! The subcommands: each parses nothing, prints, and returns an exit code.

pub mod output;

use crate::server::{self, store};
use crate::{bench, check, check::report, client};

use std::future::Future;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{CommandFactory, Parser};

use self::output::Style;
use crate::cli::{BenchArgs, CheckArgs, Cli, Command, PutArgs, ServeArgs, WaitArgs};
use crate::error::{Failure, exit};
use crate::server::store::Store;

/// Parses the process's command line and runs it.
///
/// Returns the exit code for outcomes that are not errors (e.g. `--expect`
/// not met); errors are mapped by [`error::report`].
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return Ok(ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            }));
        }
    };
    run_cli(cli)
}

/// Runs a parsed command line.
pub fn run_cli(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(&args),
        Command::Put(args) => put(&args, Style::detect(cli.color)),
        Command::Check(args) => check(&args, Style::detect(cli.color)),
        Command::Wait(args) => wait(&args),
        Command::Bench(args) => bench(&args),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "itemctl", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut out = std::io::stdout().lock();
            write_man_page(&mut out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes the roff man page: the top command, then every subcommand.
pub fn write_man_page(out: &mut dyn Write) -> std::io::Result<()> {
    let cmd = Cli::command();
    clap_mangen::Man::new(cmd.clone()).render(out)?;
    for sub in cmd.get_subcommands() {
        let name = format!("itemctl-{}", sub.get_name());
        let sub = sub.clone().name(name.clone()).bin_name(name);
        clap_mangen::Man::new(sub).render(out)?;
    }
    Ok(())
}

fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let items = if args.empty {
        Vec::new()
    } else if let Some(path) = &args.seed {
        store::load_seed(path)?
    } else {
        Store::reference_seed()
    };
    let config = server::Config {
        quiet: args.quiet,
        max_body: args.max_body,
        header_timeout: Duration::from_secs_f64(args.header_timeout),
        max_connections: args.max_connections,
    };
    let store = Store::with_items(items).with_max_items(args.max_items);
    let app = server::App::with_config(store, &config);
    if !args.host.is_loopback() {
        eprintln!(
            "itemctl: warning: listening on {}, beyond this machine: PUT /items/{{id}} has no authentication",
            args.host
        );
    }
    let runtime = runtime_for_cpus()?;
    runtime.block_on(async {
        let addr = SocketAddr::new(args.host, args.port);
        let server = server::Server::bind(addr, app)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let shutdown = server::shutdown_signal()?;
        let url = server.base_url()?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{url}")?;
        stdout.flush()?;
        drop(stdout);
        server.run(shutdown).await?;
        Ok(ExitCode::SUCCESS)
    })
}

fn check(args: &CheckArgs, style: Style) -> anyhow::Result<ExitCode> {
    check::validate_names(&args.only)?;
    check::validate_names(&args.skip)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (url, results) = runtime.block_on(interruptible(async {
        let embedded = args.url.is_none();
        let (url, stop) = match &args.url {
            Some(url) => {
                client::wait_for(url, Duration::from_secs_f64(args.wait), args.retry).await?;
                (url.clone(), None)
            }
            None => {
                let (url, stop) = start_embedded().await?;
                (url, Some(stop))
            }
        };
        let opts = check::Options {
            fastapi: args.fastapi || embedded,
            seeded: args.seeded || embedded,
            only: args.only.clone(),
            skip: args.skip.clone(),
            concurrency: usize::from(args.concurrency),
            timeout: Duration::from_secs_f64(args.timeout),
        };
        let results = check::run(&url, &opts).await;
        drop(stop);
        anyhow::Ok((url, results?))
    }))?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(report::render(args.format, &url, &results, style.terminal).as_bytes())?;
    stdout.flush()?;
    if let Some(path) = &args.report {
        let format = match args.format {
            report::Format::Text => report::Format::for_path(path),
            other => other,
        };
        std::fs::write(path, report::render(format, &url, &results, false))
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    let tally = check::Tally::of(&results);
    Ok(ExitCode::from(if tally.failed == 0 {
        exit::OK
    } else {
        exit::NOT_MET
    }))
}

/// Starts the embedded server (reference seed, quiet) on 127.0.0.1:0 in the
/// current runtime; returns its URL and the sender that stops it.
async fn start_embedded() -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>)> {
    let app = server::App::new(Store::with_items(Store::reference_seed()), true);
    let server = server::Server::bind(SocketAddr::from(([127, 0, 0, 1], 0)), app).await?;
    let url = server.base_url()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    Ok((url, tx))
}

/// The runtime for `serve` and `bench`: one thread per CPU this process may
/// use; on one CPU (e.g. pinned with taskset) a single-threaded runtime,
/// which spares the multi-thread scheduler's cross-thread wake-ups.
fn runtime_for_cpus() -> anyhow::Result<tokio::runtime::Runtime> {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    if cpus == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    }
    .context("cannot start the async runtime")
}

fn bench(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let runtime = runtime_for_cpus()?;
    let limit = match args.requests {
        Some(n) => bench::Limit::Requests(n),
        None => bench::Limit::Duration(args.duration),
    };
    let opts = bench::Options {
        connections: args.connections as usize,
        limit,
        ids: args.ids,
        timeout: Duration::from_secs_f64(args.timeout),
    };
    let show_progress = !args.json && std::io::stderr().is_terminal();
    let report = runtime.block_on(interruptible(async {
        let (url, stop) = match &args.url {
            Some(url) => (url.clone(), None),
            None => {
                let (url, stop) = start_embedded().await?;
                (url, Some(stop))
            }
        };
        let progress = show_progress.then(|| {
            let bar = match limit {
                bench::Limit::Requests(n) => indicatif::ProgressBar::new(n),
                bench::Limit::Duration(_) => indicatif::ProgressBar::new_spinner(),
            };
            let template = match limit {
                bench::Limit::Requests(_) => "{bar:40} {pos}/{len} requests  {per_sec}  {elapsed}",
                bench::Limit::Duration(_) => "{spinner} {pos} requests  {per_sec}  {elapsed}",
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar
        });
        let report = bench::run(&url, &opts, progress.clone()).await;
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        drop(stop);
        anyhow::Ok(report?)
    }))?;
    let mut stdout = std::io::stdout().lock();
    let text = if args.json {
        report.to_json()
    } else {
        report.to_text()
    };
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::from(if report.is_clean() {
        exit::OK
    } else {
        exit::NOT_MET
    }))
}

fn wait(args: &WaitArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let took = runtime.block_on(interruptible(async {
        Ok(client::wait_for(&args.url, Duration::from_secs_f64(args.timeout), 0).await?)
    }))?;
    eprintln!(
        "itemctl: {} answers (after {:.2}s)",
        args.url,
        took.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `fut` unless Ctrl-C comes first: then [`Failure::Interrupted`]
/// (exit 130), with `fut` dropped mid-way and nothing printed.
async fn interruptible<T>(fut: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::select! {
        r = fut => r,
        _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted.into()),
    }
}

/// Reads `--body`: literal JSON, `@FILE` or `-` (stdin).
fn read_body_arg(arg: &str) -> Result<Vec<u8>, Failure> {
    if arg == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::Usage(format!("cannot read the body from stdin: {e}")))?;
        Ok(buf)
    } else if let Some(path) = arg.strip_prefix('@') {
        std::fs::read(path)
            .map_err(|e| Failure::Usage(format!("cannot read body file {path}: {e}")))
    } else {
        Ok(arg.as_bytes().to_vec())
    }
}

fn put(args: &PutArgs, style: Style) -> anyhow::Result<ExitCode> {
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
            client::item_body(name, size)
        }
    };
    let request = client::PutRequest {
        base_url: args.url.clone(),
        id: args.id.clone(),
        body,
        headers: args.headers.clone(),
        timeout: Duration::from_secs_f64(args.timeout),
        retry: args.retry,
        follow: args.follow,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let exchange = runtime.block_on(interruptible(async { Ok(client::put(&request).await?) }))?;
    print_exchange(&exchange, &args.id, args.json, style)?;
    let code = match args.expect {
        Some(expect) => {
            if expect.is_met_by(exchange.status) {
                exit::OK
            } else {
                eprintln!(
                    "itemctl: expected {expect}, got {}",
                    output::status_line(exchange.status, exchange.reason)
                );
                exit::NOT_MET
            }
        }
        None => match exchange.status {
            200..=299 => exit::OK,
            400..=499 => exit::CLIENT_ERROR,
            500..=599 => exit::SERVER_ERROR,
            _ => exit::NOT_MET,
        },
    };
    Ok(ExitCode::from(code))
}

fn print_exchange(
    ex: &client::Exchange,
    id: &str,
    json: bool,
    style: Style,
) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if json {
        writeln!(stdout, "{}", output::json_line(ex, id))?;
    } else if style.terminal && ex.body.len() > output::TERMINAL_BODY_CAP {
        writeln!(stdout, "{}", output::status_line(ex.status, ex.reason))?;
        let shown = output::TERMINAL_BODY_CAP;
        writeln!(stdout, "{}", String::from_utf8_lossy(&ex.body[..shown]))?;
        writeln!(
            stdout,
            "… ({} more bytes not shown; pipe the output to get the whole body)",
            ex.body.len() - shown
        )?;
    } else if style.terminal {
        writeln!(stdout, "{}", output::status_line(ex.status, ex.reason))?;
        match output::pretty_json(&ex.body) {
            Some(pretty) => writeln!(stdout, "{pretty}")?,
            None if ex.body.is_empty() => {}
            None => writeln!(stdout, "{}", String::from_utf8_lossy(&ex.body))?,
        }
    } else {
        eprintln!("{}", output::status_line(ex.status, ex.reason));
        stdout.write_all(&ex.body)?;
    }
    stdout.flush()
}
