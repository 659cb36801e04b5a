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
                // serve's journal leaves the marked probe out.
                headers: vec![(PROBE_HEADER.to_owned(), "wait".to_owned())],
                ..client::Options::default()
            },
        )?;
        let left = deadline.saturating_duration_since(Instant::now());
        // `--timeout` is the total, as curl's --max-time: each attempt is
        // cut short at the deadline too (Client::wait).
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

/// The header `wait`'s probe carries, so that `serve --admin`'s journal
/// can leave it out (`src/server/connection.rs` reads the same name).
pub const PROBE_HEADER: &str = "x-itemctl-probe";

/// What a `--url-file` says: the URL, and the process that wrote it.
#[derive(Debug, PartialEq, Eq)]
struct UrlFile {
    url: String,
    pid: u32,
}

/// Reads serve's `--url-file` text: `URL\npid N\n` (written whole, by a
/// rename). `None` for anything else (a file half-written by something
/// else, an older format that proves nothing).
fn parse_url_file(text: &str) -> Option<UrlFile> {
    let mut lines = text.strip_suffix('\n')?.split('\n');
    let url = lines.next()?.trim();
    let pid = lines.next()?.strip_prefix("pid ")?.trim().parse().ok()?;
    (lines.next().is_none() && !url.is_empty()).then(|| UrlFile {
        url: url.to_owned(),
        pid,
    })
}

/// Whether the file's writer is the process `--pid` names, or runs under
/// it (`timeout 60 itemctl serve &` gives the wrapper's pid), and is
/// alive. Without `--pid`: whether the writer is alive (a serve killed
/// with `kill -9` left its file behind).
fn written_by(file: &UrlFile, pid: Option<u32>) -> bool {
    if !is_running(file.pid) {
        return false;
    }
    let Some(want) = pid else {
        return true;
    };
    let mut at = file.pid;
    for _ in 0..64 {
        if at == want {
            return true;
        }
        match parent_of(at) {
            Some(p) if p > 1 => at = p,
            _ => return false,
        }
    }
    false
}

/// The parent of process `pid`, from /proc.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Waits until `path` holds a URL written by the server `pid` names (or,
/// without `--pid`, by a running process) and returns it; a stale file
/// is never taken.
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
            && let Some(file) = parse_url_file(&text)
            && written_by(&file, pid)
        {
            return Ok(file.url);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_file_names_its_writer() {
        assert_eq!(
            parse_url_file("http://127.0.0.1:8000\npid 42\n"),
            Some(UrlFile {
                url: "http://127.0.0.1:8000".into(),
                pid: 42
            })
        );
        for text in [
            "http://127.0.0.1:8000\n",
            "http://127.0.0.1:8000\npid 42",
            "http://127.0.0.1:8000\npid x\n",
            "\npid 42\n",
            "http://a\npid 42\nmore\n",
        ] {
            assert_eq!(parse_url_file(text), None, "{text:?}");
        }
        let me = UrlFile {
            url: "u".into(),
            pid: std::process::id(),
        };
        assert!(written_by(&me, None));
        assert!(written_by(&me, Some(std::process::id())));
        assert!(!written_by(&me, Some(1)), "init is no parent it can name");
        let gone = UrlFile {
            url: "u".into(),
            pid: u32::MAX - 7,
        };
        assert!(!written_by(&gone, None));
    }
}
