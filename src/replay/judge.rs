//! Each step's verdict: its new answer against its baseline, relative to the run.
//!
//! A baseline is what the capture saw; a run on the same server seconds later, or on a copy of
//! its database, sees other ids for the records it creates (and the messages, followers and
//! lines those create), other sequence numbers, another database name and URL, later dates.
//! None of that is a change: the judge maps what the run made to what the capture made, on
//! first sight, and holds later sights to that mapping (see [`super::relative`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value};

use super::relative::{self, CaptureTime, StepFacts};
use super::runner::{Outcome, Skip, StepRun};
use crate::diff::{
    Change, Relative, Rules, Unified, compare_relative, merge_relative, normalized, unified,
};
use crate::odoo::ids::{self, Place};
use crate::odoo::rpc::Answer;
use crate::path::Path;
use crate::template::suite::{Step, Suite};
use crate::text::plural;

/// What came of a step, judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Passed,
    Differs,
    Failed,
    Skipped,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Passed => "passed",
            Kind::Differs => "differs",
            Kind::Failed => "failed",
            Kind::Skipped => "skipped",
        }
    }
}

/// A judged step.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub step: String,
    pub model: Option<String>,
    pub method: Option<String>,
    pub verdict: Kind,
    /// Why it failed or was skipped, or how it differs, in one line.
    pub reason: String,
    /// For a skipped step: true when the chosen mode cannot send it (which fails the run
    /// only with `--fail-on-skip`), false when it follows a failure.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unsendable: bool,
    pub status: Option<u16>,
    pub duration_ms: f64,
    pub attempts: u32,
    pub changed_paths: Vec<String>,
    /// The unified diff of the normalised answers, when they differ: plain, for any report;
    /// a terminal printer colours it.
    #[serde(skip_serializing_if = "Unified::is_empty")]
    pub diff: Unified,
    /// Paths whose values changed between repeated reads (`--learn-noise`), ignored here.
    pub learned_noise: Vec<String>,
    /// Paths holding dates the server set from its clock, moved by the time between capture
    /// and replay: equal, and listed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_shifted: Vec<String>,
    /// What a person should check although the step passed: ids sent as captured although an
    /// earlier answer returned them (on another database they may name another record).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The live answer, kept for `--update` when it differs.
    #[serde(skip)]
    pub live: Option<Value>,
}

#[cfg(test)]
impl Verdict {
    /// A report test's step: a partner read the server answered with 200 in 12 ms, nothing
    /// changed, learned or warned about.
    pub(crate) fn sample(step: &str, kind: Kind) -> Verdict {
        Verdict {
            step: step.into(),
            model: Some("res.partner".into()),
            method: Some("read".into()),
            verdict: kind,
            reason: String::new(),
            unsendable: false,
            status: Some(200),
            duration_ms: 12.0,
            attempts: 1,
            changed_paths: Vec::new(),
            diff: Unified::default(),
            learned_noise: Vec::new(),
            time_shifted: Vec::new(),
            warnings: Vec::new(),
            live: None,
        }
    }
}

/// Judges steps as they end, remembering what the run made of the capture's records.
pub struct Judge {
    pub suite: Arc<Suite>,
    pub rules: Rules,
    /// What makes every comparison of this run relative to it, but what it learns.
    relative: Relative,
    /// When the capture was made, for dates that moved with the clock (`None`: no shift).
    clock: Option<CaptureTime>,
    /// When this run started, in seconds since the epoch.
    started: f64,
    learned: Mutex<Learned>,
    /// The records this run created, in the order it created them: model, id, and the step.
    created: Mutex<Vec<Created>>,
}

/// A record a run created, for `--cleanup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub model: String,
    pub id: i64,
    /// The step that created it.
    pub step: String,
}

/// What the run mapped so far: the ids of records it created or captured (baseline → live),
/// the ids it mapped on first sight by kind of record, and strings the server gave.
#[derive(Default)]
struct Learned {
    ids: HashMap<i64, i64>,
    slotted: HashMap<(String, i64), i64>,
    strings: HashMap<String, String>,
}

const MAX_CHANGES: usize = 50;

fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Judge {
    /// A judge for a run whose variables (the url, db, login, uid and the user's name and
    /// partner it logged in as) are `run`; `time_shift` false compares dates as they are.
    pub fn new(
        suite: Arc<Suite>,
        rules: Rules,
        run: &Map<String, Value>,
        time_shift: bool,
    ) -> Judge {
        let facts: Vec<StepFacts> = suite
            .steps()
            .map(|loaded| {
                let step: &Step = loaded.step;
                StepFacts {
                    model: step.model.as_deref(),
                    method: step.method.as_deref(),
                    dialect: step.kind.dialect(),
                    writes: !step.read_only,
                    baseline: loaded.baseline,
                    captured_time: step.captured_time.as_deref(),
                    about_created: step.links.iter().any(|l| l.strength == "created"),
                }
            })
            .collect();
        let relative = relative::relative(
            &facts,
            &suite.manifest.relations,
            &suite.manifest.variables,
            run,
        );
        let clock = time_shift.then(|| CaptureTime::of(&facts)).flatten();
        Judge {
            relative,
            clock,
            started: epoch_seconds(),
            suite,
            rules,
            learned: Mutex::new(Learned::default()),
            created: Mutex::new(Vec::new()),
        }
    }

    /// The records this run created so far, oldest first.
    pub fn created(&self) -> Vec<Created> {
        self.created
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The verdict on a step's run.
    /// `live` is the step's answer as [`StepRun::document`] reads it, read before the judge's
    /// turn.
    pub fn judge(&self, run: &StepRun, live: Option<Value>) -> Verdict {
        self.judge_against(run, self.suite.step(run.index).baseline, live)
    }

    /// The verdict on a live answer against an expected one (a baseline, or server A's answer).
    pub fn judge_against(
        &self,
        run: &StepRun,
        expected: Option<&Value>,
        live: Option<Value>,
    ) -> Verdict {
        let step = self.suite.step(run.index);
        let mut verdict = Verdict {
            step: run.name.clone(),
            model: step.model.clone(),
            method: step.method.clone(),
            verdict: Kind::Passed,
            reason: String::new(),
            unsendable: false,
            status: None,
            duration_ms: run.elapsed.as_secs_f64() * 1e3,
            attempts: run.attempts,
            changed_paths: Vec::new(),
            diff: Unified::default(),
            learned_noise: run.noise.clone(),
            time_shifted: Vec::new(),
            warnings: step
                .literals
                .iter()
                .map(|l| format!("{} in the capture", l.describe()))
                .collect(),
            live: None,
        };
        let answered = match &run.outcome {
            Outcome::Skipped { reason, skip } => {
                return Verdict {
                    verdict: Kind::Skipped,
                    reason: reason.clone(),
                    unsendable: *skip == Skip::Unsendable,
                    ..verdict
                };
            }
            Outcome::Failed { cause } => {
                return Verdict {
                    verdict: Kind::Failed,
                    reason: cause.clone(),
                    ..verdict
                };
            }
            Outcome::Answered(answered) => answered,
        };
        verdict.status = Some(answered.status);
        let (Some(expected), Some(live)) = (expected, live) else {
            verdict.reason = "no baseline to compare with".into();
            return verdict;
        };
        self.learn_ids(run, expected, &live);
        let live_error = matches!(answered.answer, Answer::Error(_));
        let expected_error = step.kind.dialect().outcome(expected).is_err();
        if live_error != expected_error {
            verdict.verdict = Kind::Failed;
            verdict.reason = if live_error {
                format!(
                    "an Odoo error where the baseline had a result: {}",
                    run.describe()
                )
            } else {
                "a result where the baseline had an Odoo error".into()
            };
            verdict.live = Some(live);
            return verdict;
        }
        let noise: Vec<Path> = run
            .noise
            .iter()
            .filter_map(|p| Path::parse(p).ok())
            .collect();
        let model_method = step
            .model
            .as_ref()
            .zip(step.method.as_ref())
            .map(|(m, f)| format!("{m}/{f}"));
        let extra: Vec<Path> = step.ignore_paths.iter().cloned().chain(noise).collect();
        let mut comparison = self.rules.for_step(
            model_method.as_deref(),
            &step.name,
            step.kind.as_str(),
            &extra,
        );
        {
            let learned = self.learned.lock().unwrap_or_else(|p| p.into_inner());
            comparison.ids = learned.ids.clone();
            comparison.relative = Relative {
                strings: learned.strings.clone(),
                slotted: learned.slotted.clone(),
                model: step.model.clone(),
                time: self
                    .clock
                    .map(|clock| clock.shift(self.started, epoch_seconds())),
                ..self.relative.clone()
            };
        }
        let found = compare_relative(expected, &live, &comparison, MAX_CHANGES);
        {
            let mut learned = self.learned.lock().unwrap_or_else(|p| p.into_inner());
            for (kind, a, b) in &found.learned_ids {
                let key = (kind.clone(), *a);
                learned.slotted.entry(key.clone()).or_insert(*b);
                comparison.relative.slotted.entry(key).or_insert(*b);
            }
            for (a, b) in &found.learned_strings {
                learned
                    .strings
                    .entry(a.clone())
                    .or_insert_with(|| b.clone());
                comparison
                    .relative
                    .strings
                    .entry(a.clone())
                    .or_insert_with(|| b.clone());
            }
        }
        verdict.time_shifted = found.time_shifted;
        let changes: Vec<Change> = found.changes;
        if !changes.is_empty() {
            verdict.verdict = Kind::Differs;
            verdict.changed_paths = changes.iter().map(Change::describe).collect();
            verdict.reason = format!(
                "{} changed: {}",
                plural(changes.len(), "path"),
                changes[0].describe()
            );
            verdict.diff = unified(
                &normalized(expected, &comparison, true),
                &normalized(&live, &comparison, false),
            );
            verdict.live = Some(merge_relative(expected, &live, &comparison));
        }
        verdict
    }

    /// The ids this step's captures took, and the ids it created, baseline against live: a
    /// record the run created is the captured one for every later comparison.
    fn learn_ids(&self, run: &StepRun, expected: &Value, live: &Value) {
        let step = self.suite.step(run.index);
        let mut learned = self.learned.lock().unwrap_or_else(|p| p.into_inner());
        // Before the step's own captures: a record already mapped is not one it created.
        self.learn_created(&step, expected, live, &mut learned);
        for (_, path) in step.captures() {
            if let (Some(a), Some(b)) = (
                path.get(expected).and_then(Value::as_i64),
                path.get(live).and_then(Value::as_i64),
            ) {
                learned.ids.insert(a, b);
            }
        }
    }

    /// The records a creating step made, the captured one against the run's, record by
    /// record in the same places of its answer; kept for `--cleanup`.
    fn learn_created(&self, step: &Step, expected: &Value, live: &Value, learned: &mut Learned) {
        let method = step.method.as_deref().unwrap_or("");
        let creating = crate::odoo::methods::mints_ids(method) || method == "web_save";
        if !creating {
            return;
        }
        let dialect = step.kind.dialect();
        let (Ok(Some(baseline)), Ok(Some(answer))) =
            (dialect.outcome(expected), dialect.outcome(live))
        else {
            return;
        };
        let relations = &self.suite.manifest.relations;
        let made = |result: &Value| -> Vec<(String, i64)> {
            ids::sightings(
                step.model.as_deref(),
                step.method.as_deref(),
                result,
                &Path::root(),
                relations,
            )
            .into_iter()
            // The step's own records: lines it made inside them are side effects.
            .filter(|s| matches!(&s.place, Place::Record { model, .. } if *model == step.model))
            .map(|s| (s.path.to_string(), s.value))
            .collect()
        };
        let now: HashMap<String, i64> = made(answer).into_iter().collect();
        let mut created = self.created.lock().unwrap_or_else(|p| p.into_inner());
        for (path, captured) in made(baseline) {
            // A web_save of an existing record answers that record: only a new one counts,
            // and a record an earlier step created is written here, not created again.
            let new_here = method != "web_save"
                || (self.relative.fresh_ids.contains(&captured)
                    && !learned.ids.contains_key(&captured));
            if let (Some(new), true) = (now.get(&path), new_here) {
                learned.ids.entry(captured).or_insert(*new);
                if let Some(model) = &step.model {
                    created.push(Created {
                        model: model.clone(),
                        id: *new,
                        step: step.name.clone(),
                    });
                }
            }
        }
    }
}

/// Counts of each verdict.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Tally {
    pub passed: usize,
    pub differs: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Of the skipped, those the chosen mode cannot send.
    pub unsendable: usize,
}

impl Tally {
    pub fn of(verdicts: &[Verdict]) -> Tally {
        let mut tally = Tally::default();
        for v in verdicts {
            match v.verdict {
                Kind::Passed => tally.passed += 1,
                Kind::Differs => tally.differs += 1,
                Kind::Failed => tally.failed += 1,
                Kind::Skipped => tally.skipped += 1,
            }
            if v.unsendable {
                tally.unsendable += 1;
            }
        }
        tally
    }

    /// The one summary line: `12 passed, 1 differs, 0 failed, 3 skipped (3 not sendable in this
    /// run)`.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{} passed, {} differs, {} failed, {} skipped",
            self.passed, self.differs, self.failed, self.skipped
        );
        if self.unsendable > 0 {
            line.push_str(&format!(" ({} not sendable in this run)", self.unsendable));
        }
        line
    }

    /// 0 when every step passed, or was skipped only because the mode cannot send it (unless
    /// `fail_on_skip`); 1 when a step differs, failed, or was skipped after a failure.
    pub fn exit_code(&self, fail_on_skip: bool) -> i32 {
        let blocking = if fail_on_skip {
            self.skipped
        } else {
            self.skipped - self.unsendable
        };
        if self.differs + self.failed + blocking > 0 {
            1
        } else {
            0
        }
    }
}
