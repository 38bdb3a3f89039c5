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

use serde_json::{Map, Value};
use tokio::task::JoinSet;

use super::auth::{Auth, Prepared};
use super::client::{Client, HttpReply, backoff};
use crate::capture::{Body, Exchange, NameValue, Request, Response, Source};
use crate::odoo::Kind;
use crate::odoo::rpc::{Answer, Dialect};
use crate::template::redact::Secrets;
use crate::template::render::Renderer;
use crate::template::suite::Suite;
use crate::template::values::Values;

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
    /// Keep what was sent and received after each step is reported (for `--save-har`). Without
    /// it, memory stays flat however many steps run.
    pub keep: bool,
    /// Send each read-only step this many extra times and report the paths whose values
    /// changed between answers (`--learn-noise`).
    pub learn_noise: u32,
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
    Skipped { reason: String, skip: Skip },
}

/// Why a step was not sent, as far as the run's result goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The chosen mode cannot send it (a web-only route over `/jsonrpc`), or it needs the
    /// answer of such a step: nothing went wrong, the run does not fail for it unless asked.
    Unsendable,
    /// A step it needs failed, or `--fail-fast` stopped the run: it follows that failure.
    AfterFailure,
}

#[derive(Debug, Clone)]
pub struct Answered {
    pub status: u16,
    pub answer: Answer,
    /// How the answer was read.
    pub dialect: Dialect,
}

/// What was sent and what came back, as they were: secrets are masked only when a copy
/// leaves the process ([`StepRun::exchange`]).
#[derive(Debug, Clone)]
pub struct Sent {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    pub reply: Option<HttpReply>,
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
    /// The step's kind (`call_kw`, `json2`, …), which decides the shape of its answer.
    pub kind: Kind,
    /// What was sent and received; `None` when nothing was sent.
    pub sent: Option<Sent>,
    /// Paths whose values changed between repeated reads of this step (`--learn-noise`).
    pub noise: Vec<String>,
}

impl StepRun {
    /// The answer in the shape of the step's baseline (a JSON-RPC envelope, or a JSON-2
    /// value), whatever dialect carried it.
    pub fn document(&self) -> Option<Value> {
        let Outcome::Answered(answered) = &self.outcome else {
            return None;
        };
        let sent = self.sent.as_ref()?;
        let reply = sent.reply.as_ref()?;
        let mut document = document(
            answered.dialect,
            self.kind.dialect(),
            reply,
            &answered.answer,
        )?;
        // A button sent through the external API answers the method's raw result; the web
        // client's route would have cleaned it.
        if self.kind == Kind::CallButton
            && !sent.url.contains("/web/dataset/call_button")
            && let Some(result) = document.get_mut("result")
        {
            *result = crate::odoo::methods::call_button_result(result.take());
        }
        Some(document)
    }

    /// What was sent and received, with `secrets` masked, for a saved HAR or a report.
    pub fn exchange(&self, secrets: &Secrets) -> Option<Exchange> {
        self.sent
            .as_ref()
            .map(|sent| record(secrets, self.index, sent, self.elapsed))
    }

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
            Outcome::Skipped { reason, .. } => reason.clone(),
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Everything a step needs to run.
pub struct Context {
    pub suite: Arc<Suite>,
    pub renderer: Arc<Renderer>,
    /// Variables and secrets (with their real values) for rendering.
    pub values: Map<String, Value>,
    pub auth: Auth,
    pub client: Client,
    pub options: Options,
    /// Secrets to mask in what is kept of each request.
    pub secrets: Secrets,
}

impl Context {
    /// Who and where this run is: the variables an answer may echo (`url`, `db`, `login`,
    /// `uid`) and the user's `name`, `partner_id` and `company_id` as the server gave them.
    pub fn run_identity(&self) -> Map<String, Value> {
        let mut identity = self.auth.identity.clone();
        for name in ["url", "db", "login", "uid"] {
            if let Some(value) = self.values.get(name) {
                identity.insert(name.into(), value.clone());
            }
        }
        identity
    }
}

/// Which step provides each capture.
fn providers(suite: &Suite) -> BTreeMap<&str, usize> {
    suite
        .manifest
        .steps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.captures.iter().map(move |c| (c.name.as_str(), i)))
        .collect()
}

/// The earlier steps whose answers each step needs.
fn data_dependencies(suite: &Suite) -> Vec<BTreeSet<usize>> {
    let providers = providers(suite);
    let steps = suite.manifest.steps.iter().enumerate();
    steps
        .map(|(index, step)| {
            step.uses
                .iter()
                .filter_map(|u| providers.get(u.as_str()).copied())
                .filter(|&p| p < index)
                .collect()
        })
        .collect()
}

/// The steps each step waits for: the answers it needs, and the order writes impose.
pub fn dependencies(suite: &Suite) -> Vec<BTreeSet<usize>> {
    let data = data_dependencies(suite);
    let mut last_write: Option<usize> = None;
    let mut since_write: Vec<usize> = Vec::new();
    let mut deps = Vec::with_capacity(suite.manifest.steps.len());
    for (index, step) in suite.manifest.steps.iter().enumerate() {
        let mut own = data[index].clone();
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

/// What the workers share: which steps are ready, waiting, done.
struct Schedule {
    ready: VecDeque<usize>,
    waiting: Vec<usize>,
    dependents: Vec<Vec<usize>>,
    data_deps: Vec<BTreeSet<usize>>,
    results: Vec<Option<StepRun>>,
    finished: usize,
    /// Set by --fail-fast after the first failure: why the rest is not run.
    stopped: Option<String>,
}

/// What a worker does next.
enum Next {
    Run(usize),
    Wait,
    Done,
}

impl Schedule {
    fn next(&mut self, context: &Context, report: &(dyn Fn(&StepRun) + Send + Sync)) -> Next {
        loop {
            if self.finished == self.results.len() {
                return Next::Done;
            }
            let Some(index) = self.ready.pop_front() else {
                return Next::Wait;
            };
            let skip = self
                .stopped
                .clone()
                .map(|reason| (reason, Skip::AfterFailure))
                .or_else(|| {
                    failed_provider(
                        &self.data_deps[index],
                        &self.results,
                        &context.suite.manifest.steps,
                    )
                });
            match skip {
                Some((reason, skip)) => {
                    let run = skipped(index, context, reason, skip);
                    report(&run);
                    self.finish(run, context);
                }
                None => return Next::Run(index),
            }
        }
    }

    /// Records a reported step and releases the steps that waited for it.
    fn finish(&mut self, mut run: StepRun, context: &Context) {
        let index = run.index;
        if matches!(run.outcome, Outcome::Failed { .. })
            && context.options.fail_fast
            && self.stopped.is_none()
        {
            self.stopped = Some(format!(
                "not run: --fail-fast stopped the run after {} failed",
                run.name
            ));
        }
        if !context.options.keep {
            run.sent = None;
        }
        self.results[index] = Some(run);
        self.finished += 1;
        release(index, &self.dependents, &mut self.waiting, &mut self.ready);
    }
}

/// Runs every step; `report` is called as each one ends, before any step that waits for it
/// starts. Calls come from the workers and may overlap: `report` keeps its own order.
///
/// `--jobs` workers take ready steps from a shared schedule and record their own results, so
/// a step costs no task of its own and no round trip through a coordinator.
pub async fn run(
    context: Arc<Context>,
    report: impl Fn(&StepRun) + Send + Sync + 'static,
) -> Vec<StepRun> {
    let count = context.suite.manifest.steps.len();
    let deps = dependencies(&context.suite);
    let waiting: Vec<usize> = deps.iter().map(BTreeSet::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, own) in deps.iter().enumerate() {
        for &d in own {
            dependents[d].push(i);
        }
    }
    let schedule = Schedule {
        ready: (0..count).filter(|&i| waiting[i] == 0).collect(),
        waiting,
        dependents,
        data_deps: data_dependencies(&context.suite),
        results: vec![None; count],
        finished: 0,
        stopped: None,
    };
    let shared = Arc::new((Mutex::new(schedule), tokio::sync::Notify::new()));
    let captures: Arc<Mutex<Map<String, Value>>> = Arc::new(Mutex::new(Map::new()));
    let report: Arc<dyn Fn(&StepRun) + Send + Sync> = Arc::new(report);
    let mut workers = JoinSet::new();
    for _ in 0..context.options.jobs.clamp(1, count.max(1)) {
        let (context, shared, captures, report) = (
            context.clone(),
            shared.clone(),
            captures.clone(),
            report.clone(),
        );
        workers.spawn(async move {
            let (schedule, changed) = &*shared;
            loop {
                let notified = changed.notified();
                tokio::pin!(notified);
                // Registered before the lock is released, so no wake-up can slip past.
                notified.as_mut().enable();
                let next = schedule
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .next(&context, &*report);
                match next {
                    Next::Done => {
                        changed.notify_waiters();
                        return;
                    }
                    Next::Wait => notified.await,
                    Next::Run(index) => {
                        let run = execute(index, &context, &captures).await;
                        // Outside the schedule: judging a step does not hold up the others.
                        report(&run);
                        schedule
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .finish(run, &context);
                        changed.notify_waiters();
                    }
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let mut schedule = shared.0.lock().unwrap_or_else(|p| p.into_inner());
    std::mem::take(&mut schedule.results)
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| skipped(i, &context, "not run".into(), Skip::AfterFailure))
        })
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
            // Keep capture order among ready steps. Dependents come in order, so the usual
            // place is the end: no search through a queue of thousands of reads.
            if ready.back().is_none_or(|&last| last < d) {
                ready.push_back(d);
            } else {
                let at = ready.iter().position(|&r| r > d).unwrap_or(ready.len());
                ready.insert(at, d);
            }
        }
    }
}

/// Why a step cannot run: a step whose answer it needs gave none. A step that needs a step
/// the mode could not send cannot be sent either; one that needs a failed step follows it.
fn failed_provider(
    providers: &BTreeSet<usize>,
    results: &[Option<StepRun>],
    steps: &[crate::template::suite::Step],
) -> Option<(String, Skip)> {
    providers
        .iter()
        .find_map(|&p| match results[p].as_ref().map(|r| &r.outcome) {
            Some(Outcome::Answered(Answered {
                answer: Answer::Result,
                ..
            })) => None,
            Some(Outcome::Answered(_)) => Some((
                format!("depends on {}, which got an Odoo error", steps[p].name),
                Skip::AfterFailure,
            )),
            Some(Outcome::Failed { .. }) => Some((
                format!("depends on {}, which failed", steps[p].name),
                Skip::AfterFailure,
            )),
            Some(Outcome::Skipped { skip, .. }) => Some((
                format!("depends on {}, which was skipped", steps[p].name),
                *skip,
            )),
            None => Some((
                format!("depends on {}, which was not run", steps[p].name),
                Skip::AfterFailure,
            )),
        })
}

fn skipped(index: usize, context: &Context, reason: String, skip: Skip) -> StepRun {
    let step = &context.suite.manifest.steps[index];
    StepRun {
        index,
        name: step.name.clone(),
        read_only: step.read_only,
        outcome: Outcome::Skipped { reason, skip },
        attempts: 0,
        elapsed: Duration::ZERO,
        kind: step.kind,
        sent: None,
        noise: Vec::new(),
    }
}

async fn execute(index: usize, context: &Context, captures: &Mutex<Map<String, Value>>) -> StepRun {
    let step = context.suite.step(index);
    let start = Instant::now();
    let mut run = skipped(index, context, String::new(), Skip::AfterFailure);
    // The step's captures over the shared variables: nothing else is copied per step.
    let mut own = Map::new();
    {
        let captured = captures.lock().unwrap_or_else(|p| p.into_inner());
        for name in &step.uses {
            match captured.get(name) {
                Some(value) => {
                    own.insert(name.clone(), value.clone());
                }
                None => {
                    // No step of this run provides it (an A/B run leaves writes out): the run
                    // cannot send the step, nothing failed.
                    run.outcome = Outcome::Skipped {
                        reason: format!("the capture `{name}` got no value from the run"),
                        skip: Skip::Unsendable,
                    };
                    return run;
                }
            }
        }
    }
    let values = Values::with(&context.values, &own);
    let rendered = match context
        .renderer
        .render_step_text(&context.suite, index, &values)
    {
        Ok(text) => text,
        Err(error) => {
            run.outcome = Outcome::Failed {
                cause: format!("the request cannot be rendered: {error}"),
            };
            return run;
        }
    };
    let prepared = match context
        .auth
        .prepare(step.kind, &step.route, rendered, index as u64 + 1)
    {
        Ok(prepared) => prepared,
        Err(why) => {
            run.outcome = Outcome::Skipped {
                reason: format!(
                    "cannot be sent in {} mode: {why}",
                    context.auth.mode.as_str()
                ),
                skip: Skip::Unsendable,
            };
            return run;
        }
    };
    let body = prepared.body.clone();
    let (outcome, reply, attempts, headers) = send(context, &prepared, body.clone(), &step).await;
    run.attempts = attempts;
    run.elapsed = start.elapsed();
    run.outcome = outcome;
    run.sent = Some(Sent {
        url: format!("{}{}", context.client.base(), prepared.route),
        headers,
        body,
        reply,
    });
    if step.read_only && context.options.learn_noise > 0 {
        run.noise = learn_noise(context, &prepared, &run).await;
    }
    // Answers are parsed only when a later step needs a value from them.
    if !step.captures.is_empty()
        && let Some(document) = run.document()
    {
        let document = &document;
        let mut captured = captures.lock().unwrap_or_else(|p| p.into_inner());
        for (capture, path) in step.captures() {
            if let Some(value) = path.get(document).cloned() {
                captured.insert(capture.name.clone(), value);
            }
        }
    }
    run
}

/// Sends a read again `learn_noise` times and lists the paths whose values moved: values
/// that change with no write in between (timestamps, counters, random order) are noise.
async fn learn_noise(context: &Context, prepared: &Prepared, run: &StepRun) -> Vec<String> {
    let Some(first) = run.document() else {
        return Vec::new();
    };
    let mut noise = std::collections::BTreeSet::new();
    for _ in 0..context.options.learn_noise {
        let headers = context.auth.headers(prepared).await;
        let Ok(reply) = context
            .client
            .post(&prepared.route, prepared.body.clone(), &headers)
            .await
        else {
            continue;
        };
        let Ok(again) = serde_json::from_slice::<Value>(&reply.body) else {
            continue;
        };
        let again = match (prepared.dialect, run.kind.dialect()) {
            (Dialect::JsonRpc, Dialect::Json2) => Dialect::JsonRpc
                .outcome(&again)
                .ok()
                .flatten()
                .cloned()
                .unwrap_or(Value::Null),
            (Dialect::Json2, Dialect::JsonRpc) => Dialect::JsonRpc.document(Ok(again)),
            _ => again,
        };
        for change in crate::diff::compare(&first, &again, &Default::default(), 200) {
            noise.insert(change.path);
        }
    }
    noise.into_iter().collect()
}

/// Sends with retries; returns the outcome, the last HTTP reply, the tries made and the headers sent.
async fn send(
    context: &Context,
    prepared: &Prepared,
    body: bytes::Bytes,
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
        match context
            .client
            .post(&prepared.route, body.clone(), &headers)
            .await
        {
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
                let answer = prepared.dialect.answer(reply.status, &reply.body);
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
                    _ if reply.redirect().is_some() => Outcome::Failed {
                        cause: format!(
                            "HTTP {}: the server redirects to {}; replay to that address (--url), odoo-har does not follow redirects since they would turn the POST into a GET",
                            reply.status,
                            reply.redirect().unwrap_or_default()
                        ),
                    },
                    Answer::Unexpected(what) => Outcome::Failed {
                        cause: format!("HTTP {}: {what}", reply.status),
                    },
                    Answer::None => Outcome::Failed {
                        cause: format!("HTTP {}: no body", reply.status),
                    },
                    _ => Outcome::Answered(Answered {
                        status: reply.status,
                        answer,
                        dialect: prepared.dialect,
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
    stored: Dialect,
    reply: &HttpReply,
    answer: &Answer,
) -> Option<Value> {
    let value: Value = serde_json::from_slice(&reply.body).ok()?;
    match (dialect, answer) {
        _ if dialect == stored => Some(value),
        (_, Answer::Error(error)) => Some(stored.document(Err(error))),
        (Dialect::JsonRpc, _) => dialect.outcome(&value).ok().flatten().cloned(),
        // A JSON-2 answer that is not an error is the result, whatever members it has.
        (Dialect::Json2, _) => Some(stored.document(Ok(value))),
    }
}

/// What was sent and received, secrets masked, as an exchange for `--save-har`.
fn record(secrets: &Secrets, index: usize, sent: &Sent, elapsed: Duration) -> Exchange {
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
    request_headers.extend(pairs(&sent.headers));
    Exchange {
        source: Source {
            file: "replay".into(),
            entry: index,
        },
        started: None,
        duration_ms: Some(elapsed.as_secs_f64() * 1e3),
        request: Request {
            method: "POST".into(),
            url: secrets.scrub_url(&sent.url),
            headers: request_headers,
            cookies: Vec::new(),
            body: Some(Body {
                mime_type: Some("application/json".into()),
                bytes: mask_body(&sent.body),
            }),
        },
        response: sent.reply.as_ref().map(|reply| Response {
            status: reply.status,
            headers: pairs(&reply.header_pairs()),
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
    use crate::template::suite::{Manifest, test_step as step};

    #[test]
    fn reads_between_writes_run_together_and_captures_wait() {
        let manifest = Manifest {
            steps: vec![
                step("001-read", true, &[], &[]),
                step("002-read", true, &[], &[]),
                step("003-create", false, &[], &["s003"]),
                step("004-read", true, &["s003"], &[]),
                step("005-read", true, &[], &[]),
                step("006-write", false, &["s003"], &[]),
                step("007-read", true, &[], &[]),
            ],
            ..Default::default()
        };
        let suite = Suite::from_memory("t", manifest, &[]).unwrap();
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
