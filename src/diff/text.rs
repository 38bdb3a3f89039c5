//! The readable diff: pretty-printed normalised JSON, unified, with context lines, as lines
//! that say what they are. Plain text: a printer colours it (`report::color`), a report
//! writes it as it is.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// What a line of a unified diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// `--- baseline` and `+++ replay`.
    Header,
    /// `@@ -15,7 +15,7 @@`.
    Hunk,
    /// A line both sides have, shown for context.
    Same,
    /// A line only the baseline has.
    Removed,
    /// A line only the replay has.
    Added,
}

/// One line of a diff, its sign included, its newline not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub tag: Tag,
    pub text: String,
}

/// A unified diff as lines; `Display` (and a report's JSON) gives the text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unified {
    pub lines: Vec<Line>,
}

impl Unified {
    /// True when there is no diff to show.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn push(&mut self, tag: Tag, text: String) {
        self.lines.push(Line { tag, text });
    }
}

impl fmt::Display for Unified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            writeln!(f, "{}", line.text)?;
        }
        Ok(())
    }
}

impl Serialize for Unified {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A unified diff of two JSON values (baseline first), three lines of context, only the
/// changed regions of large answers.
pub fn unified(baseline: &Value, live: &Value) -> Unified {
    let left = serde_json::to_string_pretty(baseline).unwrap_or_default() + "\n";
    let right = serde_json::to_string_pretty(live).unwrap_or_default() + "\n";
    let diff = TextDiff::from_lines(&left, &right);
    let mut out = Unified::default();
    out.push(Tag::Header, "--- baseline".into());
    out.push(Tag::Header, "+++ replay".into());
    for group in diff.grouped_ops(3) {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let old = first.old_range().start..last.old_range().end;
        let new = first.new_range().start..last.new_range().end;
        out.push(
            Tag::Hunk,
            format!(
                "@@ -{},{} +{},{} @@",
                old.start + 1,
                old.len(),
                new.start + 1,
                new.len()
            ),
        );
        for op in &group {
            for change in diff.iter_changes(op) {
                let (sign, tag) = match change.tag() {
                    ChangeTag::Delete => ('-', Tag::Removed),
                    ChangeTag::Insert => ('+', Tag::Added),
                    ChangeTag::Equal => (' ', Tag::Same),
                };
                let value = change.value();
                out.push(tag, format!("{sign}{}", value.trim_end_matches('\n')));
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
        let text = unified(&Value::Object(baseline), &Value::Object(live)).to_string();
        assert!(
            text.contains("-  \"k25\": 25,\n+  \"k25\": 99,\n"),
            "{text}"
        );
        assert!(
            text.contains("   \"k22\": 22,") && !text.contains("k10"),
            "{text}"
        );
        let lines = unified(&json!({"a": 1}), &json!({"a": 2})).lines;
        let tags: Vec<Tag> = lines.iter().map(|l| l.tag).collect();
        use Tag::*;
        assert_eq!(tags, [Header, Header, Hunk, Same, Removed, Added, Same]);
        assert_eq!(lines[4].text, "-  \"a\": 1");
    }
}
