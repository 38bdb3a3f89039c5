//! Search domains: read as users write them (Python literal syntax from Odoo code and docs,
//! or JSON), checked against the operators of an Odoo version, printed as the JSON that
//! JSON-RPC needs, normalised, and explained in words (odoo-protocol.md §5).

use serde_json::{Value, json};

/// Odoo 14–16's operators (`odoo/osv/expression.py` `TERM_OPERATORS`, `<>` normalised to `!=`).
const BASE_OPERATORS: &[&str] = &[
    "=",
    "!=",
    "<>",
    "<=",
    "<",
    ">",
    ">=",
    "=?",
    "=like",
    "=ilike",
    "like",
    "not like",
    "ilike",
    "not ilike",
    "in",
    "not in",
    "child_of",
    "parent_of",
];

/// The operators a version accepts.
pub fn operators(version: u32) -> Vec<&'static str> {
    let mut all = BASE_OPERATORS.to_vec();
    if version >= 17 {
        all.extend(SINCE_17);
    }
    if version >= 19 {
        all.extend(SINCE_19);
    }
    all
}

/// Operators added in Odoo 17 (`any`, on relational fields) and 19.
const SINCE_17: [&str; 2] = ["any", "not any"];
const SINCE_19: [&str; 2] = ["not =like", "not =ilike"];

/// True for an operator of any Odoo version odoo-har knows (14–19).
pub fn is_operator(text: &str) -> bool {
    BASE_OPERATORS.contains(&text) || SINCE_17.contains(&text) || SINCE_19.contains(&text)
}

/// A problem in a domain, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    /// `condition 2`, `line 1, column 14`.
    pub place: String,
    pub message: String,
}

impl std::fmt::Display for DomainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

fn error(place: impl Into<String>, message: impl Into<String>) -> DomainError {
    DomainError {
        place: place.into(),
        message: message.into(),
    }
}

/// Reads a domain in Python literal syntax (tuples or lists, either quote, `True/False/None`)
/// or JSON, into the JSON value JSON-RPC sends.
/// Deeper than any real domain (`any` nests a domain in a condition): past it, input is hostile.
const MAX_NESTING: usize = 64;

pub fn parse(text: &str) -> Result<Value, DomainError> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Ok(value);
    }
    let mut reader = Literal {
        chars: text.chars().collect(),
        at: 0,
    };
    let value = reader.value(0)?;
    reader.space();
    if reader.at < reader.chars.len() {
        return Err(reader.error("unexpected text after the domain"));
    }
    Ok(value)
}

struct Literal {
    chars: Vec<char>,
    at: usize,
}

impl Literal {
    fn place(&self) -> String {
        self.place_of(self.at)
    }

    /// Counted only when an error needs it: counting at every string made long domains
    /// quadratic.
    fn place_of(&self, at: usize) -> String {
        let before = &self.chars[..at.min(self.chars.len())];
        let line = before.iter().filter(|&&c| c == '\n').count() + 1;
        let column = before.iter().rev().take_while(|&&c| c != '\n').count() + 1;
        format!("line {line}, column {column}")
    }

    fn error(&self, message: &str) -> DomainError {
        error(self.place(), message)
    }

    fn space(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, DomainError> {
        self.space();
        match self.chars.get(self.at).copied() {
            Some('[' | '(') if depth >= MAX_NESTING => Err(self.error(&format!(
                "lists nested deeper than {MAX_NESTING}: this is not a domain Odoo would take"
            ))),
            Some(open @ ('[' | '(')) => {
                let close = if open == '[' { ']' } else { ')' };
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.space();
                    if self.chars.get(self.at) == Some(&close) {
                        self.at += 1;
                        return Ok(Value::Array(items));
                    }
                    items.push(self.value(depth + 1)?);
                    self.space();
                    match self.chars.get(self.at) {
                        Some(',') => self.at += 1,
                        Some(c) if *c == close => {}
                        Some(_) => return Err(self.error(&format!("expected `,` or `{close}`"))),
                        None => {
                            return Err(self.error(&format!("the domain ends before `{close}`")));
                        }
                    }
                }
            }
            Some(quote @ ('\'' | '"')) => {
                let start = self.at;
                self.at += 1;
                let mut text = String::new();
                loop {
                    match self.chars.get(self.at).copied() {
                        None => {
                            return Err(error(self.place_of(start), "this string is never closed"));
                        }
                        Some(c) if c == quote => {
                            self.at += 1;
                            return Ok(Value::String(text));
                        }
                        Some('\\') => {
                            self.at += 1;
                            let escaped = self.chars.get(self.at).copied().ok_or_else(|| {
                                error(self.place_of(start), "this string is never closed")
                            })?;
                            text.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                other => other,
                            });
                            self.at += 1;
                        }
                        Some(c) => {
                            text.push(c);
                            self.at += 1;
                        }
                    }
                }
            }
            Some(_) => {
                let start = self.at;
                while self
                    .chars
                    .get(self.at)
                    .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+'))
                {
                    self.at += 1;
                }
                let word: String = self.chars[start..self.at].iter().collect();
                match word.as_str() {
                    "True" | "true" => Ok(json!(true)),
                    "False" | "false" => Ok(json!(false)),
                    "None" | "null" => Ok(Value::Null),
                    "" => Err(self.error("expected a value")),
                    number => {
                        if let Ok(n) = number.parse::<i64>() {
                            return Ok(json!(n));
                        }
                        if let Some(n) = number
                            .parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                        {
                            return Ok(Value::Number(n));
                        }
                        self.at = start;
                        Err(self.error(&format!("`{number}` is not a literal: a domain sent over the API holds values, not names the web client evaluates (uid, context_today(), …)")))
                    }
                }
            }
            None => Err(self.error("the domain ends where a value was expected")),
        }
    }
}

fn is_field_path(field: &str) -> bool {
    !field.is_empty()
        && field.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !part.starts_with(|c: char| c.is_ascii_digit())
        })
}

/// The operator nearest to a misspelt one, when close enough to be a typo.
fn nearest(operator: &str, known: &[&str]) -> Option<String> {
    let distance = |a: &str, b: &str| -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut previous = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let current = row[j + 1];
                row[j + 1] = (previous + usize::from(ca != cb))
                    .min(row[j] + 1)
                    .min(current + 1);
                previous = current;
            }
        }
        row[b.len()]
    };
    known
        .iter()
        .map(|k| (distance(operator, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k.to_string())
}

/// Checks a domain against Odoo `version`'s rules; each problem names the condition.
pub fn validate(domain: &Value, version: u32) -> Result<(), DomainError> {
    let Value::Array(terms) = domain else {
        return Err(error(
            "the domain",
            "a domain is a list: [(field, operator, value), …]",
        ));
    };
    let known = operators(version);
    // Prefix notation: `&` and `|` take two operands, `!` one; terms in a row get an implicit `&`.
    let mut expected: i64 = 1;
    for (index, term) in terms.iter().enumerate() {
        let place = format!("condition {}", index + 1);
        if expected == 0 {
            expected = 1;
        }
        match term {
            Value::String(op) if op == "&" || op == "|" => expected += 1,
            Value::String(op) if op == "!" => {}
            Value::String(other) => {
                return Err(error(
                    place,
                    format!(
                        "`{other}` is not a logical operator: use '&', '|' or '!', or a condition (field, operator, value)"
                    ),
                ));
            }
            Value::Array(parts) => {
                if parts.len() != 3 {
                    return Err(error(
                        place,
                        format!(
                            "a condition has 3 elements (field, operator, value), this one has {}",
                            parts.len()
                        ),
                    ));
                }
                let constant = matches!((&parts[0], &parts[1], &parts[2]), (Value::Number(_), Value::String(op), Value::Number(_)) if op == "=");
                if !constant {
                    let Some(field) = parts[0].as_str().filter(|f| is_field_path(f)) else {
                        return Err(error(
                            place,
                            format!(
                                "{} is not a field name (a dotted path such as partner_id.country_id.code)",
                                parts[0]
                            ),
                        ));
                    };
                    let Some(operator) = parts[1].as_str() else {
                        return Err(error(
                            place,
                            format!("the operator must be a string, not {}", parts[1]),
                        ));
                    };
                    if !known.contains(&operator) {
                        if let Some(since) = [17, 19]
                            .into_iter()
                            .find(|v| operators(*v).contains(&operator))
                        {
                            return Err(error(
                                place,
                                format!(
                                    "operator '{operator}' came with Odoo {since}; Odoo {version} does not know it (--odoo sets the version)"
                                ),
                            ));
                        }
                        let hint = match nearest(operator, &known) {
                            Some(near) => format!(" (did you mean '{near}'?)"),
                            None => String::new(),
                        };
                        return Err(error(
                            place,
                            format!("operator '{operator}' is not an Odoo operator{hint}"),
                        ));
                    }
                    let value = &parts[2];
                    if matches!(operator, "in" | "not in") && !value.is_array() {
                        return Err(error(
                            place,
                            format!(
                                "'{operator}' takes a list, as in ['{field}', '{operator}', [{value}]]"
                            ),
                        ));
                    }
                    if matches!(operator, "any" | "not any") {
                        validate(value, version).map_err(|inner| {
                            error(
                                format!("{place}, in the domain of '{operator}'"),
                                inner.to_string(),
                            )
                        })?;
                    }
                }
                expected -= 1;
            }
            other => {
                return Err(error(
                    place,
                    format!("{other} is neither a condition nor '&', '|', '!'"),
                ));
            }
        }
    }
    if expected > 0 && !terms.is_empty() {
        return Err(error(
            "the domain",
            format!(
                "{expected} operand(s) missing: an operator at the end has nothing to apply to"
            ),
        ));
    }
    Ok(())
}

/// The domain with every implicit `&` written out (Odoo's `normalize_domain`).
pub fn normalize(domain: &Value) -> Value {
    let Value::Array(terms) = domain else {
        return domain.clone();
    };
    if terms.is_empty() {
        return json!([[1, "=", 1]]);
    }
    // Every implicit `&` goes in front: count them, then write them out once.
    let mut implicit = 0;
    let mut expected = 1;
    for term in terms {
        if expected == 0 {
            implicit += 1;
            expected = 1;
        }
        match term.as_str() {
            Some("&" | "|") => expected += 1,
            Some("!") => {}
            _ => expected -= 1,
        }
    }
    let mut out = vec![json!("&"); implicit];
    out.extend(terms.iter().cloned());
    Value::Array(out)
}

/// The domain in words: `phone contains '+4912' (case-insensitive) AND (is a company OR has a parent)`.
pub fn explain(domain: &Value) -> String {
    let normalized = normalize(domain);
    let terms = normalized.as_array().cloned().unwrap_or_default();
    // Prefix notation read from the right with a stack, not by recursion: a domain of ten
    // thousand operators must not overflow the stack. Each entry: its words, and whether they
    // are a bare `a AND b` chain that needs parentheses inside OR and NOT.
    let mut stack: Vec<(String, bool)> = Vec::new();
    let wrap = |(text, chain): (String, bool)| if chain { format!("({text})") } else { text };
    for term in terms.iter().rev() {
        let missing = || ("?".to_string(), false);
        let explained = match term.as_str() {
            Some(op @ ("&" | "|")) => {
                let a = stack.pop().unwrap_or_else(missing);
                let b = stack.pop().unwrap_or_else(missing);
                if op == "&" {
                    (format!("{} AND {}", a.0, b.0), true)
                } else {
                    (format!("({} OR {})", wrap(a), wrap(b)), false)
                }
            }
            Some("!") => (
                format!("NOT {}", wrap(stack.pop().unwrap_or_else(missing))),
                false,
            ),
            _ => (explain_leaf(term), false),
        };
        stack.push(explained);
    }
    let parts: Vec<String> = stack.into_iter().rev().map(|(text, _)| text).collect();
    parts.join(" AND ")
}

fn explain_leaf(leaf: &Value) -> String {
    let Some(parts) = leaf.as_array().filter(|p| p.len() == 3) else {
        return leaf.to_string();
    };
    if parts[0].is_number() {
        return if parts[0] == 1 {
            "always true".into()
        } else {
            "always false".into()
        };
    }
    let field = parts[0].as_str().unwrap_or("?");
    let operator = parts[1].as_str().unwrap_or("?");
    let value = &parts[2];
    let shown = match value {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    };
    let noun = field
        .trim_end_matches("_ids")
        .trim_end_matches("_id")
        .replace(['_', '.'], " ");
    match (operator, value) {
        ("=", Value::Bool(true)) if field.starts_with("is_") => {
            format!("is a {}", field.trim_start_matches("is_").replace('_', " "))
        }
        ("=", Value::Bool(false)) if field.starts_with("is_") => format!(
            "is not a {}",
            field.trim_start_matches("is_").replace('_', " ")
        ),
        ("!=", Value::Bool(false)) => format!("has a {noun}"),
        ("=", Value::Bool(false)) => format!("has no {noun}"),
        ("=", _) => format!("{field} is {shown}"),
        ("!=" | "<>", _) => format!("{field} is not {shown}"),
        ("<", _) | (">", _) | ("<=", _) | (">=", _) => format!("{field} {operator} {shown}"),
        ("=?", _) => format!("{field} is {shown} (any value when {shown} is not set)"),
        ("like", _) => format!("{field} contains {shown} (case-sensitive)"),
        ("ilike", _) => format!("{field} contains {shown} (case-insensitive)"),
        ("not like", _) => format!("{field} does not contain {shown} (case-sensitive)"),
        ("not ilike", _) => format!("{field} does not contain {shown} (case-insensitive)"),
        ("=like", _) => format!(
            "{field} matches the pattern {shown} (case-sensitive; % is any text, _ any one character)"
        ),
        ("=ilike", _) => format!(
            "{field} matches the pattern {shown} (case-insensitive; % is any text, _ any one character)"
        ),
        ("not =like", _) => format!("{field} does not match the pattern {shown} (case-sensitive)"),
        ("not =ilike", _) => {
            format!("{field} does not match the pattern {shown} (case-insensitive)")
        }
        ("in", _) => format!("{field} is one of {shown}"),
        ("not in", _) => format!("{field} is none of {shown}"),
        ("child_of", _) => format!("{field} is {shown} or below it"),
        ("parent_of", _) => format!("{field} is {shown} or above it"),
        ("any", _) => format!("{field} has a record where {}", explain(value)),
        ("not any", _) => format!("{field} has no record where {}", explain(value)),
        _ => format!("{field} {operator} {shown}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str =
        "[('phone', 'ilike', '+4912'), '|', ('is_company', '=', True), ('parent_id', '!=', False)]";

    #[test]
    fn python_syntax_becomes_json_and_is_explained() {
        let domain = parse(SEED).unwrap();
        assert_eq!(
            domain,
            json!([
                ["phone", "ilike", "+4912"],
                "|",
                ["is_company", "=", true],
                ["parent_id", "!=", false]
            ])
        );
        assert!(validate(&domain, 19).is_ok());
        assert_eq!(
            explain(&domain),
            "phone contains '+4912' (case-insensitive) AND (is a company OR has a parent)"
        );
        assert_eq!(
            normalize(&domain),
            json!([
                "&",
                ["phone", "ilike", "+4912"],
                "|",
                ["is_company", "=", true],
                ["parent_id", "!=", false]
            ])
        );
        assert_eq!(
            parse(r#"[["name", "=like", "dog"], ("x", "in", [1, 2.5, None])]"#).unwrap(),
            json!([["name", "=like", "dog"], ["x", "in", [1, 2.5, null]]])
        );
    }

    #[test]
    fn errors_point_at_the_condition() {
        let err = validate(
            &parse("[('name', '=', 'x'), ('phone', 'ilke', '+49')]").unwrap(),
            19,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "condition 2: operator 'ilke' is not an Odoo operator (did you mean 'ilike'?)"
        );
        let err = validate(&json!([["a", "in", 5]]), 19).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("condition 1: 'in' takes a list"),
            "{err}"
        );
        assert!(
            validate(&json!([["a", "="]]), 19)
                .unwrap_err()
                .to_string()
                .contains("has 2")
        );
        assert!(
            validate(&json!(["|", ["a", "=", 1]]), 19)
                .unwrap_err()
                .to_string()
                .contains("operand(s) missing")
        );
        let any = json!([["partner_id", "any", [["name", "ilke", "x"]]]]);
        assert!(
            validate(&any, 16)
                .unwrap_err()
                .to_string()
                .contains("operator 'any' came with Odoo 17; Odoo 16 does not know it")
        );
        assert!(
            validate(&any, 17)
                .unwrap_err()
                .to_string()
                .starts_with("condition 1, in the domain of 'any': condition 1: operator 'ilke'")
        );
        assert!(
            validate(&json!([["a", "not =like", "x"]]), 18).is_err()
                && validate(&json!([["a", "not =like", "x"]]), 19).is_ok()
        );
        assert!(
            parse("[('a', '=', uid)]")
                .unwrap_err()
                .to_string()
                .contains("`uid` is not a literal")
        );
        assert_eq!(
            parse("[('a', '=', 'x'").unwrap_err().place,
            "line 1, column 16"
        );
    }

    /// A small deterministic generator: no dependency, the same domains on every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, below: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % below
        }
    }

    fn random_domain(rng: &mut Rng, depth: u32) -> Value {
        let fields = [
            "name",
            "partner_id.country_id.code",
            "is_company",
            "date.month_number",
            "x_studio_field",
        ];
        let mut terms = Vec::new();
        let leaves = 1 + rng.next(4);
        for i in 0..leaves {
            if i + 1 < leaves && rng.next(3) == 0 {
                terms.push(json!(["&", "|"][rng.next(2) as usize]));
            }
            let operator = operators(19)[rng.next(operators(19).len() as u64) as usize];
            let value = match operator {
                "in" | "not in" => json!([rng.next(100), "a'b\"c", null]),
                "any" | "not any" if depth < 2 => random_domain(rng, depth + 1),
                "any" | "not any" => json!([["id", "=", 1]]),
                _ => [
                    json!(rng.next(1000)),
                    json!("it's \"quoted\" é"),
                    json!(true),
                    json!(false),
                    json!(null),
                    json!(1.5),
                ][rng.next(6) as usize]
                    .clone(),
            };
            terms.push(json!([
                fields[rng.next(fields.len() as u64) as usize],
                operator,
                value
            ]));
        }
        Value::Array(terms)
    }

    /// Python literal of a JSON domain, with tuples and Python constants.
    fn python(value: &Value) -> String {
        match value {
            Value::Array(items)
                if items.len() == 3 && items[0].is_string() && items[1].is_string() =>
            {
                format!(
                    "({}, {}, {})",
                    python(&items[0]),
                    python(&items[1]),
                    python(&items[2])
                )
            }
            Value::Array(items) => format!(
                "[{}]",
                items.iter().map(python).collect::<Vec<_>>().join(", ")
            ),
            Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Null => "None".into(),
            other => other.to_string(),
        }
    }

    #[test]
    fn property_json_round_trips_and_python_equals_json() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..2000 {
            let domain = random_domain(&mut rng, 0);
            let printed = serde_json::to_string(&domain).unwrap();
            assert_eq!(parse(&printed).unwrap(), domain, "{printed}");
            let pythonic = python(&domain);
            assert_eq!(parse(&pythonic).unwrap(), domain, "{pythonic}");
            let normalized = normalize(&domain);
            assert_eq!(
                normalize(&normalized),
                normalized,
                "normalising twice changes nothing: {printed}"
            );
        }
    }
}
