//! The committed completion scripts in completions/ are what the binary
//! generates now for every shell clap_complete knows (regenerate with
//! `ITEMCTL_REGENERATE=1 cargo test --test it completions`), and the man
//! page has a section for every subcommand: both iterate the real command
//! definition, so a new shell or subcommand cannot be forgotten.

use clap::{CommandFactory, ValueEnum};
use clap_complete::{Generator, Shell};
use itemctl::cli::Cli;

use crate::support::itemctl;

#[test]
fn committed_completions_are_fresh() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let regenerate = std::env::var_os("ITEMCTL_REGENERATE").is_some();
    let mut stale = Vec::new();
    for shell in Shell::value_variants() {
        let out = itemctl()
            .args(["completions", &shell.to_string()])
            .stdout_any()
            .run();
        assert!(!out.stdout.is_empty(), "no script for {shell}");
        let file = shell.file_name("itemctl");
        let path = dir.join(&file);
        if regenerate {
            std::fs::write(&path, &out.stdout).expect("write completion");
            continue;
        }
        if std::fs::read(&path).ok().as_deref() != Some(&out.stdout[..]) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale completion files {stale:?}: run `ITEMCTL_REGENERATE=1 cargo test --test it completions` and commit"
    );
}

#[test]
fn completions_offer_the_check_names() {
    let out = itemctl().args(["completions", "bash"]).stdout_any().run();
    let script = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = itemctl::Check::ALL.iter().map(|c| c.name()).collect();
    assert!(
        script.contains(&names.join(" ")),
        "the bash script does not list the checks for --only"
    );
}

#[test]
fn man_page_covers_every_subcommand() {
    let out = itemctl().arg("man").stdout_any().run();
    let page = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        page.contains(".TH itemctl "),
        "{}",
        &page[..200.min(page.len())]
    );
    let cli = Cli::command();
    let subcommands: Vec<&str> = cli.get_subcommands().map(|s| s.get_name()).collect();
    assert!(subcommands.contains(&"bench") && subcommands.len() >= 7);
    for sub in subcommands {
        assert!(
            page.contains(&format!(".TH itemctl-{sub} ")),
            "no man section for {sub}"
        );
    }
    assert!(page.contains("\\-\\-expect"));
}
