//! The layout's boundaries, read from the source (src/lib.rs has the map):
//! each area imports only the areas below it, and the reference model is
//! pure. A new `use crate::…` across a boundary fails here, naming the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Which areas of the crate each area may name (`crate::AREA`).
const ALLOWED: &[(&str, &[&str])] = &[
    // What the FastAPI app does, byte for byte: nothing else of the crate.
    ("reference", &["reference"]),
    // What 200 and 201 mean: shared by both sides, so it depends on neither.
    ("contract", &[]),
    ("error", &[]),
    // The server side.
    ("server", &["server", "reference", "contract"]),
    // The client side: never the server or the reference model.
    ("client", &["client", "contract", "error"]),
    ("check", &["check", "client", "contract", "error"]),
    ("bench", &["bench", "client", "contract", "error"]),
    // The command line names the check names, --expect and serve's defaults.
    ("cli", &["cli", "check", "contract", "server"]),
];

/// What the pure reference model must not touch: I/O, the clock, threads,
/// the environment, the async runtime.
const IMPURE: &[&str] = &[
    "tokio",
    "std::fs",
    "std::env",
    "std::thread",
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
fn the_reference_model_is_pure() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/reference");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(files.len() >= 8, "{files:?}");
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
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
    assert!(found.is_empty(), "{found:#?}");
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
