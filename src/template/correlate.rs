//! Which values in a request came from an earlier response, and how sure that is.
//!
//! A replay on another database gets other ids, so a request that used an id an earlier call
//! returned must use that call's new answer instead of the literal. Coincidences are the
//! danger: small integers (1, 2, `limit: 80`, the uid) are everywhere, and the same customer
//! can sit in a list row nobody opened and in the suggestion the user picked. So a link needs
//! evidence, and where several earlier answers hold the value, the strongest, nearest cause
//! wins ([`Strength`], strongest first):
//!
//! 1. **Created**: an id a `create`, `copy`, `name_create` or creating `web_save` returned, or
//!    a record a write created as a side effect (an order's lines, a message: first seen after
//!    the write and newer than every record of its kind, see [`crate::odoo::ids::created`]).
//!    It links wherever the same integer later stands in an id position.
//! 2. **Cause**: the answer of the call the user acted on: the item of a `name_search` the
//!    user picked (then sent in a field pointing to that model), the value an `onchange`
//!    answer set for field F (then sent in F), a value a method answered under F
//!    (`get_single_product_variant`'s `product_id`), the record a read or search returned that
//!    is then acted on (its id as `args[0]` of a call on that model, in a domain on `id`, as
//!    `active_id`/`res_id`).
//! 3. **Relation**: the relations Odoo describes ([`Relations`]): a record of model M a read or
//!    search returned, sent in a field pointing to M; ids an answer held under a field
//!    pointing to M (`order_line`), later the record ids of a call on M.
//! 4. **Coincidence**: the same value under the same field of a record an answer merely
//!    listed. Linked only when nothing better exists, and noted for a person to check.
//!
//! Among equals the latest earlier step wins, so an id created twice links to the second
//! creation for what follows it. Never linked: integers outside id positions (limit, offset,
//! quantities), values already replaced by variables (the uid, company ids), ids a step was
//! itself asked about (a `read` of partner 9 answering with partner 9 is no evidence), and
//! values from a later step. Each link keeps its reason and the candidates it beat.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::odoo::ids::{self, Place};
use crate::odoo::relations::Relations;
use crate::path::Path;

/// How strongly an answer explains a value sent later; the order is the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    Coincidence,
    Relation,
    Cause,
    Created,
}

impl Strength {
    /// The word the manifest and reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Coincidence => "coincidence",
            Strength::Relation => "relation",
            Strength::Cause => "cause",
            Strength::Created => "created",
        }
    }
}

/// Why a response value may be linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// An id the step created, of this model when known.
    Minted(Option<String>),
    /// A record a write created as a side effect, first seen in this answer; of this model
    /// when known.
    SideEffect(Option<String>),
    /// An item a `name_search` on `model` offered, at `index` in its answer.
    Picked {
        model: String,
        index: usize,
        search: String,
    },
    /// The value an `onchange` of `model` set for `field`.
    Onchange {
        model: Option<String>,
        field: String,
    },
    /// A value a method's answer gave under `field`.
    Answered { field: String },
    /// The id of a record of this model a read or search returned.
    RecordOf(String),
    /// The value of relational field `field` (pointing to `relation`) of a returned record.
    FieldOf {
        field: String,
        relation: Option<String>,
    },
}

impl Evidence {
    /// A short reason, written into the manifest beside the capture.
    pub fn describe(&self) -> String {
        match self {
            Evidence::Minted(_) => "an id this step created".into(),
            Evidence::SideEffect(_) => {
                "a record the capture's writes created as a side effect, first seen here".into()
            }
            Evidence::Picked {
                model,
                index,
                search,
            } => format!(
                "suggestion #{} of a {model} name_search for {search:?}",
                index + 1
            ),
            Evidence::Onchange { field, .. } => format!("the {field} an onchange set"),
            Evidence::Answered { field } => format!("the {field} this step answered"),
            Evidence::RecordOf(model) => format!("a {model} id this step returned"),
            Evidence::FieldOf { field, .. } => format!("the {field} value this step returned"),
        }
    }
}

/// An integer a step's response provides, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Producer {
    pub step: usize,
    /// The step's name, for reasons a person reads (`014-res.partner.name_search`).
    pub label: String,
    pub value: i64,
    /// Where in the step's answer, as written (`$.result[0][0]`): a long capture's answers
    /// hold hundreds of thousands of ids, so the path is kept as text, not as segments.
    pub path: Box<str>,
    /// The path as a capture name's tail (`result_0_0`).
    slug: Box<str>,
    pub evidence: Evidence,
}

impl Producer {
    pub fn new(
        step: usize,
        label: String,
        value: i64,
        path: &Path,
        evidence: Evidence,
    ) -> Producer {
        Producer {
            step,
            label,
            value,
            path: path.to_string().into(),
            slug: path.slug().into(),
            evidence,
        }
    }

    /// The capture variable a link to this value uses.
    pub fn capture_name(&self) -> String {
        format!("s{:03}_{}", self.step, self.slug)
    }

    /// `014-res.partner.name_search $.result[0][0] (suggestion #1 of …)`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} ({})",
            self.label,
            self.path,
            self.evidence.describe()
        )
    }
}

/// Where in a request an integer stands, as far as linking cares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// The model the integer is a record id of, when it is one (`args[0]`, `ids`, `id` leaves).
    pub record_of: Option<String>,
    /// The field it is a value of, when it is one.
    pub field: Option<String>,
    /// The model that field belongs to, when known.
    pub owner: Option<String>,
    /// The model that field points to, when the relations say.
    pub relation: Option<String>,
    /// Where in the request (its template document).
    pub at: Path,
}

/// What a step answered, as linking needs it.
pub struct Answer<'a> {
    pub step: usize,
    pub label: &'a str,
    pub model: Option<&'a str>,
    pub method: Option<&'a str>,
    /// A `web_save` that created its record.
    pub creating_save: bool,
    /// The ids the step was asked about: not news when its answer repeats them.
    pub asked: &'a BTreeSet<i64>,
    /// Ids this answer holds of records the capture created (this step's or a side effect).
    pub created: &'a BTreeSet<i64>,
    /// The search text of a `name_search`.
    pub search: Option<&'a str>,
    pub result: &'a Value,
    /// Where the result sits in the stored answer (`$.result`, or `$` for JSON-2).
    pub at: &'a Path,
}

/// The integers a response provides.
pub fn producers(answer: &Answer, relations: &Relations) -> Vec<Producer> {
    let method = answer.method.unwrap_or("");
    let picks = matches!(method, "name_search" | "web_name_search");
    let mints = crate::odoo::methods::mints_ids(method) || answer.creating_save;
    ids::sightings(
        answer.model,
        answer.method,
        answer.result,
        answer.at,
        relations,
    )
    .into_iter()
    .filter_map(|sighting| {
        let evidence = if answer.created.contains(&sighting.value) {
            let model = sighting.place.model().map(str::to_string);
            match (&sighting.place, mints) {
                (Place::Record { .. }, true) => Evidence::Minted(model),
                _ => Evidence::SideEffect(model),
            }
        } else {
            match sighting.place {
                Place::Record {
                    model: Some(model), ..
                } if picks => Evidence::Picked {
                    model,
                    index: pick_index(&sighting.path),
                    search: answer.search.unwrap_or_default().to_string(),
                },
                Place::Record {
                    model: Some(model), ..
                } if !answer.asked.contains(&sighting.value) => Evidence::RecordOf(model),
                Place::Record { .. } => return None,
                Place::Field { model, field, .. } if method == "onchange" => {
                    Evidence::Onchange { model, field }
                }
                Place::Field {
                    model: None, field, ..
                } => Evidence::Answered { field },
                Place::Field {
                    field, relation, ..
                } => Evidence::FieldOf { field, relation },
            }
        };
        Some(Producer::new(
            answer.step,
            answer.label.to_string(),
            sighting.value,
            &sighting.path,
            evidence,
        ))
    })
    .collect()
}

/// The item's place in a `name_search` answer: `$.result[3][0]` → 3.
fn pick_index(path: &Path) -> usize {
    path.0
        .iter()
        .rev()
        .nth(1)
        .and_then(|s| match s {
            crate::path::Segment::Index(i) => Some(*i),
            _ => None,
        })
        .unwrap_or(0)
}

/// How strongly `producer` explains the value at `position`, if at all.
pub fn strength(producer: &Producer, position: &Position) -> Option<Strength> {
    let same = |a: &Option<String>, b: &str| a.as_deref() == Some(b);
    let field_is = |name: &str| position.field.as_deref() == Some(name);
    match &producer.evidence {
        // A new record of one model never stands where another model's record is expected.
        Evidence::Minted(model) | Evidence::SideEffect(model) => {
            let expected = position.relation.as_ref().or(position.record_of.as_ref());
            match (model, expected) {
                (Some(made), Some(expected)) if made != expected => None,
                _ => Some(Strength::Created),
            }
        }
        Evidence::Picked { model, .. } => (same(&position.relation, model)
            || same(&position.record_of, model)
            || named_after(position, model))
        .then_some(Strength::Cause),
        Evidence::Onchange { model, field } => {
            let owner_agrees = model.is_none()
                || position.owner.is_none()
                || model.as_deref() == position.owner.as_deref();
            (field_is(field) && owner_agrees).then_some(Strength::Cause)
        }
        Evidence::Answered { field } => field_is(field).then_some(Strength::Cause),
        Evidence::RecordOf(model) => {
            if same(&position.record_of, model) {
                Some(Strength::Cause)
            } else if same(&position.relation, model) || named_after(position, model) {
                Some(Strength::Relation)
            } else {
                None
            }
        }
        Evidence::FieldOf { field, relation } => {
            if relation.is_some() && position.record_of.is_some() && *relation == position.record_of
            {
                Some(Strength::Relation)
            } else if field_is(field) {
                Some(Strength::Coincidence)
            } else {
                None
            }
        }
    }
}

/// Where no relation is known for a field (no `fields_get` of its model in the capture),
/// Odoo's naming convention stands in for it: `partner_id` points to `res.partner`,
/// `product_id` to `product.product`, `user_id` to `res.users`, `sale_order_id` to
/// `sale.order`. A field the relations describe is never judged by its name.
fn named_after(position: &Position, model: &str) -> bool {
    let Some(field) = position
        .field
        .as_deref()
        .filter(|_| position.relation.is_none())
    else {
        return false;
    };
    let Some(base) = field
        .strip_suffix("_ids")
        .or_else(|| field.strip_suffix("_id"))
    else {
        return false;
    };
    let last = model.rsplit('.').next().unwrap_or(model);
    base == last || format!("{base}s") == last || base == model.replace('.', "_")
}

/// How many of the candidates a link beat it lists, the nearest first: a value every answer
/// of a long capture held (a company, a country) would otherwise list thousands.
pub const RIVALS: usize = 8;

/// The link chosen for a value, and the candidates it beat.
#[derive(Debug, Clone)]
pub struct Choice<'a> {
    pub producer: &'a Producer,
    pub strength: Strength,
    /// At most [`RIVALS`], one per step.
    pub rivals: Vec<(&'a Producer, Strength)>,
    /// More steps held the value than `rivals` lists.
    pub more: bool,
}

/// The producer a value at a position links to: the strongest, then the latest.
pub fn choose<'a>(
    value: i64,
    position: &Position,
    producers: &'a [Producer],
) -> Option<Choice<'a>> {
    let candidates = producers
        .iter()
        .filter(|p| p.value == value)
        .filter_map(|p| strength(p, position).map(|s| (p, s)))
        .collect();
    choose_among(candidates, false)
}

/// [`choose`] among candidates in the order their answers held them; `older` when steps
/// before them held the value too.
fn choose_among(mut candidates: Vec<(&Producer, Strength)>, older: bool) -> Option<Choice<'_>> {
    // Strongest first, then the latest step, then the first place in its answer.
    candidates.sort_by(|(a, sa), (b, sb)| sb.cmp(sa).then(b.step.cmp(&a.step)));
    let mut candidates = candidates.into_iter();
    let (producer, strength) = candidates.next()?;
    let mut rivals: Vec<(&Producer, Strength)> = Vec::new();
    let mut more = older;
    for (rival, rival_strength) in candidates {
        // One line per other step: the first place it held the value is enough.
        if rival.step != producer.step && rivals.iter().all(|(r, _)| r.step != rival.step) {
            if rivals.len() == RIVALS {
                more = true;
                break;
            }
            rivals.push((rival, rival_strength));
        }
    }
    Some(Choice {
        producer,
        strength,
        rivals,
        more,
    })
}

/// The answers that held one value, as far as linking can still choose among them: per
/// kind of evidence, the first place in each of the latest `RIVALS + 1` steps (older steps
/// with the same evidence rank below those and would not be listed), and the last place
/// any answer held it. A value a long capture's every answer holds stays a few entries.
#[derive(Debug, Default)]
pub struct Holders {
    kinds: Vec<SameEvidence>,
    last: Option<Producer>,
}

/// The places that held a value with one kind of evidence.
#[derive(Debug)]
struct SameEvidence {
    /// Oldest first, one per step, each with its place in the order answers held the value.
    places: std::collections::VecDeque<(u64, Producer)>,
    /// Older steps held it with this evidence and were let go.
    older: bool,
}

impl Holders {
    /// One more place an answer held the value; `order` grows with every place added.
    pub fn add(&mut self, order: u64, producer: Producer) {
        let kind = self
            .kinds
            .iter_mut()
            .find(|held| held.places[0].1.evidence == producer.evidence);
        match kind {
            // A later place in the same step, with the same evidence, ranks below the first.
            Some(held)
                if held
                    .places
                    .back()
                    .is_some_and(|(_, p)| p.step == producer.step) => {}
            Some(held) => {
                if held.places.len() > RIVALS {
                    held.places.pop_front();
                    held.older = true;
                }
                held.places.push_back((order, producer.clone()));
            }
            None => self.kinds.push(SameEvidence {
                places: std::collections::VecDeque::from([(order, producer.clone())]),
                older: false,
            }),
        }
        self.last = Some(producer);
    }

    /// The last place an answer held the value.
    pub fn last(&self) -> Option<&Producer> {
        self.last.as_ref()
    }

    /// The producer the value at `position` links to, as [`choose`] would among every place
    /// that held it.
    pub fn choose(&self, position: &Position) -> Option<Choice<'_>> {
        let mut older = false;
        let mut candidates: Vec<(u64, &Producer, Strength)> = Vec::new();
        for held in &self.kinds {
            let Some(strength) = strength(&held.places[0].1, position) else {
                continue;
            };
            older |= held.older;
            candidates.extend(held.places.iter().map(|(order, p)| (*order, p, strength)));
        }
        candidates.sort_by_key(|(order, ..)| *order);
        choose_among(
            candidates.into_iter().map(|(_, p, s)| (p, s)).collect(),
            older,
        )
    }
}

/// Calls `visit` on every integer in an id position of a request: its record ids (`args[0]`,
/// JSON-2 `ids`, the model arguments of `execute_kw`) and its arguments (values to write,
/// domains, x2many commands, `active_id`), each with the model it belongs to.
pub struct Visitor<'r> {
    pub relations: &'r Relations,
}

impl Visitor<'_> {
    /// The record ids of a call on `model`: an id or a list of ids at `at`.
    pub fn record_ids(
        &self,
        ids: &mut Value,
        model: Option<&str>,
        at: &Path,
        visit: &mut dyn FnMut(&mut Value, &Position),
    ) {
        let position = |at: Path| Position {
            record_of: model.map(str::to_string),
            at,
            ..Default::default()
        };
        match ids {
            Value::Number(_) => visit(ids, &position(at.clone())),
            Value::Array(items) if items.iter().all(Value::is_i64) => {
                for (i, id) in items.iter_mut().enumerate() {
                    visit(id, &position(at.index(i)));
                }
            }
            _ => {}
        }
    }

    /// Every id position in `value`, whose members are fields of `owner` when it is an object
    /// of values.
    pub fn walk(
        &self,
        value: &mut Value,
        owner: Option<&str>,
        at: &Path,
        visit: &mut dyn FnMut(&mut Value, &Position),
    ) {
        match value {
            Value::Object(map) => {
                let sibling = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_string);
                let (active_model, res_model) = (sibling("active_model"), sibling("res_model"));
                for (key, item) in map.iter_mut() {
                    let here = at.key(key);
                    let relation = owner
                        .and_then(|o| self.relations.target(o, key))
                        .map(str::to_string);
                    match key.as_str() {
                        "active_id" | "active_ids" => {
                            self.record_ids(item, active_model.as_deref(), &here, visit)
                        }
                        "res_id" => self.record_ids(item, res_model.as_deref(), &here, visit),
                        "ids" => self.record_ids(item, owner, &here, visit),
                        "context" => self.walk(item, None, &here, visit),
                        field
                            if item.is_i64() && (field.ends_with("_id") || relation.is_some()) =>
                        {
                            let position = Position {
                                field: Some(field.to_string()),
                                owner: owner.map(str::to_string),
                                relation,
                                at: here,
                                ..Default::default()
                            };
                            visit(item, &position)
                        }
                        field if field.ends_with("_ids") || relation.is_some() => {
                            self.x2many(item, field, owner, relation.as_deref(), &here, visit)
                        }
                        _ => self.walk(item, owner, &here, visit),
                    }
                }
            }
            Value::Array(items) => {
                if self.domain_leaf(items, owner, at, visit) {
                    return;
                }
                for (i, item) in items.iter_mut().enumerate() {
                    self.walk(item, owner, &at.index(i), visit);
                }
            }
            _ => {}
        }
    }

    /// `[field, operator, value]` with a known operator: the ids it compares with.
    fn domain_leaf(
        &self,
        items: &mut [Value],
        owner: Option<&str>,
        at: &Path,
        visit: &mut dyn FnMut(&mut Value, &Position),
    ) -> bool {
        let [Value::String(field), Value::String(operator), target] = items else {
            return false;
        };
        if !crate::odoo::domain::is_operator(operator) {
            return false;
        }
        let here = at.index(2);
        let position = if field == "id" {
            Position {
                record_of: owner.map(str::to_string),
                at: here,
                ..Default::default()
            }
        } else {
            let relation = owner
                .and_then(|o| self.relations.target(o, field))
                .map(str::to_string);
            if !(field.ends_with("_id") || field.ends_with("_ids") || relation.is_some()) {
                return true;
            }
            Position {
                field: Some(field.clone()),
                owner: owner.map(str::to_string),
                relation,
                at: here,
                ..Default::default()
            }
        };
        match target {
            Value::Number(_) => visit(target, &position),
            Value::Array(ids) if ids.iter().all(Value::is_i64) => {
                for (i, id) in ids.iter_mut().enumerate() {
                    let position = Position {
                        at: position.at.index(i),
                        ..position.clone()
                    };
                    visit(id, &position);
                }
            }
            _ => {}
        }
        true
    }

    /// x2many values: a list of ids, commands `[6, 0, ids]`, `[4, id]`, `[1, id, vals]`,
    /// `[0, 0, vals]` (whose vals are fields of the relation), or the values of a parent
    /// record (`order_id: {…}` in a line's onchange).
    fn x2many(
        &self,
        value: &mut Value,
        field: &str,
        owner: Option<&str>,
        relation: Option<&str>,
        at: &Path,
        visit: &mut dyn FnMut(&mut Value, &Position),
    ) {
        let position = |at: Path| Position {
            field: Some(field.to_string()),
            owner: owner.map(str::to_string),
            relation: relation.map(str::to_string),
            at,
            ..Default::default()
        };
        let Value::Array(items) = value else {
            return self.walk(value, relation, at, visit);
        };
        if items.iter().all(Value::is_i64) {
            for (i, id) in items.iter_mut().enumerate() {
                visit(id, &position(at.index(i)));
            }
            return;
        }
        for (c, command) in items.iter_mut().enumerate() {
            let Value::Array(parts) = command else {
                continue;
            };
            let here = at.index(c);
            let code = parts.first().and_then(Value::as_i64);
            match (code, parts.len()) {
                (Some(6), 3) => {
                    if let Value::Array(ids) = &mut parts[2] {
                        for (i, id) in ids.iter_mut().enumerate() {
                            if id.is_i64() {
                                visit(id, &position(here.index(2).index(i)));
                            }
                        }
                    }
                }
                (Some(1..=4), _) => {
                    if let Some(id) = parts.get_mut(1).filter(|id| id.is_i64()) {
                        visit(id, &position(here.index(1)));
                    }
                    if let Some(vals) = parts.get_mut(2) {
                        self.walk(vals, relation, &here.index(2), visit);
                    }
                }
                (Some(0), 3) => self.walk(&mut parts[2], relation, &here.index(2), visit),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result_path() -> Path {
        Path::parse("$.result").unwrap()
    }

    fn producer(step: usize, value: i64, evidence: Evidence) -> Producer {
        Producer::new(
            step,
            format!("{step:03}-x"),
            value,
            &result_path(),
            evidence,
        )
    }

    #[test]
    fn holders_choose_as_every_place_would_and_list_the_nearest_rivals() {
        let evidences = [
            Evidence::RecordOf("res.partner".into()),
            Evidence::FieldOf {
                field: "partner_id".into(),
                relation: Some("res.partner".into()),
            },
            Evidence::FieldOf {
                field: "category_id".into(),
                relation: None,
            },
            Evidence::Picked {
                model: "res.partner".into(),
                index: 0,
                search: "Deco".into(),
            },
        ];
        let at = |record_of: Option<&str>, field: Option<&str>, relation: Option<&str>| Position {
            record_of: record_of.map(str::to_string),
            field: field.map(str::to_string),
            relation: relation.map(str::to_string),
            ..Position::default()
        };
        let positions = [
            at(Some("res.partner"), None, None),
            at(None, Some("partner_id"), Some("res.partner")),
            at(None, Some("category_id"), None),
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        let (mut listed_more, mut compared) = (false, 0);
        for steps in [2, 9, 40, 200] {
            let (mut every, mut holders, mut order) = (Vec::new(), Holders::default(), 0);
            for step in 1..=steps {
                for place in 0..next(4) {
                    let evidence = evidences[next(4) as usize].clone();
                    let path = Path::parse("$.result").unwrap().index(place as usize);
                    let held = Producer::new(step, format!("{step:03}-x"), 7, &path, evidence);
                    every.push(held.clone());
                    order += 1;
                    holders.add(order, held);
                }
            }
            assert_eq!(holders.last(), every.last());
            for position in &positions {
                let whole = choose(7, position, &every);
                let kept = holders.choose(position);
                let seen = |c: &Choice| {
                    let rivals: Vec<(usize, String, Strength)> = c
                        .rivals
                        .iter()
                        .map(|(p, s)| (p.step, p.path.to_string(), *s))
                        .collect();
                    (c.producer.clone(), c.strength, rivals, c.more)
                };
                assert_eq!(whole.as_ref().map(seen), kept.as_ref().map(seen), "{steps}");
                if let Some(choice) = kept {
                    compared += 1;
                    assert!(choice.rivals.len() <= RIVALS);
                    listed_more |= choice.more;
                }
            }
        }
        assert!(
            compared > 6 && listed_more,
            "the long captures list more than RIVALS"
        );
    }

    fn positions(
        mut value: Value,
        model: Option<&str>,
        relations: &Relations,
    ) -> Vec<(i64, Position)> {
        let mut found = Vec::new();
        Visitor { relations }.walk(&mut value, model, &Path::root(), &mut |v, p| {
            found.push((v.as_i64().unwrap(), p.clone()))
        });
        found
    }

    #[test]
    fn id_positions_in_domains_vals_and_commands() {
        let args = json!([
            [["id", "in", [51, 52]], ["partner_id", "=", 7], ["limit", "=", 80], ["name", "ilike", "x"]],
            {"partner_id": 7, "tag_ids": [[6, 0, [3, 4]], [4, 5]], "child_ids": [[0, 0, {"country_id": 21}]], "sequence": 10},
        ]);
        let found: Vec<(i64, Option<String>, Option<String>, String)> =
            positions(args, Some("res.partner"), &Relations::default())
                .into_iter()
                .map(|(v, p)| (v, p.record_of, p.field, p.at.to_string()))
                .collect();
        let model = || Some("res.partner".to_string());
        let field = |f: &str| Some(f.to_string());
        assert_eq!(
            found,
            vec![
                (51, model(), None, "$[0][0][2][0]".into()),
                (52, model(), None, "$[0][0][2][1]".into()),
                (7, None, field("partner_id"), "$[0][1][2]".into()),
                // Object keys come in sorted order: child_ids, partner_id, sequence, tag_ids.
                (
                    21,
                    None,
                    field("country_id"),
                    "$[1].child_ids[0][2].country_id".into()
                ),
                (7, None, field("partner_id"), "$[1].partner_id".into()),
                (3, None, field("tag_ids"), "$[1].tag_ids[0][2][0]".into()),
                (4, None, field("tag_ids"), "$[1].tag_ids[0][2][1]".into()),
                (5, None, field("tag_ids"), "$[1].tag_ids[1][1]".into()),
            ]
        );
    }

    #[test]
    fn relations_carry_the_model_into_commands_and_parent_values() {
        let mut relations = Relations::default();
        relations.learn(
            Some("sale.order"),
            Some("fields_get"),
            &json!({"order_line": {"type": "one2many", "relation": "sale.order.line"}, "partner_id": {"type": "many2one", "relation": "res.partner"}}),
        );
        relations.learn(
            Some("sale.order.line"),
            Some("fields_get"),
            &json!({"product_id": {"type": "many2one", "relation": "product.product"}, "order_id": {"type": "many2one", "relation": "sale.order"}}),
        );
        let vals = json!({"partner_id": 14, "order_line": [[0, "virtual_1", {"product_id": 36}]]});
        let found = positions(vals, Some("sale.order"), &relations);
        assert_eq!(found[0].0, 36);
        assert_eq!(found[0].1.relation.as_deref(), Some("product.product"));
        assert_eq!(found[0].1.owner.as_deref(), Some("sale.order.line"));
        assert_eq!(found[1].1.relation.as_deref(), Some("res.partner"));
        // A line's onchange sends its order's values under order_id.
        let line = json!({"order_id": {"partner_id": 10}});
        let found = positions(line, Some("sale.order.line"), &relations);
        assert_eq!(found[0].1.owner.as_deref(), Some("sale.order"));
        assert_eq!(found[0].1.relation.as_deref(), Some("res.partner"));
    }

    #[test]
    fn a_cause_beats_a_coincidence_and_the_nearest_cause_wins() {
        let position = Position {
            field: Some("partner_id".into()),
            owner: Some("sale.order".into()),
            relation: Some("res.partner".into()),
            ..Default::default()
        };
        let listed = producer(
            8,
            10,
            Evidence::FieldOf {
                field: "partner_id".into(),
                relation: Some("res.partner".into()),
            },
        );
        let picked = |step, index| {
            producer(
                step,
                10,
                Evidence::Picked {
                    model: "res.partner".into(),
                    index,
                    search: "Deco".into(),
                },
            )
        };
        let producers = vec![picked(13, 0), listed.clone(), picked(14, 0)];
        let choice = choose(10, &position, &producers).unwrap();
        assert_eq!(
            (choice.producer.step, choice.strength),
            (14, Strength::Cause)
        );
        assert_eq!(
            choice
                .rivals
                .iter()
                .map(|(p, s)| (p.step, *s))
                .collect::<Vec<_>>(),
            [(13, Strength::Cause), (8, Strength::Coincidence)]
        );
        // Alone, the list row still links, as a coincidence.
        let alone = [listed];
        let choice = choose(10, &position, &alone).unwrap();
        assert_eq!(choice.strength, Strength::Coincidence);
        // An onchange that set partner_invoice_id is the cause of partner_invoice_id only.
        let onchange = [producer(
            16,
            10,
            Evidence::Onchange {
                model: Some("sale.order".into()),
                field: "partner_invoice_id".into(),
            },
        )];
        assert!(choose(10, &position, &onchange).is_none());
        let invoice = Position {
            field: Some("partner_invoice_id".into()),
            ..position.clone()
        };
        assert_eq!(
            choose(10, &invoice, &onchange).unwrap().strength,
            Strength::Cause
        );
    }

    #[test]
    fn created_ids_link_anywhere_and_relations_reach_record_ids() {
        let line_ids = producer(
            11,
            45,
            Evidence::FieldOf {
                field: "order_line".into(),
                relation: Some("sale.order.line".into()),
            },
        );
        let read_line = Position {
            record_of: Some("sale.order.line".into()),
            ..Default::default()
        };
        assert_eq!(
            choose(45, &read_line, std::slice::from_ref(&line_ids))
                .unwrap()
                .strength,
            Strength::Relation
        );
        let made = [line_ids, producer(9, 45, Evidence::SideEffect(None))];
        let choice = choose(45, &read_line, &made).unwrap();
        assert_eq!(
            (choice.producer.step, choice.strength),
            (9, Strength::Created)
        );
        // Without relations, the field's name says which model it points to.
        let product = [producer(
            4,
            36,
            Evidence::RecordOf("product.product".into()),
        )];
        let by_name = |field: &str| Position {
            field: Some(field.into()),
            owner: Some("sale.order.line".into()),
            ..Default::default()
        };
        assert_eq!(
            choose(36, &by_name("product_id"), &product)
                .unwrap()
                .strength,
            Strength::Relation
        );
        assert!(choose(36, &by_name("product_uom_id"), &product).is_none());
        let described = Position {
            relation: Some("product.template".into()),
            ..by_name("product_id")
        };
        assert!(choose(36, &described, &product).is_none());
        // A new partner is no product, whatever its number.
        let minted = [producer(
            8,
            36,
            Evidence::Minted(Some("res.partner".into())),
        )];
        let product = Position {
            field: Some("product_id".into()),
            relation: Some("product.product".into()),
            ..Default::default()
        };
        assert!(choose(36, &product, &minted).is_none());
        // A record of one model never stands for another model's record.
        let partner = [producer(4, 2, Evidence::RecordOf("res.partner".into()))];
        let order = Position {
            record_of: Some("sale.order".into()),
            ..Default::default()
        };
        assert!(choose(2, &order, &partner).is_none());
    }
}
