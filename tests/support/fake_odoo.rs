//! An Odoo-compatible server for tests and benchmarks, started in-process on 127.0.0.1:0.
//!
//! Real Odoo cannot run on these machines, so this speaks enough of it: sessions through
//! `/web/session/authenticate`, the web client's `call_kw`/`call_button`, the external API
//! on `/jsonrpc` (`common`, `object`, `db`), JSON-2 with bearer API keys, a few models with
//! search/read/write and domain evaluation, and Odoo's own error shapes (codes 200, or 0 as
//! in 19; names and messages as the real captures in ../shared/captures show them).
//! Switches inject faults: delays, cut connections, 5xx bursts, an HTML login page, JSON
//! that is not JSON-RPC, sessions expiring, serialization failures, the server going away.
//!
//! Included with `#[path]` by the integration tests (`tests/it`) and the replay bench.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use odoo_har::mock::http::{self, Handler, Reply, Request, Response};
use odoo_har::odoo::convert;
use serde_json::{Map, Value, json};

pub const DB: &str = "fake_db";
pub const LOGIN: &str = "admin";
pub const PASSWORD: &str = "fake-password-1";
pub const API_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
pub const UID: i64 = 2;

/// Faults to inject; counters count down as they are used.
#[derive(Default)]
pub struct Faults {
    /// Every answer waits this long.
    pub delay_ms: AtomicU64,
    /// The next N requests get `fail_status` (an HTML proxy page).
    pub fail_next: AtomicU64,
    pub fail_status: AtomicU64,
    /// The next N answers are cut off mid-body.
    pub cut_next: AtomicU64,
    /// Every answer is the HTML login page.
    pub html_login: AtomicBool,
    /// Every answer is JSON that is not JSON-RPC.
    pub not_json_rpc: AtomicBool,
    /// Sessions expire after this many calls (0: never).
    pub session_calls: AtomicU64,
    /// The next N model calls fail with PostgreSQL's serialization failure.
    pub serialization_next: AtomicU64,
    /// After this many requests the server stops listening and closes connections (0: never).
    pub stop_after: AtomicU64,
}

#[derive(Default)]
struct Data {
    models: BTreeMap<String, Model>,
    sessions: HashMap<String, Session>,
    next_session: u64,
    requests: Vec<(String, String, String)>,
}

#[derive(Default, Clone)]
struct Model {
    records: BTreeMap<i64, Map<String, Value>>,
    next_id: i64,
}

struct Session {
    uid: i64,
    calls: u64,
}

struct State {
    version: u32,
    data: Mutex<Data>,
    faults: Faults,
    served: AtomicU64,
    stopped: AtomicBool,
}

/// A running fake Odoo.
pub struct FakeOdoo {
    pub url: String,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Error {
    name: &'static str,
    message: String,
    status: u16,
}

fn err(name: &'static str, message: impl Into<String>, status: u16) -> Error {
    Error {
        name,
        message: message.into(),
        status,
    }
}

impl FakeOdoo {
    /// An Odoo 17 server (error code 200).
    pub fn start() -> FakeOdoo {
        FakeOdoo::start_version(17)
    }

    /// A server of that major version: 19 answers JSON-2 and uses error code 0.
    pub fn start_version(version: u32) -> FakeOdoo {
        let state = Arc::new(State {
            version,
            data: Mutex::new(seed()),
            faults: Faults::default(),
            served: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread_state = state.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                let handler_state = thread_state.clone();
                let handler: Handler = Arc::new(move |request| {
                    let state = handler_state.clone();
                    Box::pin(async move { answer(&state, request) })
                });
                let gone = async {
                    while !thread_state.stopped.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                };
                tokio::select! {
                    _ = http::serve(listener, handler) => {}
                    _ = stop_rx => {}
                    _ = gone => {}
                }
            });
        });
        let addr = addr_rx.recv().expect("the server starts");
        FakeOdoo {
            url: format!("http://{addr}"),
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Every request served so far: method, path, body.
    pub fn requests(&self) -> Vec<(String, String, String)> {
        self.state.data.lock().unwrap().requests.clone()
    }

    /// Changes one field of one record, as another user would.
    pub fn set_field(&self, model: &str, id: i64, field: &str, value: Value) {
        let mut data = self.state.data.lock().unwrap();
        if let Some(record) = data
            .models
            .get_mut(model)
            .and_then(|m| m.records.get_mut(&id))
        {
            record.insert(field.into(), value);
        }
    }

    /// A record as stored.
    pub fn record(&self, model: &str, id: i64) -> Option<Map<String, Value>> {
        self.state
            .data
            .lock()
            .unwrap()
            .models
            .get(model)?
            .records
            .get(&id)
            .cloned()
    }
}

impl Drop for FakeOdoo {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn seed() -> Data {
    let mut data = Data::default();
    let partner = |id: i64, name: &str, company: bool, email: &str, phone: &str| {
        let mut r = json!({"id": id, "name": name, "display_name": name, "is_company": company, "email": email, "phone": phone,
                           "active": true, "country_id": 21, "parent_id": false, "write_date": "2026-11-20 09:00:00", "create_date": "2026-11-01 08:00:00"});
        r.as_object_mut().unwrap().remove("id");
        (id, r.as_object().unwrap().clone())
    };
    let partners = [
        partner(
            1,
            "YourCompany",
            true,
            "info@yourcompany.example.com",
            "+1 555-555-5556",
        ),
        partner(
            3,
            "Mitchell Admin",
            false,
            "admin@yourcompany.example.com",
            "+1 555-555-5555",
        ),
        partner(
            9,
            "Acme Corporation",
            true,
            "info@acme.example.com",
            "(603)-996-3829",
        ),
        partner(
            15,
            "Azure Interior",
            true,
            "azure.Interior24@example.com",
            "+1 555 011455",
        ),
        partner(
            10,
            "Gemini Furniture",
            true,
            "gemini@example.com",
            "+378 0549 885555",
        ),
    ];
    data.models.insert(
        "res.partner".into(),
        Model {
            records: partners.into_iter().collect(),
            next_id: 50,
        },
    );
    let mut user = json!({"name": "Mitchell Admin", "display_name": "Mitchell Admin", "login": LOGIN, "lang": "en_US", "tz": "Europe/Brussels",
                          "email": "admin@yourcompany.example.com", "company_id": 1, "partner_id": 3, "active": true, "write_date": "2026-11-20 09:00:00"});
    let user = user.as_object_mut().unwrap().clone();
    data.models.insert(
        "res.users".into(),
        Model {
            records: [(UID, user)].into_iter().collect(),
            next_id: 10,
        },
    );
    let company = json!({"name": "YourCompany", "display_name": "YourCompany", "currency_id": 1})
        .as_object()
        .unwrap()
        .clone();
    data.models.insert(
        "res.company".into(),
        Model {
            records: [(1, company)].into_iter().collect(),
            next_id: 2,
        },
    );
    let country = json!({"name": "Belgium", "display_name": "Belgium", "code": "BE"})
        .as_object()
        .unwrap()
        .clone();
    data.models.insert(
        "res.country".into(),
        Model {
            records: [(21, country)].into_iter().collect(),
            next_id: 300,
        },
    );
    data
}

fn answer(state: &State, request: Request) -> Reply {
    let served = state.served.fetch_add(1, Ordering::SeqCst) + 1;
    let faults = &state.faults;
    let stop_after = faults.stop_after.load(Ordering::SeqCst);
    if stop_after > 0 && served > stop_after {
        state.stopped.store(true, Ordering::SeqCst);
        return Reply::Close;
    }
    state.data.lock().unwrap().requests.push((
        request.method.clone(),
        request.target.clone(),
        String::from_utf8_lossy(&request.body).into_owned(),
    ));
    let reply = reply(state, &request);
    let delay = faults.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        Reply::After(Duration::from_millis(delay), Box::new(reply))
    } else {
        reply
    }
}

fn take(counter: &AtomicU64) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn reply(state: &State, request: &Request) -> Reply {
    let faults = &state.faults;
    if take(&faults.fail_next) {
        let status = faults.fail_status.load(Ordering::SeqCst) as u16;
        return Reply::Send(Response::text(
            status,
            "text/html",
            "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>",
        ));
    }
    if faults.html_login.load(Ordering::SeqCst) {
        return Reply::Send(Response::text(
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><body><form action=\"/web/login\"><input name=\"login\"/></form></body></html>",
        ));
    }
    if faults.not_json_rpc.load(Ordering::SeqCst) {
        return Reply::Send(Response::json(200, &json!({"hello": "not json-rpc"})));
    }
    let response = route(state, request);
    if take(&faults.cut_next) {
        Reply::CutShort(response)
    } else {
        Reply::Send(response)
    }
}

fn route(state: &State, request: &Request) -> Response {
    if request.method != "POST" {
        return Response::text(405, "text/plain", "only POST here");
    }
    let path = request.path().to_string();
    if let Some(rest) = path.strip_prefix("/json/2/") {
        return json2(state, request, rest);
    }
    let Ok(envelope) = serde_json::from_slice::<Value>(&request.body) else {
        return Response::text(400, "text/plain", "Invalid JSON data");
    };
    let id = envelope.get("id").cloned().unwrap_or(Value::Null);
    let params = envelope.get("params").cloned().unwrap_or_else(|| json!({}));
    let ok =
        |result: Value| Response::json(200, &json!({"jsonrpc": "2.0", "id": id, "result": result}));
    let fail = |e: Error| {
        Response::json(
            200,
            &json!({"jsonrpc": "2.0", "id": id, "error": error_object(state, &e)}),
        )
    };
    match path.as_str() {
        "/web/session/authenticate" => {
            let login = params["login"].as_str().unwrap_or_default();
            if params["db"] != DB || login != LOGIN || params["password"] != PASSWORD {
                return fail(err("odoo.exceptions.AccessDenied", "Access Denied", 403));
            }
            let mut data = state.data.lock().unwrap();
            data.next_session += 1;
            let sid = format!("{:040x}", data.next_session * 7919);
            data.sessions
                .insert(sid.clone(), Session { uid: UID, calls: 0 });
            drop(data);
            ok(session_info(state)).with_header(
                "Set-Cookie",
                &format!(
                    "session_id={sid}; Expires=Sat, 05 Dec 2026 14:42:57 GMT; HttpOnly; Path=/"
                ),
            )
        }
        "/jsonrpc" => external(state, &params).map_or_else(fail, ok),
        p if p.starts_with("/web/") => {
            if let Err(e) = session(state, request) {
                return fail(e);
            }
            match p {
                "/web/session/get_session_info" => ok(session_info(state)),
                "/web/webclient/version_info" => ok(version(state)),
                "/web/action/load" => ok(
                    json!({"id": 300, "type": "ir.actions.act_window", "res_model": "res.partner", "name": "Contacts"}),
                ),
                p if p.starts_with("/web/dataset/call_kw")
                    || p.starts_with("/web/dataset/call_button") =>
                {
                    let model = params["model"].as_str().unwrap_or_default();
                    let method = params["method"].as_str().unwrap_or_default();
                    let args = params["args"].as_array().cloned().unwrap_or_default();
                    let kwargs = params["kwargs"].as_object().cloned().unwrap_or_default();
                    call(state, model, method, args, kwargs, false).map_or_else(fail, ok)
                }
                _ => Response::json(
                    200,
                    &json!({"jsonrpc": "2.0", "id": id, "error": {"code": 404, "message": "404: Not Found", "data": {"name": "werkzeug.exceptions.NotFound", "message": "404 Not Found", "arguments": [], "context": {}, "debug": ""}}}),
                ),
            }
        }
        _ => Response::text(404, "text/html", "<html>404 Not Found</html>"),
    }
}

fn error_object(state: &State, e: &Error) -> Value {
    if e.name == "odoo.http.SessionExpiredException" {
        return json!({"code": 100, "message": "Odoo Session Expired", "data": {"name": e.name, "message": e.message, "arguments": [e.message], "context": {}, "debug": ""}});
    }
    let code = if state.version >= 19 { 0 } else { 200 };
    json!({"code": code, "message": "Odoo Server Error", "data": {"name": e.name, "message": e.message, "arguments": [e.message], "context": {},
           "debug": format!("Traceback (most recent call last):\n  File \"odoo/http.py\", line 1\n{}: {}", e.name, e.message)}})
}

fn version(state: &State) -> Value {
    let v = state.version;
    json!({"server_version": format!("{v}.0"), "server_version_info": [v, 0, 0, "final", 0, ""], "server_serie": format!("{v}.0"), "protocol_version": 1})
}

fn session_info(state: &State) -> Value {
    json!({"uid": UID, "db": DB, "username": LOGIN, "name": "Mitchell Admin", "server_version": format!("{}.0", state.version),
           "user_context": {"lang": "en_US", "tz": "Europe/Brussels", "uid": UID},
           "user_companies": {"current_company": 1, "allowed_companies": {"1": {"id": 1, "name": "YourCompany", "sequence": 0}}},
           "cache_hashes": {"translations": format!("{:x}", state.served.load(Ordering::SeqCst)), "load_menus": "abc"}})
}

/// The web session behind the request's cookie, counting calls toward expiry.
fn session(state: &State, request: &Request) -> Result<i64, Error> {
    let expired = || err("odoo.http.SessionExpiredException", "Session expired", 403);
    let sid = request.cookie("session_id").ok_or_else(expired)?;
    let limit = state.faults.session_calls.load(Ordering::SeqCst);
    let mut data = state.data.lock().unwrap();
    let session = data.sessions.get_mut(&sid).ok_or_else(expired)?;
    session.calls += 1;
    if limit > 0 && session.calls > limit {
        data.sessions.remove(&sid);
        return Err(expired());
    }
    Ok(session.uid)
}

fn external(state: &State, params: &Value) -> Result<Value, Error> {
    let args = params["args"].as_array().cloned().unwrap_or_default();
    let method = params["method"].as_str().unwrap_or_default();
    let credentials_ok =
        |db: &Value, secret: &Value| db == DB && (secret == PASSWORD || secret == API_KEY);
    match (params["service"].as_str().unwrap_or_default(), method) {
        ("common", "version") => Ok(version(state)),
        ("common", "login" | "authenticate") => Ok(
            if args.len() >= 3 && args[1] == LOGIN && credentials_ok(&args[0], &args[2]) {
                json!(UID)
            } else {
                json!(false)
            },
        ),
        ("db", "list") => Ok(json!([DB])),
        ("object", "execute_kw" | "execute") => {
            if args.len() < 5 || !credentials_ok(&args[0], &args[2]) || args[1] != UID {
                return Err(err("odoo.exceptions.AccessDenied", "Access Denied", 403));
            }
            let model = args[3].as_str().unwrap_or_default();
            let model_method = args[4].as_str().unwrap_or_default();
            let (model_args, kwargs) = if method == "execute_kw" {
                (
                    args.get(5)
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                    args.get(6)
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                )
            } else {
                (args[5..].to_vec(), Map::new())
            };
            call(state, model, model_method, model_args, kwargs, false)
        }
        (service, method) => Err(err(
            "builtins.Exception",
            format!("Method not found: {service}.{method}"),
            404,
        )),
    }
}

fn json2(state: &State, request: &Request, rest: &str) -> Response {
    let error = |e: Error| {
        Response::json(
            e.status,
            &json!({"name": e.name, "message": e.message, "arguments": [e.message, e.status], "context": {}, "debug": ""}),
        )
    };
    if state.version < 19 {
        return Response::text(404, "text/html", "<html>404 Not Found</html>");
    }
    let token = request.header("authorization").and_then(|a| {
        a.strip_prefix("bearer ")
            .or_else(|| a.strip_prefix("Bearer "))
    });
    if token != Some(API_KEY) {
        return error(err(
            "werkzeug.exceptions.Unauthorized",
            "Invalid apikey",
            401,
        ));
    }
    let Some((model, method)) = rest.split_once('/') else {
        return error(err(
            "werkzeug.exceptions.NotFound",
            "Did you mean POST /json/2/<model>/<method>?",
            404,
        ));
    };
    let Ok(Value::Object(mut named)) = serde_json::from_slice::<Value>(&request.body) else {
        return error(err(
            "werkzeug.exceptions.BadRequest",
            "could not parse the body as json",
            400,
        ));
    };
    let ids = named.remove("ids");
    let args = ids.map(|ids| vec![ids]).unwrap_or_default();
    match call(state, model, method, args, named, true) {
        Ok(value) => Response::json(200, &value),
        Err(e) => error(e),
    }
}

/// A model method, with its arguments bound by name as Odoo's `call_kw` and JSON-2 do.
fn call(
    state: &State,
    model: &str,
    method: &str,
    args: Vec<Value>,
    mut kwargs: Map<String, Value>,
    json2: bool,
) -> Result<Value, Error> {
    if take(&state.faults.serialization_next) {
        return Err(err(
            "psycopg2.errors.SerializationFailure",
            "could not serialize access due to concurrent update",
            409,
        ));
    }
    kwargs.remove("context");
    if method.starts_with('_') {
        let message = if state.version >= 19 {
            format!("Private methods (such as '{model}.{method}') cannot be called remotely.")
        } else {
            format!("Private methods (such as {method}) cannot be called remotely.")
        };
        return Err(err("odoo.exceptions.AccessError", message, 403));
    }
    let mut data = state.data.lock().unwrap();
    let Some(table) = data.models.get_mut(model) else {
        if json2 {
            return Err(err(
                "werkzeug.exceptions.NotFound",
                format!("the model '{model}' does not exist"),
                404,
            ));
        }
        return Err(err(
            "odoo.exceptions.UserError",
            format!("Object {model} doesn't exist"),
            422,
        ));
    };
    let Some((records_method, names)) = convert::signature(method)
        .or_else(|| method.starts_with("action_").then_some((true, &[][..])))
    else {
        return Err(err(
            "builtins.AttributeError",
            format!("The method '{model}.{method}' does not exist"),
            404,
        ));
    };
    let mut positional = args.into_iter();
    let ids: Vec<i64> = if records_method {
        match positional.next() {
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
            Some(id) => id.as_i64().into_iter().collect(),
            None if json2 => Vec::new(),
            None => {
                return Err(err(
                    "builtins.TypeError",
                    format!("{method}() missing 1 required positional argument: 'ids'"),
                    422,
                ));
            }
        }
    } else {
        Vec::new()
    };
    let mut bound: Map<String, Value> = Map::new();
    for (name, value) in names.iter().zip(positional) {
        bound.insert((*name).into(), value);
    }
    // Odoo 16's web_search_read took `fields` where 17 takes `specification`.
    let legacy = |key: &str| method == "web_search_read" && key == "fields";
    for (key, value) in kwargs {
        if !names.contains(&key.as_str()) && !legacy(&key) {
            return Err(err(
                "builtins.TypeError",
                format!("{method}() got an unexpected keyword argument '{key}'"),
                422,
            ));
        }
        bound.insert(key, value);
    }
    let arg = |name: &str| bound.get(name).cloned().unwrap_or(Value::Null);
    let required = |name: &str| -> Result<Value, Error> {
        bound.get(name).cloned().ok_or_else(|| {
            err(
                "werkzeug.exceptions.UnprocessableEntity",
                format!("missing a required argument: '{name}'"),
                422,
            )
        })
    };
    let version = state.version;
    match method {
        "search" | "search_count" | "search_read" | "web_search_read" | "search_fetch" => {
            let domain = if method == "search_read" {
                arg("domain")
            } else {
                required("domain")?
            };
            let mut found = search(table, &domain, version)?;
            let total = found.len();
            let offset = arg("offset").as_u64().unwrap_or(0) as usize;
            found = found.into_iter().skip(offset).collect();
            if let Some(limit) = arg("limit").as_u64() {
                found.truncate(limit as usize);
            }
            match method {
                "search" => Ok(json!(found)),
                "search_count" => Ok(json!(total)),
                "web_search_read" => {
                    let records = read(
                        table,
                        &found,
                        &fields_of(&arg("specification")).or_else(|| fields_of(&arg("fields"))),
                        true,
                    );
                    Ok(json!({"length": total, "records": records}))
                }
                _ => Ok(json!(read(
                    table,
                    &found,
                    &fields_of(&arg("fields")),
                    false
                ))),
            }
        }
        "read" | "web_read" => {
            let existing: Vec<i64> = ids
                .into_iter()
                .filter(|id| table.records.contains_key(id))
                .collect();
            let fields = if method == "read" {
                fields_of(&arg("fields"))
            } else {
                fields_of(&arg("specification"))
            };
            Ok(json!(read(table, &existing, &fields, method == "web_read")))
        }
        "create" => {
            let vals = required("vals_list")?;
            let many = vals.is_array();
            let list = if many {
                vals.as_array().cloned().unwrap_or_default()
            } else {
                vec![vals]
            };
            let mut created = Vec::new();
            for vals in list {
                let id = table.next_id;
                table.next_id += 1;
                let mut record = vals.as_object().cloned().unwrap_or_default();
                record.entry("active").or_insert(json!(true));
                let name = record.get("name").cloned().unwrap_or(json!(""));
                record.insert("display_name".into(), name);
                record.insert("write_date".into(), json!("2026-11-28 10:00:00"));
                table.records.insert(id, record);
                created.push(id);
            }
            Ok(if many {
                json!(created)
            } else {
                json!(created[0])
            })
        }
        "write" | "web_save" => {
            let vals = required("vals")?;
            let targets = if ids.is_empty() && method == "web_save" {
                let id = table.next_id;
                table.next_id += 1;
                table.records.insert(id, Map::new());
                vec![id]
            } else {
                ids
            };
            for id in &targets {
                let record = table
                    .records
                    .get_mut(id)
                    .ok_or_else(|| missing(model, *id))?;
                for (key, value) in vals.as_object().cloned().unwrap_or_default() {
                    if key == "name" {
                        record.insert("display_name".into(), value.clone());
                    }
                    record.insert(key, value);
                }
                record.insert("write_date".into(), json!("2026-11-28 10:00:01"));
            }
            if method == "web_save" {
                return Ok(json!(read(
                    table,
                    &targets,
                    &fields_of(&arg("specification")),
                    true
                )));
            }
            Ok(json!(true))
        }
        "unlink" => {
            for id in &ids {
                table
                    .records
                    .remove(id)
                    .ok_or_else(|| missing(model, *id))?;
            }
            Ok(json!(true))
        }
        "copy" => {
            let source = table
                .records
                .get(ids.first().unwrap_or(&0))
                .cloned()
                .ok_or_else(|| missing(model, ids.first().copied().unwrap_or(0)))?;
            let id = table.next_id;
            table.next_id += 1;
            table.records.insert(id, source);
            Ok(json!(id))
        }
        "name_search" => {
            let name = arg("name").as_str().unwrap_or_default().to_lowercase();
            let found: Vec<Value> = table
                .records
                .iter()
                .filter(|(_, r)| {
                    r["display_name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains(&name)
                })
                .take(arg("limit").as_u64().unwrap_or(100) as usize)
                .map(|(id, r)| json!([id, r["display_name"]]))
                .collect();
            Ok(json!(found))
        }
        "name_create" => {
            let name = required("name")?;
            let id = table.next_id;
            table.next_id += 1;
            table.records.insert(
                id,
                json!({"name": name, "display_name": name})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            );
            Ok(json!([id, name]))
        }
        "fields_get" => Ok(
            json!({"name": {"type": "char", "string": "Name"}, "email": {"type": "char", "string": "Email"}, "country_id": {"type": "many2one", "string": "Country", "relation": "res.country"}}),
        ),
        "context_get" => Ok(json!({"lang": "en_US", "tz": "Europe/Brussels", "uid": UID})),
        "default_get" => Ok(json!({})),
        "check_access_rights" => Ok(json!(true)),
        "get_views" => Ok(json!({"views": {}, "models": {model: {}}})),
        _ => Ok(json!(false)),
    }
}

fn missing(model: &str, id: i64) -> Error {
    err(
        "odoo.exceptions.MissingError",
        format!(
            "Record does not exist or has been deleted.\n(Record: {model}({id},), User: {UID})"
        ),
        404,
    )
}

fn fields_of(spec: &Value) -> Option<Vec<String>> {
    match spec {
        Value::Array(list) => Some(
            list.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect(),
        ),
        Value::Object(map) => Some(map.keys().cloned().collect()),
        _ => None,
    }
}

/// Records as `read` gives them (many2one `[id, name]`) or `web_read` (`{id, display_name}`).
fn read(table: &Model, ids: &[i64], fields: &Option<Vec<String>>, web: bool) -> Vec<Value> {
    ids.iter()
        .filter_map(|id| table.records.get(id).map(|r| (id, r)))
        .map(|(id, record)| {
            let mut out = Map::new();
            out.insert("id".into(), json!(id));
            for (key, value) in record {
                if fields.as_ref().is_some_and(|f| !f.contains(key)) {
                    continue;
                }
                let value = match (key.as_str(), value) {
                    ("country_id", Value::Number(n)) if web => {
                        json!({"id": n, "display_name": "Belgium"})
                    }
                    ("country_id", Value::Number(n)) => json!([n, "Belgium"]),
                    _ => value.clone(),
                };
                out.insert(key.clone(), value);
            }
            Value::Object(out)
        })
        .collect()
}

fn search(table: &Model, domain: &Value, version: u32) -> Result<Vec<i64>, Error> {
    let terms = domain.as_array().cloned().unwrap_or_default();
    let mut found = Vec::new();
    for (id, record) in &table.records {
        let mut position = 0;
        let mut matched = true;
        // Implicit '&' between consecutive terms (normalize_domain).
        while position < terms.len() {
            matched &= evaluate(&terms, &mut position, *id, record, version)?;
        }
        if matched && record.get("active") != Some(&json!(false)) {
            found.push(*id);
        }
    }
    Ok(found)
}

fn evaluate(
    terms: &[Value],
    position: &mut usize,
    id: i64,
    record: &Map<String, Value>,
    version: u32,
) -> Result<bool, Error> {
    let term = terms.get(*position).cloned().unwrap_or(Value::Null);
    *position += 1;
    match term.as_str() {
        Some("&") => Ok(evaluate(terms, position, id, record, version)?
            & evaluate(terms, position, id, record, version)?),
        Some("|") => Ok(evaluate(terms, position, id, record, version)?
            | evaluate(terms, position, id, record, version)?),
        Some("!") => Ok(!evaluate(terms, position, id, record, version)?),
        _ => leaf(&term, id, record, version),
    }
}

fn leaf(term: &Value, id: i64, record: &Map<String, Value>, version: u32) -> Result<bool, Error> {
    let invalid = || {
        let shown = term
            .as_array()
            .map(|parts| {
                format!(
                    "({})",
                    parts
                        .iter()
                        .map(|p| match p {
                            Value::String(s) => format!("'{s}'"),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .unwrap_or_else(|| term.to_string());
        let message = if version >= 19 {
            format!("Invalid operator in condition {shown}")
        } else {
            format!("Invalid leaf {shown}")
        };
        err("builtins.ValueError", message, 422)
    };
    let parts = term
        .as_array()
        .filter(|p| p.len() == 3)
        .ok_or_else(invalid)?;
    let (Some(field), Some(operator)) = (parts[0].as_str(), parts[1].as_str()) else {
        if parts[0] == 1 || parts[0] == 0 {
            return Ok(parts[0] == 1);
        }
        return Err(invalid());
    };
    let value = &parts[2];
    let actual = if field == "id" {
        json!(id)
    } else {
        record.get(field).cloned().unwrap_or(Value::Bool(false))
    };
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let like = |pattern: &str, insensitive: bool, wrap: bool| {
        let (a, p) = if insensitive {
            (text(&actual).to_lowercase(), pattern.to_lowercase())
        } else {
            (text(&actual), pattern.to_string())
        };
        if wrap {
            a.contains(&p)
        } else {
            p.replace('%', "") == a
                || (p.ends_with('%') && a.starts_with(p.trim_end_matches('%')))
                || (p.starts_with('%') && a.ends_with(p.trim_start_matches('%')))
        }
    };
    let number = |v: &Value| v.as_f64();
    Ok(match operator {
        "=" | "=?" => {
            actual == *value
                || (value.is_boolean() && !value.as_bool().unwrap_or(false) && actual.is_null())
        }
        "!=" | "<>" => actual != *value,
        "in" | "child_of" => {
            value.as_array().is_some_and(|list| list.contains(&actual)) || actual == *value
        }
        "not in" => !value.as_array().is_some_and(|list| list.contains(&actual)),
        "<" => number(&actual) < number(value),
        ">" => number(&actual) > number(value),
        "<=" => number(&actual) <= number(value),
        ">=" => number(&actual) >= number(value),
        "like" => like(&text(value), false, true),
        "ilike" => like(&text(value), true, true),
        "not like" => !like(&text(value), false, true),
        "not ilike" => !like(&text(value), true, true),
        "=like" => like(&text(value), false, false),
        "=ilike" => like(&text(value), true, false),
        _ => return Err(invalid()),
    })
}
