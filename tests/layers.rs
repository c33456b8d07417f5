//! The layer rule of ARCHITECTURE.md, enforced: every `crate::` (and `super::`) path in
//! `src/**/*.rs` is resolved to the module file it names; a file may import only from its own
//! layer or a layer below it, the pure layers (`domain`, `feeds`, `model`) only from pure layers
//! and `error`, and no two files may import each other, directly or round a longer loop.
//!
//! Paths are read with `syn`, so use trees, paths inside expressions and types, and paths inside
//! macro invocations all count; comments and strings never do. Test code counts too: a test in
//! the model that needs the store is still a model that needs the store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// Every top-level module of the crate with its rank: a file may import from a module of a
/// lower rank, or from its own module. Listing every module here is the point: a new
/// top-level module fails the test until it is placed.
const LAYERS: &[(&str, u8)] = &[
    // Plumbing every layer may use.
    ("error", 0),
    ("config", 1),
    ("telemetry", 2),
    // Pure: no I/O, no framework.
    ("domain", 3),
    ("feeds", 4),
    ("model", 5),
    // The journey planner computes over the model's delay distributions.
    ("planner", 6),
    // I/O, bottom up.
    ("store", 7),
    ("cache", 8),
    ("state", 9),
    ("service", 10),
    ("http", 11),
    // Wiring: the process and its commands.
    ("server", 12),
    ("cli", 13),
];

/// Layers with no I/O: they may import only each other (downwards) and `error`.
const PURE: &[&str] = &["domain", "feeds", "model", "planner"];

/// The crate root and the binary declare modules and wire the process; they are not layered.
const UNLAYERED: &[&str] = &["src/lib.rs", "src/main.rs"];

#[test]
fn no_file_imports_from_a_layer_above_its_own_and_no_files_import_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    assert!(
        files.len() > 50,
        "found only {} source files under {}",
        files.len(),
        root.display()
    );
    let problems = check(&files);
    assert!(
        problems.is_empty(),
        "layer rule broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_model_file_importing_the_store_is_a_violation() {
    let problems = check(&[
        source("model/delay.rs", "use crate::store::Db;"),
        source("store.rs", ""),
    ]);
    assert_eq!(
        problems,
        ["src/model/delay.rs imports crate::store::Db (layer store is above model)"]
    );
}

#[test]
fn a_pure_layer_importing_plumbing_other_than_error_is_a_violation() {
    let problems = check(&[
        source(
            "feeds/hsp.rs",
            "use crate::error::Error; fn f() { crate::telemetry::log(); }",
        ),
        source("error.rs", ""),
        source("telemetry.rs", ""),
    ]);
    assert_eq!(
        problems,
        ["src/feeds/hsp.rs imports crate::telemetry::log (feeds is pure; telemetry is not)"]
    );
}

#[test]
fn paths_in_macros_nested_use_trees_and_super_are_all_seen() {
    let problems = check(&[
        source(
            "cache/key.rs",
            "use crate::{domain::Crs, service::{fares::TimeBand}};",
        ),
        source(
            "store/memo.rs",
            "#[cfg(test)] mod tests { fn f() { tracing::info!(\"{}\", crate::http::X); } }",
        ),
        source(
            "domain/crs.rs",
            "mod inner { use super::super::geo::LatLon; use super::super::super::model::P; }",
        ),
        source("domain.rs", ""),
        source("domain/geo.rs", ""),
        source("model.rs", ""),
        source("service/fares.rs", ""),
        source("http.rs", ""),
    ]);
    assert_eq!(
        problems,
        [
            "src/cache/key.rs imports crate::service::fares::TimeBand (layer service is above cache)",
            "src/domain/crs.rs imports crate::model::P (layer model is above domain)",
            "src/store/memo.rs imports crate::http::X (layer http is above store)",
        ]
    );
}

#[test]
fn two_files_importing_each_other_are_a_cycle_even_within_one_layer() {
    let problems = check(&[
        source("service/fares.rs", "use crate::service::predict::Core;"),
        source("service/predict.rs", "use crate::service::quote::Q;"),
        source("service/quote.rs", "use crate::service::fares::FaresBlock;"),
        source(
            "service/request.rs",
            "use crate::service::fares::FaresBlock;",
        ),
    ]);
    assert_eq!(
        problems,
        [
            "import cycle: src/service/fares.rs -> src/service/predict.rs -> src/service/quote.rs -> src/service/fares.rs"
        ]
    );
}

#[test]
fn a_top_level_module_missing_from_the_table_must_be_placed() {
    let problems = check(&[source("utils.rs", "")]);
    assert_eq!(
        problems,
        ["src/utils.rs is in module utils, which has no place in LAYERS"]
    );
}

/// One source file: its path under `src/` and its text.
struct Source {
    path: String,
    text: String,
}

fn source(path: &str, text: &str) -> Source {
    Source {
        path: path.to_owned(),
        text: text.to_owned(),
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<Source>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let relative = path.strip_prefix(root).expect("under src");
            let relative = relative.to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            files.push(Source {
                path: relative,
                text,
            });
        }
    }
}

/// The module path a file under `src/` defines: `store/fares.rs` is `store::fares`.
fn module_of(path: &str) -> Vec<String> {
    path.trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect()
}

/// Every problem found, sorted: layer violations, unplaced modules, then cycles.
fn check(files: &[Source]) -> Vec<String> {
    let modules: BTreeMap<Vec<String>, &str> = files
        .iter()
        .filter(|f| !UNLAYERED.contains(&format!("src/{}", f.path).as_str()))
        .map(|f| (module_of(&f.path), f.path.as_str()))
        .collect();
    let rank = |layer: &str| LAYERS.iter().find(|(l, _)| *l == layer).map(|(_, r)| *r);
    let mut problems = BTreeSet::new();
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (module, path) in &modules {
        let layer = module[0].as_str();
        let Some(own_rank) = rank(layer) else {
            problems.insert(format!(
                "src/{path} is in module {layer}, which has no place in LAYERS"
            ));
            continue;
        };
        let text = &files
            .iter()
            .find(|f| f.path == *path)
            .expect("listed file")
            .text;
        let ast = syn::parse_file(text).unwrap_or_else(|e| panic!("src/{path}: {e}"));
        let mut paths = Paths {
            file_module: module.clone(),
            inline: Vec::new(),
            found: Vec::new(),
        };
        paths.visit_file(&ast);
        for target in paths.found {
            let Some(to_layer) = target.first().map(String::as_str) else {
                continue;
            };
            let shown = format!("crate::{}", target.join("::"));
            // The deepest module file the path names (an item's path names its file).
            let to_file = (1..=target.len())
                .rev()
                .find_map(|n| modules.get(&target[..n]).copied());
            if let Some(to_file) = to_file
                && to_file != *path
            {
                edges.entry(path).or_default().insert(to_file);
            }
            if to_layer == layer {
                continue;
            }
            match rank(to_layer) {
                None => {
                    problems.insert(format!(
                        "src/{path} imports {shown}, but {to_layer} has no place in LAYERS"
                    ));
                }
                Some(to_rank) if to_rank > own_rank => {
                    problems.insert(format!(
                        "src/{path} imports {shown} (layer {to_layer} is above {layer})"
                    ));
                }
                Some(_)
                    if PURE.contains(&layer)
                        && !PURE.contains(&to_layer)
                        && to_layer != "error" =>
                {
                    problems.insert(format!(
                        "src/{path} imports {shown} ({layer} is pure; {to_layer} is not)"
                    ));
                }
                Some(_) => {}
            }
        }
    }
    let mut problems: Vec<String> = problems.into_iter().collect();
    problems.extend(cycles(&edges));
    problems
}

/// Each import cycle between files, once, as the loop it makes.
fn cycles(edges: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<String> {
    fn walk<'a>(
        node: &'a str,
        edges: &BTreeMap<&str, BTreeSet<&'a str>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        found: &mut BTreeSet<Vec<&'a str>>,
    ) {
        if let Some(at) = stack.iter().position(|n| *n == node) {
            let mut cycle: Vec<&str> = stack[at..].to_vec();
            // Start every cycle at its smallest file so each is reported once.
            let min = (0..cycle.len()).min_by_key(|i| cycle[*i]).unwrap_or(0);
            cycle.rotate_left(min);
            found.insert(cycle);
            return;
        }
        if done.contains(node) {
            return;
        }
        stack.push(node);
        for next in edges.get(node).into_iter().flatten() {
            walk(next, edges, stack, done, found);
        }
        stack.pop();
        done.insert(node);
    }
    let mut found = BTreeSet::new();
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        walk(node, edges, &mut Vec::new(), &mut done, &mut found);
    }
    found
        .into_iter()
        .map(|cycle| {
            let mut shown: Vec<String> = cycle.iter().map(|f| format!("src/{f}")).collect();
            shown.push(format!("src/{}", cycle[0]));
            format!("import cycle: {}", shown.join(" -> "))
        })
        .collect()
}

/// Collects the crate-absolute module paths a file refers to.
struct Paths {
    /// The module the file defines.
    file_module: Vec<String>,
    /// Inline `mod name { … }` blocks entered, innermost last.
    inline: Vec<String>,
    /// Absolute paths (without `crate`), in the order met.
    found: Vec<Vec<String>>,
}

impl Paths {
    /// Resolves a path written in the current module; `None` when it is not crate-relative
    /// (an external crate, a local name, or a child module named without `crate::`).
    fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let first = segments.first()?;
        if first == "crate" {
            return Some(segments[1..].to_vec());
        }
        if first != "super" {
            return None;
        }
        let mut base: Vec<String> = self
            .file_module
            .iter()
            .chain(&self.inline)
            .cloned()
            .collect();
        let mut rest = segments;
        while rest.first().is_some_and(|s| s == "super") {
            base.pop();
            rest = &rest[1..];
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn record(&mut self, segments: Vec<String>) {
        if let Some(path) = self.resolve(&segments)
            && !path.is_empty()
        {
            self.found.push(path);
        }
    }

    /// Every path of a use tree, flattened (`a::{b, c::d}` gives `a::b` and `a::c::d`; a glob
    /// or `self` gives the module it is in).
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) if n.ident == "self" => self.record(prefix.clone()),
            syn::UseTree::Name(n) => {
                let mut path = prefix.clone();
                path.push(n.ident.to_string());
                self.record(path);
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_string());
                }
                self.record(path);
            }
            syn::UseTree::Glob(_) => self.record(prefix.clone()),
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item);
                }
            }
        }
    }

    /// `crate :: a :: b …` and `super :: …` sequences inside a macro's tokens.
    fn tokens(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Group(g) => self.tokens(g.stream()),
                TokenTree::Ident(id) if id == "crate" || id == "super" => {
                    let mut segments = vec![id.to_string()];
                    let mut j = i + 1;
                    while let (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) =
                        (tokens.get(j), tokens.get(j + 1))
                    {
                        let Some(TokenTree::Ident(next)) = tokens.get(j + 2) else {
                            break;
                        };
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        segments.push(next.to_string());
                        j += 3;
                    }
                    if segments.len() > 1 {
                        self.record(segments);
                    }
                    i = j - 1;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.inline.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.inline.pop();
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.record(segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.tokens(mac.tokens.clone());
    }
}
