//! `replay` against the Odoo-compatible test server, in every mode and under faults.

use crate::common;
use crate::fake_odoo;

use std::sync::atomic::Ordering;

use common::{Run, TempDir, odoo_har_env};
use fake_odoo::{API_KEY, DB, FakeOdoo, PASSWORD};
use serde_json::{Value, json};

fn replay(odoo: &FakeOdoo, input: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec![
        "replay", input, "--url", &odoo.url, "--db", DB, "--login", "admin",
    ];
    args.extend(extra);
    odoo_har_env(&args, None, env)
}

fn with_password() -> [(&'static str, &'static str); 1] {
    [("ODOO_PASSWORD", PASSWORD)]
}

fn with_key() -> [(&'static str, &'static str); 1] {
    [("ODOO_API_KEY", API_KEY)]
}

fn suite(fixture: &str, dir: &TempDir, extra: &[&str]) -> String {
    let out = dir.str("suite");
    let capture = format!("fixtures/{fixture}");
    let mut args = vec!["extract", capture.as_str(), "-o", out.as_str()];
    args.extend(extra);
    let run = odoo_har_env(&args, None, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    out
}

/// A suite of the demo capture whose baselines are what a fresh test server answers:
/// extracted, then recorded with `replay --update` against a server of its own.
fn matching_suite(dir: &TempDir, extra: &[&str]) -> String {
    let out = suite("demo-odoo16.har", dir, extra);
    let recorder = FakeOdoo::start();
    let run = replay(
        &recorder,
        &out,
        &["--update", "--jobs", "1"],
        &with_password(),
    );
    // A capture the test server answers alike already (a create's new id is mapped) has
    // nothing to update.
    assert!(
        run.code == 0 || run.stdout.contains("updated the baseline of"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    out
}

fn paths(odoo: &FakeOdoo) -> Vec<String> {
    odoo.requests()
        .into_iter()
        .map(|(method, path, _)| format!("{method} {path}"))
        .collect()
}

#[test]
fn session_mode_replays_the_web_routes_and_chains_the_created_id() {
    let odoo = FakeOdoo::start();
    let dir = TempDir::new("replay-session");
    let suite = matching_suite(&dir, &[]);
    let run = replay(&odoo, &suite, &["--jobs", "8"], &with_password());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "in session mode (a password was given and the suite came from the web client), uid 2"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("5 passed, 0 differs, 0 failed, 0 skipped (5 of 5 steps sent)"),
        "{}",
        run.stdout
    );
    // The create got id 50 on this server (51 in the capture); the write went to 50.
    assert_eq!(
        odoo.record("res.partner", 50).unwrap()["phone"],
        json!("+32 2 290 34 90")
    );
    let sent = paths(&odoo);
    assert_eq!(sent[0], "POST /web/session/authenticate");
    assert!(sent.iter().all(|p| p.starts_with("POST /web/")), "{sent:?}");
    assert!(sent.contains(&"POST /web/dataset/call_kw/res.partner/write".to_string()));
}

#[test]
fn auto_mode_says_a_script_recording_uses_the_external_api_and_sends_its_version_probe() {
    // Recorded from a script (mitmproxy): `/jsonrpc` and XML-RPC calls, and OdooRPC's
    // `/web/webclient/version_info` probe, which Odoo serves without a session.
    let odoo = FakeOdoo::start();
    let input = "fixtures/mitmproxy-external-api.har";
    let run = replay(&odoo, input, &["--jobs", "1"], &with_password());
    assert!(
        run.stderr.contains(
            "in jsonrpc mode (a password was given and the suite uses the external API), uid 2"
        ),
        "{}",
        run.stderr
    );
    // The probe is sent and answered; the other steps are judged (this server's data is not
    // the recording's, and it lets admin rename partner 1), none skipped for the mode.
    assert!(
        run.stdout
            .contains("passed   001-web.webclient.version_info")
            && !run.stdout.lines().any(|l| l.starts_with("skipped")),
        "{}",
        run.stdout
    );
    let sent = paths(&odoo);
    assert!(
        sent.contains(&"POST /web/webclient/version_info".to_string())
            && !sent.contains(&"POST /web/session/authenticate".to_string()),
        "{sent:?}"
    );
    let dry = replay(&odoo, input, &["--dry-run"], &with_password());
    assert!(
        dry.stdout.starts_with("# dry run: jsonrpc mode"),
        "{}",
        dry.stdout
    );
}

#[test]
fn very_verbose_shows_each_exchange_with_secrets_masked() {
    let odoo = FakeOdoo::start();
    let dir = TempDir::new("replay-very-verbose");
    let suite = matching_suite(&dir, &[]);
    let run = replay(
        &odoo,
        &suite,
        &["--jobs", "1", "--very-verbose", "--quiet"],
        &with_password(),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("* 001-res.users.read (1 try, "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "> POST {}/web/dataset/call_kw/res.users/read\n",
            odoo.url
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("> Cookie: session_id=REDACTED\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("< 200\n"), "{}", run.stderr);
    assert!(
        run.stderr.contains(">     \"model\": \"res.users\"\n"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("\n< 200\n").count(), 5, "{}", run.stderr);
    // --quiet still drops the per-step lines; --very-verbose writes to stderr only.
    assert!(!run.stdout.contains("res.users.read"), "{}", run.stdout);
    let plain = replay(&odoo, &suite, &["--verbose"], &with_password());
    assert!(plain.stderr.contains("< 200\n"), "{}", plain.stderr);
    assert!(!plain.stderr.contains("\"model\""), "{}", plain.stderr);
}

#[test]
fn jsonrpc_mode_converts_web_calls_to_execute_kw_with_an_api_key() {
    let odoo = FakeOdoo::start();
    let dir = TempDir::new("jsonrpc_mode_convert");
    let suite = matching_suite(&dir, &[]);
    let run = replay(&odoo, &suite, &[], &with_key());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("in jsonrpc mode (an API key was given)"),
        "{}",
        run.stderr
    );
    let requests = odoo.requests();
    assert!(
        requests
            .iter()
            .all(|(m, p, _)| m == "POST" && p == "/jsonrpc"),
        "{requests:?}"
    );
    let write = requests
        .iter()
        .find(|(_, _, body)| body.contains("\"write\""))
        .unwrap();
    let body: Value = serde_json::from_str(&write.2).unwrap();
    assert_eq!(
        body["params"]["args"],
        json!([DB, 2, API_KEY, "res.partner", "write", [[50], {"phone": "+32 2 290 34 90"}], {"context": {"allowed_company_ids": [1], "lang": "en_US", "tz": "Europe/Brussels", "uid": 2}}])
    );
    assert_eq!(
        odoo.record("res.partner", 50).unwrap()["phone"],
        json!("+32 2 290 34 90")
    );
}

#[test]
fn json2_mode_names_arguments_and_reports_what_cannot_be_converted() {
    let odoo = FakeOdoo::start_version(19);
    let run = replay(&odoo, "fixtures/odoo19-minimal.har", &[], &with_key());
    assert!(
        run.stderr
            .contains("in json2 mode (only an API key was given and the server is Odoo 19; parameter names from the server for 1 model (19.0))"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("skipped  001-web.session.get_session_info")
            && run.stdout.contains("cannot be sent in json2 mode"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("1 skipped (1 not sendable in this run) (4 of 5 steps sent)"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);
    let requests = odoo.requests();
    let count = requests
        .iter()
        .find(|(_, p, _)| p == "/json/2/res.partner/search_count")
        .expect("execute_kw became JSON-2");
    assert_eq!(
        serde_json::from_str::<Value>(&count.2).unwrap(),
        json!({"domain": [["is_company", "=", true]], "context": {"lang": "fr_BE"}})
    );
}

#[test]
fn refused_logins_stop_the_run_with_exit_2() {
    let odoo = FakeOdoo::start();
    let run = replay(
        &odoo,
        "fixtures/demo-odoo16.har",
        &[],
        &[("ODOO_PASSWORD", "wrong")],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("login refused for user admin on database fake_db: odoo.exceptions.AccessDenied: Access Denied"), "{}", run.stderr);
    let run = replay(
        &odoo,
        "fixtures/demo-odoo16.har",
        &["--mode", "jsonrpc"],
        &[("ODOO_API_KEY", "not-the-key")],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("common.login answered false"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not-the-key") && !run.stdout.contains("not-the-key"));
    let none = replay(&odoo, "fixtures/demo-odoo16.har", &[], &[]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr
            .contains("no credentials: set ODOO_PASSWORD or ODOO_API_KEY"),
        "{}",
        none.stderr
    );
    let nowhere = odoo_har_env(
        &["replay", "fixtures/demo-odoo16.har"],
        None,
        &with_password(),
    );
    assert_eq!(nowhere.code, 2);
    assert!(
        nowhere.stderr.contains("give --url or ODOO_URL"),
        "{}",
        nowhere.stderr
    );
}

#[test]
fn an_expired_session_is_renewed_once_and_the_step_sent_again() {
    let odoo = FakeOdoo::start();
    let dir = TempDir::new("an_expired_session_i");
    let suite = matching_suite(&dir, &[]);
    odoo.faults().session_calls.store(2, Ordering::SeqCst);
    let run = replay(&odoo, &suite, &["--jobs", "1"], &with_password());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let logins = paths(&odoo)
        .iter()
        .filter(|p| p.ends_with("/web/session/authenticate"))
        .count();
    assert_eq!(logins, 3, "{:?}", paths(&odoo));
}

#[test]
fn password_from_standard_input() {
    let odoo = FakeOdoo::start();
    let dir = TempDir::new("password_from_standa");
    let suite = matching_suite(&dir, &[]);
    let input = format!("{PASSWORD}\n");
    let run = odoo_har_env(
        &[
            "replay",
            &suite,
            "--url",
            &odoo.url,
            "--db",
            DB,
            "--login",
            "admin",
            "--password-stdin",
        ],
        Some(input.as_bytes()),
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn timeouts_fail_reads_and_retries_are_counted() {
    let odoo = FakeOdoo::start();
    let dir = TempDir::new("replay-timeout");
    let suite = suite("demo-odoo16.har", &dir, &["--model", "res.users"]);
    odoo.faults().delay_ms.store(400, Ordering::SeqCst);
    let run = replay(
        &odoo,
        &suite,
        &[
            "--mode",
            "jsonrpc",
            "--uid",
            "2",
            "--timeout",
            "0.1",
            "--retry",
            "1",
        ],
        &with_key(),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("FAILED   001-res.users.read")
            && run
                .stdout
                .contains("no answer within 0.1 s (--timeout) (2 tries)"),
        "{}",
        run.stdout
    );
}

#[test]
fn gateway_errors_are_retried_for_reads_and_for_writes_only_when_allowed() {
    let odoo = FakeOdoo::start();
    let dir = TempDir::new("replay-502");
    let creates = matching_suite(&dir, &["--method", "create"]);
    odoo.faults().fail_status.store(502, Ordering::SeqCst);
    odoo.faults().fail_next.store(1, Ordering::SeqCst);
    let run = replay(
        &odoo,
        &creates,
        &["--mode", "jsonrpc", "--uid", "2", "--retry", "2"],
        &with_key(),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("HTTP 502: an HTML page instead of JSON"),
        "{}",
        run.stdout
    );
    odoo.faults().fail_next.store(1, Ordering::SeqCst);
    let run = replay(
        &odoo,
        &creates,
        &[
            "--mode",
            "jsonrpc",
            "--uid",
            "2",
            "--retry",
            "2",
            "--retry-writes",
        ],
        &with_key(),
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    odoo.faults().fail_next.store(2, Ordering::SeqCst);
    let dir = TempDir::new("replay-502-read");
    let read = matching_suite(&dir, &["--model", "res.users"]);
    let run = replay(
        &odoo,
        &read,
        &["--mode", "jsonrpc", "--uid", "2", "--retry", "2"],
        &with_key(),
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn cut_connections_html_pages_and_non_json_rpc_answers_are_named() {
    let odoo = FakeOdoo::start();
    let dir = TempDir::new("replay-faults");
    let read = matching_suite(&dir, &["--model", "res.users"]);
    let args = ["--mode", "jsonrpc", "--uid", "2"];
    odoo.faults().cut_next.store(1, Ordering::SeqCst);
    let run = replay(&odoo, &read, &args, &with_key());
    assert!(
        run.stdout
            .contains("the connection broke before the answer was complete"),
        "{}",
        run.stdout
    );
    odoo.faults().cut_next.store(1, Ordering::SeqCst);
    let retried = replay(
        &odoo,
        &read,
        &["--mode", "jsonrpc", "--uid", "2", "--retry", "1"],
        &with_key(),
    );
    assert_eq!(retried.code, 0, "{}", retried.stdout);
    odoo.faults().html_login.store(true, Ordering::SeqCst);
    let run = replay(&odoo, &read, &args, &with_key());
    assert!(
        run.stdout.contains(
            "HTTP 200: an HTML login page instead of JSON: the session was not logged in"
        ),
        "{}",
        run.stdout
    );
    odoo.faults().html_login.store(false, Ordering::SeqCst);
    odoo.faults().not_json_rpc.store(true, Ordering::SeqCst);
    let run = replay(&odoo, &read, &args, &with_key());
    assert!(
        run.stdout.contains("JSON that is not a JSON-RPC answer"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);
}

#[test]
fn serialization_failures_are_retried_even_for_writes() {
    let odoo = FakeOdoo::start();
    let dir = TempDir::new("serialization_failur");
    let full = matching_suite(&dir, &[]);
    odoo.faults().serialization_next.store(1, Ordering::SeqCst);
    let run = replay(
        &odoo,
        &full,
        &["--retry", "1", "--jobs", "1"],
        &with_password(),
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    odoo.faults().serialization_next.store(1, Ordering::SeqCst);
    let dir = TempDir::new("replay-serial");
    let creates = suite("demo-odoo16.har", &dir, &["--only-writes"]);
    let run = replay(&odoo, &creates, &["--jobs", "1"], &with_password());
    // Without --retry the create gets the error, and the write that needs its id is skipped.
    assert!(
        run.stdout.contains("FAILED   001-res.partner.create")
            && run.stdout.contains("psycopg2.errors.SerializationFailure"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("skipped  002-res.partner.write")
            && run
                .stdout
                .contains("depends on 001-res.partner.create, which got an Odoo error"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_server_that_goes_away_leaves_every_step_with_a_verdict() {
    let odoo = FakeOdoo::start();
    odoo.faults().stop_after.store(3, Ordering::SeqCst);
    let run = replay(
        &odoo,
        "fixtures/demo-odoo16.har",
        &["--jobs", "1"],
        &with_password(),
    );
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().filter(|l| l.contains(" 00")).collect();
    assert_eq!(lines.len(), 5, "{}", run.stdout);
    assert!(run.stdout.contains("of 5 steps sent)"), "{}", run.stdout);
    assert!(run.stdout.contains("FAILED"), "{}", run.stdout);
}

#[test]
fn nothing_listening_is_a_failure_per_step_and_retries_are_made() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let run = odoo_har_env(
        &[
            "replay",
            "fixtures/demo-odoo16.har",
            "--url",
            &url,
            "--db",
            DB,
            "--mode",
            "jsonrpc",
            "--uid",
            "2",
            "--retry",
            "2",
        ],
        None,
        &with_key(),
    );
    assert_eq!(run.code, 1);
    // A refused connection never reached the server, so even the create is tried again.
    assert_eq!(
        run.stdout
            .matches("connection refused (os error 111) (3 tries)")
            .count(),
        3,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(3 tries)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("skipped  004-res.partner.write")
            && run.stdout.contains("which failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn fail_fast_stops_starting_steps() {
    let odoo = FakeOdoo::start();
    odoo.faults().html_login.store(true, Ordering::SeqCst);
    let run = replay(
        &odoo,
        "fixtures/demo-odoo16.har",
        &[
            "--mode",
            "jsonrpc",
            "--uid",
            "2",
            "--jobs",
            "1",
            "--fail-fast",
        ],
        &with_key(),
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout
            .matches("not run: --fail-fast stopped the run after 001-res.users.read failed")
            .count(),
        4,
        "{}",
        run.stdout
    );
}

#[test]
fn dry_run_sends_nothing_and_masks_secrets() {
    let odoo = FakeOdoo::start();
    let run = replay(
        &odoo,
        "fixtures/demo-odoo16.har",
        &["--dry-run", "--mode", "jsonrpc"],
        &with_key(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(odoo.requests().is_empty());
    assert!(
        run.stdout.contains("POST /jsonrpc") && run.stdout.contains("\"***\""),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(API_KEY));
    let session = replay(
        &odoo,
        "fixtures/odoo19-minimal.har",
        &["--dry-run", "--mode", "json2"],
        &with_key(),
    );
    assert!(
        session.stdout.contains("Authorization: bearer ***")
            && session.stdout.contains("X-Odoo-Database: fake_db"),
        "{}",
        session.stdout
    );
}

#[test]
fn the_replay_is_saved_as_a_har_without_secrets() {
    let odoo = FakeOdoo::start();
    let dir = TempDir::new("replay-har");
    let suite = matching_suite(&dir, &[]);
    let har = dir.str("replay.har");
    let run = replay(&odoo, &suite, &["--save-har", &har], &with_password());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&har).unwrap();
    assert!(!text.contains(PASSWORD));
    let calls: Value =
        serde_json::from_str(&odoo_har_env(&["inspect", &har, "--json"], None, &[]).stdout)
            .unwrap();
    assert_eq!(calls.as_array().unwrap().len(), 5);
    assert_eq!(calls[2]["method"], json!("create"));
    let har: Value = serde_json::from_str(&text).unwrap();
    let cookie = har["log"]["entries"][0]["request"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Cookie")
        .unwrap();
    assert_eq!(cookie["value"], json!("session_id=REDACTED"));
}
