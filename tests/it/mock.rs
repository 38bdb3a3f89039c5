//! `mock`: answers come from the recording, matched by meaning, in recorded order; replaying a
//! capture against a mock of itself passes in every mode the capture allows.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use common::{TempDir, odoo_har_env};
use odoo_har::mock::server::{Background, Log, Mock};
use odoo_har::template::load::suite_or_captures as load_inputs;
use odoo_har::template::suite::Suite;
use serde_json::{Value, json};

/// A mock of `suite` on 127.0.0.1:0, and the log lines it wrote.
fn serve(
    suite: &Suite,
    login: Option<(&str, &str)>,
    loose: bool,
) -> (Background, Arc<Mutex<Vec<String>>>) {
    let login = login.map(|(l, p)| (l.to_string(), p.to_string()));
    let mock = Mock::of_suite(suite, login, loose).expect("the suite makes a mock");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let log: Log = {
        let lines = lines.clone();
        Arc::new(move |line: &str| lines.lock().unwrap().push(line.to_string()))
    };
    let server = Background::start(Arc::new(mock), "127.0.0.1:0".parse().unwrap(), log)
        .expect("the mock starts");
    (server, lines)
}

fn demo_suite() -> Suite {
    load_inputs(&["fixtures/demo-odoo16.har".to_string()])
        .unwrap()
        .0
}

/// One POST over a fresh connection: the status and the JSON answer.
fn post(addr: SocketAddr, path: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn call_kw(model: &str, method: &str, args: Value, kwargs: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": "call", "id": 7, "params": {"model": model, "method": method, "args": args, "kwargs": kwargs}})
}

fn replay_against(server: &Background, capture: &str, mode: &str) -> common::Run {
    odoo_har_env(
        &[
            "replay",
            capture,
            "--url",
            &server.url(),
            "--mode",
            mode,
            "--jobs",
            "2",
        ],
        None,
        &[("ODOO_PASSWORD", "any"), ("ODOO_API_KEY", "any-key")],
    )
}

#[test]
fn replaying_a_capture_against_its_own_mock_passes_in_every_mode() {
    let cases: [(&str, &[&str]); 5] = [
        ("demo-odoo16.har", &["session", "jsonrpc", "json2"]),
        ("odoo16-firefox.har", &["session", "jsonrpc"]),
        ("odoo17-firefox.har", &["session", "jsonrpc"]),
        ("odoo18-chrome.har", &["session", "jsonrpc"]),
        ("odoo19-chrome.har", &["session", "jsonrpc", "json2"]),
    ];
    for (fixture, modes) in cases {
        let capture = format!("fixtures/{fixture}");
        let suite = load_inputs(std::slice::from_ref(&capture)).unwrap().0;
        for mode in modes {
            let (server, lines) = serve(&suite, None, false);
            let run = replay_against(&server, &capture, mode);
            // Web routes with no model call behind them exist only in session mode; the
            // other modes skip them (and so exit 1), which is the capture not allowing it.
            let skipped_for_mode = run
                .stdout
                .lines()
                .filter(|l| l.starts_with("skipped"))
                .all(|l| l.contains("cannot be sent in"));
            assert!(
                (run.code == 0 || (run.code == 1 && skipped_for_mode && *mode != "session"))
                    && !run.stdout.contains("FAILED"),
                "{fixture} {mode}:\n{}\n{}",
                run.stdout,
                run.stderr
            );
            assert!(
                run.stdout.contains(" 0 failed"),
                "{fixture} {mode}: {}",
                run.stdout
            );
            let lines = lines.lock().unwrap();
            assert!(
                !lines.iter().any(|l| l.contains("NO MATCH")),
                "{fixture} {mode}: {lines:#?}"
            );
        }
    }
}

#[test]
fn repeated_calls_get_the_recorded_answers_in_order_then_the_last_again() {
    let mut suite = demo_suite();
    // The Preferences read recorded twice, the user renamed in between.
    let first = 0;
    let mut renamed = suite.step(first).baseline.cloned().unwrap();
    renamed["result"][0]["name"] = json!("Renamed Admin");
    let again = suite.step(first);
    let (step, template) = (again.step.clone(), again.template.to_string());
    suite.push(step, template, Some(renamed)).unwrap();
    let (server, _) = serve(&suite, None, false);
    // The same call as the external API sends it: matched by meaning, not bytes.
    let export = odoo_har_env(
        &[
            "export",
            "fixtures/demo-odoo16.har",
            "--format",
            "jsonrpc",
            "--model",
            "res.users",
        ],
        None,
        &[],
    );
    assert_eq!(export.code, 0, "{}", export.stderr);
    let body = export.stdout.split_once('\n').unwrap().1;
    let request: Value = serde_json::from_str(&body.replace("{{api_key}}", "key")).unwrap();
    let names: Vec<Value> = (0..3)
        .map(|_| post(server.addr, "/jsonrpc", &request).1["result"][0]["name"].clone())
        .collect();
    let original = suite.step(first).baseline.unwrap()["result"][0]["name"].clone();
    assert_ne!(original, json!("Renamed Admin"));
    assert_eq!(
        names,
        vec![original, json!("Renamed Admin"), json!("Renamed Admin")]
    );
}

/// A read of a partner the capture never read.
fn unknown_partner_read() -> Value {
    call_kw(
        "res.partner",
        "read",
        json!([[999_999]]),
        json!({"fields": ["name"]}),
    )
}

#[test]
fn an_unmatched_call_gets_an_odoo_error_naming_the_closest_recorded_calls() {
    let suite = demo_suite();
    let (server, lines) = serve(&suite, None, false);
    let (status, answer) = post(
        server.addr,
        "/web/dataset/call_kw/res.partner/read",
        &unknown_partner_read(),
    );
    assert_eq!(status, 200);
    assert_eq!(answer["id"], 7);
    assert_eq!(
        answer["error"]["data"]["name"],
        "odoo_har.mock.NoRecordedAnswer"
    );
    let message = answer["error"]["data"]["message"].as_str().unwrap();
    assert!(
        message.contains("res.partner.read") && message.contains("--match-loose"),
        "{message}"
    );
    let (_, other) = post(
        server.addr,
        "/jsonrpc",
        &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw", "args": ["db", 2, "x", "res.partner", "unlink", [[1]], {}]}}),
    );
    let message = other["error"]["data"]["message"].as_str().unwrap();
    assert!(
        message.contains("closest recorded: res.partner."),
        "{message}"
    );
    let lines = lines.lock().unwrap();
    assert_eq!(
        lines.iter().filter(|l| l.contains("NO MATCH")).count(),
        2,
        "{lines:#?}"
    );
}

#[test]
fn match_loose_answers_other_arguments_and_says_so() {
    let suite = demo_suite();
    let (server, lines) = serve(&suite, None, true);
    let (_, answer) = post(
        server.addr,
        "/web/dataset/call_kw/res.partner/read",
        &unknown_partner_read(),
    );
    assert!(answer.get("result").is_some(), "{answer}");
    assert!(
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("loose match"))
    );
}

#[test]
fn authentication_answers_like_odoo_and_checks_credentials_only_when_asked() {
    let suite = demo_suite();
    let db = suite.manifest.variables["db"].clone();
    let (open, _) = serve(&suite, None, false);
    let (_, uid) = post(
        open.addr,
        "/jsonrpc",
        &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "common", "method": "login", "args": [db, "anyone", "anything"]}}),
    );
    assert_eq!(uid["result"], suite.manifest.variables["uid"]);
    let (guarded, _) = serve(&suite, Some(("admin", "right")), false);
    let login = |password: &str| {
        post(
            guarded.addr,
            "/web/session/authenticate",
            &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"db": db, "login": "admin", "password": password}}),
        )
        .1
    };
    assert_eq!(
        login("wrong")["error"]["data"]["name"],
        "odoo.exceptions.AccessDenied"
    );
    assert_eq!(
        login("right")["result"]["uid"],
        suite.manifest.variables["uid"]
    );
}

#[test]
fn mock_command_logs_each_request_and_strict_fails_on_unmatched() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_odoo-har"))
        .args([
            "mock",
            "fixtures/demo-odoo16.har",
            "--listen",
            "127.0.0.1:0",
            "--strict",
            "--requests",
            "3",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut addr = None;
    let mut seen = String::new();
    while addr.is_none() {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "no address in {seen}"
        );
        seen.push_str(&line);
        addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|a| a.parse::<SocketAddr>().ok());
    }
    let addr = addr.unwrap();
    let (_, known) = post(
        addr,
        "/jsonrpc",
        &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "common", "method": "version", "args": []}}),
    );
    assert!(known["result"]["server_version"].is_string(), "{known}");
    post(
        addr,
        "/web/dataset/call_kw/x/y",
        &call_kw("x.model", "nothing", json!([]), json!({})),
    );
    // The log says what happened, never with what credentials.
    post(
        addr,
        "/web/session/authenticate",
        &json!({"jsonrpc": "2.0", "method": "call", "id": 2, "params": {"db": "demo16", "login": "admin", "password": "s3cret-mock-pass"}}),
    );
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(
        rest.contains("→ logged in") && !rest.contains("s3cret-mock-pass"),
        "{rest}"
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{seen}{rest}");
    assert!(rest.contains("→ common.version"), "{rest}");
    assert!(
        rest.contains("NO MATCH") && rest.contains("1 with no recorded answer"),
        "{rest}"
    );
}

#[test]
fn mock_refuses_a_bad_listen_address_with_exit_2() {
    let dir = TempDir::new("mock-listen");
    let run = odoo_har_env(
        &["mock", "fixtures/demo-odoo16.har", "--listen", "localhost"],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--listen localhost"), "{}", run.stderr);
    drop(dir);
}
