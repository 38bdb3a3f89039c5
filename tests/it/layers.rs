//! The layers only point down: capture → odoo → template → replay → report → commands →
//! main, with `diff/` beside the pipeline (the generic JSON comparison replay uses) and a
//! floor every layer may use (errors, JSON paths, text helpers, secrets). Checked on every
//! `crate::` (and crate-reaching `super::`) path in `src/`, tests included, so an import that
//! points up fails here rather than in a review.

use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer. A module may use its own layer's code, the
/// floor (0), and modules of lower layers; never a module above it, nor another module of
/// its own layer (diff and template stay apart, and so do replay, export and mock).
const LAYERS: &[(&str, u32)] = &[
    ("error", 0),
    ("path", 0),
    ("secret", 0),
    ("text", 0),
    ("capture", 1),
    ("odoo", 2),
    ("diff", 3),
    ("template", 3),
    ("export", 4),
    ("mock", 4),
    ("replay", 4),
    ("report", 5),
    ("cli", 6),
    ("commands", 7),
    ("main", 8),
];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn allowed(from: &str, to: &str) -> bool {
    match (layer(from), layer(to)) {
        _ if from == to => true,
        (Some(_), Some(0)) => true,
        (Some(a), Some(b)) => b < a,
        _ => false,
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file below `src/`: `replay/run.rs` is `[replay, run]`, `replay/mod.rs`
/// is `[replay]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The top-level modules a line names through `crate::` or through enough `super::` to
/// reach the crate root from `module`.
fn named(line: &str, module: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let ident = |text: &str| -> String {
        text.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in line.match_indices("crate::") {
        if line[..at].ends_with('$') {
            continue;
        }
        let rest = &line[at + "crate::".len()..];
        match rest.strip_prefix('{') {
            // `use crate::{a::X, b};`
            Some(group) => {
                let group = group.split('}').next().unwrap_or("");
                for item in group.split(',') {
                    let name = ident(item.trim());
                    if !name.is_empty() {
                        found.push(name);
                    }
                }
            }
            None => found.push(ident(rest)),
        }
    }
    let mut rest = line;
    while let Some(at) = rest.find("super::") {
        let mut tail = &rest[at..];
        let mut ups = 0;
        while let Some(after) = tail.strip_prefix("super::") {
            ups += 1;
            tail = after;
        }
        // Each `super` leaves one module; leaving them all reaches the crate's root.
        if ups >= module.len() {
            found.push(ident(tail));
        }
        rest = tail;
    }
    found
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        if relative == Path::new("lib.rs") {
            continue;
        }
        let module = module_path(relative);
        let top = &module[0];
        if layer(top).is_none() {
            problems.push(format!(
                "src/{}: `{top}` has no layer in tests/it/layers.rs",
                relative.display()
            ));
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let mut scope = module.clone();
        for (number, line) in text.lines().enumerate() {
            // An inline test module is one level deeper: its `super::` is the file's module.
            if line.trim_start().starts_with("#[cfg(test)]") {
                scope = module.iter().cloned().chain(["tests".into()]).collect();
            }
            if line.trim_start().starts_with("//") {
                continue;
            }
            for to in named(line, &scope) {
                if !allowed(top, &to) {
                    problems.push(format!(
                        "src/{}:{}: {top} (layer {:?}) uses {to} (layer {:?}): {}",
                        relative.display(),
                        number + 1,
                        layer(top),
                        layer(&to),
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_check_sees_what_it_must() {
    let replay = ["replay".to_string(), "run".to_string()];
    assert_eq!(
        named("use crate::report::color::paint;", &replay),
        ["report"]
    );
    assert_eq!(
        named("use crate::{commands, odoo::Kind};", &replay),
        ["commands", "odoo"]
    );
    assert_eq!(
        named("super::super::commands::run()", &replay),
        ["commands"]
    );
    assert!(named("use super::judge::Verdict;", &replay).is_empty());
    let tests = ["template".into(), "render".into(), "tests".into()];
    assert!(named("super::super::extract::template_text(x)", &tests).is_empty());
    assert!(!allowed("replay", "report"));
    assert!(!allowed("template", "diff") && !allowed("diff", "template"));
    assert!(!allowed("export", "replay"));
    assert!(allowed("report", "replay") && allowed("capture", "error"));
}
