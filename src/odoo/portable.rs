//! Web-client model calls as the public ORM calls that give the same data.
//!
//! What a browser capture holds is the web client's own methods (addons/web/models/models.py):
//! `web_search_read` with a `specification` (17+; plain `fields` in 16, and
//! `/web/dataset/search_read` before it), `web_read`, `web_save`, `web_read_group` (reshaped
//! in 19), `web_name_search` (19), `onchange`. They change with every version; an
//! integration built on them breaks at the next upgrade, and a suite recorded on 16 cannot be
//! compared with 17. The public calls (`search_read`, `search_count`, `read`, `create`,
//! `write`, `read_group`, `name_search`) have kept their names and positional order from 14 to
//! 19, so a portable call passes by position what a version renamed (`name_search`'s domain
//! is `args` in 16–18, `domain` in 19) and names only what never changed.
//!
//! How each converts (17 `addons/web/models/models.py` `web_search_read`, `web_read`,
//! `web_save`; 19 the same file's `web_read_group`, `formatted_read_group`):
//!
//! - `web_search_read(domain, specification, offset, limit, order, count_limit)` →
//!   `search_read(domain, fields=<the specification's fields>, offset, limit, order)`, then
//!   `search_count(domain, limit=count_limit)` when a `limit` was given (only then does Odoo
//!   count: without one the length is the number of records), then a `read` of each
//!   relational field's records whose sub-fields the specification asked (a many2one's
//!   `display_name` comes with `read`'s `[id, name]` already);
//! - `web_read(specification)` → `read(ids, fields)`, then the same follow-up reads;
//! - `web_save(vals, specification)` → `create(vals)` or `write(ids, vals)`, then `read` of
//!   the record (with `bin_size`, as `web_save` reads);
//! - `web_read_group` and `formatted_read_group` → `read_group(domain, fields, groupby)`;
//! - `web_name_search` (19) → `name_search(name, domain, operator, limit)`;
//! - `name_get` (gone in 18) → `read(ids, ["display_name"])`.
//!
//! What has no public equivalent (`onchange`, `get_views`, the side panels) is left out with
//! the reason. The answer each portable call gives is derived from the captured one where it
//! can be: a specification's `{"id", "display_name"}` is `read`'s `[id, name]`, an x2many's
//! records are their ids; what the capture cannot tell (a many2one's name it did not ask) is
//! listed, so a comparison leaves it aside.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::convert::ModelCall;
use super::relations::Relations;
use super::signatures;
use crate::path::{Path, Segment};

/// What a web-client call becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Converted {
    /// Already a public call (or a button, or a module's method): kept as it is.
    Kept,
    /// No public call gives the same: why.
    Dropped(String),
    /// The public calls that give the same data, in order.
    Calls(Calls),
}

/// The public calls standing for one web-client call.
#[derive(Debug, Clone, PartialEq)]
pub struct Calls {
    /// The calls, in the order they are sent.
    pub parts: Vec<Part>,
    /// What a person should know (a follow-up read that could not be made, an answer that
    /// could not be derived).
    pub notes: Vec<String>,
    shape: Shape,
}

/// One public call.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The public call.
    pub call: ModelCall,
    /// What it stands for in the web call's answer.
    pub role: Role,
    /// The result it should give, derived from the captured answer; `None` when it cannot be.
    pub result: Option<Value>,
    /// Paths into `result` (`$[*].user_id[1]`) the captured answer cannot tell.
    pub unknown: Vec<String>,
    /// Record ids it sends as the captured answer held them (a follow-up read's).
    pub literal_ids: Vec<i64>,
}

/// What a part stands for in the web call's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The records (`search_read`, `read`).
    Records,
    /// The web answer's `length` (`search_count`).
    Length,
    /// The new record's id (`create`).
    Created,
    /// `write`'s `True`.
    Written,
    /// The records of a relational field (`field`) whose sub-fields were asked.
    Related { field: String },
    /// `read_group`'s groups.
    Groups,
    /// `name_search`'s `[id, name]` pairs.
    Names,
}

/// Which web answer the parts stand for, to find where a path into it went.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// `{length, records}` (`web_search_read`).
    SearchRead {
        spec: Map<String, Value>,
    },
    /// A list of records (`web_read`; `web_save` with `created` when it created one).
    Records {
        spec: Map<String, Value>,
        created: bool,
    },
    /// `[{id, display_name}]` (`web_name_search`), or `[[id, name]]` read back as records
    /// (`name_get`).
    Names,
    NameGet,
    /// Groups, whose answer is not derived.
    Groups,
}

/// Methods no public call stands for, and why.
const DROPPED: &[(&str, &str)] = &[
    (
        "onchange",
        "the form's live computation of a record being edited; create or write computes the same on save",
    ),
    (
        "get_views",
        "view definitions: how the screen is laid out (fields_get describes the fields)",
    ),
    (
        "get_view",
        "a view definition: how the screen is laid out (fields_get describes the fields)",
    ),
    (
        "load_views",
        "view definitions: how the screen is laid out (fields_get describes the fields)",
    ),
    (
        "fields_view_get",
        "a view definition: how the screen is laid out (fields_get describes the fields)",
    ),
    (
        "read_progress_bar",
        "the kanban column's progress bar, a web-client summary",
    ),
    ("search_panel_select_range", "the search panel's side bar"),
    (
        "search_panel_select_multi_range",
        "the search panel's side bar",
    ),
    (
        "web_resequence",
        "the list's drag-and-drop reordering (write the sequence field instead)",
    ),
    (
        "web_save_multi",
        "the list's multi-record edit (write each record instead)",
    ),
    (
        "web_override_translations",
        "the web client's translation dialog",
    ),
    ("qweb_render_view", "a rendered QWeb view"),
];

/// The public calls for a web-client call. `result` is the captured answer's result (`None`
/// when it answered an error or not at all); `relations` says which model a relational field
/// holds (for follow-up reads); `created` stands for the id a `create` answers, where a later
/// part needs it (a template placeholder).
pub fn convert(
    call: &ModelCall,
    result: Option<&Value>,
    relations: &Relations,
    created: &Value,
) -> Converted {
    if let Some((_, why)) = DROPPED.iter().find(|(m, _)| *m == call.method) {
        return Converted::Dropped(format!("{}: {why}", call.method));
    }
    let mut named = Named::of(call);
    let mut notes = Vec::new();
    let context = named.take("context");
    let with_context = |mut kwargs: Map<String, Value>| {
        if let Some(context) = &context {
            kwargs.insert("context".into(), context.clone());
        }
        kwargs
    };
    let public = |method: &str, args: Vec<Value>, kwargs: Map<String, Value>| ModelCall {
        model: call.model.clone(),
        method: method.into(),
        args,
        kwargs,
    };
    let part = |call: ModelCall, role: Role, result: Option<Value>| Part {
        call,
        role,
        result,
        unknown: Vec::new(),
        literal_ids: Vec::new(),
    };
    let (parts, shape) = match call.method.as_str() {
        "web_search_read" => {
            let domain = named.take("domain").unwrap_or_else(|| json!([]));
            let (spec, fields) = specification(&mut named, &mut notes);
            let mut kwargs = Map::new();
            kwargs.insert("fields".into(), fields);
            for key in ["offset", "limit", "order"] {
                if let Some(value) = named.take(key).filter(|v| !v.is_null() && *v != "") {
                    kwargs.insert(key.into(), value);
                }
            }
            let limited = kwargs.contains_key("limit");
            let count_limit = named.take("count_limit").filter(|v| !v.is_null());
            let records = result
                .and_then(|r| r.get("records"))
                .and_then(Value::as_array);
            let mut search = part(
                public("search_read", vec![domain.clone()], with_context(kwargs)),
                Role::Records,
                None,
            );
            classic(&mut search, records, &spec, relations);
            let mut parts = vec![search];
            if limited {
                let mut kwargs = Map::new();
                if let Some(limit) = count_limit {
                    kwargs.insert("limit".into(), limit);
                }
                let length = result.and_then(|r| r.get("length")).cloned();
                parts.push(part(
                    public("search_count", vec![domain], with_context(kwargs)),
                    Role::Length,
                    length,
                ));
            }
            parts.extend(follow_ups(
                call, records, &spec, relations, &context, &mut notes,
            ));
            (parts, Shape::SearchRead { spec })
        }
        "web_read" => {
            let ids = named.ids.clone().unwrap_or_else(|| json!([]));
            let (spec, fields) = specification(&mut named, &mut notes);
            let mut kwargs = Map::new();
            kwargs.insert("fields".into(), fields);
            let records = result.and_then(Value::as_array);
            let mut read = part(
                public("read", vec![ids], with_context(kwargs)),
                Role::Records,
                None,
            );
            classic(&mut read, records, &spec, relations);
            let mut parts = vec![read];
            parts.extend(follow_ups(
                call, records, &spec, relations, &context, &mut notes,
            ));
            (
                parts,
                Shape::Records {
                    spec,
                    created: false,
                },
            )
        }
        "web_save" => {
            let ids = named.ids.clone().unwrap_or_else(|| json!([]));
            let creating = ids.as_array().is_some_and(Vec::is_empty);
            let vals = named.take("vals").unwrap_or_else(|| json!({}));
            let (spec, fields) = specification(&mut named, &mut notes);
            let next = named.take("next_id").filter(|v| !v.is_null());
            let records = result.and_then(Value::as_array);
            let mut parts = Vec::new();
            let read_ids = if creating {
                let id = records
                    .and_then(|r| r.first())
                    .and_then(|r| r.get("id"))
                    .cloned();
                let known = id.is_some();
                parts.push(part(
                    public("create", vec![vals], with_context(Map::new())),
                    Role::Created,
                    id,
                ));
                known.then(|| json!([created]))
            } else {
                parts.push(part(
                    public("write", vec![ids.clone(), vals], with_context(Map::new())),
                    Role::Written,
                    result.map(|_| json!(true)),
                ));
                Some(ids)
            };
            // `web_save` reads the next record of the list instead when asked.
            let read_ids = next.map(|id| json!([id])).or(read_ids);
            match (read_ids, spec.is_empty()) {
                (Some(ids), false) => {
                    // `web_save` reads with `bin_size`: binary fields as their sizes.
                    let mut context = context.clone().unwrap_or_else(|| json!({}));
                    if let Some(map) = context.as_object_mut() {
                        map.insert("bin_size".into(), json!(true));
                    }
                    let mut kwargs = Map::new();
                    kwargs.insert("fields".into(), fields);
                    kwargs.insert("context".into(), context);
                    let mut read = part(public("read", vec![ids], kwargs), Role::Records, None);
                    classic(&mut read, records, &spec, relations);
                    parts.push(read);
                }
                (None, false) => notes.push(
                    "the record is not read back after the create: the capture holds no id it created".into(),
                ),
                (_, true) => {}
            }
            (
                parts,
                Shape::Records {
                    spec,
                    created: creating,
                },
            )
        }
        "web_read_group" | "formatted_read_group" => {
            let domain = named.take("domain").unwrap_or_else(|| json!([]));
            let groupby = named.take("groupby").unwrap_or_else(|| json!([]));
            // ≤18 name the aggregates `fields`; 19 `aggregates` (`__count` is no field: every
            // group counts its records).
            let fields = match named.take("aggregates") {
                Some(Value::Array(items)) => Value::Array(
                    items
                        .into_iter()
                        .filter(|a| a.as_str() != Some("__count"))
                        .collect(),
                ),
                _ => named.take("fields").unwrap_or_else(|| json!([])),
            };
            let mut kwargs = Map::new();
            for (from, to) in [
                ("offset", "offset"),
                ("limit", "limit"),
                ("orderby", "orderby"),
                ("order", "orderby"),
                ("lazy", "lazy"),
            ] {
                if let Some(value) = named.take(from).filter(|v| !v.is_null() && *v != "") {
                    kwargs.insert(to.into(), value);
                }
            }
            // formatted_read_group groups by every field at once; web_read_group by the first.
            if call.method == "formatted_read_group" {
                kwargs.insert("lazy".into(), json!(false));
            }
            notes.push(format!(
                "{}'s answer has another shape than read_group's: no baseline to compare with (`replay --update` records one)",
                call.method
            ));
            (
                vec![part(
                    public(
                        "read_group",
                        vec![domain, fields, groupby],
                        with_context(kwargs),
                    ),
                    Role::Groups,
                    None,
                )],
                Shape::Groups,
            )
        }
        "web_name_search" => {
            let (spec, _) = specification(&mut named, &mut notes);
            let mut args = vec![named.take("name").unwrap_or_else(|| json!(""))];
            let rest = [
                ("domain", json!([])),
                ("operator", json!("ilike")),
                ("limit", json!(100)),
            ];
            let given = rest
                .iter()
                .rposition(|(key, _)| named.has(key))
                .map_or(0, |at| at + 1);
            for (key, default) in &rest[..given] {
                args.push(named.take(key).unwrap_or_else(|| default.clone()));
            }
            if spec.keys().any(|k| k != "display_name") {
                notes.push(
                    "name_search answers ids and names only: the other fields web_name_search read are not asked".into(),
                );
            }
            let pairs = result.and_then(Value::as_array).map(|items| {
                Value::Array(
                    items
                        .iter()
                        .map(|item| json!([item.get("id"), item.get("display_name")]))
                        .collect(),
                )
            });
            (
                vec![part(
                    public("name_search", args, with_context(Map::new())),
                    Role::Names,
                    pairs,
                )],
                Shape::Names,
            )
        }
        "name_get" => {
            let ids = named.ids.clone().unwrap_or_else(|| json!([]));
            let mut kwargs = Map::new();
            kwargs.insert("fields".into(), json!(["display_name"]));
            let records = result.and_then(Value::as_array).map(|pairs| {
                Value::Array(
                    pairs
                        .iter()
                        .map(|pair| json!({"id": pair.get(0), "display_name": pair.get(1)}))
                        .collect(),
                )
            });
            (
                vec![part(
                    public("read", vec![ids], with_context(kwargs)),
                    Role::Records,
                    records,
                )],
                Shape::NameGet,
            )
        }
        // The 14–16 web client's own reads: public calls, but asking its cache key too.
        "read" | "search_read" if asks_last_update(call) => {
            let mut without = call.clone();
            let drop = |fields: &mut Value| {
                if let Some(list) = fields.as_array_mut() {
                    list.retain(|f| f != LAST_UPDATE);
                }
            };
            match without.kwargs.get_mut("fields") {
                Some(fields) => drop(fields),
                None => {
                    if let Some(fields) = without.args.get_mut(1) {
                        drop(fields);
                    }
                }
            }
            notes.push(format!(
                "{LAST_UPDATE} is not read: the 14–16 web client's cache key, gone in 17"
            ));
            let records = result.and_then(Value::as_array).map(|records| {
                Value::Array(
                    records
                        .iter()
                        .map(|r| match r {
                            Value::Object(map) => Value::Object(
                                map.iter()
                                    .filter(|(k, _)| *k != LAST_UPDATE)
                                    .map(|(k, v)| (k.clone(), v.clone()))
                                    .collect(),
                            ),
                            other => other.clone(),
                        })
                        .collect(),
                )
            });
            (
                vec![part(without, Role::Records, records)],
                Shape::Records {
                    spec: Map::new(),
                    created: false,
                },
            )
        }
        _ => return Converted::Kept,
    };
    Converted::Calls(Calls {
        parts,
        notes,
        shape,
    })
}

impl Calls {
    /// Where a path into the web call's result (`records[0].partner_id.id`, as segments after
    /// the result) is in the parts' results: the part and the path into its result
    /// (`[0].partner_id[0]`). `None` when no part holds it.
    pub fn locate(&self, path: &[Segment]) -> Option<(usize, Vec<Segment>)> {
        let index_of = |role: &Role| self.parts.iter().position(|p| p.role == *role);
        match &self.shape {
            Shape::SearchRead { spec } => match path.split_first()? {
                (Segment::Key(k), rest) if k == "records" => {
                    Some((index_of(&Role::Records)?, within_records(rest, spec)))
                }
                (Segment::Key(k), []) if k == "length" => Some((index_of(&Role::Length)?, vec![])),
                _ => None,
            },
            Shape::Records { spec, created } => {
                if *created && matches!(path, [Segment::Index(0), Segment::Key(k)] if k == "id") {
                    return Some((index_of(&Role::Created)?, vec![]));
                }
                Some((index_of(&Role::Records)?, within_records(path, spec)))
            }
            Shape::Names => match path {
                [first, Segment::Key(k)] => {
                    let at = match k.as_str() {
                        "id" => 0,
                        "display_name" => 1,
                        _ => return None,
                    };
                    Some((
                        index_of(&Role::Names)?,
                        vec![first.clone(), Segment::Index(at)],
                    ))
                }
                _ => None,
            },
            Shape::NameGet => match path {
                [first, Segment::Index(at)] => {
                    let key = if *at == 0 { "id" } else { "display_name" };
                    Some((
                        index_of(&Role::Records)?,
                        vec![first.clone(), Segment::Key(key.into())],
                    ))
                }
                _ => None,
            },
            Shape::Groups => None,
        }
    }
}

/// A path into a list of records in the specification's shape, into `read`'s: a many2one's
/// `.id` is `[0]` of its `[id, name]`, its `.display_name` `[1]`, an x2many record's `.id`
/// the id itself.
fn within_records(path: &[Segment], spec: &Map<String, Value>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::with_capacity(path.len());
    let mut rest = path;
    // The record.
    if let Some((first, tail)) = rest.split_first() {
        out.push(first.clone());
        rest = tail;
    }
    let Some((Segment::Key(field), tail)) = rest.split_first() else {
        out.extend(rest.iter().cloned());
        return out;
    };
    out.push(Segment::Key(field.clone()));
    let relational = spec
        .get(field)
        .and_then(|s| s.get("fields"))
        .is_some_and(Value::is_object);
    match (relational, tail) {
        (true, [Segment::Key(k)]) if k == "id" => out.push(Segment::Index(0)),
        (true, [Segment::Key(k)]) if k == "display_name" => out.push(Segment::Index(1)),
        (true, [item @ (Segment::Index(_) | Segment::Any), Segment::Key(k)]) if k == "id" => {
            out.push(item.clone())
        }
        _ => out.extend(tail.iter().cloned()),
    }
    out
}

/// A call's arguments by name, as its signature binds them.
struct Named {
    ids: Option<Value>,
    values: Map<String, Value>,
}

impl Named {
    fn of(call: &ModelCall) -> Named {
        let signature = signatures::builtin(&call.method, Some(shape_version(call)));
        let mut args = call.args.iter();
        let ids = match &signature {
            Some(s) if !s.model => args.next().cloned(),
            _ => None,
        };
        let mut values = Map::new();
        if let Some(signature) = &signature {
            for (name, value) in signature.positional().zip(args) {
                values.insert(name.to_string(), value.clone());
            }
        }
        for (key, value) in &call.kwargs {
            values.insert(key.clone(), value.clone());
        }
        Named { ids, values }
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        self.values.remove(name)
    }

    fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
}

/// The Odoo version whose signature a web call's arguments follow, read from the call itself:
/// 16's `web_search_read` takes plain `fields` where 17 takes a `specification`, 19's
/// `web_read_group` `aggregates` where 16–18 take `fields`.
fn shape_version(call: &ModelCall) -> u32 {
    let kwarg = |k: &str| call.kwargs.contains_key(k);
    match call.method.as_str() {
        "web_search_read" if kwarg("fields") || call.args.get(1).is_some_and(Value::is_array) => 16,
        "web_read_group" if kwarg("aggregates") || kwarg("order") => 19,
        "web_read_group" if kwarg("expand") => 16,
        "web_name_search" | "formatted_read_group" => 19,
        "name_search" if kwarg("domain") => 19,
        _ => 17,
    }
}

/// The specification (17+), or the plain field list (16) as one, and the field names to read.
fn specification(named: &mut Named, notes: &mut Vec<String>) -> (Map<String, Value>, Value) {
    let mut spec = match named.take("specification") {
        Some(Value::Object(spec)) => spec,
        _ => match named.take("fields") {
            Some(Value::Array(fields)) => fields
                .into_iter()
                .filter_map(|f| f.as_str().map(|f| (f.to_string(), json!({}))))
                .collect(),
            _ => Map::new(),
        },
    };
    // The 14–16 web client's own bookkeeping (its concurrency check and image cache key), a
    // magic field that is gone in 17 (odoo-protocol.md §6.2): not data an integration reads.
    if spec.remove(LAST_UPDATE).is_some() {
        notes.push(format!(
            "{LAST_UPDATE} is not read: the 14–16 web client's cache key, gone in 17"
        ));
    }
    let fields = spec.keys().map(|k| json!(k)).collect();
    (spec, Value::Array(fields))
}

const LAST_UPDATE: &str = "__last_update";

/// True when a `read` or `search_read` asks `__last_update` among its fields (by name or as
/// its second positional argument, which both methods take as `fields`).
fn asks_last_update(call: &ModelCall) -> bool {
    call.kwargs
        .get("fields")
        .or_else(|| call.args.get(1))
        .and_then(Value::as_array)
        .is_some_and(|fields| fields.iter().any(|f| f == LAST_UPDATE))
}

/// Sets `part`'s result to the captured records in `read`'s shape, and lists what they
/// cannot tell. `relations` says which integers are many2one ids (an integer field looks the
/// same).
fn classic(
    part: &mut Part,
    records: Option<&Vec<Value>>,
    spec: &Map<String, Value>,
    relations: &Relations,
) {
    let Some(records) = records else {
        return;
    };
    let model = part.call.model.clone();
    let many2one = |field: &str| relations.target(&model, field).is_some();
    let mut unknown = BTreeSet::new();
    let converted = records
        .iter()
        .map(|record| match record {
            Value::Object(map) => Value::Object(classic_record(map, spec, &many2one, &mut unknown)),
            other => other.clone(),
        })
        .collect();
    part.result = Some(Value::Array(converted));
    part.unknown = unknown
        .into_iter()
        .map(|field| format!("$[*].{field}"))
        .collect();
}

/// One record in the specification's shape, in `read`'s: many2one `{"id", "display_name"}`
/// → `[id, name]`, x2many records → ids. `unknown` gets the paths the record cannot tell
/// (`partner_id[1]`: a name the specification did not ask).
fn classic_record(
    record: &Map<String, Value>,
    spec: &Map<String, Value>,
    many2one: &dyn Fn(&str) -> bool,
    unknown: &mut BTreeSet<String>,
) -> Map<String, Value> {
    record
        .iter()
        .filter(|(field, _)| *field == "id" || spec.contains_key(*field))
        .map(|(field, value)| {
            let relational = spec
                .get(field)
                .and_then(|s| s.get("fields"))
                .is_some_and(Value::is_object);
            let value = match value {
                Value::Object(m2o) if relational => {
                    match (m2o.get("id"), m2o.get("display_name")) {
                        (Some(id), Some(name)) => json!([id, name]),
                        (Some(id), None) => {
                            unknown.insert(format!("{field}[1]"));
                            json!([id, null])
                        }
                        (None, _) => {
                            unknown.insert(field.clone());
                            value.clone()
                        }
                    }
                }
                Value::Array(items) if relational => Value::Array(
                    items
                        .iter()
                        .map(|item| item.get("id").cloned().unwrap_or_else(|| item.clone()))
                        .collect(),
                ),
                // A many2one the specification asked without sub-fields comes as a bare id
                // (web_read reads with `load=None`); `read` adds its name.
                Value::Number(_) if field != "id" && many2one(field) => {
                    unknown.insert(format!("{field}[1]"));
                    json!([value, null])
                }
                other => other.clone(),
            };
            (field.clone(), value)
        })
        .collect()
}

/// The `read`s of relational fields' records whose sub-fields the specification asked beyond
/// what `read` gives (a many2one's name), with the ids the captured answer held.
fn follow_ups(
    call: &ModelCall,
    records: Option<&Vec<Value>>,
    spec: &Map<String, Value>,
    relations: &Relations,
    context: &Option<Value>,
    notes: &mut Vec<String>,
) -> Vec<Part> {
    let mut parts = Vec::new();
    for (field, field_spec) in spec {
        let Some(sub) = field_spec.get("fields").and_then(Value::as_object) else {
            continue;
        };
        let values: Vec<&Value> = records
            .into_iter()
            .flatten()
            .filter_map(|r| r.get(field))
            .collect();
        let many2one = values.iter().any(|v| v.is_object());
        let wanted: Map<String, Value> = sub
            .iter()
            .filter(|(name, _)| !(many2one && *name == "display_name"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        // The records the answer filled in: a many2one's, an x2many's first `limit`.
        let limit = field_spec
            .get("limit")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |l| l as usize);
        let mut seen = BTreeSet::new();
        let mut related: Vec<&Map<String, Value>> = Vec::new();
        for value in &values {
            let items: Vec<&Value> = match value {
                Value::Array(items) => items.iter().take(limit).collect(),
                Value::Object(_) => vec![*value],
                _ => Vec::new(),
            };
            for item in items.into_iter().filter_map(Value::as_object) {
                if let Some(id) = item.get("id").and_then(Value::as_i64)
                    && seen.insert(id)
                {
                    related.push(item);
                }
            }
        }
        if related.is_empty() {
            continue;
        }
        let Some(model) = relations.target(&call.model, field) else {
            notes.push(format!(
                "{field}'s sub-fields ({}) are not read: which model it holds is not in the capture (no fields_get or get_views answer describes {})",
                wanted.keys().cloned().collect::<Vec<_>>().join(", "),
                call.model
            ));
            continue;
        };
        if wanted.values().any(|s| {
            s.get("fields")
                .and_then(Value::as_object)
                .is_some_and(|f| !f.is_empty())
        }) {
            notes.push(format!(
                "{field}'s records are read one level deep: the sub-fields of their own relations are not"
            ));
        }
        let ids: Vec<i64> = related
            .iter()
            .filter_map(|r| r.get("id").and_then(Value::as_i64))
            .collect();
        let mut kwargs = Map::new();
        kwargs.insert(
            "fields".into(),
            Value::Array(wanted.keys().map(|k| json!(k)).collect()),
        );
        if let Some(context) = context {
            kwargs.insert("context".into(), context.clone());
        }
        let mut part = Part {
            call: ModelCall {
                model: model.to_string(),
                method: "read".into(),
                args: vec![json!(ids)],
                kwargs,
            },
            role: Role::Related {
                field: field.clone(),
            },
            result: None,
            unknown: Vec::new(),
            literal_ids: ids,
        };
        let records: Vec<Value> = related
            .into_iter()
            .map(|r| {
                let kept: Map<String, Value> = r
                    .iter()
                    .filter(|(k, _)| *k == "id" || wanted.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                Value::Object(kept)
            })
            .collect();
        classic(&mut part, Some(&records), &wanted, relations);
        parts.push(part);
    }
    parts
}

/// A path as segments after a step's result: `$.result.records[0]` → `records[0]` for the
/// JSON-RPC envelope a web step stores.
pub fn after_result(path: &Path) -> Option<&[Segment]> {
    match path.0.split_first()? {
        (Segment::Key(k), rest) if k == "result" => Some(rest),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, args: Value, kwargs: Value) -> ModelCall {
        ModelCall {
            model: "res.partner".into(),
            method: method.into(),
            args: args.as_array().cloned().unwrap(),
            kwargs: kwargs.as_object().cloned().unwrap(),
        }
    }

    fn relations() -> Relations {
        let mut relations = Relations::default();
        relations.learn(
            Some("res.partner"),
            Some("fields_get"),
            &json!({"category_id": {"type": "many2many", "relation": "res.partner.category"},
                    "country_id": {"type": "many2one", "relation": "res.country"}}),
        );
        relations
    }

    fn parts(converted: Converted) -> Calls {
        match converted {
            Converted::Calls(calls) => calls,
            other => panic!("{other:?}"),
        }
    }

    fn created() -> Value {
        json!("\u{1}s006_created\u{1}")
    }

    #[test]
    fn web_search_read_becomes_search_read_search_count_and_reads_of_sub_fields() {
        // The shape of the 17 partners capture's kanban search.
        let call = call(
            "web_search_read",
            json!([]),
            json!({"domain": [["is_company", "=", true]], "offset": 0, "limit": 80, "order": "",
                   "count_limit": 10001, "context": {"lang": "en_US", "bin_size": true},
                   "specification": {"name": {}, "country_id": {"fields": {"display_name": {}}},
                                     "category_id": {"fields": {"display_name": {}, "color": {}}},
                                     "user_id": {"fields": {}}}}),
        );
        let result = json!({"length": 2, "records": [
            {"id": 9, "name": "Azure", "country_id": {"id": 233, "display_name": "United States"},
             "category_id": [{"id": 5, "display_name": "Gold", "color": 2}], "user_id": {"id": 2}},
            {"id": 15, "name": "Deco", "country_id": false,
             "category_id": [{"id": 5, "display_name": "Gold", "color": 2}, {"id": 8, "display_name": "VIP", "color": 1}],
             "user_id": false}]});
        let calls = parts(convert(&call, Some(&result), &relations(), &created()));
        let methods: Vec<(&str, &str)> = calls
            .parts
            .iter()
            .map(|p| (p.call.model.as_str(), p.call.method.as_str()))
            .collect();
        assert_eq!(
            methods,
            [
                ("res.partner", "search_read"),
                ("res.partner", "search_count"),
                ("res.partner.category", "read")
            ]
        );
        let search = &calls.parts[0];
        assert_eq!(search.call.args, [json!([["is_company", "=", true]])]);
        assert_eq!(
            Value::Object(search.call.kwargs.clone()),
            json!({"fields": ["category_id", "country_id", "name", "user_id"], "offset": 0, "limit": 80,
                   "context": {"lang": "en_US", "bin_size": true}})
        );
        assert_eq!(
            search.result,
            Some(json!([
                {"id": 9, "name": "Azure", "country_id": [233, "United States"], "category_id": [5], "user_id": [2, null]},
                {"id": 15, "name": "Deco", "country_id": false, "category_id": [5, 8], "user_id": false}]))
        );
        assert_eq!(search.unknown, ["$[*].user_id[1]"]);
        let count = &calls.parts[1];
        assert_eq!(
            (
                count.call.args.clone(),
                Value::Object(count.call.kwargs.clone())
            ),
            (
                vec![json!([["is_company", "=", true]])],
                json!({"limit": 10001, "context": {"lang": "en_US", "bin_size": true}})
            )
        );
        assert_eq!(count.result, Some(json!(2)));
        let categories = &calls.parts[2];
        assert_eq!(categories.call.args, [json!([5, 8])]);
        // An x2many's ids carry no names: display_name is read too.
        assert_eq!(
            categories.call.kwargs["fields"],
            json!(["color", "display_name"])
        );
        assert_eq!(categories.literal_ids, [5, 8]);
        assert_eq!(
            categories.result,
            Some(
                json!([{"id": 5, "color": 2, "display_name": "Gold"}, {"id": 8, "color": 1, "display_name": "VIP"}])
            )
        );
        // Paths into the web answer, in the parts' answers.
        let locate = |path: &str| {
            let path = Path::parse(path).unwrap();
            calls
                .locate(after_result(&path).unwrap())
                .map(|(part, path)| (part, Path(path).to_string()))
        };
        assert_eq!(
            locate("$.result.records[1].country_id.id"),
            Some((0, "$[1].country_id[0]".into()))
        );
        assert_eq!(
            locate("$.result.records[0].category_id[0].id"),
            Some((0, "$[0].category_id[0]".into()))
        );
        assert_eq!(locate("$.result.length"), Some((1, "$".into())));
        assert_eq!(locate("$.result.other"), None);
    }

    #[test]
    fn sixteen_s_field_lists_need_no_specification() {
        let call = call(
            "web_search_read",
            json!([]),
            json!({"domain": [], "fields": ["name", "email", "__last_update"], "limit": 80, "offset": 0}),
        );
        let result = json!({"length": 1, "records": [{"id": 3, "name": "A", "email": false, "__last_update": "2026-12-02 05:00:00"}]});
        let calls = parts(convert(&call, Some(&result), &relations(), &created()));
        // 16's magic __last_update is gone in 17: not asked, not expected.
        assert_eq!(
            calls.parts[0].call.kwargs["fields"],
            json!(["email", "name"])
        );
        assert_eq!(
            calls.parts[0].result,
            Some(json!([{"id": 3, "name": "A", "email": false}]))
        );
        assert!(calls.parts[0].unknown.is_empty());
        assert_eq!(
            calls.notes,
            ["__last_update is not read: the 14–16 web client's cache key, gone in 17"]
        );
        // No limit, no count: the length is the number of records.
        let unlimited =
            call_with_kwargs("web_search_read", json!({"domain": [], "fields": ["name"]}));
        assert_eq!(
            parts(convert(&unlimited, None, &relations(), &created()))
                .parts
                .len(),
            1
        );
    }

    fn call_with_kwargs(method: &str, kwargs: Value) -> ModelCall {
        call(method, json!([]), kwargs)
    }

    #[test]
    fn web_save_becomes_create_or_write_then_read() {
        let spec = json!({"name": {}, "country_id": {"fields": {"display_name": {}}}});
        let new = call(
            "web_save",
            json!([[], {"name": "New"}]),
            json!({"specification": spec, "context": {"lang": "en_US"}}),
        );
        let answer = json!([{"id": 42, "name": "New", "country_id": false}]);
        let calls = parts(convert(&new, Some(&answer), &relations(), &created()));
        let create = &calls.parts[0];
        assert_eq!(
            (
                create.call.method.as_str(),
                create.call.args.clone(),
                create.result.clone()
            ),
            ("create", vec![json!({"name": "New"})], Some(json!(42)))
        );
        let read = &calls.parts[1];
        assert_eq!(read.call.args, [json!([created()])]);
        assert_eq!(
            Value::Object(read.call.kwargs.clone()),
            json!({"fields": ["country_id", "name"], "context": {"lang": "en_US", "bin_size": true}})
        );
        assert_eq!(
            read.result,
            Some(json!([{"id": 42, "name": "New", "country_id": false}]))
        );
        let at = |path: &str| {
            calls
                .locate(after_result(&Path::parse(path).unwrap()).unwrap())
                .map(|(part, path)| (part, Path(path).to_string()))
        };
        assert_eq!(at("$.result[0].id"), Some((0, "$".into())));
        assert_eq!(at("$.result[0].name"), Some((1, "$[0].name".into())));
        let existing = call(
            "web_save",
            json!([[42], {"phone": "1"}]),
            json!({"specification": {"phone": {}}}),
        );
        let calls = parts(convert(
            &existing,
            Some(&json!([{"id": 42, "phone": "1"}])),
            &relations(),
            &created(),
        ));
        assert_eq!(
            calls
                .parts
                .iter()
                .map(|p| (
                    p.call.method.as_str(),
                    p.call.args.clone(),
                    p.result.clone()
                ))
                .collect::<Vec<_>>(),
            [
                (
                    "write",
                    vec![json!([42]), json!({"phone": "1"})],
                    Some(json!(true))
                ),
                (
                    "read",
                    vec![json!([42])],
                    Some(json!([{"id": 42, "phone": "1"}]))
                )
            ]
        );
    }

    #[test]
    fn groups_names_and_what_has_no_public_call() {
        let group = call(
            "web_read_group",
            json!([]),
            json!({"domain": [], "groupby": ["country_id"], "aggregates": ["__count", "credit:sum"], "order": "country_id"}),
        );
        let calls = parts(convert(&group, None, &relations(), &created()));
        let read_group = &calls.parts[0].call;
        assert_eq!(
            (read_group.method.as_str(), read_group.args.clone()),
            (
                "read_group",
                vec![json!([]), json!(["credit:sum"]), json!(["country_id"])]
            )
        );
        assert_eq!(read_group.kwargs["orderby"], json!("country_id"));
        assert!(calls.notes[0].contains("no baseline to compare with"));
        let names = call(
            "web_name_search",
            json!([]),
            json!({"name": "Dec", "specification": {"display_name": {}}, "limit": 8}),
        );
        let calls = parts(convert(
            &names,
            Some(&json!([{"id": 15, "display_name": "Deco"}])),
            &relations(),
            &created(),
        ));
        assert_eq!(
            calls.parts[0].call.args,
            [json!("Dec"), json!([]), json!("ilike"), json!(8)]
        );
        assert_eq!(calls.parts[0].result, Some(json!([[15, "Deco"]])));
        let name_get = call("name_get", json!([[15]]), json!({}));
        let calls = parts(convert(
            &name_get,
            Some(&json!([[15, "Deco"]])),
            &relations(),
            &created(),
        ));
        assert_eq!(
            calls.parts[0].result,
            Some(json!([{"id": 15, "display_name": "Deco"}]))
        );
        let onchange = call("onchange", json!([[], {}, [], {}]), json!({}));
        assert!(matches!(
            convert(&onchange, None, &relations(), &created()),
            Converted::Dropped(why) if why.starts_with("onchange: the form's live computation")
        ));
        // 16's form reads its record with __last_update: read without it.
        let read = call("read", json!([[15], ["name", "__last_update"]]), json!({}));
        let calls = parts(convert(
            &read,
            Some(&json!([{"id": 15, "name": "Deco", "__last_update": "2026-12-02 05:00:00"}])),
            &relations(),
            &created(),
        ));
        assert_eq!(
            (
                calls.parts[0].call.args.clone(),
                calls.parts[0].result.clone()
            ),
            (
                vec![json!([15]), json!(["name"])],
                Some(json!([{"id": 15, "name": "Deco"}]))
            )
        );
        for kept in ["search_read", "read", "write", "action_confirm"] {
            assert_eq!(
                convert(
                    &call(kept, json!([]), json!({})),
                    None,
                    &relations(),
                    &created()
                ),
                Converted::Kept
            );
        }
    }
}
