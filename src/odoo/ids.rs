//! Where record ids stand in Odoo's answers, and which of them a capture's writes created.
//!
//! Links between steps and the judging of answers both need to know, for each integer in an
//! answer, whether it is a record id and of which model: the id of a record a read or search
//! returned, or the value of a relational field (`partner_id`, `order_line`) of such a record.
//! Relations ([`Relations`]) name the model a field points to; without them a field's name
//! (`*_id`, `*_ids`) is the only clue.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::methods;
use super::relations::Relations;
use crate::path::Path;

/// What an id in an answer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The id of a record of this model (`None`: a model the answer does not name, such as
    /// the followers of `/mail/thread/data`, then `slot` names the list it was in).
    Record { model: Option<String>, slot: String },
    /// The value of a relational field of a record of `model`, pointing to `relation`.
    Field {
        model: Option<String>,
        field: String,
        relation: Option<String>,
        /// True for an x2many (a list of ids), false for a many2one.
        many: bool,
    },
}

impl Place {
    /// The model of the record the id names, when the answer or the relations say.
    pub fn model(&self) -> Option<&str> {
        match self {
            Place::Record { model, .. } => model.as_deref(),
            Place::Field { relation, .. } => relation.as_deref(),
        }
    }

    /// What kind of record the id names, to tell a new record from one seen before: the
    /// model when known, else the field or list it stood in.
    pub fn slot(&self) -> String {
        match (self.model(), self) {
            (Some(model), _) => model.to_string(),
            (None, Place::Record { slot, .. }) => format!("list {slot}"),
            (None, Place::Field { field, .. }) => format!("field {field}"),
        }
    }
}

/// `[id, "name"]`: a many2one as `read` gives it (and a `name_search` item), whose first
/// element is a record id.
pub fn name_pair<'v>(mut items: impl ExactSizeIterator<Item = &'v Value>) -> bool {
    items.len() == 2
        && items.next().is_some_and(Value::is_i64)
        && items.next().is_some_and(Value::is_string)
}

/// One record id seen in an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub value: i64,
    pub path: Path,
    pub place: Place,
}

/// The record ids in the result of `method` on `model` (found at `at` in the stored answer).
pub fn sightings(
    model: Option<&str>,
    method: Option<&str>,
    result: &Value,
    at: &Path,
    relations: &Relations,
) -> Vec<Sighting> {
    let mut found = Vec::new();
    let mut walker = Walker {
        relations,
        found: &mut found,
    };
    let record_of = |slot: &str| Place::Record {
        model: model.map(str::to_string),
        slot: slot.to_string(),
    };
    match (method.unwrap_or(""), result) {
        // `[id, "name"]` pairs (name_search, name_create) or bare ids (search, create).
        (_, Value::Array(items)) if model.is_some() => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Number(_) => walker.push(item, at.index(i), record_of("result")),
                    Value::Array(pair) if name_pair(pair.iter()) => {
                        walker.push(&pair[0], at.index(i).index(0), record_of("result"))
                    }
                    Value::Object(_) => walker.record(item, &at.index(i), model),
                    _ => {}
                }
            }
        }
        (m, id @ Value::Number(_)) if methods::mints_ids(m) => {
            walker.push(id, at.clone(), record_of("result"))
        }
        ("onchange", Value::Object(map)) => {
            if let Some(Value::Object(values)) = map.get("value") {
                walker.fields(values, &at.key("value"), model);
            }
        }
        (_, Value::Object(map)) if model.is_some() && map.contains_key("records") => {
            if let Some(Value::Array(records)) = map.get("records") {
                for (i, record) in records.iter().enumerate() {
                    walker.record(record, &at.key("records").index(i), model);
                }
            }
        }
        // Any other answer: objects with an `id` are records of an unnamed model, members
        // shaped like relational fields are field values.
        (_, other) => walker.anything(other, at, "result"),
    }
    found
}

struct Walker<'a> {
    relations: &'a Relations,
    found: &'a mut Vec<Sighting>,
}

impl Walker<'_> {
    fn push(&mut self, value: &Value, path: Path, place: Place) {
        if let Some(value) = value.as_i64() {
            self.found.push(Sighting { value, path, place });
        }
    }

    fn relation(&self, model: Option<&str>, field: &str) -> Option<String> {
        model
            .and_then(|m| self.relations.target(m, field))
            .map(str::to_string)
    }

    /// A record of `model`: its id, then its fields.
    fn record(&mut self, record: &Value, at: &Path, model: Option<&str>) {
        let Value::Object(fields) = record else {
            return;
        };
        if let Some(id) = fields.get("id") {
            let place = Place::Record {
                model: model.map(str::to_string),
                slot: "records".into(),
            };
            self.push(id, at.key("id"), place);
        }
        self.fields(fields, at, model);
    }

    /// The relational values among a record's (or an onchange's) fields.
    fn fields(&mut self, fields: &serde_json::Map<String, Value>, at: &Path, model: Option<&str>) {
        for (field, value) in fields {
            if field == "id" {
                continue;
            }
            let relation = self.relation(model, field);
            let relational =
                relation.is_some() || field.ends_with("_id") || field.ends_with("_ids");
            if !relational {
                continue;
            }
            let place = |many: bool| Place::Field {
                model: model.map(str::to_string),
                field: field.clone(),
                relation: relation.clone(),
                many,
            };
            let here = at.key(field);
            match value {
                Value::Number(_) => self.push(value, here, place(false)),
                // many2one as read() gives it: [id, "name"].
                Value::Array(pair) if name_pair(pair.iter()) => {
                    self.push(&pair[0], here.index(0), place(false))
                }
                // x2many ids, or records when a specification asked for their fields.
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        match item {
                            Value::Number(_) => self.push(item, here.index(i), place(true)),
                            Value::Object(_) => {
                                self.record(item, &here.index(i), relation.as_deref())
                            }
                            _ => {}
                        }
                    }
                }
                // many2one as web_read() gives it: {"id": …, "display_name": …}.
                Value::Object(target) if target.get("id").is_some_and(Value::is_i64) => {
                    self.push(&target["id"], here.key("id"), place(false));
                    self.fields(target, &here, relation.as_deref());
                }
                _ => {}
            }
        }
    }

    fn anything(&mut self, value: &Value, at: &Path, slot: &str) {
        match value {
            Value::Object(map) => {
                if let Some(id) = map.get("id").filter(|id| id.is_i64()) {
                    let place = Place::Record {
                        model: None,
                        slot: slot.to_string(),
                    };
                    self.push(id, at.key("id"), place);
                }
                self.fields(map, at, None);
                for (key, item) in map {
                    if matches!(item, Value::Object(_) | Value::Array(_))
                        && !key.ends_with("_id")
                        && !key.ends_with("_ids")
                    {
                        self.anything(item, &at.key(key), key);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if item.is_object() || item.is_array() {
                        self.anything(item, &at.index(i), slot);
                    }
                }
            }
            _ => {}
        }
    }
}

/// One step as the search for created ids sees it.
pub struct Answered<'a> {
    pub model: Option<&'a str>,
    pub method: Option<&'a str>,
    /// The result (JSON-2: the whole answer), and where it sits in the stored answer.
    pub result: Option<(&'a Value, Path)>,
    /// True for a step that may change data (anything not known to only read).
    pub writes: bool,
}

/// For each step, the ids in its answer that name records the capture itself created:
/// returned by a `create`, or seen for the first time and newer than every record of the
/// same kind seen before, in the answer of a write (an order saved with its lines) or of a
/// call about a record the capture created (`about_created`: reading the new order gives its
/// lines, the chatter of a new contact its messages and followers). A list or a search that
/// merely shows records not loaded before does not qualify, however new their ids look.
///
/// `about_created(step, created)` says whether step `step`'s request names one of `created`,
/// the ids found created so far.
pub fn created(
    steps: &[Answered],
    relations: &Relations,
    about_created: impl Fn(usize, &BTreeSet<i64>) -> bool,
) -> Vec<BTreeSet<i64>> {
    let mut novelty = Novelty::default();
    steps
        .iter()
        .enumerate()
        .map(|(index, step)| novelty.next(step, relations, |created| about_created(index, created)))
        .collect()
}

/// [`created`] one step at a time, for steps made as a capture is read: what the steps
/// before showed, kept as numbers.
#[derive(Debug, Default)]
pub struct Novelty {
    // Where the model is known, by model: sale order 21 is news even where partner 21 was
    // listed. Where it is not (a field or list the relations do not describe), any earlier
    // sight of the number counts, to err on the side of "not new". Each number keeps the
    // kinds (indexes into `slots`) it was seen as: having a key at all is "seen anywhere".
    seen: HashMap<i64, Vec<u32>>,
    slots: HashMap<String, u32>,
    highest: HashMap<String, i64>,
    all_created: BTreeSet<i64>,
}

impl Novelty {
    /// The ids in the next step's answer that name records the capture created;
    /// `about_created(created)` says whether its request names one of the ids found created
    /// so far.
    pub fn next(
        &mut self,
        step: &Answered,
        relations: &Relations,
        about_created: impl Fn(&BTreeSet<i64>) -> bool,
    ) -> BTreeSet<i64> {
        self.next_remembering(step, relations, about_created, |_| true)
    }

    /// [`Novelty::next`], remembering of this answer's ids only those `remember` names: a
    /// number no later request names cannot make a later answer's news matter, so a long
    /// capture need not keep it.
    pub fn next_remembering(
        &mut self,
        step: &Answered,
        relations: &Relations,
        about_created: impl Fn(&BTreeSet<i64>) -> bool,
        remember: impl Fn(i64) -> bool,
    ) -> BTreeSet<i64> {
        let mut created = BTreeSet::new();
        let Some((result, at)) = &step.result else {
            return created;
        };
        let sightings = sightings(step.model, step.method, result, at, relations);
        let minted = step.method.is_some_and(methods::mints_ids);
        let may_hold_new = step.writes || about_created(&self.all_created);
        let slots: Vec<String> = sightings.iter().map(|s| s.place.slot()).collect();
        for (sighting, slot) in sightings.iter().zip(&slots) {
            // A many2one points at a record that usually existed already (the customer of a
            // new order): new only when above every record of its kind seen before.
            let many2one = matches!(sighting.place, Place::Field { many: false, .. });
            let newer = match self.highest.get(slot) {
                Some(high) => sighting.value > *high,
                None => !many2one,
            };
            let made_here = minted && matches!(sighting.place, Place::Record { .. });
            let seen = self.seen.get(&sighting.value);
            let unseen = if sighting.place.model().is_some() {
                let kind = self.slots.get(slot);
                !seen.is_some_and(|kinds| kind.is_some_and(|kind| kinds.contains(kind)))
            } else {
                seen.is_none()
            };
            if made_here || (may_hold_new && newer && unseen) {
                created.insert(sighting.value);
            }
        }
        for (sighting, slot) in sightings.into_iter().zip(slots) {
            if remember(sighting.value) {
                let count = self.slots.len() as u32;
                let kind = *self.slots.entry(slot.clone()).or_insert(count);
                let kinds = self.seen.entry(sighting.value).or_default();
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
            let high = self.highest.entry(slot).or_insert(sighting.value);
            *high = (*high).max(sighting.value);
        }
        self.all_created
            .extend(created.iter().copied().filter(|id| remember(*id)));
        created
    }

    /// Forgets `value`: no later request names it.
    pub fn forget(&mut self, value: i64) {
        self.seen.remove(&value);
        self.all_created.remove(&value);
    }
}

/// Every integer in a request, wherever it stands: what `about_created` looks for.
pub fn integers(value: &Value, out: &mut BTreeSet<i64>) {
    each_integer(value, &mut |id| {
        out.insert(id);
    });
}

/// Calls `each` on every integer in a value, wherever it stands.
pub fn each_integer(value: &Value, each: &mut impl FnMut(i64)) {
    match value {
        Value::Number(n) => n.as_i64().into_iter().for_each(&mut *each),
        Value::Array(items) => items.iter().for_each(|v| each_integer(v, each)),
        Value::Object(map) => map.values().for_each(|v| each_integer(v, each)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result() -> Path {
        Path::root().key("result")
    }

    #[test]
    fn ids_by_place() {
        let mut relations = Relations::default();
        relations.learn(
            Some("sale.order"),
            Some("fields_get"),
            &json!({"order_line": {"type": "one2many", "relation": "sale.order.line"}}),
        );
        let found = sightings(
            Some("sale.order"),
            Some("read"),
            &json!([{"id": 28, "partner_id": [14, "Azure"], "order_line": [45], "amount": 10}]),
            &result(),
            &relations,
        );
        let described: Vec<(i64, String, String)> = found
            .iter()
            .map(|s| (s.value, s.path.to_string(), s.place.slot()))
            .collect();
        assert_eq!(
            described,
            [
                (28, "$.result[0].id".into(), "sale.order".into()),
                (
                    45,
                    "$.result[0].order_line[0]".into(),
                    "sale.order.line".into()
                ),
                (
                    14,
                    "$.result[0].partner_id[0]".into(),
                    "field partner_id".into()
                ),
            ]
        );
        let picked = sightings(
            Some("res.partner"),
            Some("name_search"),
            &json!([[10, "Deco Addict"], [35, "Deco Addict, Addison"]]),
            &result(),
            &relations,
        );
        assert_eq!(picked[1].path.to_string(), "$.result[1][0]");
        let onchange = sightings(
            Some("sale.order"),
            Some("onchange"),
            &json!({"value": {"payment_term_id": {"id": 4, "display_name": "30 Days"}, "note": false}}),
            &result(),
            &relations,
        );
        assert_eq!(
            onchange[0].path.to_string(),
            "$.result.value.payment_term_id.id"
        );
    }

    #[test]
    fn side_effects_are_new_records_of_a_write_or_about_a_created_one() {
        fn step<'a>(
            model: Option<&'a str>,
            method: Option<&'a str>,
            result: &'a Value,
            writes: bool,
        ) -> Answered<'a> {
            Answered {
                model,
                method,
                result: Some((result, Path::root())),
                writes,
            }
        }
        let relations = Relations::default();
        let list = json!({"records": [{"id": 7}, {"id": 9}]});
        let create = json!(51);
        let chatter = json!({"followers": [{"id": 11, "partner_id": 3}], "messages": [{"id": 32}]});
        let later_list = json!({"records": [{"id": 8}, {"id": 9}, {"id": 51}, {"id": 60}]});
        let saved = json!([{"id": 51, "message_ids": [33, 32]}]);
        // The chatter asks about the created contact; the later list does not.
        let found = created(
            &[
                step(Some("res.partner"), Some("web_search_read"), &list, false),
                step(Some("res.partner"), Some("create"), &create, true),
                step(None, None, &chatter, false),
                step(
                    Some("res.partner"),
                    Some("web_search_read"),
                    &later_list,
                    false,
                ),
                step(Some("res.partner"), Some("web_save"), &saved, true),
            ],
            &relations,
            |index, created| index == 2 && created.contains(&51),
        );
        let as_vec = |s: &BTreeSet<i64>| s.iter().copied().collect::<Vec<_>>();
        assert_eq!(as_vec(&found[0]), Vec::<i64>::new());
        assert_eq!(as_vec(&found[1]), [51]);
        // Followers and messages of the new contact: new. Partner 3, a many2one to a kind of
        // record never seen, is not.
        assert_eq!(as_vec(&found[2]), [11, 32]);
        // A list names no created record: 8 was merely not listed before, and 60, however
        // new it looks, is no news of the capture's own.
        assert_eq!(as_vec(&found[3]), Vec::<i64>::new());
        // A write's own answer: the message it wrote.
        assert_eq!(as_vec(&found[4]), [33]);
        // A new order numbered like a partner listed before is new all the same.
        let mut relations = Relations::default();
        relations.learn(
            Some("sale.order"),
            Some("fields_get"),
            &json!({"partner_id": {"type": "many2one", "relation": "res.partner"}}),
        );
        let listed = json!({"records": [{"id": 20, "partner_id": {"id": 21}}]});
        let saved = json!([{"id": 21, "partner_id": {"id": 10}}]);
        let found = created(
            &[
                step(Some("sale.order"), Some("web_search_read"), &listed, false),
                step(Some("sale.order"), Some("web_save"), &saved, true),
            ],
            &relations,
            |_, _| false,
        );
        assert_eq!(as_vec(&found[1]), [21]);
    }
}
