//! Asking an Odoo 19 what its methods take: `POST /doc-bearer/<model>.json` with the bearer
//! API key and `X-Odoo-Database`, body `{}` (the `api_doc` module's route, `type='json2'`,
//! `auth='bearer'`; odoo-protocol.md §3.7), once per model. What a replay in json2 mode, an
//! `export --format json2 --url` and `odoo-har signatures` name arguments with.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use std::sync::Arc;

use super::auth::{Auth, Mode};
use super::client::Client;
use crate::error::{Error, Result};
use crate::odoo::convert::{ModelCall, Unsupported};
use crate::odoo::rpc::{self, Answer};
use crate::odoo::signatures::{self, Described};
use crate::secret::Secret;
use crate::template::signatures::{becomes_read_only, models, refine_read_only};
use crate::template::suite::Suite;

/// What the server said, and of which models it said nothing.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    /// What was known before, and what the server said.
    pub described: Described,
    /// Models the server did not describe, and why.
    pub missing: Vec<(String, String)>,
}

impl Gathered {
    /// `3 models described by the server (19.0)`, and those that were not, for a person.
    pub fn summary(&self) -> String {
        let described = self.described.models.len();
        let mut text = format!(
            "parameter names from the server for {described} model{}{}",
            if described == 1 { "" } else { "s" },
            self.described
                .server_version
                .as_deref()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default()
        );
        if !self.missing.is_empty() {
            let missing: Vec<String> = self
                .missing
                .iter()
                .map(|(model, why)| format!("{model}: {why}"))
                .collect();
            text.push_str(&format!(
                ", else odoo-har's table (not described: {})",
                missing.join("; ")
            ));
        }
        text
    }
}

/// The headers JSON-2 routes take: the bearer key and the database.
pub fn bearer_headers(api_key: &Secret, db: &str) -> Vec<(String, String)> {
    vec![
        (
            "Authorization".into(),
            format!("bearer {}", api_key.expose()),
        ),
        ("X-Odoo-Database".into(), db.to_string()),
    ]
}

/// Asks the server for every model in `models` that `known` does not describe yet, and adds
/// what it says to `known`'s. The server's version is asked too (`common.version`).
pub async fn gather<'a>(
    client: &Client,
    headers: &[(String, String)],
    models: impl IntoIterator<Item = &'a str>,
    known: &Described,
) -> Gathered {
    let mut gathered = Gathered {
        described: known.clone(),
        missing: Vec::new(),
    };
    let version = client.common_version().await;
    if let Some(version) = version
        .as_ref()
        .and_then(|v| v.get("server_version"))
        .and_then(Value::as_str)
    {
        gathered.described.server_version = Some(version.to_string());
    }
    for model in models {
        if gathered.described.describes(model) {
            continue;
        }
        match describe(client, headers, model).await {
            Ok(methods) => {
                gathered.described.models.insert(model.to_string(), methods);
            }
            Err(Unanswered::Model(why)) => gathered.missing.push((model.to_string(), why)),
            // No /doc-bearer at all (before 19, or api_doc not installed): no use asking on.
            Err(Unanswered::Server(why)) => {
                gathered.missing.push((model.to_string(), why));
                break;
            }
        }
    }
    gathered
}

/// Why a model was not described: the model alone, or the whole server.
enum Unanswered {
    Model(String),
    Server(String),
}

async fn describe(
    client: &Client,
    headers: &[(String, String)],
    model: &str,
) -> std::result::Result<std::collections::BTreeMap<String, signatures::Signature>, Unanswered> {
    // A model name goes into the URL: nothing but what Odoo's model names are made of.
    if model.is_empty()
        || !model
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'))
    {
        return Err(Unanswered::Model("not a model name".into()));
    }
    let route = format!("/doc-bearer/{model}.json");
    let reply = client
        .post(&route, Bytes::from_static(b"{}"), headers)
        .await
        .map_err(|fault| Unanswered::Server(fault.describe()))?;
    if reply.status == 200 {
        return signatures::parse_doc(&reply.body)
            .map(|(_, methods)| methods)
            .map_err(Unanswered::Model);
    }
    match rpc::json2_answer(reply.status, &reply.body) {
        Answer::Error(error) if reply.status == 401 => Err(Unanswered::Server(format!(
            "HTTP 401: {} (check the API key and the database)",
            error.message
        ))),
        Answer::Error(error) => Err(Unanswered::Model(format!(
            "HTTP {}: {}: {}",
            reply.status,
            error.label(),
            error.message
        ))),
        _ => Err(Unanswered::Server(format!(
            "HTTP {}: no /doc-bearer here (Odoo 19 or newer, with the api_doc module, describes its models)",
            reply.status
        ))),
    }
}

/// Where to ask, and with what.
pub struct Server<'a> {
    /// The Odoo's address.
    pub url: &'a str,
    /// The database (`X-Odoo-Database`).
    pub db: &'a str,
    /// The bearer key.
    pub api_key: &'a Secret,
    /// Skip TLS certificate checks.
    pub insecure: bool,
    /// Per request.
    pub timeout: Duration,
}

/// [`gather`] for the commands that are not a replay (`signatures`, `export --url`): its own
/// runtime. A refused key or a server with no `/doc-bearer` stops the command (exit 2).
pub fn fetch(server: &Server, models: &[String], known: &Described) -> Result<Gathered> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the runtime: {e}")))?;
    let client =
        Client::new(server.url, server.insecure, server.timeout, 1).map_err(Error::Usage)?;
    let headers = bearer_headers(server.api_key, server.db);
    let gathered = runtime.block_on(gather(
        &client,
        &headers,
        models.iter().map(String::as_str),
        known,
    ));
    let asked = models.iter().filter(|m| !known.describes(m)).count();
    if asked > 0 && gathered.described.models.len() == known.models.len() {
        let why = gathered
            .missing
            .first()
            .map(|(model, why)| format!("{model}: {why}"))
            .unwrap_or_default();
        return Err(Error::Setup(format!(
            "{}: the server described none of the models ({why})",
            server.url
        )));
    }
    Ok(gathered)
}

/// JSON-2 exists from Odoo 19 on: the built-in table's rows for 19 fill what the server did
/// not describe.
const JSON2_VERSION: u32 = 19;

impl Auth {
    /// A model call as JSON-2's route and body, its arguments named from what the server said
    /// (else the built-in table); a method neither knows is not sent.
    pub fn json2_call(
        &self,
        call: &ModelCall,
    ) -> std::result::Result<(String, Value), Unsupported> {
        let signature = self
            .signatures
            .resolve(&call.model, &call.method, Some(JSON2_VERSION))
            .map(|(signature, _)| signature);
        call.json2_with(signature.as_ref())
    }
}

/// Before the steps run: in json2 mode, the server's signatures for the suite's models (those
/// `stored` in the suite are not asked again) go on `auth`, said in its reason; in any mode,
/// steps whose method a server marks `readonly` become read-only. The suite to run: `suite`,
/// or a copy so marked.
pub async fn learn(
    auth: &mut Auth,
    client: &Client,
    suite: &Arc<Suite>,
    stored: Option<&Described>,
) -> Arc<Suite> {
    let known = stored.cloned().unwrap_or_default();
    let described = if auth.mode == Mode::Json2 {
        let models = models(suite);
        let gathered = gather(
            client,
            &auth.json2_headers(),
            models.iter().map(String::as_str),
            &known,
        )
        .await;
        auth.reason = format!("{}; {}", auth.reason, gathered.summary());
        gathered.described
    } else {
        known
    };
    let refined = if suite
        .manifest
        .steps
        .iter()
        .any(|step| becomes_read_only(step, &described))
    {
        let mut refined = (**suite).clone();
        refine_read_only(&mut refined, &described);
        Arc::new(refined)
    } else {
        suite.clone()
    };
    auth.signatures = Arc::new(described);
    refined
}
