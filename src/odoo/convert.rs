//! One model call expressed in another dialect: the web client's `call_kw`, the external
//! API's `execute_kw`, Odoo 19's JSON-2 (odoo-protocol.md §3.4, §3.7, §8.4, §8.5).

use serde_json::{Map, Value, json};

/// A call of a model's method, whatever route carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCall {
    pub model: String,
    pub method: String,
    pub args: Vec<Value>,
    /// Keyword arguments, the context among them.
    pub kwargs: Map<String, Value>,
}

/// Why a call cannot be expressed in a dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parameter names of ORM methods, for JSON-2, which takes named arguments only. `true` when
/// the method works on records (its `ids` come from `args[0]`).
const SIGNATURES: &[(&str, bool, &[&str])] = &[
    ("search", false, &["domain", "offset", "limit", "order"]),
    ("search_count", false, &["domain", "limit"]),
    (
        "search_read",
        false,
        &["domain", "fields", "offset", "limit", "order"],
    ),
    (
        "search_fetch",
        false,
        &["domain", "field_names", "offset", "limit", "order"],
    ),
    (
        "name_search",
        false,
        &["name", "domain", "operator", "limit"],
    ),
    ("name_create", false, &["name"]),
    ("create", false, &["vals_list"]),
    (
        "read_group",
        false,
        &[
            "domain", "fields", "groupby", "offset", "limit", "orderby", "lazy",
        ],
    ),
    (
        "web_read_group",
        false,
        &[
            "domain", "fields", "groupby", "limit", "offset", "orderby", "lazy",
        ],
    ),
    ("fields_get", false, &["allfields", "attributes"]),
    ("default_get", false, &["fields_list"]),
    (
        "web_search_read",
        false,
        &[
            "domain",
            "specification",
            "offset",
            "limit",
            "order",
            "count_limit",
        ],
    ),
    ("get_views", false, &["views", "options"]),
    (
        "check_access_rights",
        false,
        &["operation", "raise_exception"],
    ),
    ("context_get", false, &[]),
    ("read", true, &["fields", "load"]),
    ("write", true, &["vals"]),
    ("unlink", true, &[]),
    ("copy", true, &["default"]),
    ("web_read", true, &["specification"]),
    ("web_save", true, &["vals", "specification", "next_id"]),
    ("action_archive", true, &[]),
    ("action_unarchive", true, &[]),
    ("toggle_active", true, &[]),
];

/// The parameter names of a method, and whether it works on records, when known.
pub fn signature(method: &str) -> Option<(bool, &'static [&'static str])> {
    SIGNATURES
        .iter()
        .find(|(name, _, _)| *name == method)
        .map(|(_, records, params)| (*records, *params))
}

fn is_ids(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|ids| ids.iter().all(Value::is_i64))
        || value.is_i64()
}

impl ModelCall {
    /// Reads the model call out of a request body of `kind` (a [`Kind`](super::Kind), or its
    /// name as `inspect` shows it) sent to `route`. Routes that are not model calls (`/web/action/load`, session routes) have
    /// no model call.
    pub fn from_body<K: AsRef<str> + ?Sized>(
        kind: &K,
        route: &str,
        body: &Value,
    ) -> Result<ModelCall, Unsupported> {
        ModelCall::from_value(kind, route, body.clone())
    }

    /// [`ModelCall::from_body`] for a body the caller no longer needs: its parts are moved,
    /// not copied (a replay converts every step).
    pub fn from_value<K: AsRef<str> + ?Sized>(
        kind: &K,
        route: &str,
        mut body: Value,
    ) -> Result<ModelCall, Unsupported> {
        let kind = kind.as_ref();
        let mut params = body
            .get_mut("params")
            .map(Value::take)
            .unwrap_or(Value::Null);
        let missing = || Unsupported(format!("the {kind} body has no model and method"));
        let take_text = |v: &mut Value, key: &str| match v.get_mut(key).map(Value::take) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let take_array = |v: &mut Value, key: &str| match v.get_mut(key).map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        let take_object = |v: &mut Value, key: &str| match v.get_mut(key).map(Value::take) {
            Some(Value::Object(map)) => map,
            _ => Map::new(),
        };
        match kind {
            "call_kw" | "call_button" | "dataset" => Ok(ModelCall {
                model: take_text(&mut params, "model").ok_or_else(missing)?,
                method: take_text(&mut params, "method").ok_or_else(missing)?,
                args: take_array(&mut params, "args"),
                kwargs: take_object(&mut params, "kwargs"),
            }),
            // /web/dataset/search_read (≤16) answers with web_search_read's {length, records}.
            "search_read" => {
                let mut kwargs = Map::new();
                for (from, to) in [
                    ("domain", "domain"),
                    ("fields", "fields"),
                    ("offset", "offset"),
                    ("limit", "limit"),
                    ("sort", "order"),
                    ("context", "context"),
                ] {
                    if let Some(value) = params
                        .get_mut(from)
                        .map(Value::take)
                        .filter(|v| !v.is_null() && *v != "")
                    {
                        kwargs.insert(to.into(), value);
                    }
                }
                Ok(ModelCall {
                    model: take_text(&mut params, "model").ok_or_else(missing)?,
                    method: "web_search_read".into(),
                    args: Vec::new(),
                    kwargs,
                })
            }
            "jsonrpc" => {
                let service = take_text(&mut params, "service").unwrap_or_default();
                let method = take_text(&mut params, "method").unwrap_or_default();
                if service != "object" || !matches!(method.as_str(), "execute" | "execute_kw") {
                    return Err(Unsupported(format!(
                        "{service}.{method} is not a model call"
                    )));
                }
                let mut args = take_array(&mut params, "args").into_iter().skip(3);
                let text = |v: Option<Value>| match v {
                    Some(Value::String(s)) => Some(s),
                    _ => None,
                };
                let model = text(args.next()).ok_or_else(missing)?;
                let model_method = text(args.next()).ok_or_else(missing)?;
                let (model_args, kwargs) = if method == "execute_kw" {
                    let model_args = match args.next() {
                        Some(Value::Array(items)) => items,
                        _ => Vec::new(),
                    };
                    let kwargs = match args.next() {
                        Some(Value::Object(map)) => map,
                        _ => Map::new(),
                    };
                    (model_args, kwargs)
                } else {
                    (args.collect(), Map::new())
                };
                Ok(ModelCall {
                    model,
                    method: model_method,
                    args: model_args,
                    kwargs,
                })
            }
            "json2" => {
                let mut segments = route.trim_start_matches("/json/2/").splitn(2, '/');
                let model = segments
                    .next()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(missing)?
                    .to_string();
                let method = segments
                    .next()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(missing)?
                    .to_string();
                let mut kwargs = match body {
                    Value::Object(map) => map,
                    _ => Map::new(),
                };
                let args = kwargs
                    .remove("ids")
                    .map(|ids| vec![ids])
                    .unwrap_or_default();
                Ok(ModelCall {
                    model,
                    method,
                    args,
                    kwargs,
                })
            }
            other => Err(Unsupported(format!(
                "{route} ({other}) is a web-client route with no model method behind it; replay it with --mode session, or read the same data with a model call"
            ))),
        }
    }

    /// The web client's `call_kw` body.
    pub fn call_kw(&self, id: u64) -> (String, Value) {
        let route = format!("/web/dataset/call_kw/{}/{}", self.model, self.method);
        let body = json!({"jsonrpc": "2.0", "method": "call", "params": {"model": self.model, "method": self.method, "args": self.args, "kwargs": self.kwargs}, "id": id});
        (route, body)
    }

    /// The external API's `/jsonrpc` `object.execute_kw(db, uid, secret, model, method, args, kwargs)`.
    pub fn execute_kw(self, db: &Value, uid: &Value, secret: &Value, id: u64) -> Value {
        // Built by moving the call's parts in: `json!` would serialise (copy) them.
        let args = vec![
            db.clone(),
            uid.clone(),
            secret.clone(),
            Value::String(self.model),
            Value::String(self.method),
            Value::Array(self.args),
            Value::Object(self.kwargs),
        ];
        let mut params = Map::new();
        params.insert("service".into(), Value::from("object"));
        params.insert("method".into(), Value::from("execute_kw"));
        params.insert("args".into(), Value::Array(args));
        let mut envelope = Map::new();
        envelope.insert("jsonrpc".into(), Value::from("2.0"));
        envelope.insert("method".into(), Value::from("call"));
        envelope.insert("params".into(), Value::Object(params));
        envelope.insert("id".into(), Value::from(id));
        Value::Object(envelope)
    }

    /// Odoo 19's `POST /json/2/<model>/<method>` body: named arguments, `ids` for record
    /// methods, `context` at the top. Positional arguments need the method's parameter names;
    /// a method whose names are not known converts only when it has none.
    pub fn json2(&self) -> Result<(String, Value), Unsupported> {
        let route = format!("/json/2/{}/{}", self.model, self.method);
        let mut body = Map::new();
        let mut positional = self.args.as_slice();
        let (records, names) = match signature(&self.method) {
            Some(known) => known,
            // Unknown methods (buttons, module methods): record ids alone, or nothing.
            None => (positional.first().is_some_and(is_ids), &[][..]),
        };
        if records && let Some((ids, rest)) = positional.split_first() {
            body.insert(
                "ids".into(),
                if ids.is_i64() {
                    json!([ids])
                } else {
                    ids.clone()
                },
            );
            positional = rest;
        }
        if positional.len() > names.len() {
            return Err(Unsupported(format!(
                "{}.{} takes positional arguments whose names odoo-har does not know, and JSON-2 takes named arguments only; replay it with --mode jsonrpc, or pass them by name in the suite's kwargs",
                self.model, self.method
            )));
        }
        for (name, value) in names.iter().zip(positional) {
            body.insert((*name).into(), value.clone());
        }
        for (key, value) in &self.kwargs {
            body.insert(key.clone(), value.clone());
        }
        Ok((route, Value::Object(body)))
    }
}

/// A web call's params, borrowed from the body text rather than copied into values.
#[derive(serde::Deserialize)]
struct BorrowedCallKw<'a> {
    #[serde(borrow)]
    params: BorrowedParams<'a>,
}

#[derive(serde::Deserialize)]
struct BorrowedParams<'a> {
    #[serde(borrow)]
    model: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    method: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    args: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    kwargs: Option<&'a serde_json::value::RawValue>,
}

/// `call_kw` body text → `execute_kw` body text, splicing the raw `args` and `kwargs` in:
/// what [`ModelCall::execute_kw`] gives, without building a tree. `None` when the body is not
/// a plain `call_kw` (the caller then takes the general path).
pub fn call_kw_text_to_execute_kw(
    text: &str,
    db: &Value,
    uid: &Value,
    secret: &Value,
    id: u64,
) -> Option<String> {
    let call: BorrowedCallKw = serde_json::from_str(text).ok()?;
    let params = call.params;
    let args = params.args.map_or("[]", |raw| raw.get());
    let kwargs = params.kwargs.map_or("{}", |raw| raw.get());
    if !args.starts_with('[') || !kwargs.starts_with('{') {
        return None;
    }
    let json = |value: &Value| serde_json::to_string(value).unwrap_or_default();
    let text = |value: &str| serde_json::to_string(value).unwrap_or_default();
    Some(format!(
        r#"{{"jsonrpc":"2.0","method":"call","params":{{"service":"object","method":"execute_kw","args":[{},{},{},{},{},{args},{kwargs}]}},"id":{id}}}"#,
        json(db),
        json(uid),
        json(secret),
        text(&params.model),
        text(&params.method),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call_kw(model: &str, method: &str, args: Value, kwargs: Value) -> ModelCall {
        let body =
            json!({"params": {"model": model, "method": method, "args": args, "kwargs": kwargs}});
        ModelCall::from_body("call_kw", "/web/dataset/call_kw", &body).unwrap()
    }

    #[test]
    fn web_calls_become_execute_kw_with_the_context_in_kwargs() {
        let call = call_kw(
            "res.users",
            "read",
            json!([[2], ["name"]]),
            json!({"context": {"lang": "en_US"}}),
        );
        let body = call.execute_kw(&json!("db"), &json!(2), &json!("key"), 7);
        assert_eq!(
            body["params"]["args"],
            json!(["db", 2, "key", "res.users", "read", [[2], ["name"]], {"context": {"lang": "en_US"}}])
        );
        assert_eq!(body["params"]["service"], json!("object"));
    }

    #[test]
    fn the_text_splice_gives_what_the_value_path_gives() {
        let body = json!({"id": 3, "jsonrpc": "2.0", "method": "call", "params": {"model": "res.users", "method": "read", "args": [[2], ["name"]], "kwargs": {"context": {"lang": "en_US", "q": "\"{x}\""}}}});
        let text = serde_json::to_string(&body).unwrap();
        let spliced =
            call_kw_text_to_execute_kw(&text, &json!("db"), &json!(2), &json!("k\"ey"), 9).unwrap();
        let expected = ModelCall::from_body("call_kw", "/web/dataset/call_kw", &body)
            .unwrap()
            .execute_kw(&json!("db"), &json!(2), &json!("k\"ey"), 9);
        assert_eq!(serde_json::from_str::<Value>(&spliced).unwrap(), expected);
        let no_kwargs = r#"{"params":{"model":"m","method":"x","args":[]}}"#;
        let spliced: Value = serde_json::from_str(
            &call_kw_text_to_execute_kw(no_kwargs, &json!("d"), &json!(1), &json!("s"), 1).unwrap(),
        )
        .unwrap();
        assert_eq!(
            spliced["params"]["args"],
            json!(["d", 1, "s", "m", "x", [], {}])
        );
        assert_eq!(
            call_kw_text_to_execute_kw(
                r#"{"params":{"action_id":1}}"#,
                &json!("d"),
                &json!(1),
                &json!("s"),
                1
            ),
            None
        );
    }

    #[test]
    fn legacy_search_read_becomes_web_search_read() {
        let body = json!({"params": {"model": "res.partner", "fields": ["name"], "domain": [["id", ">", 1]], "offset": 0, "limit": 80, "sort": "", "context": {"lang": "en_US"}}});
        let call = ModelCall::from_body("search_read", "/web/dataset/search_read", &body).unwrap();
        assert_eq!(call.method, "web_search_read");
        assert_eq!(call.kwargs, *json!({"domain": [["id", ">", 1]], "fields": ["name"], "offset": 0, "limit": 80, "context": {"lang": "en_US"}}).as_object().unwrap());
    }

    #[test]
    fn json2_names_positional_arguments_and_takes_ids() {
        let (route, body) = call_kw(
            "res.partner",
            "read",
            json!([[9, 15], ["name"]]),
            json!({"context": {"lang": "fr_BE"}}),
        )
        .json2()
        .unwrap();
        assert_eq!(route, "/json/2/res.partner/read");
        assert_eq!(
            body,
            json!({"ids": [9, 15], "fields": ["name"], "context": {"lang": "fr_BE"}})
        );
        let (_, body) = call_kw(
            "res.partner",
            "search_read",
            json!([[["is_company", "=", true]], ["name"]]),
            json!({"limit": 3}),
        )
        .json2()
        .unwrap();
        assert_eq!(
            body,
            json!({"domain": [["is_company", "=", true]], "fields": ["name"], "limit": 3})
        );
        let (_, body) = call_kw("sale.order", "action_confirm", json!([[17]]), json!({}))
            .json2()
            .unwrap();
        assert_eq!(body, json!({"ids": [17]}));
        let err = call_kw("sale.order", "_compute_x", json!([[17], "a", 3]), json!({}))
            .json2()
            .unwrap_err();
        assert!(
            err.0
                .contains("positional arguments whose names odoo-har does not know"),
            "{err}"
        );
    }

    #[test]
    fn json2_bodies_come_back_as_model_calls() {
        let call = ModelCall::from_body(
            "json2",
            "/json/2/res.partner/read",
            &json!({"ids": [3], "fields": ["name"]}),
        )
        .unwrap();
        assert_eq!(
            (call.args.clone(), call.kwargs.get("fields").cloned()),
            (vec![json!([3])], Some(json!(["name"])))
        );
        let body = call.execute_kw(&json!("d"), &json!(2), &json!("k"), 1);
        assert_eq!(body["params"]["args"][5], json!([[3]]));
    }

    #[test]
    fn routes_without_a_model_method_say_so() {
        let err = ModelCall::from_body(
            "action_load",
            "/web/action/load",
            &json!({"params": {"action_id": 5}}),
        )
        .unwrap_err();
        assert!(
            err.0.contains(
                "/web/action/load (action_load) is a web-client route with no model method"
            ),
            "{err}"
        );
        let err = ModelCall::from_body(
            "jsonrpc",
            "/jsonrpc",
            &json!({"params": {"service": "db", "method": "list", "args": []}}),
        )
        .unwrap_err();
        assert!(err.0.contains("db.list is not a model call"));
    }
}
