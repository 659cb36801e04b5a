//! The subcommands, one file each: set up a runtime, call the library,
//! print, and conclude with a [`Verdict`]. [`exit`] turns that verdict, or
//! the error that ended the command, into the exit code: the only place
//! that knows the numbers.

mod bench;
mod check;
mod common;
mod completions;
pub mod exit;
mod man;
pub mod output;
mod put;
mod serve;
mod wait;

use std::process::ExitCode;

pub use self::exit::Verdict;
use crate::cli::{Cli, ColorChoice, Command};

/// Parses the process's command line, runs it, and returns the exit code
/// (having printed any error as one line on stderr).
pub fn run() -> ExitCode {
    match Cli::parse_from_args(std::env::args_os().collect()) {
        Ok(cli) => exit::finish(run_cli(cli)),
        Err(e) => exit::from_clap(&e),
    }
}

/// Runs a parsed command line.
///
/// # Errors
/// What ended the command early; [`exit::error_code`] maps it.
pub fn run_cli(cli: Cli) -> anyhow::Result<Verdict> {
    let color = match cli.global.color {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    match cli.command {
        Command::Serve(args) => serve::run(&args),
        Command::Put(args) => put::run(&args, color),
        Command::Check(args) => check::run(&args, color),
        Command::Wait(args) => wait::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Completions { shell } => completions::run(shell),
        Command::Man { subcommand, dir } => man::run(subcommand.as_deref(), dir.as_deref()),
    }
}
