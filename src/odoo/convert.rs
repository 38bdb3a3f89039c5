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
    /// Reads the model call out of a request body of `kind` (as `inspect` names kinds) sent
    /// to `route`. Routes that are not model calls (`/web/action/load`, session routes) have
    /// no model call.
    pub fn from_body(kind: &str, route: &str, body: &Value) -> Result<ModelCall, Unsupported> {
        let params = body.get("params").unwrap_or(&Value::Null);
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
        let missing = || Unsupported(format!("the {kind} body has no model and method"));
        match kind {
            "call_kw" | "call_button" | "dataset" => Ok(ModelCall {
                model: text(params, "model").ok_or_else(missing)?,
                method: text(params, "method").ok_or_else(missing)?,
                args: params
                    .get("args")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                kwargs: params
                    .get("kwargs")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
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
                    if let Some(value) = params.get(from).filter(|v| !v.is_null() && *v != "") {
                        kwargs.insert(to.into(), value.clone());
                    }
                }
                Ok(ModelCall {
                    model: text(params, "model").ok_or_else(missing)?,
                    method: "web_search_read".into(),
                    args: Vec::new(),
                    kwargs,
                })
            }
            "jsonrpc" => {
                let method = text(params, "method").unwrap_or_default();
                let args = params
                    .get("args")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if text(params, "service").as_deref() != Some("object")
                    || !matches!(method.as_str(), "execute" | "execute_kw")
                {
                    return Err(Unsupported(format!(
                        "{}.{method} is not a model call",
                        text(params, "service").unwrap_or_default()
                    )));
                }
                let model = args
                    .get(3)
                    .and_then(Value::as_str)
                    .ok_or_else(missing)?
                    .to_string();
                let model_method = args
                    .get(4)
                    .and_then(Value::as_str)
                    .ok_or_else(missing)?
                    .to_string();
                let (model_args, kwargs) = if method == "execute_kw" {
                    (
                        args.get(5)
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default(),
                        args.get(6)
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default(),
                    )
                } else {
                    (
                        args.get(5..).map(<[Value]>::to_vec).unwrap_or_default(),
                        Map::new(),
                    )
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
                let mut kwargs = body.as_object().cloned().unwrap_or_default();
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
    pub fn execute_kw(&self, db: &Value, uid: &Value, secret: &Value, id: u64) -> Value {
        json!({"jsonrpc": "2.0", "method": "call", "params": {"service": "object", "method": "execute_kw",
            "args": [db, uid, secret, self.model, self.method, self.args, self.kwargs]}, "id": id})
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
