//! The rules of the code's shape, held by a test instead of by memory (CONTRIBUTING.md):
//! - every file the README, CONTRIBUTING.md or the code cites exists in the repository.

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
