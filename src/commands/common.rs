//! What the subcommands share: their async runtime, Ctrl-C, the embedded
//! server, the CI guard, stdout, and `--body` arguments.

use std::future::Future;
use std::net::SocketAddr;

use crate::error::Failure;
use crate::reference::item;
use crate::server::store::{Store, Stored};
use crate::server::{App, Server};

/// How many threads a command's async runtime gets.
#[derive(Clone, Copy, Debug)]
pub(super) enum Threads {
    /// One (a client doing one thing at a time).
    One,
    /// Two workers (check: the embedded server and the checks side by side).
    Two,
    /// One per CPU this process may use (serve, bench); on one CPU (e.g.
    /// pinned with taskset) a single-threaded runtime, which spares the
    /// multi-thread scheduler's cross-thread wake-ups.
    PerCpu,
}

/// The async runtime for a command.
///
/// # Errors
/// [`Failure::Setup`] when the OS refuses threads or an event loop.
pub(super) fn runtime(threads: Threads) -> Result<tokio::runtime::Runtime, Failure> {
    let workers = match threads {
        Threads::One => 1,
        Threads::Two => 2,
        Threads::PerCpu => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let mut builder = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(workers);
        b
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| Failure::setup("cannot start the async runtime", e))
}

/// Runs `fut` unless Ctrl-C comes first: then [`Failure::Interrupted`]
/// (exit 130), with `fut` dropped mid-way and nothing printed.
pub(super) async fn interruptible<T, E: Into<anyhow::Error>>(
    fut: impl Future<Output = Result<T, E>>,
) -> anyhow::Result<T> {
    tokio::select! {
        r = fut => r.map_err(Into::into),
        _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted.into()),
    }
}

/// Ctrl-C for work that blocks instead of awaiting (`put` over plain
/// http): while the guard lives, SIGINT ends the process at once with exit
/// 130, `itemctl: interrupted` on stderr and nothing more on stdout, as
/// [`interruptible`] ends awaited work; once it is dropped, SIGINT is
/// ignored, as it is after tokio's handler is installed.
pub(super) struct CtrlC(());

/// Whether a [`CtrlC`] guard lives.
static CTRL_C_ARMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl CtrlC {
    /// Arms the handler (installing it the first time).
    ///
    /// # Errors
    /// [`Failure::Setup`] when the handler cannot be installed.
    pub(super) fn arm() -> Result<CtrlC, Failure> {
        static INSTALLED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
        INSTALLED
            .get_or_init(|| {
                // SAFETY: the handler is async-signal-safe: an atomic load,
                // write(2) and _exit(2), nothing that allocates or locks.
                unsafe {
                    signal_hook_registry::register(libc::SIGINT, || {
                        if CTRL_C_ARMED.load(std::sync::atomic::Ordering::SeqCst) {
                            let line = b"itemctl: interrupted\n";
                            libc::write(2, line.as_ptr().cast(), line.len());
                            libc::_exit(i32::from(super::exit::INTERRUPTED));
                        }
                    })
                }
                .map(drop)
                .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|e| Failure::setup("cannot handle Ctrl-C", e))?;
        CTRL_C_ARMED.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(CtrlC(()))
    }
}

impl Drop for CtrlC {
    fn drop(&mut self) {
        CTRL_C_ARMED.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Starts the embedded server (the reference's seed, no access log) on
/// 127.0.0.1:0 in the current runtime; returns its URL and the sender that
/// stops it.
///
/// # Errors
/// [`Failure::Setup`] when no port can be bound.
pub(super) async fn start_embedded() -> Result<(String, tokio::sync::oneshot::Sender<()>), Failure>
{
    let seed = item::seed().into_iter().map(|(k, v)| (k, Stored::of(&v)));
    let app = App::new(Store::with_items(seed), true);
    let bind = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = Server::bind(bind, app)
        .await
        .map_err(|e| Failure::setup("cannot start the embedded server", e))?;
    let url = server
        .base_url()
        .map_err(|e| Failure::setup("cannot start the embedded server", e))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    Ok((url, tx))
}

/// Whether this runs in CI: `$CI` set to anything but empty, `false` or `0`
/// (GitHub Actions, GitLab, CircleCI, Travis and others set `CI=true`).
pub(super) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Where `$CI` is set, refuses to fall back to the embedded server just
/// because no URL was given (a misspelt or unset `$ITEMCTL_URL` would
/// otherwise give a green run of itemctl against itself); `--embedded`
/// says it is meant.
///
/// # Errors
/// [`Failure::Usage`] naming both ways out.
pub(super) fn refuse_silent_embedded(
    url: Option<&str>,
    embedded: bool,
    command: &str,
) -> Result<(), Failure> {
    if url.is_some() || embedded || !in_ci() {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "no --url and no $ITEMCTL_URL, and $CI is set: `itemctl {command}` will not silently use its own embedded server; pass --url URL (or set ITEMCTL_URL), or --embedded to use the embedded server on purpose"
    )))
}

/// Writes `text` to stdout and flushes; a closed pipe (`| head`) is not an
/// error (the reader has what it wanted, and the verdict stands).
///
/// # Errors
/// Any other write error.
pub(super) fn print_stdout(text: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    super::output::ignore_closed_pipe(out.write_all(text).and_then(|()| out.flush()))
}

/// Reads `--body`: literal JSON, `@FILE` or `-` (stdin).
///
/// # Errors
/// [`Failure::Input`] naming the file (or stdin) that cannot be read.
pub(super) fn read_body_arg(arg: &str) -> Result<Vec<u8>, Failure> {
    if arg == "-" {
        let mut buf = Vec::new();
        {
            use std::io::Read as _;
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| Failure::input("cannot read the body from stdin", e))?;
        }
        Ok(buf)
    } else if let Some(path) = arg.strip_prefix('@') {
        std::fs::read(path).map_err(|e| Failure::input(format!("cannot read body file {path}"), e))
    } else {
        Ok(arg.as_bytes().to_vec())
    }
}
