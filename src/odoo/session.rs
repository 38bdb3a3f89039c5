//! Who the user was: uid, database, login, name, context, company and server version,
//! discovered from a capture, each with where it was found.
//!
//! Every place a value can sit is collected as a [`Finding`] with a rank that says how far
//! it can be trusted (odoo-protocol.md §2, §8.3): what the server answered to a login beats
//! the session info it embedded in the page, which beats what the client echoed in a call's
//! context. The best finding is shown; different values of one field are reported as a
//! conflict, never hidden.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};

use super::call::{Kind, OdooCall, SecretShape, result_value};
use crate::capture::{Exchange, Source};

/// A fact about the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Url,
    Db,
    Uid,
    Login,
    Name,
    /// The user's own partner (`res.partner`), which answers about the user echo.
    Partner,
    Lang,
    Tz,
    AllowedCompanyIds,
    Company,
    CompanyName,
    ServerVersion,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::Url,
        Field::Db,
        Field::Uid,
        Field::Login,
        Field::Name,
        Field::Partner,
        Field::Lang,
        Field::Tz,
        Field::AllowedCompanyIds,
        Field::Company,
        Field::CompanyName,
        Field::ServerVersion,
    ];

    /// The key used in JSON output.
    pub fn key(self) -> &'static str {
        match self {
            Field::Url => "url",
            Field::Db => "db",
            Field::Uid => "uid",
            Field::Login => "login",
            Field::Name => "name",
            Field::Partner => "partner_id",
            Field::Lang => "lang",
            Field::Tz => "tz",
            Field::AllowedCompanyIds => "allowed_company_ids",
            Field::Company => "company_id",
            Field::CompanyName => "company_name",
            Field::ServerVersion => "server_version",
        }
    }
}

/// How far a finding can be trusted; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trust {
    /// The `/web/session/authenticate` answer.
    Authenticate,
    /// The `/web/session/get_session_info` answer.
    SessionInfo,
    /// `odoo.__session_info__` (15+) or `odoo.session_info` (14) in the `/web` page.
    Page,
    /// The context the web client sent with a call, or its cookies.
    CallContext,
    /// External API arguments and answers (`common.login`, `execute_kw`, `context_get`).
    ExternalApi,
    /// Headers, login forms and URL queries.
    Request,
    /// A fallback that is not compared for conflicts (`web.base.url`, the version a route
    /// set implies).
    Inferred,
}

/// Where in a capture something was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub source: Source,
    /// What inside the entry: `request params.kwargs.context.uid`, `response html odoo.__session_info__.db`.
    pub place: String,
}

impl Provenance {
    fn new(exchange: &Exchange, place: impl Into<String>) -> Self {
        Provenance {
            source: exchange.source.clone(),
            place: place.into(),
        }
    }

    /// `entry 9 response result.uid`, prefixed with the file when several were read.
    pub fn describe(&self, with_file: bool) -> String {
        if with_file {
            format!(
                "{} entry {} {}",
                self.source.file, self.source.entry, self.place
            )
        } else {
            format!("entry {} {}", self.source.entry, self.place)
        }
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(false))
    }
}

/// A value found for a field.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub value: Value,
    pub trust: Trust,
    pub at: Provenance,
}

/// A secret seen in the capture. Its value is never kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    SessionCookie,
    Password,
    ApiKey,
    CsrfToken,
}

impl SecretKind {
    pub const ALL: [SecretKind; 4] = [
        SecretKind::SessionCookie,
        SecretKind::Password,
        SecretKind::ApiKey,
        SecretKind::CsrfToken,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SecretKind::SessionCookie => "session_cookie",
            SecretKind::Password => "password",
            SecretKind::ApiKey => "api_key",
            SecretKind::CsrfToken => "csrf_token",
        }
    }
}

/// Everything discovered about the session.
///
/// What is kept is what is shown, so that it stays small however long the capture: each
/// field's best finding, its distinct values with the places each was found (what
/// conflicts list), and each secret's first place and count. Places are kept as numbers
/// into lists of the files and descriptions seen.
#[derive(Debug, Default)]
pub struct Identity {
    /// The most trusted finding of each field, the earliest among equals.
    best: BTreeMap<Field, Finding>,
    /// Each field's distinct values among the findings compared (below `Trust::Inferred`),
    /// in the order they were first found, each with every place it was found.
    compared: BTreeMap<Field, Vec<(Value, Places)>>,
    /// Each secret's first place, and how many places it was seen at.
    secrets: BTreeMap<SecretKind, (Provenance, usize)>,
    files: Vec<std::sync::Arc<str>>,
    descriptions: Vec<String>,
    description_ids: std::collections::HashMap<String, u64>,
    /// Web-client calls (which a browser sends with a session cookie).
    pub web_calls: usize,
    /// All Odoo calls seen.
    pub odoo_calls: usize,
}

/// A [`Provenance`] as an [`Identity`] keeps it: indexes into its files and descriptions.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Place {
    file: u64,
    entry: u64,
    description: u64,
}

/// Places in the order found, packed: each as its file, its description and its entry's
/// distance from the previous place's, in LEB128 (a few bytes where a [`Provenance`] takes
/// a hundred, for a field found in every call of a long capture), and places that repeat
/// the one before at the same distance (the uid of every call in a row) as a count.
#[derive(Debug, Default)]
struct Places {
    bytes: Vec<u8>,
    last_entry: u64,
    /// The last place's file, description and distance, not yet written, and how many
    /// more places repeated it.
    pending: Option<([u64; 3], u64)>,
}

impl Places {
    fn push(&mut self, place: Place) {
        let step = place.entry.wrapping_sub(self.last_entry);
        self.last_entry = place.entry;
        let record = [place.file, place.description, step];
        match &mut self.pending {
            Some((last, repeats)) if *last == record => *repeats += 1,
            _ => {
                self.flush();
                self.pending = Some((record, 0));
            }
        }
    }

    fn flush(&mut self) {
        let Some(([file, description, step], repeats)) = self.pending.take() else {
            return;
        };
        for mut n in [file, description, step, repeats] {
            while n >= 0x80 {
                self.bytes.push((n as u8) | 0x80);
                n >>= 7;
            }
            self.bytes.push(n as u8);
        }
    }

    fn iter(&self) -> impl Iterator<Item = Place> + '_ {
        let mut bytes = self.bytes.iter();
        let mut next = move || {
            let (mut n, mut shift) = (0u64, 0);
            loop {
                let byte = *bytes.next()?;
                n |= u64::from(byte & 0x7f) << shift;
                if byte < 0x80 {
                    return Some(n);
                }
                shift += 7;
            }
        };
        let mut written = std::iter::from_fn(move || Some([next()?, next()?, next()?, next()?]));
        let mut pending = self.pending.map(|(r, n)| [r[0], r[1], r[2], n]);
        let mut entry = 0u64;
        let mut current: Option<([u64; 4], u64)> = None;
        std::iter::from_fn(move || {
            loop {
                if let Some(([file, description, step, repeats], done)) = &mut current
                    && *done <= *repeats
                {
                    *done += 1;
                    entry = entry.wrapping_add(*step);
                    return Some(Place {
                        file: *file,
                        entry,
                        description: *description,
                    });
                }
                current = Some((written.next().or_else(|| pending.take())?, 0));
            }
        })
    }
}

/// [`Identity::discover`] one exchange at a time, for captures read as a stream: nothing of
/// an exchange is kept but what it taught.
#[derive(Debug, Default)]
pub struct Discovery {
    identity: Identity,
    hints: VersionHints,
    /// Each capture seen, in order, with how many entries it had so far.
    files: Vec<(std::sync::Arc<str>, usize)>,
}

impl Discovery {
    /// Learns what an exchange and its recognised call say.
    pub fn observe(&mut self, exchange: &Exchange, call: &OdooCall) {
        let file = &exchange.source.file;
        match self.files.last_mut() {
            Some((last, count)) if std::sync::Arc::ptr_eq(last, file) => {
                *count = (*count).max(exchange.source.entry + 1);
            }
            _ => self.files.push((file.clone(), exchange.source.entry + 1)),
        }
        let identity = &mut self.identity;
        identity.learn_from_request(exchange);
        if call.kind == Kind::NotOdoo {
            return;
        }
        identity.odoo_calls += 1;
        self.hints.observe(call, exchange);
        identity.learn_from_call(exchange, call);
    }

    /// What was learnt, with the server version inferred from the routes when no answer
    /// stated it.
    pub fn finish(self) -> Identity {
        let mut identity = self.identity;
        if identity.best(Field::ServerVersion).is_none()
            && let Some((version, why, index)) = self.hints.best()
            // The first exchange with that entry number: that of the first capture that
            // had as many entries.
            && let Some((file, _)) = self.files.iter().find(|(_, count)| *count > index)
        {
            let source = Source {
                file: file.clone(),
                entry: index,
            };
            identity.add(
                Field::ServerVersion,
                json!(version),
                Trust::Inferred,
                Provenance { source, place: why },
            );
        }
        identity
    }
}

/// Distinct values of one field, each with the places it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub field: Field,
    pub values: Vec<(Value, Vec<Provenance>)>,
}

impl Identity {
    /// Looks through every exchange and its recognised call.
    pub fn discover(exchanges: &[Exchange], calls: &[OdooCall]) -> Identity {
        let mut discovery = Discovery::default();
        for (exchange, call) in exchanges.iter().zip(calls) {
            discovery.observe(exchange, call);
        }
        discovery.finish()
    }

    fn add(&mut self, field: Field, value: Value, trust: Trust, at: Provenance) {
        if value.is_null() || value == Value::Bool(false) || value == json!("") {
            return;
        }
        if trust < Trust::Inferred {
            let place = self.place(&at);
            let values = self.compared.entry(field).or_default();
            match values.iter_mut().find(|(v, _)| *v == value) {
                Some((_, places)) => places.push(place),
                None => {
                    let mut places = Places::default();
                    places.push(place);
                    values.push((value.clone(), places));
                }
            }
        }
        // Findings come in capture order: only a strictly more trusted one replaces the best.
        if self.best.get(&field).is_none_or(|best| trust < best.trust) {
            self.best.insert(field, Finding { value, trust, at });
        }
    }

    fn secret(&mut self, kind: SecretKind, at: Provenance) {
        self.secrets.entry(kind).or_insert((at, 0)).1 += 1;
    }

    /// The place as numbers, its file and description stored once.
    fn place(&mut self, at: &Provenance) -> Place {
        let file = match self
            .files
            .iter()
            .rposition(|f| std::sync::Arc::ptr_eq(f, &at.source.file))
        {
            Some(index) => index,
            None => {
                self.files.push(at.source.file.clone());
                self.files.len() - 1
            }
        };
        let description = match self.description_ids.get(&at.place) {
            Some(id) => *id,
            None => {
                let id = self.descriptions.len() as u64;
                self.descriptions.push(at.place.clone());
                self.description_ids.insert(at.place.clone(), id);
                id
            }
        };
        Place {
            file: file as u64,
            entry: at.source.entry as u64,
            description,
        }
    }

    fn provenance(&self, place: Place) -> Provenance {
        Provenance {
            source: Source {
                file: self.files[place.file as usize].clone(),
                entry: place.entry as usize,
            },
            place: self.descriptions[place.description as usize].clone(),
        }
    }

    /// The most trusted value found for a field (the earliest among equals).
    pub fn best(&self, field: Field) -> Option<&Finding> {
        self.best.get(&field)
    }

    /// Where a secret was first seen, and at how many places in all (none when it was not).
    pub fn secret_seen(&self, kind: SecretKind) -> Option<(&Provenance, usize)> {
        self.secrets
            .get(&kind)
            .map(|(first, count)| (first, *count))
    }

    /// Fields found with more than one value, among the findings that are compared.
    pub fn conflicts(&self) -> Vec<Conflict> {
        self.compared
            .iter()
            .filter(|(_, values)| values.len() > 1)
            .map(|(field, values)| Conflict {
                field: *field,
                values: values
                    .iter()
                    .map(|(value, places)| {
                        let places = places.iter().map(|p| self.provenance(p)).collect();
                        (value.clone(), places)
                    })
                    .collect(),
            })
            .collect()
    }

    /// Advice for what the capture does not say.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.odoo_calls == 0 {
            notes.push("no Odoo calls in this capture: record the Network tab while you use the Odoo web client, then \"Save all as HAR\"".into());
            return notes;
        }
        if self.best(Field::Db).is_none() {
            notes.push("the database name is not in this capture: open the web client with ?debug=1 (it shows next to your name, top right), or ask the server with POST /web/database/list (JSON-RPC, params {}) or db.list on /jsonrpc".into());
        }
        if self.best(Field::Uid).is_none() {
            notes.push("no uid in this capture: record the Network tab while you open Preferences (the request res.users/read carries params.kwargs.context.uid), or call common.login on /jsonrpc".into());
        }
        if self.web_calls > 0 && self.secret_seen(SecretKind::SessionCookie).is_none() {
            notes.push("no session cookie in this capture: Chrome's default export (\"Export HAR (sanitized)\") leaves cookies out. Nothing here needs it; replaying logs in again".into());
        }
        notes
    }

    /// What any request can tell: session cookies, API keys, `?db=` in web URLs.
    fn learn_from_request(&mut self, exchange: &Exchange) {
        let request = &exchange.request;
        if request.cookie("session_id").is_some() {
            self.secret(
                SecretKind::SessionCookie,
                Provenance::new(exchange, "request cookie session_id"),
            );
        }
        if request.header("X-Openerp-Session-Id").is_some() {
            self.secret(
                SecretKind::SessionCookie,
                Provenance::new(exchange, "request header X-Openerp-Session-Id"),
            );
        }
        if let Some(response) = &exchange.response
            && response
                .cookies
                .iter()
                .any(|c| c.name == "session_id" && !c.value.is_empty())
        {
            self.secret(
                SecretKind::SessionCookie,
                Provenance::new(exchange, "response Set-Cookie session_id"),
            );
        }
        if let Some(auth) = request.header("Authorization")
            && auth
                .get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("bearer "))
        {
            self.secret(
                SecretKind::ApiKey,
                Provenance::new(exchange, "request header Authorization"),
            );
        }
        let path = request.path();
        if (path.starts_with("/web") || path.starts_with("/odoo"))
            && let Some(query) = request.url.split_once('?').map(|(_, q)| q)
        {
            for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
                if name == "db" {
                    self.add(
                        Field::Db,
                        json!(value),
                        Trust::Request,
                        Provenance::new(exchange, "request url query db"),
                    );
                }
            }
        }
    }

    fn learn_from_call(&mut self, exchange: &Exchange, call: &OdooCall) {
        let origin = origin(&exchange.request.url);
        if let Some(origin) = origin {
            self.add(
                Field::Url,
                json!(origin),
                Trust::CallContext,
                Provenance::new(exchange, "request url"),
            );
        }
        if let Some(context) = &call.context {
            self.learn_from_context(exchange, context, call.context_path, Trust::CallContext);
        }
        if (call.kind.is_model_call()
            || matches!(
                call.kind,
                Kind::ActionLoad | Kind::ActionRun | Kind::Dataset
            ))
            && call.kind != Kind::Json2
        {
            self.web_calls += 1;
        }
        if let Some(cids) = exchange.request.cookie("cids") {
            let ids: Vec<i64> = cids
                .split([',', '-'])
                .filter_map(|id| id.trim().parse().ok())
                .collect();
            if !ids.is_empty() {
                self.add(
                    Field::AllowedCompanyIds,
                    json!(ids),
                    Trust::CallContext,
                    Provenance::new(exchange, "request cookie cids"),
                );
            }
        }
        match call.kind {
            Kind::Authenticate => {
                if let Some(info) = result_value(call, exchange) {
                    self.learn_from_session_info(
                        exchange,
                        &info,
                        "response result",
                        Trust::Authenticate,
                    );
                    for key in ["db", "login"] {
                        let field = if key == "db" { Field::Db } else { Field::Login };
                        if let Some(value) = call.params.get(key) {
                            self.add(
                                field,
                                value.clone(),
                                Trust::SessionInfo,
                                Provenance::new(exchange, format!("request params.{key}")),
                            );
                        }
                    }
                }
                if call.params.contains_key("password") {
                    self.secret(
                        SecretKind::Password,
                        Provenance::new(exchange, "request params.password"),
                    );
                }
            }
            Kind::SessionInfo => {
                if let Some(info) = result_value(call, exchange) {
                    self.learn_from_session_info(
                        exchange,
                        &info,
                        "response result",
                        Trust::SessionInfo,
                    );
                }
            }
            Kind::WebPage => self.learn_from_page(exchange),
            Kind::WebLogin => {
                if let Some(login) = call.params.get("login") {
                    self.add(
                        Field::Login,
                        login.clone(),
                        Trust::Request,
                        Provenance::new(exchange, "request form login"),
                    );
                }
                if call.params.contains_key("password") {
                    self.secret(
                        SecretKind::Password,
                        Provenance::new(exchange, "request form password"),
                    );
                }
                if call.params.contains_key("csrf_token") {
                    self.secret(
                        SecretKind::CsrfToken,
                        Provenance::new(exchange, "request form csrf_token"),
                    );
                }
            }
            Kind::VersionInfo => {
                if let Some(version) =
                    result_value(call, exchange).and_then(|v| v.get("server_version").cloned())
                {
                    self.add(
                        Field::ServerVersion,
                        version,
                        Trust::ExternalApi,
                        Provenance::new(exchange, "response result.server_version"),
                    );
                }
            }
            Kind::JsonRpc | Kind::XmlRpc => self.learn_from_external(exchange, call),
            Kind::Json2 => self.learn_from_json2(exchange, call),
            _ => {}
        }
    }

    fn learn_from_context(
        &mut self,
        exchange: &Exchange,
        context: &serde_json::Map<String, Value>,
        path: &str,
        trust: Trust,
    ) {
        let fields = [
            ("uid", Field::Uid),
            ("lang", Field::Lang),
            ("tz", Field::Tz),
            ("allowed_company_ids", Field::AllowedCompanyIds),
        ];
        for (key, field) in fields {
            if let Some(value) = context.get(key) {
                self.add(
                    field,
                    value.clone(),
                    trust,
                    Provenance::new(exchange, format!("request {path}.{key}")),
                );
            }
        }
        // From 15 on the first allowed company is the current one (company_service.js).
        if let Some(first) = context
            .get("allowed_company_ids")
            .and_then(|ids| ids.get(0))
        {
            self.add(
                Field::Company,
                first.clone(),
                Trust::ExternalApi,
                Provenance::new(exchange, format!("request {path}.allowed_company_ids[0]")),
            );
        }
    }

    /// `ir.http.session_info()`, as the authenticate answer, get_session_info or the page has it.
    fn learn_from_session_info(
        &mut self,
        exchange: &Exchange,
        info: &Value,
        prefix: &str,
        trust: Trust,
    ) {
        let at = |path: &str| Provenance::new(exchange, format!("{prefix}.{path}"));
        let direct = [
            ("uid", Field::Uid),
            ("db", Field::Db),
            ("username", Field::Login),
            ("name", Field::Name),
            ("partner_id", Field::Partner),
            ("server_version", Field::ServerVersion),
        ];
        for (key, field) in direct {
            if let Some(value) = info.get(key) {
                self.add(field, value.clone(), trust, at(key));
            }
        }
        if let Some(user_context) = info.get("user_context") {
            for (key, field) in [("lang", Field::Lang), ("tz", Field::Tz)] {
                if let Some(value) = user_context.get(key) {
                    self.add(
                        field,
                        value.clone(),
                        trust,
                        at(&format!("user_context.{key}")),
                    );
                }
            }
        }
        if let Some(base_url) = info.get("web.base.url") {
            self.add(
                Field::Url,
                base_url.clone(),
                Trust::Inferred,
                at("web.base.url"),
            );
        }
        self.learn_from_companies(info, trust, &at);
    }

    /// The current company: `user_companies.current_company` is `[id, name]` in 14 and an id
    /// from 15 on, with names in `allowed_companies` (a list in 14, a map by id from 15).
    fn learn_from_companies(
        &mut self,
        info: &Value,
        trust: Trust,
        at: &dyn Fn(&str) -> Provenance,
    ) {
        let Some(companies) = info.get("user_companies") else {
            if let Some(id) = info.get("company_id") {
                self.add(Field::Company, id.clone(), trust, at("company_id"));
            }
            return;
        };
        let current = companies.get("current_company");
        let (id, name) = match current {
            Some(Value::Array(pair)) => (pair.first().cloned(), pair.get(1).cloned()),
            Some(id) => (Some(id.clone()), None),
            None => (None, None),
        };
        let Some(id) = id else { return };
        self.add(
            Field::Company,
            id.clone(),
            trust,
            at("user_companies.current_company"),
        );
        let name = name.or_else(|| {
            let allowed = companies.get("allowed_companies")?;
            match allowed {
                Value::Object(by_id) => by_id.get(&id.to_string())?.get("name").cloned(),
                Value::Array(list) => list.iter().find(|c| c.get(0) == Some(&id))?.get(1).cloned(),
                _ => None,
            }
        });
        if let Some(name) = name {
            self.add(Field::CompanyName, name, trust, at("user_companies"));
        }
    }

    fn learn_from_page(&mut self, exchange: &Exchange) {
        let Some(html) = exchange
            .response
            .as_ref()
            .and_then(|r| r.body.as_ref())
            .and_then(|b| b.text())
        else {
            return;
        };
        for marker in ["odoo.__session_info__", "odoo.session_info"] {
            if let Some(info) = embedded_json(html, marker) {
                self.learn_from_session_info(
                    exchange,
                    &info,
                    &format!("response html {marker}"),
                    Trust::Page,
                );
                return;
            }
        }
    }

    fn learn_from_external(&mut self, exchange: &Exchange, call: &OdooCall) {
        let Some(credentials) = &call.credentials else {
            if call.service.as_deref() == Some("common")
                && call.method.as_deref() == Some("version")
                && let Some(version) =
                    result_value(call, exchange).and_then(|v| v.get("server_version").cloned())
            {
                self.add(
                    Field::ServerVersion,
                    version,
                    Trust::ExternalApi,
                    Provenance::new(exchange, "response result.server_version"),
                );
            }
            return;
        };
        let args = if call.kind == Kind::XmlRpc {
            "params"
        } else {
            "params.args"
        };
        let at = |i: usize| Provenance::new(exchange, format!("request {args}[{i}]"));
        if let Some(db) = &credentials.db {
            self.add(Field::Db, json!(db), Trust::ExternalApi, at(0));
        }
        if let Some(uid) = credentials.uid {
            self.add(Field::Uid, json!(uid), Trust::ExternalApi, at(1));
        }
        match credentials.secret {
            Some(SecretShape::ApiKey) => self.secret(SecretKind::ApiKey, at(2)),
            Some(SecretShape::Password) => self.secret(SecretKind::Password, at(2)),
            None => {}
        }
        if let Some(login) = &credentials.login {
            let uid = result_value(call, exchange).filter(Value::is_i64);
            // A refused login answers `false`: the login is only the user's when it worked.
            if let Some(uid) = uid {
                self.add(Field::Login, json!(login), Trust::ExternalApi, at(1));
                self.add(
                    Field::Uid,
                    uid,
                    Trust::ExternalApi,
                    Provenance::new(exchange, "response result"),
                );
            }
        }
    }

    fn learn_from_json2(&mut self, exchange: &Exchange, call: &OdooCall) {
        if let Some(db) = call.credentials.as_ref().and_then(|c| c.db.as_ref()) {
            self.add(
                Field::Db,
                json!(db),
                Trust::Request,
                Provenance::new(exchange, "request header X-Odoo-Database"),
            );
        }
        if call.model.as_deref() == Some("res.users")
            && call.method.as_deref() == Some("context_get")
            && let Some(context) = result_value(call, exchange)
        {
            for (key, field) in [
                ("uid", Field::Uid),
                ("lang", Field::Lang),
                ("tz", Field::Tz),
            ] {
                if let Some(value) = context.get(key) {
                    self.add(
                        field,
                        value.clone(),
                        Trust::ExternalApi,
                        Provenance::new(exchange, format!("response body.{key}")),
                    );
                }
            }
        }
    }
}

/// `scheme://host[:port]` of a URL; `None` for a bare path.
pub fn origin(url: &str) -> Option<String> {
    let scheme_end = url.find("://")?;
    let rest = &url[scheme_end + 3..];
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(format!("{}{}", &url[..scheme_end + 3], &rest[..host_end]))
}

/// The JSON object assigned after `marker = ` in an HTML page.
fn embedded_json(html: &str, marker: &str) -> Option<Value> {
    let at = html.find(marker)? + marker.len();
    let rest = html[at..].trim_start().strip_prefix('=')?.trim_start();
    serde_json::Deserializer::from_str(rest)
        .into_iter::<Value>()
        .next()?
        .ok()
}

/// The versions a capture implies when it never states one.
#[derive(Debug, Default)]
struct VersionHints {
    /// The most specific hint so far, the last among equals: (version range, why, entry
    /// index, specificity).
    found: Option<(&'static str, &'static str, usize, u8)>,
}

impl VersionHints {
    fn observe(&mut self, call: &OdooCall, exchange: &Exchange) {
        let index = exchange.source.entry;
        let mut note = |version, why, specificity| {
            if self.found.is_none_or(|(_, _, _, best)| specificity >= best) {
                self.found = Some((version, why, index, specificity));
            }
        };
        match call.kind {
            Kind::Json2 => note(
                "19 or newer",
                "inferred from the /json/2 route (Odoo 19+)",
                3,
            ),
            Kind::SearchRead => note(
                "16 or older",
                "inferred from the /web/dataset/search_read route (Odoo 16 and older)",
                2,
            ),
            Kind::WebPage if call.route.starts_with("/odoo") => note(
                "18 or newer",
                "inferred from the /odoo routes (Odoo 18+)",
                2,
            ),
            Kind::CallKw if matches!(call.method.as_deref(), Some("web_read" | "web_save")) => {
                note(
                    "17 or newer",
                    "inferred from web_read/web_save (Odoo 17+)",
                    1,
                )
            }
            _ => {}
        }
    }

    /// The most specific hint: the version, why, and the entry number it was seen at.
    fn best(&self) -> Option<(&'static str, String, usize)> {
        let (version, why, index, _) = self.found?;
        Some((version, why.to_string(), index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_places_give_back_what_was_put_in() {
        let put = [
            Place {
                file: 0,
                entry: 5,
                description: 3,
            },
            Place {
                file: 0,
                entry: 300_000,
                description: 200,
            },
            // A second capture starts again from entry 0.
            Place {
                file: 1,
                entry: 0,
                description: 3,
            },
            Place {
                file: u64::from(u32::MAX),
                entry: u64::MAX,
                description: 0,
            },
        ];
        let mut places = Places::default();
        put.iter().for_each(|p| places.push(*p));
        assert_eq!(places.iter().collect::<Vec<_>>(), put);
    }

    #[test]
    fn places_in_a_row_are_kept_as_a_count() {
        let at = |entry, description| Place {
            file: 0,
            entry,
            description,
        };
        // Every call in a row, then every other one, then another description.
        let mut put: Vec<Place> = (0..1000).map(|e| at(e, 7)).collect();
        put.extend((0..500).map(|i| at(1000 + 2 * i, 7)));
        put.push(at(2001, 3));
        put.push(at(2002, 3));
        let mut places = Places::default();
        put.iter().for_each(|p| places.push(*p));
        assert_eq!(places.iter().collect::<Vec<_>>(), put);
        places.flush();
        assert_eq!(places.iter().collect::<Vec<_>>(), put);
        assert!(places.bytes.len() <= 24, "{} bytes", places.bytes.len());
    }
    use crate::capture::NameValue;
    use crate::odoo::classify;

    fn exchange(entry: usize, method: &str, url: &str, body: &str, response: &str) -> Exchange {
        let mut exchange =
            crate::capture::test_exchange(entry, method, url, body, Some((200, response)));
        exchange.request.cookies = vec![
            NameValue::new("session_id", "s3cr3t"),
            NameValue::new("cids", "1-3"),
        ];
        exchange
    }

    fn discover(exchanges: &[Exchange]) -> Identity {
        let calls: Vec<_> = exchanges.iter().map(classify).collect();
        Identity::discover(exchanges, &calls)
    }

    const PAGE: &str = r#"<script>odoo.__session_info__ = {"uid": 2, "db": "odoo_lab", "username": "admin", "name": "Mitchell Admin",
        "server_version": "16.0", "user_context": {"lang": "en_US", "tz": "Europe/Brussels", "uid": 2}, "web.base.url": "http://base",
        "user_companies": {"current_company": 1, "allowed_companies": {"1": {"id": 1, "name": "YourCompany", "sequence": 0}}}};
        odoo.reloadMenus = () => fetch(`/web/webclient/load_menus/${x}`);</script>"#;

    const READ: &str = r#"{"id":7,"jsonrpc":"2.0","method":"call","params":{"args":[[2],["name"]],"model":"res.users","method":"read","kwargs":{"context":{"lang":"en_US","tz":"Europe/Brussels","uid":2,"allowed_company_ids":[1]}}}}"#;

    #[test]
    fn the_page_session_info_beats_call_contexts_and_says_where() {
        let identity = discover(&[
            exchange(0, "GET", "http://127.0.0.1:8069/web", "", PAGE),
            exchange(
                1,
                "POST",
                "http://127.0.0.1:8069/web/dataset/call_kw/res.users/read",
                READ,
                r#"{"jsonrpc":"2.0","id":7,"result":[]}"#,
            ),
        ]);
        let uid = identity.best(Field::Uid).unwrap();
        assert_eq!(uid.value, json!(2));
        assert_eq!(
            uid.at.to_string(),
            "entry 0 response html odoo.__session_info__.uid"
        );
        assert_eq!(identity.best(Field::Db).unwrap().value, json!("odoo_lab"));
        assert_eq!(
            identity.best(Field::CompanyName).unwrap().value,
            json!("YourCompany")
        );
        assert_eq!(
            identity.best(Field::Url).unwrap().value,
            json!("http://127.0.0.1:8069")
        );
        // The cookie says companies 1 and 3, the call context says 1: both are shown.
        let conflicts = identity.conflicts();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(conflicts[0].field, Field::AllowedCompanyIds);
        assert_eq!(
            identity
                .secret_seen(SecretKind::SessionCookie)
                .map(|(_, n)| n),
            Some(2)
        );
        assert!(identity.notes().is_empty(), "{:?}", identity.notes());
    }

    #[test]
    fn only_call_contexts_still_give_the_uid_and_say_the_db_is_missing() {
        let identity = discover(&[exchange(
            4,
            "POST",
            "http://h/web/dataset/call_kw/res.users/read",
            READ,
            "",
        )]);
        let uid = identity.best(Field::Uid).unwrap();
        assert_eq!(
            uid.at.to_string(),
            "entry 4 request params.kwargs.context.uid"
        );
        assert!(identity.best(Field::Db).is_none());
        assert!(identity.notes()[0].contains("?debug=1"));
    }

    #[test]
    fn two_uids_are_a_conflict_not_a_guess() {
        let other = READ.replace("\"uid\":2", "\"uid\":6");
        let identity = discover(&[
            exchange(
                0,
                "POST",
                "http://h/web/dataset/call_kw/res.users/read",
                READ,
                "",
            ),
            exchange(
                1,
                "POST",
                "http://h/web/dataset/call_kw/res.users/read",
                &other,
                "",
            ),
        ]);
        let conflicts = identity.conflicts();
        let uid = conflicts.iter().find(|c| c.field == Field::Uid).unwrap();
        assert_eq!(
            uid.values
                .iter()
                .map(|(v, _)| v.clone())
                .collect::<Vec<_>>(),
            vec![json!(2), json!(6)]
        );
    }

    #[test]
    fn external_login_gives_uid_only_when_it_worked() {
        let identity = discover(&[
            exchange(
                0,
                "POST",
                "http://h/jsonrpc",
                r#"{"params":{"service":"common","method":"login","args":["db1","admin","wrong"]}}"#,
                r#"{"jsonrpc":"2.0","id":1,"result":false}"#,
            ),
            exchange(
                1,
                "POST",
                "http://h/jsonrpc",
                r#"{"params":{"service":"common","method":"login","args":["db1","admin","admin"]}}"#,
                r#"{"jsonrpc":"2.0","id":2,"result":2}"#,
            ),
        ]);
        let uid = identity.best(Field::Uid).unwrap();
        assert_eq!(
            (uid.value.clone(), uid.at.to_string()),
            (json!(2), "entry 1 response result".to_string())
        );
        assert_eq!(
            identity.best(Field::Login).unwrap().at.to_string(),
            "entry 1 request params.args[1]"
        );
        assert_eq!(identity.best(Field::Db).unwrap().value, json!("db1"));
        assert_eq!(
            identity.secret_seen(SecretKind::Password).map(|(_, n)| n),
            Some(2)
        );
    }

    #[test]
    fn odoo_14_session_info_with_company_pairs() {
        let page = r#"odoo.session_info = {"uid": 2, "db": "v14", "user_companies": {"current_company": [1, "YourCompany"], "allowed_companies": [[1, "YourCompany"]]}, "server_version": "14.0"};"#;
        let identity = discover(&[exchange(0, "GET", "http://h/web", "", page)]);
        assert_eq!(identity.best(Field::Company).unwrap().value, json!(1));
        assert_eq!(
            identity.best(Field::CompanyName).unwrap().value,
            json!("YourCompany")
        );
        assert_eq!(
            identity.best(Field::ServerVersion).unwrap().at.to_string(),
            "entry 0 response html odoo.session_info.server_version"
        );
    }

    #[test]
    fn versions_are_inferred_from_routes_when_never_stated() {
        let body = r#"{"params":{"args":[[2]],"model":"res.users","method":"web_read","kwargs":{"specification":{}}}}"#;
        let identity = discover(&[exchange(
            0,
            "POST",
            "http://h/web/dataset/call_kw/res.users/web_read",
            body,
            "",
        )]);
        let version = identity.best(Field::ServerVersion).unwrap();
        assert_eq!(version.value, json!("17 or newer"));
        assert_eq!(version.trust, Trust::Inferred);
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin("https://x.odoo.com:8443/web?x"),
            Some("https://x.odoo.com:8443".into())
        );
        assert_eq!(origin("/jsonrpc"), None);
    }
}
