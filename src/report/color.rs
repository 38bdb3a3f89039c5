//! Colour, added only when printing to a terminal: verdicts and reports hold plain text.

use std::io::IsTerminal;

use crate::diff::{Tag, Unified};

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

/// A diff as text for the terminal: removed lines red and added lines green when `color`.
pub fn paint(diff: &Unified, color: bool) -> String {
    let mut out = String::new();
    for line in &diff.lines {
        let paint = match line.tag {
            Tag::Removed => "\x1b[31m",
            Tag::Added => "\x1b[32m",
            Tag::Header | Tag::Hunk | Tag::Same => "",
        };
        if color && !paint.is_empty() {
            out.push_str(&format!("{paint}{}\x1b[0m\n", line.text));
        } else {
            out.push_str(&line.text);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_lines_are_painted_and_only_when_asked() {
        let diff = crate::diff::unified(&json!({"a": 1}), &json!({"a": 2}));
        let painted = paint(&diff, true);
        assert!(
            painted.contains("\x1b[31m-  \"a\": 1\x1b[0m\n\x1b[32m+  \"a\": 2\x1b[0m\n"),
            "{painted:?}"
        );
        assert!(
            painted.starts_with("--- baseline\n+++ replay\n@@"),
            "{painted:?}"
        );
        assert_eq!(paint(&diff, false), diff.to_string());
    }
}
