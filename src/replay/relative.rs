//! What makes a suite's baselines relative to one run: the records the capture created
//! (whose ids a run replaces with its own), the variables a run gives other values (another
//! database, URL or user), and the time between capture and replay.
//!
//! The comparison itself is [`crate::diff`]'s; this gathers what it needs from the suite and
//! the run, once per run.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};

use crate::diff::{Relative, TimeShift};
use crate::odoo::ids;
use crate::odoo::relations::Relations;
use crate::odoo::rpc::Dialect;

/// One step, as far as relative baselines care.
pub struct StepFacts<'a> {
    pub model: Option<&'a str>,
    pub method: Option<&'a str>,
    /// How its answers are shaped: JSON-2 answers are the result itself, others keep it
    /// under `result`.
    pub dialect: Dialect,
    pub writes: bool,
    pub baseline: Option<&'a Value>,
    /// When the capture made the call (ISO 8601).
    pub captured_time: Option<&'a str>,
    /// The request names a record the capture created (it has a link of that strength).
    pub about_created: bool,
}

/// Variables whose value an answer may echo: where the capture came from and who it was.
const ECHOED: [&str; 7] = [
    "url",
    "db",
    "login",
    "uid",
    "name",
    "partner_id",
    "company_id",
];

/// When the capture was made, to tell values that moved with the clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CaptureTime {
    /// The first call, in seconds since the epoch.
    pub start: f64,
    /// From the first call to the last, in seconds.
    pub span: f64,
}

impl CaptureTime {
    /// From the steps' capture times; `None` when the capture stamped none.
    pub fn of(steps: &[StepFacts]) -> Option<CaptureTime> {
        let times: Vec<f64> = steps
            .iter()
            .filter_map(|s| s.captured_time)
            .filter_map(|t| match crate::diff::time::parse(t)? {
                crate::diff::time::Stamp::DateTime(seconds) => Some(seconds),
                crate::diff::time::Stamp::Date(seconds) => Some(seconds as f64),
            })
            .collect();
        let start = times.iter().copied().reduce(f64::min)?;
        let end = times.iter().copied().reduce(f64::max)?;
        Some(CaptureTime {
            start,
            span: end - start,
        })
    }

    /// The shift to allow when judging at `now`, for a run that started at `run_start`: the
    /// time between the two starts, give or take both durations and a few seconds of clock.
    pub fn shift(&self, run_start: f64, now: f64) -> TimeShift {
        TimeShift {
            seconds: run_start - self.start,
            tolerance: self.span + (now - run_start).max(0.0) + 5.0,
        }
    }
}

/// The relative part of every comparison of a run, but the time shift, which moves as the run
/// goes on ([`CaptureTime::shift`]).
pub fn relative(
    steps: &[StepFacts],
    relations: &Relations,
    captured: &BTreeMap<String, Value>,
    run: &Map<String, Value>,
) -> Relative {
    let answered: Vec<ids::Answered> = steps
        .iter()
        .map(|step| ids::Answered {
            model: step.model,
            method: step.method,
            result: step
                .baseline
                .and_then(|baseline| step.dialect.result_at(baseline)),
            writes: step.writes,
        })
        .collect();
    let fresh_ids: HashSet<i64> =
        ids::created(&answered, relations, |index, _| steps[index].about_created)
            .into_iter()
            .flatten()
            .collect();
    let variables = ECHOED
        .iter()
        .filter_map(|name| {
            let (before, now) = (captured.get(*name)?, run.get(*name)?);
            (before != now && !before.is_null() && !now.is_null())
                .then(|| (before.clone(), now.clone()))
        })
        .collect();
    Relative {
        fresh_ids,
        variables,
        relational: relations.field_names().map(str::to_string).collect(),
        ..Relative::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn created_ids_echoed_variables_and_the_capture_clock() {
        let list = json!({"result": {"records": [{"id": 7}]}});
        let created = json!({"result": 51});
        let chatter = json!({"result": [{"id": 32, "body": "Contact created"}]});
        let step = |method, writes, baseline, time| StepFacts {
            model: Some("res.partner"),
            method: Some(method),
            dialect: Dialect::JsonRpc,
            writes,
            baseline: Some(baseline),
            captured_time: Some(time),
            about_created: false,
        };
        let steps = [
            step("web_search_read", false, &list, "2026-12-02T04:22:26.000Z"),
            step("create", true, &created, "2026-12-02T04:22:30.000Z"),
            step("message_read", false, &chatter, "2026-12-02T04:22:36.000Z"),
        ];
        let captured = BTreeMap::from([
            ("db".to_string(), json!("odoo_lab")),
            ("uid".to_string(), json!(2)),
            ("login".to_string(), json!("admin")),
        ]);
        let run = Map::from_iter([
            ("db".to_string(), json!("odoo_lab_b")),
            ("uid".to_string(), json!(2)),
            ("login".to_string(), json!("admin")),
        ]);
        let relative = relative(&steps, &Relations::default(), &captured, &run);
        assert_eq!(relative.fresh_ids, HashSet::from([51]));
        assert_eq!(
            relative.variables,
            vec![(json!("odoo_lab"), json!("odoo_lab_b"))]
        );
        let clock = CaptureTime::of(&steps).unwrap();
        assert_eq!(clock.span, 10.0);
        let shift = clock.shift(clock.start + 3600.0, clock.start + 3602.0);
        assert_eq!((shift.seconds, shift.tolerance), (3600.0, 17.0));
    }
}
