//! Templates compiled once into text and placeholders, for the templates `extract` writes:
//! only `{{json NAME}}`, `{{str NAME}}` and `{{NAME}}`. Rendering them is string assembly,
//! which matters when a replay renders tens of thousands of steps. Anything else a person may
//! write (blocks, other helpers, paths, escapes) is left to handlebars, and so is any
//! placeholder whose value is missing, so that the error is handlebars' own, with its line.

use serde_json::Value;

use super::values::Values;

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Text(String),
    /// `{{json NAME}}`: the value as JSON.
    Json(String),
    /// `{{str NAME}}`: a string's contents, JSON-escaped, without quotes.
    Str(String),
    /// `{{NAME}}`: a string as it is, or a number or boolean as text.
    Raw(String),
}

/// A template that renders without handlebars.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled(Vec<Segment>);

fn is_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(word, "else" | "this")
}

impl Compiled {
    /// The compiled form, or `None` when the template needs handlebars.
    pub fn compile(text: &str) -> Option<Compiled> {
        let mut segments = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if rest[..open].ends_with('\\') {
                return None;
            }
            if open > 0 {
                segments.push(Segment::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            if after.starts_with(['{', '!', '#', '/', '>', '~', '^', '&', '*']) {
                return None;
            }
            let close = after.find("}}")?;
            let words: Vec<&str> = after[..close].split_whitespace().collect();
            segments.push(match words.as_slice() {
                ["json", name] if is_name(name) => Segment::Json(name.to_string()),
                ["str", name] if is_name(name) => Segment::Str(name.to_string()),
                [name] if is_name(name) && *name != "json" && *name != "str" => {
                    Segment::Raw(name.to_string())
                }
                _ => return None,
            });
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_string()));
        }
        Some(Compiled(segments))
    }

    /// The rendered text, or `None` when a value is missing or not plain (handlebars then
    /// renders, or reports the error).
    pub fn render(&self, values: &Values) -> Option<String> {
        // One buffer for the whole text: a replay renders every step of a large suite.
        let mut out: Vec<u8> = Vec::with_capacity(
            self.0
                .iter()
                .map(|s| {
                    if let Segment::Text(t) = s {
                        t.len()
                    } else {
                        16
                    }
                })
                .sum(),
        );
        for segment in &self.0 {
            match segment {
                Segment::Text(text) => out.extend_from_slice(text.as_bytes()),
                Segment::Json(name) => serde_json::to_writer(&mut out, values.get(name)?).ok()?,
                Segment::Str(name) => {
                    let start = out.len();
                    match values.get(name)? {
                        Value::String(s) => serde_json::to_writer(&mut out, s).ok()?,
                        other => serde_json::to_writer(&mut out, &other.to_string()).ok()?,
                    }
                    // Drop the quotes serde_json put around the string.
                    out.pop();
                    out.remove(start);
                }
                Segment::Raw(name) => match values.get(name)? {
                    Value::String(s) => out.extend_from_slice(s.as_bytes()),
                    Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
                    Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
                    _ => return None,
                },
            }
        }
        String::from_utf8(out).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn simple_templates_compile_and_others_do_not() {
        assert!(
            Compiled::compile("{\"a\": {{json a}}, \"b\": \"{{str b}}\", \"c\": {{c}}}").is_some()
        );
        for other in [
            "{{#if a}}x{{/if}}",
            "{{{a}}}",
            "{{a.b}}",
            "{{upper a}}",
            "\\{{a}}",
            "{{! note}}",
            "{{> p}}",
            "{{json}}",
            "{{a",
        ] {
            assert!(Compiled::compile(other).is_none(), "{other}");
        }
    }

    #[test]
    fn missing_and_complex_values_defer_to_handlebars() {
        let compiled = Compiled::compile("{{a}}").unwrap();
        let render = |values: Value| compiled.render(&Values::new(values.as_object().unwrap()));
        assert_eq!(render(json!({})), None);
        assert_eq!(render(json!({"a": [1]})), None);
        assert_eq!(render(json!({"a": 7})), Some("7".into()));
    }
}
