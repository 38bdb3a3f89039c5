//! The readable diff: pretty-printed normalised JSON, unified, with context lines, in colour
//! on a terminal.

use std::io::IsTerminal;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    /// on a terminal, unless NO_COLOR is set
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether standard output gets colour.
    pub fn enabled(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// A unified diff of two JSON values (baseline first), three lines of context, only the
/// changed regions of large answers.
pub fn unified(baseline: &Value, live: &Value, color: bool) -> String {
    let left = serde_json::to_string_pretty(baseline).unwrap_or_default() + "\n";
    let right = serde_json::to_string_pretty(live).unwrap_or_default() + "\n";
    let diff = TextDiff::from_lines(&left, &right);
    let mut out = String::from("--- baseline\n+++ replay\n");
    for group in diff.grouped_ops(3) {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let old = first.old_range().start..last.old_range().end;
        let new = first.new_range().start..last.new_range().end;
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            old.start + 1,
            old.len(),
            new.start + 1,
            new.len()
        ));
        for op in &group {
            for change in diff.iter_changes(op) {
                let (sign, paint) = match change.tag() {
                    ChangeTag::Delete => ('-', "\x1b[31m"),
                    ChangeTag::Insert => ('+', "\x1b[32m"),
                    ChangeTag::Equal => (' ', ""),
                };
                let line = format!("{sign}{}", change.value());
                if color && !paint.is_empty() {
                    out.push_str(&format!("{paint}{}\x1b[0m\n", line.trim_end_matches('\n')));
                } else {
                    out.push_str(&line);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_regions_with_context() {
        let mut baseline = serde_json::Map::new();
        let mut live = serde_json::Map::new();
        for i in 0..50 {
            baseline.insert(format!("k{i:02}"), json!(i));
            live.insert(format!("k{i:02}"), json!(if i == 25 { 99 } else { i }));
        }
        let text = unified(&Value::Object(baseline), &Value::Object(live), false);
        assert!(
            text.contains("-  \"k25\": 25,\n+  \"k25\": 99,\n"),
            "{text}"
        );
        assert!(
            text.contains("   \"k22\": 22,") && !text.contains("k10"),
            "{text}"
        );
        let painted = unified(&json!({"a": 1}), &json!({"a": 2}), true);
        assert!(
            painted.contains("\x1b[31m-  \"a\": 1\x1b[0m"),
            "{painted:?}"
        );
    }
}
