//! `itemctl man`: the roff man page on stdout.

use std::io::Write;

use clap::CommandFactory;

use super::exit::Verdict;
use crate::cli::Cli;

/// Prints the man page.
///
/// # Errors
/// Rendering or writing stdout failed.
pub(super) fn run() -> anyhow::Result<Verdict> {
    let mut page = Vec::new();
    write_man_page(&mut page)?;
    super::common::print_stdout(&page)?;
    Ok(Verdict::Met)
}

/// Writes the roff man page: the top command, then every subcommand as
/// `itemctl-NAME`.
///
/// # Errors
/// The writer's error.
pub(super) fn write_man_page(out: &mut dyn Write) -> std::io::Result<()> {
    let cmd = Cli::command();
    clap_mangen::Man::new(cmd.clone()).render(out)?;
    for sub in cmd.get_subcommands() {
        let name = format!("itemctl-{}", sub.get_name());
        let sub = sub.clone().name(name.clone()).bin_name(name);
        clap_mangen::Man::new(sub).render(out)?;
    }
    Ok(())
}
