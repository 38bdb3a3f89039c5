//! A mock Odoo: answers RPC calls from what a suite (or capture) recorded.
//!
//! Calls are matched by what they mean, not by their bytes: a model call is its model, method,
//! arguments and keyword arguments (the context left out: clients differ in it), whichever
//! dialect carries it, so a script using the external API gets the answers a browser's web
//! calls got. Repeated identical calls get the recorded answers in order, then the last again.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use super::http::{self, Handler, Request, Response};
use crate::odoo::convert::ModelCall;
use crate::template::render::{self, Renderer, Values};
use crate::template::suite::Suite;

/// What the mock answers with, per call.
pub struct Mock {
    recorded: HashMap<String, Recorded>,
    /// `model.method` → the first exact key recorded for it, for `--match-loose`.
    by_name: HashMap<String, String>,
    /// Recorded calls by model and method, to name the closest when nothing matches.
    known: Vec<(String, String)>,
    session_info: Value,
    uid: i64,
    version: Value,
    /// Only these credentials log in, when given.
    login: Option<(String, String)>,
    loose: bool,
    served: AtomicU64,
    unmatched: AtomicU64,
}

struct Recorded {
    label: String,
    /// `Ok(result)`, or `Err(the JSON-RPC error: code, message, data)`.
    answers: Vec<Result<Value, Value>>,
    next: Mutex<usize>,
}

impl Recorded {
    /// The answers in recorded order, then the last one again.
    fn next_outcome(&self) -> Result<Value, Value> {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let answer = self.answers[(*next).min(self.answers.len() - 1)].clone();
        *next += 1;
        answer
    }
}

/// A JSON-RPC answer: the result, or the error (`code`, `message`, `data`).
fn rpc_envelope(id: &Value, outcome: Result<Value, Value>) -> Value {
    match outcome {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error}),
    }
}

/// Odoo's JSON-RPC error around an exception's `data` (name, message, …).
fn server_error(data: Value) -> Value {
    json!({"code": 200, "message": "Odoo Server Error", "data": data})
}

/// The matching key of a web route that is not a model call: the route and its parameters
/// without the context.
fn route_key(route: &str, body: &Value) -> String {
    let mut params = body.get("params").cloned().unwrap_or(Value::Null);
    if let Some(map) = params.as_object_mut() {
        map.remove("context");
    }
    format!("{route} {params}")
}

/// The matching key of a model call: model, method and its arguments without the context.
/// Arguments are named as JSON-2 names them where the method's signature is known, so a
/// positional call (web client, external API) and a named one (JSON-2) meet.
fn key(call: &ModelCall) -> String {
    if let Ok((_, Value::Object(mut named))) = call.json2() {
        named.remove("context");
        return format!("{}.{}{}", call.model, call.method, Value::Object(named));
    }
    let mut kwargs = call.kwargs.clone();
    kwargs.remove("context");
    format!(
        "{}.{}({}, {})",
        call.model,
        call.method,
        Value::Array(call.args.clone()),
        Value::Object(kwargs)
    )
}

impl Mock {
    /// A mock answering what the suite's baselines hold.
    pub fn new(
        suite: &Suite,
        renderer: &Renderer,
        login: Option<(String, String)>,
        loose: bool,
    ) -> crate::error::Result<Mock> {
        let mut values: Map<String, Value> = suite.manifest.variables.clone().into_iter().collect();
        for secret in &suite.manifest.secrets {
            values.insert(secret.clone(), json!("***"));
        }
        values.extend(render::captured_values(suite)?);
        let mut mock = Mock {
            recorded: HashMap::new(),
            by_name: HashMap::new(),
            known: Vec::new(),
            session_info: Value::Null,
            uid: suite
                .manifest
                .variables
                .get("uid")
                .and_then(Value::as_i64)
                .unwrap_or(2),
            version: json!({"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""], "server_serie": "17.0", "protocol_version": 1}),
            login,
            loose,
            served: AtomicU64::new(0),
            unmatched: AtomicU64::new(0),
        };
        for (index, step) in suite.manifest.steps.iter().enumerate() {
            let Some(baseline) = &suite.baselines[index] else {
                continue;
            };
            let outcome = if step.kind == "json2" {
                if baseline.get("debug").is_some() && baseline.get("name").is_some() {
                    Err(server_error(baseline.clone()))
                } else {
                    Ok(baseline.clone())
                }
            } else {
                match baseline.get("error").filter(|e| !e.is_null()) {
                    // Kept whole: the code tells a client what happened (100: session expired).
                    Some(error) => Err(error.clone()),
                    None => Ok(baseline.get("result").cloned().unwrap_or(Value::Null)),
                }
            };
            if step.kind == "session_info" {
                if let Ok(info) = &outcome {
                    mock.session_info = info.clone();
                }
                continue;
            }
            let text = renderer.render_step_text(suite, index, &Values::new(&values))?;
            let Ok(body) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let by_route = route_key(&step.route, &body);
            let exact = match ModelCall::from_value(&step.kind, &step.route, body) {
                Ok(call) => {
                    mock.known.push((call.model.clone(), call.method.clone()));
                    let exact = key(&call);
                    mock.by_name
                        .entry(format!("{}.{}", call.model, call.method))
                        .or_insert_with(|| exact.clone());
                    exact
                }
                // Web routes with no model call behind them (`/web/action/load`, …).
                Err(_) => by_route,
            };
            let label = step.name.clone();
            let entry = mock.recorded.entry(exact).or_insert_with(|| Recorded {
                label,
                answers: Vec::new(),
                next: Mutex::new(0),
            });
            entry.answers.push(outcome);
        }
        if mock.session_info.is_null() {
            let text = |name: &str| {
                suite
                    .manifest
                    .variables
                    .get(name)
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            mock.session_info = json!({"uid": mock.uid, "db": text("db"), "username": text("login"), "user_context": {"lang": text("lang"), "tz": text("tz"), "uid": mock.uid}, "server_version": "17.0"});
        }
        Ok(mock)
    }

    /// A mock of a suite, its templates rendered with the built-in envelopes.
    pub fn of_suite(
        suite: &Suite,
        login: Option<(String, String)>,
        loose: bool,
    ) -> crate::error::Result<Mock> {
        let mut renderer = Renderer::new(None)?;
        renderer.add_suite(suite)?;
        Mock::new(suite, &renderer, login, loose)
    }

    /// How many requests were answered, and how many of them had no recorded answer.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.served.load(Ordering::Relaxed),
            self.unmatched.load(Ordering::Relaxed),
        )
    }

    /// How many calls the mock can answer.
    pub fn len(&self) -> usize {
        self.recorded.values().map(|r| r.answers.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.recorded.is_empty()
    }

    /// Answers one request, and says in a line what it did.
    pub fn answer(&self, request: &Request) -> (Response, String) {
        self.served.fetch_add(1, Ordering::Relaxed);
        let path = request.path();
        let (response, what) = if request.method != "POST" {
            (
                Response::text(405, "text/plain", "odoo-har mock answers POST only"),
                "→ 405".into(),
            )
        } else if let Some((service, legacy)) = super::xmlrpc::service(path) {
            self.answer_xml_rpc(request, service, legacy)
        } else {
            let body = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            self.answer_json(request, path, body)
        };
        (response, format!("{} {path} {what}", request.method))
    }

    /// Answers a JSON request (web routes, `/jsonrpc`, JSON-2) sent to `path`, and says in a
    /// few words what it did.
    pub(super) fn answer_json(
        &self,
        request: &Request,
        path: &str,
        body: Value,
    ) -> (Response, String) {
        let path = path.to_string();
        let line = |what: String| what;
        let id = body.get("id").cloned().unwrap_or(Value::Null);
        let params = body.get("params").cloned().unwrap_or(Value::Null);
        let envelope =
            |outcome: Result<Value, Value>| Response::json(200, &rpc_envelope(&id, outcome));
        let refused = || {
            Err(server_error(
                json!({"name": "odoo.exceptions.AccessDenied", "message": "Access Denied", "arguments": ["Access Denied"], "context": {}, "debug": ""}),
            ))
        };
        let allowed = |login: &Value, secret: &Value| {
            self.login
                .as_ref()
                .is_none_or(|(l, p)| login == l.as_str() && secret == p.as_str())
        };
        match path.as_str() {
            "/web/session/authenticate" => {
                if !allowed(&params["login"], &params["password"]) {
                    return (envelope(refused()), line("→ login refused".into()));
                }
                let reply = envelope(Ok(self.session_info.clone()))
                    .with_header("Set-Cookie", "session_id=odoo-har-mock; Path=/; HttpOnly");
                return (reply, line("→ logged in".into()));
            }
            "/web/session/get_session_info" => {
                return (
                    envelope(Ok(self.session_info.clone())),
                    line("→ session info".into()),
                );
            }
            "/web/webclient/version_info" => {
                return (envelope(Ok(self.version.clone())), line("→ version".into()));
            }
            "/jsonrpc" if params["service"] == "common" => {
                let args = params["args"].as_array().cloned().unwrap_or_default();
                let answer = match params["method"].as_str() {
                    Some("version") => Ok(self.version.clone()),
                    Some("login" | "authenticate") if args.len() >= 3 => {
                        Ok(if allowed(&args[1], &args[2]) {
                            json!(self.uid)
                        } else {
                            json!(false)
                        })
                    }
                    _ => Err(server_error(
                        json!({"name": "builtins.Exception", "message": "Method not found"}),
                    )),
                };
                return (
                    envelope(answer),
                    line(format!(
                        "→ common.{}",
                        params["method"].as_str().unwrap_or("?")
                    )),
                );
            }
            _ => {}
        }
        if let Some(model) = path
            .strip_prefix("/doc-bearer/")
            .and_then(|rest| rest.strip_suffix(".json"))
        {
            return self.describe(request, model);
        }
        let (kind, json2) = match path.as_str() {
            "/jsonrpc" => ("jsonrpc", false),
            p if p.starts_with("/json/2/") => ("json2", true),
            p if p.starts_with("/web/dataset/call_button") => ("call_button", false),
            p if p.starts_with("/web/dataset/search_read") => ("search_read", false),
            _ => ("call_kw", false),
        };
        let call = match ModelCall::from_value(kind, &path, body.clone()) {
            Ok(call) => call,
            Err(_) => return self.answer_route(&path, &body, &id, line),
        };
        if json2 && !self.bearer_allowed(request) {
            let error =
                json!({"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"});
            return (
                Response::json(401, &error),
                line("→ API key refused".into()),
            );
        }
        let exact = self.recorded.get(&key(&call)).map(|r| (r, ""));
        let found = exact.or_else(|| {
            // --match-loose: the arguments are left out when nothing matches exactly.
            let name = format!("{}.{}", call.model, call.method);
            self.by_name
                .get(&name)
                .filter(|_| self.loose)
                .and_then(|k| self.recorded.get(k))
                .map(|r| (r, " (loose match: the arguments differ)"))
        });
        let Some((recorded, how)) = found else {
            if call.model == "res.users" && call.method == "context_get" {
                // Clients ask for it to check their credentials; the session's context answers.
                let context = self
                    .session_info
                    .get("user_context")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                let reply = if json2 {
                    Response::json(200, &context)
                } else {
                    envelope(Ok(context))
                };
                return (reply, line("→ user context".into()));
            }
            let closest = self.closest(&call);
            return self.no_match(
                &id,
                json2,
                format!(
                    "no recorded answer for {}.{}{closest}",
                    call.model, call.method
                ),
                line,
            );
        };
        let outcome = recorded.next_outcome();
        let reply = if json2 {
            match outcome {
                Ok(result) => Response::json(200, &result),
                Err(error) => Response::json(422, &error["data"]),
            }
        } else {
            envelope(outcome)
        };
        (
            reply,
            line(format!(
                "→ {} ({}.{}){how}",
                recorded.label, call.model, call.method
            )),
        )
    }

    /// A web route that is not a model call, matched by its route and parameters.
    fn answer_route(
        &self,
        path: &str,
        body: &Value,
        id: &Value,
        line: impl Fn(String) -> String,
    ) -> (Response, String) {
        let Some(recorded) = self.recorded.get(&route_key(path, body)) else {
            let message = format!("no recorded answer for {path} with these parameters");
            return self.no_match(id, false, message, line);
        };
        let reply = Response::json(200, &rpc_envelope(id, recorded.next_outcome()));
        (reply, line(format!("→ {}", recorded.label)))
    }

    /// `/doc-bearer/<model>.json`: the recorded methods of `model`, described.
    fn describe(&self, request: &Request, model: &str) -> (Response, String) {
        if !self.bearer_allowed(request) {
            let error =
                json!({"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"});
            return (Response::json(401, &error), "→ API key refused".into());
        }
        let methods = self
            .known
            .iter()
            .filter(|(m, _)| m == model)
            .map(|(_, method)| method.as_str());
        match super::describe::doc_bearer(model, methods) {
            Some(response) => (response, format!("→ {model}'s recorded methods described")),
            None => (
                Response::json(
                    404,
                    &json!({"name": "werkzeug.exceptions.NotFound", "message": format!("nothing recorded of {model}")}),
                ),
                format!("→ nothing recorded of {model} to describe"),
            ),
        }
    }

    /// JSON-2's bearer key, checked only when `--login` was given (the key is the password).
    fn bearer_allowed(&self, request: &Request) -> bool {
        let Some((_, password)) = &self.login else {
            return true;
        };
        request
            .header("authorization")
            .and_then(|h| h.split_once(' '))
            .is_some_and(|(scheme, key)| scheme.eq_ignore_ascii_case("bearer") && key == password)
    }

    fn closest(&self, call: &ModelCall) -> String {
        let same: Vec<String> = self
            .known
            .iter()
            .filter(|(m, f)| *m == call.model && *f == call.method)
            .map(|(m, f)| format!("{m}.{f}"))
            .collect();
        if !same.is_empty() {
            return format!(
                " with these arguments; {} recorded with other arguments (--match-loose answers them anyway)",
                same.len()
            );
        }
        let near: Vec<String> = self
            .known
            .iter()
            .filter(|(m, _)| *m == call.model)
            .map(|(m, f)| format!("{m}.{f}"))
            .take(3)
            .collect();
        if near.is_empty() {
            String::new()
        } else {
            format!("; closest recorded: {}", near.join(", "))
        }
    }

    fn no_match(
        &self,
        id: &Value,
        json2: bool,
        message: String,
        line: impl Fn(String) -> String,
    ) -> (Response, String) {
        self.unmatched.fetch_add(1, Ordering::Relaxed);
        let error = json!({"name": "odoo_har.mock.NoRecordedAnswer", "message": message, "arguments": [message], "context": {}, "debug": ""});
        let reply = if json2 {
            Response::json(404, &error)
        } else {
            Response::json(200, &rpc_envelope(id, Err(server_error(error))))
        };
        (reply, line(format!("→ NO MATCH: {message}")))
    }
}

/// Where the mock's log lines go.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// The HTTP handler answering with `mock`, one log line per request.
pub fn handler(mock: Arc<Mock>, log: Log) -> Handler {
    Arc::new(move |request: Request| {
        let (response, line) = mock.answer(&request);
        log(&line);
        response
    })
}

/// A mock served from its own thread until dropped: for `demo` and tests, which run their
/// own runtimes beside it.
pub struct Background {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Binds `addr` (port 0 for a free one) and serves `mock` there.
    pub fn start(mock: Arc<Mock>, addr: SocketAddr, log: Log) -> std::io::Result<Background> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                tokio::select! {
                    _ = http::serve(listener, handler(mock, log)) => {}
                    _ = stopped => {}
                }
            });
        });
        Ok(Background {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL clients use.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
