//! Captured calls as code other tools run: the external API's JSON-RPC and XML-RPC bodies,
//! Odoo 19's JSON-2 requests, a curl script, a Python script, a Hurl file, a k6 script, a
//! Locust locustfile.
//!
//! Each step is rendered once with markers standing for the secret, the uid and database, and
//! the values earlier answers give (captures). Each format then writes a marker the way that
//! language passes values on: Python, k6 and Locust keep results in variables, Hurl captures and
//! `{{name}}`, curl and plain bodies the captured value with a note. The layout of each format
//! is a handlebars template in `templates/` (`--templates DIR` overrides it).

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::odoo::Kind;
use crate::odoo::convert::ModelCall;
use crate::odoo::signatures::{Described, Signature};
use crate::odoo::xmlrpc;
use crate::path::{Path, Segment};
use crate::template::render::{self, Renderer};
use crate::template::suite::Suite;
use crate::template::values::Values;

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// /jsonrpc object.execute_kw bodies
    Jsonrpc,
    /// /xmlrpc/2/object execute_kw bodies
    Xmlrpc,
    /// Odoo 19 /json/2 requests with named arguments
    Json2,
    /// a bash script of curl commands
    Curl,
    /// a Python script (standard library only)
    Python,
    /// a Hurl file with captures and asserts
    Hurl,
    /// a k6 script
    K6,
    /// a Locust locustfile, for distributed load
    Locust,
}

impl Format {
    pub fn template(self) -> &'static str {
        match self {
            Format::Jsonrpc => "export.jsonrpc.hbs",
            Format::Xmlrpc => "export.xmlrpc.hbs",
            Format::Json2 => "export.json2.hbs",
            Format::Curl => "export.curl.hbs",
            Format::Python => "export.python.hbs",
            Format::Hurl => "export.hurl.hbs",
            Format::K6 => "export.k6.hbs",
            Format::Locust => "export.locust.hbs",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Jsonrpc | Format::Json2 => "txt",
            Format::Xmlrpc => "xml",
            Format::Curl => "sh",
            Format::Python | Format::Locust => "py",
            Format::Hurl => "hurl",
            Format::K6 => "js",
        }
    }
}

const MARK: char = '\u{2}';

/// What a marker stands for.
enum Marker<'a> {
    Secret,
    Variable(&'a str),
    Capture(&'a str),
}

fn marker(text: &str) -> Value {
    Value::String(format!("{MARK}{text}{MARK}"))
}

fn read_marker(text: &str) -> Option<Marker<'_>> {
    let inner = text.strip_prefix(MARK)?.strip_suffix(MARK)?;
    Some(match inner.split_once(':') {
        Some(("var", name)) => Marker::Variable(name),
        Some(("cap", name)) => Marker::Capture(name),
        _ => Marker::Secret,
    })
}

/// One exported call, as the templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct Call {
    pub name: String,
    pub model: String,
    pub method: String,
    /// Why the call is not exported (a route with no model method), or empty.
    pub note: String,
    /// The variable holding this call's result (`r003`).
    pub result: String,
    /// For formats that use captured values as they were: which, and their values.
    pub linked: String,
    pub jsonrpc: String,
    pub xmlrpc: String,
    pub json2_route: String,
    pub json2_body: String,
    pub json2_note: String,
    pub curl_body: String,
    /// Like `linked`, for the values the curl script cannot read from answers.
    pub curl_linked: String,
    /// Shell variables read from this call's answer (a created id: the whole integer result).
    pub curl_captures: Vec<Assignment>,
    pub python_args: String,
    pub python_kwargs: String,
    pub python_captures: Vec<Assignment>,
    pub hurl_body: String,
    pub hurl_captures: Vec<Assignment>,
    pub hurl_asserts: Vec<String>,
    /// The Odoo exception class the captured answer was, which the call must meet again;
    /// empty when it answered (or when the class is not known: see `error_expected`).
    pub error_name: String,
    /// True when the captured answer was an Odoo error.
    pub error_expected: bool,
    pub js_args: String,
    pub js_kwargs: String,
    pub js_captures: Vec<Assignment>,
}

/// `name = expr`, or for Hurl `name: jsonpath "path"` (the path in `path`).
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub name: String,
    pub expr: String,
    pub path: String,
    /// The path after the result as the Python script's `pick` takes it (`0, "id"`), which
    /// gives a marker instead of failing when another database's answer does not hold it.
    pub keys: String,
}

/// The session a suite was captured in: what `uid`, `db` and the captures stood for.
pub struct Captured {
    pub db: Value,
    pub uid: Value,
    pub captures: Map<String, Value>,
    /// Captures that are a call's whole result (`$.result`, or `$` for JSON-2 steps).
    pub whole_results: std::collections::BTreeSet<String>,
}

/// Every selected step as an exported call; JSON-2 arguments are named from what a server
/// said (`signatures`), else from the built-in table for Odoo 19.
pub fn calls(
    suite: &Suite,
    renderer: &Renderer,
    selected: &[usize],
    signatures: &Described,
) -> Result<(Vec<Call>, Captured)> {
    let captured = Captured {
        db: suite
            .manifest
            .variables
            .get("db")
            .cloned()
            .unwrap_or(json!("")),
        uid: suite
            .manifest
            .variables
            .get("uid")
            .cloned()
            .unwrap_or(json!(2)),
        captures: render::captured_values(suite)?,
        whole_results: suite
            .manifest
            .steps
            .iter()
            .flat_map(|s| &s.captures)
            .filter(|c| matches!(c.path.as_str(), "$.result" | "$"))
            .map(|c| c.name.clone())
            .collect(),
    };
    let mut values: Map<String, Value> = suite.manifest.variables.clone().into_iter().collect();
    values.insert("uid".into(), marker("var:uid"));
    values.insert("db".into(), marker("var:db"));
    for secret in &suite.manifest.secrets {
        values.insert(secret.clone(), marker("secret"));
    }
    for name in captured.captures.keys() {
        values.insert(name.clone(), marker(&format!("cap:{name}")));
    }
    let mut calls = Vec::new();
    for &index in selected {
        let step = suite.step(index);
        let text = renderer.render_step_text(suite, index, &Values::new(&values))?;
        let body: Value = serde_json::from_str(&text)
            .map_err(|e| Error::input(&step.name, None, e.to_string()))?;
        let mut call = Call {
            name: step.name.clone(),
            model: step.model.clone().unwrap_or_default(),
            method: step.method.clone().unwrap_or_default(),
            note: String::new(),
            result: format!("r{:03}", index + 1),
            linked: String::new(),
            jsonrpc: String::new(),
            xmlrpc: String::new(),
            json2_route: String::new(),
            json2_body: String::new(),
            json2_note: String::new(),
            curl_body: String::new(),
            curl_linked: String::new(),
            curl_captures: Vec::new(),
            python_args: String::new(),
            python_kwargs: String::new(),
            python_captures: Vec::new(),
            hurl_body: String::new(),
            hurl_captures: Vec::new(),
            hurl_asserts: Vec::new(),
            error_name: String::new(),
            error_expected: false,
            js_args: String::new(),
            js_kwargs: String::new(),
            js_captures: Vec::new(),
        };
        match ModelCall::from_value(&step.kind, &step.route, body) {
            Err(why) => {
                call.note = no_equivalent(&step.route, &why.0);
                call.json2_note = call.note.clone();
            }
            Ok(model_call) => {
                let signature = signatures
                    .resolve(&model_call.model, &model_call.method, Some(19))
                    .map(|(signature, _)| signature);
                fill(
                    &mut call,
                    model_call,
                    &step,
                    step.baseline,
                    &captured,
                    signature.as_ref(),
                )
            }
        }
        calls.push(call);
    }
    Ok((calls, captured))
}

/// How to get what a web-only route gave, with the external API.
fn no_equivalent(route: &str, why: &str) -> String {
    match route {
        "/web/action/load" | "/web/action/run" => format!(
            "{route} has no external equivalent; read the action instead: execute_kw('ir.actions.actions', 'read', [[ACTION_ID]], {{}}) (or search ir.actions.act_window by xml id)"
        ),
        r if r.starts_with("/web/session/") => format!(
            "{route} has no external equivalent; common.version gives the server version and res.users context_get the user's context"
        ),
        _ => why.to_string(),
    }
}

fn fill(
    call: &mut Call,
    model_call: ModelCall,
    step: &crate::template::suite::Step,
    baseline: Option<&Value>,
    captured: &Captured,
    signature: Option<&Signature>,
) {
    let literal = |value: &Value| {
        resolve(value, &|m| match m {
            Marker::Secret => json!("{{api_key}}"),
            Marker::Variable("uid") => captured.uid.clone(),
            Marker::Variable(_) => captured.db.clone(),
            Marker::Capture(name) => captured.captures.get(name).cloned().unwrap_or(Value::Null),
        })
    };
    // `s003_result = 51, …`: what the linked values were when captured.
    let linked = |uses: &mut dyn Iterator<Item = &String>| {
        uses.map(|u| {
            let value = captured
                .captures
                .get(u)
                .map_or("?".into(), Value::to_string);
            format!("{u} = {value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
    };
    call.linked = linked(&mut step.uses.iter());
    let execute_kw =
        model_call
            .clone()
            .execute_kw(&marker("var:db"), &marker("var:uid"), &marker("secret"), 1);
    call.jsonrpc = serde_json::to_string_pretty(&literal(&execute_kw)).unwrap_or_default();
    let args = literal(&Value::Array(model_call.args.clone()));
    let kwargs = literal(&Value::Object(model_call.kwargs.clone()));
    call.xmlrpc = xmlrpc::method_call(
        "execute_kw",
        &[
            captured.db.clone(),
            captured.uid.clone(),
            json!("{{api_key}}"),
            json!(call.model),
            json!(call.method),
            args.clone(),
            kwargs.clone(),
        ],
    );
    let plain = ModelCall {
        args: args.as_array().cloned().unwrap_or_default(),
        kwargs: kwargs.as_object().cloned().unwrap_or_default(),
        ..model_call.clone()
    };
    match plain.json2_with(signature) {
        Ok((route, body)) => {
            call.json2_route = route;
            call.json2_body = serde_json::to_string_pretty(&body).unwrap_or_default();
        }
        Err(why) => call.json2_note = why.0,
    }
    // curl: one single-quoted shell word; the secret, database and uid are spliced in from
    // the shell's variables, and so are ids earlier calls created (read with sed).
    let shell_chained = |name: &str| suite_capture_is_whole_result(name, captured);
    let compact = serde_json::to_string(&resolve(&execute_kw, &|m| match m {
        Marker::Capture(name) if shell_chained(name) => marker(&format!("cap:{name}")),
        Marker::Capture(name) => captured.captures.get(name).cloned().unwrap_or(Value::Null),
        other => marker(match other {
            Marker::Secret => "secret",
            Marker::Variable("uid") => "var:uid",
            _ => "var:db",
        }),
    }))
    .unwrap_or_default();
    let token = |name: &str| serde_json::to_string(&marker(name)).unwrap_or_default();
    call.curl_body = format!(
        "'{}'",
        compact
            .replace('\'', "'\\''")
            .replace(&token("secret"), "\"'\"$SECRET\"'\"")
            .replace(&token("var:db"), "\"'\"$ODOO_DB\"'\"")
            .replace(&token("var:uid"), "'\"$ODOO_UID\"'")
    );
    for name in step.uses.iter().filter(|n| shell_chained(n)) {
        call.curl_body = call
            .curl_body
            .replace(&token(&format!("cap:{name}")), &format!("'\"${name}\"'"));
    }
    call.curl_linked = linked(&mut step.uses.iter().filter(|n| !shell_chained(n)));
    // Python and k6: markers become names.
    let name_of = |m: Marker| match m {
        Marker::Secret => "SECRET".to_string(),
        Marker::Variable("uid") => "UID".to_string(),
        Marker::Variable(_) => "DB".to_string(),
        Marker::Capture(name) => name.to_string(),
    };
    call.python_args = python(&Value::Array(model_call.args.clone()), &name_of);
    call.python_kwargs = python(&Value::Object(model_call.kwargs.clone()), &name_of);
    call.js_args = javascript(&Value::Array(model_call.args.clone()), &name_of);
    call.js_kwargs = javascript(&Value::Object(model_call.kwargs.clone()), &name_of);
    // Hurl: variables in the JSON body.
    let hurl = serde_json::to_string_pretty(&execute_kw).unwrap_or_default();
    call.hurl_body = substitute(&hurl, &|m| match m {
        Marker::Secret => "\"{{api_key}}\"".into(),
        Marker::Variable("uid") => "{{uid}}".into(),
        Marker::Variable(_) => "\"{{db}}\"".into(),
        Marker::Capture(name) => format!("{{{{{name}}}}}"),
    });
    let from_result = |path: &str| -> Vec<Segment> {
        let parsed = Path::parse(path).map(|p| p.0).unwrap_or_default();
        if step.kind == Kind::Json2 {
            parsed
        } else {
            parsed.into_iter().skip(1).collect()
        }
    };
    for capture in &step.captures {
        let relative = from_result(&capture.path);
        let brackets: String = relative
            .iter()
            .map(|s| match s {
                Segment::Key(k) => format!("[{}]", serde_json::to_string(k).unwrap_or_default()),
                Segment::Index(i) => format!("[{i}]"),
                _ => String::new(),
            })
            .collect();
        let expr = format!("{}{brackets}", call.result);
        let keys: Vec<String> = relative
            .iter()
            .filter_map(|s| match s {
                Segment::Key(k) => serde_json::to_string(k).ok(),
                Segment::Index(i) => Some(i.to_string()),
                _ => None,
            })
            .collect();
        let mut full = vec![Segment::Key("result".into())];
        full.extend(relative);
        let path = Path(full).to_string();
        call.python_captures.push(Assignment {
            name: capture.name.clone(),
            expr: expr.clone(),
            path: path.clone(),
            keys: keys.join(", "),
        });
        call.js_captures.push(Assignment {
            name: capture.name.clone(),
            expr,
            path: path.clone(),
            keys: String::new(),
        });
        call.hurl_captures.push(Assignment {
            name: capture.name.clone(),
            expr: String::new(),
            path,
            keys: String::new(),
        });
    }
    let error = captured_error(step.kind == "json2", baseline);
    call.error_expected = error.is_some();
    call.error_name = error.clone().flatten().unwrap_or_default();
    call.hurl_asserts = asserts(step, baseline, error);
    for capture in step.captures.iter().filter(|c| {
        suite_capture_is_whole_result(&c.name, captured)
            && matches!(c.path.as_str(), "$.result" | "$")
    }) {
        call.curl_captures.push(Assignment {
            name: capture.name.clone(),
            expr: String::new(),
            path: capture.path.clone(),
            keys: String::new(),
        });
    }
}

/// True when a capture is an integer a call answered with as its whole result (a created
/// id): a shell script can read that one without a JSON parser.
fn suite_capture_is_whole_result(name: &str, captured: &Captured) -> bool {
    captured.whole_results.contains(name) && captured.captures.get(name).is_some_and(Value::is_i64)
}

/// The Odoo error a baseline holds, as the exported call meets it again: `Some(Some(class))`,
/// `Some(None)` for an XML-RPC fault whose class its code does not tell, `None` for an answer.
/// Errors about the credentials are not expected again: a session expiry (code 100) belonged
/// to the browser's session and an AccessDenied to the secret that call was given, while an
/// exported call carries the run's own credentials, so it is expected to answer.
fn captured_error(json2: bool, baseline: Option<&Value>) -> Option<Option<String>> {
    let baseline = baseline?;
    let error = if json2 {
        let is_error = ["name", "message", "debug"]
            .iter()
            .all(|k| baseline.get(k).is_some());
        is_error.then(|| crate::odoo::rpc::json_rpc_error(&json!({"data": baseline})))?
    } else {
        crate::odoo::rpc::json_rpc_error(baseline.get("error").filter(|e| !e.is_null())?)
    };
    let name = match error.name {
        Some(name) => Some(name),
        // Recorded over XML-RPC: 3 and 4 name one class each, 1 and 2 several.
        None => error
            .code
            .filter(|c| matches!(c, 3 | 4))
            .map(|c| crate::odoo::rpc::fault_name(c).to_string()),
    };
    let credentials = error.code == Some(100)
        || matches!(
            name.as_deref(),
            Some("odoo.http.SessionExpiredException" | "odoo.exceptions.AccessDenied")
        );
    (!credentials).then_some(name)
}

/// Asserts on the stable parts of a baseline: the error it was, or that there is none and its
/// shape, not values a run may change.
fn asserts(
    step: &crate::template::suite::Step,
    baseline: Option<&Value>,
    error: Option<Option<String>>,
) -> Vec<String> {
    match error {
        Some(Some(name)) => {
            let name = serde_json::to_string(&name).unwrap_or_default();
            return vec![format!("jsonpath \"$.error.data.name\" == {name}")];
        }
        Some(None) => return vec!["jsonpath \"$.error\" exists".into()],
        None => {}
    }
    let mut asserts = vec!["jsonpath \"$.error\" not exists".to_string()];
    asserts.extend(shape(step, baseline));
    asserts
}

/// Asserts on a result's shape: counts, types, booleans.
fn shape(step: &crate::template::suite::Step, baseline: Option<&Value>) -> Vec<String> {
    let result = match baseline {
        Some(document) if step.kind == Kind::Json2 => Some(document),
        Some(document) => document.get("result"),
        None => None,
    };
    let minted = step.captures.iter().any(|c| c.path == "$.result");
    match result {
        Some(Value::Array(items)) => {
            vec![format!("jsonpath \"$.result\" count == {}", items.len())]
        }
        Some(Value::Object(map)) if map.contains_key("records") => {
            vec!["jsonpath \"$.result.records\" exists".into()]
        }
        Some(Value::Bool(b)) => vec![format!("jsonpath \"$.result\" == {b}")],
        Some(Value::Number(_)) if minted => vec!["jsonpath \"$.result\" isInteger".into()],
        Some(Value::Number(n)) => vec![format!("jsonpath \"$.result\" == {n}")],
        Some(_) => vec!["jsonpath \"$.result\" exists".into()],
        None => Vec::new(),
    }
}

/// The value with every marker string replaced.
fn resolve(value: &Value, with: &dyn Fn(Marker) -> Value) -> Value {
    match value {
        Value::String(s) => read_marker(s).map_or_else(|| value.clone(), with),
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(v, with)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), resolve(v, with)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// JSON text with every quoted marker replaced by the given text.
fn substitute(text: &str, with: &dyn Fn(Marker) -> String) -> String {
    let open = "\"\\u0002";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find("\\u0002\"") else {
            break;
        };
        let inner = format!("{MARK}{}{MARK}", &after[..end]);
        out.push_str(&rest[..start]);
        out.push_str(&read_marker(&inner).map(with).unwrap_or_default());
        rest = &after[end + "\\u0002\"".len()..];
    }
    out.push_str(rest);
    out
}

/// A Python literal: dicts, lists, True/False/None, markers as names.
fn python(value: &Value, name_of: &dyn Fn(Marker) -> String) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(b) => {
            if *b {
                "True".into()
            } else {
                "False".into()
            }
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            read_marker(s).map_or_else(|| serde_json::to_string(s).unwrap_or_default(), name_of)
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| python(v, name_of))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!(
                    "{}: {}",
                    serde_json::to_string(k).unwrap_or_default(),
                    python(v, name_of)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A JavaScript literal (JSON, markers as names).
fn javascript(value: &Value, name_of: &dyn Fn(Marker) -> String) -> String {
    substitute(&serde_json::to_string(value).unwrap_or_default(), name_of)
}

/// The template's output for `calls`; `portable` when they are `--portable` calls.
pub fn render(
    renderer: &Renderer,
    format: Format,
    source: &str,
    suite: &Suite,
    captured: &Captured,
    calls: &[Call],
    portable: bool,
) -> Result<String> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let mut data = Map::new();
    data.insert("source".into(), json!(source));
    data.insert(
        "url".into(),
        json!(text(suite.manifest.variables.get("url"))),
    );
    data.insert("db".into(), captured.db.clone());
    data.insert("uid".into(), captured.uid.clone());
    data.insert(
        "login".into(),
        json!(text(suite.manifest.variables.get("login"))),
    );
    data.insert(
        "calls".into(),
        serde_json::to_value(calls).unwrap_or_default(),
    );
    // `--portable`: a script may leave out what the server it runs on lacks (Python does).
    data.insert("portable".into(), json!(portable));
    renderer.render_text(format.template(), &Values::new(&data), || {
        format!("templates/{}", format.template())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_errors_are_expected_again_unless_they_were_about_credentials() {
        let error = |code: i64, name: Option<&str>| {
            let data = name.map(|n| json!({"name": n, "message": "m", "debug": ""}));
            json!({"jsonrpc": "2.0", "id": 1, "error": {"code": code, "message": "Odoo Server Error", "data": data}})
        };
        let access = error(200, Some("odoo.exceptions.AccessError"));
        assert_eq!(
            captured_error(false, Some(&access)),
            Some(Some("odoo.exceptions.AccessError".into()))
        );
        for credentials in [
            error(100, Some("odoo.http.SessionExpiredException")),
            error(0, Some("odoo.exceptions.AccessDenied")),
            json!({"error": {"code": 3, "message": "Access Denied"}}),
        ] {
            assert_eq!(
                captured_error(false, Some(&credentials)),
                None,
                "{credentials}"
            );
        }
        // XML-RPC faults: code 4 names its class, 2 does not.
        let fault = |code: i64| json!({"error": {"code": code, "message": "no"}});
        assert_eq!(
            captured_error(false, Some(&fault(4))),
            Some(Some("odoo.exceptions.AccessError".into()))
        );
        assert_eq!(captured_error(false, Some(&fault(2))), Some(None));
        let json2 = json!({"name": "odoo.exceptions.MissingError", "message": "gone", "arguments": [], "context": {}, "debug": ""});
        assert_eq!(
            captured_error(true, Some(&json2)),
            Some(Some("odoo.exceptions.MissingError".into()))
        );
        assert_eq!(captured_error(false, Some(&json!({"result": [1]}))), None);
        assert_eq!(captured_error(true, Some(&json!([{"id": 1}]))), None);
    }

    #[test]
    fn markers_become_names_or_placeholders() {
        let value = json!(["a'b", marker("cap:s003_result"), {"k": marker("secret"), "n": null, "t": true}]);
        let names = |m: Marker| match m {
            Marker::Capture(n) => n.to_string(),
            Marker::Secret => "SECRET".into(),
            Marker::Variable(v) => v.to_uppercase(),
        };
        assert_eq!(
            python(&value, &names),
            r#"["a'b", s003_result, {"k": SECRET, "n": None, "t": True}]"#
        );
        assert_eq!(
            javascript(&value, &names),
            r#"["a'b",s003_result,{"k":SECRET,"n":null,"t":true}]"#
        );
    }
}
