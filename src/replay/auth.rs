//! How a replay authenticates and what it sends for each step, by mode:
//!
//! - `session`: log in through `/web/session/authenticate`, keep the `session_id` cookie,
//!   send web routes as captured; on "Odoo Session Expired" (code 100) log in again once.
//! - `jsonrpc`: `common.login` (or a given uid), then every model call as `/jsonrpc`
//!   `object.execute_kw(db, uid, password or API key, model, method, args, kwargs)`.
//! - `json2`: Odoo 19's `/json/2/<model>/<method>` with `Authorization: bearer <key>` and
//!   `X-Odoo-Database`, named arguments only.

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::client::{Client, HttpReply};
use crate::error::{Error, Result};
use crate::odoo::Kind;
use crate::odoo::convert::{self, ModelCall, Unsupported};
use crate::odoo::rpc::{self, Answer, Dialect};
use crate::secret::Secret;
use crate::template::suite::Step;

/// The ways to authenticate and send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// session with a password for web-client suites, jsonrpc with an API key, json2 for an
    /// API key alone on Odoo 19+
    Auto,
    /// log in like the browser and replay the web routes
    Session,
    /// the external API: /jsonrpc object.execute_kw
    Jsonrpc,
    /// Odoo 19's JSON-2 API with a bearer API key
    Json2,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Session => "session",
            Mode::Jsonrpc => "jsonrpc",
            Mode::Json2 => "json2",
        }
    }
}

/// What the user gave to log in. Secrets come from the environment or standard input, and
/// print as `***` wherever this is shown.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// The database to log in to.
    pub db: Option<String>,
    /// The user's login.
    pub login: Option<String>,
    /// A password, for a web session or the external API.
    pub password: Option<Secret>,
    /// An API key, for the external API or JSON-2.
    pub api_key: Option<Secret>,
    /// The user's id, to skip asking for it (`jsonrpc` mode).
    pub uid: Option<i64>,
}

impl Credentials {
    /// These credentials, the database and login the suite captured filling the gaps (never a
    /// value redaction left in their place).
    pub fn or_captured(self, variables: &std::collections::BTreeMap<String, Value>) -> Credentials {
        let captured = |name: &str| {
            variables
                .get(name)
                .and_then(Value::as_str)
                .filter(|v| *v != crate::secret::REDACTED)
                .map(str::to_string)
        };
        Credentials {
            db: self.db.or_else(|| captured("db")),
            login: self.login.or_else(|| captured("login")),
            ..self
        }
    }
}

/// A request ready to send, but for the session cookie, which is added at send time.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub route: String,
    /// The JSON body, as bytes ready to send.
    pub body: Bytes,
    pub headers: Vec<(String, String)>,
    pub dialect: Dialect,
    /// True for web routes, which need the session cookie.
    pub web: bool,
}

/// An established way to talk to the server.
pub struct Auth {
    pub mode: Mode,
    /// Why `auto` chose this mode, or "asked for".
    pub reason: String,
    pub uid: i64,
    /// Who the run is, beyond its uid: the user's `name`, `partner_id` and `company_id`, as
    /// the login answered or the user's record says. Answers that echo them are not changes.
    pub identity: serde_json::Map<String, Value>,
    db: String,
    credentials: Credentials,
    cookie: Mutex<Option<String>>,
    /// Who the web session's login said the user is.
    session_identity: Mutex<serde_json::Map<String, Value>>,
    /// What the server said of its methods (json2 mode): JSON-2 arguments are named from it.
    pub signatures: std::sync::Arc<crate::odoo::signatures::Described>,
}

/// Whether any step exists only in the web client's session (anything but `/jsonrpc`, JSON-2
/// and the routes Odoo serves without a session), which makes a web session the natural mode
/// for `auto`.
pub fn has_web_steps(steps: &[Step]) -> bool {
    steps
        .iter()
        .any(|s| !matches!(s.kind, Kind::JsonRpc | Kind::Json2) && !sessionless(s.kind))
}

/// Web routes Odoo serves with `auth="none"`: any mode sends them as recorded, with no
/// session. OdooRPC asks `/web/webclient/version_info` first, so a script's recording has it
/// (16 and 19 `addons/web/controllers/webclient.py`).
fn sessionless(kind: Kind) -> bool {
    kind == Kind::VersionInfo
}

impl Auth {
    /// Chooses the mode for `auto`, logs in, and checks the credentials.
    pub async fn establish(
        client: &Client,
        requested: Mode,
        credentials: Credentials,
        web_suite: bool,
    ) -> Result<Auth> {
        let db = credentials.db.clone().ok_or_else(|| Error::Setup("no database: give --db or ODOO_DB (`odoo-har whoami CAPTURE` shows the captured one)".into()))?;
        let (mode, reason) = match requested {
            Mode::Auto => choose(client, &credentials, web_suite).await?,
            mode => (mode, "asked for with --mode".to_string()),
        };
        let mut auth = Auth {
            mode,
            reason,
            uid: 0,
            identity: serde_json::Map::new(),
            db,
            credentials,
            cookie: Mutex::new(None),
            session_identity: Mutex::new(serde_json::Map::new()),
            signatures: Default::default(),
        };
        auth.uid = match mode {
            Mode::Session => auth.login_session(client).await?,
            Mode::Jsonrpc => match auth.credentials.uid {
                Some(uid) => uid,
                None => auth.login_external(client).await?,
            },
            Mode::Json2 => auth.check_api_key(client).await?,
            Mode::Auto => return Err(Error::Setup("no mode was chosen".into())),
        };
        auth.identity = std::mem::take(&mut *auth.session_identity.lock().await);
        Ok(auth)
    }

    /// The user's name, partner and company, from the user's own record: what answers about
    /// the user echo. Nothing when the server will not say (a run goes on without it). A web
    /// session has them from its login already.
    pub async fn who(&self, client: &Client) -> serde_json::Map<String, Value> {
        let fields = json!({"fields": ["name", "partner_id", "company_id"]});
        let Ok(Value::Array(records)) = self
            .call_model(client, "res.users", "read", Some(vec![self.uid]), fields)
            .await
        else {
            return serde_json::Map::new();
        };
        let mut identity = serde_json::Map::new();
        if let Some(Value::Object(user)) = records.into_iter().next() {
            for (field, value) in user {
                // many2one as read() gives it: [id, "name"].
                let value = match value {
                    Value::Array(pair) if pair.len() == 2 => pair[0].clone(),
                    other => other,
                };
                if field != "id" {
                    identity.insert(field, value);
                }
            }
        }
        identity
    }

    /// Calls a model's method the way this mode sends calls: the web client's `call_kw` with
    /// the session, `execute_kw`, or JSON-2 with named arguments. `named` holds the keyword
    /// arguments (JSON-2 names every argument; the others pass them as kwargs). The result, or
    /// Odoo's error as text.
    pub async fn call_model(
        &self,
        client: &Client,
        model: &str,
        method: &str,
        ids: Option<Vec<i64>>,
        named: Value,
    ) -> std::result::Result<Value, String> {
        let call = ModelCall {
            model: model.to_string(),
            method: method.to_string(),
            args: ids.map(|ids| vec![json!(ids)]).unwrap_or_default(),
            kwargs: named.as_object().cloned().unwrap_or_default(),
        };
        let (route, body, headers) = match self.mode {
            // Every argument is named already: no signature is needed.
            Mode::Json2 => {
                let (route, body) = call.json2_with(None).map_err(|why| why.0)?;
                (route, body, self.json2_headers())
            }
            Mode::Jsonrpc => {
                let secret = json!(self.secret().unwrap_or_default());
                let body = call.execute_kw(&json!(self.db), &json!(self.uid), &secret, 0);
                ("/jsonrpc".to_string(), body, Vec::new())
            }
            _ => {
                let (route, body) = call.call_kw(0);
                (
                    route,
                    body,
                    self.cookie_header().await.into_iter().collect(),
                )
            }
        };
        let reply = client
            .post(&route, Bytes::from(body.to_string()), &headers)
            .await
            .map_err(|fault| fault.describe())?;
        if self.mode == Mode::Json2 {
            return match rpc::json2_answer(reply.status, &reply.body) {
                Answer::Result => serde_json::from_slice(&reply.body).map_err(|e| e.to_string()),
                Answer::Error(error) => Err(format!("{}: {}", error.label(), error.message)),
                other => Err(format!("HTTP {}: {other:?}", reply.status)),
            };
        }
        result_of(&reply)
    }

    /// An Auth for `--dry-run`: nothing is sent, the uid is the given or captured one.
    pub fn offline(
        requested: Mode,
        credentials: Credentials,
        web_suite: bool,
        captured_uid: Option<i64>,
    ) -> Auth {
        let (mode, reason) = match requested {
            Mode::Auto if credentials.password.is_some() && web_suite => (
                Mode::Session,
                "a password was given and the suite came from the web client".to_string(),
            ),
            Mode::Auto if credentials.api_key.is_some() || credentials.password.is_some() => (
                Mode::Jsonrpc,
                "dry run: the server's version was not asked".to_string(),
            ),
            Mode::Auto if web_suite => (Mode::Session, "dry run without credentials".to_string()),
            Mode::Auto => (Mode::Jsonrpc, "dry run without credentials".to_string()),
            mode => (mode, "asked for with --mode".to_string()),
        };
        let uid = credentials.uid.or(captured_uid).unwrap_or(0);
        let db = credentials.db.clone().unwrap_or_default();
        Auth {
            mode,
            reason,
            uid,
            identity: serde_json::Map::new(),
            db,
            credentials,
            cookie: Mutex::new(Some("***".into())),
            session_identity: Mutex::new(serde_json::Map::new()),
            signatures: Default::default(),
        }
    }

    fn refused(&self, why: &str) -> Error {
        let login = self.credentials.login.as_deref().unwrap_or("(no login)");
        Error::Setup(format!(
            "login refused for user {login} on database {}: {why}",
            self.db
        ))
    }

    async fn rpc(&self, client: &Client, route: &str, params: Value) -> Result<HttpReply> {
        let body = json!({"jsonrpc": "2.0", "method": "call", "params": params, "id": 0});
        client
            .post(route, bytes::Bytes::from(body.to_string()), &[])
            .await
            .map_err(|fault| {
                Error::Setup(format!("{}{route}: {}", client.base(), fault.describe()))
            })
    }

    async fn login_session(&self, client: &Client) -> Result<i64> {
        let (Some(login), Some(password)) = (&self.credentials.login, &self.credentials.password)
        else {
            return Err(Error::Setup("session mode needs a login (--login, ODOO_LOGIN) and a password (ODOO_PASSWORD, --password-env, --password-stdin); an API key is not accepted by /web/session/authenticate".into()));
        };
        let reply = self
            .rpc(
                client,
                "/web/session/authenticate",
                json!({"db": self.db, "login": login, "password": password.expose()}),
            )
            .await?;
        let answer = result_of(&reply).map_err(|why| self.refused(&why))?;
        let uid = answer.get("uid").and_then(Value::as_i64).ok_or_else(|| self.refused("no uid in the answer (a second factor is required? use an API key with --mode jsonrpc)"))?;
        let mut identity = serde_json::Map::new();
        for key in ["name", "partner_id", "company_id"] {
            if let Some(value) = answer.get(key) {
                identity.insert(key.into(), value.clone());
            }
        }
        *self.session_identity.lock().await = identity;
        let cookie = reply
            .header_values("set-cookie")
            .iter()
            .filter_map(|v| crate::capture::parse_set_cookie(v))
            .find(|c| c.name == "session_id")
            .ok_or_else(|| self.refused("the server set no session cookie"))?;
        *self.cookie.lock().await = Some(cookie.value);
        Ok(uid)
    }

    async fn login_external(&self, client: &Client) -> Result<i64> {
        let Some(login) = &self.credentials.login else {
            return Err(Error::Setup(
                "jsonrpc mode needs a login (--login, ODOO_LOGIN) or the uid (--uid)".into(),
            ));
        };
        let secret = self.secret().ok_or_else(|| {
            Error::Setup(
                "jsonrpc mode needs a password or an API key (ODOO_PASSWORD, ODOO_API_KEY)".into(),
            )
        })?;
        let reply = self
            .rpc(
                client,
                "/jsonrpc",
                json!({"service": "common", "method": "login", "args": [self.db, login, secret]}),
            )
            .await?;
        match result_of(&reply).map_err(|why| self.refused(&why))? {
            Value::Number(uid) => uid
                .as_i64()
                .ok_or_else(|| self.refused("the uid is not a number")),
            _ => {
                Err(self.refused("wrong login, password or API key (common.login answered false)"))
            }
        }
    }

    async fn check_api_key(&self, client: &Client) -> Result<i64> {
        if self.credentials.api_key.is_none() {
            return Err(Error::Setup(
                "json2 mode needs an API key (ODOO_API_KEY or --api-key-env)".into(),
            ));
        }
        let prepared = Prepared {
            route: "/json/2/res.users/context_get".into(),
            body: Bytes::from_static(b"{}"),
            headers: self.json2_headers(),
            dialect: Dialect::Json2,
            web: false,
        };
        let reply = client
            .post(
                &prepared.route,
                bytes::Bytes::from_static(b"{}"),
                &prepared.headers,
            )
            .await
            .map_err(|fault| {
                Error::Setup(format!("{}/json/2: {}", client.base(), fault.describe()))
            })?;
        match rpc::json2_answer(reply.status, &reply.body) {
            Answer::Result => serde_json::from_slice::<Value>(&reply.body)
                .ok()
                .and_then(|v| v.get("uid").and_then(Value::as_i64))
                .ok_or_else(|| self.refused("res.users/context_get gave no uid")),
            Answer::Error(error) => {
                Err(self.refused(&format!("{}: {}", error.label(), error.message)))
            }
            other => Err(self.refused(&format!("{other:?} (is this Odoo 19 or newer?)"))),
        }
    }

    /// Logs in again after the session expired (session mode).
    pub async fn relogin(&self, client: &Client) -> Result<()> {
        self.login_session(client).await.map(|_| ())
    }

    fn secret(&self) -> Option<&str> {
        self.credentials
            .api_key
            .as_ref()
            .or(self.credentials.password.as_ref())
            .map(Secret::expose)
    }

    pub(crate) fn json2_headers(&self) -> Vec<(String, String)> {
        vec![
            (
                "Authorization".into(),
                format!(
                    "bearer {}",
                    self.credentials.api_key.as_ref().map_or("", Secret::expose)
                ),
            ),
            ("X-Odoo-Database".into(), self.db.clone()),
        ]
    }

    /// The headers to send with a prepared request, the session cookie among them.
    pub async fn headers(&self, prepared: &Prepared) -> Vec<(String, String)> {
        let mut headers = prepared.headers.clone();
        if prepared.web {
            headers.extend(self.cookie_header().await);
        }
        headers
    }

    /// The web session's cookie, once logged in.
    async fn cookie_header(&self) -> Option<(String, String)> {
        let cookie = self.cookie.lock().await;
        cookie
            .as_ref()
            .map(|c| ("Cookie".to_string(), format!("session_id={c}")))
    }

    /// The secret values this run uses, to keep them out of reports and saved HARs.
    pub async fn secret_values(&self) -> Vec<String> {
        let mut values: Vec<String> = [&self.credentials.password, &self.credentials.api_key]
            .into_iter()
            .flatten()
            .map(|secret| secret.expose().to_string())
            .collect();
        values.extend(self.cookie.lock().await.clone());
        values
    }

    /// What to send for a step of `kind` whose rendered body is the JSON text `body`.
    pub fn prepare(
        &self,
        kind: Kind,
        route: &str,
        body: String,
        rpc_id: u64,
    ) -> std::result::Result<Prepared, Unsupported> {
        let jsonrpc = |route: String, body: Bytes, web: bool| Prepared {
            route,
            body,
            headers: Vec::new(),
            dialect: Dialect::JsonRpc,
            web,
        };
        let parse = |text: &str| {
            serde_json::from_str::<Value>(text)
                .map_err(|e| Unsupported(format!("the body is not JSON: {e}")))
        };
        let bytes = |value: &Value| Bytes::from(serde_json::to_vec(value).unwrap_or_default());
        // Outside a web session, fields only a session can compute are left out of a web
        // call, or Odoo refuses the whole call.
        let outside_session = matches!(self.mode, Mode::Jsonrpc | Mode::Json2);
        let body = if outside_session && kind != Kind::Json2 && body.contains("is_current") {
            let mut value = parse(&body)?;
            crate::odoo::plumbing::strip_session_only(&mut value);
            value.to_string()
        } else {
            body
        };
        match self.mode {
            Mode::Session => match kind {
                Kind::Json2 if self.credentials.api_key.is_some() => Ok(Prepared {
                    route: route.into(),
                    body: Bytes::from(body),
                    headers: self.json2_headers(),
                    dialect: Dialect::Json2,
                    web: false,
                }),
                Kind::Json2 => Err(Unsupported(
                    "a JSON-2 call needs an API key (ODOO_API_KEY); or replay with --mode jsonrpc"
                        .into(),
                )),
                Kind::JsonRpc => Ok(jsonrpc(route.into(), Bytes::from(body), false)),
                _ => Ok(jsonrpc(route.into(), Bytes::from(body), true)),
            },
            Mode::Jsonrpc | Mode::Json2 if sessionless(kind) => {
                Ok(jsonrpc(route.into(), Bytes::from(body), false))
            }
            Mode::Jsonrpc => {
                if kind == Kind::JsonRpc {
                    return Ok(jsonrpc(route.into(), Bytes::from(body), false));
                }
                let (db, uid) = (json!(self.db), json!(self.uid));
                let secret = Value::String(self.secret().unwrap_or_default().to_string());
                // Web calls, the common case, convert without building a tree.
                if matches!(kind, Kind::CallKw | Kind::CallButton | Kind::Dataset)
                    && let Some(text) =
                        convert::call_kw_text_to_execute_kw(&body, &db, &uid, &secret, rpc_id)
                {
                    return Ok(jsonrpc("/jsonrpc".into(), Bytes::from(text), false));
                }
                let call = ModelCall::from_value(&kind, route, parse(&body)?)?;
                Ok(jsonrpc(
                    "/jsonrpc".into(),
                    bytes(&call.execute_kw(&db, &uid, &secret, rpc_id)),
                    false,
                ))
            }
            Mode::Json2 => {
                let (route, body) = if kind == Kind::Json2 {
                    (route.to_string(), Bytes::from(body))
                } else {
                    let (route, value) =
                        self.json2_call(&ModelCall::from_value(&kind, route, parse(&body)?)?)?;
                    (route, bytes(&value))
                };
                Ok(Prepared {
                    route,
                    body,
                    headers: self.json2_headers(),
                    dialect: Dialect::Json2,
                    web: false,
                })
            }
            Mode::Auto => Err(Unsupported("no mode was chosen".into())),
        }
    }
}

/// The mode `auto` picks, and why.
async fn choose(
    client: &Client,
    credentials: &Credentials,
    web_suite: bool,
) -> Result<(Mode, String)> {
    if credentials.password.is_some() && web_suite {
        return Ok((
            Mode::Session,
            "a password was given and the suite came from the web client".into(),
        ));
    }
    if credentials.api_key.is_some() {
        if credentials.password.is_none()
            && let Some(major) = server_major(client).await
            && major >= 19
        {
            return Ok((
                Mode::Json2,
                format!("only an API key was given and the server is Odoo {major}"),
            ));
        }
        return Ok((Mode::Jsonrpc, "an API key was given".into()));
    }
    if credentials.password.is_some() {
        return Ok((
            Mode::Jsonrpc,
            "a password was given and the suite uses the external API".into(),
        ));
    }
    Err(Error::Setup("no credentials: set ODOO_PASSWORD or ODOO_API_KEY (or --password-env, --api-key-env, --password-stdin)".into()))
}

/// The server's major version, from `common.version` (it needs no login).
async fn server_major(client: &Client) -> Option<i64> {
    client
        .common_version()
        .await?
        .pointer("/server_version_info/0")
        .and_then(Value::as_i64)
}

/// The `result` of a JSON-RPC answer, or why there is none.
fn result_of(reply: &HttpReply) -> std::result::Result<Value, String> {
    match rpc::json_rpc_answer(&reply.body) {
        Answer::Result => serde_json::from_slice::<Value>(&reply.body)
            .ok()
            .and_then(|mut v| v.get_mut("result").map(Value::take))
            .ok_or_else(|| "no result".into()),
        Answer::Error(error) => Err(format!("{}: {}", error.label(), error.message)),
        Answer::Empty => Ok(Value::Null),
        Answer::Unexpected(what) => Err(format!("HTTP {}: {what}", reply.status)),
        Answer::None => Err("no answer".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_print_without_their_secrets() {
        let credentials = Credentials {
            db: Some("staging".into()),
            login: Some("admin".into()),
            password: Some(Secret::new("hunter2")),
            api_key: Some(Secret::new("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c")),
            uid: None,
        };
        let shown = format!("{credentials:?}");
        assert!(shown.contains("password: Some(***)"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("0f1e2d"),
            "{shown}"
        );
    }
}
