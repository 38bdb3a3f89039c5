//! The tests' Odoo-compatible server answers like Odoo: checked with raw HTTP, no odoo-har code.

use crate::fake_odoo;

use std::io::{Read, Write};

use fake_odoo::FakeOdoo;
use serde_json::{Value, json};

fn post(
    url: &str,
    path: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Value) {
    let addr = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let body = body.to_string();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    (
        status,
        headers,
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

fn rpc(params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
}

#[test]
fn sessions_models_domains_and_errors() {
    let odoo = FakeOdoo::start();
    let (_, headers, info) = post(
        &odoo.url,
        "/web/session/authenticate",
        &rpc(json!({"db": fake_odoo::DB, "login": "admin", "password": fake_odoo::PASSWORD})),
        &[],
    );
    assert_eq!(info["result"]["uid"], json!(2));
    let cookie = headers
        .iter()
        .find(|(n, _)| n == "Set-Cookie")
        .unwrap()
        .1
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let kw = |method: &str, args: Value, kwargs: Value| {
        rpc(json!({"model": "res.partner", "method": method, "args": args, "kwargs": kwargs}))
    };
    let (_, _, found) = post(
        &odoo.url,
        "/web/dataset/call_kw",
        &kw(
            "search",
            json!([["|", ["name", "ilike", "acme"], ["name", "=like", "Azure%"]]]),
            json!({}),
        ),
        &[("Cookie", &cookie)],
    );
    assert_eq!(found["result"], json!([9, 15]));
    let (_, _, created) = post(
        &odoo.url,
        "/web/dataset/call_kw",
        &kw("create", json!([{"name": "New"}]), json!({})),
        &[("Cookie", &cookie)],
    );
    assert_eq!(created["result"], json!(50));
    let (_, _, bad) = post(
        &odoo.url,
        "/web/dataset/call_kw",
        &kw("search", json!([[["phone", "ilke", "+49"]]]), json!({})),
        &[("Cookie", &cookie)],
    );
    assert_eq!(
        bad["error"]["data"]["message"],
        json!("Invalid leaf ('phone', 'ilke', '+49')")
    );
    assert_eq!(bad["error"]["code"], json!(200));
    let (_, _, expired) = post(
        &odoo.url,
        "/web/dataset/call_kw",
        &kw("search", json!([[]]), json!({})),
        &[],
    );
    assert_eq!(
        (
            expired["error"]["code"].clone(),
            expired["error"]["data"]["name"].clone()
        ),
        (json!(100), json!("odoo.http.SessionExpiredException"))
    );
    let (_, _, login) = post(
        &odoo.url,
        "/jsonrpc",
        &rpc(
            json!({"service": "common", "method": "login", "args": [fake_odoo::DB, "admin", "wrong"]}),
        ),
        &[],
    );
    assert_eq!(login["result"], json!(false));
}

#[test]
fn json2_on_19_with_bearer_keys() {
    let odoo = FakeOdoo::start_version(19);
    let auth = format!("bearer {}", fake_odoo::API_KEY);
    let headers = [
        ("Authorization", auth.as_str()),
        ("X-Odoo-Database", fake_odoo::DB),
    ];
    let (status, _, body) = post(
        &odoo.url,
        "/json/2/res.partner/search_read",
        &json!({"domain": [["is_company", "=", true]], "fields": ["name"], "limit": 2}),
        &headers,
    );
    assert_eq!(
        (status, body),
        (
            200,
            json!([{"id": 1, "name": "YourCompany"}, {"id": 9, "name": "Acme Corporation"}])
        )
    );
    let (status, _, body) = post(
        &odoo.url,
        "/json/2/res.partner/search",
        &json!({"nope": 1}),
        &headers,
    );
    assert_eq!(
        (status, body["name"].clone()),
        (422, json!("builtins.TypeError"))
    );
    let (status, _, body) = post(
        &odoo.url,
        "/json/2/res.partner/search",
        &json!({}),
        &[("Authorization", "bearer wrong")],
    );
    assert_eq!(
        (status, body["message"].clone()),
        (401, json!("Invalid apikey"))
    );
}
