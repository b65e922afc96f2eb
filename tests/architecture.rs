//! The rules of the code's shape, held by a test instead of by memory (CONTRIBUTING.md):
//! - no import circle between the top-level modules under `src/`, unit-test modules included;
//! - the composition root (`app`) is imported by no other module;
//! - the views (`tui`, `report`) name nothing under `crate::analysis`: they read the
//!   `assessment` contract;
//! - every file the README, CONTRIBUTING.md or the code cites exists in the repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The top-level module a file under `src/` belongs to (`src/tui/view/dns.rs` → `tui`).
fn top_module(file: &Path) -> Option<String> {
    let relative = file.strip_prefix(root().join("src")).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// Every path a source text names after `crate::`, comments excluded: `crate::a::b` gives
/// `a::b`, and a group `crate::{a::{b, c}, d}` gives `a::b`, `a::c` and `d`.
fn crate_paths(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        expand("", &code[at + "crate::".len()..], &mut found);
    }
    found
}

/// Expands the use tree at the start of `rest` under `prefix` into full paths.
fn expand(prefix: &str, rest: &str, found: &mut Vec<String>) {
    let head: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let after = &rest[head.len()..];
    let path = format!("{prefix}{head}");
    let Some(group) = after.strip_prefix('{') else {
        found.push(path.trim_end_matches(':').to_string());
        return;
    };
    // Split the group at its top-level commas.
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                expand(&path, group[start..i].trim(), found);
                return;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&path, group[start..i].trim(), found);
                start = i + 1;
            }
            _ => {}
        }
    }
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&root().join("src")) {
        let Some(from) = top_module(&file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let entry = edges.entry(from.clone()).or_default();
        for path in crate_paths(&text) {
            let to = path.split("::").next().unwrap_or("").to_string();
            if !to.is_empty() && to != from && to != "self" {
                entry.insert(to);
            }
        }
    }
    edges
}

#[test]
fn no_import_circle_between_top_level_modules() {
    let edges = graph();
    // Depth-first search for a back edge; report the circle it closes.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(circle) = visit(node, &edges, &mut Vec::new(), &mut done) {
            panic!("import circle: {}", circle.join(" → "));
        }
    }
}

#[test]
fn the_path_reader_sees_groups_and_skips_comments() {
    let text = "use crate::{a, b::{c, d::E}};\n// crate::commented\nlet x = crate::f::g(1);";
    assert_eq!(crate_paths(text), ["a", "b::c", "b::d::E", "f::g"]);
}

#[test]
fn the_composition_root_is_imported_by_no_module() {
    for (from, to) in graph() {
        assert!(!to.contains("app"), "{from} imports crate::app");
    }
}

#[test]
fn views_name_nothing_under_the_analysis() {
    for view in ["tui", "report"] {
        for file in rust_files(&root().join("src").join(view)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for path in crate_paths(&text) {
                assert!(
                    !path.starts_with("analysis"),
                    "{} names crate::{path}: views read the assessment contract",
                    file.display()
                );
            }
        }
    }
}

/// Tokens that look like a path inside the repository, or a Markdown file's name.
fn cited_paths(text: &str) -> Vec<String> {
    const ROOTS: [&str; 8] = [
        "src/",
        "tests/",
        "benches/",
        "examples/",
        "packaging/",
        "themes/",
        ".ci/",
        "scripts/",
    ];
    let mut found = Vec::new();
    for token in text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '`' | '(' | ')' | '[' | ']' | '"' | '\'' | ',' | ';' | '|'
            )
    }) {
        let token = token.trim_end_matches(['.', ':']);
        // Templates, globs and placeholders name a family of files, not one.
        if token.contains(['*', '<', '{', '$']) || token.contains("://") {
            continue;
        }
        // `tests/scenarios/NAME.toml`: a capital placeholder.
        let placeholder = token
            .split(['/', '.'])
            .any(|part| part.len() > 1 && part.chars().all(|c| c.is_ascii_uppercase()));
        if placeholder {
            continue;
        }
        let is_path = ROOTS
            .iter()
            .any(|r| token.starts_with(r) && token.len() > r.len());
        let is_markdown =
            token.len() > ".md".len() && token.ends_with(".md") && !token.contains('/');
        if is_path || is_markdown {
            found.push(token.to_string());
        }
    }
    found
}

#[test]
fn every_file_the_docs_and_the_code_cite_exists() {
    let mut sources: Vec<PathBuf> = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", ".ci/run"]
        .iter()
        .map(|f| root().join(f))
        .collect();
    sources.extend(rust_files(&root().join("src")));
    sources.extend(
        rust_files(&root().join("tests"))
            .into_iter()
            .filter(|f| !f.ends_with("architecture.rs")),
    );
    sources.push(root().join("tests/scenarios/README.md"));
    for dir in ["packaging/windows", "packaging/linux", "packaging/macos"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
            if entry.path().is_file() {
                sources.push(entry.path());
            }
        }
    }
    let mut missing = Vec::new();
    for source in &sources {
        let Ok(text) = std::fs::read_to_string(source) else {
            continue;
        };
        // In code, what cites a file is a comment; string literals build paths of their own.
        let text = if source.extension().is_some_and(|e| e == "rs") {
            text.lines()
                .filter_map(|l| l.split_once("//").map(|(_, comment)| comment))
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            text
        };
        for cited in cited_paths(&text) {
            let in_tree = root().join(&cited).exists()
                || (cited.ends_with(".md") && !cited.contains('/') && {
                    // A bare file name: beside the citing file, or at the root.
                    source.parent().is_some_and(|d| d.join(&cited).exists())
                });
            if !in_tree {
                missing.push(format!(
                    "{} cites {cited}",
                    source.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "cited but not in the repository:\n{}",
        missing.join("\n")
    );
}
