//! The access log of `itemctl serve`: one line per request on stderr:
//! `METHOD TARGET STATUS LATENCYms` (`--log-format text`), or one JSON
//! object (`--log-format json`: time, method, target, status, latency_ms,
//! id, created) for log tooling.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

/// The access log. Request handlers append lines to a shared buffer (a
/// short uncontended lock, no allocation, no syscall); a writer thread
/// drains it to stderr every 50 ms. So logging costs the hot path neither a
/// write nor a thread wake-up per request.
#[derive(Debug)]
pub(crate) struct AccessLog {
    buffer: Arc<std::sync::Mutex<LogBuffer>>,
    format: LogFormat,
}

/// How access-log lines look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `PUT /items/red 201 0.018ms`.
    #[default]
    Text,
    /// `{"time":…,"method":"PUT","target":"/items/red","status":201,
    /// "latency_ms":0.018,"id":"red","created":true}`.
    Json,
}

#[derive(Debug, Default)]
struct LogBuffer {
    lines: Vec<u8>,
    /// Lines dropped because the writer fell behind by `MAX_LOG_BUFFER`.
    dropped: u64,
}

/// Log bytes held before new lines are dropped (and counted).
const MAX_LOG_BUFFER: usize = 8 * 1024 * 1024;
/// How often the writer thread drains the buffer.
const LOG_FLUSH_INTERVAL: Duration = Duration::from_millis(50);

impl AccessLog {
    pub(crate) fn spawn(format: LogFormat) -> Self {
        let buffer = Arc::new(std::sync::Mutex::new(LogBuffer::default()));
        let shared = Arc::clone(&buffer);
        std::thread::spawn(move || {
            let mut spare = Vec::new();
            loop {
                std::thread::sleep(LOG_FLUSH_INTERVAL);
                let dropped = {
                    let mut b = shared
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    std::mem::swap(&mut b.lines, &mut spare);
                    std::mem::take(&mut b.dropped)
                };
                let mut stderr = std::io::stderr().lock();
                if !spare.is_empty() {
                    let _ = stderr.write_all(&spare);
                }
                if dropped > 0 {
                    let _ = writeln!(
                        stderr,
                        "itemctl: {dropped} access-log lines dropped (stderr too slow)"
                    );
                }
                let _ = stderr.flush();
                spare.clear();
                if Arc::strong_count(&shared) == 1 {
                    // The server is gone (its drop wrote the rest).
                    return;
                }
            }
        });
        AccessLog { buffer, format }
    }

    /// Logs one request; `upsert` is the id and whether it was created
    /// (JSON lines carry them).
    pub(crate) fn record(
        &self,
        method: &[u8],
        target: &[u8],
        status: u16,
        elapsed: Duration,
        upsert: Option<(&str, Option<bool>)>,
    ) {
        let json = (self.format == LogFormat::Json).then(|| {
            let (id, created) = upsert.map_or((None, None), |(id, c)| (Some(id), c));
            serde_json::json!({
                "time": humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string(),
                "method": String::from_utf8_lossy(method),
                "target": String::from_utf8_lossy(target),
                "status": status,
                "latency_ms": (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0,
                "id": id,
                "created": created,
            })
            .to_string()
        });
        let mut b = self
            .buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if b.lines.len() > MAX_LOG_BUFFER {
            b.dropped += 1;
            return;
        }
        let lines = &mut b.lines;
        if let Some(json) = json {
            lines.extend_from_slice(json.as_bytes());
            lines.push(b'\n');
            return;
        }
        lines.extend_from_slice(method);
        lines.push(b' ');
        // The target is visible ASCII (the parser refuses anything else).
        lines.extend_from_slice(target);
        let _ = writeln!(lines, " {status} {:.3}ms", elapsed.as_secs_f64() * 1000.0);
    }
}

impl Drop for AccessLog {
    /// Writes what is still buffered (the server is stopping).
    fn drop(&mut self) {
        let b = self
            .buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(&b.lines);
        let _ = stderr.flush();
    }
}
