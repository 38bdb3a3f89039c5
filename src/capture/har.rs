//! HAR 1.2/1.3 import through the `har` crate's entry model.
//!
//! Two paths. The fast one streams the document and deserialises each entry into
//! `har::v1_3::Entries` (1.3 is a superset of 1.2), converting it to an [`Exchange`] at once;
//! that is what large, complete exports from Chrome, Edge, Firefox and Playwright take, in
//! about the time of a bare JSON parse and without holding the file and its entries together. Real exports from other tools leave out fields the
//! crate requires (`cache`, `timings` parts, `cookies`, `headersSize`, `creator.version`, …), so
//! when the fast path fails we read the file as JSON, fill what is missing with the values the
//! HAR spec gives for "unknown", and deserialise each entry on its own, so that an entry that is
//! still wrong is reported with its JSON path.

use std::sync::Arc;

use base64::Engine;
use har::v1_3::{Content, Entries, PostData};
use serde::Deserialize;
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value, json};

use super::{Body, Capture, Exchange, Format, NameValue, Request, Response, Source};
use super::{parse_cookie_header, parse_set_cookie};
use crate::error::{Error, Place, Result, json_syntax, strip_serde_position};

pub(super) const SUPPORTED_VERSIONS: [&str; 2] = ["1.2", "1.3"];

#[derive(Deserialize)]
pub(super) struct Creator {
    name: Option<String>,
    version: Option<String>,
}

impl Creator {
    pub(super) fn describe(self) -> Option<String> {
        match (self.name, self.version) {
            (Some(name), Some(version)) if !version.is_empty() => Some(format!("{name} {version}")),
            (Some(name), _) => Some(name),
            _ => None,
        }
    }
}

/// True when the JSON document's first key is `log`, as every HAR writer puts it.
pub(super) fn looks_like_har(head: &[u8]) -> bool {
    let rest = head.strip_prefix(b"{").unwrap_or(b"");
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    rest[start..].starts_with(b"\"log\"")
}

/// Parses a HAR document held in memory (standard input, a payload that turned out to be a
/// HAR). `fast` is false when the streaming path already failed on these bytes.
pub(super) fn parse(file: Arc<str>, bytes: Vec<u8>, fast: bool) -> Result<Capture> {
    if fast
        && let Some(capture) =
            typed_pass(file.clone(), serde_json::Deserializer::from_slice(&bytes))
    {
        return capture;
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|err| {
        json_syntax(&file, &err).hint(
            "the HAR is not valid JSON: was the export cut short? Save it again from DevTools",
        )
    })?;
    drop(bytes);
    from_value(file, value)
}

/// Streams a complete HAR from a reader, turning each entry into an [`Exchange`] as soon as
/// it is parsed, so the file's bytes and the parsed entries never sit in memory together.
/// `None` when the document needs the tolerant pass (or is not a HAR at all): the caller then
/// reads it whole, and that pass reports what is wrong.
pub(super) fn stream(file: Arc<str>, reader: impl std::io::Read) -> Option<Result<Capture>> {
    typed_pass(file, serde_json::Deserializer::from_reader(reader))
}

/// The typed pass over a whole document; `None` sends it to the tolerant pass.
fn typed_pass<'de, R: serde_json::de::Read<'de>>(
    file: Arc<str>,
    mut deserializer: serde_json::Deserializer<R>,
) -> Option<Result<Capture>> {
    let capture = match (HarSeed { file: file.clone() }).deserialize(&mut deserializer) {
        Ok(capture) => capture,
        // The tolerant pass reads through a map, where the last duplicate silently wins.
        Err(e) if e.to_string().starts_with("duplicate field") => {
            let message = e.to_string();
            let what = message.split(" at line").next().unwrap_or(&message);
            let place = Place::LineColumn(e.line(), e.column());
            return Some(Err(Error::input(
                &*file,
                Some(place),
                format!("{what}: the capture holds two of them, and which one is meant is unknown"),
            )
            .hint("the file was edited or joined by hand; keep one of them")));
        }
        Err(_) => return None,
    };
    deserializer.end().ok()?;
    Some(finish(capture))
}

fn finish(streamed: Streamed) -> Result<Capture> {
    check_version(
        &streamed.capture.file,
        streamed.version.as_deref().unwrap_or(""),
    )?;
    Ok(streamed.capture)
}

/// A capture read in one pass, with the version it claimed.
struct Streamed {
    version: Option<String>,
    capture: Capture,
}

/// The document root: only `log` matters.
struct HarSeed {
    file: Arc<str>,
}

impl<'de> DeserializeSeed<'de> for HarSeed {
    type Value = Streamed;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Streamed, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HarSeed {
    type Value = Streamed;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a HAR document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Streamed, A::Error> {
        let mut log = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "log" && log.is_some() {
                // JSON leaves duplicate keys undefined; a capture with two logs is damaged.
                return Err(A::Error::duplicate_field("log"));
            }
            if key == "log" {
                log = Some(map.next_value_seed(LogSeed {
                    file: self.file.clone(),
                })?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        log.ok_or_else(|| A::Error::missing_field("log"))
    }
}

/// `log`: its version, its creator, and the entries converted one by one.
struct LogSeed {
    file: Arc<str>,
}

impl<'de> DeserializeSeed<'de> for LogSeed {
    type Value = Streamed;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Streamed, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed {
    type Value = Streamed;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a HAR log object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Streamed, A::Error> {
        let (mut version, mut creator, mut exchanges) = (None, None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "version" => version = Some(map.next_value::<String>()?),
                "creator" => {
                    creator = map
                        .next_value::<Option<Creator>>()?
                        .and_then(Creator::describe)
                }
                "entries" if exchanges.is_some() => {
                    return Err(A::Error::duplicate_field("entries"));
                }
                "entries" => {
                    exchanges = Some(map.next_value_seed(EntriesSeed {
                        file: self.file.clone(),
                    })?)
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let exchanges = exchanges.ok_or_else(|| A::Error::missing_field("entries"))?;
        Ok(Streamed {
            version,
            capture: Capture {
                file: self.file,
                format: Format::Har,
                creator,
                exchanges,
            },
        })
    }
}

struct EntriesSeed {
    file: Arc<str>,
}

impl<'de> DeserializeSeed<'de> for EntriesSeed {
    type Value = Vec<Exchange>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Exchange>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed {
    type Value = Vec<Exchange>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of HAR entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Exchange>, A::Error> {
        let mut exchanges = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(entry) = seq.next_element::<Entries>()? {
            let source = Source {
                file: self.file.clone(),
                entry: exchanges.len(),
            };
            // A damaged body sends the file to the tolerant pass, which names the place.
            exchanges.push(exchange(source, entry).map_err(|e| A::Error::custom(e.to_string()))?);
        }
        Ok(exchanges)
    }
}

/// Reads a HAR that has already been parsed as JSON, filling what real exports leave out.
pub(super) fn from_value(file: Arc<str>, value: Value) -> Result<Capture> {
    let Value::Object(mut root) = value else {
        return Err(not_a_har(&file, "$", "the document is not a JSON object"));
    };
    let Some(Value::Object(mut log)) = root.remove("log") else {
        return Err(not_a_har(&file, "log", "there is no \"log\" object"));
    };
    let version = match log.get("version") {
        Some(Value::String(v)) => v.clone(),
        // Some hand-written and older tool exports omit it; 1.2 is what they mean.
        None | Some(Value::Null) => "1.2".to_string(),
        Some(other) => {
            return Err(not_a_har(
                &file,
                "log.version",
                &format!("expected a string, found {}", kind(other)),
            ));
        }
    };
    check_version(&file, &version)?;
    let creator = log
        .remove("creator")
        .and_then(|c| serde_json::from_value::<Creator>(c).ok())
        .and_then(Creator::describe);
    let entries = match log.remove("entries") {
        Some(Value::Array(entries)) => entries,
        // Read as "no requests" this would pass for an empty recording, and every command
        // would go on with nothing: the file is damaged, and saying so is the useful answer.
        missing @ (None | Some(Value::Null)) => {
            let found = if missing.is_some() { "null" } else { "nothing" };
            return Err(Error::input(
                &*file,
                Some(Place::JsonPath("log.entries".into())),
                format!("expected an array of entries, found {found}"),
            )
            .hint("the export lost its requests: save it again from DevTools (\"Save all as HAR\") with the Network tab open while you use Odoo"));
        }
        Some(other) => {
            return Err(not_a_har(
                &file,
                "log.entries",
                &format!("expected an array, found {}", kind(&other)),
            ));
        }
    };
    let mut typed = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        typed.push(tolerant_entry(&file, index, entry)?);
    }
    convert(file, creator, typed)
}

/// Entry `index` of the tolerant pass: what exports leave out filled in, then typed; an
/// error names its JSON path.
pub(super) fn tolerant_entry(file: &str, index: usize, mut entry: Value) -> Result<Entries> {
    let path = format!("log.entries[{index}]");
    normalize_entry(&mut entry)
        .map_err(|(inner, message)| not_a_har(file, &format!("{path}{inner}"), &message))?;
    serde_path_to_error::deserialize(entry).map_err(|err| {
        let inner = err.path().to_string();
        let message = strip_serde_position(&err.inner().to_string());
        not_a_har(file, &format!("{path}.{inner}"), &message)
    })
}

fn check_version(file: &str, version: &str) -> Result<()> {
    if SUPPORTED_VERSIONS.contains(&version) {
        return Ok(());
    }
    Err(Error::input(
        file,
        Some(Place::JsonPath("log.version".into())),
        format!("unsupported HAR version \"{version}\"; odoo-har reads HAR 1.2 and 1.3"),
    )
    .hint("export the HAR again from a current browser or tool; every current one writes 1.2"))
}

fn not_a_har(file: &str, path: &str, message: &str) -> Error {
    Error::input(
        file,
        Some(Place::JsonPath(path.to_string())),
        message.to_string(),
    )
    .hint("this does not look like a HAR export; save it again from DevTools (\"Save all as HAR\")")
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

type NormalizeError = (String, String);

/// Fills the fields the HAR spec requires but real exports omit, with the spec's "unknown"
/// values (-1 for sizes and timings, empty lists and strings). Wrong types are left for the
/// typed pass to report with their path, except where a tool's habit is well known.
fn normalize_entry(entry: &mut Value) -> Result<(), NormalizeError> {
    let Value::Object(entry) = entry else {
        return Err((
            String::new(),
            format!("expected an entry object, found {}", kind(entry)),
        ));
    };
    default(entry, "startedDateTime", json!(""));
    default(entry, "cache", json!({}));
    let timings = entry.entry("timings").or_insert_with(|| json!({}));
    if let Value::Object(timings) = timings {
        for key in ["send", "wait", "receive"] {
            default(timings, key, json!(-1));
        }
    }
    if !matches!(entry.get("time"), Some(Value::Number(_))) {
        entry.insert("time".into(), json!(-1));
    }

    let request = entry.entry("request").or_insert(Value::Null);
    let Value::Object(request) = request else {
        return Err((
            ".request".into(),
            format!("expected a request object, found {}", kind(request)),
        ));
    };
    if !matches!(request.get("url"), Some(Value::String(_))) {
        return Err((".request.url".into(), "the request has no URL".into()));
    }
    if !request.contains_key("method") {
        let method = if request.contains_key("postData") {
            "POST"
        } else {
            "GET"
        };
        request.insert("method".into(), json!(method));
    }
    normalize_message(request, ".request")?;
    default(request, "queryString", json!([]));
    if let Some(Value::Object(post)) = request.get_mut("postData") {
        default(post, "mimeType", json!(""));
        normalize_pairs(post, "params", ".request.postData")?;
    }

    let response = entry.entry("response").or_insert_with(|| json!({}));
    if response.is_null() {
        *response = json!({});
    }
    let Value::Object(response) = response else {
        return Err((
            ".response".into(),
            format!("expected a response object, found {}", kind(response)),
        ));
    };
    // Chrome writes status 0 for requests that never got an answer; so do we.
    default(response, "status", json!(0));
    default(response, "statusText", json!(""));
    default(response, "redirectURL", json!(""));
    normalize_message(response, ".response")?;
    let content = response.entry("content").or_insert_with(|| json!({}));
    match content {
        Value::Object(content) => default(content, "size", json!(-1)),
        Value::Null => *content = json!({"size": -1}),
        other => {
            return Err((
                ".response.content".into(),
                format!("expected a content object, found {}", kind(other)),
            ));
        }
    }
    Ok(())
}

fn normalize_message(message: &mut Map<String, Value>, at: &str) -> Result<(), NormalizeError> {
    default(message, "httpVersion", json!(""));
    default(message, "headersSize", json!(-1));
    default(message, "bodySize", json!(-1));
    normalize_pairs(message, "headers", at)?;
    normalize_pairs(message, "cookies", at)
}

/// Name/value lists: missing lists become empty, and a `null` value (Charles, some proxies)
/// becomes an empty string.
fn normalize_pairs(
    parent: &mut Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<(), NormalizeError> {
    let list = parent.entry(key).or_insert_with(|| json!([]));
    if list.is_null() {
        *list = json!([]);
    }
    let Value::Array(items) = list else {
        return Err((
            format!("{at}.{key}"),
            format!("expected an array, found {}", kind(list)),
        ));
    };
    for item in items.iter_mut() {
        if let Value::Object(item) = item
            && matches!(item.get("value"), None | Some(Value::Null))
            && key != "params"
        {
            item.insert("value".into(), json!(""));
        }
    }
    Ok(())
}

fn default(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map.get(key) {
        None | Some(Value::Null) => {
            map.insert(key.to_string(), value);
        }
        Some(_) => {}
    }
}

fn convert(file: Arc<str>, creator: Option<String>, entries: Vec<Entries>) -> Result<Capture> {
    let mut exchanges = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        let source = Source {
            file: file.clone(),
            entry: index,
        };
        exchanges.push(exchange(source, entry)?);
    }
    Ok(Capture {
        file,
        format: Format::Har,
        creator,
        exchanges,
    })
}

pub(super) fn exchange(source: Source, entry: Entries) -> Result<Exchange> {
    let request = entry.request;
    let headers: Vec<NameValue> = request
        .headers
        .into_iter()
        .map(|h| NameValue::new(h.name, h.value))
        .collect();
    let mut cookies: Vec<NameValue> = request
        .cookies
        .into_iter()
        .map(|c| NameValue::new(c.name, c.value))
        .collect();
    if cookies.is_empty()
        && let Some(header) = super::find_header(&headers, "cookie")
    {
        cookies = parse_cookie_header(header);
    }
    let body = match request.post_data {
        Some(post) => Some(post_body(&source, post)?),
        None => None,
    };
    let request = Request {
        method: request.method,
        url: request.url,
        headers,
        cookies,
        body,
    };

    let response = entry.response;
    let response = if response.status <= 0 {
        None
    } else {
        let headers: Vec<NameValue> = response
            .headers
            .into_iter()
            .map(|h| NameValue::new(h.name, h.value))
            .collect();
        let mut cookies: Vec<NameValue> = response
            .cookies
            .into_iter()
            .map(|c| NameValue::new(c.name, c.value))
            .collect();
        if cookies.is_empty() {
            cookies = headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("set-cookie"))
                // One Set-Cookie per line: some exporters fold several headers into one value.
                .flat_map(|h| h.value.lines().filter_map(parse_set_cookie))
                .collect();
        }
        Some(Response {
            status: u16::try_from(response.status).unwrap_or(0),
            headers,
            cookies,
            body: content_body(&source, response.content)?,
        })
    };
    Ok(Exchange {
        started: Some(entry.started_date_time).filter(|s| !s.is_empty()),
        duration_ms: (entry.time >= 0.0).then_some(entry.time),
        source,
        request,
        response,
    })
}

fn post_body(source: &Source, post: PostData) -> Result<Body> {
    let mime_type = Some(post.mime_type).filter(|m| !m.is_empty());
    let bytes = match (post.text, post.params) {
        (Some(text), _) => decode_text(
            source,
            text,
            post.encoding.as_deref(),
            "request.postData.text",
        )?,
        // Firefox and some proxies record form posts only as a parameter list.
        (None, Some(params)) => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for param in params {
                form.append_pair(&param.name, param.value.as_deref().unwrap_or(""));
            }
            form.finish().into_bytes()
        }
        (None, None) => Vec::new(),
    };
    Ok(Body { mime_type, bytes })
}

pub(super) fn content_body(source: &Source, content: Content) -> Result<Option<Body>> {
    let Some(text) = content.text else {
        return Ok(None);
    };
    let bytes = decode_text(
        source,
        text,
        content.encoding.as_deref(),
        "response.content.text",
    )?;
    Ok(Some(Body {
        mime_type: content.mime_type.filter(|m| !m.is_empty()),
        bytes,
    }))
}

fn decode_text(
    source: &Source,
    text: String,
    encoding: Option<&str>,
    field: &str,
) -> Result<Vec<u8>> {
    if !encoding.is_some_and(|e| e.eq_ignore_ascii_case("base64")) {
        return Ok(text.into_bytes());
    }
    // Exporters wrap long base64 at 76 columns now and then.
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|err| {
            Error::input(
                &*source.file,
                Some(Place::JsonPath(format!(
                    "log.entries[{}].{field}",
                    source.entry
                ))),
                format!("the body says it is base64 but is not: {err}"),
            )
            .hint("the export is damaged; save the HAR again")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Capture> {
        super::super::parse("t.har", text.as_bytes().to_vec(), &Default::default())
    }

    const MINIMAL: &str = r#"{"log":{"version":"1.2","creator":{"name":"Safari"},"entries":[
        {"request":{"method":"POST","url":"http://o/web/dataset/call_kw/res.users/read",
                    "headers":[{"name":"Content-Type","value":"application/json"},{"name":"Cookie","value":"session_id=s1; cids=1"}],
                    "postData":{"mimeType":"application/json","text":"{\"params\":{}}"}},
         "response":{"status":200,"headers":[{"name":"Set-Cookie","value":"session_id=s2; Path=/"}],
                     "content":{"mimeType":"application/json","text":"eyJyZXN1bHQiOjF9","encoding":"base64"}}}]}}"#;

    #[test]
    fn minimal_exports_load_through_the_tolerant_pass() {
        let capture = load(MINIMAL).unwrap();
        assert_eq!(capture.creator.as_deref(), Some("Safari"));
        let exchange = &capture.exchanges[0];
        assert_eq!(exchange.request.cookie("session_id"), Some("s1"));
        assert_eq!(
            exchange.request.body.as_ref().unwrap().text(),
            Some("{\"params\":{}}")
        );
        let response = exchange.response.as_ref().unwrap();
        assert_eq!(
            response.body.as_ref().unwrap().text(),
            Some("{\"result\":1}")
        );
        assert_eq!(response.cookies, vec![NameValue::new("session_id", "s2")]);
        assert_eq!(exchange.duration_ms, None);
    }

    #[test]
    fn form_params_without_text_become_an_urlencoded_body() {
        let har = r#"{"log":{"version":"1.2","entries":[{"request":{"url":"http://o/web/login",
            "postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"login","value":"a b"},{"name":"redirect"}]}}}]}}"#;
        let capture = load(har).unwrap();
        let exchange = &capture.exchanges[0];
        assert_eq!(exchange.request.method, "POST");
        assert_eq!(
            exchange.request.body.as_ref().unwrap().text(),
            Some("login=a+b&redirect=")
        );
        assert!(exchange.response.is_none());
    }

    #[test]
    fn structural_errors_name_the_json_path() {
        let err =
            load(r#"{"log":{"version":"1.2","entries":[{"request":{"url":"u","headers":{}}}]}}"#)
                .unwrap_err();
        assert!(
            err.to_string().contains(
                "t.har: at log.entries[0].request.headers: expected an array, found an object"
            ),
            "{err}"
        );
        let err =
            load(r#"{"log":{"version":"1.2","entries":[{"request":{"url":"u","method":7}}]}}"#)
                .unwrap_err();
        assert!(
            err.to_string()
                .contains("at log.entries[0].request.method: invalid type: integer `7`"),
            "{err}"
        );
        let err = load(r#"{"log":{"version":"1.2","entries":[{"request":{"method":"GET"}}]}}"#)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("at log.entries[0].request.url: the request has no URL"),
            "{err}"
        );
    }

    #[test]
    fn unsupported_versions_and_truncated_files_are_refused() {
        let err = load(r#"{"log":{"version":"2.0","entries":[]}}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("at log.version: unsupported HAR version \"2.0\""),
            "{err}"
        );
        let err = load("{\"log\":{\"version\":\"1.2\",\n\"entries\":[{\"request\"").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t.har: line 2, column 21: EOF while parsing"),
            "{err}"
        );
    }

    #[test]
    fn bodies_that_are_not_utf8_are_kept_as_bytes() {
        // /w== is 0xff 0xf0: an image or a compressed body, not text.
        let har = MINIMAL.replace("eyJyZXN1bHQiOjF9", "//A=");
        let capture = load(&har).unwrap();
        let body = capture.exchanges[0]
            .response
            .as_ref()
            .unwrap()
            .body
            .as_ref()
            .unwrap();
        assert_eq!(body.bytes, vec![0xff, 0xf0]);
        assert_eq!(body.text(), None);
    }

    #[test]
    fn damaged_base64_names_the_entry() {
        let har = MINIMAL.replace("eyJyZXN1bHQiOjF9", "%%%");
        let err = load(&har).unwrap_err();
        assert!(
            err.to_string()
                .contains("at log.entries[0].response.content.text: the body says it is base64"),
            "{err}"
        );
    }
}
