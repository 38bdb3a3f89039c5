//! One model call expressed in another dialect: the web client's `call_kw`, the external
//! API's `execute_kw`, Odoo 19's JSON-2 (odoo-protocol.md §3.4, §3.7, §8.4, §8.5).

use serde_json::{Map, Value, json};

use super::signatures::{self, Signature};

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

/// The parameter names of a method, and whether it works on records, when the built-in
/// table knows it (its newest version: see [`super::signatures`]).
pub fn signature(method: &str) -> Option<(bool, &'static [&'static str])> {
    super::signatures::builtin_names(method)
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
    /// methods, `context` at the top, the parameter names from the built-in table for 19.
    pub fn json2(&self) -> Result<(String, Value), Unsupported> {
        self.json2_with(signatures::builtin(&self.method, Some(19)).as_ref())
    }

    /// [`ModelCall::json2`] with the method's signature as given (the server's, usually). A
    /// method whose signature is not known converts only when it has no arguments but its
    /// record ids: its other arguments' names are not guessed.
    pub fn json2_with(
        &self,
        signature: Option<&Signature>,
    ) -> Result<(String, Value), Unsupported> {
        let route = format!("/json/2/{}/{}", self.model, self.method);
        let mut body = Map::new();
        let mut positional = self.args.as_slice();
        let records = match signature {
            Some(signature) => !signature.model,
            // Unknown methods (buttons, module methods): record ids alone, or nothing.
            None => positional.first().is_some_and(is_ids),
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
        let names: Vec<&str> = signature
            .map(|s| s.positional().collect())
            .unwrap_or_default();
        if positional.len() > names.len() {
            let why = match signature {
                None => format!(
                    "{}.{} takes positional arguments whose names neither the server nor odoo-har's table gives, and JSON-2 takes named arguments only; describe it with `odoo-har signatures` (Odoo 19's /doc-bearer), replay it with --mode jsonrpc, or pass them by name in the suite's kwargs",
                    self.model, self.method
                ),
                Some(s) if s.takes_var_positional() => format!(
                    "{}.{}{} takes *args, which JSON-2 cannot pass (named arguments only); replay it with --mode jsonrpc",
                    self.model,
                    self.method,
                    s.text()
                ),
                Some(s) => format!(
                    "{}.{}{} takes {} positional argument{} after the ids, and the call gives {}",
                    self.model,
                    self.method,
                    s.text(),
                    names.len(),
                    if names.len() == 1 { "" } else { "s" },
                    positional.len()
                ),
            };
            return Err(Unsupported(why));
        }
        for (name, value) in names.iter().zip(positional) {
            body.insert((*name).into(), value.clone());
        }
        for (key, value) in &self.kwargs {
            if body.contains_key(key) {
                return Err(Unsupported(format!(
                    "{}.{} is given `{key}` both by position and by name",
                    self.model, self.method
                )));
            }
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
            err.0.contains(
                "positional arguments whose names neither the server nor odoo-har's table gives"
            ),
            "{err}"
        );
    }

    #[test]
    fn json2_names_arguments_from_the_signature_given() {
        // The web client's onchange of a new record (19 crud capture): ids [] then three
        // positional arguments, named from the table.
        let onchange = call_kw(
            "res.partner",
            "onchange",
            json!([[], {"name": "x"}, ["name"], {"name": {}}]),
            json!({"context": {"lang": "en_US"}}),
        );
        assert_eq!(
            onchange.json2().unwrap().1,
            json!({"ids": [], "values": {"name": "x"}, "field_names": ["name"], "fields_spec": {"name": {}}, "context": {"lang": "en_US"}})
        );
        // A module's method only the server describes.
        let stamp = call_kw("res.partner", "x_stamp", json!([[7], "hello"]), json!({}));
        assert!(stamp.json2().is_err());
        let described = Signature {
            params: vec![signatures::Param {
                name: "note".into(),
                kind: signatures::ParamKind::PositionalOrKeyword,
                default: None,
            }],
            model: false,
            readonly: false,
        };
        assert_eq!(
            stamp.json2_with(Some(&described)).unwrap().1,
            json!({"ids": [7], "note": "hello"})
        );
        // An @api.model method takes no ids, whatever its first argument looks like.
        let model_method = Signature {
            model: true,
            ..described.clone()
        };
        let (_, body) = call_kw("res.partner", "x_count", json!([[1, 2]]), json!({}))
            .json2_with(Some(&model_method))
            .unwrap();
        assert_eq!(body, json!({"note": [1, 2]}));
        let err = call_kw("res.partner", "x_stamp", json!([[7], "a", "b"]), json!({}))
            .json2_with(Some(&described))
            .unwrap_err();
        assert_eq!(
            err.0,
            "res.partner.x_stamp(note) takes 1 positional argument after the ids, and the call gives 2"
        );
        let err = call_kw(
            "res.partner",
            "x_stamp",
            json!([[7], "a"]),
            json!({"note": "b"}),
        )
        .json2_with(Some(&described))
        .unwrap_err();
        assert!(
            err.0
                .ends_with("is given `note` both by position and by name"),
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
