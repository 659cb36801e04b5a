//! `itemctl wait`: block until a server answers HTTP.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use super::common::{Threads, interruptible, runtime};
use super::exit::Verdict;
use crate::cli::WaitArgs;
use crate::client::{self, Client};
use crate::error::Failure;

/// Waits for the server at `--url` (or the one `--url-file` names), prints
/// its URL on stdout, and says on stderr how long it took.
///
/// # Errors
/// [`Failure::NoResponse`] when it did not answer within `--timeout` or the
/// `--pid` process exited first; usage errors for a bad URL.
pub(super) fn run(args: &WaitArgs) -> anyhow::Result<Verdict> {
    let started = Instant::now();
    let deadline = started + args.timeout;
    let (url, took) = runtime(Threads::One)?.block_on(interruptible(async {
        let url = match &args.url_file {
            Some(path) => read_url_file(path, deadline, args.pid).await?,
            None => args.url.clone(),
        };
        let client = Client::new(
            &url,
            &client::Options {
                timeout: Duration::from_secs(2),
                ..client::Options::default()
            },
        )?;
        let left = deadline.saturating_duration_since(Instant::now());
        tokio::select! {
            answered = client.wait(left, 0) => answered.map_err(|e| {
                Failure::NoResponse(format!(
                    "{e}; no answer within {}",
                    humantime::format_duration(args.timeout)
                ))
            })?,
            gone = process_exit(args.pid) => return Err(gone),
        };
        Ok::<_, Failure>((url, started.elapsed()))
    }))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{url}")?;
    stdout.flush()?;
    if !args.quiet {
        let _ = writeln!(
            std::io::stderr(),
            "itemctl: {url} answers (after {:.2}s)",
            took.as_secs_f64()
        );
    }
    Ok(Verdict::Met)
}

/// Waits until `path` holds a whole line (serve writes it atomically) and
/// returns it.
///
/// # Errors
/// [`Failure::NoResponse`] at the deadline, or when the `pid` process
/// exits first.
async fn read_url_file(
    path: &Path,
    deadline: Instant,
    pid: Option<u32>,
) -> Result<String, Failure> {
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Some(line) = text.strip_suffix('\n')
            && !line.trim().is_empty()
        {
            return Ok(line.trim().to_owned());
        }
        if let Some(pid) = pid
            && !is_running(pid)
        {
            return Err(Failure::NoResponse(format!(
                "process {pid} exited before writing {}",
                path.display()
            )));
        }
        if Instant::now() >= deadline {
            return Err(Failure::NoResponse(format!(
                "{} did not appear within the timeout (is `itemctl serve --url-file {}` running?)",
                path.display(),
                path.display()
            )));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Resolves when the `pid` process has exited (never without a pid).
async fn process_exit(pid: Option<u32>) -> Failure {
    let Some(pid) = pid else {
        return std::future::pending().await;
    };
    while is_running(pid) {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Failure::NoResponse(format!("process {pid} exited before its server answered"))
}

/// Whether process `pid` is alive (not gone, not a zombie). Where /proc is
/// missing the answer is always yes, and only the timeout applies.
fn is_running(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}
