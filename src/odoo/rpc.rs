//! Odoo's answers: the JSON-RPC 2.0 envelope, Odoo's error object, JSON-2's bare values and
//! HTTP-status errors, and XML-RPC faults (odoo-protocol.md §1.2, §3.7, §4).

use serde::Serialize;
use serde_json::{Value, json};

use super::xmlrpc;

/// An error Odoo returned, in whichever dialect it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OdooError {
    /// JSON-RPC `error.code`: 200 (14–18) or 0 (19) for exceptions, 100 for an expired
    /// session, 404 for an unknown route. XML-RPC `faultCode`. `None` for JSON-2.
    pub code: Option<i64>,
    /// The exception class, `error.data.name` (`odoo.exceptions.AccessError`).
    pub name: Option<String>,
    /// What the exception said (`error.data.message`, else `error.message`).
    pub message: String,
    /// The server-side traceback, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug: Option<String>,
}

impl OdooError {
    /// The class name, or a description when Odoo gave none.
    pub fn label(&self) -> String {
        match (&self.name, self.code) {
            (Some(name), _) => name.clone(),
            (None, Some(code)) => format!("error {code}"),
            (None, None) => "error".into(),
        }
    }
}

impl OdooError {
    /// The fault Odoo answers on `/xmlrpc/2` for this exception: `faultCode` 3 for
    /// AccessDenied, 4 for AccessError, 2 for the other UserErrors and RedirectWarning, 1 for
    /// anything else, which carries the traceback as `faultString` (16 `rpc.py`
    /// `xmlrpc_handle_exception_int`, 19 `addons/rpc/controllers/xmlrpc.py`). A fault recorded
    /// from XML-RPC (no class name, its code kept) gives back its own code and string.
    pub fn xml_rpc_fault(&self) -> (i64, String) {
        let Some(name) = &self.name else {
            let string = self.debug.clone().unwrap_or_else(|| self.message.clone());
            return (
                self.code.filter(|c| (1..=4).contains(c)).unwrap_or(1),
                string,
            );
        };
        match fault_code(name) {
            1 => (1, self.traceback(name)),
            code => (code, self.message.clone()),
        }
    }

    /// The fault on the legacy `/xmlrpc/<service>`, where `faultCode` is a string: `warning --
    /// CLASS` and the message for user errors, `AccessDenied`, or the message and the
    /// traceback (same sources as [`OdooError::xml_rpc_fault`], `_string`).
    pub fn legacy_xml_rpc_fault(&self) -> (String, String) {
        let name = self.name.as_deref().unwrap_or_default();
        let class = name.rsplit('.').next().unwrap_or_default();
        let warning = |class: &str| {
            (
                format!("warning -- {class}\n\n{}", self.message),
                String::new(),
            )
        };
        match name {
            "odoo.exceptions.RedirectWarning" => warning("Warning"),
            "odoo.exceptions.MissingError" | "odoo.exceptions.AccessError" => warning(class),
            "odoo.exceptions.AccessDenied" => ("AccessDenied".into(), self.message.clone()),
            _ if fault_code(name) == 2 => warning("UserError"),
            _ => (self.message.clone(), self.traceback(name)),
        }
    }

    /// The server's traceback, or a one-line stand-in in the shape of one.
    fn traceback(&self, name: &str) -> String {
        match &self.debug {
            Some(debug) => debug.clone(),
            None => format!("{name}: {}", self.message),
        }
    }
}

/// What a response said, as far as recognition needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// No response was recorded (cURL/fetch snippets, requests that never completed).
    None,
    /// A result (JSON-RPC `result`, a JSON-2 value, an XML-RPC value). Not parsed here:
    /// results can be megabytes, and most commands never look inside.
    Result,
    /// A JSON-RPC answer without `result`: the method returned `None`.
    Empty,
    Error(OdooError),
    /// The body is not what the route answers with (an HTML login page, a proxy error).
    Unexpected(String),
}

/// How an answer is shaped: a JSON-RPC 2.0 envelope (web routes, `/jsonrpc`, and the
/// baselines of every step but JSON-2 ones), or Odoo 19's JSON-2 bare value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    JsonRpc,
    Json2,
}

impl Dialect {
    /// What a response body in this dialect said.
    pub fn answer(self, status: u16, body: &[u8]) -> Answer {
        match self {
            Dialect::Json2 => json2_answer(status, body),
            Dialect::JsonRpc => json_rpc_answer(body),
        }
    }

    /// The result an answer document holds, or Odoo's error: the one reading of a stored
    /// answer (a baseline, or a live answer in its shape). A JSON-RPC envelope has a non-null
    /// `error`, or a `result` (absent, `None`, when the method returned nothing); a JSON-2
    /// answer is Odoo's error object (`name`, `message`, `debug`), or else the result itself.
    pub fn outcome(self, document: &Value) -> Result<Option<&Value>, &Value> {
        match self {
            Dialect::JsonRpc => match document.get("error") {
                Some(error) if !error.is_null() => Err(error),
                _ => Ok(document.get("result")),
            },
            Dialect::Json2
                if document.get("name").is_some()
                    && document.get("message").is_some()
                    && document.get("debug").is_some() =>
            {
                Err(document)
            }
            Dialect::Json2 => Ok(Some(document)),
        }
    }

    /// Where a stored answer keeps its result, and the path to it: `$.result` in a JSON-RPC
    /// envelope (none when the method returned nothing), the whole JSON-2 answer. Unlike
    /// [`Dialect::outcome`] it does not tell errors apart: ids are looked for in either.
    pub fn result_at(self, document: &Value) -> Option<(&Value, crate::path::Path)> {
        let root = crate::path::Path::root();
        match self {
            Dialect::JsonRpc => document.get("result").map(|r| (r, root.key("result"))),
            Dialect::Json2 => Some((document, root)),
        }
    }

    /// A result, or Odoo's error, shaped as this dialect's answer: what a step of this dialect
    /// stores when the other dialect carried its answer.
    pub fn document(self, outcome: Result<Value, &OdooError>) -> Value {
        match (self, outcome) {
            // Odoo writes `result` only when the method returned something (§1.2): a JSON-2
            // `null` is the envelope with neither result nor error.
            (Dialect::JsonRpc, Ok(Value::Null)) => json!({"jsonrpc": "2.0", "id": null}),
            (Dialect::JsonRpc, Ok(result)) => {
                json!({"jsonrpc": "2.0", "id": null, "result": result})
            }
            (Dialect::JsonRpc, Err(error)) => {
                json!({"jsonrpc": "2.0", "id": null, "error": {"code": 200, "message": "Odoo Server Error", "data": {"name": error.name, "message": error.message}}})
            }
            (Dialect::Json2, Ok(result)) => result,
            (Dialect::Json2, Err(error)) => json!({"name": error.name, "message": error.message}),
        }
    }
}

/// Reads a JSON-RPC 2.0 response body (web routes and `/jsonrpc`).
pub fn json_rpc_answer(body: &[u8]) -> Answer {
    // Parse only when an error is possible: a result body can be huge, an error one is small.
    if memchr::memmem::find(body, b"\"error\"").is_none() {
        return match memchr::memmem::find(body, b"\"result\"") {
            Some(_) => Answer::Result,
            // A method that returned None: an envelope with neither result nor error.
            None if looks_like_json_object(body)
                && memchr::memmem::find(body, b"\"jsonrpc\"").is_some() =>
            {
                Answer::Empty
            }
            None if looks_like_json_object(body) => {
                Answer::Unexpected("JSON that is not a JSON-RPC answer".into())
            }
            None => Answer::Unexpected(describe_unexpected(body)),
        };
    }
    let Ok(envelope) = serde_json::from_slice::<Value>(body) else {
        return Answer::Unexpected(describe_unexpected(body));
    };
    match envelope.get("error") {
        Some(error) if !error.is_null() => Answer::Error(json_rpc_error(error)),
        _ if envelope.get("result").is_some() => Answer::Result,
        _ => Answer::Empty,
    }
}

/// Odoo's JSON-RPC error object: `{code, message, data: {name, message, debug, …}}`.
pub fn json_rpc_error(error: &Value) -> OdooError {
    let data = error.get("data");
    let text = |v: Option<&Value>, key: &str| {
        v.and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    OdooError {
        code: error.get("code").and_then(Value::as_i64),
        name: text(data, "name"),
        message: text(data, "message")
            .or_else(|| text(Some(error), "message"))
            .unwrap_or_default(),
        debug: text(data, "debug").filter(|d| !d.is_empty()),
    }
}

/// Reads a JSON-2 response (Odoo 19 `/json/2/…`): a bare value on 2xx, an error object
/// `{name, message, arguments, context, debug}` with the HTTP status otherwise.
pub fn json2_answer(status: u16, body: &[u8]) -> Answer {
    if (200..300).contains(&status) {
        return Answer::Result;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(error) if error.get("name").is_some() => Answer::Error(OdooError {
            code: None,
            name: error
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string),
            message: error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            debug: error
                .get("debug")
                .and_then(Value::as_str)
                .filter(|d| !d.is_empty())
                .map(str::to_string),
        }),
        _ => Answer::Unexpected(format!("HTTP {status}: {}", describe_unexpected(body))),
    }
}

/// Reads an XML-RPC response.
pub fn xml_rpc_answer(body: &[u8]) -> Answer {
    if memchr::memmem::find(body, b"<fault>").is_none() {
        return if memchr::memmem::find(body, b"<methodResponse").is_some() {
            Answer::Result
        } else {
            Answer::Unexpected(describe_unexpected(body))
        };
    }
    match std::str::from_utf8(body)
        .map_err(|e| e.to_string())
        .and_then(xmlrpc::parse)
    {
        Ok(xmlrpc::Message::Fault { code, message }) => Answer::Error(OdooError {
            code: Some(code),
            name: Some(fault_name(code).to_string()),
            message: last_line(&message).to_string(),
            debug: (message.lines().count() > 1).then_some(message),
        }),
        Ok(_) => Answer::Result,
        Err(err) => Answer::Unexpected(format!("XML-RPC response that cannot be read: {err}")),
    }
}

/// The exception behind an XML-RPC `faultCode` on `/xmlrpc/2` (14 `wsgi_server.py`,
/// 19 `addons/rpc/controllers/xmlrpc.py`).
pub fn fault_name(code: i64) -> &'static str {
    match code {
        2 => "odoo.exceptions.UserError",
        3 => "odoo.exceptions.AccessDenied",
        4 => "odoo.exceptions.AccessError",
        _ => "xmlrpc.client.Fault",
    }
}

/// The `/xmlrpc/2` `faultCode` of an exception class: the inverse of `fault_name`, over the
/// `odoo.exceptions` classes that subclass UserError (and RedirectWarning).
pub fn fault_code(name: &str) -> i64 {
    match name {
        "odoo.exceptions.AccessDenied" => 3,
        "odoo.exceptions.AccessError" => 4,
        "odoo.exceptions.UserError"
        | "odoo.exceptions.RedirectWarning"
        | "odoo.exceptions.MissingError"
        | "odoo.exceptions.ValidationError"
        | "odoo.exceptions.LockError"
        | "odoo.exceptions.Warning"
        | "odoo.exceptions.except_orm" => 2,
        _ => 1,
    }
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

fn looks_like_json_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// A plain description of a body that is not an Odoo answer, for the user to act on.
pub fn describe_unexpected(body: &[u8]) -> String {
    let head = &body[..body.len().min(512)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    if lower.contains("<html") || lower.contains("<!doctype") {
        if lower.contains("login") {
            return "an HTML login page instead of JSON: the session was not logged in".into();
        }
        return "an HTML page instead of JSON (a proxy or an error page?)".into();
    }
    if body.is_empty() {
        return "an empty body".into();
    }
    "a body that is not an Odoo answer".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_answers_read_and_shaped_per_dialect() {
        let envelope = json!({"jsonrpc": "2.0", "id": 1, "result": [7]});
        assert_eq!(Dialect::JsonRpc.outcome(&envelope), Ok(Some(&json!([7]))));
        let nothing = json!({"jsonrpc": "2.0", "id": 1, "error": null});
        assert_eq!(Dialect::JsonRpc.outcome(&nothing), Ok(None));
        let failed = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": 200}});
        assert_eq!(
            Dialect::JsonRpc.outcome(&failed),
            Err(&json!({"code": 200}))
        );
        let error = json!({"name": "odoo.exceptions.UserError", "message": "no", "debug": ""});
        assert_eq!(Dialect::Json2.outcome(&error), Err(&error));
        // A record with a `name` and a `message` is a result.
        let record = json!({"name": "x", "message": "y"});
        assert_eq!(Dialect::Json2.outcome(&record), Ok(Some(&record)));
        let odoo_error = OdooError {
            code: None,
            name: Some("odoo.exceptions.UserError".into()),
            message: "no".into(),
            debug: None,
        };
        assert_eq!(
            Dialect::Json2.document(Err(&odoo_error)),
            json!({"name": "odoo.exceptions.UserError", "message": "no"})
        );
        let wrapped = Dialect::JsonRpc.document(Err(&odoo_error));
        assert_eq!(
            Dialect::JsonRpc.outcome(&wrapped).unwrap_err()["data"]["name"],
            "odoo.exceptions.UserError"
        );
        assert_eq!(
            Dialect::JsonRpc.document(Ok(json!(5))),
            json!({"jsonrpc": "2.0", "id": null, "result": 5})
        );
        // A JSON-2 `null` (a method that returned None) as Odoo's JSON-RPC writes it.
        assert_eq!(
            Dialect::JsonRpc.document(Ok(Value::Null)),
            json!({"jsonrpc": "2.0", "id": null})
        );
    }

    #[test]
    fn results_absent_results_and_errors() {
        assert_eq!(
            json_rpc_answer(br#"{"jsonrpc": "2.0", "id": 7, "result": [{"id": 2}]}"#),
            Answer::Result
        );
        // /web/session/destroy returns None, so Odoo leaves `result` out (odoo-protocol.md §1.2).
        assert_eq!(
            json_rpc_answer(br#"{"jsonrpc": "2.0", "id": 3}"#),
            Answer::Empty
        );
        let body = br#"{"jsonrpc":"2.0","id":9,"error":{"code":200,"message":"Odoo Server Error",
            "data":{"name":"odoo.exceptions.AccessError","message":"You are not allowed","debug":"Traceback...","arguments":[],"context":{}}}}"#;
        let Answer::Error(error) = json_rpc_answer(body) else {
            panic!()
        };
        assert_eq!(error.code, Some(200));
        assert_eq!(error.label(), "odoo.exceptions.AccessError");
        assert_eq!(error.message, "You are not allowed");
    }

    #[test]
    fn a_field_called_error_inside_a_result_is_not_an_error() {
        assert_eq!(
            json_rpc_answer(br#"{"jsonrpc":"2.0","id":1,"result":[{"error":"x"}]}"#),
            Answer::Result
        );
    }

    #[test]
    fn session_expiry_has_code_100() {
        let body = br#"{"jsonrpc":"2.0","id":1,"error":{"code":100,"message":"Odoo Session Expired","data":{"name":"odoo.http.SessionExpiredException","message":"Session expired"}}}"#;
        let Answer::Error(error) = json_rpc_answer(body) else {
            panic!()
        };
        assert_eq!(
            (error.code, error.name.as_deref()),
            (Some(100), Some("odoo.http.SessionExpiredException"))
        );
    }

    #[test]
    fn json2_errors_come_with_the_http_status() {
        let body = br#"{"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey", "arguments": ["Invalid apikey", 401], "context": {}, "debug": ""}"#;
        let Answer::Error(error) = json2_answer(401, body) else {
            panic!()
        };
        assert_eq!(error.label(), "werkzeug.exceptions.Unauthorized");
        assert_eq!(error.debug, None);
        assert_eq!(json2_answer(200, b"[1,2]"), Answer::Result);
        assert!(
            matches!(json2_answer(415, b"<!doctype html><title>415</title>"), Answer::Unexpected(m) if m.contains("HTML page"))
        );
    }

    #[test]
    fn json_that_is_not_json_rpc_is_unexpected() {
        assert_eq!(
            json_rpc_answer(br#"{"hello": "world"}"#),
            Answer::Unexpected("JSON that is not a JSON-RPC answer".into())
        );
    }

    #[test]
    fn html_login_pages_are_named() {
        let answer = json_rpc_answer(b"<!DOCTYPE html><html><form action=\"/web/login\">");
        assert_eq!(
            answer,
            Answer::Unexpected(
                "an HTML login page instead of JSON: the session was not logged in".into()
            )
        );
    }

    #[test]
    fn xml_rpc_faults_are_named_by_code() {
        let body = b"<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value><string>Traceback (most recent call last):\n  File x\nValueError: Invalid leaf</string></value></member></struct></value></fault></methodResponse>";
        let Answer::Error(error) = xml_rpc_answer(body) else {
            panic!()
        };
        assert_eq!(error.message, "ValueError: Invalid leaf");
        assert_eq!(error.label(), "xmlrpc.client.Fault");
    }

    #[test]
    fn errors_become_the_faults_odoo_sends() {
        let error = |name: &str, message: &str, debug: Option<&str>| OdooError {
            code: Some(200),
            name: Some(name.into()),
            message: message.into(),
            debug: debug.map(str::to_string),
        };
        assert_eq!(
            error(
                "odoo.exceptions.AccessDenied",
                "Access Denied",
                Some("Traceback…")
            )
            .xml_rpc_fault(),
            (3, "Access Denied".into())
        );
        assert_eq!(
            error(
                "odoo.exceptions.AccessError",
                "Private methods (such as _private) cannot be called remotely.",
                None
            )
            .xml_rpc_fault()
            .0,
            4
        );
        assert_eq!(
            error("odoo.exceptions.ValidationError", "two\nlines", None).xml_rpc_fault(),
            (2, "two\nlines".into())
        );
        assert_eq!(
            error(
                "builtins.ValueError",
                "Invalid leaf",
                Some("Traceback (most recent call last):\nValueError: Invalid leaf")
            )
            .xml_rpc_fault(),
            (
                1,
                "Traceback (most recent call last):\nValueError: Invalid leaf".into()
            )
        );
        assert_eq!(
            error("odoo.exceptions.MissingError", "gone", None).legacy_xml_rpc_fault(),
            ("warning -- MissingError\n\ngone".into(), String::new())
        );
        assert_eq!(
            error("odoo.exceptions.AccessDenied", "Access Denied", None).legacy_xml_rpc_fault(),
            ("AccessDenied".into(), "Access Denied".into())
        );
        // A fault recorded from XML-RPC keeps its code and string.
        let recorded = json_rpc_error(&serde_json::json!({"code": 4, "message": "not allowed"}));
        assert_eq!(recorded.xml_rpc_fault(), (4, "not allowed".into()));
        for code in 1..=4 {
            assert_eq!(fault_code(fault_name(code)), code);
        }
    }
}
