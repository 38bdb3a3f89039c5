//! `export` in every format; curl and Python output run against the test server.

use crate::common;
use crate::fake_odoo;

use common::{SECRETS, TempDir, odoo_har, odoo_har_env};
use fake_odoo::{API_KEY, DB, FakeOdoo, PASSWORD};
use serde_json::{Value, json};

const FORMATS: [&str; 8] = [
    "jsonrpc", "xmlrpc", "json2", "curl", "python", "hurl", "k6", "locust",
];

fn export(input: &str, format: &str, extra: &[&str]) -> String {
    let mut args = vec!["export", input, "--format", format];
    args.extend(extra);
    let run = odoo_har(&args, None);
    assert_eq!(run.code, 0, "export {input} {format}: {}", run.stderr);
    run.stdout
}

/// The demo suite with baselines a fresh test server answered.
fn recorded_suite(dir: &TempDir) -> String {
    let out = dir.str("suite");
    assert_eq!(
        odoo_har(&["extract", "fixtures/demo-odoo16.har", "-o", &out], None).code,
        0
    );
    let recorder = FakeOdoo::start();
    let run = odoo_har_env(
        &[
            "replay",
            &out,
            "--url",
            &recorder.url,
            "--db",
            DB,
            "--login",
            "admin",
            "--update",
            "--jobs",
            "1",
        ],
        None,
        &[("ODOO_PASSWORD", PASSWORD)],
    );
    assert!(
        run.stdout.contains("updated the baseline of"),
        "{}",
        run.stderr
    );
    out
}

/// The `result` of each step's baseline in a suite folder, by step name.
fn baselines(suite: &str) -> Vec<(String, Value)> {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(format!("{suite}/odoo-har.toml")).unwrap())
            .unwrap();
    manifest["step"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let file = format!("{suite}/{}", s["baseline"].as_str().unwrap());
            let document: Value =
                serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
            (
                s["name"].as_str().unwrap().to_string(),
                document["result"].clone(),
            )
        })
        .collect()
}

/// The answers equal the recorded ones, as replay compares them: the created partner's new
/// id stands for the captured one.
fn same_as_recorded(suite: &str, got: &[Value]) {
    let recorded = baselines(suite);
    assert_eq!(got.len(), recorded.len());
    let created = (
        recorded[2].1.as_i64().unwrap(),
        got[2].as_i64().expect("the create answers an id"),
    );
    let comparison = odoo_har::diff::Comparison {
        ids: [created].into_iter().collect(),
        ..Default::default()
    };
    for ((name, expected), answer) in recorded.iter().zip(got) {
        let changes = odoo_har::diff::compare(expected, answer, &comparison, 10);
        assert!(changes.is_empty(), "{name}: {changes:?}");
    }
}

#[test]
fn every_format_for_every_fixture_and_no_secret_in_any() {
    let fixtures = [
        "demo-odoo16.har",
        "odoo14-chrome.har",
        "odoo16-firefox.har",
        "odoo17-chrome-sanitized.har",
        "odoo18-chrome.har",
        "odoo19-minimal.har",
        "curl-chrome.sh",
        "fetch-firefox.js",
        "payload-call_kw.json",
    ];
    for fixture in fixtures {
        for format in FORMATS {
            let text = export(&format!("fixtures/{fixture}"), format, &[]);
            assert!(text.len() > 100, "{fixture} {format}: {text}");
            for secret in SECRETS {
                assert!(!text.contains(secret), "{fixture} {format} holds {secret}");
            }
        }
    }
    let jsonrpc = export("fixtures/demo-odoo16.har", "jsonrpc", &["--step", "001"]);
    let body: Value = serde_json::from_str(jsonrpc.split_once('\n').unwrap().1.trim()).unwrap();
    assert_eq!(
        body["params"]["args"],
        json!(["demo16", 2, "{{api_key}}", "res.users", "read", [[2], ["__last_update", "name", "email", "lang", "tz", "tz_offset", "signature", "display_name"]], {"context": {"allowed_company_ids": [1], "bin_size": true, "lang": "en_US", "tz": "Europe/Brussels", "uid": 2}}])
    );
    // Window actions are plumbing, left out unless the suite keeps the web client's screen.
    let dir = TempDir::new("export-with-ui");
    let with_ui = dir.str("suite");
    let extracted = odoo_har(
        &[
            "extract",
            "fixtures/odoo14-chrome.har",
            "-o",
            &with_ui,
            "--with-ui",
        ],
        None,
    );
    assert_eq!(extracted.code, 0, "{}", extracted.stderr);
    let action = export(&with_ui, "jsonrpc", &[]);
    assert!(
        action.contains("/web/action/load has no external equivalent; read the action instead"),
        "{action}"
    );
    let search_read = export("fixtures/odoo14-chrome.har", "jsonrpc", &["--step", "001"]);
    assert!(search_read.contains("\"web_search_read\""), "{search_read}");
    let xml = export("fixtures/demo-odoo16.har", "xmlrpc", &["--step", "001"]);
    assert!(
        xml.contains("<methodName>execute_kw</methodName>")
            && xml.contains("<string>{{api_key}}</string>"),
        "{xml}"
    );
    let json2 = export("fixtures/demo-odoo16.har", "json2", &["--step", "001"]);
    assert!(
        json2.contains("POST https://demo16.example.com/json/2/res.users/read")
            && json2.contains("\"ids\": [\n    2\n  ]"),
        "{json2}"
    );
    assert!(
        json2.contains("Authorization: bearer {{api_key}}"),
        "{json2}"
    );
}

#[test]
fn the_python_script_runs_and_gets_the_recorded_answers() {
    let dir = TempDir::new("export-python");
    let suite = recorded_suite(&dir);
    let script = dir.str("calls.py");
    assert_eq!(
        odoo_har(
            &["export", &suite, "--format", "python", "-o", &script],
            None
        )
        .code,
        0
    );
    let odoo = FakeOdoo::start();
    let output = std::process::Command::new("python3")
        .arg(&script)
        .env("ODOO_URL", &odoo.url)
        .env("ODOO_DB", DB)
        .env("ODOO_LOGIN", "admin")
        .env("ODOO_API_KEY", API_KEY)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<Value> = results.iter().map(|r| r["result"].clone()).collect();
    same_as_recorded(&suite, &got);
    assert_eq!(results[1]["step"], json!("002-res.partner.web_search_read"));
    assert_eq!(results.len(), 5);
    // Every call was a POST, the first the login.
    let requests = odoo.requests();
    assert!(
        requests
            .iter()
            .all(|(m, p, _)| m == "POST" && p == "/jsonrpc")
    );
    assert!(requests[0].2.contains("\"login\""));
    // An Odoo error is raised with Odoo's message.
    let wrong = std::process::Command::new("python3")
        .arg(&script)
        .env("ODOO_URL", &odoo.url)
        .env("ODOO_DB", DB)
        .env("ODOO_LOGIN", "admin")
        .env("ODOO_API_KEY", "wrong")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&wrong.stderr)
            .contains("OdooError: login refused for user admin on database fake_db")
    );
}

#[test]
fn the_curl_script_runs_and_gets_the_recorded_answers() {
    let dir = TempDir::new("export-curl");
    let suite = recorded_suite(&dir);
    let script = dir.str("calls.sh");
    assert_eq!(
        odoo_har(&["export", &suite, "--format", "curl", "-o", &script], None).code,
        0
    );
    let odoo = FakeOdoo::start();
    let output = std::process::Command::new("bash")
        .arg(&script)
        .env("ODOO_URL", &odoo.url)
        .env("ODOO_DB", DB)
        .env("ODOO_API_KEY", API_KEY)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<Value> = stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 5);
    same_as_recorded(
        &suite,
        &answers
            .iter()
            .map(|a| a["result"].clone())
            .collect::<Vec<_>>(),
    );
    assert!(
        answers.iter().all(|a| a.get("error").is_none()),
        "{answers:?}"
    );

    assert_eq!(
        odoo.record("res.partner", 50).unwrap()["phone"],
        json!("+32 2 290 34 90")
    );
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(!text.contains(API_KEY) && text.contains("\"$SECRET\""));
}

#[test]
fn hurl_and_k6_are_well_formed_and_chain_the_created_id() {
    let hurl = export("fixtures/demo-odoo16.har", "hurl", &[]);
    assert_eq!(
        hurl.matches("\nPOST {{url}}/jsonrpc\nContent-Type: application/json\n{")
            .count(),
        5,
        "{hurl}"
    );
    assert_eq!(hurl.matches("\nHTTP 200\n").count(), 5);
    assert!(
        hurl.contains("[Captures]\ns003_result: jsonpath \"$.result\"\n"),
        "{hurl}"
    );
    assert!(
        hurl.contains("{{s003_result}}")
            && hurl.contains("\"{{api_key}}\"")
            && hurl.contains("\"{{db}}\""),
        "{hurl}"
    );
    assert!(
        hurl.contains("jsonpath \"$.error\" not exists\njsonpath \"$.result\" isInteger"),
        "{hurl}"
    );
    for entry in hurl.split("\nPOST ").skip(1) {
        let body = entry
            .split_once("application/json\n")
            .unwrap()
            .1
            .split("\nHTTP 200")
            .next()
            .unwrap();
        let plain = body
            .replace("{{uid}}", "2")
            .replace("{{s003_result}}", "50");
        serde_json::from_str::<Value>(&plain)
            .unwrap_or_else(|e| panic!("the body is JSON once variables are set ({e}): {body}"));
    }
    let k6 = export("fixtures/demo-odoo16.har", "k6", &[]);
    assert!(
        k6.contains("export default function (data)") && k6.contains("export function setup()"),
        "{k6}"
    );
    assert!(k6.contains("const r004 = rpc('object', 'execute_kw', [DB, UID, SECRET, \"res.partner\", \"write\", [[s003_result],"), "{k6}");
    assert!(k6.contains("const s003_result = r003;"));
    for (open, close) in [('{', '}'), ('(', ')'), ('[', ']')] {
        assert_eq!(
            k6.matches(open).count(),
            k6.matches(close).count(),
            "{open}{close} balance in:\n{k6}"
        );
    }
}

/// The `[Asserts]` block of each Hurl entry, in order.
fn hurl_asserts(hurl: &str) -> Vec<String> {
    hurl.split("\nPOST ")
        .skip(1)
        .map(|entry| {
            let asserts = entry.split("[Asserts]\n").nth(1).unwrap_or_default();
            asserts.split("\n\n").next().unwrap().trim().to_string()
        })
        .collect()
}

#[test]
fn hurl_and_k6_assert_the_error_the_capture_answered_with() {
    // Recorded from the web client (an AccessError) and over XML-RPC (fault 4): the call must
    // meet the same exception again, not its absence.
    for capture in [
        "fixtures/odoo16-firefox.har",
        "fixtures/mitmproxy-external-api.har",
    ] {
        let asserts = hurl_asserts(&export(capture, "hurl", &[]));
        assert_eq!(
            asserts.last().unwrap(),
            "jsonpath \"$.error.data.name\" == \"odoo.exceptions.AccessError\"",
            "{capture}"
        );
        assert!(
            asserts[..asserts.len() - 1]
                .iter()
                .all(|a| a.starts_with("jsonpath \"$.error\" not exists")),
            "{capture}: {asserts:#?}"
        );
    }
    // A session expiry was the browser's session: a call with credentials must answer.
    let asserts = hurl_asserts(&export("fixtures/odoo19-chrome.har", "hurl", &[]));
    assert_eq!(
        asserts[0], "jsonpath \"$.error\" not exists",
        "{asserts:#?}"
    );
    assert_eq!(
        asserts.last().unwrap(),
        "jsonpath \"$.error.data.name\" == \"odoo.exceptions.MissingError\""
    );
    let k6 = export("fixtures/odoo16-firefox.har", "k6", &[]);
    assert!(
        k6.contains("\"001-res.partner.write\", \"odoo.exceptions.AccessError\");"),
        "{k6}"
    );
    assert!(k6.contains("as captured`] = () => found !== null"), "{k6}");
    // A call that answered is expected to answer again.
    let k6 = export("fixtures/demo-odoo16.har", "k6", &[]);
    assert!(k6.contains("\"001-res.users.read\");"), "{k6}");
}

/// A stand-in for the `locust` package (not installed here, nor in CI): enough of `HttpUser`
/// to run a locustfile's user once, over real HTTP, recording each request's verdict.
const LOCUST_STUB: &str = r#"
import json as _json, urllib.request
VERDICTS = []
def task(f):
    return f
class _Reply:
    def __init__(self, status, body, name):
        self.status_code, self.body, self.name = status, body, name
    def json(self):
        return _json.loads(self.body)
    def failure(self, why):
        VERDICTS.append([self.name, "failed: " + why])
    def success(self):
        VERDICTS.append([self.name, "ok"])
    def __enter__(self):
        return self
    def __exit__(self, *_):
        return False
class _Client:
    def __init__(self, host):
        self.host = host
    def post(self, path, json=None, name=None, catch_response=False):
        request = urllib.request.Request(self.host + path, _json.dumps(json).encode(), {"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as reply:
            return _Reply(reply.status, reply.read(), name)
class HttpUser:
    host = None
    def __init__(self):
        self.client = _Client(self.host)
"#;

/// Runs a locustfile's user against `url`: logs in, then replays the calls `rounds` times;
/// every request's name and verdict.
fn run_locust_user(dir: &TempDir, locustfile: &str, url: &str, rounds: usize) -> Vec<Value> {
    let stub = dir.join("stub/locust");
    std::fs::create_dir_all(&stub).unwrap();
    std::fs::write(stub.join("__init__.py"), LOCUST_STUB).unwrap();
    std::fs::write(
        stub.join("exception.py"),
        "class StopUser(Exception):\n    pass\n",
    )
    .unwrap();
    let run = format!(
        "import json, runpy, sys\nsys.path.insert(0, {:?})\nimport locust\nuser = runpy.run_path({locustfile:?})['OdooUser']()\nuser.on_start()\nfor _ in range({rounds}):\n    user.replay()\nprint(json.dumps(locust.VERDICTS))",
        dir.str("stub")
    );
    let output = std::process::Command::new("python3")
        .args(["-c", &run])
        .env("ODOO_URL", url)
        .env("ODOO_DB", DB)
        .env("ODOO_LOGIN", "admin")
        .env("ODOO_PASSWORD", PASSWORD)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_locustfile_compiles_chains_created_ids_and_expects_captured_errors() {
    let dir = TempDir::new("export-locust");
    let suite = recorded_suite(&dir);
    let locustfile = dir.str("locustfile.py");
    let run = odoo_har(
        &["export", &suite, "--format", "locust", "-o", &locustfile],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let compiled = std::process::Command::new("python3")
        .args(["-m", "py_compile", &locustfile])
        .output()
        .unwrap();
    assert!(compiled.status.success(), "{compiled:?}");
    let text = std::fs::read_to_string(&locustfile).unwrap();
    assert!(
        text.contains("        s003_result = r003\n")
            && text.contains("\"write\", [[s003_result], {\"phone\"")
            && text.contains(
                "SECRET = os.environ.get(\"ODOO_API_KEY\") or os.environ.get(\"ODOO_PASSWORD\")"
            )
            && !text.contains(PASSWORD),
        "{text}"
    );
    // Two rounds: each creates its own partner and writes and reads that one.
    let odoo = FakeOdoo::start();
    let verdicts = run_locust_user(&dir, &locustfile, &odoo.url, 2);
    assert_eq!(verdicts.len(), 1 + 2 * 5, "{verdicts:?}");
    assert_eq!(verdicts[0], json!(["common.login", "ok"]));
    assert!(verdicts.iter().all(|v| v[1] == "ok"), "{verdicts:#?}");
    let bodies: Vec<Value> = odoo
        .requests()
        .iter()
        .map(|(_, _, body)| serde_json::from_str(body).unwrap())
        .collect();
    let written: Vec<i64> = bodies
        .iter()
        .filter(|b| b["params"]["args"][4] == "write")
        .map(|b| b["params"]["args"][5][0][0].as_i64().unwrap())
        .collect();
    // A literal id would write one partner twice; linked, each round's own partner is written.
    assert_eq!(written.len(), 2);
    assert_ne!(written[0], written[1]);
    for id in written {
        let partner = odoo.record("res.partner", id).unwrap();
        assert_eq!(
            (&partner["email"], &partner["phone"]),
            (
                &json!("demo.partner@example.com"),
                &json!("+32 2 290 34 90")
            )
        );
    }
    // A call the capture saw refused must be refused again to pass.
    let firefox = dir.str("firefox.py");
    let run = odoo_har(
        &[
            "export",
            "fixtures/odoo16-firefox.har",
            "--format",
            "locust",
            "-o",
            &firefox,
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mock = odoo_har::mock::server::Mock::of_suite(
        &odoo_har::template::load::suite_or_captures(
            &["fixtures/odoo16-firefox.har".into()],
            false,
        )
        .unwrap()
        .0,
        None,
        false,
    )
    .unwrap();
    let server = odoo_har::mock::server::Background::start(
        std::sync::Arc::new(mock),
        "127.0.0.1:0".parse().unwrap(),
        std::sync::Arc::new(|_: &str| {}),
    )
    .unwrap();
    let verdicts = run_locust_user(&dir, &firefox, &server.url(), 1);
    assert_eq!(
        Value::Array(verdicts),
        json!([["common.login", "ok"], ["001-res.partner.write", "ok"]])
    );
}

#[test]
fn one_file_per_call_and_template_overrides() {
    let dir = TempDir::new("export-files");
    let out = format!("{}/", dir.str("hurl"));
    let run = odoo_har(
        &[
            "export",
            "fixtures/demo-odoo16.har",
            "--format",
            "hurl",
            "-o",
            &out,
        ],
        None,
    );
    assert!(run.stdout.contains("wrote 5 files"), "{}", run.stdout);
    assert!(dir.join("hurl/004-res.partner.write.hurl").exists());
    std::fs::create_dir_all(dir.join("mine")).unwrap();
    std::fs::write(
        dir.join("mine/export.curl.hbs"),
        "{{#each calls}}{{name}} {{model}}\n{{/each}}",
    )
    .unwrap();
    let custom = odoo_har(
        &[
            "export",
            "fixtures/demo-odoo16.har",
            "--format",
            "curl",
            "--templates",
            &dir.str("mine"),
            "--model",
            "res.users",
        ],
        None,
    );
    assert_eq!(custom.stdout, "001-res.users.read res.users\n");
    let none = odoo_har(
        &[
            "export",
            "fixtures/demo-odoo16.har",
            "--format",
            "curl",
            "--model",
            "nothing.here",
        ],
        None,
    );
    assert_eq!(none.code, 2);
}
