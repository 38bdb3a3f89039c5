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
    /// What was given to log in to server B (`--against-db`, …); what is not given is A's.
    pub against_given: Credentials,
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
    /// Fail the run when a step is skipped because the mode cannot send it.
    pub fail_on_skip: bool,
    /// Dates that moved by the time between capture and replay compare equal.
    pub time_shift: bool,
    /// Delete, at the end, the records the run created (newest first).
    pub cleanup: bool,
    /// What a server said of the suite's methods (its `signatures.json`): json2 mode names
    /// arguments from it and asks the server only for the models it lacks.
    pub signatures: Option<crate::odoo::signatures::Described>,
}

impl Plan {
    /// The credentials to log in with: those given, else the database and login the suite
    /// captured (never a value redaction left in their place).
    pub fn credentials(&self, suite: &Suite) -> Credentials {
        self.credentials
            .clone()
            .or_captured(&suite.manifest.variables)
    }

    /// Server B's credentials: those given for it, else A's (`a`). A's uid stands for B's
    /// only when B's database and login are A's too.
    pub fn against_credentials(&self, a: &Credentials) -> Credentials {
        let b = self.against_given.clone();
        let same_user = b.db.is_none() && b.login.is_none();
        Credentials {
            uid: b.uid.or(a.uid.filter(|_| same_user)),
            db: b.db.or_else(|| a.db.clone()),
            login: b.login.or_else(|| a.login.clone()),
            password: b.password.or_else(|| a.password.clone()),
            api_key: b.api_key.or_else(|| a.api_key.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_b_takes_what_was_given_for_it_and_a_s_for_the_rest() {
        let a = Credentials {
            db: Some("old".into()),
            login: Some("admin".into()),
            password: Some(Secret::new("a-password")),
            api_key: None,
            uid: Some(2),
        };
        let plan = |given: Credentials| Plan {
            url: "http://a".into(),
            against: Some("http://b".into()),
            allow_writes: false,
            against_given: given,
            mode: Mode::Auto,
            credentials: a.clone(),
            secrets: BTreeMap::new(),
            variables: Map::new(),
            rules: Rules::new(true, &[], &[]).unwrap(),
            templates: None,
            jobs: 1,
            timeout: Duration::from_secs(1),
            insecure: false,
            retry: 0,
            retry_writes: false,
            fail_fast: false,
            learn_noise: 0,
            save_har: None,
            fail_on_skip: false,
            time_shift: true,
            cleanup: false,
            signatures: None,
        };
        let same = plan(Credentials::default()).against_credentials(&a);
        assert_eq!(
            (same.db.as_deref(), same.login.as_deref(), same.uid),
            (Some("old"), Some("admin"), Some(2))
        );
        let other = plan(Credentials {
            db: Some("new".into()),
            api_key: Some(Secret::new("b-key")),
            ..Credentials::default()
        })
        .against_credentials(&a);
        assert_eq!(
            (other.db.as_deref(), other.login.as_deref(), other.uid),
            (Some("new"), Some("admin"), None)
        );
        assert_eq!(
            (
                other.password.as_ref().map(Secret::expose),
                other.api_key.as_ref().map(Secret::expose)
            ),
            (Some("a-password"), Some("b-key"))
        );
    }
}
