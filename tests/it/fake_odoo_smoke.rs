//! The tests' Odoo-compatible server answers like Odoo: checked with raw HTTP, no odoo-har code.

use crate::{common, fake_odoo};

use std::sync::Arc;
use std::time::Duration;

use fake_odoo::FakeOdoo;
use fake_odoo::http1::{Handler, Reply, Request, Response, serve};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A JSON POST to the fake Odoo at `url`: the status, the headers and the JSON answer.
fn post(
    url: &str,
    path: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Value) {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    let answered = common::post_raw(
        url.trim_start_matches("http://"),
        path,
        &all,
        &body.to_string(),
    );
    (
        answered.status,
        answered.headers,
        serde_json::from_str(&answered.body).unwrap_or(Value::Null),
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

// The hand-written server itself: keep-alive, both body framings, and malformed requests.

fn echo() -> Handler {
    Arc::new(|request: Request| {
        Box::pin(async move {
            let body = serde_json::json!({"method": request.method, "path": request.path(), "body": String::from_utf8_lossy(&request.body)});
            Reply::Send(Response::json(200, &body))
        })
    })
}

async fn exchange(raw: &[u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(serve(listener, echo()));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_millis(500), stream.read_to_end(&mut out)).await;
    server.abort();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn keep_alive_content_length_and_chunked() {
    let out = exchange(b"POST /jsonrpc HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}POST /a?x=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").await;
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 2, "{out}");
    assert!(
        out.contains(r#""body":"{}""#)
            && out.contains(r#""body":"abcde""#)
            && out.contains(r#""path":"/a""#),
        "{out}"
    );
    assert!(out.contains("Connection: close"));
}

#[tokio::test]
async fn malformed_requests_get_an_error_not_a_panic() {
    let out = exchange(b"POST /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n").await;
    assert!(out.starts_with("HTTP/1.1 400 Bad Request"), "{out}");
    let out = exchange(b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").await;
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(70_000));
    assert!(exchange(big.as_bytes()).await.starts_with("HTTP/1.1 431"));
}
