//! Every scenario in the spec's examples folder gives exactly its expected
//! output, through the same functions `kairos slots` uses.
//!
//! The folder is read at run time so new examples are picked up: the shared
//! spec (`../shared/spec/examples`) when it is beside the checkout, and the
//! copy under `fixtures/spec/examples` that ships with the repository (which
//! must then be identical, so the copy never goes stale).

use kairos::engine::find_slots;
use kairos::scenario::{parse_scenario, slots_json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn examples_in(dir: &Path) -> BTreeMap<String, (PathBuf, PathBuf)> {
    let mut found = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if let Some(stem) = name
            .strip_suffix(".json")
            .filter(|s| !s.ends_with(".expected"))
        {
            let expected = dir.join(format!("{stem}.expected.json"));
            assert!(
                expected.exists(),
                "{} has no expected output",
                path.display()
            );
            found.insert(stem.to_string(), (path, expected));
        }
    }
    found
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("readable example");
    serde_json::from_str(&text).expect("example is JSON")
}

fn check_folder(dir: &Path) -> usize {
    let examples = examples_in(dir);
    for (name, (scenario, expected)) in &examples {
        let text = std::fs::read_to_string(scenario).expect("readable scenario");
        let query = parse_scenario(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = slots_json(&query, &find_slots(&query));
        assert_eq!(got, read_json(expected), "{name} ({})", dir.display());
    }
    examples.len()
}

#[test]
fn shipped_examples_give_their_expected_output() {
    let count = check_folder(&manifest_dir().join("fixtures/spec/examples"));
    assert!(count >= 13, "expected the spec's examples, found {count}");
}

#[test]
fn shared_spec_examples_give_their_expected_output() {
    let shared = manifest_dir().join("../shared/spec/examples");
    if !shared.is_dir() {
        eprintln!("no shared spec beside the checkout; the shipped copy is tested instead");
        return;
    }
    check_folder(&shared);
}

#[test]
fn shipped_copy_matches_the_shared_spec() {
    let shared = manifest_dir().join("../shared/spec/examples");
    if !shared.is_dir() {
        return;
    }
    let shipped = manifest_dir().join("fixtures/spec/examples");
    for (name, (scenario, expected)) in examples_in(&shared) {
        for path in [scenario, expected] {
            let file = path.file_name().expect("file name");
            let copy = shipped.join(file);
            assert!(
                copy.exists(),
                "{name}: copy {} into fixtures/spec/examples",
                path.display()
            );
            assert_eq!(
                read_json(&path),
                read_json(&copy),
                "{name}: fixtures/spec/examples is stale"
            );
        }
    }
}

/// `kairos slots --help` points to the spec shipped under docs/; it must be
/// the shared one, word for word.
#[test]
fn shipped_spec_matches_the_shared_spec() {
    let shipped = manifest_dir().join("docs/availability-spec.md");
    let shipped = std::fs::read_to_string(&shipped).expect("docs/availability-spec.md is shipped");
    let shared = manifest_dir().join("../shared/spec/availability.md");
    if !shared.is_file() {
        return;
    }
    let shared = std::fs::read_to_string(&shared).expect("shared spec");
    assert!(
        shipped == shared,
        "docs/availability-spec.md is stale: copy ../shared/spec/availability.md over it"
    );
}
