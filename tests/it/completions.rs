//! The committed completion scripts in completions/ are what the binary
//! generates now (regenerate with `ITEMCTL_REGENERATE=1 cargo test --test
//! completions`), and the man page covers every subcommand.

use crate::support::itemctl;

const SHELLS: [(&str, &str); 5] = [
    ("bash", "itemctl.bash"),
    ("zsh", "_itemctl"),
    ("fish", "itemctl.fish"),
    ("powershell", "_itemctl.ps1"),
    ("elvish", "itemctl.elv"),
];

#[test]
fn committed_completions_are_fresh() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let regenerate = std::env::var_os("ITEMCTL_REGENERATE").is_some();
    let mut stale = Vec::new();
    for (shell, file) in SHELLS {
        let out = itemctl()
            .args(["completions", shell])
            .output()
            .expect("run");
        assert!(out.status.success(), "completions {shell} failed");
        assert!(!out.stdout.is_empty());
        let path = dir.join(file);
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
fn man_page_covers_every_subcommand() {
    let out = itemctl().arg("man").output().expect("run");
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        page.starts_with(".ie") || page.contains(".TH itemctl"),
        "{}",
        &page[..200.min(page.len())]
    );
    for sub in ["serve", "put", "check", "wait", "completions", "man"] {
        assert!(
            page.contains(&format!(".TH itemctl-{sub}")),
            "no section for {sub}"
        );
    }
    assert!(page.contains("\\-\\-expect") || page.contains("--expect"));
}
