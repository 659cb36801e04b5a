//! Errors that end a command, and the one mapping from errors to the
//! documented exit codes.

use std::process::ExitCode;

/// The documented exit codes (README, `--help`).
pub mod exit {
    /// Success: a response arrived and met `--expect` (or was 2xx).
    pub const OK: u8 = 0;
    /// A response arrived but did not meet `--expect` (or, without it, was
    /// neither 2xx, 4xx nor 5xx); also any failure not listed below.
    pub const NOT_MET: u8 = 1;
    /// Usage error: bad flags, unreadable `--body @FILE`, malformed seed.
    pub const USAGE: u8 = 2;
    /// No response: connection refused, DNS, TLS, timeout.
    pub const NO_RESPONSE: u8 = 3;
    /// A 4xx response, without `--expect`.
    pub const CLIENT_ERROR: u8 = 4;
    /// A 5xx response, without `--expect`.
    pub const SERVER_ERROR: u8 = 5;
    /// Interrupted by Ctrl-C (SIGINT), as shells report 128 + 2.
    pub const INTERRUPTED: u8 = 130;
}

/// A failure with a documented exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The command line or an input it names is unusable (exit 2).
    #[error("{0}")]
    Usage(String),
    /// No HTTP response arrived (exit 3).
    #[error("{0}")]
    NoResponse(String),
    /// Ctrl-C (exit 130).
    #[error("interrupted")]
    Interrupted,
}

/// The exit code for an error that ended a command.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if let Some(f) = err.downcast_ref::<Failure>() {
        return match f {
            Failure::Usage(_) => exit::USAGE,
            Failure::NoResponse(_) => exit::NO_RESPONSE,
            Failure::Interrupted => exit::INTERRUPTED,
        };
    }
    if err
        .downcast_ref::<crate::server::store::SeedError>()
        .is_some()
    {
        return exit::USAGE;
    }
    exit::NOT_MET
}

/// Prints `itemctl: <error>` (one line, causes joined by `: `) and returns
/// the exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    eprintln!("itemctl: {err:#}");
    ExitCode::from(exit_code(err))
}
