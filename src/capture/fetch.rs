//! DevTools "Copy as fetch" (Chrome, Edge), "Copy as Fetch" (Firefox) and
//! "Copy as fetch (Node.js)": `fetch(url, {headers, body, method, …})`, once or many times.
//!
//! The options object is a JavaScript literal, not JSON (Firefox writes bare keys in some
//! versions, trailing commas happen), so it is read by a small literal reader rather than
//! serde_json.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::curl::line_column;
use super::{Capture, Exchange, Format, NameValue, Source};
use crate::error::{Error, Place, Result};

/// True when the snippet starts with a fetch call (optionally awaited).
pub(super) fn looks_like_fetch(text: &str) -> bool {
    let text = text.strip_prefix("await").map_or(text, str::trim_start);
    text.starts_with("fetch(") || text.starts_with("fetch (")
}

/// Parses every `fetch(…)` call in the snippet.
pub(super) fn parse(file: Arc<str>, text: &str) -> Result<Capture> {
    let mut exchanges = Vec::new();
    let mut reader = Reader { text, at: 0 };
    while let Some(found) = text[reader.at..].find("fetch") {
        reader.at += found + "fetch".len();
        reader.skip_space();
        if !reader.eat('(') {
            continue;
        }
        let call_at = reader.at;
        let source = Source {
            file: file.clone(),
            entry: exchanges.len(),
        };
        let exchange = call(&mut reader, source).map_err(|(offset, message)| {
            let (line, column) = line_column(text, offset.min(text.len()));
            Error::input(&*file, Some(Place::LineColumn(line, column)), message)
                .hint("copy the request again with \"Copy as fetch\"; the snippet may have been cut short")
        })?;
        exchanges.push(exchange);
        debug_assert!(reader.at > call_at);
    }
    Ok(Capture {
        file,
        format: Format::Fetch,
        creator: None,
        exchanges,
    })
}

type LiteralError = (usize, String);

fn call(reader: &mut Reader, source: Source) -> Result<Exchange, LiteralError> {
    reader.skip_space();
    let url_at = reader.at;
    let Value::String(url) = reader.value()? else {
        return Err((
            url_at,
            "the first argument of fetch must be the URL as a string".into(),
        ));
    };
    reader.skip_space();
    let options = if reader.eat(',') {
        reader.skip_space();
        if reader.peek() == Some(')') {
            Map::new()
        } else {
            object(reader)?
        }
    } else {
        Map::new()
    };
    reader.skip_space();
    if !reader.eat(')') {
        return Err((reader.at, "expected `)` to close the fetch call".into()));
    }

    let mut headers = Vec::new();
    if let Some(Value::Object(map)) = options.get("headers") {
        for (name, value) in map {
            if let Some(value) = value.as_str() {
                headers.push(NameValue::new(name.clone(), value));
            }
        }
    }
    let body = match options.get("body") {
        Some(Value::String(text)) => Some(text.clone().into_bytes()),
        _ => None,
    };
    let method = options
        .get("method")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase);
    Ok(Exchange::from_snippet(
        source,
        method,
        url,
        headers,
        Vec::new(),
        body,
    ))
}

fn object(reader: &mut Reader) -> Result<Map<String, Value>, LiteralError> {
    let at = reader.at;
    match reader.value()? {
        Value::Object(map) => Ok(map),
        _ => Err((
            at,
            "the second argument of fetch must be an options object".into(),
        )),
    }
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.at += expected.len_utf8();
            true
        } else {
            false
        }
    }

    fn skip_space(&mut self) {
        loop {
            let rest = &self.text[self.at..];
            let trimmed = rest.trim_start();
            self.at += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                self.at += trimmed.find('\n').unwrap_or(trimmed.len());
            } else {
                return;
            }
        }
    }

    /// A JavaScript literal: string, number, boolean, null/undefined, array or object.
    fn value(&mut self) -> Result<Value, LiteralError> {
        self.skip_space();
        let start = self.at;
        match self.peek() {
            Some(q @ ('"' | '\'' | '`')) => {
                self.bump();
                self.string(q, start).map(Value::String)
            }
            Some('{') => {
                self.bump();
                let mut map = Map::new();
                loop {
                    self.skip_space();
                    if self.eat('}') {
                        return Ok(Value::Object(map));
                    }
                    let key_at = self.at;
                    let key = match self.peek() {
                        Some(q @ ('"' | '\'')) => {
                            self.bump();
                            self.string(q, key_at)?
                        }
                        _ => self
                            .identifier()
                            .ok_or((key_at, "expected a property name".to_string()))?,
                    };
                    self.skip_space();
                    if !self.eat(':') {
                        return Err((
                            self.at,
                            format!("expected `:` after the property \"{key}\""),
                        ));
                    }
                    let value = self.value()?;
                    map.insert(key, value);
                    self.skip_space();
                    if !self.eat(',') && self.peek() != Some('}') {
                        return Err((self.at, "expected `,` or `}` in the options object".into()));
                    }
                }
            }
            Some('[') => {
                self.bump();
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.eat(']') {
                        return Ok(Value::Array(items));
                    }
                    items.push(self.value()?);
                    self.skip_space();
                    if !self.eat(',') && self.peek() != Some(']') {
                        return Err((self.at, "expected `,` or `]`".into()));
                    }
                }
            }
            Some(_) => {
                let word = self
                    .identifier()
                    .ok_or((start, "expected a value".to_string()))?;
                match word.as_str() {
                    "null" | "undefined" => Ok(Value::Null),
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    number => number
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                        .ok_or((start, format!("`{number}` is a name, not a value; odoo-har reads snippets as DevTools copies them, with every value written out"))),
                }
            }
            None => Err((start, "the snippet ends where a value was expected".into())),
        }
    }

    fn identifier(&mut self) -> Option<String> {
        let rest = &self.text[self.at..];
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | '-' | '+')))
            .unwrap_or(rest.len());
        (len > 0).then(|| {
            self.at += len;
            rest[..len].to_string()
        })
    }

    fn string(&mut self, quote: char, start: usize) -> Result<String, LiteralError> {
        let mut out = String::new();
        loop {
            let escape_at = self.at;
            match self.bump() {
                None => return Err((start, "this string is never closed".into())),
                Some(c) if c == quote => return Ok(out),
                Some('$') if quote == '`' && self.peek() == Some('{') => {
                    return Err((
                        escape_at,
                        "template literals with ${…} cannot be read; copy the request again".into(),
                    ));
                }
                Some('\\') => match self.bump() {
                    None => return Err((start, "this string is never closed".into())),
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('b') => out.push('\x08'),
                    Some('f') => out.push('\x0c'),
                    Some('v') => out.push('\x0b'),
                    Some('0') => out.push('\0'),
                    Some('\n') => {}
                    Some('x') => {
                        out.push(char::from_u32(self.hex(2, escape_at)?).unwrap_or('\u{fffd}'))
                    }
                    Some('u') if self.eat('{') => {
                        let end = self.text[self.at..]
                            .find('}')
                            .ok_or((escape_at, "bad \\u{…} escape".to_string()))?;
                        let code = u32::from_str_radix(&self.text[self.at..self.at + end], 16).ok();
                        self.at += end + 1;
                        out.push(
                            code.and_then(char::from_u32)
                                .ok_or((escape_at, "bad \\u{…} escape".to_string()))?,
                        );
                    }
                    Some('u') => {
                        let high = self.hex(4, escape_at)?;
                        // JSON.stringify writes characters outside the BMP as surrogate pairs.
                        if (0xD800..0xDC00).contains(&high)
                            && self.text[self.at..].starts_with("\\u")
                        {
                            self.at += 2;
                            let low = self.hex(4, escape_at)?;
                            let code = 0x10000
                                + ((high - 0xD800) << 10)
                                + (low.wrapping_sub(0xDC00) & 0x3FF);
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        } else {
                            out.push(char::from_u32(high).unwrap_or('\u{fffd}'));
                        }
                    }
                    Some(other) => out.push(other),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn hex(&mut self, digits: usize, escape_at: usize) -> Result<u32, LiteralError> {
        let end = self.at + digits;
        let code = self
            .text
            .get(self.at..end)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or((escape_at, "bad escape sequence in a string".to_string()))?;
        self.at = end;
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Capture> {
        parse(Arc::from("f.js"), text)
    }

    #[test]
    fn chrome_flavour() {
        let capture = load(concat!(
            "fetch(\"http://127.0.0.1:8069/web/dataset/call_kw/res.partner/web_search_read\", {\n",
            "  \"headers\": {\n    \"accept\": \"*/*\",\n    \"content-type\": \"application/json\"\n  },\n",
            "  \"referrer\": \"http://127.0.0.1:8069/odoo/contacts\",\n",
            "  \"body\": \"{\\\"id\\\":12,\\\"jsonrpc\\\":\\\"2.0\\\",\\\"params\\\":{\\\"name\\\":\\\"caf\\u00e9 \\ud83d\\ude00\\\"}}\",\n",
            "  \"method\": \"POST\",\n  \"mode\": \"cors\",\n  \"credentials\": \"include\"\n});"
        ))
        .unwrap();
        let request = &capture.exchanges[0].request;
        assert_eq!(request.method, "POST");
        assert_eq!(request.header("Content-Type"), Some("application/json"));
        assert_eq!(
            request.body.as_ref().unwrap().text(),
            Some("{\"id\":12,\"jsonrpc\":\"2.0\",\"params\":{\"name\":\"café 😀\"}}")
        );
    }

    #[test]
    fn firefox_flavour_awaited_with_bare_keys_and_trailing_commas() {
        let capture = load(concat!(
            "await fetch('http://h/jsonrpc', {\n    credentials: 'include',\n",
            "    headers: {'Content-Type': 'application/json', 'Cookie': 'session_id=ff'},\n",
            "    body: '{}',\n    method: 'post',\n});\n",
            "await fetch(\"http://h/web\", {method: \"GET\", body: null,});"
        ))
        .unwrap();
        assert_eq!(capture.exchanges.len(), 2);
        assert_eq!(capture.exchanges[0].request.method, "POST");
        assert_eq!(
            capture.exchanges[0].request.cookie("session_id"),
            Some("ff")
        );
        assert!(capture.exchanges[1].request.body.is_none());
        assert_eq!(capture.exchanges[1].source.entry, 1);
    }

    #[test]
    fn broken_snippets_are_located() {
        let err = load("fetch(\"http://h\", {\n  \"body\": \"{\\\"a\\\":1").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("f.js: line 2, column 11: this string is never closed"),
            "{err}"
        );
        let err = load("fetch(\"http://h\", {\n  \"method\" \"POST\"})").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("f.js: line 2, column 12: expected `:` after the property \"method\""),
            "{err}"
        );
        let err = load("fetch(url)").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("f.js: line 1, column 7: `url` is a name, not a value"),
            "{err}"
        );
    }
}
