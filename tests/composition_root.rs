//! The composition root stays a root: nothing under `src/` names `crate::app` (only
//! `src/main.rs` calls it), and the modules that wire the modes (`error`, `live`, `replay`,
//! `tui`) sit in no import circle between top-level modules. Read from the source, test
//! modules included.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ reads") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules `text` names: `crate::name` and `crate::{a, b::c}`.
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                names.insert(name);
            }
        } else {
            names.insert(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    names
}

/// Each top-level module (a file or a directory under `src/`) and the others it names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        graph
            .entry(module.clone())
            .or_default()
            .extend(named_modules(&text).into_iter().filter(|m| *m != module));
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for named in graph.values_mut() {
        named.retain(|m| modules.contains(m));
    }
    graph
}

fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(module) = stack.pop() {
        for next in &graph[&module] {
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    seen
}

#[test]
fn the_parser_reads_single_and_grouped_imports() {
    let text = "use crate::error::AppError;\nuse crate::{live, replay::ReplayEngine};\n\
                let x = crate::util::f();";
    let names: Vec<String> = named_modules(text).into_iter().collect();
    assert_eq!(names, ["error", "live", "replay", "util"]);
}

#[test]
fn nothing_under_src_names_the_composition_root() {
    let graph = imports();
    assert!(graph.contains_key("app"), "src/app.rs is read");
    let importers: Vec<&String> = graph
        .iter()
        .filter(|(_, named)| named.contains("app"))
        .map(|(module, _)| module)
        .collect();
    assert!(importers.is_empty(), "crate::app named by {importers:?}");
}

#[test]
fn the_wiring_modules_are_in_no_import_circle() {
    let graph = imports();
    for module in ["app", "error", "live", "replay", "tui"] {
        assert!(graph.contains_key(module), "src/{module} is read");
        let back: Vec<&String> = graph[module]
            .iter()
            .filter(|next| reachable(&graph, next).contains(module))
            .collect();
        assert!(
            back.is_empty(),
            "{module} names {back:?}, which lead back to {module}"
        );
    }
}
