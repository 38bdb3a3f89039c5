//! Recognising Odoo's RPC calls among a capture's exchanges.
//!
//! Routes and parameter places follow odoo-protocol.md §1.3 and §3; the model and method of a
//! web call always come from `params`, never from the URL suffix, which is cosmetic (§1.3).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::rpc::{self, Answer, Dialect};
use super::xmlrpc;
use crate::capture::{Exchange, Request};

/// What kind of Odoo traffic an exchange is. Written and read by its name ([`Kind::as_str`]),
/// as `inspect` shows it and a suite's manifest stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Kind {
    /// `/web/dataset/call_kw[/<model>/<method>]`: the web client's ORM calls.
    CallKw,
    /// `/web/dataset/call_button[/<model>/<method>]` (the suffix exists from 18 on).
    CallButton,
    /// `/web/dataset/search_read` (Odoo 16 and older).
    SearchRead,
    /// Other `/web/dataset/*` routes (`load`, `call`, `resequence`).
    Dataset,
    /// `/web/action/load`.
    ActionLoad,
    /// `/web/action/run`.
    ActionRun,
    /// Other `/web/action/*` routes (`load_breadcrumbs`).
    Action,
    /// `/web/session/authenticate`.
    Authenticate,
    /// `/web/session/get_session_info`.
    SessionInfo,
    /// Other `/web/session/*` routes (`destroy`, `check`, `modules`, …).
    Session,
    /// `/web/webclient/version_info`.
    VersionInfo,
    /// The login form post, `POST /web/login` (a `type=http` route, not JSON-RPC).
    WebLogin,
    /// The `/web` or `/odoo` page, which embeds the session info.
    WebPage,
    /// The external API, `POST /jsonrpc` (services `common`, `object`, `db`).
    JsonRpc,
    /// The external API over XML-RPC, `/xmlrpc/2/<service>` or `/xmlrpc/<service>`.
    XmlRpc,
    /// Odoo 19's JSON-2 API, `POST /json/2/<model>/<method>`.
    Json2,
    /// Any other JSON-RPC call (`/mail/…`, `/bus/…`, a module's controller).
    OtherRpc,
    /// Assets, images, pages: counted, not listed by default.
    NotOdoo,
}

impl Kind {
    /// Every kind, in the order they are declared.
    pub const ALL: [Kind; 18] = [
        Kind::CallKw,
        Kind::CallButton,
        Kind::SearchRead,
        Kind::Dataset,
        Kind::ActionLoad,
        Kind::ActionRun,
        Kind::Action,
        Kind::Authenticate,
        Kind::SessionInfo,
        Kind::Session,
        Kind::VersionInfo,
        Kind::WebLogin,
        Kind::WebPage,
        Kind::JsonRpc,
        Kind::XmlRpc,
        Kind::Json2,
        Kind::OtherRpc,
        Kind::NotOdoo,
    ];

    /// The kind of that name (`call_kw`, `json2`, …).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The name shown in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CallKw => "call_kw",
            Kind::CallButton => "call_button",
            Kind::SearchRead => "search_read",
            Kind::Dataset => "dataset",
            Kind::ActionLoad => "action_load",
            Kind::ActionRun => "action_run",
            Kind::Action => "action",
            Kind::Authenticate => "authenticate",
            Kind::SessionInfo => "session_info",
            Kind::Session => "session",
            Kind::VersionInfo => "version_info",
            Kind::WebLogin => "web_login",
            Kind::WebPage => "web_page",
            Kind::JsonRpc => "jsonrpc",
            Kind::XmlRpc => "xmlrpc",
            Kind::Json2 => "json2",
            Kind::OtherRpc => "other_rpc",
            Kind::NotOdoo => "not_odoo",
        }
    }

    /// How a step of this kind stores its answers: JSON-2 steps as bare values, every other
    /// step as a JSON-RPC envelope (an XML-RPC call becomes its `/jsonrpc` twin).
    pub fn dialect(self) -> Dialect {
        match self {
            Kind::Json2 => Dialect::Json2,
            _ => Dialect::JsonRpc,
        }
    }

    /// True for calls into a model's methods, whatever the dialect.
    pub fn is_model_call(self) -> bool {
        matches!(
            self,
            Kind::CallKw | Kind::CallButton | Kind::SearchRead | Kind::Json2
        )
    }
}

impl From<Kind> for &'static str {
    fn from(kind: Kind) -> &'static str {
        kind.as_str()
    }
}

impl TryFrom<String> for Kind {
    type Error = String;

    fn try_from(name: String) -> Result<Kind, String> {
        Kind::from_name(&name).ok_or_else(|| {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
            format!(
                "`{name}` is not a kind of call odoo-har knows ({})",
                known.join(", ")
            )
        })
    }
}

impl AsRef<str> for Kind {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

// A kind equals its name: the mock still compares a step's kind with names (it moves onto
// hyper on another branch, and switches to the variants there).
impl PartialEq<&str> for Kind {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
}

/// Who an external-API call (`/jsonrpc`, `/xmlrpc`) said it was: the first arguments of
/// `execute_kw` and `login`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Credentials {
    pub db: Option<String>,
    /// The uid for `object` calls; `None` for `common.login`, which asks for it.
    pub uid: Option<i64>,
    /// The login for `common.login`/`authenticate`.
    pub login: Option<String>,
    /// Whether a password or an API key was in the arguments. Its value is never kept.
    pub secret: Option<SecretShape>,
}

/// What the secret in an external call looked like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretShape {
    Password,
    /// 40 hexadecimal characters, the shape of Odoo's API keys (`res.users.apikeys`,
    /// `secrets.token_hex(20)`). A password of that shape is possible, merely unlikely.
    ApiKey,
}

impl SecretShape {
    /// The shape of an external call's secret argument.
    pub fn of(secret: Option<Value>) -> Option<SecretShape> {
        match secret? {
            Value::String(s) if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(SecretShape::ApiKey)
            }
            Value::Null => None,
            _ => Some(SecretShape::Password),
        }
    }
}

/// One Odoo call recognised in a capture.
#[derive(Debug, Clone, PartialEq)]
pub struct OdooCall {
    pub kind: Kind,
    /// The URL path the request went to.
    pub route: String,
    /// The external API service: `common`, `object` or `db`.
    pub service: Option<String>,
    pub model: Option<String>,
    pub method: Option<String>,
    /// Positional arguments of the model method (for `execute_kw`, the model's `args`, not
    /// the db/uid/password before them).
    pub args: Vec<Value>,
    /// Keyword arguments (for JSON-2, the named arguments other than `ids` and `context`).
    pub kwargs: Map<String, Value>,
    /// The context sent with the call, wherever the dialect puts it.
    pub context: Option<Map<String, Value>>,
    /// Where the context sits in the request (`params.kwargs.context`), for provenance.
    pub context_path: &'static str,
    /// Record ids for JSON-2 (`ids`), which the other dialects pass as `args[0]`.
    pub ids: Option<Value>,
    /// The JSON-RPC envelope id.
    pub rpc_id: Option<Value>,
    pub credentials: Option<Credentials>,
    /// The other parameters of web routes that are not model calls
    /// (`/web/action/load`'s `action_id`, `authenticate`'s `db` and `login`).
    pub params: Map<String, Value>,
    /// The HTTP status of the response, if one was recorded.
    pub status: Option<u16>,
    pub answer: Answer,
}

impl OdooCall {
    fn new(kind: Kind, route: &str, exchange: &Exchange) -> Self {
        OdooCall {
            kind,
            route: route.to_string(),
            service: None,
            model: None,
            method: None,
            args: Vec::new(),
            kwargs: Map::new(),
            context: None,
            context_path: "",
            ids: None,
            rpc_id: None,
            credentials: None,
            params: Map::new(),
            status: exchange.response.as_ref().map(|r| r.status),
            answer: Answer::None,
        }
    }

    /// `model.method` for model calls, `service.method` for other external calls, else the route.
    pub fn name(&self) -> String {
        match (&self.model, &self.method, &self.service) {
            (Some(model), Some(method), _) => format!("{model}.{method}"),
            (None, Some(method), Some(service)) => format!("{service}.{method}"),
            _ => self.route.clone(),
        }
    }

    /// The Odoo error the call got, if any.
    pub fn error(&self) -> Option<&rpc::OdooError> {
        match &self.answer {
            Answer::Error(error) => Some(error),
            _ => None,
        }
    }

    /// True when the call failed: an Odoo error, an unexpected body or an HTTP error status.
    pub fn failed(&self) -> bool {
        matches!(self.answer, Answer::Error(_) | Answer::Unexpected(_))
            || self.status.is_some_and(|s| s >= 400)
    }
}

/// Recognises what an exchange is. Never fails: what is not Odoo is [`Kind::NotOdoo`].
pub fn classify(exchange: &Exchange) -> OdooCall {
    let path = exchange.request.path();
    let post = exchange.request.method.eq_ignore_ascii_case("POST");
    let route_kind = if post { post_route_kind(path) } else { None };
    let kind = match route_kind {
        Some(kind) => kind,
        None if !post && is_web_page(exchange, path) => Kind::WebPage,
        None if post && json_rpc_envelope(&exchange.request).is_some() => Kind::OtherRpc,
        None => Kind::NotOdoo,
    };
    let mut call = OdooCall::new(kind, path, exchange);
    match kind {
        Kind::NotOdoo | Kind::WebPage => {}
        Kind::WebLogin => read_login_form(&mut call, exchange),
        Kind::XmlRpc => read_xml_rpc(&mut call, exchange),
        Kind::Json2 => read_json2(&mut call, exchange, path),
        _ => {
            if let Some(envelope) = json_rpc_envelope(&exchange.request) {
                read_json_rpc(&mut call, envelope);
            }
        }
    }
    call.answer = answer(kind, exchange);
    call
}

fn post_route_kind(path: &str) -> Option<Kind> {
    let kind = if let Some(rest) = path.strip_prefix("/web/dataset/") {
        match rest.split('/').next().unwrap_or("") {
            "call_kw" => Kind::CallKw,
            "call_button" => Kind::CallButton,
            "search_read" => Kind::SearchRead,
            _ => Kind::Dataset,
        }
    } else if let Some(rest) = path.strip_prefix("/web/action/") {
        match rest {
            "load" => Kind::ActionLoad,
            "run" => Kind::ActionRun,
            _ => Kind::Action,
        }
    } else if let Some(rest) = path.strip_prefix("/web/session/") {
        match rest {
            "authenticate" => Kind::Authenticate,
            "get_session_info" => Kind::SessionInfo,
            _ => Kind::Session,
        }
    } else if path == "/web/webclient/version_info" {
        Kind::VersionInfo
    } else if path == "/web/login" {
        Kind::WebLogin
    } else if path == "/jsonrpc" {
        Kind::JsonRpc
    } else if path.starts_with("/xmlrpc/") {
        Kind::XmlRpc
    } else if path.starts_with("/json/2/") {
        Kind::Json2
    } else {
        return None;
    };
    Some(kind)
}

/// True when [`classify`] may read the response body of this request: an Odoo route's
/// answer, or a page that may embed the session info. A streamed import skips the others'
/// bodies (assets, images), which are most of a capture's bytes.
pub fn reads_response(request: &Request) -> bool {
    let path = request.path();
    if !request.method.eq_ignore_ascii_case("POST") {
        return is_page_route(path);
    }
    post_route_kind(path).is_some() || json_rpc_envelope(request).is_some()
}

fn is_page_route(path: &str) -> bool {
    path == "/web" || path == "/odoo" || path.starts_with("/odoo/") || path == "/"
}

/// The web client page (`/web` up to 17, `/odoo…` from 18) carrying the session info.
fn is_web_page(exchange: &Exchange, path: &str) -> bool {
    is_page_route(path)
        && exchange
            .response
            .as_ref()
            .and_then(|r| r.body.as_ref())
            .is_some_and(|b| memchr::memmem::find(&b.bytes, b"session_info").is_some())
}

/// The request body as a JSON-RPC envelope: a JSON object whose `params` is an object.
fn json_rpc_envelope(request: &Request) -> Option<Map<String, Value>> {
    let body = request.body.as_ref()?;
    let first = body.bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    match serde_json::from_slice::<Value>(&body.bytes).ok()? {
        Value::Object(envelope) if envelope.get("params").is_some_and(Value::is_object) => {
            Some(envelope)
        }
        _ => None,
    }
}

fn take_string(map: &mut Map<String, Value>, key: &str) -> Option<String> {
    match map.remove(key) {
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            map.insert(key.to_string(), other);
            None
        }
        None => None,
    }
}

fn take_context(map: &mut Map<String, Value>, key: &str) -> Option<Map<String, Value>> {
    match map.remove(key)? {
        Value::Object(context) => Some(context),
        _ => None,
    }
}

fn read_json_rpc(call: &mut OdooCall, mut envelope: Map<String, Value>) {
    call.rpc_id = envelope.remove("id");
    let Some(Value::Object(mut params)) = envelope.remove("params") else {
        return;
    };
    match call.kind {
        Kind::CallKw | Kind::CallButton | Kind::Dataset => {
            call.model = take_string(&mut params, "model");
            call.method = take_string(&mut params, "method");
            if let Some(Value::Array(args)) = params.remove("args") {
                call.args = args;
            }
            if let Some(Value::Object(mut kwargs)) = params.remove("kwargs") {
                call.context = take_context(&mut kwargs, "context");
                call.context_path = "params.kwargs.context";
                call.kwargs = kwargs;
            }
            if call.kind == Kind::Dataset && call.method.is_none() {
                call.method = call.route.rsplit('/').next().map(str::to_string);
            }
            call.params = params;
        }
        Kind::SearchRead => {
            // ≤16: params {model, fields, domain, offset, limit, sort, context}; it is the
            // model's search_read in every way that matters to a caller.
            call.model = take_string(&mut params, "model");
            call.method = Some("search_read".into());
            call.context = take_context(&mut params, "context");
            call.context_path = "params.context";
            call.kwargs = params;
        }
        Kind::JsonRpc => read_external(
            call,
            take_string(&mut params, "service"),
            take_string(&mut params, "method"),
            match params.remove("args") {
                Some(Value::Array(args)) => args,
                _ => Vec::new(),
            },
        ),
        _ => {
            // 14–16 pass the context as a top-level param of action routes; 18+ too, as `context`.
            call.context_path = "params.context";
            call.context = take_context(&mut params, "context");
            if call.context.is_none() {
                call.context = take_context(&mut params, "additional_context");
                call.context_path = "params.additional_context";
            }
            if call.kind == Kind::OtherRpc {
                call.model = take_string(&mut params, "model");
                call.method = take_string(&mut params, "method");
            } else if matches!(call.kind, Kind::Session | Kind::Action) {
                call.method = call.route.rsplit('/').next().map(str::to_string);
            }
            if call.kind == Kind::Authenticate {
                // The password is a secret: never keep it beyond "it was there".
                if params.remove("password").is_some() {
                    params.insert("password".into(), Value::String("***".into()));
                }
            }
            call.params = params;
        }
    }
}

/// `/jsonrpc` and `/xmlrpc` calls: `common.login(db, login, password)`,
/// `object.execute_kw(db, uid, password, model, method, args, kwargs)`,
/// `object.execute(db, uid, password, model, method, *args)`, `db.*(…)`.
fn read_external(
    call: &mut OdooCall,
    service: Option<String>,
    method: Option<String>,
    args: Vec<Value>,
) {
    let mut args = args.into_iter();
    match (service.as_deref(), method.as_deref()) {
        (Some("object"), Some(object_method @ ("execute_kw" | "execute"))) => {
            let db = args.next().and_then(|v| v.as_str().map(str::to_string));
            let uid = args
                .next()
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
            let secret = SecretShape::of(args.next());
            call.credentials = Some(Credentials {
                db,
                uid,
                login: None,
                secret,
            });
            call.model = args.next().and_then(|v| v.as_str().map(str::to_string));
            call.method = args.next().and_then(|v| v.as_str().map(str::to_string));
            if object_method == "execute_kw" {
                if let Some(Value::Array(model_args)) = args.next() {
                    call.args = model_args;
                }
                if let Some(Value::Object(mut kwargs)) = args.next() {
                    call.context = take_context(&mut kwargs, "context");
                    call.context_path = "params.args[6].context";
                    call.kwargs = kwargs;
                }
            } else {
                call.args = args.collect();
            }
        }
        (Some("common"), Some("login" | "authenticate")) => {
            let db = args.next().and_then(|v| v.as_str().map(str::to_string));
            let login = args.next().and_then(|v| v.as_str().map(str::to_string));
            let secret = SecretShape::of(args.next());
            call.credentials = Some(Credentials {
                db,
                uid: None,
                login,
                secret,
            });
            call.method = method;
        }
        _ => {
            call.method = method;
            call.args = args.collect();
        }
    }
    call.service = service;
}

fn read_xml_rpc(call: &mut OdooCall, exchange: &Exchange) {
    // /xmlrpc/2/object or /xmlrpc/object: the service is the last path segment.
    let service = call.route.rsplit('/').next().map(str::to_string);
    let Some(text) = exchange.request.body.as_ref().and_then(|b| b.text()) else {
        return;
    };
    if let Ok(xmlrpc::Message::Call { method, params }) = xmlrpc::parse(text) {
        read_external(call, service, Some(method), params);
    } else {
        call.service = service;
    }
}

fn read_json2(call: &mut OdooCall, exchange: &Exchange, path: &str) {
    let mut segments = path.trim_start_matches("/json/2/").splitn(2, '/');
    call.model = segments
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    call.method = segments
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let body = exchange
        .request
        .body
        .as_ref()
        .map(|b| b.bytes.as_slice())
        .unwrap_or(b"");
    if let Ok(Value::Object(mut named)) = serde_json::from_slice::<Value>(body) {
        call.ids = named.remove("ids");
        call.context = take_context(&mut named, "context");
        call.context_path = "body.context";
        call.kwargs = named;
    }
    call.credentials = Some(Credentials {
        db: exchange
            .request
            .header("X-Odoo-Database")
            .map(str::to_string),
        uid: None,
        login: None,
        secret: exchange
            .request
            .header("Authorization")
            .map(|_| SecretShape::ApiKey),
    });
}

fn read_login_form(call: &mut OdooCall, exchange: &Exchange) {
    let Some(body) = exchange.request.body.as_ref() else {
        return;
    };
    for (name, value) in url::form_urlencoded::parse(&body.bytes) {
        let value = match &*name {
            "password" | "csrf_token" => Value::String("***".into()),
            _ => Value::String(value.into_owned()),
        };
        call.params.insert(name.into_owned(), value);
    }
}

/// The result a call got, parsed on demand: JSON-RPC `result`, a JSON-2 value, an XML-RPC
/// response value. `None` when there is no result (no response, an error, not JSON).
pub fn result_value(call: &OdooCall, exchange: &Exchange) -> Option<Value> {
    if call.answer != Answer::Result {
        return None;
    }
    let body = exchange.response.as_ref()?.body.as_ref()?;
    match call.kind {
        Kind::Json2 => serde_json::from_slice(&body.bytes).ok(),
        Kind::XmlRpc => match xmlrpc::parse(body.text()?).ok()? {
            xmlrpc::Message::Response(value) => Some(value),
            _ => None,
        },
        _ => match serde_json::from_slice::<Value>(&body.bytes).ok()? {
            Value::Object(mut envelope) => envelope.remove("result"),
            _ => None,
        },
    }
}

fn answer(kind: Kind, exchange: &Exchange) -> Answer {
    let Some(response) = &exchange.response else {
        return Answer::None;
    };
    let body = response
        .body
        .as_ref()
        .map(|b| b.bytes.as_slice())
        .unwrap_or(b"");
    match kind {
        Kind::NotOdoo | Kind::WebPage | Kind::WebLogin => Answer::Result,
        Kind::Json2 => rpc::json2_answer(response.status, body),
        Kind::XmlRpc => rpc::xml_rpc_answer(body),
        _ if body.is_empty() && response.body.is_none() => Answer::None,
        _ => rpc::json_rpc_answer(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::NameValue;
    use serde_json::json;

    #[test]
    fn a_body_that_is_not_utf8_is_no_answer() {
        // A HAR keeps such a body as bytes (capture::har's tests); read, it is no JSON-RPC.
        let mut exchange = crate::capture::test_exchange(
            0,
            "POST",
            "http://o/web/dataset/call_kw/res.users/read",
            r#"{"params":{}}"#,
            Some((200, "")),
        );
        if let Some(response) = exchange.response.as_mut() {
            response.body = Some(crate::capture::Body {
                mime_type: Some("application/json".into()),
                bytes: vec![0xff, 0xf0],
            });
        }
        let call = classify(&exchange);
        assert!(
            matches!(call.answer, Answer::Unexpected(_)),
            "{:?}",
            call.answer
        );
    }

    #[test]
    fn every_kind_is_read_back_from_its_name() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
        }
        let names: std::collections::BTreeSet<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), Kind::ALL.len());
        assert_eq!(
            serde_json::from_value::<Kind>(json!("json2")).unwrap(),
            Kind::Json2
        );
        let unknown = serde_json::from_value::<Kind>(json!("rpc")).unwrap_err();
        assert!(
            unknown.to_string().contains("`rpc` is not a kind of call"),
            "{unknown}"
        );
    }

    fn exchange(method: &str, url: &str, body: &str, response: Option<(u16, &str)>) -> Exchange {
        let mut exchange = crate::capture::test_exchange(0, method, url, body, response);
        exchange.request.headers = vec![
            NameValue::new("Authorization", "bearer k"),
            NameValue::new("X-Odoo-Database", "db19"),
        ];
        exchange
    }

    fn post(url: &str, body: &str) -> OdooCall {
        classify(&exchange("POST", url, body, None))
    }

    #[test]
    fn call_kw_takes_model_and_method_from_params_not_the_url() {
        // Odoo 16 posts some calls to the bare route, and the suffix is only cosmetic.
        let body = r#"{"id":9,"jsonrpc":"2.0","method":"call","params":{"args":[[2],["name"]],"model":"res.users","method":"read","kwargs":{"context":{"uid":2,"lang":"en_US"}}}}"#;
        for url in [
            "http://h/web/dataset/call_kw/",
            "http://h/web/dataset/call_kw",
            "http://h/web/dataset/call_kw/other.model/other",
        ] {
            let call = post(url, body);
            assert_eq!(call.kind, Kind::CallKw);
            assert_eq!(call.name(), "res.users.read");
            assert_eq!(call.args, vec![json!([2]), json!(["name"])]);
            assert_eq!(call.context.as_ref().unwrap()["uid"], json!(2));
            assert_eq!(call.rpc_id, Some(json!(9)));
        }
    }

    #[test]
    fn call_button_in_both_forms() {
        let body = r#"{"params":{"args":[[7]],"kwargs":{"context":{}},"method":"action_confirm","model":"sale.order"}}"#;
        assert_eq!(
            post("http://h/web/dataset/call_button", body).kind,
            Kind::CallButton
        );
        let call = post(
            "http://h/web/dataset/call_button/sale.order/action_confirm",
            body,
        );
        assert_eq!(
            (call.kind, call.name()),
            (Kind::CallButton, "sale.order.action_confirm".to_string())
        );
    }

    #[test]
    fn legacy_search_read_is_a_search_read_on_the_model() {
        let call = post(
            "http://h/web/dataset/search_read",
            r#"{"params":{"model":"res.partner","fields":["name"],"domain":[["id","in",[1]]],"limit":80,"sort":"","context":{"lang":"fr_BE"}}}"#,
        );
        assert_eq!(
            (call.kind, call.name()),
            (Kind::SearchRead, "res.partner.search_read".to_string())
        );
        assert_eq!(call.kwargs["limit"], json!(80));
        assert_eq!(call.context.unwrap()["lang"], json!("fr_BE"));
    }

    #[test]
    fn action_and_session_routes() {
        let call = post(
            "http://h/web/action/load",
            r#"{"params":{"action_id":"base.action_res_users","additional_context":{"uid":2}}}"#,
        );
        assert_eq!(call.kind, Kind::ActionLoad);
        assert_eq!(call.params["action_id"], json!("base.action_res_users"));
        assert_eq!(call.context.unwrap()["uid"], json!(2));
        let call = post(
            "http://h/web/session/authenticate",
            r#"{"params":{"db":"d","login":"admin","password":"secret"}}"#,
        );
        assert_eq!(call.kind, Kind::Authenticate);
        assert_eq!(call.params["password"], json!("***"));
        assert_eq!(
            post("http://h/web/session/get_session_info", r#"{"params":{}}"#).kind,
            Kind::SessionInfo
        );
        let call = post("http://h/web/session/destroy", r#"{"params":{}}"#);
        assert_eq!(
            (call.kind, call.method.as_deref()),
            (Kind::Session, Some("destroy"))
        );
        assert_eq!(
            post("http://h/web/webclient/version_info", r#"{"params":{}}"#).kind,
            Kind::VersionInfo
        );
    }

    #[test]
    fn external_json_rpc_execute_kw_and_execute() {
        let call = post(
            "http://h/jsonrpc",
            r#"{"jsonrpc":"2.0","method":"call","params":{"service":"object","method":"execute_kw","args":["db",2,"pw","res.partner","search_read",[[["is_company","=",true]]],{"fields":["name"],"context":{"lang":"en_US"}}]},"id":6}"#,
        );
        assert_eq!(
            (call.kind, call.name()),
            (Kind::JsonRpc, "res.partner.search_read".to_string())
        );
        assert_eq!(
            call.credentials,
            Some(Credentials {
                db: Some("db".into()),
                uid: Some(2),
                login: None,
                secret: Some(SecretShape::Password)
            })
        );
        assert_eq!(call.args, vec![json!([["is_company", "=", true]])]);
        assert_eq!(call.kwargs["fields"], json!(["name"]));
        assert_eq!(call.context.unwrap()["lang"], json!("en_US"));
        let call = post(
            "http://h/jsonrpc",
            r#"{"params":{"service":"object","method":"execute","args":["db",2,"pw","res.partner","search",[["id",">",1]],0,5]}}"#,
        );
        assert_eq!(call.args, vec![json!([["id", ">", 1]]), json!(0), json!(5)]);
        let call = post(
            "http://h/jsonrpc",
            r#"{"params":{"service":"common","method":"login","args":["db","admin","pw"]}}"#,
        );
        assert_eq!(call.name(), "common.login");
        assert_eq!(call.credentials.unwrap().login.as_deref(), Some("admin"));
        assert_eq!(
            post(
                "http://h/jsonrpc",
                r#"{"params":{"service":"db","method":"list","args":[]}}"#
            )
            .name(),
            "db.list"
        );
    }

    #[test]
    fn xml_rpc_is_read_like_its_json_twin() {
        let body = "<?xml version=\"1.0\"?><methodCall><methodName>execute_kw</methodName><params><param><value><string>db</string></value></param><param><value><int>2</int></value></param><param><value><string>pw</string></value></param><param><value><string>res.partner</string></value></param><param><value><string>search_count</string></value></param><param><value><array><data><value><array><data></data></array></value></data></array></value></param></params></methodCall>";
        let call = post("http://h/xmlrpc/2/object", body);
        assert_eq!(
            (call.kind, call.name()),
            (Kind::XmlRpc, "res.partner.search_count".to_string())
        );
        assert_eq!(call.service.as_deref(), Some("object"));
        assert_eq!(call.credentials.unwrap().uid, Some(2));
    }

    #[test]
    fn json2_reads_ids_context_named_arguments_and_headers() {
        let call = classify(&exchange(
            "POST",
            "http://h/json/2/res.partner/read",
            r#"{"ids":[9],"fields":["name"],"context":{"lang":"en_US"}}"#,
            Some((
                404,
                r#"{"name":"odoo.exceptions.MissingError","message":"Record does not exist","arguments":[],"context":{},"debug":""}"#,
            )),
        ));
        assert_eq!(
            (call.kind, call.name()),
            (Kind::Json2, "res.partner.read".to_string())
        );
        assert_eq!(call.ids, Some(json!([9])));
        assert_eq!(call.kwargs["fields"], json!(["name"]));
        assert_eq!(
            call.credentials.as_ref().unwrap().db.as_deref(),
            Some("db19")
        );
        assert_eq!(
            call.error().unwrap().label(),
            "odoo.exceptions.MissingError"
        );
        assert!(call.failed());
    }

    #[test]
    fn login_form_page_and_assets() {
        let call = post(
            "http://h/web/login",
            "csrf_token=abc&login=admin&password=admin&redirect=",
        );
        assert_eq!(call.kind, Kind::WebLogin);
        assert_eq!(call.params["login"], json!("admin"));
        assert_eq!(call.params["password"], json!("***"));
        assert_eq!(call.params["csrf_token"], json!("***"));
        let page = classify(&exchange(
            "GET",
            "http://h/odoo",
            "",
            Some((200, "<script>odoo.__session_info__ = {};</script>")),
        ));
        assert_eq!(page.kind, Kind::WebPage);
        let asset = classify(&exchange(
            "GET",
            "http://h/web/assets/1/web.assets_web.min.js",
            "",
            Some((200, "x")),
        ));
        assert_eq!(asset.kind, Kind::NotOdoo);
        let menus = classify(&exchange(
            "GET",
            "http://h/web/webclient/load_menus/abc",
            "",
            Some((200, "{}")),
        ));
        assert_eq!(menus.kind, Kind::NotOdoo);
    }

    #[test]
    fn other_json_rpc_routes_are_recognised_by_their_envelope() {
        let call = post(
            "http://h/mail/init_messaging",
            r#"{"id":3,"jsonrpc":"2.0","method":"call","params":{"context":{"uid":2}}}"#,
        );
        assert_eq!(call.kind, Kind::OtherRpc);
        assert_eq!(call.context.unwrap()["uid"], json!(2));
        assert_eq!(post("http://h/upload", "not json").kind, Kind::NotOdoo);
    }
}
