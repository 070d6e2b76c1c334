//! The crate's module graph has no cycles: no top-level module reaches itself through
//! `crate::` paths (`use crate::config::…` in `bundle` and `use crate::bundle::…` in `config` is
//! a cycle), and no two sibling modules inside one top-level module (`verify::checks` and
//! `verify::probe`) import each other round a loop. Test code (`#[cfg(test)]`) counts too.
//! Parses `src/` with `syn`; a cycle fails with the path of modules and a file per edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use syn::visit::Visit;

use crate::harness::repo_root;

/// Edges `from → to` between modules, each with one file that makes it.
type Graph = BTreeMap<String, BTreeMap<String, PathBuf>>;

/// The module path of a source file: `src/verify/checks/fk_indexed.rs` → `verify::checks::fk_indexed`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::a::b::…` path of a file (imports and paths in code), as segments after `crate`.
#[derive(Default)]
struct CratePaths(Vec<Vec<String>>);

impl CratePaths {
    fn push(&mut self, segments: Vec<String>) {
        if segments.first().is_some_and(|s| s == "crate") && segments.len() > 1 {
            self.0.push(segments[1..].to_vec());
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let mut full = prefix.clone();
                full.push(name.ident.to_string());
                self.push(full);
            }
            syn::UseTree::Rename(rename) => {
                let mut full = prefix.clone();
                full.push(rename.ident.to_string());
                self.push(full);
            }
            syn::UseTree::Glob(_) => self.push(prefix.clone()),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for CratePaths {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.push(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }
}

/// A source file of `src/`: its module path and every `crate::` path in it.
struct SourceModule {
    file: PathBuf,
    module: Vec<String>,
    paths: Vec<Vec<String>>,
}

/// Every file of `src/`, parsed once for all the tests.
fn sources() -> &'static [SourceModule] {
    static SOURCES: OnceLock<Vec<SourceModule>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        let src = repo_root().join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        files
            .into_iter()
            .map(|file| {
                let text = std::fs::read_to_string(&file).unwrap();
                let syntax =
                    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                let mut paths = CratePaths::default();
                paths.visit_file(&syntax);
                SourceModule {
                    module: module_of(&src, &file),
                    file: file.strip_prefix(repo_root()).unwrap().to_path_buf(),
                    paths: paths.0,
                }
            })
            .collect()
    })
}

/// The module graph of `src/` at `depth` (1: top-level modules; 2: a top-level module's
/// children, edges only between siblings).
fn graph(depth: usize) -> Graph {
    let sources = sources();
    let modules: BTreeSet<&[String]> = sources.iter().map(|s| s.module.as_slice()).collect();
    let mut graph = Graph::new();
    for source in sources {
        let from = &source.module;
        if from.len() < depth {
            continue;
        }
        for path in &source.paths {
            // The longest prefix of the path that names a module, cut to `depth` segments.
            let target: &[String] = (1..=path.len())
                .rev()
                .map(|n| &path[..n])
                .find(|prefix| modules.contains(prefix))
                .unwrap_or_default();
            if target.len() < depth || target[..depth - 1] != from[..depth - 1] {
                continue;
            }
            let (from, to) = (from[..depth].join("::"), target[..depth].join("::"));
            if from != to {
                graph
                    .entry(from)
                    .or_default()
                    .entry(to)
                    .or_insert_with(|| source.file.clone());
            }
        }
    }
    graph
}

/// One cycle of `graph`, as the modules along it (first repeated at the end), if any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn walk(
        graph: &Graph,
        node: &str,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|edges| edges.keys()) {
            if let Some(cycle) = walk(graph, next, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| walk(graph, node, &mut Vec::new(), &mut done))
}

fn describe(graph: &Graph, cycle: &[String]) -> String {
    cycle
        .windows(2)
        .map(|pair| {
            format!(
                "  {} -> {} ({})",
                pair[0],
                pair[1],
                graph[&pair[0]][&pair[1]].display()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let graph = graph(1);
    assert!(graph.len() > 5, "the module graph looks empty: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle between modules:\n{}",
            describe(&graph, &cycle)
        );
    }
}

#[test]
fn sibling_modules_import_each_other_without_cycles() {
    let graph = graph(2);
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle between sibling modules:\n{}",
            describe(&graph, &cycle)
        );
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut graph = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph
            .entry(from.into())
            .or_default()
            .insert(to.into(), PathBuf::from(format!("src/{from}.rs")));
    }
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
    graph.get_mut("c").unwrap().remove("a");
    assert_eq!(find_cycle(&graph), None);
}
