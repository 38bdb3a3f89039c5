//! Removing secrets: passwords, API keys, session cookies, CSRF tokens and `Authorization`
//! headers, from captures and from everything the tool writes.
//!
//! Two nets. By place: the fields and headers that carry secrets (`password`, the third
//! argument of `execute_kw`/`login`, `Cookie: session_id=…`, `Authorization`, form and HTML
//! CSRF tokens) are replaced wherever they are. By value: every secret value found in the
//! capture is also replaced wherever else it appears — as a substring when it is at least
//! [`MIN_SCRUB_LEN`] characters long, so a short password such as `admin` (which real
//! captures also use as the login) is removed from its own places only.

use std::collections::BTreeSet;

use base64::Engine;
use serde_json::{Map, Value};

use crate::capture::Exchange;
use crate::odoo::xmlrpc;

pub use crate::secret::REDACTED;

/// Secrets at least this long are also removed where they appear inside other text.
pub const MIN_SCRUB_LEN: usize = 8;

/// JSON keys whose values are secrets wherever they appear.
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "new_password",
    "old_password",
    "confirm_password",
    "api_key",
    "apikey",
    "csrf_token",
    "session_id",
    "access_token",
    "refresh_token",
    "secret",
    "totp_secret",
    "master_pwd",
];

/// Headers whose whole value is a secret.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-openerp-session-id",
    "x-csrftoken",
    "x-csrf-token",
];

/// Cookies that authenticate: Odoo's session and the 2FA trusted-device cookie.
pub fn is_secret_cookie(name: &str) -> bool {
    name == "session_id" || name == "td_id" || name.to_ascii_lowercase().contains("session")
}

/// True for JSON keys and form fields whose value is a secret (`password`, `csrf_token`, …).
pub fn is_secret_field(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_KEYS.contains(&key.as_str())
}

/// `db` service methods that take the master password as their first argument.
pub fn db_method_takes_master_password(method: &str) -> bool {
    !matches!(
        method,
        "list" | "db_exist" | "list_lang" | "server_version" | "list_countries"
    )
}

/// The secret values a capture holds.
#[derive(Debug, Default, Clone)]
pub struct Secrets {
    values: BTreeSet<String>,
}

impl Secrets {
    /// Finds every secret value in the exchanges, by place.
    pub fn collect(exchanges: &[Exchange]) -> Secrets {
        let mut secrets = Secrets::default();
        for exchange in exchanges {
            secrets.learn(exchange);
        }
        secrets
    }

    /// Adds the secret values one exchange holds, by place: for captures read as a stream.
    pub fn learn(&mut self, exchange: &Exchange) {
        let secrets = self;
        let request = &exchange.request;
        for cookie in &request.cookies {
            if is_secret_cookie(&cookie.name) {
                secrets.add(&cookie.value);
            }
        }
        for header in &request.headers {
            let name = header.name.to_ascii_lowercase();
            if SECRET_HEADERS.contains(&name.as_str()) {
                secrets.add(&header.value);
                // `bearer <key>`, `Basic <b64>`: the token alone may appear elsewhere too.
                if let Some((_, token)) = header.value.split_once(' ') {
                    secrets.add(token.trim());
                }
            }
            if name == "cookie" {
                for cookie in crate::capture::parse_cookie_header(&header.value) {
                    if is_secret_cookie(&cookie.name) {
                        secrets.add(&cookie.value);
                    }
                }
            }
        }
        if let Some(query) = request.url.split_once('?').map(|(_, q)| q) {
            for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
                if is_secret_field(&name) {
                    secrets.add(&value);
                }
            }
        }
        if let Some(body) = &request.body {
            secrets.collect_body(&body.bytes);
        }
        if let Some(response) = &exchange.response {
            for cookie in &response.cookies {
                if is_secret_cookie(&cookie.name) {
                    secrets.add(&cookie.value);
                }
            }
            if let Some(text) = response.body.as_ref().and_then(|b| b.text()) {
                for token in html_csrf_tokens(text) {
                    secrets.add(token);
                }
            }
        }
    }

    /// Secrets known by value (what a replay was given), with nothing collected from a capture.
    pub fn from_values<'a>(values: impl IntoIterator<Item = &'a str>) -> Secrets {
        let mut secrets = Secrets::default();
        values.into_iter().for_each(|v| secrets.add(v));
        secrets
    }

    /// Replaces every value equal to a secret, and long secrets inside strings, with `***`:
    /// what a report shows of a request.
    pub fn mask_json(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if self.values.contains(text.as_str()) {
                    *text = "***".into();
                } else {
                    for secret in self.values.iter().filter(|s| s.len() >= MIN_SCRUB_LEN) {
                        if text.contains(secret.as_str()) {
                            *text = text.replace(secret.as_str(), "***");
                        }
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.mask_json(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.mask_json(v)),
            _ => {}
        }
    }

    fn add(&mut self, value: &str) {
        if !value.is_empty() && value != REDACTED {
            self.values.insert(value.to_string());
        }
    }

    fn collect_body(&mut self, bytes: &[u8]) {
        if let Ok(mut value) = serde_json::from_slice::<Value>(bytes) {
            let mut found = Vec::new();
            redact_json_places(&mut value, &mut |secret| found.push(secret));
            for secret in found {
                self.add(&secret);
            }
            return;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return;
        };
        if let Ok(xmlrpc::Message::Call { method, params }) = xmlrpc::parse(text) {
            if let Some(Value::String(secret)) = external_secret(None, &method, &params) {
                self.add(secret);
            }
            return;
        }
        for (name, value) in url::form_urlencoded::parse(bytes) {
            if is_secret_field(&name) {
                self.add(&value);
            }
        }
    }

    /// These secrets but `public`, which is only removed from the places secrets sit (password
    /// fields, the external API's secret argument), no longer wherever it appears. For a
    /// password equal to the login (`admin`/`admin` on every demo database): the login is not
    /// secret, and erasing it would change every answer that echoes it.
    pub fn except_public(&self, public: &str) -> Secrets {
        let mut values = self.values.clone();
        values.remove(public);
        Secrets { values }
    }

    /// True when no secret was found.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// How many distinct secret values were found.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when `value` is one of the secrets.
    pub fn contains(&self, value: &str) -> bool {
        self.values.contains(value)
    }

    /// Replaces every long secret inside `text`.
    pub fn scrub_text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in self.values.iter().filter(|s| s.len() >= MIN_SCRUB_LEN) {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// Redacts a JSON document: secret places, values equal to a secret, long secrets inside strings.
    pub fn scrub_json(&self, value: &mut Value) {
        redact_json_places(value, &mut |_| {});
        self.scrub_values(value);
    }

    fn scrub_values(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if self.values.contains(text.as_str()) {
                    *text = REDACTED.to_string();
                } else {
                    let scrubbed = self.scrub_text(text);
                    if scrubbed != *text {
                        *text = scrubbed;
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_values(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.scrub_values(v)),
            _ => {}
        }
    }

    /// Redacts a request or response body of any kind, keeping its format.
    pub fn scrub_body(&self, bytes: &[u8], mime: Option<&str>) -> Vec<u8> {
        if let Ok(mut value) = serde_json::from_slice::<Value>(bytes) {
            self.scrub_json(&mut value);
            return serde_json::to_vec(&value).unwrap_or_default();
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return bytes.to_vec();
        };
        let form = mime.is_some_and(|m| m.contains("x-www-form-urlencoded"));
        if form {
            let mut out = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in url::form_urlencoded::parse(bytes) {
                let secret = is_secret_field(&name) || self.values.contains(value.as_ref());
                out.append_pair(&name, if secret { REDACTED } else { &value });
            }
            return out.finish().into_bytes();
        }
        let mut text = self.scrub_text(text);
        // Short secrets are removed from the places XML-RPC puts them.
        for secret in self.values.iter().filter(|s| s.len() < MIN_SCRUB_LEN) {
            for wrapped in [
                format!("<string>{secret}</string>"),
                format!("<value>{secret}</value>"),
            ] {
                text = text.replace(&wrapped, &wrapped.replace(secret.as_str(), REDACTED));
            }
        }
        text.into_bytes()
    }

    /// Redacts a `Cookie` header value, keeping cookies that do not authenticate.
    pub fn scrub_cookie_header(&self, value: &str) -> String {
        value
            .split(';')
            .map(|pair| match pair.trim().split_once('=') {
                Some((name, _)) if is_secret_cookie(name.trim()) => {
                    format!("{}={REDACTED}", name.trim())
                }
                _ => pair.trim().to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Redacts a `Set-Cookie` value when it sets an authenticating cookie.
    pub fn scrub_set_cookie(&self, value: &str) -> String {
        match value.split_once('=') {
            Some((name, rest)) if is_secret_cookie(name.trim()) => {
                let attributes = rest
                    .split_once(';')
                    .map(|(_, a)| format!(";{a}"))
                    .unwrap_or_default();
                format!("{}={REDACTED}{attributes}", name.trim())
            }
            _ => self.scrub_text(value),
        }
    }

    /// Redacts a header value by name.
    pub fn scrub_header(&self, name: &str, value: &str) -> String {
        match name.to_ascii_lowercase().as_str() {
            n if SECRET_HEADERS.contains(&n) => REDACTED.to_string(),
            "cookie" => self.scrub_cookie_header(value),
            "set-cookie" => value
                .lines()
                .map(|line| self.scrub_set_cookie(line))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => self.scrub_text(value),
        }
    }

    /// Redacts secrets in a URL's query string.
    pub fn scrub_url(&self, url: &str) -> String {
        let Some((base, query)) = url.split_once('?') else {
            return self.scrub_text(url);
        };
        let (query, fragment) = match query.split_once('#') {
            Some((q, f)) => (q, format!("#{f}")),
            None => (query, String::new()),
        };
        let parts: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if is_secret_field(name) => format!("{name}={REDACTED}"),
                _ => pair.to_string(),
            })
            .collect();
        self.scrub_text(&format!("{base}?{}{fragment}", parts.join("&")))
    }
}

/// The secret in an external-API call's arguments: the password or API key of
/// `common.login/authenticate` and `object.execute(_kw)`, the master password of `db` calls.
fn external_secret<'a>(
    service: Option<&str>,
    method: &str,
    args: &'a [Value],
) -> Option<&'a Value> {
    match (service, method) {
        (Some("common") | None, "login" | "authenticate") => args.get(2),
        (Some("object") | None, "execute" | "execute_kw") => args.get(2),
        (Some("db"), method) if db_method_takes_master_password(method) => args.first(),
        _ => None,
    }
}

/// Replaces secrets by place in a JSON request or response, reporting each value removed.
pub fn redact_json_places(value: &mut Value, found: &mut dyn FnMut(String)) {
    // External API: {"params": {"service", "method", "args": [db, uid, secret, …]}}.
    if let Some(params) = value.get_mut("params").and_then(Value::as_object_mut) {
        let service = params
            .get("service")
            .and_then(Value::as_str)
            .map(str::to_string);
        let method = params
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let (Some(service), Some(method), Some(Value::Array(args))) =
            (service, method, params.get_mut("args"))
        {
            let index = external_secret(Some(&service), &method, args)
                .map(|_| if service == "db" { 0 } else { 2 });
            if let Some(slot) = index.and_then(|i| args.get_mut(i)) {
                if let Value::String(secret) = slot {
                    found(std::mem::take(secret));
                }
                *slot = Value::String(REDACTED.into());
            }
        }
    }
    redact_keys(value, found);
}

fn redact_keys(value: &mut Value, found: &mut dyn FnMut(String)) {
    match value {
        Value::Object(map) => redact_map(map, found),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_keys(v, found)),
        _ => {}
    }
}

fn redact_map(map: &mut Map<String, Value>, found: &mut dyn FnMut(String)) {
    for (key, value) in map.iter_mut() {
        if is_secret_field(key) && (value.is_string() || value.is_number()) {
            if let Value::String(secret) = value {
                found(std::mem::take(secret));
            }
            *value = Value::String(REDACTED.into());
        } else {
            redact_keys(value, found);
        }
    }
}

/// CSRF tokens an HTML page embeds: `csrf_token: "…"` (the web client) and
/// `name="csrf_token" value="…"` (the login form).
fn html_csrf_tokens(html: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("csrf_token") {
        rest = &rest[at + "csrf_token".len()..];
        // `name="csrf_token"`: step over the quote that closes the attribute.
        rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
        let window = &rest[..rest.floor_char_boundary(80)];
        let start = window.find(['"', '\'']).map(|i| i + 1);
        if let Some(start) = start {
            let quote = window.as_bytes()[start - 1] as char;
            let candidate = &rest[start..];
            if let Some(end) = candidate.find(quote) {
                let token = &candidate[..end];
                if token.len() >= 16 && token.chars().all(|c| c.is_ascii_alphanumeric()) {
                    tokens.push(token);
                }
            }
        }
    }
    tokens
}

/// Redacts a HAR document in place, keeping every field a viewer or tool expects.
pub fn redact_har(har: &mut Value, secrets: &Secrets) {
    let Some(entries) = har
        .pointer_mut("/log/entries")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for entry in entries {
        if let Some(request) = entry.get_mut("request").and_then(Value::as_object_mut) {
            if let Some(Value::String(url)) = request.get_mut("url") {
                *url = secrets.scrub_url(url);
            }
            redact_message(request, secrets);
            if let Some(Value::Array(query)) = request.get_mut("queryString") {
                for item in query {
                    redact_pair(item, |name, value| {
                        if is_secret_field(name) {
                            REDACTED.into()
                        } else {
                            secrets.scrub_text(value)
                        }
                    });
                }
            }
            if let Some(post) = request.get_mut("postData").and_then(Value::as_object_mut) {
                let mime = post
                    .get("mimeType")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let encoding = post
                    .get("encoding")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if let Some(Value::String(text)) = post.get_mut("text") {
                    *text = scrub_text_body(secrets, text, encoding.as_deref(), mime.as_deref());
                }
                if let Some(Value::Array(params)) = post.get_mut("params") {
                    for item in params {
                        redact_pair(item, |name, value| {
                            if is_secret_field(name) || secrets.contains(value) {
                                REDACTED.into()
                            } else {
                                secrets.scrub_text(value)
                            }
                        });
                    }
                }
            }
        }
        if let Some(response) = entry.get_mut("response").and_then(Value::as_object_mut) {
            redact_message(response, secrets);
            if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                let mime = content
                    .get("mimeType")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let encoding = content
                    .get("encoding")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if let Some(Value::String(text)) = content.get_mut("text") {
                    *text = scrub_text_body(secrets, text, encoding.as_deref(), mime.as_deref());
                }
            }
        }
    }
}

fn redact_message(message: &mut Map<String, Value>, secrets: &Secrets) {
    if let Some(Value::Array(headers)) = message.get_mut("headers") {
        for header in headers {
            redact_pair(header, |name, value| secrets.scrub_header(name, value));
        }
    }
    if let Some(Value::Array(cookies)) = message.get_mut("cookies") {
        for cookie in cookies {
            redact_pair(cookie, |name, value| {
                if is_secret_cookie(name) {
                    REDACTED.into()
                } else {
                    secrets.scrub_text(value)
                }
            });
        }
    }
}

/// Rewrites the `value` of a `{name, value}` item.
fn redact_pair(item: &mut Value, rewrite: impl Fn(&str, &str) -> String) {
    let Some(name) = item.get("name").and_then(Value::as_str).map(str::to_string) else {
        return;
    };
    if let Some(Value::String(value)) = item.get_mut("value") {
        *value = rewrite(&name, value);
    }
}

fn scrub_text_body(
    secrets: &Secrets,
    text: &str,
    encoding: Option<&str>,
    mime: Option<&str>,
) -> String {
    if encoding.is_some_and(|e| e.eq_ignore_ascii_case("base64")) {
        let engine = base64::engine::general_purpose::STANDARD;
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        return match engine.decode(compact) {
            Ok(bytes) => engine.encode(secrets.scrub_body(&bytes, mime)),
            Err(_) => secrets.scrub_text(text),
        };
    }
    String::from_utf8(secrets.scrub_body(text.as_bytes(), mime))
        .unwrap_or_else(|_| secrets.scrub_text(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secrets(values: &[&str]) -> Secrets {
        let mut s = Secrets::default();
        values.iter().for_each(|v| s.add(v));
        s
    }

    #[test]
    fn external_api_passwords_are_removed_by_place() {
        let mut body = json!({"params": {"service": "object", "method": "execute_kw", "args": ["db", 2, "admin", "res.partner", "read", [[1]], {}]}});
        let mut found = Vec::new();
        redact_json_places(&mut body, &mut |s| found.push(s));
        assert_eq!(found, ["admin"]);
        assert_eq!(body["params"]["args"][2], json!(REDACTED));
        assert_eq!(body["params"]["args"][0], json!("db"));
        let mut drop =
            json!({"params": {"service": "db", "method": "drop", "args": ["master", "db"]}});
        redact_json_places(&mut drop, &mut |_| {});
        assert_eq!(drop["params"]["args"], json!([REDACTED, "db"]));
        let mut list = json!({"params": {"service": "db", "method": "list", "args": []}});
        redact_json_places(&mut list, &mut |_| {});
        assert_eq!(list["params"]["args"], json!([]));
    }

    #[test]
    fn keys_and_long_values_are_scrubbed_everywhere_short_ones_only_in_place() {
        let s = secrets(&["admin", "0123456789abcdef0123456789abcdef01234567"]);
        let mut doc = json!({"login": "admin", "password": "pw", "note": "key 0123456789abcdef0123456789abcdef01234567 here", "x": ["admin"]});
        s.scrub_json(&mut doc);
        assert_eq!(doc["password"], json!(REDACTED));
        assert_eq!(doc["note"], json!("key REDACTED here"));
        // A value exactly equal to a secret is removed even when short.
        assert_eq!(doc["login"], json!(REDACTED));
        assert_eq!(s.scrub_text("admin logged in"), "admin logged in");
    }

    #[test]
    fn headers_cookies_forms_and_urls() {
        let s = secrets(&["s3ss10n0000000000000"]);
        assert_eq!(s.scrub_header("Authorization", "bearer abc"), REDACTED);
        assert_eq!(
            s.scrub_header("Cookie", "tz=UTC; session_id=s3ss10n0000000000000; cids=1"),
            "tz=UTC; session_id=REDACTED; cids=1"
        );
        assert_eq!(
            s.scrub_header("Set-Cookie", "session_id=x; Path=/; HttpOnly"),
            "session_id=REDACTED; Path=/; HttpOnly"
        );
        assert_eq!(
            String::from_utf8(s.scrub_body(
                b"csrf_token=abc&login=admin&password=pw",
                Some("application/x-www-form-urlencoded")
            ))
            .unwrap(),
            "csrf_token=REDACTED&login=admin&password=REDACTED"
        );
        assert_eq!(
            s.scrub_url("http://h/web?session_id=abc&db=x"),
            "http://h/web?session_id=REDACTED&db=x"
        );
        let xml = "<methodCall><methodName>login</methodName><params><param><value><string>db</string></value></param><param><value><string>admin</string></value></param><param><value><string>pw</string></value></param></params></methodCall>";
        let mut collected = Secrets::default();
        collected.collect_body(xml.as_bytes());
        assert!(collected.contains("pw"));
        assert!(
            !String::from_utf8(collected.scrub_body(xml.as_bytes(), Some("text/xml")))
                .unwrap()
                .contains(">pw<")
        );
    }

    #[test]
    fn csrf_tokens_are_found_in_pages() {
        let html = r#"<input type="hidden" name="csrf_token" value="52fff9e915379c4d0cea68dc96193145920f26cdo1827412976"/> csrf_token: "abcdef0123456789abcdef0123456789o99","#;
        assert_eq!(
            html_csrf_tokens(html),
            [
                "52fff9e915379c4d0cea68dc96193145920f26cdo1827412976",
                "abcdef0123456789abcdef0123456789o99"
            ]
        );
    }
}
