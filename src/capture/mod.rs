//! Reading what a browser or tool recorded into one neutral type, [`Exchange`].
//!
//! Nothing here knows about Odoo: a capture is requests and (maybe) responses. The format is
//! detected from the content, never from the file name, because users save DevTools snippets
//! under any name.

mod curl;
mod fetch;
mod har;
mod payload;
mod shell;
mod stream;

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};

/// The kind of capture a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// HTTP Archive 1.2/1.3, from any browser or tool.
    Har,
    /// DevTools "Copy as cURL (bash)", one or several commands.
    Curl,
    /// DevTools "Copy as fetch", one or several calls.
    Fetch,
    /// A request body pasted from the DevTools Payload tab.
    Payload,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Har => "HAR",
            Format::Curl => "cURL",
            Format::Fetch => "fetch",
            Format::Payload => "payload",
        })
    }
}

/// Where an exchange came from: the file as the user named it and the entry's index in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: Arc<str>,
    /// 0-based index of the entry (HAR) or command (cURL/fetch) in the file.
    pub entry: usize,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} entry {}", self.file, self.entry)
    }
}

/// A header or cookie: a name and a value, in the order they were recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameValue {
    pub name: String,
    pub value: String,
}

impl NameValue {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        NameValue {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A message body, kept as bytes because not every body is UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub mime_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl Body {
    /// The body as text, when it is valid UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }
}

/// An HTTP request as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<NameValue>,
    /// Cookies the request carried, from the capture's cookie list or its `Cookie` header.
    pub cookies: Vec<NameValue>,
    pub body: Option<Body>,
}

/// An HTTP response as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<NameValue>,
    /// Cookies the response set, from the capture's cookie list or `Set-Cookie` headers.
    pub cookies: Vec<NameValue>,
    pub body: Option<Body>,
}

/// One request with its response, if the capture has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    pub source: Source,
    /// When the request started, ISO 8601 as recorded.
    pub started: Option<String>,
    /// Total time in milliseconds, when recorded.
    pub duration_ms: Option<f64>,
    pub request: Request,
    pub response: Option<Response>,
}

/// Everything read from one capture file.
#[derive(Debug, Clone)]
pub struct Capture {
    pub file: Arc<str>,
    pub format: Format,
    /// The tool that wrote a HAR (`Playwright 1.65.1`), when it says.
    pub creator: Option<String>,
    pub exchanges: Vec<Exchange>,
}

/// How to read captures that do not say everything themselves.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Where a raw payload was sent (a payload carries no URL of its own).
    pub url: Option<String>,
}

fn find_header<'a>(headers: &'a [NameValue], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

impl Request {
    /// The first header of that name, compared case-insensitively as HTTP does.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// A cookie the request sent.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.as_str())
    }

    /// The URL's path, without query or fragment (`/` when the URL has none or cannot be read).
    pub fn path(&self) -> &str {
        url_path(&self.url)
    }
}

impl Exchange {
    /// A request copied from the browser as a snippet ("Copy as cURL", "Copy as fetch"):
    /// it has no timing and no response. Cookies come from the `Cookie` header when none
    /// were given apart, the body's type from `Content-Type`, and the method defaults as
    /// browsers and curl default it: POST with a body, GET without.
    pub(crate) fn from_snippet(
        source: Source,
        method: Option<String>,
        url: String,
        headers: Vec<NameValue>,
        mut cookies: Vec<NameValue>,
        body: Option<Vec<u8>>,
    ) -> Exchange {
        if cookies.is_empty()
            && let Some(header) = find_header(&headers, "cookie")
        {
            cookies = parse_cookie_header(header);
        }
        let body = body.map(|bytes| Body {
            mime_type: find_header(&headers, "content-type").map(str::to_string),
            bytes,
        });
        let method = method.unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.into());
        Exchange {
            source,
            started: None,
            duration_ms: None,
            request: Request {
                method,
                url,
                headers,
                cookies,
                body,
            },
            response: None,
        }
    }
}

impl Response {
    /// The first header of that name, compared case-insensitively as HTTP does.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// The path part of a URL, cheaply, without allocating: classification calls this for
/// every entry of large captures.
pub fn url_path(url: &str) -> &str {
    let after_scheme = match url.find("://") {
        Some(at) => &url[at + 3..],
        None => url,
    };
    let path_start = if url.contains("://") {
        after_scheme.find('/').map(|i| &after_scheme[i..])
    } else {
        Some(after_scheme)
    };
    let path = path_start.unwrap_or("/");
    let end = path.find(['?', '#']).unwrap_or(path.len());
    if end == 0 { "/" } else { &path[..end] }
}

/// Splits a `Cookie` header value into cookies.
pub(crate) fn parse_cookie_header(value: &str) -> Vec<NameValue> {
    value
        .split(';')
        .filter_map(|pair| {
            let pair = pair.trim();
            let (name, value) = pair.split_once('=')?;
            (!name.is_empty()).then(|| NameValue::new(name.trim(), value.trim()))
        })
        .collect()
}

/// The cookie a `Set-Cookie` header sets (its attributes are not needed here).
pub(crate) fn parse_set_cookie(value: &str) -> Option<NameValue> {
    let first = value.split(';').next()?;
    let (name, value) = first.split_once('=')?;
    let name = name.trim();
    (!name.is_empty()).then(|| NameValue::new(name, value.trim()))
}

/// A HAR 1.2 document of exchanges, for captures that were not HAR to begin with
/// (`redact` of a snippet) and for what a replay sent and got.
pub fn to_har(exchanges: &[Exchange], creator: &str) -> serde_json::Value {
    use serde_json::json;
    let pairs = |list: &[NameValue]| {
        list.iter()
            .map(|p| json!({"name": p.name, "value": p.value}))
            .collect::<Vec<_>>()
    };
    let body_text = |body: &Body| match body.text() {
        Some(text) => json!({"text": text}),
        None => {
            use base64::Engine;
            json!({"text": base64::engine::general_purpose::STANDARD.encode(&body.bytes), "encoding": "base64"})
        }
    };
    let entries: Vec<serde_json::Value> = exchanges
        .iter()
        .map(|e| {
            let mut request = json!({
                "method": e.request.method, "url": e.request.url, "httpVersion": "HTTP/1.1",
                "cookies": pairs(&e.request.cookies), "headers": pairs(&e.request.headers),
                "queryString": [], "headersSize": -1, "bodySize": e.request.body.as_ref().map_or(0, |b| b.bytes.len()),
            });
            if let Some(body) = &e.request.body {
                let mut post = body_text(body);
                post["mimeType"] = json!(body.mime_type.clone().unwrap_or_default());
                request["postData"] = post;
            }
            let response = match &e.response {
                Some(r) => {
                    let mut content = r.body.as_ref().map(body_text).unwrap_or_else(|| json!({}));
                    content["size"] = json!(r.body.as_ref().map_or(0, |b| b.bytes.len()));
                    content["mimeType"] = json!(r.body.as_ref().and_then(|b| b.mime_type.clone()).unwrap_or_default());
                    json!({"status": r.status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": pairs(&r.cookies), "headers": pairs(&r.headers),
                           "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1})
                }
                // HAR has no "no response": status 0 is what browsers write for it.
                None => json!({"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [], "content": {"size": 0, "mimeType": ""},
                               "redirectURL": "", "headersSize": -1, "bodySize": -1}),
            };
            json!({
                "startedDateTime": e.started.clone().unwrap_or_default(), "time": e.duration_ms.unwrap_or(-1.0),
                "request": request, "response": response, "cache": {},
                "timings": {"send": -1, "wait": e.duration_ms.unwrap_or(-1.0), "receive": -1},
            })
        })
        .collect();
    json!({"log": {"version": "1.2", "creator": {"name": creator, "version": env!("CARGO_PKG_VERSION")}, "entries": entries}})
}

/// Reads a capture file (`-` for standard input) and detects its format from the content.
pub fn load(path: &str, options: &LoadOptions) -> Result<Capture> {
    if path != "-"
        && let Some(capture) = stream_har(path)
    {
        return capture;
    }
    let bytes = read_input(path)?;
    parse_bytes(path, bytes, options, path == "-")
}

/// Reads a capture as [`load`] does, but hands each exchange to `each` as soon as it is read
/// instead of keeping them all: a HAR file is read entry by entry, so memory stays that of its
/// largest entry however large the file. `wants_response` is asked, once an exchange's
/// request is read, whether its response body is needed; when it is not, the body is
/// skipped where it lies in the file and the exchange has none. Other formats and standard
/// input are read whole first (they are small), every body kept. Returns the capture
/// without its exchanges, and how many it had.
pub fn stream(
    path: &str,
    options: &LoadOptions,
    wants_response: &dyn Fn(&Request) -> bool,
    each: &mut dyn FnMut(Exchange) -> Result<()>,
) -> Result<(Capture, usize)> {
    let mut emitted = 0;
    // A file cut short (the usual damage) goes to the whole-document reading before
    // anything is handed on, so that it prints nothing but its error.
    if path != "-"
        && ends_with_brace(path)
        && let Some(reader) = open_har(path)
    {
        let file: Arc<str> = Arc::from(path);
        match stream::entries(&file, reader, wants_response, each, &mut emitted) {
            Ok(streamed) => {
                let capture = Capture {
                    file,
                    format: Format::Har,
                    creator: streamed.creator,
                    exchanges: Vec::new(),
                };
                return Ok((capture, streamed.entries));
            }
            Err(stream::Stop::Handler(err)) => return Err(err),
            // The way files were always read says what is wrong. Should it read the file
            // after all, it goes on from the entry where the stream stopped.
            Err(stream::Stop::Damaged) => {}
        }
    }
    let mut capture = load(path, options)?;
    let count = capture.exchanges.len();
    for exchange in capture.exchanges.drain(..).skip(emitted) {
        each(exchange)?;
    }
    Ok((capture, count))
}

/// True when the last byte of the file that is not whitespace is `}`.
fn ends_with_brace(path: &str) -> bool {
    use std::io::{Seek, SeekFrom};
    let tail = || -> std::io::Result<Vec<u8>> {
        let mut file = std::fs::File::open(Path::new(path))?;
        let len = file.seek(SeekFrom::End(0))?;
        file.seek(SeekFrom::Start(len.saturating_sub(256)))?;
        let mut tail = Vec::with_capacity(256);
        file.read_to_end(&mut tail)?;
        Ok(tail)
    };
    tail().is_ok_and(|tail| {
        tail.iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'}')
    })
}

/// A file that starts like a HAR, opened and past its byte-order mark; `None` when it does
/// not start like one.
fn open_har(path: &str) -> Option<std::io::BufReader<std::fs::File>> {
    use std::io::BufRead;
    let file = std::fs::File::open(Path::new(path)).ok()?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let head = reader.fill_buf().ok()?;
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let start = head[bom..].iter().position(|b| !b.is_ascii_whitespace())?;
    if !har::looks_like_har(&head[bom + start..]) {
        return None;
    }
    reader.consume(bom);
    Some(reader)
}

/// Streams a file that starts like a HAR; `None` when it does not, or when it needs the
/// tolerant pass that works on the whole document.
fn stream_har(path: &str) -> Option<Result<Capture>> {
    har::stream(Arc::from(path), open_har(path)?)
}

fn read_input(path: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let outcome = if path == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(Path::new(path)).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    outcome.map_err(|err| {
        Error::input(path, None, format!("cannot read: {err}"))
            .hint("check the path; use - to read the capture from standard input")
    })?;
    Ok(bytes)
}

/// Parses capture bytes that were read from `file`.
pub fn parse(file: &str, bytes: Vec<u8>, options: &LoadOptions) -> Result<Capture> {
    parse_bytes(file, bytes, options, true)
}

/// `fast_har` is false when streaming the same bytes as a HAR already failed.
fn parse_bytes(
    file: &str,
    mut bytes: Vec<u8>,
    options: &LoadOptions,
    fast_har: bool,
) -> Result<Capture> {
    let file: Arc<str> = Arc::from(file);
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        // Windows tools (Fiddler, PowerShell redirection) write a UTF-8 byte-order mark.
        bytes.drain(..3);
    }
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .ok_or_else(|| {
            Error::input(&*file, None, "the file is empty").hint(
                "save the capture again: in DevTools' Network tab, right-click a request and choose \"Save all as HAR\"",
            )
        })?;
    let head = &bytes[start..];
    if head.starts_with(b"{") || head.starts_with(b"[") {
        if har::looks_like_har(head) {
            return har::parse(file, bytes, fast_har);
        }
        return payload::parse(file, bytes, options);
    }
    let text = std::str::from_utf8(&bytes).map_err(|err| {
        Error::input(
            &*file,
            None,
            format!("not text (invalid UTF-8 at byte {})", err.valid_up_to()),
        )
        .hint(UNKNOWN_FORMAT_HINT)
    })?;
    let trimmed = text.trim_start();
    if trimmed.starts_with("curl ") || trimmed.starts_with("curl\t") {
        return curl::parse(file, text);
    }
    if fetch::looks_like_fetch(trimmed) {
        return fetch::parse(file, text);
    }
    Err(Error::input(
        &*file,
        Some(crate::error::Place::LineColumn(1, 1)),
        "not a capture odoo-har can read",
    )
    .hint(UNKNOWN_FORMAT_HINT))
}

const UNKNOWN_FORMAT_HINT: &str = "give a HAR file (DevTools Network tab: \"Save all as HAR\"), a \"Copy as cURL (bash)\" or \"Copy as fetch\" snippet, or a JSON-RPC payload from the Payload tab (with --url)";

/// Exchanges built by hand for unit tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn test_exchange(
    entry: usize,
    method: &str,
    url: &str,
    body: &str,
    response: Option<(u16, &str)>,
) -> Exchange {
    let body_of = |text: &str| Body {
        mime_type: None,
        bytes: text.as_bytes().to_vec(),
    };
    Exchange {
        source: Source {
            file: "t.har".into(),
            entry,
        },
        started: None,
        duration_ms: None,
        request: Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: (!body.is_empty()).then(|| body_of(body)),
        },
        response: response.map(|(status, text)| Response {
            status,
            headers: Vec::new(),
            cookies: Vec::new(),
            body: Some(body_of(text)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_path_handles_queries_fragments_and_bare_hosts() {
        assert_eq!(
            url_path("http://h:8069/web/dataset/call_kw/res.users/read?x=1"),
            "/web/dataset/call_kw/res.users/read"
        );
        assert_eq!(url_path("https://h.odoo.com"), "/");
        assert_eq!(url_path("https://h.odoo.com/web#action=1"), "/web");
        assert_eq!(url_path("/jsonrpc"), "/jsonrpc");
    }

    #[test]
    fn cookie_headers_are_split() {
        let cookies = parse_cookie_header("tz=UTC; session_id=abc; cids=1");
        assert_eq!(cookies[1], NameValue::new("session_id", "abc"));
        assert_eq!(cookies.len(), 3);
        assert_eq!(
            parse_set_cookie("session_id=xyz; Expires=Sat, 05 Dec 2026; HttpOnly; Path=/"),
            Some(NameValue::new("session_id", "xyz"))
        );
    }

    #[test]
    fn empty_and_unknown_inputs_are_refused_with_a_hint() {
        let err = parse("e.har", b"  \n".to_vec(), &LoadOptions::default()).unwrap_err();
        assert!(err.to_string().starts_with("e.har: the file is empty"));
        let err = parse("x.txt", b"hello".to_vec(), &LoadOptions::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("x.txt: line 1, column 1: not a capture"),
            "{err}"
        );
        let err = parse("b.bin", vec![0xff, 0xfe, 0x00], &LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("invalid UTF-8"), "{err}");
    }
}
