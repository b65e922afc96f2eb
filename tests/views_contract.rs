//! The views read the assessment contract (`crate::assessment`), the knowledge vocabulary and
//! the snapshot's types, never the analysis's internals: no file of the dashboard or the report
//! names anything under `crate::analysis`.

use std::fs;
use std::path::{Path, PathBuf};

/// Files that still wire the analysis in, and why (each to disappear with that wiring).
const NOT_YET: [&str; 1] = [
    // The dashboard's live loop runs the analyser; it moves out to the composition root.
    "src/tui/mod.rs",
];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_view_file_names_the_analysis() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src/tui", "src/report"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(
        files.iter().any(|f| f.ends_with("src/tui/view/dns.rs")),
        "the views were not found under {}",
        root.display()
    );
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !NOT_YET.iter().any(|n| f.ends_with(n)))
        .filter_map(|f| {
            let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let lines: Vec<String> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.contains("crate::analysis") || l.contains("ssetop::analysis"))
                .map(|(n, l)| format!("{}:{}: {}", f.display(), n + 1, l.trim()))
                .collect();
            (!lines.is_empty()).then(|| lines.join("\n"))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "views must read crate::assessment, not the analysis:\n{}",
        offenders.join("\n")
    );
}
