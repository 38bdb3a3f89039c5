//! What a replay is asked to do, resolved before it starts: where to send, how to log in,
//! how to compare, how to run. The command layer builds it from flags and the environment,
//! as ripgrep turns its low-level arguments into high-level ones; nothing in `replay/` reads
//! a flag or an environment variable.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::auth::{Credentials, Mode};
use crate::diff::Rules;
use crate::secret::Secret;
use crate::template::redact::REDACTED;
use crate::template::suite::Suite;

/// A replay, resolved.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where to send (server A of an A/B run).
    pub url: String,
    /// Server B of an A/B run: its answers are compared with A's instead of the baselines.
    pub against: Option<String>,
    /// Send writes in an A/B run too; otherwise only the steps known to only read run.
    pub allow_writes: bool,
    /// How to log in and send.
    pub mode: Mode,
    /// What was given to log in; the suite's captured database and login fill the gaps.
    pub credentials: Credentials,
    /// The values of the suite's other secrets (`ODOO_<NAME>`), by name.
    pub secrets: BTreeMap<String, Secret>,
    /// The templates' variables: the suite's, then `ODOO_*`, the vars file, `--var`.
    pub variables: Map<String, Value>,
    /// How answers are compared: the default ignores, the command line's and the manifest's.
    pub rules: Rules,
    /// A folder of envelope templates to use instead of the built-in ones.
    pub templates: Option<PathBuf>,
    /// Steps in flight.
    pub jobs: usize,
    /// Per request.
    pub timeout: Duration,
    /// Skip TLS certificate checks.
    pub insecure: bool,
    /// Retries for transient faults (the first try not counted).
    pub retry: u32,
    /// Also retry writes whose outcome is unknown.
    pub retry_writes: bool,
    /// Stop starting steps after the first failure.
    pub fail_fast: bool,
    /// Extra sends of each read-only step, to learn which paths are noise.
    pub learn_noise: u32,
    /// Where to write what was sent and received, as a HAR.
    pub save_har: Option<PathBuf>,
    /// What a server said of the suite's methods (its `signatures.json`): json2 mode names
    /// arguments from it and asks the server only for the models it lacks.
    pub signatures: Option<crate::odoo::signatures::Described>,
}

impl Plan {
    /// The credentials to log in with: those given, else the database and login the suite
    /// captured (never a value redaction left in their place).
    pub fn credentials(&self, suite: &Suite) -> Credentials {
        let variables = &suite.manifest.variables;
        let captured = |name: &str| {
            variables
                .get(name)
                .and_then(Value::as_str)
                .filter(|v| *v != REDACTED)
                .map(str::to_string)
        };
        let given = self.credentials.clone();
        Credentials {
            db: given.db.or_else(|| captured("db")),
            login: given.login.or_else(|| captured("login")),
            ..given
        }
    }
}
