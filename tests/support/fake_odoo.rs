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
//! Included with `#[path]` by the integration tests (`tests/it`) and the replay bench; it runs
//! on the hand-written HTTP/1.1 server in `http1.rs`, which can break the protocol on purpose.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[path = "http1.rs"]
pub mod http1;

use http1::{Handler, Reply, Request, Response};
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
    /// The server has no `api_doc` module: `/doc-bearer` answers 404.
    pub no_doc_bearer: AtomicBool,
}

#[derive(Default)]
struct Data {
    models: BTreeMap<String, Model>,
    sessions: HashMap<String, Session>,
    next_session: u64,
    requests: Vec<(String, String, String)>,
    /// The next quotation number (`S00003`): a sequence the server gives new orders.
    sequence: i64,
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
    /// The database name, ids moved by `shift`: another database with the same data.
    db: String,
    shift: i64,
    /// The server's own address, which answers echo (`web.base.url`).
    url: Mutex<String>,
    data: Mutex<Data>,
    faults: Faults,
    served: AtomicU64,
    stopped: AtomicBool,
    /// The bus's message counter, which moves with every poll as Odoo's does.
    bus: AtomicU64,
}

/// How a fake server is set up: an Odoo version, a database name, ids moved by `shift` (the
/// same records under other ids, as on another database), and whether the quotation list
/// holds orders of the customer a sale flow picks.
#[derive(Clone)]
pub struct Setup {
    pub version: u32,
    pub db: String,
    pub shift: i64,
    pub deco_orders: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            version: 17,
            db: DB.into(),
            shift: 0,
            deco_orders: true,
        }
    }
}

/// The customer a sale flow picks ("Deco"), its invoicing contact and its payment terms, and
/// the product it orders, before any shift.
pub const DECO: i64 = 40;
pub const DECO_INVOICE: i64 = 41;
pub const DECO_TERMS: i64 = 4;
pub const AZURE_TERMS: i64 = 2;
pub const DESK_TEMPLATE: i64 = 18;
pub const DESK: i64 = 26;

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
        FakeOdoo::start_with(Setup {
            version,
            ..Setup::default()
        })
    }

    /// A server set up as `setup` says.
    pub fn start_with(setup: Setup) -> FakeOdoo {
        let state = Arc::new(State {
            version: setup.version,
            db: setup.db.clone(),
            shift: setup.shift,
            url: Mutex::new(String::new()),
            data: Mutex::new(seed(&setup)),
            faults: Faults::default(),
            served: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            bus: AtomicU64::new(17),
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
                    _ = http1::serve(listener, handler) => {}
                    _ = stop_rx => {}
                    _ = gone => {}
                }
            });
        });
        let addr = addr_rx.recv().expect("the server starts");
        *state.url.lock().unwrap() = format!("http://{addr}");
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

    /// Every record of a model, by id.
    pub fn records(&self, model: &str) -> BTreeMap<i64, Map<String, Value>> {
        self.state
            .data
            .lock()
            .unwrap()
            .models
            .get(model)
            .map(|m| m.records.clone())
            .unwrap_or_default()
    }

    /// The shift this server's ids have.
    pub fn shift(&self) -> i64 {
        self.state.shift
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

/// A small binary, as Odoo keeps an image: base64 text.
const AVATAR: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

fn record(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

fn seed(setup: &Setup) -> Data {
    let mut data = Data::default();
    let shift = setup.shift;
    // The company's and the user's own partners keep their ids: who the user is does not move.
    let moved = |id: i64| if id == 1 || id == 3 { id } else { id + shift };
    let partner = |id: i64, name: &str, company: bool, email: &str, phone: &str| {
        let r = json!({"name": name, "display_name": name, "is_company": company, "email": email, "phone": phone,
                       "active": true, "country_id": 21, "parent_id": false, "image_128": AVATAR, "im_status": "offline",
                       "message_ids": [], "message_follower_ids": [],
                       "write_date": "2026-11-20 09:00:00", "create_date": "2026-11-01 08:00:00"});
        (moved(id), record(r))
    };
    let mut partners: BTreeMap<i64, Map<String, Value>> = [
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
        partner(
            DECO,
            "Deco Addict",
            true,
            "deco.addict82@example.com",
            "(603)-996-3829",
        ),
        partner(
            DECO_INVOICE,
            "Deco Addict, Accounting",
            false,
            "accounting@deco.example.com",
            "(603)-996-3830",
        ),
    ]
    .into_iter()
    .collect();
    for (id, terms, invoice) in [
        (moved(DECO), DECO_TERMS, moved(DECO_INVOICE)),
        (moved(15), AZURE_TERMS, moved(15)),
        (moved(9), AZURE_TERMS, moved(9)),
    ] {
        if let Some(p) = partners.get_mut(&id) {
            p.insert("property_payment_term_id".into(), json!(terms + shift));
            p.insert("invoice_address_id".into(), json!(invoice));
        }
    }
    if let Some(accounting) = partners.get_mut(&moved(DECO_INVOICE)) {
        accounting.insert("parent_id".into(), json!(moved(DECO)));
    }
    data.models.insert(
        "res.partner".into(),
        Model {
            records: partners,
            next_id: 50 + shift,
        },
    );
    let user = record(
        json!({"name": "Mitchell Admin", "display_name": "Mitchell Admin", "login": LOGIN, "lang": "en_US", "tz": "Europe/Brussels",
                          "email": "admin@yourcompany.example.com", "company_id": 1, "partner_id": 3, "active": true, "image_128": AVATAR,
                          "device_ids": [], "write_date": "2026-11-20 09:00:00"}),
    );
    data.models.insert(
        "res.users".into(),
        Model {
            records: [(UID, user)].into_iter().collect(),
            next_id: 10,
        },
    );
    let company =
        record(json!({"name": "YourCompany", "display_name": "YourCompany", "currency_id": 1}));
    data.models.insert(
        "res.company".into(),
        Model {
            records: [(1, company)].into_iter().collect(),
            next_id: 2,
        },
    );
    let country = record(json!({"name": "Belgium", "display_name": "Belgium", "code": "BE"}));
    data.models.insert(
        "res.country".into(),
        Model {
            records: [(21, country)].into_iter().collect(),
            next_id: 300,
        },
    );
    let terms = [(DECO_TERMS, "30 Days"), (AZURE_TERMS, "15 Days")].map(|(id, name)| {
        (
            id + shift,
            record(json!({"name": name, "display_name": name})),
        )
    });
    data.models.insert(
        "account.payment.term".into(),
        Model {
            records: terms.into_iter().collect(),
            next_id: 10 + shift,
        },
    );
    let desk = "[FURN_1118] Corner Desk Left Sit";
    data.models.insert(
        "product.template".into(),
        Model {
            records: [(DESK_TEMPLATE + shift, record(json!({"name": desk, "display_name": desk, "list_price": 85.0, "sale_ok": true})))]
                .into_iter()
                .collect(),
            next_id: 40 + shift,
        },
    );
    data.models.insert(
        "product.product".into(),
        Model {
            records: [(DESK + shift, record(json!({"name": desk, "display_name": desk, "product_tmpl_id": DESK_TEMPLATE + shift, "lst_price": 85.0})))]
                .into_iter()
                .collect(),
            next_id: 40 + shift,
        },
    );
    // The quotation list a sale flow loads first: its rows hold the picked customer or not.
    let customers = if setup.deco_orders {
        [moved(DECO), moved(15)]
    } else {
        [moved(15), moved(9)]
    };
    let orders = customers.iter().enumerate().map(|(i, customer)| {
        let name = format!("S{:05}", i + 1);
        (
            i as i64 + 1 + shift,
            record(json!({"name": name, "display_name": name, "partner_id": customer, "partner_invoice_id": customer,
                          "state": "sale", "user_id": UID, "order_line": [], "date_order": "2026-11-20 09:00:00",
                          "payment_term_id": AZURE_TERMS + shift, "amount_total": 100.0})),
        )
    });
    data.models.insert(
        "sale.order".into(),
        Model {
            records: orders.collect(),
            next_id: 20 + shift,
        },
    );
    for model in [
        "sale.order.line",
        "mail.message",
        "mail.followers",
        "res.device",
    ] {
        data.models.insert(
            model.into(),
            Model {
                records: BTreeMap::new(),
                next_id: 30 + shift,
            },
        );
    }
    data.sequence = 3 + shift;
    data
}

/// What a relational field points to, as this server's `fields_get` says (and `read` renders).
const RELATIONS: &[(&str, &str, &str, &str)] = &[
    ("res.partner", "country_id", "many2one", "res.country"),
    ("res.partner", "parent_id", "many2one", "res.partner"),
    (
        "res.partner",
        "property_payment_term_id",
        "many2one",
        "account.payment.term",
    ),
    ("res.partner", "message_ids", "one2many", "mail.message"),
    (
        "res.partner",
        "message_follower_ids",
        "one2many",
        "mail.followers",
    ),
    ("res.users", "partner_id", "many2one", "res.partner"),
    ("res.users", "company_id", "many2one", "res.company"),
    ("res.users", "device_ids", "one2many", "res.device"),
    ("sale.order", "partner_id", "many2one", "res.partner"),
    (
        "sale.order",
        "partner_invoice_id",
        "many2one",
        "res.partner",
    ),
    (
        "sale.order",
        "payment_term_id",
        "many2one",
        "account.payment.term",
    ),
    ("sale.order", "user_id", "many2one", "res.users"),
    ("sale.order", "order_line", "one2many", "sale.order.line"),
    ("sale.order.line", "order_id", "many2one", "sale.order"),
    (
        "sale.order.line",
        "product_id",
        "many2one",
        "product.product",
    ),
    (
        "sale.order.line",
        "product_template_id",
        "many2one",
        "product.template",
    ),
    (
        "product.product",
        "product_tmpl_id",
        "many2one",
        "product.template",
    ),
    ("mail.followers", "partner_id", "many2one", "res.partner"),
];

fn relation(model: &str, field: &str) -> Option<(&'static str, &'static str)> {
    RELATIONS
        .iter()
        .find(|(m, f, _, _)| *m == model && *f == field)
        .map(|(_, _, kind, target)| (*kind, *target))
}

/// `fields_get` as Odoo answers it: every field's type, and the relation of relational ones.
fn fields_get(model: &str) -> Value {
    let mut fields = Map::new();
    for name in ["name", "display_name", "email", "phone"] {
        fields.insert(name.into(), json!({"type": "char", "string": name}));
    }
    for (m, field, kind, target) in RELATIONS {
        if *m == model {
            let mut described = json!({"type": kind, "string": field, "relation": target});
            if *field == "order_line" {
                described["relation_field"] = json!("order_id");
            }
            fields.insert((*field).into(), described);
        }
    }
    Value::Object(fields)
}

/// Odoo's `human_size`, what `bin_size` turns a binary field into: `316.00 bytes`, `1.43 Kb`.
fn human_size(base64_text: &str) -> String {
    let mut size = (base64_text.len() * 3 / 4) as f64;
    let units = ["bytes", "Kb", "Mb", "Gb", "Tb"];
    let mut unit = 0;
    while size >= 1024.0 && unit < units.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.2} {}", units[unit])
}

/// The server's clock as Odoo writes datetimes (UTC).
fn now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    utc_text(seconds)
}

/// Seconds since the epoch as Odoo writes a UTC datetime: `2026-12-02 04:22:26`.
pub fn utc_text(seconds: i64) -> String {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
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
    if let Some(rest) = path.strip_prefix("/doc-bearer/") {
        return doc_bearer(state, request, rest);
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
            if params["db"] != state.db.as_str() || login != LOGIN || params["password"] != PASSWORD
            {
                return fail(err("odoo.exceptions.AccessDenied", "Access Denied", 403));
            }
            let mut data = state.data.lock().unwrap();
            data.next_session += 1;
            let sid = format!("{:040x}", data.next_session * 7919);
            data.sessions
                .insert(sid.clone(), Session { uid: UID, calls: 0 });
            // Every login is a device of the user (18+): a row the replay's login adds too.
            let devices = data.models.get_mut("res.device").expect("seeded");
            let device = devices.next_id;
            devices.next_id += 1;
            devices.records.insert(
                device,
                record(json!({"display_name": "Unknown Unknown", "device_type": "computer", "last_activity": now(), "session": sid})),
            );
            if let Some(user) = data
                .models
                .get_mut("res.users")
                .and_then(|u| u.records.get_mut(&UID))
            {
                let mut ids: Vec<Value> =
                    user["device_ids"].as_array().cloned().unwrap_or_default();
                ids.insert(0, json!(device));
                user.insert("device_ids".into(), Value::Array(ids));
            }
            drop(data);
            ok(session_info(state)).with_header(
                "Set-Cookie",
                &format!(
                    "session_id={sid}; Expires=Sat, 05 Dec 2026 14:42:57 GMT; HttpOnly; Path=/"
                ),
            )
        }
        "/jsonrpc" => external(state, &params).map_or_else(fail, ok),
        // `auth="none"` in Odoo: no session needed (16 and 19 web/controllers/webclient.py).
        "/web/webclient/version_info" => ok(version(state)),
        "/mail/init_messaging" | "/mail/thread/messages" => {
            if let Err(e) = session(state, request) {
                return fail(e);
            }
            ok(mail(state, &path, &params))
        }
        p if p.starts_with("/web/") => {
            let sid = match session(state, request) {
                Ok(_) => request.cookie("session_id"),
                Err(e) => return fail(e),
            };
            match p {
                "/web/session/get_session_info" => ok(session_info(state)),
                "/web/action/load" => ok(
                    json!({"id": 300, "type": "ir.actions.act_window", "res_model": "res.partner", "name": "Contacts"}),
                ),
                p if p.starts_with("/web/dataset/call_kw")
                    || p.starts_with("/web/dataset/call_button") =>
                {
                    let call_of = Call {
                        model: params["model"].as_str().unwrap_or_default(),
                        method: params["method"].as_str().unwrap_or_default(),
                        args: params["args"].as_array().cloned().unwrap_or_default(),
                        kwargs: params["kwargs"].as_object().cloned().unwrap_or_default(),
                        json2: false,
                        session: sid,
                        button: p.starts_with("/web/dataset/call_button"),
                    };
                    call(state, call_of).map_or_else(fail, ok)
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
    let url = state.url.lock().unwrap().clone();
    json!({"uid": UID, "db": state.db, "username": LOGIN, "name": "Mitchell Admin", "partner_id": 3, "web.base.url": url,
           "server_version": format!("{}.0", state.version),
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
    let credentials_ok = |db: &Value, secret: &Value| {
        db == state.db.as_str() && (secret == PASSWORD || secret == API_KEY)
    };
    match (params["service"].as_str().unwrap_or_default(), method) {
        ("common", "version") => Ok(version(state)),
        ("common", "login" | "authenticate") => Ok(
            if args.len() >= 3 && args[1] == LOGIN && credentials_ok(&args[0], &args[2]) {
                json!(UID)
            } else {
                json!(false)
            },
        ),
        ("db", "list") => Ok(json!([state.db])),
        ("object", "execute_kw" | "execute") => {
            if args.len() < 5 || !credentials_ok(&args[0], &args[2]) || args[1] != UID {
                return Err(err("odoo.exceptions.AccessDenied", "Access Denied", 403));
            }
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
            call(
                state,
                Call {
                    model: args[3].as_str().unwrap_or_default(),
                    method: args[4].as_str().unwrap_or_default(),
                    args: model_args,
                    kwargs,
                    json2: false,
                    session: None,
                    button: false,
                },
            )
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
    let call_of = Call {
        model,
        method,
        args,
        kwargs: named,
        json2: true,
        session: None,
        button: false,
    };
    match call(state, call_of) {
        Ok(value) => Response::json(200, &value),
        Err(e) => error(e),
    }
}

/// The methods `/doc-bearer/<model>.json` describes: those this server runs.
const DESCRIBED: [&str; 18] = [
    "search",
    "search_count",
    "search_read",
    "web_search_read",
    "read",
    "web_read",
    "create",
    "write",
    "web_save",
    "unlink",
    "copy",
    "name_search",
    "name_create",
    "onchange",
    "fields_get",
    "default_get",
    "get_views",
    "x_stamp",
];

/// Odoo 19's `api_doc`: `POST /doc-bearer/<model>.json` with the bearer key describes a
/// model's methods, their parameters in order (`kind` left out for the usual kind, `default`
/// for a required one) and `api` (`model`, `readonly`). Written by hand: parameters must keep
/// their order, which a `Map` here would sort.
fn doc_bearer(state: &State, request: &Request, rest: &str) -> Response {
    let error = |status: u16, name: &str, message: &str| {
        Response::json(
            status,
            &json!({"name": name, "message": message, "arguments": [message, status], "context": {}, "debug": ""}),
        )
    };
    if state.version < 19 || state.faults.no_doc_bearer.load(Ordering::SeqCst) {
        return Response::text(404, "text/html", "<html>404 Not Found</html>");
    }
    let token = request
        .header("authorization")
        .and_then(|a| a.strip_prefix("bearer "));
    if token != Some(API_KEY) {
        return error(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey");
    }
    let model = rest.strip_suffix(".json").unwrap_or_default();
    if !state.data.lock().unwrap().models.contains_key(model) {
        return error(404, "werkzeug.exceptions.NotFound", "404 Not Found");
    }
    let methods: Vec<String> = DESCRIBED
        .iter()
        .filter_map(|method| {
            let (records, names) = signature(method)?;
            let parameters: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    // The first parameter is required, the others default to None.
                    let default = if i == 0 { "" } else { r#""default": null"# };
                    format!(r#""{name}": {{{default}}}"#)
                })
                .collect();
            let mut api = Vec::new();
            if !records {
                api.push(r#""model""#);
            }
            if matches!(
                *method,
                "search" | "search_count" | "search_read" | "web_search_read" | "read" | "web_read" | "name_search"
            ) {
                api.push(r#""readonly""#);
            }
            Some(format!(
                r#""{method}": {{"signature": "({})", "parameters": {{{}}}, "api": [{}], "model": "core", "module": "core"}}"#,
                names.join(", "),
                parameters.join(", "),
                api.join(", ")
            ))
        })
        .collect();
    let body = format!(
        r#"{{"model": "{model}", "name": "{model}", "doc": null, "fields": {{}}, "methods": {{{}}}}}"#,
        methods.join(", ")
    );
    Response::text(200, "application/json; charset=utf-8", &body)
}

/// One model call, from whichever route carried it.
struct Call<'a> {
    model: &'a str,
    method: &'a str,
    args: Vec<Value>,
    kwargs: Map<String, Value>,
    json2: bool,
    /// The web session it came in, if any: some fields exist only there.
    session: Option<String>,
    /// Through `/web/dataset/call_button`, which hands back a cleaned action.
    button: bool,
}

/// Parameter names of the methods this server knows beyond the ORM's table: the web client's
/// `onchange` (17+) and the sale helpers.
fn signature(method: &str) -> Option<(bool, &'static [&'static str])> {
    match method {
        "onchange" => Some((true, &["values", "field_names", "fields_spec"])),
        "get_single_product_variant" => Some((true, &[])),
        // A module's method: only this server's /doc-bearer describes it.
        "x_stamp" => Some((true, &["note"])),
        // 17's name_search calls its domain `args`.
        "name_search" => Some((false, &["name", "domain", "operator", "limit", "args"])),
        _ => convert::signature(method),
    }
}

/// A model method, with its arguments bound by name as Odoo's `call_kw` and JSON-2 do.
fn call(state: &State, call: Call) -> Result<Value, Error> {
    let Call {
        model,
        method,
        args,
        mut kwargs,
        json2,
        session,
        button,
    } = call;
    if take(&state.faults.serialization_next) {
        return Err(err(
            "psycopg2.errors.SerializationFailure",
            "could not serialize access due to concurrent update",
            409,
        ));
    }
    let context = kwargs
        .remove("context")
        .and_then(|c| c.as_object().cloned())
        .unwrap_or_default();
    let bin_size = context.get("bin_size") == Some(&json!(true));
    if method.starts_with('_') {
        let message = if state.version >= 19 {
            format!("Private methods (such as '{model}.{method}') cannot be called remotely.")
        } else {
            format!("Private methods (such as {method}) cannot be called remotely.")
        };
        return Err(err("odoo.exceptions.AccessError", message, 403));
    }
    let mut data = state.data.lock().unwrap();
    if !data.models.contains_key(model) {
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
    }
    let Some((records_method, names)) =
        signature(method).or_else(|| method.starts_with("action_").then_some((true, &[][..])))
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
    let reading = Reading {
        bin_size,
        session: session.as_deref(),
    };
    match method {
        "search" | "search_count" | "search_read" | "web_search_read" | "search_fetch" => {
            let domain = if method == "search_read" {
                arg("domain")
            } else {
                required("domain")?
            };
            let table = &data.models[model];
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
                    let spec = Some(arg("specification"))
                        .filter(|s| s.is_object())
                        .unwrap_or_else(|| arg("fields"));
                    let records = read(&data, model, &found, &spec, true, &reading)?;
                    Ok(json!({"length": total, "records": records}))
                }
                _ => Ok(json!(read(
                    &data,
                    model,
                    &found,
                    &arg("fields"),
                    false,
                    &reading
                )?)),
            }
        }
        "read" | "web_read" => {
            let existing: Vec<i64> = ids
                .into_iter()
                .filter(|id| data.models[model].records.contains_key(id))
                .collect();
            let fields = if method == "read" {
                arg("fields")
            } else {
                arg("specification")
            };
            Ok(json!(read(
                &data,
                model,
                &existing,
                &fields,
                method == "web_read",
                &reading
            )?))
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
                created.push(create(
                    &mut data,
                    model,
                    vals.as_object().cloned().unwrap_or_default(),
                ));
            }
            Ok(if many {
                json!(created)
            } else {
                json!(created[0])
            })
        }
        "write" | "web_save" => {
            let vals = required("vals")?.as_object().cloned().unwrap_or_default();
            let targets = if ids.is_empty() && method == "web_save" {
                vec![create(&mut data, model, vals)]
            } else {
                for id in &ids {
                    write(&mut data, model, *id, vals.clone())?;
                }
                ids
            };
            if method == "web_save" {
                return Ok(json!(read(
                    &data,
                    model,
                    &targets,
                    &arg("specification"),
                    true,
                    &reading
                )?));
            }
            Ok(json!(true))
        }
        "unlink" => {
            for id in &ids {
                let record = data.models[model]
                    .records
                    .get(id)
                    .ok_or_else(|| missing(model, *id))?;
                if model == "sale.order" && record.get("state") == Some(&json!("sale")) {
                    return Err(err(
                        "odoo.exceptions.UserError",
                        "You can not delete a sent quotation or a confirmed sales order. You must first cancel it.",
                        422,
                    ));
                }
            }
            let table = data.models.get_mut(model).expect("checked above");
            for id in &ids {
                table.records.remove(id);
            }
            Ok(json!(true))
        }
        "copy" => {
            let table = data.models.get_mut(model).expect("checked above");
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
            let found: Vec<Value> = data.models[model]
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
            let id = create(&mut data, model, record(json!({"name": name})));
            Ok(json!([id, name]))
        }
        "onchange" => Ok(onchange(&data, model, &arg("values"), &arg("field_names"))),
        "get_single_product_variant" => {
            let template = ids.first().copied().unwrap_or_default();
            let variant = data.models["product.product"]
                .records
                .iter()
                .find(|(_, p)| p.get("product_tmpl_id") == Some(&json!(template)));
            Ok(match variant {
                Some((id, product)) => {
                    json!({"product_id": id, "product_name": product["display_name"], "has_optional_products": false})
                }
                None => json!({}),
            })
        }
        "action_confirm" => {
            for id in &ids {
                let order = data
                    .models
                    .get_mut(model)
                    .and_then(|t| t.records.get_mut(id))
                    .ok_or_else(|| missing(model, *id))?;
                order.insert("state".into(), json!("sale"));
            }
            // The method returns True; `call_button` hands the web client a cleaned action,
            // and anything that is not an action dict becomes False (odoo-protocol.md §1.3).
            Ok(json!(!button))
        }
        "fields_get" => Ok(fields_get(model)),
        "context_get" => Ok(json!({"lang": "en_US", "tz": "Europe/Brussels", "uid": UID})),
        "default_get" => Ok(json!({})),
        "check_access_rights" => Ok(json!(true)),
        "get_views" => Ok(json!({"views": {}, "models": {model: fields_get(model)}})),
        _ => Ok(json!(false)),
    }
}

/// How a read renders what depends on the caller: sizes for binaries with `bin_size`, and
/// fields only a web session can compute.
struct Reading<'a> {
    bin_size: bool,
    session: Option<&'a str>,
}

/// A new record, with what the server fills in itself: a sale order's number and date, the
/// lines its `order_line` commands create, the chatter's first message and follower.
fn create(data: &mut Data, model: &str, vals: Map<String, Value>) -> i64 {
    let table = data.models.get_mut(model).expect("checked by the caller");
    let id = table.next_id;
    table.next_id += 1;
    let mut record = Map::new();
    record.insert("active".into(), json!(true));
    if model == "sale.order" {
        let name = format!("S{:05}", data.sequence);
        data.sequence += 1;
        record.insert("display_name".into(), json!(name));
        record.insert("name".into(), json!(name));
        record.insert("state".into(), json!("draft"));
        record.insert("date_order".into(), json!(now()));
        record.insert("order_line".into(), json!([]));
    }
    if model == "res.partner" {
        record.insert("image_128".into(), json!(AVATAR));
        record.insert("im_status".into(), json!("offline"));
        record.insert("message_ids".into(), json!([]));
        record.insert("message_follower_ids".into(), json!([]));
    }
    data.models
        .get_mut(model)
        .expect("checked by the caller")
        .records
        .insert(id, record);
    let _ = write(data, model, id, vals);
    if model == "res.partner" {
        let follower = add(
            data,
            "mail.followers",
            json!({"res_model": model, "res_id": id, "partner_id": 3}),
        );
        push_id(data, model, id, "message_follower_ids", follower);
        chatter(data, model, id, "Contact created");
    }
    id
}

/// Writes values as Odoo does: display names follow names, x2many commands create lines,
/// and a tracked field's change is logged in the chatter.
fn write(data: &mut Data, model: &str, id: i64, vals: Map<String, Value>) -> Result<(), Error> {
    let mut tracked = Vec::new();
    let mut lines = Vec::new();
    {
        let record = data
            .models
            .get_mut(model)
            .and_then(|t| t.records.get_mut(&id))
            .ok_or_else(|| missing(model, id))?;
        for (key, value) in vals {
            if key == "order_line" {
                lines = value.as_array().cloned().unwrap_or_default();
                continue;
            }
            if key == "name" {
                record.insert("display_name".into(), value.clone());
            }
            if matches!(key.as_str(), "phone" | "email") && record.get(&key) != Some(&value) {
                tracked.push(format!(
                    "{key}: {} → {value}",
                    record.get(&key).unwrap_or(&Value::Null)
                ));
            }
            record.insert(key, value);
        }
        record.insert("write_date".into(), json!(now()));
    }
    for command in lines {
        if let Some([Value::Number(code), _, Value::Object(line)]) =
            command.as_array().map(Vec::as_slice)
            && code.as_i64() == Some(0)
        {
            let mut line = line.clone();
            line.insert("order_id".into(), json!(id));
            let line_id = create(data, "sale.order.line", line);
            push_id(data, model, id, "order_line", line_id);
        }
    }
    if model == "res.partner" && !tracked.is_empty() {
        chatter(data, model, id, &tracked.join(", "));
    }
    Ok(())
}

fn add(data: &mut Data, model: &str, values: Value) -> i64 {
    let table = data.models.get_mut(model).expect("seeded");
    let id = table.next_id;
    table.next_id += 1;
    table.records.insert(id, record(values));
    id
}

/// Appends an id to an x2many field (the newest first, as Odoo orders messages).
fn push_id(data: &mut Data, model: &str, id: i64, field: &str, new: i64) {
    if let Some(record) = data
        .models
        .get_mut(model)
        .and_then(|t| t.records.get_mut(&id))
    {
        let mut ids = record
            .get(field)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if field == "order_line" {
            ids.push(json!(new));
        } else {
            ids.insert(0, json!(new));
        }
        record.insert(field.into(), Value::Array(ids));
    }
}

/// A message the server writes on a record's chatter, as a side effect of a write.
fn chatter(data: &mut Data, model: &str, id: i64, body: &str) {
    let message = add(
        data,
        "mail.message",
        json!({"model": model, "res_id": id, "body": body, "date": now(), "author_id": 3}),
    );
    push_id(data, model, id, "message_ids", message);
}

/// What the web client's onchange answers: a new order's defaults (its date is now), the
/// customer's invoicing address and payment terms once a customer is set, a line's product.
fn onchange(data: &Data, model: &str, values: &Value, changed: &Value) -> Value {
    let first = changed.as_array().is_none_or(Vec::is_empty);
    match model {
        "sale.order" if first => {
            json!({"value": {"name": "New", "state": "draft", "date_order": now(), "partner_id": false,
            "company_id": {"id": 1}, "currency_id": {"id": 1}, "payment_term_id": false}})
        }
        "sale.order" => {
            let Some(customer) = values.get("partner_id").and_then(Value::as_i64) else {
                return json!({"value": {}});
            };
            let partner = data.models["res.partner"].records.get(&customer);
            let field = |name: &str| partner.and_then(|p| p.get(name)).and_then(Value::as_i64);
            let terms = field("property_payment_term_id");
            let term_name = terms
                .and_then(|t| data.models["account.payment.term"].records.get(&t))
                .map(|t| t["display_name"].clone())
                .unwrap_or(Value::Bool(false));
            json!({"value": {
                "partner_invoice_id": {"id": field("invoice_address_id").unwrap_or(customer)},
                "payment_term_id": terms.map_or(Value::Bool(false), |t| json!({"id": t, "display_name": term_name})),
            }})
        }
        "sale.order.line" => {
            let product = values.get("product_id").and_then(Value::as_i64);
            match product.and_then(|p| data.models["product.product"].records.get(&p)) {
                Some(product) => {
                    json!({"value": {"name": product["display_name"], "price_unit": product["lst_price"], "product_uom": {"id": 1}}})
                }
                None => json!({"value": {"product_uom_qty": 1.0}}),
            }
        }
        _ => json!({"value": {}}),
    }
}

/// The chatter's and Discuss's routes, for suites that keep the web client's plumbing: the
/// bus counter moves at every call, messages come newest first, `min_id` asks for newer ones.
fn mail(state: &State, path: &str, params: &Value) -> Value {
    let bus = state.bus.fetch_add(2, Ordering::SeqCst);
    let data = state.data.lock().unwrap();
    if path == "/mail/init_messaging" {
        return json!({"initBusId": bus, "current_partner": {"id": 3, "name": "Mitchell Admin", "im_status": if bus % 4 == 1 { "online" } else { "offline" }}});
    }
    let thread = params["thread_id"].as_i64().unwrap_or_default();
    let min_id = params["min_id"].as_i64().unwrap_or_default();
    let mut messages: Vec<Value> = data.models["mail.message"]
        .records
        .iter()
        .filter(|(id, m)| m["res_id"] == json!(thread) && **id > min_id)
        .map(|(id, m)| json!({"id": id, "body": m["body"], "date": m["date"], "author": {"id": 3, "name": "Mitchell Admin"}}))
        .collect();
    messages.reverse();
    json!(messages)
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

/// The fields a read asks for and their sub-specifications: a `read` field list, a
/// `web_read` specification (`{"partner_id": {"fields": {"display_name": {}}}}`), or all.
fn requested(spec: &Value) -> Option<Vec<(String, Value)>> {
    match spec {
        Value::Array(list) => Some(
            list.iter()
                .filter_map(|f| f.as_str().map(|f| (f.to_string(), Value::Null)))
                .collect(),
        ),
        Value::Object(map) => Some(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        _ => None,
    }
}

/// Records as `read` gives them (many2one `[id, name]`) or `web_read` (`{id, …}` as the
/// specification asks, x2many records with their own fields).
fn read(
    data: &Data,
    model: &str,
    ids: &[i64],
    spec: &Value,
    web: bool,
    reading: &Reading,
) -> Result<Vec<Value>, Error> {
    let table = &data.models[model];
    let mut out = Vec::new();
    for id in ids {
        let Some(stored) = table.records.get(id) else {
            continue;
        };
        let mut record = Map::new();
        record.insert("id".into(), json!(id));
        let fields = requested(spec).unwrap_or_else(|| {
            stored
                .keys()
                .filter(|k| *k != "session")
                .map(|k| (k.clone(), Value::Null))
                .collect()
        });
        for (field, sub) in fields {
            if field == "id" {
                continue;
            }
            let value = stored.get(&field).cloned().unwrap_or(Value::Bool(false));
            let value = match (field.as_str(), relation(model, &field), &value) {
                (f, _, Value::String(text)) if f.starts_with("image_") && reading.bin_size => {
                    json!(human_size(text))
                }
                ("is_current", _, _) if model == "res.device" => match reading.session {
                    Some(session) => json!(stored.get("session") == Some(&json!(session))),
                    // Computed from the request's session: outside one Odoo cannot say.
                    None => {
                        return Err(err(
                            "builtins.ValueError",
                            "Cannot convert res.device.is_current to SQL because it is not stored",
                            422,
                        ));
                    }
                },
                ("im_status", _, _) => {
                    // Presence moves between calls, as a browser's tab comes and goes.
                    json!(if data.requests.len().is_multiple_of(2) {
                        "online"
                    } else {
                        "offline"
                    })
                }
                (_, Some(("many2one", target)), Value::Number(n)) => {
                    let name = n
                        .as_i64()
                        .and_then(|n| data.models.get(target)?.records.get(&n))
                        .and_then(|r| r.get("display_name").or_else(|| r.get("name")).cloned())
                        .unwrap_or(Value::Bool(false));
                    match (web, sub.get("fields")) {
                        (false, _) => json!([n, name]),
                        (true, Some(Value::Object(asked))) => {
                            let mut linked = Map::new();
                            linked.insert("id".into(), value.clone());
                            if asked.contains_key("display_name") {
                                linked.insert("display_name".into(), name);
                            }
                            Value::Object(linked)
                        }
                        (true, _) => value.clone(),
                    }
                }
                (_, Some((_, target)), Value::Array(children))
                    if web && sub.get("fields").is_some() =>
                {
                    let child_ids: Vec<i64> = children.iter().filter_map(Value::as_i64).collect();
                    let child_spec = sub["fields"].clone();
                    // An order on a field only the session can compute fails like reading it.
                    if sub["order"]
                        .as_str()
                        .is_some_and(|o| o.contains("is_current"))
                        && reading.session.is_none()
                    {
                        return Err(err(
                            "builtins.ValueError",
                            "Cannot convert res.device.is_current to SQL because it is not stored",
                            422,
                        ));
                    }
                    json!(read(data, target, &child_ids, &child_spec, true, reading)?)
                }
                _ => value.clone(),
            };
            record.insert(field, value);
        }
        out.push(Value::Object(record));
    }
    Ok(out)
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
