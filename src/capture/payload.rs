//! A request body pasted from the DevTools Payload tab ("view source").
//!
//! A payload carries no URL. `--url` says where it went; without it the route is inferred
//! when the body leaves no doubt (a `call_kw` payload names its model and method, an
//! external-API payload its service) and refused otherwise.

use std::sync::Arc;

use serde_json::Value;

use super::{Body, Capture, Exchange, Format, LoadOptions, Request, Source};
use crate::error::{Error, Place, Result, json_syntax};

pub(super) fn parse(file: Arc<str>, bytes: Vec<u8>, options: &LoadOptions) -> Result<Capture> {
    let value: Value = serde_json::from_slice(&bytes).map_err(|err| {
        json_syntax(&file, &err).hint(
            "the payload is not valid JSON; copy it again with \"view source\" in the Payload tab",
        )
    })?;
    if value.get("log").is_some_and(Value::is_object) {
        return super::har::from_value(file, value);
    }
    if !value.is_object() {
        return Err(Error::input(
            &*file,
            Some(Place::JsonPath("$".into())),
            "a JSON-RPC payload is a JSON object",
        )
        .hint("copy the request body from the Payload tab (\"view source\")"));
    }
    let url = match (&options.url, infer_route(&value)) {
        // The server's address rather than the request's (what the README suggests, and
        // what people type): the route comes from the body, the host from --url. Taken as
        // the request URL, `/` would make a web call an unknown RPC and lose its context.
        (Some(url), Some(route)) if is_server_only(url) => {
            format!("{}{route}", url.trim_end_matches('/'))
        }
        (Some(url), _) => url.clone(),
        (None, Some(route)) => route,
        (None, None) => {
            return Err(Error::input(&*file, None, "this payload does not say where it was sent")
                .hint("give the request URL with --url, e.g. --url https://mycompany.odoo.com/web/dataset/call_kw"));
        }
    };
    let exchange = Exchange {
        source: Source {
            file: file.clone(),
            entry: 0,
        },
        started: None,
        duration_ms: None,
        request: Request {
            method: "POST".into(),
            url,
            headers: vec![super::NameValue::new("Content-Type", "application/json")],
            cookies: Vec::new(),
            body: Some(Body {
                mime_type: Some("application/json".into()),
                bytes,
            }),
        },
        response: None,
    };
    Ok(Capture {
        file,
        format: Format::Payload,
        creator: None,
        exchanges: vec![exchange],
    })
}

/// True for a URL that names a server and nothing more: `http://127.0.0.1:8069` or with `/`.
fn is_server_only(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.path() == "/" && u.query().is_none())
}

/// The route a payload can only have been sent to, as a path (no host is known).
fn infer_route(payload: &Value) -> Option<String> {
    let params = payload.get("params")?;
    if params.get("service").is_some_and(Value::is_string) {
        return Some("/jsonrpc".into());
    }
    let model = params.get("model")?.as_str()?;
    let method = params.get("method")?.as_str()?;
    params.get("args")?;
    Some(format!("/web/dataset/call_kw/{model}/{method}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, url: Option<&str>) -> Result<Capture> {
        super::super::parse(
            "p.json",
            text.as_bytes().to_vec(),
            &LoadOptions {
                url: url.map(str::to_string),
            },
        )
    }

    #[test]
    fn routes_are_inferred_only_when_the_body_leaves_no_doubt() {
        let kw = r#"{"id":7,"jsonrpc":"2.0","method":"call","params":{"args":[[2]],"model":"res.users","method":"read","kwargs":{}}}"#;
        assert_eq!(
            load(kw, None).unwrap().exchanges[0].request.url,
            "/web/dataset/call_kw/res.users/read"
        );
        let ext = r#"{"jsonrpc":"2.0","method":"call","params":{"service":"common","method":"version","args":[]}}"#;
        assert_eq!(
            load(ext, None).unwrap().exchanges[0].request.url,
            "/jsonrpc"
        );
        let err = load(r#"{"params":{"action_id":5}}"#, None).unwrap_err();
        assert!(
            err.to_string().contains("does not say where it was sent"),
            "{err}"
        );
        let given = load(
            r#"{"params":{"action_id":5}}"#,
            Some("https://o.example/web/action/load"),
        )
        .unwrap();
        assert_eq!(
            given.exchanges[0].request.url,
            "https://o.example/web/action/load"
        );
    }

    #[test]
    fn a_server_url_takes_the_route_from_the_body() {
        let kw = r#"{"params":{"args":[[2]],"model":"res.users","method":"read","kwargs":{}}}"#;
        for server in ["http://127.0.0.1:8069", "http://127.0.0.1:8069/"] {
            assert_eq!(
                load(kw, Some(server)).unwrap().exchanges[0].request.url,
                "http://127.0.0.1:8069/web/dataset/call_kw/res.users/read"
            );
        }
        // A full request URL is kept as given, and so is a server URL when the body does not
        // say which route it went to.
        let full = "https://o.example/web/dataset/call_kw";
        assert_eq!(load(kw, Some(full)).unwrap().exchanges[0].request.url, full);
        let action = r#"{"params":{"action_id":5}}"#;
        assert_eq!(
            load(action, Some("https://o.example")).unwrap().exchanges[0]
                .request
                .url,
            "https://o.example"
        );
    }

    #[test]
    fn a_har_that_does_not_start_with_log_is_still_a_har() {
        let capture = load(
            r#"{"comment":"x","log":{"version":"1.2","entries":[]}}"#,
            None,
        )
        .unwrap();
        assert_eq!(capture.format, Format::Har);
    }

    #[test]
    fn bad_json_is_located() {
        let err = load("{\"params\": {\n  \"model\": }", None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("p.json: line 2, column 12: expected value"),
            "{err}"
        );
        let err = load("[1,2]", None).unwrap_err();
        assert!(
            err.to_string()
                .contains("a JSON-RPC payload is a JSON object"),
            "{err}"
        );
    }
}
