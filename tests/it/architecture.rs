//! The layout's boundaries, read from the source (src/lib.rs has the map):
//! each area imports only the areas below it, and the reference model is
//! pure. A new `use crate::…` across a boundary fails here, naming the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Which areas of the crate each area may name (`crate::AREA`).
const ALLOWED: &[(&str, &[&str])] = &[
    // What an OpenAPI document and its schemas say: below everything.
    ("spec", &["spec"]),
    // What the FastAPI app does, byte for byte.
    ("reference", &["reference", "spec"]),
    // Values the client side makes from schemas (the server draws its
    // fault dice from its generator too).
    ("values", &["values", "spec"]),
    // What 200 and 201 mean: shared by both sides, so it depends on neither.
    ("contract", &["contract", "spec"]),
    ("error", &[]),
    // The server side.
    (
        "server",
        &["server", "reference", "contract", "spec", "values"],
    ),
    // The client side: never the server or the reference model.
    ("client", &["client", "contract", "error", "spec"]),
    (
        "check",
        &["check", "client", "contract", "error", "spec", "values"],
    ),
    (
        "bench",
        &["bench", "client", "contract", "error", "spec", "values"],
    ),
    // The command line names the check names, --expect and serve's defaults.
    ("cli", &["cli", "check", "contract", "server"]),
];

/// The areas that are pure: no I/O, no clock, no threads, no runtime, no
/// HTTP or database crate.
const PURE: &[&str] = &["spec", "reference", "values", "contract"];

/// What a pure area must not touch: I/O, the clock, threads, the
/// environment, the async runtime, and the crates that do I/O.
const IMPURE: &[&str] = &[
    "tokio",
    "reqwest",
    "hyper",
    "rusqlite",
    "rustix",
    "std::fs",
    "std::env",
    "std::thread",
    "std::process",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "SystemTime",
    "Instant",
    "println!",
    "eprintln!",
    "stdout()",
    "stderr()",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The area of a file: its folder under src/, or its file stem.
fn area(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component");
    Path::new(first.as_os_str())
        .file_stem()
        .expect("a name")
        .to_string_lossy()
        .into_owned()
}

/// Every area a file names: `crate::x`, and each name in `crate::{x, y::z}`.
fn named_areas(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String = text
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !t.starts_with("//")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

#[test]
fn areas_import_only_what_the_layout_allows() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let area = area(&src, file);
        let Some((_, allowed)) = ALLOWED.iter().find(|(a, _)| *a == area) else {
            // commands/, lib.rs and main.rs wire everything together.
            assert!(
                ["commands", "lib", "main"].contains(&area.as_str()),
                "{}: an area the layout does not know ({area}); add it to ALLOWED and to the map in src/lib.rs",
                file.display()
            );
            continue;
        };
        seen.insert(area.clone());
        let text = std::fs::read_to_string(file).expect("read");
        for named in named_areas(&text) {
            if !allowed.contains(&named.as_str()) {
                violations.push(format!("{} ({area}) names crate::{named}", file.display()));
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
    assert_eq!(seen.len(), ALLOWED.len(), "every area exists: {seen:?}");
}

#[test]
fn pure_areas_touch_no_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for area in PURE {
        let mut files = Vec::new();
        rust_files(&src.join(area), &mut files);
        assert!(!files.is_empty(), "{area}");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read");
            // Unit tests may use what they like.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in code.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for word in IMPURE {
                    if line.contains(word) {
                        found.push(format!("{}:{}: {word}", file.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// The sibling files a file of a folder names: `super::x` (or, in
/// `mod.rs`, `self::x`) and `crate::AREA::x` for a sibling `x`; a
/// `super::Name` that is no sibling names the folder's `mod.rs`.
fn sibling_imports(
    text: &str,
    area: &str,
    me: &str,
    siblings: &BTreeSet<String>,
) -> BTreeSet<String> {
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let prefixes: Vec<String> = if me == "mod" {
        vec!["self::".into(), format!("crate::{area}::")]
    } else {
        vec!["super::".into(), format!("crate::{area}::")]
    };
    for prefix in &prefixes {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(prefix.as_str()) {
            rest = &rest[i + prefix.len()..];
            let names: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end]
                    .split(',')
                    .map(|item| {
                        item.trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect()
                    })
                    .collect()
            } else {
                vec![
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect(),
                ]
            };
            for name in names.into_iter().filter(|n| !n.is_empty()) {
                if siblings.contains(&name) {
                    out.insert(name);
                } else if me != "mod" {
                    out.insert("mod".into());
                }
            }
        }
    }
    if me == "mod" {
        // mod.rs names its children without `self::` too (`store::Store`).
        for sibling in siblings {
            let bare = format!("{sibling}::");
            let mut rest = code.as_str();
            while let Some(i) = rest.find(&bare) {
                let before = rest[..i].chars().next_back();
                if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    out.insert(sibling.clone());
                    break;
                }
                rest = &rest[i + bare.len()..];
            }
        }
    }
    out.remove(me);
    out
}

#[test]
fn no_two_files_of_a_folder_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    let mut folders = 0;
    for entry in std::fs::read_dir(&src).expect("read src") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        let area = dir.file_name().unwrap().to_string_lossy().into_owned();
        let files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("read area")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        let stems: BTreeSet<String> = files
            .iter()
            .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        folders += 1;
        let mut edges = std::collections::BTreeMap::new();
        for file in &files {
            let me = file.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(file).expect("read");
            edges.insert(me.clone(), sibling_imports(&text, &area, &me, &stems));
        }
        for (a, targets) in &edges {
            for b in targets {
                if a < b && edges.get(b).is_some_and(|t| t.contains(a)) {
                    violations.push(format!(
                        "src/{area}/{a}.rs and src/{area}/{b}.rs import each other"
                    ));
                }
            }
        }
    }
    assert!(folders >= 8, "{folders}");
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn the_checker_sees_sibling_imports() {
    let siblings: BTreeSet<String> = ["a", "b", "mod"].iter().map(|s| s.to_string()).collect();
    let named = sibling_imports(
        "use super::{a, Thing};\nuse crate::x::b::C;\n// super::z\n",
        "x",
        "c",
        &siblings,
    );
    assert_eq!(named.into_iter().collect::<Vec<_>>(), ["a", "b", "mod"]);
    let named = sibling_imports(
        "pub use self::a::A;\nmod b;\nfn f() -> b::B {}\n",
        "x",
        "mod",
        &siblings,
    );
    assert_eq!(named.into_iter().collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn the_checker_sees_grouped_imports() {
    let named = named_areas(
        "use crate::{bench, check::report, client};\nuse crate::error::Failure;\n// crate::server in a comment\n",
    );
    assert_eq!(
        named.into_iter().collect::<Vec<_>>(),
        ["bench", "check", "client", "error"]
    );
}
