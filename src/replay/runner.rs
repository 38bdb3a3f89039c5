//! Running a suite's steps against a server: concurrently where that is safe, in order where
//! it matters, with retries only for faults that allow them.
//!
//! Order: a step that uses a capture waits for the step that provides it; a write (anything
//! not known to only read) waits for every step before it; a read waits for the last write
//! before it. So reads between two writes run together, and every step sees the data its
//! captured twin saw.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tokio::task::JoinSet;

use super::auth::{Auth, Dialect, Prepared};
use super::client::{Client, HttpReply, backoff};
use crate::capture::{Body, Exchange, NameValue, Request, Response, Source};
use crate::odoo::rpc::{self, Answer};
use crate::path::Path;
use crate::template::redact::Secrets;
use crate::template::render::Renderer;
use crate::template::suite::Suite;

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub jobs: usize,
    /// Retries for transient faults (the first try not counted).
    pub retry: u32,
    /// Also retry writes whose outcome is unknown (a lost connection, a timeout, a 5xx).
    pub retry_writes: bool,
    /// Stop starting steps after the first failure.
    pub fail_fast: bool,
}

/// What came of a step.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Odoo answered: a result, or an Odoo error.
    Answered(Answered),
    /// No usable answer: transport failure, a body that is not Odoo's, or a request that could
    /// not be built.
    Failed { cause: String },
    /// Not sent, and why.
    Skipped { reason: String },
}

#[derive(Debug, Clone)]
pub struct Answered {
    pub status: u16,
    pub answer: Answer,
    /// The answer in the shape of the step's baseline (a JSON-RPC envelope, or a JSON-2 value).
    pub document: Option<Value>,
}

/// One step's run.
#[derive(Debug, Clone)]
pub struct StepRun {
    pub index: usize,
    pub name: String,
    pub read_only: bool,
    pub outcome: Outcome,
    /// Tries made (0 when not sent).
    pub attempts: u32,
    pub elapsed: Duration,
    /// What was sent and received, secrets masked; `None` when nothing was sent.
    pub exchange: Option<Exchange>,
}

impl StepRun {
    /// A one-line description of the outcome.
    pub fn describe(&self) -> String {
        match &self.outcome {
            Outcome::Answered(a) => match &a.answer {
                Answer::Error(error) => {
                    format!("{}: {}", error.label(), first_line(&error.message))
                }
                _ => String::new(),
            },
            Outcome::Failed { cause } => cause.clone(),
            Outcome::Skipped { reason } => reason.clone(),
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Everything a step needs to run.
pub struct Context {
    pub suite: Suite,
    pub renderer: Renderer,
    /// Variables and secrets (with their real values) for rendering.
    pub values: Map<String, Value>,
    pub auth: Auth,
    pub client: Client,
    pub options: Options,
    /// Secrets to mask in what is kept of each request.
    pub secrets: Secrets,
}

/// The steps each step waits for.
pub fn dependencies(suite: &Suite) -> Vec<BTreeSet<usize>> {
    let providers: BTreeMap<&str, usize> = suite
        .manifest
        .steps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.captures.iter().map(move |c| (c.name.as_str(), i)))
        .collect();
    let mut last_write: Option<usize> = None;
    let mut since_write: Vec<usize> = Vec::new();
    let mut deps = Vec::with_capacity(suite.manifest.steps.len());
    for (index, step) in suite.manifest.steps.iter().enumerate() {
        let mut own: BTreeSet<usize> = step
            .uses
            .iter()
            .filter_map(|u| providers.get(u.as_str()).copied())
            .filter(|&p| p < index)
            .collect();
        if step.read_only {
            own.extend(last_write);
            since_write.push(index);
        } else {
            own.extend(last_write);
            own.extend(since_write.drain(..));
            last_write = Some(index);
        }
        deps.push(own);
    }
    deps
}

/// Runs every step; `report` is called as each one ends, in the order they end.
pub async fn run(context: Arc<Context>, report: impl Fn(&StepRun)) -> Vec<StepRun> {
    let steps = &context.suite.manifest.steps;
    let count = steps.len();
    let deps = dependencies(&context.suite);
    let data_deps: Vec<BTreeSet<usize>> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let providers: BTreeSet<usize> = steps[..i]
                .iter()
                .enumerate()
                .filter(|(_, p)| p.captures.iter().any(|c| s.uses.contains(&c.name)))
                .map(|(j, _)| j)
                .collect();
            providers
        })
        .collect();
    let mut waiting: Vec<usize> = deps.iter().map(BTreeSet::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, own) in deps.iter().enumerate() {
        for &d in own {
            dependents[d].push(i);
        }
    }
    let captures: Arc<Mutex<Map<String, Value>>> = Arc::new(Mutex::new(Map::new()));
    let mut results: Vec<Option<StepRun>> = vec![None; count];
    let mut ready: VecDeque<usize> = (0..count).filter(|&i| waiting[i] == 0).collect();
    let mut running = JoinSet::new();
    let mut stopped: Option<String> = None;
    let mut finished = 0;
    while finished < count {
        while running.len() < context.options.jobs.max(1) {
            let Some(index) = ready.pop_front() else {
                break;
            };
            let skip = stopped
                .clone()
                .or_else(|| failed_provider(&data_deps[index], &results, steps));
            if let Some(reason) = skip {
                let run = skipped(index, &context, reason);
                report(&run);
                results[index] = Some(run);
                finished += 1;
                release(index, &dependents, &mut waiting, &mut ready);
                continue;
            }
            let context = context.clone();
            let captures = captures.clone();
            running.spawn(async move { execute(index, &context, &captures).await });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let Ok(run) = joined else { continue };
        let index = run.index;
        if matches!(run.outcome, Outcome::Failed { .. })
            && context.options.fail_fast
            && stopped.is_none()
        {
            stopped = Some(format!(
                "not run: --fail-fast stopped the run after {} failed",
                run.name
            ));
        }
        report(&run);
        results[index] = Some(run);
        finished += 1;
        release(index, &dependents, &mut waiting, &mut ready);
    }
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|| skipped(i, &context, "not run".into())))
        .collect()
}

fn release(
    index: usize,
    dependents: &[Vec<usize>],
    waiting: &mut [usize],
    ready: &mut VecDeque<usize>,
) {
    for &d in &dependents[index] {
        waiting[d] -= 1;
        if waiting[d] == 0 {
            // Keep capture order among ready steps.
            let at = ready.iter().position(|&r| r > d).unwrap_or(ready.len());
            ready.insert(at, d);
        }
    }
}

/// Why a step cannot run: a step whose answer it needs gave none.
fn failed_provider(
    providers: &BTreeSet<usize>,
    results: &[Option<StepRun>],
    steps: &[crate::template::suite::Step],
) -> Option<String> {
    providers
        .iter()
        .find_map(|&p| match results[p].as_ref().map(|r| &r.outcome) {
            Some(Outcome::Answered(Answered {
                answer: Answer::Result,
                ..
            })) => None,
            Some(Outcome::Answered(_)) => Some(format!(
                "depends on {}, which got an Odoo error",
                steps[p].name
            )),
            Some(Outcome::Failed { .. }) => {
                Some(format!("depends on {}, which failed", steps[p].name))
            }
            Some(Outcome::Skipped { .. }) | None => {
                Some(format!("depends on {}, which was skipped", steps[p].name))
            }
        })
}

fn skipped(index: usize, context: &Context, reason: String) -> StepRun {
    let step = &context.suite.manifest.steps[index];
    StepRun {
        index,
        name: step.name.clone(),
        read_only: step.read_only,
        outcome: Outcome::Skipped { reason },
        attempts: 0,
        elapsed: Duration::ZERO,
        exchange: None,
    }
}

async fn execute(index: usize, context: &Context, captures: &Mutex<Map<String, Value>>) -> StepRun {
    let step = &context.suite.manifest.steps[index];
    let start = Instant::now();
    let mut run = skipped(index, context, String::new());
    let values = {
        let mut values = context.values.clone();
        let captured = captures.lock().unwrap_or_else(|p| p.into_inner());
        for name in &step.uses {
            match captured.get(name) {
                Some(value) => {
                    values.insert(name.clone(), value.clone());
                }
                None => {
                    run.outcome = Outcome::Skipped {
                        reason: format!("the capture `{name}` got no value from the run"),
                    };
                    return run;
                }
            }
        }
        values
    };
    let rendered = match context.renderer.render_step(&context.suite, index, &values) {
        Ok(rendered) => rendered,
        Err(error) => {
            run.outcome = Outcome::Failed {
                cause: format!("the request cannot be rendered: {error}"),
            };
            return run;
        }
    };
    let prepared =
        match context
            .auth
            .prepare(&step.kind, &step.route, &rendered.body, index as u64 + 1)
        {
            Ok(prepared) => prepared,
            Err(why) => {
                run.outcome = Outcome::Skipped {
                    reason: format!(
                        "cannot be sent in {} mode: {why}",
                        context.auth.mode.as_str()
                    ),
                };
                return run;
            }
        };
    let body = serde_json::to_vec(&prepared.body).unwrap_or_default();
    let (outcome, reply, attempts, headers) = send(context, &prepared, &body, step).await;
    run.attempts = attempts;
    run.elapsed = start.elapsed();
    if let Outcome::Answered(answered) = &outcome
        && let Some(document) = &answered.document
    {
        let mut captured = captures.lock().unwrap_or_else(|p| p.into_inner());
        for capture in &step.captures {
            if let Some(value) = Path::parse(&capture.path)
                .ok()
                .and_then(|p| p.get(document).cloned())
            {
                captured.insert(capture.name.clone(), value);
            }
        }
    }
    run.exchange = Some(record(
        context,
        index,
        &prepared,
        &headers,
        &body,
        reply.as_ref(),
        run.elapsed,
    ));
    run.outcome = outcome;
    run
}

/// Sends with retries; returns the outcome, the last HTTP reply, the tries made and the headers sent.
async fn send(
    context: &Context,
    prepared: &Prepared,
    body: &[u8],
    step: &crate::template::suite::Step,
) -> (Outcome, Option<HttpReply>, u32, Vec<(String, String)>) {
    let read_only = step.read_only;
    let options = &context.options;
    let unknown_outcome_ok = read_only || options.retry_writes;
    let mut attempt = 0;
    let mut logged_in_again = false;
    loop {
        attempt += 1;
        let headers = context.auth.headers(prepared).await;
        let may_retry = attempt <= options.retry;
        match context.client.post(&prepared.route, body, &headers).await {
            Err(fault) => {
                if may_retry && fault.transient() && (fault.never_sent() || unknown_outcome_ok) {
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                let tries = if attempt > 1 {
                    format!(" ({attempt} tries)")
                } else {
                    String::new()
                };
                return (
                    Outcome::Failed {
                        cause: format!("{}{tries}", fault.describe()),
                    },
                    None,
                    attempt,
                    headers,
                );
            }
            Ok(reply) => {
                let answer = match prepared.dialect {
                    Dialect::Json2 => rpc::json2_answer(reply.status, &reply.body),
                    Dialect::JsonRpc => rpc::json_rpc_answer(&reply.body),
                };
                if let Answer::Error(error) = &answer {
                    let expired = error.code == Some(100)
                        || error.name.as_deref() == Some("odoo.http.SessionExpiredException");
                    if expired
                        && prepared.web
                        && !logged_in_again
                        && context.auth.mode == super::auth::Mode::Session
                    {
                        logged_in_again = true;
                        if context.auth.relogin(&context.client).await.is_ok() {
                            attempt -= 1;
                            continue;
                        }
                    }
                    // PostgreSQL rolled the transaction back: sending again is safe, even for a write.
                    let serialization = error
                        .name
                        .as_deref()
                        .is_some_and(|n| n.contains("SerializationFailure"))
                        || error.message.contains("could not serialize access");
                    if serialization && may_retry {
                        tokio::time::sleep(backoff(attempt)).await;
                        continue;
                    }
                }
                let gateway = matches!(reply.status, 502..=504);
                if gateway && may_retry && unknown_outcome_ok && !matches!(answer, Answer::Error(_))
                {
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                let outcome = match &answer {
                    Answer::Unexpected(what) => Outcome::Failed {
                        cause: format!("HTTP {}: {what}", reply.status),
                    },
                    Answer::None => Outcome::Failed {
                        cause: format!("HTTP {}: no body", reply.status),
                    },
                    _ => Outcome::Answered(Answered {
                        status: reply.status,
                        document: document(prepared.dialect, step.kind == "json2", &reply, &answer),
                        answer,
                    }),
                };
                return (outcome, Some(reply), attempt, headers);
            }
        }
    }
}

/// The answer in the shape the step's baseline has, so captures and diffs read it alike:
/// JSON-RPC steps keep envelopes, JSON-2 steps bare values, whatever dialect carried them.
fn document(
    dialect: Dialect,
    step_is_json2: bool,
    reply: &HttpReply,
    answer: &Answer,
) -> Option<Value> {
    let value: Value = serde_json::from_slice(&reply.body).ok()?;
    match (dialect, step_is_json2) {
        (Dialect::JsonRpc, false) | (Dialect::Json2, true) => Some(value),
        (Dialect::JsonRpc, true) => match answer {
            Answer::Error(error) => Some(json!({"name": error.name, "message": error.message})),
            _ => value.get("result").cloned(),
        },
        (Dialect::Json2, false) => Some(match answer {
            Answer::Error(error) => {
                json!({"jsonrpc": "2.0", "id": null, "error": {"code": 200, "message": "Odoo Server Error", "data": {"name": error.name, "message": error.message}}})
            }
            _ => json!({"jsonrpc": "2.0", "id": null, "result": value}),
        }),
    }
}

/// What was sent and received, secrets masked, as an exchange for `--save-har`.
fn record(
    context: &Context,
    index: usize,
    prepared: &Prepared,
    headers: &[(String, String)],
    body: &[u8],
    reply: Option<&HttpReply>,
    elapsed: Duration,
) -> Exchange {
    let secrets = &context.secrets;
    let mask_body = |bytes: &[u8]| -> Vec<u8> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(mut value) => {
                secrets.mask_json(&mut value);
                serde_json::to_vec(&value).unwrap_or_default()
            }
            Err(_) => secrets
                .scrub_text(&String::from_utf8_lossy(bytes))
                .into_bytes(),
        }
    };
    let pairs = |list: &[(String, String)]| {
        list.iter()
            .map(|(n, v)| NameValue::new(n.clone(), secrets.scrub_header(n, v)))
            .collect::<Vec<_>>()
    };
    let mut request_headers = vec![NameValue::new("Content-Type", "application/json")];
    request_headers.extend(pairs(headers));
    Exchange {
        source: Source {
            file: "replay".into(),
            entry: index,
        },
        started: None,
        duration_ms: Some(elapsed.as_secs_f64() * 1e3),
        request: Request {
            method: "POST".into(),
            url: format!("{}{}", context.client.base(), prepared.route),
            headers: request_headers,
            cookies: Vec::new(),
            body: Some(Body {
                mime_type: Some("application/json".into()),
                bytes: mask_body(body),
            }),
        },
        response: reply.map(|reply| Response {
            status: reply.status,
            headers: pairs(&reply.headers),
            cookies: Vec::new(),
            body: Some(Body {
                mime_type: reply.header("content-type").map(str::to_string),
                bytes: mask_body(&reply.body),
            }),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::suite::{CaptureDef, FORMAT, Manifest, Step};

    fn step(name: &str, read_only: bool, uses: &[&str], captures: &[&str]) -> Step {
        Step {
            name: name.into(),
            kind: "call_kw".into(),
            route: "/web/dataset/call_kw".into(),
            service: None,
            model: None,
            method: None,
            read_only,
            params: format!("steps/{name}.params.hbs"),
            baseline: None,
            status: None,
            captured_at: None,
            uses: uses.iter().map(|u| u.to_string()).collect(),
            captures: captures
                .iter()
                .map(|c| CaptureDef {
                    name: c.to_string(),
                    path: "$.result".into(),
                    because: None,
                })
                .collect(),
            ignore: Vec::new(),
        }
    }

    #[test]
    fn reads_between_writes_run_together_and_captures_wait() {
        let manifest = Manifest {
            format: FORMAT,
            extracted_from: vec![],
            variables: Default::default(),
            secrets: vec![],
            ignore: vec![],
            steps: vec![
                step("001-read", true, &[], &[]),
                step("002-read", true, &[], &[]),
                step("003-create", false, &[], &["s003"]),
                step("004-read", true, &["s003"], &[]),
                step("005-read", true, &[], &[]),
                step("006-write", false, &["s003"], &[]),
                step("007-read", true, &[], &[]),
            ],
        };
        let suite = Suite::from_memory("t", manifest, &[]);
        let deps: Vec<Vec<usize>> = dependencies(&suite)
            .into_iter()
            .map(|d| d.into_iter().collect())
            .collect();
        assert_eq!(
            deps,
            vec![
                vec![],
                vec![],
                vec![0, 1],
                vec![2],
                vec![2],
                vec![2, 3, 4],
                vec![5]
            ]
        );
    }
}
