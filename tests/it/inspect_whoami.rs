//! `inspect` and `whoami` run as a user runs them: the binary, real files, exit codes.

use crate::common;

use std::path::{Path, PathBuf};

use common::{SECRETS, TempDir, odoo_har};
use serde_json::{Value, json};

fn json_of(args: &[&str]) -> Value {
    let run = odoo_har(args, None);
    assert_eq!(run.code, 0, "{args:?} failed: {}", run.stderr);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {}", run.stdout))
}

fn whoami(fixture: &str) -> Value {
    json_of(&["whoami", &format!("fixtures/{fixture}"), "--json"])
}

#[test]
fn whoami_reads_the_odoo_16_page_session_info_like_the_seed_does_by_hand() {
    let me = whoami("demo-odoo16.har");
    assert_eq!(me["uid"], json!(2));
    assert_eq!(me["db"], json!("demo16"));
    assert_eq!(me["login"], json!("admin"));
    assert_eq!(me["name"], json!("Mitchell Admin"));
    assert_eq!(me["url"], json!("https://demo16.example.com"));
    assert_eq!(me["server_version"], json!("16.0"));
    assert_eq!(
        me["context"],
        json!({"lang": "en_US", "tz": "Europe/Brussels", "allowed_company_ids": [1]})
    );
    assert_eq!(me["company"], json!({"id": 1, "name": "YourCompany"}));
    assert_eq!(
        me["sources"]["uid"],
        json!("entry 2 response html odoo.__session_info__.uid")
    );
    assert_eq!(
        me["seen"],
        json!({"session_cookie": true, "password": true, "api_key": false, "csrf_token": true})
    );
    assert_eq!(me["conflicts"], json!([]));
}

#[test]
fn whoami_per_version_and_export_style() {
    let v14 = whoami("odoo14-chrome.har");
    assert_eq!(
        (v14["db"].clone(), v14["company"].clone()),
        (json!("v14"), json!({"id": 1, "name": "YourCompany"}))
    );
    assert_eq!(
        v14["sources"]["db"],
        json!("entry 0 response html odoo.session_info.db")
    );

    let v16 = whoami("odoo16-firefox.har");
    assert_eq!(
        v16["sources"]["password"],
        json!("entry 0 request form password")
    );
    assert_eq!(v16["db"], json!("odoo_lab"));

    let v17 = whoami("odoo17-chrome-sanitized.har");
    assert_eq!(v17["sources"]["db"], json!("entry 0 response result.db"));
    assert_eq!(v17["seen"]["session_cookie"], json!(false));
    assert!(
        v17["notes"][0].as_str().unwrap().contains("sanitized"),
        "{}",
        v17["notes"]
    );

    let v18 = whoami("odoo18-chrome.har");
    assert_eq!(v18["context"]["allowed_company_ids"], json!([1, 3]));
    assert_eq!(v18["server_version"], json!("18.0"));

    let v19 = whoami("odoo19-minimal.har");
    assert_eq!(v19["sources"]["uid"], json!("entry 0 response result.uid"));
    assert_eq!(v19["context"]["lang"], json!("fr_BE"));
    assert_eq!(v19["seen"]["api_key"], json!(true));
    assert_eq!(v19["db"], json!("odoo19_lab"));
}

#[test]
fn every_version_in_every_export_style_gives_the_same_identity() {
    let cases = [
        ("odoo14-chrome.har", "v14", "14.0"),
        ("odoo14-firefox.har", "v14", "14.0"),
        ("demo-odoo16.har", "demo16", "16.0"),
        ("odoo16-firefox.har", "odoo_lab", "16.0"),
        ("odoo17-chrome-sanitized.har", "odoo17_lab", "17.0"),
        ("odoo17-firefox.har", "odoo17_lab", "17.0"),
        ("odoo18-chrome.har", "odoo18_lab", "18.0"),
        ("odoo18-firefox.har", "odoo18_lab", "18.0"),
        ("odoo19-chrome.har", "odoo19_lab", "19.0"),
        ("odoo19-firefox.har", "odoo19_lab", "19.0"),
        ("odoo19-minimal.har", "odoo19_lab", "19.0"),
    ];
    for (fixture, db, version) in cases {
        let me = whoami(fixture);
        assert_eq!(
            (
                me["uid"].clone(),
                me["db"].clone(),
                me["server_version"].clone()
            ),
            (json!(2), json!(db), json!(version)),
            "{fixture}"
        );
        assert_eq!(me["company"]["id"], json!(1), "{fixture}");
        assert_eq!(me["conflicts"], json!([]), "{fixture}");
        let sanitized = fixture.contains("sanitized");
        assert_eq!(me["seen"]["session_cookie"], json!(!sanitized), "{fixture}");
        let calls = json_of(&["inspect", &format!("fixtures/{fixture}"), "--all", "--json"]);
        assert!(
            calls
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["status"] == 200 || c["status"] == 303 || c["status"] == 404),
            "{fixture}"
        );
    }
    let firefox = json_of(&[
        "inspect",
        "fixtures/odoo18-firefox.har",
        "--errors",
        "--json",
    ]);
    assert_eq!(
        firefox[0]["error"],
        json!("odoo.exceptions.ValidationError")
    );
}

#[test]
fn whoami_on_a_snippet_finds_the_uid_and_says_how_to_get_the_database() {
    let me = whoami("curl-chrome.sh");
    assert_eq!(me["uid"], json!(2));
    assert_eq!(
        me["sources"]["uid"],
        json!("entry 0 request params.kwargs.context.uid")
    );
    assert_eq!(me["db"], Value::Null);
    assert!(me["notes"][0].as_str().unwrap().contains("?debug=1"));
    let text = odoo_har(&["whoami", "fixtures/curl-chrome.sh"], None);
    assert!(
        text.stdout.contains("database        not found"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("note: the database name is not in this capture"),
        "{}",
        text.stdout
    );
}

#[test]
fn whoami_names_the_file_when_reading_several_and_reports_conflicts() {
    let me = json_of(&[
        "whoami",
        "fixtures/demo-odoo16.har",
        "fixtures/odoo14-chrome.har",
        "--json",
    ]);
    assert_eq!(
        me["sources"]["uid"],
        json!("fixtures/demo-odoo16.har entry 2 response html odoo.__session_info__.uid")
    );
    let db = me["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "db")
        .expect("two databases are a conflict");
    let values: Vec<&Value> = db["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["value"])
        .collect();
    assert_eq!(values, vec![&json!("demo16"), &json!("v14")]);
}

#[test]
fn snippets_and_payloads_from_every_source() {
    for fixture in [
        "curl-chrome.sh",
        "curl-firefox.sh",
        "fetch-chrome.js",
        "fetch-firefox.js",
        "payload-call_kw.json",
    ] {
        let calls = json_of(&["inspect", &format!("fixtures/{fixture}"), "--json"]);
        let first = &calls[0];
        assert_eq!(
            (
                first["kind"].clone(),
                first["model"].clone(),
                first["method"].clone()
            ),
            (json!("call_kw"), json!("res.users"), json!("read")),
            "{fixture}"
        );
        assert_eq!(first["ids"], json!([2]), "{fixture}");
    }
    let ansi = json_of(&["inspect", "fixtures/curl-chrome.sh", "--json"]);
    assert_eq!(ansi[1]["domain"], json!([["name", "ilike", "l'atelier"]]));
}

#[test]
fn standard_input_and_payload_urls() {
    let snippet = std::fs::read("fixtures/fetch-firefox.js").unwrap();
    let run = odoo_har(&["inspect", "-", "--json"], Some(&snippet));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let calls: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(calls[0]["file"], json!("-"));
    let payload = br#"{"params":{"action_id":7}}"#;
    let refused = odoo_har(&["inspect", "-"], Some(payload));
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("-: this payload does not say where it was sent"),
        "{}",
        refused.stderr
    );
    let given = odoo_har(
        &[
            "whoami",
            "-",
            "--url",
            "https://x.example.com/web/action/load",
            "--json",
        ],
        Some(payload),
    );
    assert_eq!(
        serde_json::from_str::<Value>(&given.stdout).unwrap()["url"],
        json!("https://x.example.com")
    );
}

#[test]
fn a_payload_given_its_server_url_keeps_its_call_and_context() {
    // `--url` with the server only, as the README says to give it: the call and the uid in
    // its context are found, as without --url, and the URL is the server's.
    for url in [None, Some("http://127.0.0.1:8069")] {
        let mut args = vec!["whoami", "fixtures/payload-call_kw.json", "--json"];
        args.extend(url.iter().flat_map(|u| ["--url", u]));
        let identity = json_of(&args);
        assert_eq!(identity["uid"], json!(2), "{url:?}: {identity}");
        assert_eq!(identity["context"]["tz"], json!("Europe/Brussels"));
        if url.is_some() {
            assert_eq!(identity["url"], json!("http://127.0.0.1:8069"));
        }
        args[0] = "inspect";
        let calls = json_of(&args);
        assert_eq!(
            (&calls[0]["kind"], &calls[0]["model"], &calls[0]["method"]),
            (&json!("call_kw"), &json!("res.users"), &json!("read")),
            "{url:?}"
        );
    }
}

#[test]
fn a_script_recorded_through_mitmproxy_reads_like_a_browser_capture() {
    let capture = "fixtures/mitmproxy-external-api.har";
    let calls = json_of(&["inspect", capture, "--json"]);
    let seen: Vec<String> = calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let call = match (c["model"].as_str(), c["service"].as_str()) {
                (Some(model), _) => format!("{model}.{}", c["method"].as_str().unwrap()),
                (None, Some(service)) => format!("{service}.{}", c["method"].as_str().unwrap()),
                _ => c["route"].as_str().unwrap().to_string(),
            };
            format!("{} {call}", c["kind"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        seen,
        [
            "version_info /web/webclient/version_info",
            "xmlrpc common.version",
            "xmlrpc common.login",
            "xmlrpc common.login",
            "jsonrpc res.users.read",
            "xmlrpc res.partner.web_search_read",
            "jsonrpc res.partner.create",
            "xmlrpc res.partner.write",
            "jsonrpc res.partner.read",
            "xmlrpc res.partner.write",
        ]
    );
    assert_eq!(calls[9]["error"], json!("odoo.exceptions.AccessError"));
    let identity = json_of(&["whoami", capture, "--json"]);
    assert_eq!(
        (&identity["uid"], &identity["db"], &identity["login"]),
        (&json!(2), &json!("demo16"), &json!("admin"))
    );
    assert_eq!(identity["seen"]["password"], json!(true));
    let dir = TempDir::new("mitmproxy-extract");
    let out = dir.str("suite");
    let run = odoo_har(&["extract", capture, "-o", &out], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The id the JSON-RPC create answered is what the XML-RPC write and the read then use.
    assert!(
        run.stdout.contains("2 values linked between steps")
            && run
                .stdout
                .contains("006-res.partner.write  uses s005_result")
            && run
                .stdout
                .contains("007-res.partner.read  uses s005_result"),
        "{}",
        run.stdout
    );
    let manifest = std::fs::read_to_string(dir.join("suite/odoo-har.toml")).unwrap();
    assert!(!manifest.contains(SECRETS[0]), "{manifest}");
}

#[test]
fn inspect_lists_calls_with_status_errors_and_durations() {
    let calls = json_of(&["inspect", "fixtures/odoo19-minimal.har", "--json"]);
    let kinds: Vec<&str> = calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["session_info", "call_kw", "jsonrpc", "json2", "json2"]
    );
    assert_eq!(
        calls[1]["error"],
        json!("odoo.http.SessionExpiredException")
    );
    assert_eq!(calls[4]["status"], json!(404));
    assert_eq!(calls[4]["error"], json!("odoo.exceptions.MissingError"));
    assert_eq!(
        calls[4]["error_message"],
        json!("Record does not exist or has been deleted.")
    );
    assert_eq!(calls[2]["service"], json!("object"));

    let demo = json_of(&["inspect", "fixtures/demo-odoo16.har", "--json"]);
    let read = &demo[2];
    assert_eq!(
        (read["entry"].clone(), read["route"].clone()),
        (json!(4), json!("/web/dataset/call_kw/res.users/read"))
    );
    assert_eq!(read["status"], json!(200));
    assert_eq!(read["duration_ms"], json!(16.5));
    assert_eq!(read["time"], json!("2026-11-20T09:15:00.685Z"));
    assert_eq!(
        demo[3]["domain"],
        json!([["is_company", "=", true], ["name", "ilike", "a"]])
    );
}

#[test]
fn inspect_filters() {
    let partner_web = json_of(&[
        "inspect",
        "fixtures/demo-odoo16.har",
        "--model",
        "res.partner",
        "--method",
        "web_*",
        "--json",
    ]);
    assert_eq!(partner_web.as_array().unwrap().len(), 1);
    assert_eq!(partner_web[0]["method"], json!("web_search_read"));
    let errors = json_of(&[
        "inspect",
        "fixtures/odoo18-chrome.har",
        "fixtures/odoo16-firefox.har",
        "--errors",
        "--json",
    ]);
    let names: Vec<&str> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["error"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "odoo.exceptions.ValidationError",
            "odoo.exceptions.AccessError"
        ]
    );
    let all = json_of(&["inspect", "fixtures/demo-odoo16.har", "--all", "--json"]);
    assert_eq!(all.as_array().unwrap().len(), 9);
    assert_eq!(all[3]["kind"], json!("not_odoo"));
    let table = odoo_har(&["inspect", "fixtures/demo-odoo16.har"], None);
    assert!(
        table
            .stdout
            .contains("9 entries, 7 Odoo calls (0 failed), 2 other requests (--all lists them)"),
        "{}",
        table.stdout
    );
    let bad_glob = odoo_har(
        &[
            "inspect",
            "fixtures/demo-odoo16.har",
            "--model",
            "res.[partner",
        ],
        None,
    );
    assert_eq!(bad_glob.code, 2);
    assert!(
        bad_glob
            .stderr
            .contains("--model res.[partner: not a glob pattern"),
        "{}",
        bad_glob.stderr
    );
}

#[test]
fn secrets_in_captures_are_never_printed() {
    let fixtures: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "py" && e != "md"))
        .collect();
    assert!(fixtures.len() >= 11);
    for fixture in &fixtures {
        let path = fixture.to_str().unwrap();
        for args in [
            vec!["whoami", path],
            vec!["whoami", path, "--json"],
            vec!["inspect", path, "--all"],
            vec!["inspect", path, "--all", "--json"],
        ] {
            let run = odoo_har(&args, None);
            assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
            for secret in SECRETS {
                assert!(
                    !run.stdout.contains(secret) && !run.stderr.contains(secret),
                    "{args:?} printed the secret {secret}"
                );
            }
        }
    }
}

/// Bad input: one clear message naming the file and the place, exit 2, never a panic.
#[test]
fn bad_input_is_refused_with_file_place_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("odoo-har-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: [(&str, &[u8], &str); 9] = [
        ("not-json.har", b"{\"log\": ]}", "line 1, column 9: expected value"),
        ("truncated.har", b"{\"log\":{\"version\":\"1.2\",\"entries\":[{\"request\":{\"url\":\"http://h/x\",", "line 1, column 66: EOF while parsing a value"),
        ("other.json", b"{\"data\": [1, 2]}", "this payload does not say where it was sent"),
        ("old.har", b"{\"log\":{\"version\":\"1.1\",\"entries\":[]}}", "at log.version: unsupported HAR version \"1.1\""),
        ("junk.bin", b"\x00\x9f\x92\x96junk", "invalid UTF-8"),
        ("empty.har", b"", "the file is empty"),
        ("nourl.sh", b"curl -H 'Accept: */*' --data-raw '{}'", "line 1, column 1: this curl command has no URL"),
        ("badtype.har", b"{\"log\":{\"version\":\"1.2\",\"entries\":[{\"request\":{\"url\":\"http://h\",\"headers\":[{\"name\":1,\"value\":\"v\"}]}}]}}", "at log.entries[0].request.headers[0].name: invalid type: integer `1`"),
        ("array.har", b"[{\"log\":1}]", "a JSON-RPC payload is a JSON object"),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        for command in ["inspect", "whoami"] {
            let run = odoo_har(&[command, path.to_str().unwrap()], None);
            assert_eq!(run.code, 2, "{name}: {}", run.stderr);
            assert!(
                run.stderr
                    .starts_with(&format!("error: {}", path.display())),
                "{name}: {}",
                run.stderr
            );
            assert!(
                run.stderr.contains(expected),
                "{name}: expected `{expected}` in {}",
                run.stderr
            );
            assert!(
                run.stderr.contains("hint:"),
                "{name}: no advice in {}",
                run.stderr
            );
            assert!(!run.stderr.contains("panicked"), "{name} panicked");
            assert!(run.stdout.is_empty(), "{name} printed {}", run.stdout);
        }
    }
    let missing = odoo_har(&["whoami", "no/such/file.har"], None);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no/such/file.har: cannot read"),
        "{}",
        missing.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn files_with_a_byte_order_mark_or_keys_before_log_still_load() {
    let dir = std::env::temp_dir().join(format!("odoo-har-bom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let har = std::fs::read("fixtures/odoo14-chrome.har").unwrap();
    let bom = dir.join("bom.har");
    std::fs::write(&bom, [b"\xEF\xBB\xBF".as_slice(), &har].concat()).unwrap();
    let calls = json_of(&["inspect", bom.to_str().unwrap(), "--json"]);
    assert_eq!(calls.as_array().unwrap().len(), 4);
    // A HAR whose first key is not `log` goes through the whole-document path.
    let text = String::from_utf8(har).unwrap();
    let reordered = dir.join("reordered.har");
    std::fs::write(
        &reordered,
        text.replacen("{\n  \"log\"", "{\"comment\": \"x\", \"log\"", 1),
    )
    .unwrap();
    let me = json_of(&["whoami", reordered.to_str().unwrap(), "--json"]);
    assert_eq!(me["db"], json!("v14"));
    // Trailing bytes after the document are refused, not ignored.
    let trailing = dir.join("trailing.har");
    std::fs::write(&trailing, format!("{text}\n}}")).unwrap();
    let run = odoo_har(&["inspect", trailing.to_str().unwrap()], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("trailing characters"), "{}", run.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn demo_runs_the_pipeline_on_the_bundled_capture() {
    let run = odoo_har(&["demo"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("res.users.read"), "{}", run.stdout);
    assert!(run.stdout.contains("uid             2"), "{}", run.stdout);
    assert!(
        run.stdout.contains("database        demo16"),
        "{}",
        run.stdout
    );
    // The pipeline's steps, each with the outcome the demo promises.
    assert!(
        run.stdout.contains("5 steps, 10 variables"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\"execute_kw\""), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("5 passed, 0 differs, 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(r#"$.result[0].tz: "Europe/Brussels" → "America/New_York""#),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("4 passed, 1 differs, 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("not every step"), "{}", run.stdout);
    for secret in SECRETS {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    }
}

#[test]
fn demo_keep_leaves_a_suite_that_replays() {
    let dir = std::env::temp_dir().join(format!("odoo-har-demo-keep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let kept = dir.to_str().unwrap();
    let run = odoo_har(&["demo", "--keep", kept], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!("kept in {kept}")),
        "{}",
        run.stdout
    );
    let suite = odoo_har::template::suite::Suite::read(&dir).expect("a readable suite");
    assert_eq!(suite.manifest.steps.len(), 5);
    assert_eq!(suite.manifest.steps[0].name, "001-res.users.read");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The real captures in ../shared (recorded from real Odoo 16–19 servers), when present.
fn shared(name: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/captures")
        .join(name);
    if path.exists() {
        Some(path.to_string_lossy().into_owned())
    } else {
        eprintln!("skipping: {} is not here", path.display());
        None
    }
}

#[test]
fn real_browser_captures_give_uid_database_and_version() {
    for (file, db, version, url) in [
        (
            "odoo16-preferences.har",
            "odoo_lab",
            "16.0",
            "http://127.0.0.1:8069",
        ),
        (
            "odoo17-preferences.har",
            "odoo17_lab",
            "17.0",
            "http://127.0.0.1:8070",
        ),
        (
            "odoo18-preferences.har",
            "odoo18_lab",
            "18.0",
            "http://127.0.0.1:8071",
        ),
        (
            "odoo19-preferences.har",
            "odoo19_lab",
            "19.0",
            "http://127.0.0.1:8072",
        ),
    ] {
        let Some(path) = shared(file) else { return };
        let me = json_of(&["whoami", &path, "--json"]);
        assert_eq!(
            (
                me["uid"].clone(),
                me["db"].clone(),
                me["server_version"].clone(),
                me["url"].clone()
            ),
            (json!(2), json!(db), json!(version), json!(url)),
            "{file}"
        );
        assert_eq!(me["context"]["tz"], json!("Europe/Brussels"), "{file}");
        assert_eq!(me["seen"]["password"], json!(true), "{file}");
        assert_eq!(me["conflicts"], json!([]), "{file}");
        let calls = json_of(&["inspect", &path, "--json"]);
        let preferences = calls
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| {
                c["model"] == "res.users" && (c["method"] == "read" || c["method"] == "web_read")
            })
            .count();
        assert_eq!(preferences, 1, "{file}: the Preferences read");
    }
    // Odoo 16 posts one call to the bare /web/dataset/call_kw/ route.
    let Some(path) = shared("odoo16-preferences.har") else {
        return;
    };
    let calls = json_of(&["inspect", &path, "--json"]);
    let bare = calls
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["route"] == "/web/dataset/call_kw/")
        .expect("the bare route");
    assert_eq!(bare["method"], json!("render_public_asset"));
}

#[test]
fn real_external_api_captures_name_every_error() {
    let Some(path) = shared("odoo19-external-api.har") else {
        return;
    };
    let calls = json_of(&["inspect", &path, "--errors", "--json"]);
    let errors: Vec<(u64, &str)> = calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["status"].as_u64().unwrap(), c["error"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (200, "odoo.exceptions.AccessDenied"),
            (200, "builtins.ValueError"),
            (200, "odoo.exceptions.UserError"),
            (200, "odoo.exceptions.AccessError"),
            (401, "werkzeug.exceptions.Unauthorized"),
            (404, "werkzeug.exceptions.NotFound"),
            (422, "werkzeug.exceptions.UnprocessableEntity"),
        ]
    );
    let me = json_of(&["whoami", &path, "--json"]);
    assert_eq!(
        (me["uid"].clone(), me["db"].clone()),
        (json!(2), json!("odoo19_lab"))
    );
    assert_eq!(me["sources"]["uid"], json!("entry 1 response result"));
    assert_eq!(me["seen"]["api_key"], json!(true));
    let Some(v16) = shared("odoo16-external-api.har") else {
        return;
    };
    let xml = json_of(&[
        "inspect",
        &v16,
        "--model",
        "res.partner",
        "--method",
        "search_count",
        "--json",
    ]);
    assert_eq!(
        xml.as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["jsonrpc", "xmlrpc"]
    );
}

#[test]
fn domain_command_checks_converts_and_explains() {
    let seed =
        "[('phone', 'ilike', '+4912'), '|', ('is_company', '=', True), ('parent_id', '!=', False)]";
    let run = odoo_har(&["domain", seed, "--explain"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "[[\"phone\",\"ilike\",\"+4912\"],\"|\",[\"is_company\",\"=\",true],[\"parent_id\",\"!=\",false]]\nphone contains '+4912' (case-insensitive) AND (is a company OR has a parent)\n"
    );
    let normalized = odoo_har(
        &["domain", "-", "--normalize"],
        Some(b"[('a', '=', 1), ('b', '=', 2)]"),
    );
    assert_eq!(normalized.stdout.trim(), r#"["&",["a","=",1],["b","=",2]]"#);
    let typo = odoo_har(
        &["domain", "[('name', '=', 'x'), ('phone', 'ilke', '+49')]"],
        None,
    );
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains(
            "condition 2: operator 'ilke' is not an Odoo operator (did you mean 'ilike'?)"
        ),
        "{}",
        typo.stderr
    );
    let old = odoo_har(
        &[
            "domain",
            "[('partner_id', 'any', [('name', 'ilike', 'a')])]",
            "--odoo",
            "16",
        ],
        None,
    );
    assert!(
        old.stderr
            .contains("operator 'any' came with Odoo 17; Odoo 16 does not know it"),
        "{}",
        old.stderr
    );
    let version = odoo_har(&["domain", "[]", "--odoo", "12"], None);
    assert_eq!(version.code, 2);
}

#[test]
fn inspect_flags_domains_odoo_would_refuse() {
    let Some(path) = shared("odoo16-external-api.har") else {
        return;
    };
    let calls = json_of(&["inspect", &path, "--json"]);
    let flagged: Vec<(u64, &str)> = calls
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["entry"].as_u64()?, c["domain_problem"].as_str()?)))
        .collect();
    assert_eq!(
        flagged,
        [(
            13,
            "condition 1: operator 'ilke' is not an Odoo operator (did you mean 'ilike'?)"
        )]
    );
}

/// Every entry of the plumbing table (src/odoo/plumbing.rs) as a real capture shows it, and
/// the calls about the user's data that must stay steps.
#[test]
fn web_client_plumbing_is_marked_in_real_captures() {
    let name = |c: &Value| match (c["model"].as_str(), c["method"].as_str()) {
        (Some(model), Some(method)) => format!("{model}.{method}"),
        _ => c["route"].as_str().unwrap_or_default().to_string(),
    };
    for (file, plumbing, data) in [
        (
            "odoo16-crud.har",
            &[
                "/mail/init_messaging",
                "/mail/load_message_failures",
                "/mail/inbox/messages",
                "/mail/thread/messages",
                "/mail/thread/data",
                "/web/action/load",
                "res.partner.get_views",
                "res.users.systray_get_activities",
                "res.partner.autocomplete",
            ][..],
            &[
                "res.partner.web_search_read",
                "res.partner.onchange",
                "res.partner.create",
                "res.partner.write",
                "res.partner.unlink",
            ][..],
        ),
        (
            "odoo16-preferences.har",
            &["res.users.action_get", "ir.ui.view.render_public_asset"][..],
            &["res.users.read"][..],
        ),
        (
            "odoo17-preferences.har",
            &["ir.module.module.search_panel_select_range"][..],
            &["res.users.web_read", "ir.module.module.web_search_read"][..],
        ),
        (
            "odoo17-sale.har",
            &[
                "/onboarding/sale_quotation",
                "/sale_product_configurator/get_values",
                "res.users.has_group",
            ][..],
            &[
                "res.partner.name_search",
                "sale.order.onchange",
                "sale.order.web_save",
                "sale.order.action_confirm",
                "product.template.get_single_product_variant",
            ][..],
        ),
        (
            "odoo18-preferences.har",
            &["res.users.get_views", "res.users.action_get"][..],
            &["res.users.web_read"][..],
        ),
        (
            "odoo19-crud.har",
            &["res.partner.autocomplete_by_name", "/mail/data"][..],
            &["res.partner.web_save"][..],
        ),
        (
            "odoo19-external-api.har",
            &[][..],
            &["res.partner.search_read"][..],
        ),
        (
            "fixtures/lab-plumbing.har",
            &[
                "/discuss/channel/messages",
                "/discuss/channel/mark_as_read",
                "discuss.channel.channel_fetched",
                "res.company.iap_enrich_auto",
            ][..],
            &[][..],
        ),
    ] {
        let path = match file.strip_prefix("fixtures/") {
            Some(_) => file.to_string(),
            None => match shared(file) {
                Some(path) => path,
                None => continue,
            },
        };
        let calls = json_of(&["inspect", &path, "--json"]);
        let calls = calls.as_array().unwrap();
        for wanted in plumbing {
            let found: Vec<&Value> = calls.iter().filter(|c| name(c) == *wanted).collect();
            assert!(!found.is_empty(), "{file}: no {wanted}");
            for call in found {
                assert!(call["plumbing"].is_string(), "{file}: {wanted} is plumbing");
            }
        }
        for wanted in data {
            let found: Vec<&Value> = calls.iter().filter(|c| name(c) == *wanted).collect();
            assert!(!found.is_empty(), "{file}: no {wanted}");
            for call in found {
                assert_eq!(call["plumbing"], Value::Null, "{file}: {wanted} is data");
            }
        }
    }
}
