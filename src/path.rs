//! JSON paths as the suite and the reports write them: `$.result.records[1].id`,
//! `$.result[*].write_date`, `$["web.base.url"]`.

use std::fmt;

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
    /// `[*]` or `.*`: every element or member.
    Any,
    /// `..name`: a member of that name at any depth below.
    Descend(String),
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path(pub Vec<Segment>);

impl Path {
    pub fn root() -> Self {
        Path(Vec::new())
    }

    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_string()));
        Path(segments)
    }

    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Path(segments)
    }

    /// Parses `$.a.b[0]["c.d"][*]`; the message says what is wrong and where.
    pub fn parse(text: &str) -> Result<Path, String> {
        let rest = text
            .strip_prefix('$')
            .ok_or_else(|| format!("`{text}`: a path starts with `$`"))?;
        let chars: Vec<char> = rest.chars().collect();
        let mut segments = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '.' if chars.get(i + 1) == Some(&'.') => {
                    let start = i + 2;
                    let mut end = start;
                    while end < chars.len() && chars[end] != '.' && chars[end] != '[' {
                        end += 1;
                    }
                    let name: String = chars[start..end].iter().collect();
                    if name.is_empty() {
                        return Err(format!("`{text}`: `..` needs a name after it"));
                    }
                    segments.push(Segment::Descend(name));
                    i = end;
                }
                '.' => {
                    let start = i + 1;
                    let mut end = start;
                    while end < chars.len() && chars[end] != '.' && chars[end] != '[' {
                        end += 1;
                    }
                    let name: String = chars[start..end].iter().collect();
                    if name.is_empty() {
                        return Err(format!(
                            "`{text}`: empty name after `.` at character {}",
                            start + 1
                        ));
                    }
                    segments.push(if name == "*" {
                        Segment::Any
                    } else {
                        Segment::Key(name)
                    });
                    i = end;
                }
                '[' => {
                    let close = chars[i..]
                        .iter()
                        .position(|&c| c == ']')
                        .map(|p| p + i)
                        .ok_or_else(|| format!("`{text}`: `[` is never closed"))?;
                    let inside: String = chars[i + 1..close].iter().collect();
                    let segment = if inside == "*" {
                        Segment::Any
                    } else if let Some(quoted) =
                        inside.strip_prefix('"').and_then(|s| s.strip_suffix('"'))
                    {
                        Segment::Key(quoted.to_string())
                    } else {
                        Segment::Index(inside.parse().map_err(|_| {
                            format!("`{text}`: `[{inside}]` is not an index, `*` or a quoted name")
                        })?)
                    };
                    segments.push(segment);
                    i = close + 1;
                }
                other => {
                    return Err(format!(
                        "`{text}`: unexpected `{other}` at character {}",
                        i + 2
                    ));
                }
            }
        }
        Ok(Path(segments))
    }

    /// The value at this path (the first one, for a path with wildcards).
    pub fn get<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        let mut current = value;
        for segment in &self.0 {
            current = match (segment, current) {
                (Segment::Key(key), Value::Object(map)) => map.get(key)?,
                (Segment::Index(index), Value::Array(items)) => items.get(*index)?,
                (Segment::Any, Value::Array(items)) => items.first()?,
                (Segment::Any, Value::Object(map)) => map.values().next()?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// True when this pattern (which may hold wildcards) matches a concrete path.
    pub fn matches(&self, concrete: &Path) -> bool {
        matches_segments(&self.0, &concrete.0)
    }

    /// A name usable as a handlebars variable: `$.result.records[1].id` → `result_records_1_id`.
    pub fn slug(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|s| match s {
                Segment::Key(k) => k
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect(),
                Segment::Index(i) => i.to_string(),
                Segment::Any => "all".to_string(),
                Segment::Descend(k) => k.clone(),
            })
            .collect();
        if parts.is_empty() {
            "value".into()
        } else {
            parts.join("_")
        }
    }
}

/// Pattern segments against concrete ones; `..name` may skip any number of segments.
pub fn matches_segments(pattern: &[Segment], concrete: &[Segment]) -> bool {
    match pattern.split_first() {
        None => concrete.is_empty(),
        Some((Segment::Descend(name), rest)) => (0..concrete.len()).any(|skip| {
            matches!(&concrete[skip], Segment::Key(k) if k == name)
                && matches_segments(rest, &concrete[skip + 1..])
        }),
        Some((first, rest)) => match concrete.split_first() {
            Some((actual, tail)) => {
                (first == &Segment::Any || first == actual) && matches_segments(rest, tail)
            }
            None => false,
        },
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.0 {
            match segment {
                Segment::Key(key)
                    if !key.is_empty()
                        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    write!(f, ".{key}")?
                }
                Segment::Key(key) => write!(
                    f,
                    "[{}]",
                    serde_json::to_string(key).map_err(|_| fmt::Error)?
                )?,
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Any => f.write_str("[*]")?,
                Segment::Descend(key) => write!(f, "..{key}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_print_and_get() {
        let path = Path::parse("$.result.records[1].id").unwrap();
        assert_eq!(path.to_string(), "$.result.records[1].id");
        let value = json!({"result": {"records": [{"id": 9}, {"id": 15}]}});
        assert_eq!(path.get(&value), Some(&json!(15)));
        assert_eq!(path.slug(), "result_records_1_id");
        let dotted = Path::parse(r#"$["web.base.url"]"#).unwrap();
        assert_eq!(dotted.to_string(), r#"$["web.base.url"]"#);
        assert_eq!(dotted.get(&json!({"web.base.url": "u"})), Some(&json!("u")));
    }

    #[test]
    fn wildcards_match_concrete_paths() {
        let pattern = Path::parse("$.result[*].write_date").unwrap();
        assert!(pattern.matches(&Path::parse("$.result[3].write_date").unwrap()));
        assert!(!pattern.matches(&Path::parse("$.result[3].name").unwrap()));
        assert!(
            Path::parse("$.result.*")
                .unwrap()
                .matches(&Path::parse("$.result.x").unwrap())
        );
        let anywhere = Path::parse("$..write_date").unwrap();
        assert_eq!(anywhere.to_string(), "$..write_date");
        assert!(anywhere.matches(&Path::parse("$.result.records[4].write_date").unwrap()));
        assert!(anywhere.matches(&Path::parse("$.write_date").unwrap()));
        assert!(!anywhere.matches(&Path::parse("$.result.records[4].name").unwrap()));
        assert!(
            Path::parse("$.result..id")
                .unwrap()
                .matches(&Path::parse("$.result[0].partner_id.id").unwrap())
        );
    }

    #[test]
    fn bad_paths_say_what_is_wrong() {
        assert!(
            Path::parse("result")
                .unwrap_err()
                .contains("starts with `$`")
        );
        assert!(
            Path::parse("$.a[x]")
                .unwrap_err()
                .contains("`[x]` is not an index")
        );
        assert!(Path::parse("$.a[1").unwrap_err().contains("never closed"));
        assert!(Path::parse("$.a.").unwrap_err().contains("empty name"));
        assert!(
            Path::parse("$..")
                .unwrap_err()
                .contains("`..` needs a name")
        );
    }
}
