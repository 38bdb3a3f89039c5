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

/// A name handlebars reads as a variable where a helper's parameter goes: there `true`,
/// `false` and `null` are literals, whatever variables of those names hold.
fn is_parameter(word: &str) -> bool {
    is_name(word) && !matches!(word, "true" | "false" | "null")
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
            // Handlebars' whitespace, not Unicode's: there a no-break space is part of a name.
            let words: Vec<&str> = after[..close]
                .split([' ', '\t', '\n', '\r'])
                .filter(|w| !w.is_empty())
                .collect();
            segments.push(match words.as_slice() {
                ["json", name] if is_parameter(name) => Segment::Json(name.to_string()),
                ["str", name] if is_parameter(name) => Segment::Str(name.to_string()),
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
    fn what_handlebars_reads_otherwise_is_left_to_it() {
        // Literals where a helper's parameter goes, and a no-break space inside a name.
        for other in [
            "{{json true}}",
            "{{str null}}",
            "{{json\u{a0}a}}",
            "{{a\u{a0}}}",
        ] {
            assert!(Compiled::compile(other).is_none(), "{other:?}");
        }
        assert!(Compiled::compile("{{\r\njson\ta \n}}").is_some());
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

/// The compiled form against handlebars on generated templates and values: whenever the
/// compiled form renders, handlebars must give the same bytes. No proptest: a small
/// deterministic generator, so a failure names its seed and replays the same way.
#[cfg(test)]
mod agreement {
    use serde_json::{Map, Value, json};

    use super::Compiled;
    use crate::template::render::Renderer;
    use crate::template::values::Values;

    /// xorshift64*: enough to spread choices, and the same sequence on every machine.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len())]
        }
    }

    /// Names a template may use: plain ones, and the words handlebars reads otherwise.
    const NAMES: &[&str] = &[
        "a",
        "b",
        "uid",
        "s003_result",
        "_x",
        "a1",
        "A",
        "json",
        "str",
        "this",
        "else",
        "true",
        "false",
        "null",
        "undefined",
        "é",
        "a.b",
        "a-b",
        "@index",
        "../a",
        "[a]",
        "a/b",
    ];
    const SPACES: &[&str] = &["", " ", "  ", "\t", "\n", "\r\n", "\u{a0}", "\u{3000}", "~"];
    const TEXT: &[&str] = &[
        "{",
        "}",
        "\"",
        "\\",
        " ",
        "\n",
        ":",
        ",",
        "[",
        "]",
        "x",
        "é",
        "\u{a0}",
        "{{",
        "}}",
        "{{{",
        "}}}",
        "\\{{",
        "{{!",
        "{{!-- c --}}",
        "{{#if a}}y{{/if}}",
        "{{> p}}",
        "{{~a}}",
        "{{&a}}",
        "{{^a}}",
        "{{*a}}",
        "{{else}}",
        "\0",
        "😀",
    ];

    fn name(rng: &mut Rng) -> String {
        rng.pick(NAMES).to_string()
    }

    fn template(rng: &mut Rng) -> String {
        let mut out = String::new();
        for _ in 0..rng.below(7) {
            match rng.below(4) {
                0 => {
                    for _ in 0..rng.below(4) {
                        out.push_str(rng.pick(TEXT));
                    }
                }
                _ => {
                    let (open, close) = (rng.pick(SPACES).to_string(), rng.pick(SPACES));
                    let between = rng.pick(&SPACES[1..]).to_string();
                    let inner = match rng.below(6) {
                        0 | 1 => name(rng),
                        2 => format!("json{between}{}", name(rng)),
                        3 => format!("str{between}{}", name(rng)),
                        4 => rng.pick(&["json", "str"]).to_string(),
                        _ => format!("{}{between}{}", name(rng), name(rng)),
                    };
                    out.push_str(&format!("{{{{{open}{inner}{close}}}}}"));
                }
            }
        }
        out
    }

    fn value(rng: &mut Rng, depth: usize) -> Value {
        let strings = [
            "",
            "x",
            "say \"hi\"",
            "back\\slash",
            "line\nbreak",
            "tab\t",
            "\u{1}\u{1f}",
            "é",
            "😀",
            "{{a}}",
            "</script>",
            "\u{2028}",
            "null",
        ];
        match rng.below(if depth > 1 { 8 } else { 10 }) {
            0 | 1 => json!(rng.pick(&strings)),
            2 => json!(rng.pick(&[0i64, -1, 7, i64::MAX, i64::MIN])),
            3 => json!(u64::MAX),
            4 => json!(rng.pick(&[0.5f64, -0.0, 1.0, 1e300, 2.5e-8, -3.25])),
            5 => json!(rng.below(2) == 0),
            6 => Value::Null,
            7 => json!(rng.pick(&strings).repeat(rng.below(3))),
            8 => Value::Array((0..rng.below(3)).map(|_| value(rng, depth + 1)).collect()),
            _ => Value::Object(
                (0..rng.below(3))
                    .map(|_| (name(rng), value(rng, depth + 1)))
                    .collect(),
            ),
        }
    }

    fn values(rng: &mut Rng) -> Map<String, Value> {
        (0..rng.below(6))
            .map(|_| (name(rng), value(rng, 0)))
            .collect()
    }

    #[test]
    fn the_compiled_form_gives_what_handlebars_gives() {
        let mut renderer = Renderer::new(None).unwrap();
        let mut compared = 0;
        for seed in 1..=10_000u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let text = template(&mut rng);
            let (base, overlay) = (values(&mut rng), values(&mut rng));
            let with = Values::with(&base, &overlay);
            // A template handlebars refuses is refused before either engine runs.
            if renderer.add_file("t", &text).is_err() {
                continue;
            }
            let Some(compiled) = Compiled::compile(&text) else {
                continue;
            };
            for values in [Values::new(&base), with] {
                if let Some(fast) = compiled.render(&values) {
                    compared += 1;
                    assert_eq!(
                        Some(&fast),
                        renderer.render_with_handlebars("t", &values).as_ref(),
                        "seed {seed}: template {text:?}, values {:?}",
                        values.merged()
                    );
                }
            }
        }
        assert!(compared > 3_000, "only {compared} renderings compared");
    }
}
