//! The exit codes, and the one mapping from what a command concluded (a
//! [`Verdict`], or the error that ended it) to the number the process
//! exits with. The README's table and `--help` document the same numbers.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::cli::Cli;
use crate::error::Failure;

/// Success: a response arrived and met `--expect` (or was 2xx), every check
/// passed, the server answered, serve stopped on a signal.
pub const OK: u8 = 0;
/// A response arrived but did not meet `--expect` (or, without it, was
/// neither 2xx, 4xx nor 5xx); a check failed; bench saw errors or contract
/// violations; any failure not listed below.
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

/// What a command concluded when nothing went wrong on the way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// What was asked was met (exit 0).
    Met,
    /// What was asked was not met: `--expect`, a failed check, a bench with
    /// errors or violations (exit 1).
    NotMet,
    /// `put` without `--expect`: a response with this status arrived; its
    /// class decides (2xx 0, 4xx 4, 5xx 5, other 1).
    Status(u16),
}

/// The exit code for a verdict.
pub fn verdict_code(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Met => OK,
        Verdict::NotMet => NOT_MET,
        Verdict::Status(200..=299) => OK,
        Verdict::Status(400..=499) => CLIENT_ERROR,
        Verdict::Status(500..=599) => SERVER_ERROR,
        Verdict::Status(_) => NOT_MET,
    }
}

/// The exit code for an error that ended a command: a `Failure`'s own
/// code, 1 for anything else.
pub fn error_code(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<Failure>() {
        Some(Failure::Usage(_) | Failure::Input { .. }) => USAGE,
        Some(Failure::NoResponse(_)) => NO_RESPONSE,
        Some(Failure::Interrupted) => INTERRUPTED,
        Some(Failure::Setup { .. }) | None => NOT_MET,
    }
}

/// Ends a command: an error is printed as `itemctl: <error>: <cause>…` (one
/// line) on stderr; returns the exit code.
pub fn finish(result: anyhow::Result<Verdict>) -> ExitCode {
    match result {
        Ok(verdict) => ExitCode::from(verdict_code(verdict)),
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "itemctl: {err:#}");
            ExitCode::from(error_code(&err))
        }
    }
}

/// Ends a command line clap refused, or `--help`/`--version`: clap's text,
/// then 2 for a usage error and 0 for help. A bad value that came from an
/// environment variable (`ITEMCTL_PORT=abc`) says so, in one line.
pub fn from_clap(err: &clap::Error) -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(line) = from_environment(err, &args, |name| std::env::var(name).ok()) {
        let _ = writeln!(std::io::stderr(), "itemctl: {line}");
        return ExitCode::from(USAGE);
    }
    let _ = err.print();
    ExitCode::from(if err.use_stderr() { USAGE } else { OK })
}

/// For an invalid value that the command line did not give but an
/// environment variable did: clap's complaint, naming the variable.
fn from_environment(
    err: &clap::Error,
    args: &[String],
    env: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    if !matches!(
        err.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return None;
    }
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
        return None;
    };
    let Some(ContextValue::String(value)) = err.get(ContextKind::InvalidValue) else {
        return None;
    };
    let long = arg.split_whitespace().next()?.trim_start_matches('-');
    let given = args
        .iter()
        .any(|a| a == &format!("--{long}") || a.starts_with(&format!("--{long}=")));
    if given {
        return None;
    }
    let cli = Cli::command();
    let var = std::iter::once(&cli)
        .chain(cli.get_subcommands())
        .flat_map(|c| c.get_arguments())
        .filter(|a| a.get_long() == Some(long))
        .filter_map(|a| a.get_env())
        .map(|v| v.to_string_lossy().into_owned())
        .find(|v| env(v).as_deref() == Some(value.as_str()))?;
    let reason = err
        .to_string()
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_owned();
    Some(format!(
        "{reason} (the value comes from the environment variable {var}: fix it or unset it)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_by_class() {
        let code = |s| verdict_code(Verdict::Status(s));
        assert_eq!([code(200), code(201), code(204)], [OK; 3]);
        assert_eq!([code(404), code(422)], [CLIENT_ERROR; 2]);
        assert_eq!([code(500), code(503)], [SERVER_ERROR; 2]);
        assert_eq!([code(101), code(307)], [NOT_MET; 2]);
    }

    #[test]
    fn failures_map_to_their_codes() {
        let code = |f: Failure| error_code(&anyhow::Error::from(f));
        assert_eq!(code(Failure::Usage("x".into())), USAGE);
        assert_eq!(code(Failure::input("x", std::io::Error::other("y"))), USAGE);
        assert_eq!(code(Failure::NoResponse("x".into())), NO_RESPONSE);
        assert_eq!(code(Failure::Interrupted), INTERRUPTED);
        assert_eq!(
            code(Failure::setup("x", std::io::Error::other("y"))),
            NOT_MET
        );
        assert_eq!(error_code(&anyhow::anyhow!("other")), NOT_MET);
    }

    #[test]
    fn bad_values_from_the_environment_name_the_variable() {
        use clap::Parser;
        let env = |name: &str| (name == "ITEMCTL_PORT").then(|| "abc".to_owned());
        let err = Cli::try_parse_from(["itemctl", "serve", "--port", "abc"]).unwrap_err();
        // Given on the command line: clap's own message stands.
        let argv: Vec<String> = ["itemctl", "serve", "--port", "abc"]
            .map(String::from)
            .to_vec();
        assert_eq!(from_environment(&err, &argv, env), None);
        let argv: Vec<String> = ["itemctl", "serve"].map(String::from).to_vec();
        let line = from_environment(&err, &argv, env).expect("names the variable");
        assert!(
            line.contains("'abc'") && line.contains("ITEMCTL_PORT") && !line.contains('\n'),
            "{line}"
        );
    }
}
