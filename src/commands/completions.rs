//! `itemctl completions SHELL`: a completion script on stdout.

use clap::CommandFactory;

use super::exit::Verdict;
use crate::cli::Cli;

/// Prints the completion script for `shell`.
///
/// # Errors
/// Writing stdout failed.
pub(super) fn run(shell: clap_complete::Shell) -> anyhow::Result<Verdict> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "itemctl", &mut script);
    super::common::print_stdout(&script)?;
    Ok(Verdict::Met)
}
