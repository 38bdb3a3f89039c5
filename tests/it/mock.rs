//! `mock`: answers come from the recording, matched by meaning, in recorded order; replaying a
//! capture against a mock of itself passes in every mode the capture allows.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
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
    load_inputs(&["fixtures/demo-odoo16.har".to_string()], false)
        .unwrap()
        .0
}

/// One POST over a fresh connection: the status and the JSON answer.
fn post(addr: SocketAddr, path: &str, body: &Value) -> (u16, Value) {
    let (status, body) = post_raw(addr, path, "application/json", &body.to_string());
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// One POST of any body over a fresh connection: the status and the body.
fn post_raw(addr: SocketAddr, path: &str, content_type: &str, body: &str) -> (u16, String) {
    let answered = common::post_raw(
        &addr.to_string(),
        path,
        &[("Content-Type", content_type)],
        body,
    );
    (answered.status, answered.body)
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
        let suite = load_inputs(std::slice::from_ref(&capture), false)
            .unwrap()
            .0;
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

/// Python's own XML-RPC client (the external-API documentation's) and a plain JSON-RPC client
/// send the same `/jsonrpc` bodies; printed per call: both answers.
const TWO_CLIENTS: &str = r#"
import json, sys, urllib.request, xmlrpc.client
url, bodies = json.load(sys.stdin)
out = []
for body in bodies:
    p = body["params"]
    proxy = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/" + p["service"], allow_none=True)
    try:
        xml = {"result": getattr(proxy, p["method"])(*p["args"])}
    except xmlrpc.client.Fault as fault:
        xml = {"fault": [fault.faultCode, fault.faultString]}
    request = urllib.request.Request(url + "/jsonrpc", json.dumps(body).encode(), {"Content-Type": "application/json"})
    out.append({"xml": xml, "json": json.load(urllib.request.urlopen(request))})
print(json.dumps(out))
"#;

/// The `/jsonrpc` bodies `export --format jsonrpc` writes for a capture, the secret filled in.
fn exported_bodies(capture: &str) -> Vec<Value> {
    let export = odoo_har_env(&["export", capture, "--format", "jsonrpc"], None, &[]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    export
        .stdout
        .split("\n# ")
        .filter_map(|chunk| chunk.split_once("\n{").map(|(_, body)| format!("{{{body}")))
        .map(|body| serde_json::from_str(&body.replace("{{api_key}}", "any-key")).unwrap())
        .collect()
}

#[test]
fn python_xmlrpc_client_and_json_rpc_get_the_same_data_from_recordings_in_any_dialect() {
    // Recorded from the web client (call_kw, call_button), /jsonrpc and JSON-2, with errors.
    let fixtures = [
        "demo-odoo16.har",
        "odoo16-firefox.har",
        "odoo18-chrome.har",
        "odoo19-chrome.har",
    ];
    let (mut results, mut faults) = (0, Vec::new());
    for fixture in fixtures {
        let capture = format!("fixtures/{fixture}");
        let suite = load_inputs(std::slice::from_ref(&capture), false)
            .unwrap()
            .0;
        let (server, lines) = serve(&suite, None, false);
        let mut bodies = exported_bodies(&capture);
        let db = suite.manifest.variables["db"].clone();
        for (method, args) in [("version", json!([])), ("login", json!([db, "admin", "x"]))] {
            bodies.push(json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "common", "method": method, "args": args}}));
        }
        let input = json!([server.url(), bodies]).to_string();
        let mut python = Command::new("python3")
            .args(["-c", TWO_CLIENTS])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        python
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let output = python.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{fixture}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let answers: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(answers.len(), bodies.len(), "{fixture}");
        for (body, answer) in bodies.iter().zip(&answers) {
            let (xml, jsonrpc) = (&answer["xml"], &answer["json"]);
            let what = format!("{fixture} {}", body["params"]["args"]);
            match (xml.get("result"), xml.get("fault")) {
                (Some(result), _) => {
                    assert_eq!(Some(result), jsonrpc.get("result"), "{what}");
                    results += 1;
                }
                (_, Some(fault)) => {
                    let data = &jsonrpc["error"]["data"];
                    let name = data["name"].as_str().unwrap_or_default().to_string();
                    faults.push((name, fault[0].as_i64().unwrap()));
                    // A user error's fault string is its message, another's its traceback.
                    let string = fault[1].as_str().unwrap();
                    assert!(
                        string == data["message"] || string == data["debug"],
                        "{what}: {fault} against {data}"
                    );
                }
                _ => panic!("{what}: {answer}"),
            }
        }
        let lines = lines.lock().unwrap();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("POST /xmlrpc/2/object → 0")),
            "{lines:#?}"
        );
        assert!(!lines.iter().any(|l| l.contains("NO MATCH")), "{lines:#?}");
        if fixture == "demo-odoo16.har" {
            // The Preferences read, recorded from the web client, over XML-RPC.
            assert_eq!(answers[0]["xml"]["result"][0]["name"], "Mitchell Admin");
            assert_eq!(answers[0]["xml"]["result"][0]["tz"], "Europe/Brussels");
        }
    }
    assert!(results >= 14, "{results} results compared");
    faults.sort();
    assert_eq!(
        faults,
        vec![
            ("odoo.exceptions.AccessError".to_string(), 4),
            ("odoo.exceptions.MissingError".to_string(), 2),
            ("odoo.exceptions.ValidationError".to_string(), 2),
            ("odoo.http.SessionExpiredException".to_string(), 1),
        ]
    );
}

#[test]
fn xml_rpc_that_is_not_xml_gets_the_fault_odoo_sends() {
    let suite = demo_suite();
    let (server, _) = serve(&suite, None, false);
    let raw = |path: &str, body: &str| post_raw(server.addr, path, "text/xml", body);
    let (status, body) = raw("/xmlrpc/2/object", "{\"not\": \"xml\"}");
    assert_eq!(status, 200, "{body}");
    let odoo_har::odoo::xmlrpc::Message::Fault { code, message } =
        odoo_har::odoo::xmlrpc::parse(&body).unwrap()
    else {
        panic!("{body}")
    };
    assert_eq!(code, 1);
    assert!(message.contains("ExpatError"), "{message}");
    // The legacy route's codes are strings, as Odoo's.
    let version = odoo_har::odoo::xmlrpc::method_call("version", &[]);
    let (_, answer) = raw("/xmlrpc/common", &version);
    assert!(answer.contains("<string>17.0</string>"), "{answer}");
    let unknown = odoo_har::odoo::xmlrpc::method_call(
        "execute_kw",
        &[
            json!("db"),
            json!(2),
            json!("x"),
            json!("res.partner"),
            json!("unlink"),
            json!([[1]]),
        ],
    );
    let (_, answer) = raw("/xmlrpc/object", &unknown);
    assert!(
        answer.contains(
            "<name>faultCode</name><value><string>no recorded answer for res.partner.unlink"
        ),
        "{answer}"
    );
}
