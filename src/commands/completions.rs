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
    if shell == clap_complete::Shell::Bash {
        script = comma_lists_in_bash(&String::from_utf8_lossy(&script)).into_bytes();
    }
    super::common::print_stdout(&script)?;
    Ok(Verdict::Met)
}

/// clap_complete's bash script completes only the first value of a
/// comma-separated list (`--only create,up<TAB>` offers nothing): for
/// `--only` and `--skip`, complete the value after the last comma, keeping
/// the ones before it.
fn comma_lists_in_bash(script: &str) -> String {
    let mut out = String::with_capacity(script.len() + 256);
    let mut in_list_flag = false;
    for line in script.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed == "--only)" || trimmed == "--skip)" {
            in_list_flag = true;
        } else if in_list_flag && trimmed.starts_with("COMPREPLY=($(compgen -W ") {
            in_list_flag = false;
            out.push_str(&line.replace(
                "-- \"${cur}\"))",
                "-P \"${cur%\"${cur##*,}\"}\" -- \"${cur##*,}\"))",
            ));
            continue;
        } else if trimmed == ";;" {
            in_list_flag = false;
        }
        out.push_str(line);
    }
    out
}
