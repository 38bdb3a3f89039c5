//! A capture made the way a browser or a script makes one: calls sent to the test server,
//! each request and answer kept as a HAR entry with the time it was made. Tests replay such
//! captures against the server they came from, or against another (other ids, another
//! database), as users replay theirs.
#![allow(dead_code)]

use serde_json::{Value, json};

/// The web client's context, with `bin_size` as it always sends it.
pub fn web_context() -> Value {
    json!({"lang": "en_US", "tz": "Europe/Brussels", "uid": 2, "allowed_company_ids": [1], "bin_size": true})
}

/// Calls sent and recorded.
pub struct Recorder {
    url: String,
    cookie: Option<String>,
    entries: Vec<Value>,
    next_id: u64,
}

impl Recorder {
    pub fn new(url: &str) -> Recorder {
        Recorder {
            url: url.to_string(),
            cookie: None,
            entries: Vec::new(),
            next_id: 0,
        }
    }

    /// Logs in like the web client; later web calls carry the session.
    pub fn login(&mut self, db: &str, login: &str, password: &str) -> Value {
        self.rpc(
            "/web/session/authenticate",
            json!({"db": db, "login": login, "password": password}),
        )
    }

    /// A web client `call_kw` (the model and method in the URL, as the client writes it).
    pub fn call_kw(&mut self, model: &str, method: &str, args: Value, kwargs: Value) -> Value {
        self.model_call("call_kw", model, method, args, kwargs)
    }

    /// A button, through `/web/dataset/call_button`.
    pub fn button(&mut self, model: &str, method: &str, args: Value) -> Value {
        self.model_call(
            "call_button",
            model,
            method,
            args,
            json!({"context": web_context()}),
        )
    }

    fn model_call(
        &mut self,
        route: &str,
        model: &str,
        method: &str,
        args: Value,
        mut kwargs: Value,
    ) -> Value {
        if kwargs.get("context").is_none() {
            kwargs["context"] = web_context();
        }
        self.rpc(
            &format!("/web/dataset/{route}/{model}/{method}"),
            json!({"model": model, "method": method, "args": args, "kwargs": kwargs}),
        )
    }

    /// A script's `execute_kw` over `/jsonrpc`, as OdooRPC sends it.
    pub fn execute_kw(
        &mut self,
        (db, uid, password): (&str, i64, &str),
        model: &str,
        method: &str,
        args: Value,
        kwargs: Value,
    ) -> Value {
        self.rpc(
            "/jsonrpc",
            json!({"service": "object", "method": "execute_kw", "args": [db, uid, password, model, method, args, kwargs]}),
        )
    }

    /// Any JSON-RPC route: the result, or the whole error object when there is one.
    pub fn rpc(&mut self, path: &str, params: Value) -> Value {
        self.next_id += 1;
        let body =
            json!({"id": self.next_id, "jsonrpc": "2.0", "method": "call", "params": params});
        let answer = self.post(path, &body.to_string());
        let document: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
        document
            .get("result")
            .cloned()
            .or_else(|| document.get("error").cloned())
            .unwrap_or(Value::Null)
    }

    fn post(&mut self, path: &str, body: &str) -> String {
        let started = now_iso();
        let cookie = self.cookie.as_ref().map(|sid| format!("session_id={sid}"));
        let mut request_headers = vec![("Content-Type", "application/json")];
        request_headers.extend(cookie.as_deref().map(|value| ("Cookie", value)));
        let answered = crate::common::post_raw(
            self.url.trim_start_matches("http://"),
            path,
            &request_headers,
            body,
        );
        let (status, answer_body) = (answered.status, answered.body.as_str());
        let mut response_headers =
            vec![json!({"name": "Content-Type", "value": "application/json"})];
        for (name, value) in &answered.headers {
            if name.eq_ignore_ascii_case("set-cookie") {
                response_headers.push(json!({"name": "Set-Cookie", "value": value}));
                if let Some(sid) = value
                    .strip_prefix("session_id=")
                    .and_then(|v| v.split(';').next())
                {
                    self.cookie = Some(sid.to_string());
                }
            }
        }
        let request_headers: Vec<Value> = request_headers
            .iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect();
        self.entries.push(json!({
            "startedDateTime": started,
            "time": 1.0,
            "request": {"method": "POST", "url": format!("{}{path}", self.url), "httpVersion": "HTTP/1.1",
                        "headers": request_headers, "cookies": [], "queryString": [],
                        "postData": {"mimeType": "application/json", "text": body}, "headersSize": -1, "bodySize": body.len()},
            "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": response_headers, "cookies": [],
                         "content": {"size": answer_body.len(), "mimeType": "application/json", "text": answer_body},
                         "redirectURL": "", "headersSize": -1, "bodySize": answer_body.len()},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}
        }));
        answer_body.to_string()
    }

    /// What was recorded, as a HAR file at `path`.
    pub fn save(&self, path: &std::path::Path) {
        let har = json!({"log": {"version": "1.2", "creator": {"name": "odoo-har tests", "version": "1"}, "pages": [], "entries": self.entries}});
        std::fs::write(path, serde_json::to_string_pretty(&har).unwrap())
            .expect("the HAR is written");
    }
}

/// Now, as HAR stamps it.
fn now_iso() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    let text = crate::fake_odoo::utc_text(since.as_secs() as i64).replace(' ', "T");
    format!("{text}.{:03}Z", since.subsec_millis())
}
