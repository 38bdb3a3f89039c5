//! Which values in a request came from an earlier response.
//!
//! A replay on another database gets other ids, so a request that used an id an earlier call
//! returned must use that call's new answer instead of the literal. Coincidences are the
//! danger: small integers (1, 2, `limit: 80`, the uid) are everywhere. A link is made only
//! with evidence, by these rules:
//!
//! 1. **Minted**: an id that a `create`, `copy`, `name_create` or creating `web_save`
//!    returned links wherever the same integer later stands in an id position. The capture
//!    made that id, so a later use of it is no coincidence.
//! 2. **Record of the same model**: an id that a read or search on model M returned
//!    (`search`, `read`, `search_read`, `web_read`, `web_search_read`, `name_search`, …) links
//!    where the same integer later stands as a record id *of M*: `args[0]` of a call on M,
//!    JSON-2 `ids` on M, a domain on `id` of M, `active_id(s)` with `active_model` M,
//!    `res_id` with `res_model` M. Ids the step was itself asked about are not evidence: a
//!    `read` of partner 9 answering with partner 9 says nothing new about a later 9.
//! 3. **Same many2one field**: a `[id, "name"]` pair (or `{"id": …}` object, or x2many id
//!    list) that a read returned under field F links where the same integer later stands
//!    under field F: in values to write, in a domain leaf on F, in x2many commands on F.
//!
//! Never linked: integers outside id positions (limit, offset, quantities, sequence…),
//! values already replaced by variables (the uid, company ids), and values from a later step.
//! When several earlier steps qualify, a step that minted the id wins over one that merely
//! returned it, and among equals the latest wins, so an id created twice links to the second
//! creation for the calls after it.

use serde_json::Value;

use crate::odoo::methods;
use crate::path::Path;

/// Why a response value may be linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    Minted,
    RecordOf(String),
    ManyToOne(String),
}

impl Evidence {
    /// A short reason, written into the manifest beside the capture.
    pub fn describe(&self) -> String {
        match self {
            Evidence::Minted => "an id this step created".into(),
            Evidence::RecordOf(model) => format!("a {model} id this step returned"),
            Evidence::ManyToOne(field) => format!("the {field} value this step returned"),
        }
    }
}

/// An integer a step's response provides, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Producer {
    pub step: usize,
    pub value: i64,
    pub path: Path,
    pub evidence: Evidence,
}

/// Where in a request an integer stands, as far as linking cares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// The model the integer is a record id of, when known.
    pub model: Option<String>,
    /// The field it is a value of, when known.
    pub field: Option<String>,
}

/// The integers a response provides, for a call of `method` on `model`.
/// `result_at` is where the result sits in the stored baseline (`$.result`, or `$` for JSON-2).
pub fn producers(
    step: usize,
    model: Option<&str>,
    method: Option<&str>,
    created: bool,
    result: &Value,
    result_at: &Path,
) -> Vec<Producer> {
    let mut out = Vec::new();
    let method = method.unwrap_or("");
    let mut push = |value: &Value, path: Path, evidence: Evidence| {
        if let Some(value) = value.as_i64() {
            out.push(Producer {
                step,
                value,
                path,
                evidence,
            });
        }
    };
    if methods::mints_ids(method) || (method == "web_save" && created) {
        match result {
            Value::Array(items) if method == "name_create" => {
                if let Some(id) = items.first() {
                    push(id, result_at.index(0), Evidence::Minted);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Object(record) => {
                            if let Some(id) = record.get("id") {
                                push(id, result_at.index(i).key("id"), Evidence::Minted);
                            }
                        }
                        id => push(id, result_at.index(i), Evidence::Minted),
                    }
                }
            }
            id => push(id, result_at.clone(), Evidence::Minted),
        }
        return out;
    }
    let Some(model) = model else { return out };
    let record_of = || Evidence::RecordOf(model.to_string());
    match result {
        // search: [ids]; name_search: [[id, name]]; read & co: [records].
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let at = result_at.index(i);
                match item {
                    Value::Number(_) => push(item, at, record_of()),
                    Value::Array(pair) if pair.len() == 2 && pair[1].is_string() => {
                        push(&pair[0], at.index(0), record_of())
                    }
                    Value::Object(_) => record_producers(item, &at, model, &mut push),
                    _ => {}
                }
            }
        }
        // web_search_read: {length, records}; web_read_group and friends: {groups}.
        Value::Object(map) => {
            if let Some(Value::Array(records)) = map.get("records") {
                for (i, record) in records.iter().enumerate() {
                    record_producers(record, &result_at.key("records").index(i), model, &mut push);
                }
            }
        }
        _ => {}
    }
    out
}

fn record_producers(
    record: &Value,
    at: &Path,
    model: &str,
    push: &mut impl FnMut(&Value, Path, Evidence),
) {
    let Value::Object(fields) = record else {
        return;
    };
    if let Some(id) = fields.get("id") {
        push(id, at.key("id"), Evidence::RecordOf(model.to_string()));
    }
    for (field, value) in fields {
        if field == "id" {
            continue;
        }
        let evidence = || Evidence::ManyToOne(field.clone());
        match value {
            // many2one as read() gives it: [id, "name"].
            Value::Array(pair) if pair.len() == 2 && pair[0].is_i64() && pair[1].is_string() => {
                push(&pair[0], at.key(field).index(0), evidence())
            }
            // x2many ids.
            Value::Array(ids) if field.ends_with("_ids") && ids.iter().all(Value::is_i64) => {
                for (i, id) in ids.iter().enumerate() {
                    push(id, at.key(field).index(i), evidence());
                }
            }
            // many2one as web_read() gives it: {"id": …, "display_name": …}.
            Value::Object(target) if target.get("id").is_some_and(Value::is_i64) => {
                push(&target["id"], at.key(field).key("id"), evidence())
            }
            _ => {}
        }
    }
}

/// Finds the producer a value at a position links to, by the rules above: the latest step
/// that minted it, else the latest that returned it with matching evidence.
pub fn find<'a>(
    value: i64,
    position: &Position,
    producers: &'a [Producer],
) -> Option<&'a Producer> {
    let minted = producers
        .iter()
        .rev()
        .find(|p| p.value == value && p.evidence == Evidence::Minted);
    minted.or_else(|| {
        producers.iter().rev().find(|p| {
            p.value == value
                && match &p.evidence {
                    Evidence::Minted => false,
                    Evidence::RecordOf(model) => {
                        position.field.is_none() && position.model.as_deref() == Some(model)
                    }
                    Evidence::ManyToOne(field) => position.field.as_deref() == Some(field),
                }
        })
    })
}

/// Calls `visit` on every integer in an id position of a request's arguments.
/// `record_ids` is the slot holding the call's record ids (`args[0]`, JSON-2 `ids`), if any.
pub fn visit_ids(
    value: &mut Value,
    model: Option<&str>,
    visit: &mut dyn FnMut(&mut Value, &Position),
) {
    walk(value, model, visit);
}

/// Calls `visit` on the record ids of a call on `model`: an id or a list of ids.
pub fn visit_record_ids(
    ids: &mut Value,
    model: Option<&str>,
    visit: &mut dyn FnMut(&mut Value, &Position),
) {
    let position = Position {
        model: model.map(str::to_string),
        field: None,
    };
    match ids {
        Value::Number(_) => visit(ids, &position),
        Value::Array(items) if items.iter().all(|i| i.is_i64()) => {
            items.iter_mut().for_each(|id| visit(id, &position))
        }
        _ => {}
    }
}

fn walk(value: &mut Value, model: Option<&str>, visit: &mut dyn FnMut(&mut Value, &Position)) {
    match value {
        Value::Object(map) => {
            let sibling_model =
                |key: &str| map.get(key).and_then(Value::as_str).map(str::to_string);
            let active_model = sibling_model("active_model");
            let res_model = sibling_model("res_model");
            for (key, item) in map.iter_mut() {
                match key.as_str() {
                    "active_id" | "active_ids" => {
                        visit_record_ids(item, active_model.as_deref(), visit)
                    }
                    "res_id" => visit_record_ids(item, res_model.as_deref(), visit),
                    "ids" => visit_record_ids(item, model, visit),
                    field if field.ends_with("_id") && item.is_i64() => visit(
                        item,
                        &Position {
                            model: None,
                            field: Some(field.to_string()),
                        },
                    ),
                    field if field.ends_with("_ids") => visit_x2many(item, field, model, visit),
                    _ => walk(item, model, visit),
                }
            }
        }
        Value::Array(items) => {
            if let Some((field, rest)) = domain_leaf(items) {
                let position = if field == "id" {
                    Position {
                        model: model.map(str::to_string),
                        field: None,
                    }
                } else if field.ends_with("_id") || field.ends_with("_ids") {
                    Position {
                        model: None,
                        field: Some(field),
                    }
                } else {
                    return;
                };
                match rest {
                    Value::Number(_) => visit(rest, &position),
                    Value::Array(ids) if ids.iter().all(Value::is_i64) => {
                        ids.iter_mut().for_each(|id| visit(id, &position))
                    }
                    _ => {}
                }
                return;
            }
            items.iter_mut().for_each(|item| walk(item, model, visit));
        }
        _ => {}
    }
}

/// `[field, operator, value]` with a known operator: the field and the value.
fn domain_leaf(items: &mut [Value]) -> Option<(String, &mut Value)> {
    if items.len() != 3 {
        return None;
    }
    let field = items[0].as_str()?.to_string();
    // The operators that make an array `[field, operator, value]` a domain leaf.
    if !crate::odoo::domain::is_operator(items[1].as_str()?) {
        return None;
    }
    Some((field, &mut items[2]))
}

/// x2many values: a list of ids, or commands `[6, 0, ids]`, `[4, id]`, `[1, id, vals]`, `[0, 0, vals]`, …
fn visit_x2many(
    value: &mut Value,
    field: &str,
    model: Option<&str>,
    visit: &mut dyn FnMut(&mut Value, &Position),
) {
    let position = Position {
        model: None,
        field: Some(field.to_string()),
    };
    let Value::Array(items) = value else {
        return walk(value, model, visit);
    };
    if items.iter().all(Value::is_i64) {
        items.iter_mut().for_each(|id| visit(id, &position));
        return;
    }
    for command in items.iter_mut() {
        let Value::Array(parts) = command else {
            continue;
        };
        let code = parts.first().and_then(Value::as_i64);
        match (code, parts.len()) {
            (Some(6), 3) => {
                if let Value::Array(ids) = &mut parts[2] {
                    ids.iter_mut()
                        .filter(|id| id.is_i64())
                        .for_each(|id| visit(id, &position));
                }
            }
            (Some(1..=4), _) => {
                if let Some(id) = parts.get_mut(1).filter(|id| id.is_i64()) {
                    visit(id, &position);
                }
                if let Some(vals) = parts.get_mut(2) {
                    walk(vals, None, visit);
                }
            }
            (Some(0), 3) => walk(&mut parts[2], None, visit),
            _ => {}
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

    fn positions(mut value: Value, model: Option<&str>) -> Vec<(i64, Position)> {
        let mut found = Vec::new();
        visit_ids(&mut value, model, &mut |v, p| {
            found.push((v.as_i64().unwrap(), p.clone()))
        });
        found
    }

    #[test]
    fn producers_by_method() {
        let created = producers(
            3,
            Some("res.partner"),
            Some("create"),
            false,
            &json!(51),
            &result_path(),
        );
        assert_eq!(
            created,
            vec![Producer {
                step: 3,
                value: 51,
                path: result_path(),
                evidence: Evidence::Minted
            }]
        );
        let named = producers(
            3,
            Some("res.partner"),
            Some("name_create"),
            false,
            &json!([52, "Acme"]),
            &result_path(),
        );
        assert_eq!(named[0].path.to_string(), "$.result[0]");
        let search = producers(
            1,
            Some("res.partner"),
            Some("search"),
            false,
            &json!([9, 15]),
            &result_path(),
        );
        assert_eq!(search[1].path.to_string(), "$.result[1]");
        assert_eq!(search[1].evidence, Evidence::RecordOf("res.partner".into()));
        let read = producers(
            2,
            Some("res.partner"),
            Some("read"),
            false,
            &json!([{"id": 9, "country_id": [21, "Belgium"], "category_id": [1, 4], "name": "x"}]),
            &result_path(),
        );
        let paths: Vec<String> = read
            .iter()
            .map(|p| format!("{} {:?}", p.path, p.evidence))
            .collect();
        assert_eq!(
            paths,
            [
                "$.result[0].id RecordOf(\"res.partner\")",
                "$.result[0].country_id[0] ManyToOne(\"country_id\")",
            ]
        );
        let web = producers(
            2,
            Some("res.partner"),
            Some("web_search_read"),
            false,
            &json!({"length": 1, "records": [{"id": 15, "user_id": {"id": 6, "display_name": "Marc"}}]}),
            &result_path(),
        );
        assert_eq!(
            web.iter().map(|p| p.path.to_string()).collect::<Vec<_>>(),
            ["$.result.records[0].id", "$.result.records[0].user_id.id"]
        );
        let saved = producers(
            4,
            Some("res.partner"),
            Some("web_save"),
            true,
            &json!([{"id": 60, "name": "n"}]),
            &result_path(),
        );
        assert_eq!(
            (saved[0].evidence.clone(), saved[0].path.to_string()),
            (Evidence::Minted, "$.result[0].id".to_string())
        );
    }

    #[test]
    fn id_positions_in_domains_vals_and_commands() {
        let args = json!([
            [["id", "in", [51, 52]], ["partner_id", "=", 7], ["limit", "=", 80], ["name", "ilike", "x"]],
            {"partner_id": 7, "tag_ids": [[6, 0, [3, 4]], [4, 5]], "child_ids": [[0, 0, {"country_id": 21}]], "sequence": 10},
        ]);
        let found: Vec<(i64, Option<String>, Option<String>)> =
            positions(args, Some("res.partner"))
                .into_iter()
                .map(|(v, p)| (v, p.model, p.field))
                .collect();
        let model = || Some("res.partner".to_string());
        let field = |f: &str| Some(f.to_string());
        assert_eq!(
            found,
            vec![
                (51, model(), None),
                (52, model(), None),
                (7, None, field("partner_id")),
                // Object keys come in sorted order: child_ids, partner_id, sequence, tag_ids.
                (21, None, field("country_id")),
                (7, None, field("partner_id")),
                (3, None, field("tag_ids")),
                (4, None, field("tag_ids")),
                (5, None, field("tag_ids")),
            ]
        );
    }

    #[test]
    fn matching_follows_the_evidence_rules() {
        let producers = vec![
            Producer {
                step: 1,
                value: 2,
                path: result_path(),
                evidence: Evidence::RecordOf("res.partner".into()),
            },
            Producer {
                step: 2,
                value: 21,
                path: result_path(),
                evidence: Evidence::ManyToOne("country_id".into()),
            },
            Producer {
                step: 3,
                value: 51,
                path: result_path(),
                evidence: Evidence::Minted,
            },
            Producer {
                step: 5,
                value: 51,
                path: result_path(),
                evidence: Evidence::Minted,
            },
        ];
        let record = |m: &str| Position {
            model: Some(m.into()),
            field: None,
        };
        let field = |f: &str| Position {
            model: None,
            field: Some(f.into()),
        };
        assert_eq!(
            find(2, &record("res.partner"), &producers).map(|p| p.step),
            Some(1)
        );
        // The same small integer as a record of another model, or under a field, is a coincidence.
        assert_eq!(find(2, &record("sale.order"), &producers), None);
        assert_eq!(find(2, &field("partner_id"), &producers), None);
        assert_eq!(
            find(21, &field("country_id"), &producers).map(|p| p.step),
            Some(2)
        );
        assert_eq!(find(21, &field("state_id"), &producers), None);
        // Minted ids link anywhere, to the latest creation, even when a later read returned them.
        assert_eq!(
            find(51, &field("parent_id"), &producers).map(|p| p.step),
            Some(5)
        );
        let mut with_read = producers.clone();
        with_read.push(Producer {
            step: 6,
            value: 51,
            path: result_path(),
            evidence: Evidence::RecordOf("res.partner".into()),
        });
        assert_eq!(
            find(51, &record("res.partner"), &with_read).map(|p| p.step),
            Some(5)
        );
    }
}
