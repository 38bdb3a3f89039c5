//! A HAR read entry by entry from a file, for captures of hundreds of megabytes.
//!
//! The bytes come in chunks into one buffer that holds the entry being read and little more;
//! the structure around the entries (`{"log": {…, "entries": [`) is walked by hand, and each
//! entry's bytes, once their end is found, are parsed from the buffer as a slice, which is
//! serde_json's fast path. The response body of an exchange the caller does not want is
//! checked and skipped where it lies, never copied out or unescaped. So memory stays that of
//! the largest entry, whatever the file's size.
//!
//! Nothing here decides what a damaged file means: at the first thing that is not plainly
//! right (bad JSON, a duplicate, a missing field, a version to check), the reader stops with
//! [`Stop::Damaged`] and the caller reads the file the way it always did, which gives the
//! located error, or the result when the file was only unusual. Entries that real exports
//! leave incomplete are read as [`super::har`]'s tolerant pass reads them, one at a time.

use std::io::Read;
use std::sync::Arc;

use har::v1_3::{Cache, Content, Cookies, Entries, Headers, Response, Timings};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use super::har::{Creator, content_body, exchange, tolerant_entry};
use super::{Exchange, Request, Source};
use crate::error::Error;

/// Why a streamed read stopped early.
pub(super) enum Stop {
    /// The caller's handler refused an exchange (a closed pipe, a full disk): its error.
    Handler(Error),
    /// The file needs the whole-document reading, which says what is wrong with it.
    Damaged,
}

/// What a streamed HAR said besides its entries.
pub(super) struct Streamed {
    pub creator: Option<String>,
    pub entries: usize,
}

/// Reads a HAR from `reader`, handing each exchange to `each` as soon as it is read;
/// `wants_response` says, once a request is read, whether its response body is needed.
/// `emitted` counts the exchanges handed on, so that a caller falling back after
/// [`Stop::Damaged`] knows where it got to.
pub(super) fn entries(
    file: &Arc<str>,
    reader: impl Read,
    wants_response: &dyn Fn(&Request) -> bool,
    each: &mut dyn FnMut(Exchange) -> crate::error::Result<()>,
    emitted: &mut usize,
) -> Result<Streamed, Stop> {
    let mut walk = Walk {
        bytes: Bytes::new(reader),
        file: file.clone(),
        wants_response,
        tolerant: false,
    };
    walk.document(each, emitted)
}

/// The bytes not yet consumed, read from `reader` as they are needed.
struct Bytes<R> {
    reader: R,
    buf: Vec<u8>,
    /// Where the unconsumed bytes start in `buf`; offsets below are counted from here.
    pos: usize,
    eof: bool,
}

/// How much is read at a time: large enough that system calls do not count.
const CHUNK: u64 = 1 << 18;

impl<R: Read> Bytes<R> {
    fn new(reader: R) -> Self {
        Bytes {
            reader,
            buf: Vec::with_capacity(CHUNK as usize * 2),
            pos: 0,
            eof: false,
        }
    }

    fn available(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Reads another chunk after what is held, first dropping what was consumed; false at
    /// the end of the input. An unreadable input counts as damaged: the whole-document
    /// reading reports it.
    fn more(&mut self) -> Result<bool, Stop> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let read = (&mut self.reader)
            .take(CHUNK)
            .read_to_end(&mut self.buf)
            .map_err(|_| Stop::Damaged)?;
        self.eof = read == 0;
        Ok(!self.eof)
    }

    /// The byte at offset `at`, reading as far as needed; `None` at the end of the input.
    fn byte(&mut self, at: usize) -> Result<Option<u8>, Stop> {
        while at >= self.available() {
            if !self.more()? {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[self.pos + at]))
    }

    /// The offset of the first byte from `at` on that is not JSON whitespace.
    fn skip_space(&mut self, mut at: usize) -> Result<Option<(usize, u8)>, Stop> {
        loop {
            match self.byte(at)? {
                Some(b' ' | b'\n' | b'\r' | b'\t') => at += 1,
                Some(b) => return Ok(Some((at, b))),
                None => return Ok(None),
            }
        }
    }

    /// Consumes up to the next byte that is not whitespace and returns it, unconsumed.
    fn next_token(&mut self) -> Result<Option<u8>, Stop> {
        let found = self.skip_space(0)?;
        if let Some((at, _)) = found {
            self.pos += at;
        } else {
            self.pos = self.buf.len();
        }
        Ok(found.map(|(_, b)| b))
    }

    /// Consumes `expected` (after whitespace), or stops.
    fn expect(&mut self, expected: u8) -> Result<(), Stop> {
        match self.next_token()? {
            Some(b) if b == expected => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(Stop::Damaged),
        }
    }

    /// Consumes the `{` of an object that must have members (the document, its log): an
    /// empty one lacks what a HAR needs.
    fn open_object(&mut self) -> Result<(), Stop> {
        self.expect(b'{')?;
        match self.next_token()? {
            Some(b'}') | None => Err(Stop::Damaged),
            Some(_) => Ok(()),
        }
    }

    /// The offset just past the string whose opening quote is at `at - 1`.
    fn string_end(&mut self, mut at: usize) -> Result<usize, Stop> {
        loop {
            if at >= self.available() && !self.more()? {
                return Err(Stop::Damaged);
            }
            let held = &self.buf[self.pos + at..];
            match memchr::memchr2(b'"', b'\\', held) {
                Some(i) if held[i] == b'"' => return Ok(at + i + 1),
                // An escape: the byte after the backslash is never the end.
                Some(i) => at += i + 2,
                None => at += held.len(),
            }
        }
    }

    /// The length of the JSON value at the start of the unconsumed bytes (whitespace
    /// already skipped), found by its brackets and strings alone: serde checks the bytes.
    fn value_len(&mut self) -> Result<usize, Stop> {
        let mut depth = 0usize;
        let mut at = 0;
        loop {
            let Some(b) = self.byte(at)? else {
                // A number at the very end of the input, or a value cut short.
                return if depth == 0 && at > 0 {
                    Ok(at)
                } else {
                    Err(Stop::Damaged)
                };
            };
            match b {
                b'"' => {
                    at = self.string_end(at + 1)?;
                    if depth == 0 {
                        return Ok(at);
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => return Ok(at),
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(at + 1);
                    }
                }
                b',' | b':' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 => return Ok(at),
                _ => {}
            }
            at += 1;
        }
    }

    /// The next value's bytes (after whitespace), consumed.
    fn value(&mut self) -> Result<&[u8], Stop> {
        self.next_token()?.ok_or(Stop::Damaged)?;
        let len = self.value_len()?;
        let start = self.pos;
        self.pos += len;
        Ok(&self.buf[start..start + len])
    }

    /// An object key and its colon, decoded as serde decodes keys.
    fn key(&mut self) -> Result<String, Stop> {
        let key = serde_json::from_slice::<String>(self.value()?).map_err(|_| Stop::Damaged)?;
        self.expect(b':')?;
        Ok(key)
    }

    /// After a member or an element: true when another follows, false at `close`.
    fn more_members(&mut self, close: u8) -> Result<bool, Stop> {
        match self.next_token()? {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(Stop::Damaged),
        }
    }
}

/// Reading one document.
struct Walk<'a, R> {
    bytes: Bytes<R>,
    file: Arc<str>,
    wants_response: &'a dyn Fn(&Request) -> bool,
    /// True once anything needed the tolerant reading: the typed pass over the whole file
    /// would have failed, and the file is then read as the tolerant pass reads it.
    tolerant: bool,
}

impl<R: Read> Walk<'_, R> {
    fn document(
        &mut self,
        each: &mut dyn FnMut(Exchange) -> crate::error::Result<()>,
        emitted: &mut usize,
    ) -> Result<Streamed, Stop> {
        self.bytes.open_object()?;
        let mut log = None;
        loop {
            let key = self.bytes.key()?;
            if key == "log" {
                if log.is_some() {
                    return Err(Stop::Damaged);
                }
                log = Some(self.log(each, emitted)?);
            } else {
                self.skip_value()?;
            }
            if !self.bytes.more_members(b'}')? {
                break;
            }
        }
        if self.bytes.next_token()?.is_some() {
            // Trailing characters.
            return Err(Stop::Damaged);
        }
        log.ok_or(Stop::Damaged)
    }

    /// A value nobody reads, checked to be JSON all the same.
    fn skip_value(&mut self) -> Result<(), Stop> {
        serde_json::from_slice::<IgnoredAny>(self.bytes.value()?).map_err(|_| Stop::Damaged)?;
        Ok(())
    }

    fn log(
        &mut self,
        each: &mut dyn FnMut(Exchange) -> crate::error::Result<()>,
        emitted: &mut usize,
    ) -> Result<Streamed, Stop> {
        self.bytes.open_object()?;
        let (mut version, mut creator, mut entries) = (None, None, None);
        loop {
            let key = self.bytes.key()?;
            match key.as_str() {
                // As in both passes, the last of duplicate versions and creators counts.
                "version" => {
                    let value = serde_json::from_slice::<Value>(self.bytes.value()?)
                        .map_err(|_| Stop::Damaged)?;
                    // Said at once when the version comes first, as writers put it: the
                    // file then prints nothing but its error.
                    if let Value::String(v) = &value
                        && !super::har::SUPPORTED_VERSIONS.contains(&v.as_str())
                    {
                        return Err(Stop::Damaged);
                    }
                    version = Some(value);
                }
                "creator" => {
                    let bytes = self.bytes.value()?;
                    let value =
                        serde_json::from_slice::<Value>(bytes).map_err(|_| Stop::Damaged)?;
                    // The typed pass takes a creator it can read; one it cannot sends the
                    // file to the tolerant pass, which leaves it out.
                    creator = match serde_json::from_value::<Option<Creator>>(value) {
                        Ok(creator) => creator.and_then(Creator::describe),
                        Err(_) => {
                            self.tolerant = true;
                            None
                        }
                    };
                }
                "entries" if entries.is_some() => return Err(Stop::Damaged),
                "entries" => entries = Some(self.entries(each, emitted)?),
                _ => self.skip_value()?,
            }
            if !self.bytes.more_members(b'}')? {
                break;
            }
        }
        let entries = entries.ok_or(Stop::Damaged)?;
        let supported = match version {
            Some(Value::String(v)) => super::har::SUPPORTED_VERSIONS.contains(&v.as_str()),
            // The tolerant pass reads a missing or null version as 1.2; the typed pass
            // refuses a null one (so the file goes to the tolerant pass) and a missing one.
            Some(Value::Null) => true,
            None => self.tolerant,
            Some(_) => false,
        };
        if !supported {
            return Err(Stop::Damaged);
        }
        Ok(Streamed { creator, entries })
    }

    fn entries(
        &mut self,
        each: &mut dyn FnMut(Exchange) -> crate::error::Result<()>,
        emitted: &mut usize,
    ) -> Result<usize, Stop> {
        self.bytes.expect(b'[')?;
        if self.bytes.next_token()? == Some(b']') {
            self.bytes.pos += 1;
            return Ok(0);
        }
        let mut index = 0;
        loop {
            let source = Source {
                file: self.file.clone(),
                entry: index,
            };
            let exchange = self.entry(source)?;
            each(exchange).map_err(Stop::Handler)?;
            *emitted += 1;
            index += 1;
            if !self.bytes.more_members(b']')? {
                return Ok(index);
            }
        }
    }

    /// One entry, read from its bytes.
    fn entry(&mut self, source: Source) -> Result<Exchange, Stop> {
        let bytes = self.bytes.value()?;
        entry(
            bytes,
            source,
            &self.file,
            self.wants_response,
            &mut self.tolerant,
        )
    }
}

/// One entry: typed when it is complete, as the tolerant pass reads it when it is not.
fn entry(
    bytes: &[u8],
    source: Source,
    file: &str,
    wants_response: &dyn Fn(&Request) -> bool,
    tolerant: &mut bool,
) -> Result<Exchange, Stop> {
    let lazy = match serde_json::from_slice::<LazyEntry>(bytes) {
        // Not a string: the typed pass refuses it (and so will the tolerant one).
        Ok(lazy) if lazy.text_is_not_a_string() => None,
        Ok(lazy) => Some(lazy),
        // The typed pass stops at a duplicate field with an error of its own, unless an
        // earlier entry already sent the file to the tolerant pass.
        Err(err)
            if err.is_syntax()
                || err.is_eof()
                || (!*tolerant && err.to_string().starts_with("duplicate field")) =>
        {
            return Err(Stop::Damaged);
        }
        Err(_) => None,
    };
    let Some(lazy) = lazy else {
        *tolerant = true;
        let value = serde_json::from_slice::<Value>(bytes).map_err(|_| Stop::Damaged)?;
        let entry = tolerant_entry(file, source.entry, value).map_err(|_| Stop::Damaged)?;
        return exchange(source, entry).map_err(|_| Stop::Damaged);
    };
    let text = lazy.response.content.text;
    let (mime_type, encoding) = (
        lazy.response.content.mime_type.clone(),
        lazy.response.content.encoding.clone(),
    );
    let mut exchange = exchange(source, lazy.into_entries()).map_err(|_| Stop::Damaged)?;
    let Some(raw) = text else {
        return Ok(exchange);
    };
    let wanted = wants_response(&exchange.request);
    let base64 = encoding
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    if !wanted && !base64 {
        return Ok(exchange);
    }
    // A skipped base64 body is still decoded once, and dropped: a damaged one is an error
    // wherever it is, as it always was.
    let text = serde_json::from_str::<String>(raw.get()).map_err(|_| Stop::Damaged)?;
    let content = Content {
        mime_type,
        text: Some(text),
        encoding,
        ..Content::default()
    };
    let body = content_body(&exchange.source, content).map_err(|_| Stop::Damaged)?;
    if wanted && let Some(response) = exchange.response.as_mut() {
        response.body = body;
    }
    Ok(exchange)
}

/// `har::v1_3::Entries` field for field, with the same types and defaults so that it
/// accepts exactly what the typed pass accepts, except that the response body is left in
/// the file's bytes until someone wants it.
#[derive(Deserialize)]
struct LazyEntry<'a> {
    pageref: Option<String>,
    #[serde(rename = "startedDateTime")]
    started_date_time: String,
    time: f64,
    request: har::v1_3::Request,
    #[serde(borrow)]
    response: LazyResponse<'a>,
    cache: Cache,
    timings: Timings,
    #[serde(rename = "serverIPAddress")]
    server_ip_address: Option<String>,
    connection: Option<String>,
    comment: Option<String>,
}

/// `har::v1_3::Response`, its content lazy.
#[derive(Deserialize)]
struct LazyResponse<'a> {
    status: i64,
    #[serde(rename = "statusText")]
    status_text: String,
    #[serde(rename = "httpVersion")]
    http_version: String,
    cookies: Vec<Cookies>,
    headers: Vec<Headers>,
    #[serde(borrow)]
    content: LazyContent<'a>,
    #[serde(rename = "redirectURL")]
    redirect_url: Option<String>,
    #[serde(rename = "headersSize", default = "unknown_size")]
    headers_size: i64,
    #[serde(rename = "bodySize", default = "unknown_size")]
    body_size: i64,
    comment: Option<String>,
    #[serde(rename = "headersCompression")]
    headers_compression: Option<i64>,
}

/// `har::v1_3::Content`, its text as the bytes in the file.
#[derive(Deserialize)]
struct LazyContent<'a> {
    #[serde(default = "unknown_size")]
    size: i64,
    compression: Option<i64>,
    #[serde(rename = "mimeType")]
    mime_type: Option<String>,
    #[serde(borrow)]
    text: Option<&'a RawValue>,
    encoding: Option<String>,
    comment: Option<String>,
}

/// The HAR spec's "unknown" for sizes, the `har` crate's default.
fn unknown_size() -> i64 {
    -1
}

impl LazyEntry<'_> {
    fn text_is_not_a_string(&self) -> bool {
        self.response
            .content
            .text
            .is_some_and(|raw| !raw.get().starts_with('"'))
    }

    /// The entry as the `har` crate types it, with no response text: that is added apart.
    fn into_entries(self) -> Entries {
        let response = self.response;
        let content = response.content;
        Entries {
            pageref: self.pageref,
            started_date_time: self.started_date_time,
            time: self.time,
            request: self.request,
            response: Response {
                status: response.status,
                status_text: response.status_text,
                http_version: response.http_version,
                cookies: response.cookies,
                headers: response.headers,
                content: Content {
                    size: content.size,
                    compression: content.compression,
                    mime_type: content.mime_type,
                    text: None,
                    encoding: content.encoding,
                    comment: content.comment,
                },
                redirect_url: response.redirect_url,
                headers_size: response.headers_size,
                body_size: response.body_size,
                comment: response.comment,
                headers_compression: response.headers_compression,
            },
            cache: self.cache,
            timings: self.timings,
            server_ip_address: self.server_ip_address,
            connection: self.connection,
            comment: self.comment,
        }
    }
}
