//! A reader for the TOML that `extract` writes, an order of magnitude faster than the `toml`
//! crate's on the manifests of large suites (7 MB for 20,000 steps).
//!
//! It reads a strict subset: `[table]` and `[[array.of.tables]]` headers (bare or quoted
//! keys), `key = value` lines with bare or quoted keys, and values that are basic or literal
//! one-line strings, decimal integers, booleans, arrays (over several lines too) and
//! one-line inline tables, with comments and blank lines between. Anything else, and anything TOML forbids that it
//! notices (a key or a table defined twice), makes it give up: the caller then reads the
//! text with the `toml` crate, which reads all of TOML and says, with its place, what is
//! wrong. So it never decides alone what a file means when it is unusual.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

/// The document as JSON values (tables as objects), or `None` when it is outside the subset.
#[cfg(test)]
pub fn parse(text: &str) -> Option<Value> {
    let mut items = Vec::new();
    let mut root = parse_streaming(text, "", &mut |item| {
        items.push(item);
        Some(())
    })?;
    if let Value::Object(map) = &mut root
        && !items.is_empty()
    {
        map.insert(String::new(), Value::Array(items));
    }
    Some(root)
}

/// The document as JSON values, each table of the root array of tables `streamed` (`step`)
/// handed to `each` as soon as it is complete (when the next one starts, or at the end)
/// instead of kept: a suite's steps are turned into their type one by one, and the tree of
/// the whole manifest never exists. The root comes back with that array empty.
pub fn parse_streaming(
    text: &str,
    streamed: &str,
    each: &mut dyn FnMut(Value) -> Option<()>,
) -> Option<Value> {
    let mut root = Table::default();
    let mut current: Vec<String> = Vec::new();
    let mut cursor = Cursor { rest: text };
    loop {
        cursor.skip_space();
        if cursor.rest.is_empty() {
            break;
        }
        if cursor.rest.starts_with(['#', '\n', '\r']) {
            cursor.end_of_line()?;
        } else if let Some(rest) = cursor.rest.strip_prefix("[[") {
            cursor.rest = rest;
            let path = cursor.header_path("]]")?;
            if path.len() == 1 && path[0] == streamed {
                root.hand_on(streamed, each)?;
            }
            root.push_table(&path)?;
            current = path;
        } else if let Some(rest) = cursor.rest.strip_prefix('[') {
            cursor.rest = rest;
            let path = cursor.header_path("]")?;
            root.define_table(&path)?;
            current = path;
        } else {
            let key = cursor.key()?;
            cursor.skip_space();
            cursor.rest = cursor.rest.strip_prefix('=')?;
            cursor.skip_space();
            let value = cursor.value(0)?;
            cursor.end_of_line()?;
            root.table_at(&current)?.insert(key, Node::Value(value))?;
        }
    }
    root.hand_on(streamed, each)?;
    Some(root.into_value())
}

/// A table being built: its entries, and whether a `[header]` defined it (an implicit one,
/// made on the way to a deeper header, may still be defined once).
#[derive(Default)]
struct Table {
    entries: BTreeMap<String, Node>,
    defined: bool,
}

enum Node {
    /// Set by `key = value`: closed to headers.
    Value(Value),
    Table(Table),
    /// Made by `[[…]]` headers.
    Array(Vec<Table>),
}

impl Table {
    fn insert(&mut self, key: String, node: Node) -> Option<()> {
        if self.entries.contains_key(&key) {
            return None;
        }
        self.entries.insert(key, node);
        Some(())
    }

    /// The table a path leads to through tables and the last element of arrays of tables,
    /// made (implicitly) where missing.
    fn table_at(&mut self, path: &[String]) -> Option<&mut Table> {
        let mut table = self;
        for key in path {
            // Looked up before it is made: the path is walked again for every line.
            if !table.entries.contains_key(key) {
                table
                    .entries
                    .insert(key.clone(), Node::Table(Table::default()));
            }
            table = match table.entries.get_mut(key)? {
                Node::Table(inner) => inner,
                Node::Array(items) => items.last_mut()?,
                Node::Value(_) => return None,
            };
        }
        Some(table)
    }

    /// `[path]`.
    fn define_table(&mut self, path: &[String]) -> Option<()> {
        let (last, parents) = path.split_last()?;
        let parent = self.table_at(parents)?;
        match parent.entries.get_mut(last) {
            None => parent.insert(
                last.clone(),
                Node::Table(Table {
                    entries: BTreeMap::new(),
                    defined: true,
                }),
            ),
            Some(Node::Table(table)) if !table.defined => {
                table.defined = true;
                Some(())
            }
            Some(_) => None,
        }
    }

    /// Hands the last table of the array of tables `key` on, if there is one: the tables
    /// before it went the same way.
    fn hand_on(&mut self, key: &str, each: &mut dyn FnMut(Value) -> Option<()>) -> Option<()> {
        match self.entries.get_mut(key) {
            Some(Node::Array(items)) => match items.pop() {
                Some(table) => each(table.into_value()),
                None => Some(()),
            },
            _ => Some(()),
        }
    }

    /// `[[path]]`.
    fn push_table(&mut self, path: &[String]) -> Option<()> {
        let (last, parents) = path.split_last()?;
        let parent = self.table_at(parents)?;
        let fresh = Table {
            entries: BTreeMap::new(),
            defined: true,
        };
        match parent.entries.get_mut(last) {
            None => parent.insert(last.clone(), Node::Array(vec![fresh])),
            Some(Node::Array(items)) => {
                items.push(fresh);
                Some(())
            }
            Some(_) => None,
        }
    }

    fn into_value(self) -> Value {
        let map: Map<String, Value> = self
            .entries
            .into_iter()
            .map(|(key, node)| {
                let value = match node {
                    Node::Value(value) => value,
                    Node::Table(table) => table.into_value(),
                    Node::Array(items) => {
                        Value::Array(items.into_iter().map(Table::into_value).collect())
                    }
                };
                (key, value)
            })
            .collect();
        Value::Object(map)
    }
}

/// What is left of the text.
struct Cursor<'a> {
    rest: &'a str,
}

/// Arrays and inline tables deeper than this are left to the `toml` crate.
const MAX_DEPTH: usize = 32;

impl Cursor<'_> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    /// Only spaces, and perhaps a comment, to the end of the line, which is consumed.
    fn end_of_line(&mut self) -> Option<()> {
        self.skip_space();
        if let Some(comment) = self.rest.strip_prefix('#') {
            let end = comment.find('\n').unwrap_or(comment.len());
            let text = comment[..end].strip_suffix('\r').unwrap_or(&comment[..end]);
            if text.chars().any(|c| c != '\t' && c.is_control()) {
                return None;
            }
            self.rest = &comment[end..];
        }
        if self.rest.is_empty() {
            return Some(());
        }
        let rest = self.rest.strip_prefix('\r').unwrap_or(self.rest);
        self.rest = rest.strip_prefix('\n')?;
        Some(())
    }

    /// Spaces, line ends and comments, as arrays may hold between their values.
    fn skip_lines(&mut self) -> Option<()> {
        loop {
            self.skip_space();
            if self.rest.starts_with(['#', '\n', '\r']) {
                self.end_of_line()?;
            } else {
                return Some(());
            }
        }
    }

    /// A header's dotted key path, up to `close`.
    fn header_path(&mut self, close: &str) -> Option<Vec<String>> {
        let mut path = Vec::new();
        loop {
            self.skip_space();
            path.push(self.key()?);
            self.skip_space();
            if let Some(rest) = self.rest.strip_prefix('.') {
                self.rest = rest;
                continue;
            }
            self.rest = self.rest.strip_prefix(close)?;
            return self.end_of_line().map(|()| path);
        }
    }

    /// A bare or quoted key.
    fn key(&mut self) -> Option<String> {
        if self.rest.starts_with(['"', '\'']) {
            return self.string();
        }
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (key, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(key.to_string())
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let first = *self.rest.as_bytes().first()?;
        match first {
            b'"' | b'\'' => self.string().map(Value::String),
            b'[' => self.array(depth),
            b'{' => self.inline_table(depth),
            b't' | b'f' => self.boolean(),
            b'-' | b'+' | b'0'..=b'9' => self.integer(),
            _ => None,
        }
    }

    fn boolean(&mut self) -> Option<Value> {
        let (value, rest) = if let Some(rest) = self.rest.strip_prefix("true") {
            (true, rest)
        } else {
            (false, self.rest.strip_prefix("false")?)
        };
        self.rest = rest;
        self.delimited().then_some(Value::Bool(value))
    }

    /// A decimal integer without underscores; anything else numeric (floats, dates, hex,
    /// leading zeros) is left to the `toml` crate.
    fn integer(&mut self) -> Option<Value> {
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '+'))
            .unwrap_or(self.rest.len());
        let (text, rest) = self.rest.split_at(end);
        self.rest = rest;
        let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
        let plain = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !plain || !self.delimited() {
            return None;
        }
        text.parse::<i64>()
            .ok()
            .map(|n| Value::Number(Number::from(n)))
    }

    /// True when what follows a scalar ends it.
    fn delimited(&self) -> bool {
        self.rest.is_empty()
            || self
                .rest
                .starts_with([' ', '\t', ',', ']', '}', '#', '\n', '\r'])
    }

    /// A one-line basic (`"…"`) or literal (`'…'`) string.
    fn string(&mut self) -> Option<String> {
        if let Some(rest) = self.rest.strip_prefix('\'') {
            if rest.starts_with("''") {
                return None;
            }
            let end = rest.find(['\'', '\n'])?;
            let text = &rest[..end];
            if rest[end..].starts_with('\n') {
                return None;
            }
            if text.chars().any(|c| c != '\t' && c.is_control()) {
                return None;
            }
            self.rest = &rest[end + 1..];
            return Some(text.to_string());
        }
        let rest = self.rest.strip_prefix('"')?;
        if rest.starts_with("\"\"") {
            return None;
        }
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &rest[at + 1..];
                    return Some(out);
                }
                '\\' => {
                    let (_, escaped) = chars.next()?;
                    out.push(match escaped {
                        'b' => '\u{8}',
                        't' => '\t',
                        'n' => '\n',
                        'f' => '\u{c}',
                        'r' => '\r',
                        '"' => '"',
                        '\\' => '\\',
                        'u' | 'U' => {
                            let len = if escaped == 'u' { 4 } else { 8 };
                            let hex: String = (0..len)
                                .map(|_| chars.next().map(|(_, c)| c))
                                .collect::<Option<_>>()?;
                            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                                return None;
                            }
                            char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                        }
                        _ => return None,
                    });
                }
                c if c != '\t' && c.is_control() => return None,
                c => out.push(c),
            }
        }
        None
    }

    /// `[a, b, …]`, over several lines or one.
    fn array(&mut self, depth: usize) -> Option<Value> {
        self.rest = self.rest.strip_prefix('[')?;
        let mut items = Vec::new();
        loop {
            self.skip_lines()?;
            if let Some(rest) = self.rest.strip_prefix(']') {
                self.rest = rest;
                return Some(Value::Array(items));
            }
            items.push(self.value(depth + 1)?);
            self.skip_lines()?;
            match self.rest.strip_prefix(',') {
                Some(rest) => self.rest = rest,
                None => {
                    self.rest = self.rest.strip_prefix(']')?;
                    return Some(Value::Array(items));
                }
            }
        }
    }

    /// `{ a = 1, b = "x" }` on one line.
    fn inline_table(&mut self, depth: usize) -> Option<Value> {
        self.rest = self.rest.strip_prefix('{')?;
        let mut map = Map::new();
        self.skip_space();
        if let Some(rest) = self.rest.strip_prefix('}') {
            self.rest = rest;
            return Some(Value::Object(map));
        }
        loop {
            self.skip_space();
            let key = self.key()?;
            self.skip_space();
            self.rest = self.rest.strip_prefix('=')?;
            self.skip_space();
            let value = self.value(depth + 1)?;
            if map.insert(key, value).is_some() {
                return None;
            }
            self.skip_space();
            if let Some(rest) = self.rest.strip_prefix(',') {
                self.rest = rest;
                continue;
            }
            self.rest = self.rest.strip_prefix('}')?;
            return Some(Value::Object(map));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the `toml` crate reads, as JSON values.
    fn reference(text: &str) -> Option<Value> {
        toml::from_str::<Value>(text).ok()
    }

    #[test]
    fn the_subset_reads_as_the_toml_crate_reads_it() {
        let text = r#"# a comment
format = 1
extracted_from = ["a.har", 'b "c".har']   # trailing
secrets = []
ignore = [
    "$.result[*].write_date", # why
    "$..x",
]

[variables]
allowed_company_ids = [1, 3]
"quoted key" = "tab\there \u00e9 \U0001F600 \"q\" \\"
neg = -5
nested = { a = { b = [true, false] }, c = "d" }

[relations."sale.order"]
order_line = "sale.order.line"

[[step]]
name = "001-a"
read_only = true

[[step.capture]]
name = "s001"
path = "$.result"

[[step.capture]]
name = "s001b"
path = '$.result[0]'

[[step]]
name = "002-b"
"#;
        let fast = parse(text).unwrap();
        assert_eq!(Some(&fast), reference(text).as_ref());
        assert_eq!(fast["step"][0]["capture"][1]["path"], json!("$.result[0]"));
    }

    #[test]
    fn what_it_does_not_read_is_left_to_the_toml_crate() {
        for text in [
            "a = 1\na = 2",
            "[t]\n[t]",
            "a = {b = 1}\n[a]",
            "a = 1.5",
            "a = 1979-05-27",
            "a = 0x1f",
            "a = 1_000",
            "a = 01",
            "a = \"\"\"x\"\"\"",
            "a = '''x'''",
            "a.b = 1",
            "a = [\n1",
            "a = 'x\ny'",
            "a = \"x\ny\"",
            "a = 1\r",
            "a = \"\\q\"",
            "a = \"unterminated",
            "a = 1 2",
            "[[t]]\n[t]",
            "[t]\n[[t]]",
            "a = {b = 1, b = 2}",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
        // Tables of a streamed array are handed on one by one, in order.
        let mut names = Vec::new();
        let text = "format = 1\n[[step]]\nname = \"a\"\n[v]\nx = 1\n[[step.capture]]\nname = \"c\"\n[[step]]\nname = \"b\"\n";
        let root = parse_streaming(text, "step", &mut |step| {
            names.push(step);
            Some(())
        })
        .unwrap();
        assert_eq!(root, json!({"format": 1, "step": [], "v": {"x": 1}}));
        assert_eq!(
            names,
            [
                json!({"name": "a", "capture": [{"name": "c"}]}),
                json!({"name": "b"})
            ]
        );
        // An implicit table may still be defined once.
        let text = "[a.b]\nx = 1\n[a]\ny = 2";
        assert_eq!(parse(text), reference(text));
    }
}
