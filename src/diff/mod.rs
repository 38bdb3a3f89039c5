//! Comparing a new answer with its baseline the way a person would: key order never matters,
//! numbers compare as numbers, Odoo's volatile fields are ignored, and ids that a run minted
//! anew compare equal to the ones the capture had.
//!
//! One walk over both values finds the changed paths; the readable diff (pretty JSON, unified,
//! with context) is built only when something changed, so comparing ten thousand equal
//! answers costs little more than reading them.

mod rules;
mod text;
pub mod time;

use std::collections::{HashMap, HashSet};

use serde_json::Value;

pub use rules::{DEFAULT_IGNORES, Rule, Rules};
pub use text::{Line, Tag, Unified, unified};
pub use time::TimeShift;

use crate::odoo::ids::name_pair;
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

/// How one comparison is done: the rules that apply to this step, the ids the run mapped
/// (baseline id → live id) through captures, and what else the run made of the capture.
#[derive(Debug, Clone, Default)]
pub struct Comparison<'a> {
    pub ignore: Vec<&'a Path>,
    pub unordered: Vec<&'a Path>,
    pub ids: HashMap<i64, i64>,
    pub relative: Relative,
}

/// What makes a baseline relative to the run that is judged against it: values that stand
/// for each other although they differ.
#[derive(Debug, Clone, Default)]
pub struct Relative {
    /// Baseline ids of records the capture created, directly or as side effects of a write
    /// (messages, followers, order lines): the first sight of one at an id position maps it
    /// to the live id there, like a created id; later sights must agree.
    pub fresh_ids: HashSet<i64>,
    /// Baseline strings already mapped to what the run got: values the server gave records a
    /// run created (a sequence name `S00021`).
    pub strings: HashMap<String, String>,
    /// Captured value → the run's value of a variable (`db`, `url`, `login`, `uid`, the
    /// user's name and partner): an answer that echoes where it came from is not a change.
    /// Strings compare whole or, for URLs, as a prefix; integers at id positions only.
    pub variables: Vec<(Value, Value)>,
    /// Dates and datetimes that moved with the clock compare equal (`None`: they do not).
    pub time: Option<TimeShift>,
    /// Fields that hold record ids without saying so in their name (`order_line`), from the
    /// relations Odoo describes.
    pub relational: HashSet<String>,
    /// Ids mapped on first sight by earlier comparisons, by the kind of record they name (see
    /// [`slot`]): messages and followers are numbered apart, so their 30s are not one record.
    pub slotted: HashMap<(String, i64), i64>,
    /// The model of the step's own records (the ids under `result`/`records`).
    pub model: Option<String>,
}

/// The kind of record an id at `at` names, as far as the answer's shape tells: the model of
/// the step's own records for their ids, else the field (or list) it stands in
/// (`message_ids`, `partner_id`, `followers`).
pub fn slot(at: &[Segment], model: Option<&str>) -> String {
    let keys: Vec<&str> = at
        .iter()
        .rev()
        .filter_map(|s| match s {
            Segment::Key(key) => Some(key.as_str()),
            _ => None,
        })
        .collect();
    match keys.as_slice() {
        ["id", parent, ..] if matches!(*parent, "result" | "records") => {
            model.unwrap_or(parent).to_string()
        }
        ["id", parent, ..] => (*parent).to_string(),
        ["result", ..] | [] => model.unwrap_or("result").to_string(),
        [key, ..] => (*key).to_string(),
    }
}

/// A comparison's findings: the changes, and what it mapped or let pass on the way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compared {
    pub changes: Vec<Change>,
    /// Ids mapped on first sight: the kind of record ([`slot`]), baseline id, live id.
    pub learned_ids: Vec<(String, i64, i64)>,
    /// Server-given strings mapped on first sight (baseline → live).
    pub learned_strings: Vec<(String, String)>,
    /// Paths whose values moved with the clock.
    pub time_shifted: Vec<String>,
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

    /// True when the integer at `at` is a record id: a member `id`, `*_id`, an element of
    /// `*_ids` or of a relational field, the id of a `[id, "name"]` pair.
    fn id_position(&self, at: &[Segment], in_pair: bool) -> bool {
        match at.last() {
            Some(Segment::Key(key)) => key == "id" || key.ends_with("_id"),
            Some(Segment::Index(index)) => {
                let parent = match at.len().checked_sub(2).and_then(|i| at.get(i)) {
                    Some(Segment::Key(key)) => Some(key.as_str()),
                    _ => None,
                };
                (*index == 0 && in_pair)
                    || parent.is_some_and(|k| {
                        k.ends_with("_ids") || self.relative.relational.contains(k)
                    })
            }
            _ => false,
        }
    }
}

/// Every difference between a baseline and a live answer, at most `limit` of them.
pub fn compare(
    baseline: &Value,
    live: &Value,
    comparison: &Comparison,
    limit: usize,
) -> Vec<Change> {
    compare_relative(baseline, live, comparison, limit).changes
}

/// [`compare`], with what was mapped on first sight and what moved with the clock.
pub fn compare_relative(
    baseline: &Value,
    live: &Value,
    comparison: &Comparison,
    limit: usize,
) -> Compared {
    let mut walker = Walker::new(comparison, limit);
    let mut at = Vec::new();
    walker.walk(baseline, live, &mut at, false);
    walker.found
}

/// The live answer in the baseline's terms, for `--update`: where the two say the same for
/// this run (a mapped id, a variable's value, a date moved with the clock, a placeholder), the
/// baseline's value stays, so the new baseline still speaks of the capture's records and
/// variables; everywhere else the live value is taken.
pub fn merge_relative(baseline: &Value, live: &Value, comparison: &Comparison) -> Value {
    let mut walker = Walker::new(comparison, usize::MAX);
    let mut at = Vec::new();
    walker.merge(baseline, live, &mut at, false)
}

/// What a baseline that stood for a secret holds instead.
const PLACEHOLDER: &str = crate::secret::REDACTED;

struct Walker<'c, 'a> {
    comparison: &'c Comparison<'a>,
    limit: usize,
    found: Compared,
    /// Ids learned during this comparison, by kind, so later sights in the answer agree.
    ids: HashMap<(String, i64), i64>,
    /// Live ids already standing for a baseline id, by kind: two records never map to one.
    images: HashSet<(String, i64)>,
}

impl<'c, 'a> Walker<'c, 'a> {
    fn new(comparison: &'c Comparison<'a>, limit: usize) -> Self {
        Walker {
            comparison,
            limit,
            found: Compared::default(),
            ids: HashMap::new(),
            images: HashSet::new(),
        }
    }
    fn full(&self) -> bool {
        self.found.changes.len() >= self.limit
    }

    fn push(&mut self, at: &[Segment], baseline: Option<&Value>, live: Option<&Value>) {
        if !self.full() {
            self.found.changes.push(change(at, baseline, live));
        }
    }

    fn walk(&mut self, baseline: &Value, live: &Value, at: &mut Vec<Segment>, in_pair: bool) {
        if self.full() || self.comparison.ignored(at) {
            return;
        }
        match (baseline, live) {
            (Value::Object(a), Value::Object(b)) => {
                // The strings of a record the capture created were given by the server.
                let created = a
                    .get("id")
                    .and_then(Value::as_i64)
                    .is_some_and(|id| self.created(id));
                for (key, left) in a {
                    at.push(Segment::Key(key.clone()));
                    match b.get(key) {
                        Some(right) if created && self.server_given(left, right) => {}
                        Some(right) => self.walk(left, right, at, false),
                        None if !self.comparison.ignored(at) => self.push(at, Some(left), None),
                        None => {}
                    }
                    at.pop();
                }
                for (key, right) in b {
                    if !a.contains_key(key) {
                        at.push(Segment::Key(key.clone()));
                        if !self.comparison.ignored(at) {
                            self.push(at, None, Some(right));
                        }
                        at.pop();
                    }
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                let (a, b) = if self.comparison.unordered_at(at) {
                    (sorted(a), sorted(b))
                } else {
                    (a.iter().collect(), b.iter().collect())
                };
                let in_pair = name_pair(a.iter().copied()) && name_pair(b.iter().copied());
                for index in 0..a.len().max(b.len()) {
                    at.push(Segment::Index(index));
                    match (a.get(index), b.get(index)) {
                        (Some(left), Some(right)) => self.walk(left, right, at, in_pair),
                        (left, right) if !self.comparison.ignored(at) => {
                            self.push(at, left.copied(), right.copied())
                        }
                        _ => {}
                    }
                    at.pop();
                }
            }
            (Value::Number(a), Value::Number(b)) => {
                let equal = a.as_f64() == b.as_f64()
                    && (a.is_f64()
                        || b.is_f64()
                        || a.as_i64() == b.as_i64() && a.as_u64() == b.as_u64());
                if !equal && !self.same_record(a.as_i64(), b.as_i64(), at, in_pair) {
                    self.push(at, Some(baseline), Some(live));
                }
            }
            (Value::String(a), Value::String(b)) if a != b => {
                if !self.same_text(a, b, at) {
                    self.push(at, Some(baseline), Some(live));
                }
            }
            (Value::String(a), _) if a == PLACEHOLDER => {}
            (a, b) if a == b => {}
            _ => self.push(at, Some(baseline), Some(live)),
        }
    }

    fn merge(
        &mut self,
        baseline: &Value,
        live: &Value,
        at: &mut Vec<Segment>,
        in_pair: bool,
    ) -> Value {
        match (baseline, live) {
            (Value::Object(a), Value::Object(b)) => {
                let mut out = serde_json::Map::new();
                for (key, right) in b {
                    at.push(Segment::Key(key.clone()));
                    let value = match a.get(key) {
                        Some(left) => self.merge(left, right, at, false),
                        None => self.in_capture_terms(right, at, false),
                    };
                    at.pop();
                    out.insert(key.clone(), value);
                }
                Value::Object(out)
            }
            (Value::Array(a), Value::Array(b))
                if a.len() == b.len() && !self.comparison.unordered_at(at) =>
            {
                let in_pair = name_pair(a.iter()) && name_pair(b.iter());
                let mut out = Vec::with_capacity(b.len());
                for (index, (left, right)) in a.iter().zip(b).enumerate() {
                    at.push(Segment::Index(index));
                    out.push(self.merge(left, right, at, in_pair));
                    at.pop();
                }
                Value::Array(out)
            }
            (Value::Number(a), Value::Number(b))
                if self.same_record(a.as_i64(), b.as_i64(), at, in_pair) =>
            {
                baseline.clone()
            }
            (Value::String(a), Value::String(b)) if self.same_text(a, b, at) => baseline.clone(),
            _ => self.in_capture_terms(live, at, in_pair),
        }
    }

    /// A live value the baseline has no counterpart for, in the capture's terms: the run's
    /// records as the captured ones they stand for, the run's variables as captured.
    fn in_capture_terms(&self, live: &Value, at: &mut Vec<Segment>, in_pair: bool) -> Value {
        let relative = &self.comparison.relative;
        match live {
            Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (key, item) in map {
                    at.push(Segment::Key(key.clone()));
                    out.insert(key.clone(), self.in_capture_terms(item, at, false));
                    at.pop();
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                let pair = name_pair(items.iter());
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    at.push(Segment::Index(index));
                    out.push(self.in_capture_terms(item, at, pair));
                    at.pop();
                }
                Value::Array(out)
            }
            Value::Number(n) if self.comparison.id_position(at, in_pair) => {
                let kind = slot(at, relative.model.as_deref());
                let captured = n.as_i64().and_then(|id| {
                    relative
                        .slotted
                        .iter()
                        .find(|((k, _), live)| *k == kind && **live == id)
                        .map(|((_, captured), _)| *captured)
                        .or_else(|| {
                            self.comparison
                                .ids
                                .iter()
                                .find(|(_, live)| **live == id)
                                .map(|(captured, _)| *captured)
                        })
                        .or_else(|| {
                            relative.variables.iter().find_map(|(captured, run)| {
                                (run.as_i64() == Some(id))
                                    .then(|| captured.as_i64())
                                    .flatten()
                            })
                        })
                });
                captured.map_or_else(|| live.clone(), Value::from)
            }
            Value::String(text) => {
                if let Some((captured, _)) = relative.strings.iter().find(|(_, l)| *l == text) {
                    return Value::String(captured.clone());
                }
                for (captured, run) in &relative.variables {
                    if let (Some(captured), Some(run)) = (captured.as_str(), run.as_str()) {
                        if text == run {
                            return Value::String(captured.to_string());
                        }
                        let url = run.starts_with("http://") || run.starts_with("https://");
                        if let Some(rest) =
                            text.strip_prefix(run).filter(|r| url && r.starts_with('/'))
                        {
                            return Value::String(format!("{captured}{rest}"));
                        }
                    }
                }
                live.clone()
            }
            _ => live.clone(),
        }
    }

    /// True for a baseline id of a record the capture created. Not every mapped id: a record
    /// a later step merely used (through a capture) was there before, and its text is data.
    fn created(&self, id: i64) -> bool {
        self.comparison.relative.fresh_ids.contains(&id)
    }

    /// Two integers that name the same record: mapped already, mapped now on first sight,
    /// or the run's own value of a variable.
    fn same_record(
        &mut self,
        a: Option<i64>,
        b: Option<i64>,
        at: &[Segment],
        in_pair: bool,
    ) -> bool {
        let (Some(a), Some(b)) = (a, b) else {
            return false;
        };
        let relative = &self.comparison.relative;
        let kind = slot(at, relative.model.as_deref());
        let key = (kind, a);
        let known = relative
            .slotted
            .get(&key)
            .or_else(|| self.ids.get(&key))
            .or_else(|| self.comparison.ids.get(&a));
        if let Some(mapped) = known {
            return *mapped == b;
        }
        if !self.comparison.id_position(at, in_pair) {
            return false;
        }
        let variable = relative
            .variables
            .iter()
            .any(|(captured, run)| captured.as_i64() == Some(a) && run.as_i64() == Some(b));
        if variable {
            return true;
        }
        let image = (key.0.clone(), b);
        let taken = self.images.contains(&image)
            || relative
                .slotted
                .iter()
                .any(|((kind, _), live)| *kind == image.0 && *live == b);
        if relative.fresh_ids.contains(&a) && !taken {
            self.found.learned_ids.push((key.0.clone(), a, b));
            self.ids.insert(key, b);
            self.images.insert(image);
            return true;
        }
        false
    }

    /// Two strings that say the same for this run: a placeholder, a variable's value (or a
    /// URL under it), a server-given string already mapped, a date moved with the clock.
    fn same_text(&mut self, a: &str, b: &str, at: &[Segment]) -> bool {
        if a == PLACEHOLDER || placeholder_matches(a, b) {
            return true;
        }
        let relative = &self.comparison.relative;
        if let Some(mapped) = relative.strings.get(a).or_else(|| {
            self.found
                .learned_strings
                .iter()
                .find(|(k, _)| k == a)
                .map(|(_, v)| v)
        }) {
            return mapped == b;
        }
        for (captured, run) in &relative.variables {
            if let (Some(captured), Some(run)) = (captured.as_str(), run.as_str()) {
                if a == captured && b == run {
                    return true;
                }
                let url = captured.starts_with("http://") || captured.starts_with("https://");
                if url
                    && let (Some(x), Some(y)) = (a.strip_prefix(captured), b.strip_prefix(run))
                    && x == y
                {
                    return true;
                }
            }
        }
        if relative.time.is_some_and(|shift| shift.shifted(a, b)) {
            self.found.time_shifted.push(Path(at.to_vec()).to_string());
            return true;
        }
        false
    }

    /// A string field of a record the capture created, that the server filled in (a sequence
    /// name, a reference): mapped on first sight, then it must agree.
    fn server_given(&mut self, baseline: &Value, live: &Value) -> bool {
        let (Value::String(a), Value::String(b)) = (baseline, live) else {
            return false;
        };
        if a == b || !a.bytes().any(|c| c.is_ascii_digit()) || a.len() > 64 {
            return false;
        }
        if self.comparison.relative.strings.contains_key(a)
            || self.found.learned_strings.iter().any(|(k, _)| k == a)
        {
            return false;
        }
        // A date is the clock's, not a sequence.
        if time::parse(a).is_some() {
            return false;
        }
        self.found.learned_strings.push((a.clone(), b.clone()));
        true
    }
}

/// A baseline string with a secret scrubbed out of it (`"Bearer REDACTED"`) matches any
/// live text in its place.
fn placeholder_matches(baseline: &str, live: &str) -> bool {
    if !baseline.contains(PLACEHOLDER) {
        return false;
    }
    let parts: Vec<&str> = baseline.split(PLACEHOLDER).collect();
    let mut rest = live;
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            let Some(after) = rest.strip_prefix(part) else {
                return false;
            };
            rest = after;
        } else if index == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(found) = rest.find(part) else {
                return false;
            };
            rest = &rest[found + part.len()..];
        }
    }
    true
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
        Value::String(text) if map_ids => {
            let relative = &comparison.relative;
            let variable = relative
                .variables
                .iter()
                .find(|(captured, _)| captured.as_str() == Some(text));
            match (relative.strings.get(text), variable) {
                (Some(mapped), _) => Value::String(mapped.clone()),
                (None, Some((_, run))) if run.is_string() => run.clone(),
                _ => value.clone(),
            }
        }
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
            relative: Relative::default(),
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

    fn relative(relative: Relative) -> Comparison<'static> {
        Comparison {
            relative,
            ..Default::default()
        }
    }

    #[test]
    fn side_effect_ids_map_on_first_sight_and_must_agree_after() {
        let comparison = relative(Relative {
            fresh_ids: HashSet::from([11, 32]),
            ..Default::default()
        });
        let found = compare_relative(
            &json!({"followers": [{"id": 11, "partner_id": 3}], "messages": [{"id": 32, "parent_id": 32}]}),
            &json!({"followers": [{"id": 12, "partner_id": 3}], "messages": [{"id": 34, "parent_id": 34}]}),
            &comparison,
            10,
        );
        assert_eq!(found.changes, vec![]);
        // By kind of record: a message's id and its parent's are learned apart.
        assert_eq!(
            found.learned_ids,
            vec![
                ("followers".to_string(), 11, 12),
                ("messages".to_string(), 32, 34),
                ("parent_id".to_string(), 32, 34)
            ]
        );
        // The same captured id seen again must be the same live record.
        let again = compare_relative(
            &json!({"followers": [{"id": 11}, {"id": 11}]}),
            &json!({"followers": [{"id": 12}, {"id": 13}]}),
            &comparison,
            10,
        );
        assert_eq!(paths(&again.changes), ["$.followers[1].id"]);
        // Ids that were not created, counts and lengths never map.
        let other = compare_relative(
            &json!({"length": 11, "id": 7}),
            &json!({"length": 12, "id": 8}),
            &comparison,
            10,
        );
        assert_eq!(paths(&other.changes), ["$.id", "$.length"]);
        // Two captured ids never become one live record of a kind; messages and followers
        // are numbered apart, so their numbers may meet.
        let twice = compare_relative(
            &json!({"followers": [{"id": 11}, {"id": 32}]}),
            &json!({"followers": [{"id": 12}, {"id": 12}]}),
            &comparison,
            10,
        );
        assert_eq!(paths(&twice.changes), ["$.followers[1].id"]);
        let apart = compare_relative(
            &json!({"message_ids": [32], "message_follower_ids": [11]}),
            &json!({"message_ids": [40], "message_follower_ids": [40]}),
            &comparison,
            10,
        );
        assert_eq!(apart.changes, vec![]);
    }

    #[test]
    fn variables_placeholders_and_server_given_strings() {
        let comparison = relative(Relative {
            variables: vec![
                (json!("odoo_lab"), json!("odoo_lab_b")),
                (
                    json!("http://127.0.0.1:8069"),
                    json!("http://127.0.0.1:8075"),
                ),
                (json!(2), json!(6)),
            ],
            fresh_ids: HashSet::from([45]),
            ..Default::default()
        });
        let baseline = json!({"db": "odoo_lab", "web.base.url": "http://127.0.0.1:8069", "link": "http://127.0.0.1:8069/odoo/action-1",
            "uid": 2, "user_id": [2, "Mitchell Admin"], "sequence": 2, "login": "REDACTED", "header": "Bearer REDACTED!",
            "order": {"id": 45, "name": "S00021", "note": "Deco", "amount": "10.00"}});
        let live = json!({"db": "odoo_lab_b", "web.base.url": "http://127.0.0.1:8075", "link": "http://127.0.0.1:8075/odoo/action-1",
            "uid": 2, "user_id": [6, "Mitchell Admin"], "sequence": 6, "login": "admin", "header": "Bearer abc!",
            "order": {"id": 46, "name": "S00022", "note": "Azure", "amount": "10.00"}});
        let found = compare_relative(&baseline, &live, &comparison, 10);
        // `sequence` is no id, and a user-written text of a new record is no sequence.
        assert_eq!(paths(&found.changes), ["$.order.note", "$.sequence"]);
        assert_eq!(
            found.learned_strings,
            vec![("S00021".to_string(), "S00022".to_string())]
        );
        assert_eq!(found.learned_ids, vec![("order".to_string(), 45, 46)]);
    }

    #[test]
    fn an_updated_baseline_keeps_the_captures_terms_where_the_run_agrees() {
        let comparison = Comparison {
            ids: HashMap::from([(51, 60)]),
            relative: Relative {
                variables: vec![(json!("http://a:8069"), json!("http://b:8075"))],
                ..Default::default()
            },
            ..Default::default()
        };
        let merged = merge_relative(
            &json!({"id": 51, "url": "http://a:8069/odoo", "phone": "1", "count": 7}),
            &json!({"id": 60, "url": "http://b:8075/odoo", "phone": "2", "count": 8,
                    "new": {"parent_id": 60, "link": "http://b:8075/web", "total": 60}}),
            &comparison,
        );
        // What the baseline did not have is written in the capture's terms too.
        assert_eq!(
            merged,
            json!({"id": 51, "url": "http://a:8069/odoo", "phone": "2", "count": 8,
                   "new": {"parent_id": 51, "link": "http://a:8069/web", "total": 60}})
        );
    }

    #[test]
    fn a_record_a_step_used_is_not_one_the_capture_created() {
        // Partner 10 was linked (a later step used its id), not created: its phone is data.
        let comparison = Comparison {
            ids: HashMap::from([(10, 10)]),
            ..Default::default()
        };
        let found = compare_relative(
            &json!({"records": [{"id": 10, "phone": "(603)-996-3829"}]}),
            &json!({"records": [{"id": 10, "phone": "+32 2 555 052201"}]}),
            &comparison,
            10,
        );
        assert_eq!(paths(&found.changes), ["$.records[0].phone"]);
    }

    #[test]
    fn dates_that_moved_with_the_clock_are_listed_not_reported() {
        let comparison = relative(Relative {
            time: Some(TimeShift {
                seconds: 90.0,
                tolerance: 5.0,
            }),
            ..Default::default()
        });
        let found = compare_relative(
            &json!({"date_order": "2026-12-02 04:22:26", "name": "2026-12-02 04:22:26 x"}),
            &json!({"date_order": "2026-12-02 04:23:57", "name": "2026-12-02 04:23:57 x"}),
            &comparison,
            10,
        );
        assert_eq!(paths(&found.changes), ["$.name"]);
        assert_eq!(found.time_shifted, ["$.date_order"]);
        let still = compare_relative(
            &json!({"date_order": "2026-12-02 04:22:26"}),
            &json!({"date_order": "2026-12-03 04:22:26"}),
            &comparison,
            10,
        );
        assert_eq!(paths(&still.changes), ["$.date_order"]);
    }
}
