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
fn man_pages_cover_every_subcommand_and_every_page_named_exists() {
    let out = itemctl().arg("man").stdout_any().run();
    let page = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        page.starts_with(".ie") || page.contains(".TH itemctl "),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains(".TH itemctl "));
    let cli = Cli::command();
    let subcommands: Vec<&str> = cli.get_subcommands().map(|s| s.get_name()).collect();
    assert!(subcommands.contains(&"bench") && subcommands.len() >= 7);
    // --dir writes itemctl.1 and a page per subcommand, and lists them.
    let dir = tempfile::tempdir().unwrap();
    let listed = itemctl()
        .args(["man", "--dir"])
        .arg(dir.path())
        .stdout_any()
        .run();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert_eq!(listed.lines().count(), subcommands.len() + 1, "{listed}");
    for sub in &subcommands {
        let file = dir.path().join(format!("itemctl-{sub}.1"));
        let text = std::fs::read_to_string(&file).expect("a page per subcommand");
        assert!(text.contains(&format!(".TH itemctl-{sub} ")), "{sub}");
        // The same page, one at a time.
        itemctl().args(["man", sub]).stdout(&text).run();
    }
    // Every page itemctl(1) names is one of them.
    let top = std::fs::read_to_string(dir.path().join("itemctl.1")).unwrap();
    assert_eq!(top, page);
    let named: Vec<&str> = top
        .split("itemctl\\-")
        .skip(1)
        .filter_map(|rest| rest.split_once("(1)").map(|(name, _)| name))
        .collect();
    assert_eq!(named.len(), subcommands.len(), "{top}");
    for name in named {
        assert!(
            dir.path().join(format!("itemctl-{name}.1")).exists(),
            "itemctl-{name}(1) named but not written"
        );
    }
    assert!(
        String::from_utf8_lossy(&std::fs::read(dir.path().join("itemctl-put.1")).unwrap())
            .contains("\\-\\-expect")
    );
    itemctl()
        .args(["man", "nope"])
        .code(2)
        .stderr_has("`nope` is no subcommand")
        .run();
}

#[test]
fn bash_completes_each_value_of_a_comma_separated_list() {
    let script = itemctl()
        .args(["completions", "bash"])
        .stdout_any()
        .run()
        .stdout;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("itemctl.bash");
    std::fs::write(&file, script).unwrap();
    // What bash's programmable completion does on TAB: the function, with
    // the command, the word being completed and the one before it.
    let complete = |flag: &str, word: &str| {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=(itemctl check {flag} {word}); COMP_CWORD=3; _itemctl itemctl {word} {flag}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                file.display()
            ))
            .output()
            .expect("bash runs");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete("--only", "create,up"), "create,update\n");
    assert_eq!(
        complete("--skip", "create,r"),
        "create,repeat\ncreate,replace\ncreate,race\n"
    );
    assert_eq!(complete("--only", "ra"), "race\n");
}
