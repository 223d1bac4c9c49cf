//! No module imports a module that imports it back, inside any folder: a
//! circle means two files that can only be understood (and changed)
//! together. Each folder's files are read for the sibling modules they name
//! (`super::x`, `crate::<folder>::x`, `use super::{x, …}`); a folder's
//! `mod.rs` is its front (it declares and re-exports the others) and is
//! left out, as are `#[cfg(test)]` modules at a file's end.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The sibling modules `text` (a file of folder `module_path`) refers to.
fn siblings(text: &str, module_path: &str, names: &BTreeSet<String>) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let mut found = BTreeSet::new();
    let prefixes = ["super::".to_string(), format!("crate::{module_path}::")];
    for prefix in &prefixes {
        for (at, _) in code.match_indices(prefix.as_str()) {
            let rest = &code[at + prefix.len()..];
            let listed: Vec<&str> = match rest.strip_prefix('{') {
                // `super::{a, b::c}`: the first name of each top-level item.
                Some(group) => {
                    let mut depth = 0;
                    let end = group
                        .char_indices()
                        .find(|&(_, c)| {
                            match c {
                                '{' => depth += 1,
                                '}' if depth == 0 => return true,
                                '}' => depth -= 1,
                                _ => {}
                            }
                            false
                        })
                        .map_or(group.len(), |(i, _)| i);
                    group[..end].split(',').collect()
                }
                None => vec![rest],
            };
            for item in listed {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if names.contains(&name) {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// Circles among the files (and subfolders) of `folder`, as `a → … → a`.
fn circles(folder: &Path, module_path: &str) -> Vec<String> {
    let mut names = BTreeSet::new();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).expect("folder is readable") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 name")
            .to_string();
        if path.is_dir() {
            names.insert(name.clone());
            files.push((name, collect_texts(&path)));
        } else if path.extension().is_some_and(|e| e == "rs") && name != "mod" {
            names.insert(name.clone());
            files.push((name, std::fs::read_to_string(&path).expect("source")));
        }
    }
    let graph: BTreeMap<String, BTreeSet<String>> = files
        .iter()
        .map(|(name, text)| {
            let mut uses = siblings(text, module_path, &names);
            uses.remove(name);
            (name.clone(), uses)
        })
        .collect();
    let mut found = Vec::new();
    for start in graph.keys() {
        // Depth-first from `start`, reporting a path that comes back to it.
        let mut stack = vec![vec![start.clone()]];
        let mut seen = BTreeSet::new();
        while let Some(path) = stack.pop() {
            let last = path.last().expect("non-empty");
            for next in &graph[last] {
                if next == start {
                    let mut circle = path.clone();
                    circle.push(start.clone());
                    found.push(format!("{module_path}: {}", circle.join(" → ")));
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push(longer);
                }
            }
        }
    }
    found
}

/// A subfolder counts as one module: all its files' text together.
fn collect_texts(folder: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(folder).expect("folder is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            text.push_str(&collect_texts(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            text.push_str(&std::fs::read_to_string(&path).expect("source"));
        }
    }
    text
}

#[test]
fn no_folder_has_an_import_circle() {
    let src = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut folders = vec![(src.clone(), String::new())];
    let mut found = Vec::new();
    while let Some((folder, module_path)) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("folder is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                let name = path.file_name().and_then(|s| s.to_str()).expect("utf-8");
                let inner = if module_path.is_empty() {
                    name.to_string()
                } else {
                    format!("{module_path}::{name}")
                };
                folders.push((path, inner));
            }
        }
        // The crate root's modules are the layers; their direction is
        // docs/ARCHITECTURE.md's business, not this test's.
        if !module_path.is_empty() {
            found.extend(circles(&folder, &module_path));
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_circle() {
    let names: BTreeSet<String> = ["a", "b"].iter().map(ToString::to_string).collect();
    assert_eq!(
        siblings("use super::{b::X, c};\nuse crate::f::a;", "f", &names),
        names
    );
    assert!(siblings("use super::api::Y;", "f", &names).is_empty());
}
