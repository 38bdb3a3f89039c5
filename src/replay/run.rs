//! A whole replay from its [`Plan`]: the suite's steps sent to one server and judged
//! against their baselines, or, for an A/B run, sent to A and then to B and B's answers
//! judged against A's; with the baselines updated and the exchanges saved when asked. What
//! it tells as it goes goes to an [`Observer`]; nothing here knows about the terminal.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use super::auth::{Auth, Credentials, Mode, Prepared, has_web_steps};
use super::client::Client;
use super::judge::{Created, Judge, Kind, Verdict};
use super::plan::Plan;
use super::runner::{self, Context, Options, StepRun};
use crate::error::{Error, Result, write_file};
use crate::odoo::convert::Unsupported;
use crate::secret::Secret;
use crate::template::redact::Secrets;
use crate::template::render::{self, Renderer};
use crate::template::suite::{LinkDef, LiteralDef, Suite};
use crate::template::values::Values;

/// What a replay tells as it goes: the terminal printer is one.
pub trait Observer: Send + Sync {
    /// An A/B run starts: everything is sent to `a`, then to `b`.
    fn comparing(&self, a: &str, b: &str);
    /// A run against `url` logged in and starts sending `steps` steps; `secrets` are the
    /// values to mask in anything shown of what is sent.
    fn started(&self, steps: usize, url: &str, auth: &Auth, secrets: &Secrets);
    /// A step ended and was judged. `judging` is false on server A of an A/B run, where
    /// nothing is compared yet.
    fn step(&self, run: &StepRun, verdict: &Verdict, judging: bool);
    /// `--cleanup` ended: what became of each record the run created, newest first.
    fn cleaned(&self, cleaned: &[Cleaned]);
    /// The run against one server ended.
    fn finished(&self);
}

/// What a replay did.
pub struct Replayed {
    /// The suite as it ran (without its writes in an A/B run, unless they were allowed).
    pub suite: Arc<Suite>,
    /// One verdict per step, in the suite's order.
    pub verdicts: Vec<Verdict>,
    /// Each step's run (the last server's in an A/B run).
    pub runs: Vec<StepRun>,
    /// The secret values the run used, to keep out of anything written.
    pub secrets: Secrets,
    /// What `--cleanup` did, newest record first.
    pub cleaned: Vec<Cleaned>,
}

/// A record the run created, and what `--cleanup` did with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub record: Created,
    pub outcome: Cleanup,
}

/// What became of a record at cleanup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleanup {
    Deleted,
    /// The suite itself deleted it (a create → write → unlink flow).
    AlreadyGone,
    /// Odoo refused, and why (a confirmed sale order must be cancelled first).
    Refused(String),
}

/// What a dry run shows, in order: how it would log in, then each step.
pub enum DryRun<'a> {
    /// The mode it would use and why, offline: nothing is asked of the server.
    LogIn(&'a Auth),
    /// A step's request as it would be sent, or why `mode` cannot send it, with where each
    /// value it takes from an earlier answer comes from, and the ids it sends as captured
    /// although an answer returned them.
    Step {
        name: &'a str,
        mode: Mode,
        request: std::result::Result<Prepared, Unsupported>,
        links: &'a [LinkDef],
        literals: &'a [LiteralDef],
    },
}

/// Replays the suite as the plan says.
pub fn run(plan: &Plan, suite: Suite, observer: Arc<dyn Observer>) -> Result<Replayed> {
    let suite = if plan.against.is_some() && !plan.allow_writes {
        read_only(suite)
    } else {
        suite
    };
    let (renderer, values, credentials) = prepare(plan, &suite)?;
    let ready = Ready {
        suite: Arc::new(suite),
        renderer: Arc::new(renderer),
        values,
        credentials,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the runtime: {e}")))?;
    let url = &plan.url;
    let first = Server {
        url: url.clone(),
        learn_noise: plan.learn_noise,
        credentials: ready.credentials.clone(),
    };
    let run_on = |server: &Server, expected: Expected| {
        runtime.block_on(replay(plan, &ready, server, expected, &observer))
    };
    let (verdicts, secrets, runs, cleaned) = match &plan.against {
        None => run_on(&first, Expected::Baselines)?,
        Some(second) => {
            observer.comparing(url, second);
            let (_, _, runs_a, _) = run_on(&first, Expected::Nothing)?;
            let answers: Vec<Option<Value>> = runs_a.iter().map(|r| r.document()).collect();
            let noise: Vec<Vec<String>> = runs_a.iter().map(|r| r.noise.clone()).collect();
            let server_b = Server {
                url: second.clone(),
                learn_noise: 0,
                credentials: plan.against_credentials(&ready.credentials),
            };
            run_on(
                &server_b,
                Expected::Answers(Arc::new(FirstServer { answers, noise })),
            )?
        }
    };
    if let Some(path) = &plan.save_har {
        save_har(path, &runs, &secrets)?;
    }
    Ok(Replayed {
        suite: ready.suite,
        verdicts,
        runs,
        secrets,
        cleaned,
    })
}

/// What the plan would send, step by step, with nothing sent and every secret as `***`:
/// `show` gets how it would log in, then each step as it is rendered (a template that does
/// not render stops the run after the steps before it were shown).
pub fn dry_run(
    plan: &Plan,
    suite: Suite,
    show: &mut dyn FnMut(DryRun) -> Result<()>,
) -> Result<()> {
    let (renderer, mut values, credentials) = prepare(plan, &suite)?;
    values.insert("url".into(), Value::String(plan.url.clone()));
    let web_suite = has_web_steps(&suite.manifest.steps);
    let captured_uid = values.get("uid").and_then(Value::as_i64);
    let masked = Credentials {
        password: credentials.password.as_ref().map(|_| Secret::new("***")),
        api_key: credentials.api_key.as_ref().map(|_| Secret::new("***")),
        ..credentials
    };
    let mut auth = Auth::offline(plan.mode, masked, web_suite, captured_uid);
    auth.signatures = Arc::new(plan.signatures.clone().unwrap_or_default());
    for name in &suite.manifest.secrets {
        values.insert(name.clone(), Value::String("***".into()));
    }
    values.extend(render::captured_values(&suite)?);
    show(DryRun::LogIn(&auth))?;
    for (index, step) in suite.manifest.steps.iter().enumerate() {
        let rendered = renderer.render_step_text(&suite, index, &Values::new(&values))?;
        let request = auth.prepare(step.kind, &step.route, rendered, index as u64 + 1);
        show(DryRun::Step {
            name: &step.name,
            mode: auth.mode,
            request,
            links: &step.links,
            literals: &step.literals,
        })?;
    }
    Ok(())
}

/// `--update`: the baselines of the steps that differ become what this run got; `updated`
/// hears of each as it is written. Only a suite read from a folder can be updated.
pub fn update_baselines(
    replayed: &Replayed,
    from_folder: bool,
    updated: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<()> {
    let Replayed {
        suite,
        verdicts,
        secrets,
        ..
    } = replayed;
    if !from_folder {
        return Err(Error::Usage("--update rewrites a suite's baselines: extract the capture into a suite first (`odoo-har extract CAPTURE -o DIR`)".into()));
    }
    for verdict in verdicts.iter().filter(|v| v.verdict == Kind::Differs) {
        let Some(step) = suite.manifest.steps.iter().find(|s| s.name == verdict.step) else {
            continue;
        };
        let (Some(baseline), Some(live)) = (&step.baseline, &verdict.live) else {
            continue;
        };
        let mut live = live.clone();
        secrets.scrub_json(&mut live);
        let mut text = serde_json::to_string_pretty(&live).unwrap_or_default();
        text.push('\n');
        write_file(&suite.dir.join(baseline), &text)?;
        updated(&step.name)?;
    }
    Ok(())
}

/// The templates registered, and the variables and credentials every server's run starts
/// from.
fn prepare(plan: &Plan, suite: &Suite) -> Result<(Renderer, Map<String, Value>, Credentials)> {
    let mut renderer = Renderer::new(plan.templates.as_deref())?;
    renderer.add_suite(suite)?;
    let credentials = plan.credentials(suite);
    let mut values = plan.variables.clone();
    for (name, value) in [("db", &credentials.db), ("login", &credentials.login)] {
        if let Some(value) = value {
            values.insert(name.into(), Value::String(value.clone()));
        }
    }
    Ok((renderer, values, credentials))
}

/// What every server's run shares.
struct Ready {
    suite: Arc<Suite>,
    renderer: Arc<Renderer>,
    values: Map<String, Value>,
    credentials: Credentials,
}

/// What B's answers are compared with.
enum Expected {
    Baselines,
    /// A's answers and learned noise.
    Answers(Arc<FirstServer>),
    /// A's run in A/B: nothing to compare yet.
    Nothing,
}

struct Server {
    url: String,
    learn_noise: u32,
    /// How to log in there (B of an A/B run has its own database and credentials).
    credentials: Credentials,
}

/// What server A answered in an A/B run, by step.
struct FirstServer {
    answers: Vec<Option<Value>>,
    noise: Vec<Vec<String>>,
}

/// One run against one server: the verdicts, the secrets used, the runs, and what
/// `--cleanup` did.
async fn replay(
    plan: &Plan,
    ready: &Ready,
    server: &Server,
    expected: Expected,
    observer: &Arc<dyn Observer>,
) -> Result<(Vec<Verdict>, Secrets, Vec<StepRun>, Vec<Cleaned>)> {
    let Ready {
        suite,
        renderer,
        values,
        ..
    } = ready;
    let credentials = &server.credentials;
    let jobs = plan.jobs.max(1);
    let client =
        Client::new(&server.url, plan.insecure, plan.timeout, jobs).map_err(Error::Usage)?;
    let web_suite = has_web_steps(&suite.manifest.steps);
    let mut auth = Auth::establish(&client, plan.mode, credentials.clone(), web_suite).await?;
    // Another user's name and partner are what answers about the user now echo: ask for them
    // (a web session's login said them already; the captured user needs no asking).
    let captured_login = suite
        .manifest
        .variables
        .get("login")
        .and_then(Value::as_str);
    if auth.identity.is_empty() && credentials.login.as_deref() != captured_login {
        auth.identity = auth.who(&client).await;
    }
    let suite =
        &super::signatures::learn(&mut auth, &client, suite, plan.signatures.as_ref()).await;
    let mut values = values.clone();
    values.insert("url".into(), Value::String(server.url.clone()));
    values.insert("uid".into(), Value::from(auth.uid));
    for (name, value) in [("db", &credentials.db), ("login", &credentials.login)] {
        if let Some(value) = value {
            values.insert(name.into(), Value::String(value.clone()));
        }
    }
    add_secrets(&mut values, plan, &suite.manifest.secrets, credentials);
    let secret_values = auth.secret_values().await;
    let secrets = Secrets::from_values(secret_values.iter().map(String::as_str));
    observer.started(suite.manifest.steps.len(), &server.url, &auth, &secrets);
    let judging = !matches!(expected, Expected::Nothing);
    let context = Arc::new(Context {
        secrets: secrets.clone(),
        suite: suite.clone(),
        renderer: renderer.clone(),
        values,
        auth,
        client,
        options: Options {
            jobs,
            retry: plan.retry,
            retry_writes: plan.retry_writes,
            fail_fast: plan.fail_fast,
            // A's answers are kept for B to be compared with.
            keep: plan.save_har.is_some() || !judging,
            learn_noise: server.learn_noise,
        },
    });
    let judge = Arc::new(Judge::new(
        suite.clone(),
        plan.rules.clone(),
        &context.run_identity(),
        plan.time_shift,
    ));
    let verdicts: Arc<Mutex<Vec<Verdict>>> = Arc::new(Mutex::new(Vec::new()));
    let (reporter, collected, expected) = (observer.clone(), verdicts.clone(), Arc::new(expected));
    let judging_baselines = matches!(*expected, Expected::Baselines);
    let judged = judge.clone();
    // Steps are judged one at a time, in the order they end, as ids are mapped on first
    // sight; reading the answer needs no such order and is done before.
    let one_at_a_time = Mutex::new(());
    let runs = runner::run(context.clone(), move |run| {
        let live = judging.then(|| run.document()).flatten();
        let _turn = one_at_a_time.lock().unwrap_or_else(|p| p.into_inner());
        let verdict = match &*expected {
            Expected::Baselines => judge.judge(run, live),
            Expected::Answers(a) => {
                let mut run = run.clone();
                run.noise.extend(a.noise[run.index].iter().cloned());
                let expected = a.answers[run.index].as_ref();
                let verdict = judge.judge_against(&run, expected, live);
                super::upgrade::errors_as_differences(verdict, &run, expected)
            }
            Expected::Nothing => judge.judge_against(run, None, None),
        };
        reporter.step(run, &verdict, judging);
        collected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(verdict);
    })
    .await;
    observer.finished();
    let mut verdicts = std::mem::take(&mut *verdicts.lock().unwrap_or_else(|p| p.into_inner()));
    let order: std::collections::HashMap<&str, usize> = suite
        .manifest
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    verdicts.sort_by_key(|v| order.get(v.step.as_str()).copied().unwrap_or(usize::MAX));
    let mut cleaned = Vec::new();
    if plan.cleanup && judging_baselines {
        cleaned = cleanup(&context, judged.created()).await;
        observer.cleaned(&cleaned);
    }
    Ok((verdicts, secrets, runs, cleaned))
}

/// `--cleanup`: deletes the records the run created, newest first (a line before its order),
/// each on its own, so one Odoo refuses does not keep the others. A record the suite deleted
/// itself is already gone; a record Odoo will not delete is reported with its reason.
async fn cleanup(context: &Context, created: Vec<Created>) -> Vec<Cleaned> {
    let mut cleaned = Vec::new();
    for record in created.into_iter().rev() {
        let auth = &context.auth;
        let exists = auth
            .call_model(
                &context.client,
                &record.model,
                "search",
                None,
                serde_json::json!({"domain": [["id", "=", record.id]], "context": {"active_test": false}}),
            )
            .await;
        let outcome = match exists {
            Ok(Value::Array(found)) if found.is_empty() => Cleanup::AlreadyGone,
            Ok(_) => match auth
                .call_model(
                    &context.client,
                    &record.model,
                    "unlink",
                    Some(vec![record.id]),
                    serde_json::json!({}),
                )
                .await
            {
                Ok(_) => Cleanup::Deleted,
                Err(why) => Cleanup::Refused(why),
            },
            Err(why) => Cleanup::Refused(why),
        };
        cleaned.push(Cleaned { record, outcome });
    }
    cleaned
}

/// The suite without its writes, for A/B runs that must not change either server.
fn read_only(mut suite: Suite) -> Suite {
    suite.retain(|step| step.read_only);
    suite
}

/// The secrets templates use, with their real values.
fn add_secrets(
    values: &mut Map<String, Value>,
    plan: &Plan,
    names: &[String],
    credentials: &Credentials,
) {
    for name in names {
        let value = match name.as_str() {
            "password" => credentials
                .password
                .as_ref()
                .or(credentials.api_key.as_ref())
                .map(|s| s.expose().to_string()),
            "api_key" => credentials
                .api_key
                .as_ref()
                .or(credentials.password.as_ref())
                .map(|s| s.expose().to_string()),
            other => plan.secrets.get(other).map(|s| s.expose().to_string()),
        };
        if let Some(value) = value {
            values.insert(name.clone(), Value::String(value));
        }
    }
}

fn save_har(path: &std::path::Path, runs: &[StepRun], secrets: &Secrets) -> Result<()> {
    let exchanges: Vec<_> = runs.iter().filter_map(|r| r.exchange(secrets)).collect();
    let mut har = crate::capture::to_har(&exchanges, "odoo-har replay");
    crate::template::redact::redact_har(&mut har, secrets);
    let mut text = serde_json::to_string_pretty(&har).unwrap_or_default();
    text.push('\n');
    write_file(path, &text)
}
