//! `itemctl man`: the roff man pages: itemctl(1), and one per subcommand
//! (itemctl-serve(1), …), which itemctl(1) names.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use super::exit::Verdict;
use crate::cli::Cli;
use crate::error::Failure;

/// Prints itemctl(1), or `subcommand`'s page; with `dir`, writes every
/// page there and prints their paths.
///
/// # Errors
/// [`Failure::Input`] when a page cannot be written into `dir`; a failed
/// write of stdout.
pub(super) fn run(subcommand: Option<&str>, dir: Option<&Path>) -> anyhow::Result<Verdict> {
    if let Some(dir) = dir {
        let mut listed = Vec::new();
        for (name, page) in pages() {
            let path = dir.join(format!("{name}.1"));
            std::fs::write(&path, page).map_err(|e| {
                Failure::input(format!("cannot write the man page {}", path.display()), e)
            })?;
            listed.extend_from_slice(format!("{}\n", path.display()).as_bytes());
        }
        super::common::print_stdout(&listed)?;
        return Ok(Verdict::Met);
    }
    let wanted = subcommand.map_or_else(|| "itemctl".to_owned(), |s| format!("itemctl-{s}"));
    let page = pages()
        .into_iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, page)| page)
        .unwrap_or_default();
    super::common::print_stdout(&page)?;
    Ok(Verdict::Met)
}

/// Every page, `(name, roff)`: itemctl first, then each subcommand as
/// `itemctl-NAME`.
pub(super) fn pages() -> Vec<(String, Vec<u8>)> {
    // No `help` subcommand: it has no page of its own to name.
    let cmd = Cli::command().disable_help_subcommand(true);
    let mut out = vec![(
        "itemctl".to_owned(),
        render(clap_mangen::Man::new(cmd.clone())),
    )];
    for sub in cmd.get_subcommands() {
        let name = format!("itemctl-{}", sub.get_name());
        let sub = sub.clone().name(name.clone()).bin_name(name.clone());
        out.push((name, render(clap_mangen::Man::new(sub))));
    }
    out
}

/// A page's roff (writing into memory cannot fail).
fn render(man: clap_mangen::Man) -> Vec<u8> {
    let mut page = Vec::new();
    let _ = man.render(&mut page);
    let _ = page.flush();
    page
}
