//! The library's modules import one way (issue #33): commands -> engine -> stage 1 and the
//! catalogue -> storage, never back. A circle of imports among pipeline/src's modules fails
//! here, naming the modules in it. A module is a file of pipeline/src or a folder with its
//! files; an import is any `crate::<module>` path outside the module's `#[cfg(test)]` part.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// module -> the modules it imports.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipeline/src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![];
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path).unwrap() {
                files.push((path.file_name().unwrap().to_string_lossy().to_string(), inner.unwrap().path()));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push((path.file_stem().unwrap().to_string_lossy().to_string(), path));
        }
    }
    for (module, path) in files {
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let deps = graph.entry(module.clone()).or_default();
        // `crate::name` and the names in `crate::{a, b::c}`
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap()].split(',').map(|n| n.trim().split("::").next().unwrap()).collect(),
                None => vec![rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap()],
            };
            deps.extend(names.into_iter().filter(|n| !n.is_empty() && *n != module).map(str::to_string));
        }
    }
    graph
}

/// A circle through `from`, if there is one (depth first).
fn circle(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    fn walk(graph: &BTreeMap<String, BTreeSet<String>>, node: &str, path: &mut Vec<String>, seen: &mut BTreeSet<String>) -> Option<Vec<String>> {
        for next in graph.get(node).into_iter().flatten() {
            if next == &path[0] {
                return Some(path.clone());
            }
            if graph.contains_key(next) && seen.insert(next.clone()) {
                path.push(next.clone());
                if let Some(found) = walk(graph, next, path, seen) {
                    return Some(found);
                }
                path.pop();
            }
        }
        None
    }
    walk(graph, from, &mut vec![from.to_string()], &mut BTreeSet::new())
}

#[test]
fn no_module_of_the_library_imports_one_that_imports_it_back() {
    let graph = imports();
    // the reading of imports works: some known one-way edges are found
    assert!(graph["run"].contains("manifest") && graph["inputs"].contains("lineage") && graph["report"].contains("rows"), "{graph:?}");
    for module in graph.keys() {
        assert_eq!(circle(&graph, module), None, "modules that import each other in a circle");
    }
}

#[test]
fn a_planted_circle_is_found() {
    let mut graph = imports();
    graph.get_mut("lineage").unwrap().insert("run".to_string());
    let found = circle(&graph, "lineage").expect("lineage -> run -> ... -> lineage");
    assert_eq!((found.first().map(String::as_str), found.len() >= 2), (Some("lineage"), true), "{found:?}");
}
