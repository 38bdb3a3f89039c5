//! DevTools "Copy as cURL (bash)" and "Copy all as cURL", Chrome's and Firefox's flavours.

use std::sync::Arc;

use base64::Engine;

use super::shell::{self, Word};
use super::{Capture, Exchange, Format, NameValue, Source, parse_cookie_header};
use crate::error::{Error, Place, Result};

/// Options that take a value but do not change the request (output, timing, proxies…).
const IGNORED_WITH_VALUE: &[&str] = &[
    "-o",
    "--output",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-x",
    "--proxy",
    "-w",
    "--write-out",
    "--retry",
    "--cacert",
    "--cert",
    "--key",
    "-c",
    "--cookie-jar",
    "--resolve",
    "--limit-rate",
];

/// Parses one or several cURL commands.
pub(super) fn parse(file: Arc<str>, text: &str) -> Result<Capture> {
    if let Some(at) = text.find("^\"") {
        let (line, column) = line_column(text, at);
        return Err(Error::input(
            &*file,
            Some(Place::LineColumn(line, column)),
            "this is the Windows cmd flavour of \"Copy as cURL\", which odoo-har does not read",
        )
        .hint("copy the request again with \"Copy as cURL (bash)\""));
    }
    let commands = shell::split(text).map_err(|err| {
        Error::input(
            &*file,
            Some(Place::LineColumn(err.line, err.column)),
            err.message,
        )
        .hint("the snippet was cut short; copy it again from DevTools")
    })?;
    let mut exchanges = Vec::new();
    for words in commands {
        if words.first().map(|w| w.text.as_str()) != Some("curl") {
            let first = &words[0];
            return Err(Error::input(
                &*file,
                Some(Place::LineColumn(first.line, first.column)),
                format!("expected a curl command, found `{}`", first.text),
            )
            .hint("keep only the curl commands DevTools copied"));
        }
        let source = Source {
            file: file.clone(),
            entry: exchanges.len(),
        };
        exchanges.push(command(&file, source, &words)?);
    }
    Ok(Capture {
        file,
        format: Format::Curl,
        creator: None,
        exchanges,
    })
}

fn command(file: &str, source: Source, words: &[Word]) -> Result<Exchange> {
    let mut method: Option<String> = None;
    let mut url: Option<String> = None;
    let mut headers: Vec<NameValue> = Vec::new();
    let mut cookies: Vec<NameValue> = Vec::new();
    let mut data: Vec<String> = Vec::new();
    let mut json_body = false;

    let mut rest = words[1..].iter();
    while let Some(word) = rest.next() {
        let (option, attached) = split_option(&word.text);
        let mut value = || -> Result<String> {
            if let Some(v) = attached {
                return Ok(v.to_string());
            }
            rest.next().map(|w| w.text.clone()).ok_or_else(|| {
                Error::input(
                    file,
                    Some(Place::LineColumn(word.line, word.column)),
                    format!("{option} needs a value"),
                )
                .hint("the snippet was cut short; copy it again from DevTools")
            })
        };
        match option {
            "-X" | "--request" => method = Some(value()?),
            "-H" | "--header" => {
                let header = value()?;
                if let Some((name, v)) = header.split_once(':') {
                    headers.push(NameValue::new(name.trim(), v.trim()));
                }
            }
            "-b" | "--cookie" => {
                let v = value()?;
                // Without `=` curl reads cookies from a file, which a snippet cannot carry.
                if v.contains('=') {
                    cookies.extend(parse_cookie_header(&v));
                }
            }
            "-d" | "--data" | "--data-ascii" | "--data-binary" | "--data-raw"
            | "--data-urlencode" => {
                let v = value()?;
                if v.starts_with('@') && option != "--data-raw" {
                    return Err(Error::input(
                        file,
                        Some(Place::LineColumn(word.line, word.column)),
                        format!("{option} {v} reads the body from a file, which the snippet does not include"),
                    )
                    .hint("paste the body inline with --data-raw, or capture the request as a HAR"));
                }
                data.push(v);
            }
            "--json" => {
                data.push(value()?);
                json_body = true;
            }
            "-A" | "--user-agent" => headers.push(NameValue::new("User-Agent", value()?)),
            "-e" | "--referer" => headers.push(NameValue::new("Referer", value()?)),
            "-u" | "--user" => {
                let credentials = base64::engine::general_purpose::STANDARD.encode(value()?);
                headers.push(NameValue::new(
                    "Authorization",
                    format!("Basic {credentials}"),
                ));
            }
            "--url" => url = Some(value()?),
            _ if IGNORED_WITH_VALUE.contains(&option) => {
                value()?;
            }
            _ if option.starts_with('-') && option.len() > 1 => {} // flags: --compressed, -k, -sS, …
            _ => url = Some(word.text.clone()),
        }
    }

    let first = &words[0];
    let url = url.ok_or_else(|| {
        Error::input(
            file,
            Some(Place::LineColumn(first.line, first.column)),
            "this curl command has no URL",
        )
        .hint("copy the request again with \"Copy as cURL\"; the URL is the first quoted argument")
    })?;
    if json_body {
        headers.push(NameValue::new("Content-Type", "application/json"));
    }
    let body = (!data.is_empty()).then(|| data.join("&").into_bytes());
    Ok(Exchange::from_snippet(
        source, method, url, headers, cookies, body,
    ))
}

/// 1-based line and column of a byte offset.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, column)
}

/// `--data=x` → (`--data`, `x`); `-XPOST` → (`-X`, `POST`); other words unchanged.
fn split_option(word: &str) -> (&str, Option<&str>) {
    if let Some(long) = word.strip_prefix("--") {
        return match long.split_once('=') {
            Some((name, value)) => (&word[..name.len() + 2], Some(value)),
            None => (word, None),
        };
    }
    let takes_attached = ["-X", "-H", "-d", "-b", "-A", "-e", "-u"];
    if word.len() > 2 && takes_attached.iter().any(|o| word.starts_with(o)) {
        return (&word[..2], Some(&word[2..]));
    }
    (word, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Capture> {
        parse(Arc::from("c.sh"), text)
    }

    #[test]
    fn chrome_flavour() {
        let capture = load(concat!(
            "curl 'http://127.0.0.1:8069/web/dataset/call_kw/res.users/read' \\\n",
            "  -H 'Accept: */*' \\\n",
            "  -H 'Content-Type: application/json' \\\n",
            "  -b 'session_id=abc; cids=1' \\\n",
            "  --data-raw '{\"id\":7,\"params\":{}}'"
        ))
        .unwrap();
        let request = &capture.exchanges[0].request;
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.url,
            "http://127.0.0.1:8069/web/dataset/call_kw/res.users/read"
        );
        assert_eq!(request.cookie("session_id"), Some("abc"));
        assert_eq!(
            request.body.as_ref().unwrap().text(),
            Some("{\"id\":7,\"params\":{}}")
        );
        assert_eq!(
            request.body.as_ref().unwrap().mime_type.as_deref(),
            Some("application/json")
        );
    }

    #[test]
    fn firefox_flavour_with_cookie_header_and_explicit_method() {
        let capture = load(
            "curl 'http://h/jsonrpc' -X POST -H 'Content-Type: application/json' -H 'Cookie: session_id=f1' --data-binary '{}'",
        )
        .unwrap();
        let request = &capture.exchanges[0].request;
        assert_eq!(request.method, "POST");
        assert_eq!(request.cookie("session_id"), Some("f1"));
    }

    #[test]
    fn several_commands_get_their_own_entries() {
        let capture =
            load("curl 'http://h/a' -XPOST --data-raw=1 ;\ncurl 'http://h/b' --compressed -sS")
                .unwrap();
        assert_eq!(capture.exchanges.len(), 2);
        assert_eq!(capture.exchanges[1].source.entry, 1);
        assert_eq!(capture.exchanges[1].request.method, "GET");
        assert_eq!(
            capture.exchanges[0].request.body.as_ref().unwrap().bytes,
            b"1"
        );
    }

    #[test]
    fn missing_url_and_values_are_located() {
        let err = load("curl \\\n  -H 'A: b'").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c.sh: line 1, column 1: this curl command has no URL"),
            "{err}"
        );
        let err = load("curl 'http://h' -H").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c.sh: line 1, column 17: -H needs a value"),
            "{err}"
        );
        let err = load("curl 'http://h' --data-raw '{").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "c.sh: line 1, column 28: the single quote opened here is never closed"
            ),
            "{err}"
        );
        let err =
            load("curl ^\"http://h/^\" ^\n  --data-raw ^\"^{^\\^\"id^\\^\":7^}^\"").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c.sh: line 1, column 6: this is the Windows cmd flavour"),
            "{err}"
        );
    }
}
