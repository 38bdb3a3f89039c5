//! Comparing a new answer with its baseline the way a person would: key order never matters,
//! numbers compare as numbers, Odoo's volatile fields are ignored, and ids that a run minted
//! anew compare equal to the ones the capture had.
//!
//! One walk over both values finds the changed paths; the readable diff (pretty JSON, unified,
//! with context) is built only when something changed, so comparing ten thousand equal
//! answers costs little more than reading them.

mod rules;
mod text;

use std::collections::HashMap;

use serde_json::Value;

pub use rules::{DEFAULT_IGNORES, Rule, Rules};
pub use text::{Line, Tag, Unified, unified};

use crate::path::{Path, Segment};

/// One difference: where, and the two values (`None` where one side has nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub baseline: Option<Value>,
    pub live: Option<Value>,
}

impl Change {
    /// `$.result[3].phone: "+1 555…" → "+1 666…"`.
    pub fn describe(&self) -> String {
        let show = |v: &Option<Value>| match v {
            None => "(absent)".to_string(),
            Some(value) => crate::text::truncate(&value.to_string(), 60),
        };
        format!(
            "{}: {} → {}",
            self.path,
            show(&self.baseline),
            show(&self.live)
        )
    }
}

/// How one comparison is done: the rules that apply to this step, and the ids the run
/// mapped (baseline id → live id) through captures.
#[derive(Debug, Clone, Default)]
pub struct Comparison<'a> {
    pub ignore: Vec<&'a Path>,
    pub unordered: Vec<&'a Path>,
    pub ids: HashMap<i64, i64>,
}

impl Comparison<'_> {
    fn ignored(&self, at: &[Segment]) -> bool {
        self.ignore
            .iter()
            .any(|p| crate::path::matches_segments(&p.0, at))
    }

    fn unordered_at(&self, at: &[Segment]) -> bool {
        self.unordered
            .iter()
            .any(|p| crate::path::matches_segments(&p.0, at))
    }
}

/// Every difference between a baseline and a live answer, at most `limit` of them.
pub fn compare(
    baseline: &Value,
    live: &Value,
    comparison: &Comparison,
    limit: usize,
) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut at = Vec::new();
    walk(baseline, live, comparison, &mut at, &mut changes, limit);
    changes
}

fn walk(
    baseline: &Value,
    live: &Value,
    comparison: &Comparison,
    at: &mut Vec<Segment>,
    changes: &mut Vec<Change>,
    limit: usize,
) {
    if changes.len() >= limit || comparison.ignored(at) {
        return;
    }
    match (baseline, live) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, left) in a {
                at.push(Segment::Key(key.clone()));
                match b.get(key) {
                    Some(right) => walk(left, right, comparison, at, changes, limit),
                    None if !comparison.ignored(at) => changes.push(change(at, Some(left), None)),
                    None => {}
                }
                at.pop();
            }
            for (key, right) in b {
                if !a.contains_key(key) {
                    at.push(Segment::Key(key.clone()));
                    if !comparison.ignored(at) && changes.len() < limit {
                        changes.push(change(at, None, Some(right)));
                    }
                    at.pop();
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            let (a, b) = if comparison.unordered_at(at) {
                (sorted(a), sorted(b))
            } else {
                (a.iter().collect(), b.iter().collect())
            };
            for index in 0..a.len().max(b.len()) {
                at.push(Segment::Index(index));
                match (a.get(index), b.get(index)) {
                    (Some(left), Some(right)) => walk(left, right, comparison, at, changes, limit),
                    (left, right) if !comparison.ignored(at) && changes.len() < limit => {
                        changes.push(change(at, left.copied(), right.copied()))
                    }
                    _ => {}
                }
                at.pop();
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let mapped = a
                .as_i64()
                .and_then(|a| comparison.ids.get(&a))
                .is_some_and(|m| b.as_i64() == Some(*m));
            let equal = a.as_f64() == b.as_f64()
                && (a.is_f64()
                    || b.is_f64()
                    || a.as_i64() == b.as_i64() && a.as_u64() == b.as_u64());
            if !equal && !mapped {
                changes.push(change(at, Some(baseline), Some(live)));
            }
        }
        (a, b) if a == b => {}
        _ => changes.push(change(at, Some(baseline), Some(live))),
    }
}

fn change(at: &[Segment], baseline: Option<&Value>, live: Option<&Value>) -> Change {
    Change {
        path: Path(at.to_vec()).to_string(),
        baseline: baseline.cloned(),
        live: live.cloned(),
    }
}

/// Array elements in a stable order: records by `id`, anything else by its JSON text.
fn sorted(items: &[Value]) -> Vec<&Value> {
    let mut sorted: Vec<&Value> = items.iter().collect();
    let key = |v: &Value| match v.get("id").and_then(Value::as_i64) {
        Some(id) => (0, id, String::new()),
        None => (1, 0, v.to_string()),
    };
    sorted.sort_by_cached_key(|v| key(v));
    sorted
}

/// The value as a comparison sees it: ignored parts removed, unordered arrays sorted, mapped
/// ids replaced by what they map to. What the readable diff shows.
pub fn normalized(value: &Value, comparison: &Comparison, map_ids: bool) -> Value {
    let mut at = Vec::new();
    normalize(value, comparison, map_ids, &mut at)
}

fn normalize(
    value: &Value,
    comparison: &Comparison,
    map_ids: bool,
    at: &mut Vec<Segment>,
) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, item) in map {
                at.push(Segment::Key(key.clone()));
                if !comparison.ignored(at) {
                    out.insert(key.clone(), normalize(item, comparison, map_ids, at));
                }
                at.pop();
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let ordered: Vec<&Value> = if comparison.unordered_at(at) {
                sorted(items)
            } else {
                items.iter().collect()
            };
            let mut out = Vec::with_capacity(ordered.len());
            for (index, item) in ordered.into_iter().enumerate() {
                at.push(Segment::Index(index));
                out.push(if comparison.ignored(at) {
                    Value::String("(ignored)".into())
                } else {
                    normalize(item, comparison, map_ids, at)
                });
                at.pop();
            }
            Value::Array(out)
        }
        Value::Number(n) if map_ids => match n.as_i64().and_then(|id| comparison.ids.get(&id)) {
            Some(mapped) => Value::from(*mapped),
            None => value.clone(),
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(changes: &[Change]) -> Vec<String> {
        changes.iter().map(|c| c.path.clone()).collect()
    }

    #[test]
    fn key_order_and_number_forms_do_not_matter() {
        let comparison = Comparison::default();
        assert!(
            compare(
                &json!({"a": 1, "b": [1.0, 2]}),
                &json!({"b": [1, 2], "a": 1}),
                &comparison,
                10
            )
            .is_empty()
        );
        let changes = compare(
            &json!({"result": [{"id": 3, "phone": "+1 555"}]}),
            &json!({"result": [{"id": 3, "phone": "+1 666"}]}),
            &comparison,
            10,
        );
        assert_eq!(
            changes[0].describe(),
            r#"$.result[0].phone: "+1 555" → "+1 666""#
        );
    }

    #[test]
    fn missing_and_extra_members_and_elements() {
        let changes = compare(
            &json!({"a": 1, "l": [1, 2]}),
            &json!({"b": 2, "l": [1]}),
            &Comparison::default(),
            10,
        );
        assert_eq!(paths(&changes), ["$.a", "$.l[1]", "$.b"]);
    }

    #[test]
    fn ignore_rules_unordered_arrays_and_mapped_ids() {
        let write_date = Path::parse("$..write_date").unwrap();
        let records = Path::parse("$.result").unwrap();
        let comparison = Comparison {
            ignore: vec![&write_date],
            unordered: vec![&records],
            ids: HashMap::from([(51, 50)]),
        };
        let baseline =
            json!({"result": [{"id": 9, "write_date": "2026-01-01"}, {"id": 51, "parent_id": 51}]});
        let live =
            json!({"result": [{"id": 50, "parent_id": 50}, {"id": 9, "write_date": "2026-11-28"}]});
        assert!(compare(&baseline, &live, &comparison, 10).is_empty());
        let shown = normalized(&baseline, &comparison, true);
        assert_eq!(
            shown,
            json!({"result": [{"id": 9}, {"id": 50, "parent_id": 50}]})
        );
    }

    #[test]
    fn the_limit_bounds_the_work() {
        let a: Vec<i64> = (0..1000).collect();
        let b: Vec<i64> = (1..1001).collect();
        assert_eq!(
            compare(&json!(a), &json!(b), &Comparison::default(), 5).len(),
            5
        );
    }
}
