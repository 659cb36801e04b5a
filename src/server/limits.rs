//! The server's limits and timeouts, in one place.

use std::time::Duration;

/// How long in-flight requests get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// uvicorn's `--timeout-keep-alive` default: an idle keep-alive connection
/// is closed after this long.
pub const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a fresh connection may stay silent before its first byte.
/// uvicorn has no limit here (its keep-alive timer starts only after a
/// response); an idle connection is otherwise held for ever, so this is a
/// documented divergence, far above the reference's own 5 s keep-alive.
pub const FRESH_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a request body may go without a byte arriving.
pub const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time a request head may take from its first byte to its blank
/// line (slow-loris clients are cut off after it).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default most connections served at once; more wait in the listen backlog.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Bodies above this many bytes are refused with 413 (the reference has no
/// limit; this one is far above the tens of MB it is known to take).
pub const DEFAULT_MAX_BODY: u64 = 256 * 1024 * 1024;
