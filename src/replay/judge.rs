//! Each step's verdict: its new answer against its baseline.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;

use super::runner::{Outcome, StepRun};
use crate::diff::{Change, Rules, Unified, compare, normalized, unified};
use crate::odoo::rpc::Answer;
use crate::path::Path;
use crate::template::suite::Suite;
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
    /// The live answer, kept for `--update` when it differs.
    #[serde(skip)]
    pub live: Option<Value>,
}

/// Judges steps as they end, remembering which ids the run mapped.
pub struct Judge {
    pub suite: Arc<Suite>,
    pub rules: Rules,
    /// Baseline id → live id, from the captures of the steps judged so far.
    ids: Mutex<HashMap<i64, i64>>,
}

const MAX_CHANGES: usize = 50;

impl Judge {
    pub fn new(suite: Arc<Suite>, rules: Rules) -> Judge {
        Judge {
            suite,
            rules,
            ids: Mutex::new(HashMap::new()),
        }
    }

    /// The verdict on a step's run.
    pub fn judge(&self, run: &StepRun) -> Verdict {
        self.judge_against(run, self.suite.step(run.index).baseline, run.document())
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
            status: None,
            duration_ms: run.elapsed.as_secs_f64() * 1e3,
            attempts: run.attempts,
            changed_paths: Vec::new(),
            diff: Unified::default(),
            learned_noise: run.noise.clone(),
            live: None,
        };
        let answered = match &run.outcome {
            Outcome::Skipped { reason } => {
                return Verdict {
                    verdict: Kind::Skipped,
                    reason: reason.clone(),
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
        comparison.ids = self.ids.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let changes: Vec<Change> = compare(expected, &live, &comparison, MAX_CHANGES);
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
            verdict.live = Some(live);
        }
        verdict
    }

    /// The values this step's captures took, baseline against live: a created id that differs
    /// between the capture and this run is the same record for every later comparison.
    fn learn_ids(&self, run: &StepRun, expected: &Value, live: &Value) {
        let step = self.suite.step(run.index);
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        for (_, path) in step.captures() {
            if let (Some(a), Some(b)) = (
                path.get(expected).and_then(Value::as_i64),
                path.get(live).and_then(Value::as_i64),
            ) {
                ids.insert(a, b);
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
        }
        tally
    }

    /// The closing line CI tools read: `N passed, N failed` (differs count as failed), then skipped.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{} passed, {} failed",
            self.passed,
            self.differs + self.failed
        );
        if self.skipped > 0 {
            line.push_str(&format!(", {} skipped", self.skipped));
        }
        line
    }

    /// 0 when everything passed, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.differs + self.failed + self.skipped > 0 {
            1
        } else {
            0
        }
    }
}
