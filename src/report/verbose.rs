//! `replay --verbose` and `--very-verbose`: what each step sent and received, in the form
//! curl and Hurl users read (`*` for information, `>` for the request, `<` for the response).
//!
//! It is built from the masked copy of the exchange ([`crate::replay::runner::StepRun::exchange`]),
//! never from what went over the wire: passwords and API keys in bodies show as `***`, session
//! cookies and `Authorization` values as `REDACTED`.

use crate::capture::{Body, Exchange, NameValue};

/// How much of each exchange to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Only the per-step lines.
    Normal,
    /// Request and response lines and headers.
    Headers,
    /// Headers and bodies.
    Bodies,
}

/// The exchange a step sent, as lines; `attempts` counts the tries made.
pub fn exchange_text(step: &str, attempts: u32, exchange: &Exchange, bodies: bool) -> String {
    let mut out = String::new();
    let tries = if attempts == 1 { "try" } else { "tries" };
    let elapsed = exchange
        .duration_ms
        .map(|ms| format!(", {ms:.0} ms"))
        .unwrap_or_default();
    out.push_str(&format!("* {step} ({attempts} {tries}{elapsed})\n"));
    let request = &exchange.request;
    out.push_str(&format!("> {} {}\n", request.method, request.url));
    headers(&mut out, '>', &request.headers);
    if bodies {
        body(&mut out, '>', request.body.as_ref());
    }
    match &exchange.response {
        Some(response) => {
            out.push_str(&format!("< {}\n", response.status));
            headers(&mut out, '<', &response.headers);
            if bodies {
                body(&mut out, '<', response.body.as_ref());
            }
        }
        None => out.push_str("* no response\n"),
    }
    out
}

fn headers(out: &mut String, mark: char, headers: &[NameValue]) {
    for header in headers {
        out.push_str(&format!("{mark} {}: {}\n", header.name, header.value));
    }
}

/// A body after a blank marked line, JSON indented, other text as it is.
fn body(out: &mut String, mark: char, body: Option<&Body>) {
    let Some(body) = body.filter(|b| !b.bytes.is_empty()) else {
        return;
    };
    out.push_str(&format!("{mark}\n"));
    for line in pretty_body(&body.bytes).lines() {
        out.push_str(&format!("{mark} {line}\n"));
    }
}

/// A body for a person to read: JSON indented, other text as it is, other bytes counted.
pub fn pretty_body(bytes: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_default(),
        Err(_) => match std::str::from_utf8(bytes) {
            Ok(text) => text.to_string(),
            Err(_) => format!("({} bytes that are not UTF-8)", bytes.len()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Request, Response, Source};

    fn sample() -> Exchange {
        Exchange {
            source: Source {
                file: "replay".into(),
                entry: 0,
            },
            started: None,
            duration_ms: Some(12.4),
            request: Request {
                method: "POST".into(),
                url: "http://127.0.0.1:8069/jsonrpc".into(),
                headers: vec![NameValue::new("Content-Type", "application/json")],
                cookies: Vec::new(),
                body: Some(Body {
                    mime_type: None,
                    bytes: br#"{"params":{"args":["db",2,"***"]}}"#.to_vec(),
                }),
            },
            response: Some(Response {
                status: 200,
                headers: vec![NameValue::new("Set-Cookie", "session_id=***")],
                cookies: Vec::new(),
                body: Some(Body {
                    mime_type: None,
                    bytes: vec![0xff, 0xfe],
                }),
            }),
        }
    }

    #[test]
    fn headers_only() {
        assert_eq!(
            exchange_text("001-res.users.read", 2, &sample(), false),
            "* 001-res.users.read (2 tries, 12 ms)\n\
             > POST http://127.0.0.1:8069/jsonrpc\n\
             > Content-Type: application/json\n\
             < 200\n\
             < Set-Cookie: session_id=***\n"
        );
    }

    #[test]
    fn bodies_are_indented_and_bytes_are_counted() {
        let text = exchange_text("s", 1, &sample(), true);
        assert!(text.starts_with("* s (1 try, 12 ms)\n"), "{text}");
        assert!(text.contains(">\n> {\n>   \"params\": {\n"), "{text}");
        assert!(text.contains(">       \"***\"\n"), "{text}");
        assert!(
            text.ends_with("<\n< (2 bytes that are not UTF-8)\n"),
            "{text}"
        );
    }

    #[test]
    fn a_request_without_answer_says_so() {
        let mut exchange = sample();
        exchange.response = None;
        exchange.duration_ms = None;
        let text = exchange_text("s", 3, &exchange, false);
        assert!(text.starts_with("* s (3 tries)\n"), "{text}");
        assert!(text.ends_with("* no response\n"), "{text}");
    }
}
