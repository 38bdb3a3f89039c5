//! `extract`, `render` and `redact` as a user runs them.

use crate::common;

use common::{SECRETS, TempDir, files_below, odoo_har, odoo_har_env};
use odoo_har::capture::{self, LoadOptions};
use odoo_har::odoo::xmlrpc;
use serde_json::{Value, json};

const CAPTURES: [&str; 17] = [
    "demo-odoo16.har",
    "odoo14-chrome.har",
    "odoo14-firefox.har",
    "odoo16-firefox.har",
    "odoo17-chrome-sanitized.har",
    "odoo17-firefox.har",
    "odoo18-chrome.har",
    "odoo18-firefox.har",
    "odoo19-chrome.har",
    "odoo19-firefox.har",
    "odoo19-minimal.har",
    "curl-chrome.sh",
    "curl-firefox.sh",
    "fetch-chrome.js",
    "fetch-firefox.js",
    "payload-call_kw.json",
    "odoo16-firefox.har",
];

fn extract(fixture: &str, dir: &TempDir, extra: &[&str]) -> String {
    let out = dir.str("suite");
    let capture = format!("fixtures/{fixture}");
    let mut args = vec!["extract", capture.as_str(), "-o", out.as_str()];
    args.extend(extra);
    let run = odoo_har(&args, None);
    assert_eq!(run.code, 0, "extract {fixture}: {}", run.stderr);
    out
}

/// Session-bound keys the suite drops on purpose (README, "Suite format").
fn without_session_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if (key == "context" || key == "additional_context")
                    && let Value::Object(context) = item
                {
                    for dropped in ["params", "__last_update"] {
                        context.remove(dropped);
                    }
                }
                without_session_keys(item);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(without_session_keys),
        _ => {}
    }
}

/// What the capture sent for the step captured at `fixtures/x entry N`, in the form the
/// suite keeps it: JSON-RPC `params`, a JSON-2 body, an XML-RPC call as its `/jsonrpc` twin.
fn captured_request(captured_at: &str) -> Value {
    let (file, entry) = captured_at.rsplit_once(" entry ").unwrap();
    let loaded = capture::load(file, &LoadOptions::default()).unwrap();
    let exchange = &loaded.exchanges[entry.parse::<usize>().unwrap()];
    let body = exchange.request.body.as_ref().unwrap();
    if exchange.request.path().starts_with("/xmlrpc/") {
        let xmlrpc::Message::Call { method, params } = xmlrpc::parse(body.text().unwrap()).unwrap()
        else {
            panic!()
        };
        let service = exchange.request.path().rsplit('/').next().unwrap();
        return json!({"service": service, "method": method, "args": params});
    }
    let value: Value = serde_json::from_slice(&body.bytes).unwrap();
    if exchange.request.path().starts_with("/json/2/") {
        value
    } else {
        value["params"].clone()
    }
}

#[test]
fn rendering_a_suite_with_the_captured_values_gives_back_the_captured_requests() {
    let secrets = [("ODOO_PASSWORD", SECRETS[0]), ("ODOO_API_KEY", SECRETS[1])];
    let mut checked = 0;
    for fixture in CAPTURES {
        let dir = TempDir::new(&format!("roundtrip-{fixture}"));
        let suite = extract(fixture, &dir, &[]);
        let run = odoo_har_env(
            &["render", &suite, "--json", "--reveal-secrets"],
            None,
            &secrets,
        );
        assert_eq!(run.code, 0, "render {fixture}: {}", run.stderr);
        let manifest: toml::Value =
            toml::from_str(&std::fs::read_to_string(dir.join("suite/odoo-har.toml")).unwrap())
                .unwrap();
        let steps = manifest["step"].as_array().unwrap();
        let lines: Vec<Value> = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), steps.len(), "{fixture}");
        for (step, line) in steps.iter().zip(&lines) {
            let mut expected = captured_request(step["captured_at"].as_str().unwrap());
            let mut rendered = if step["kind"].as_str() == Some("json2") {
                line["body"].clone()
            } else {
                line["body"]["params"].clone()
            };
            without_session_keys(&mut expected);
            without_session_keys(&mut rendered);
            assert_eq!(rendered, expected, "{fixture} {}", step["name"]);
            assert_eq!(line["route"].as_str(), step["route"].as_str());
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} steps were compared");
}

#[test]
fn the_demo_suite_links_the_write_to_the_created_partner_and_renders_as_documented() {
    let dir = TempDir::new("demo-suite");
    let suite = extract("demo-odoo16.har", &dir, &[]);
    let write =
        std::fs::read_to_string(dir.join("suite/steps/004-res.partner.write.params.hbs")).unwrap();
    assert!(write.contains("{{json s003_result}}"), "{write}");
    let run = odoo_har(&["render", &suite, "--step", "004", "--json"], None);
    let line: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(line["step"], json!("004-res.partner.write"));
    assert_eq!(line["body"]["jsonrpc"], json!("2.0"));
    assert_eq!(line["body"]["id"], json!(4));
    assert_eq!(line["body"]["params"]["args"][0], json!([51]));
    // Another database: variables from --var, the environment and a vars file, in that order of precedence.
    std::fs::write(dir.join("vars.toml"), "db = \"from-file\"\nuid = 7\n").unwrap();
    let vars = dir.str("vars.toml");
    let run = odoo_har_env(
        &[
            "render",
            &suite,
            "--step",
            "res.users.read",
            "--json",
            "--vars-file",
            &vars,
            "--var",
            "lang=fr_BE",
        ],
        None,
        &[("ODOO_DB", "from-env"), ("ODOO_LANG", "nl_BE")],
    );
    let line: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(line["body"]["params"]["args"][0], json!([7]));
    assert_eq!(
        line["body"]["params"]["kwargs"]["context"]["lang"],
        json!("fr_BE")
    );
    let text = odoo_har(&["render", &suite, "--step", "001"], None);
    assert!(
        text.stdout
            .starts_with("# 001-res.users.read\nPOST /web/dataset/call_kw/res.users/read\n{\n"),
        "{}",
        text.stdout
    );
}

#[test]
fn secrets_are_masked_unless_revealed_and_never_taken_from_flags() {
    let dir = TempDir::new("secrets-render");
    let suite = extract("odoo19-minimal.har", &dir, &[]);
    let masked = odoo_har(&["render", &suite, "--json"], None);
    assert!(masked.stdout.contains("\"***\""), "{}", masked.stdout);
    assert!(!masked.stdout.contains(SECRETS[1]));
    let revealed = odoo_har_env(
        &["render", &suite, "--json", "--reveal-secrets"],
        None,
        &[("ODOO_API_KEY", "k3y-from-env")],
    );
    assert!(
        revealed.stdout.contains("k3y-from-env"),
        "{}",
        revealed.stderr
    );
    let unset = odoo_har(&["render", &suite, "--reveal-secrets"], None);
    assert_eq!(unset.code, 2);
    assert!(
        unset.stderr.contains("the variable `api_key` has no value")
            && unset.stderr.contains("ODOO_API_KEY"),
        "{}",
        unset.stderr
    );
    let flag = odoo_har(&["render", &suite, "--var", "api_key=x"], None);
    assert_eq!(flag.code, 2);
    assert!(
        flag.stderr
            .contains("secrets are never taken from the command line"),
        "{}",
        flag.stderr
    );
}

#[test]
fn nothing_extract_or_redact_writes_holds_a_secret() {
    for fixture in CAPTURES {
        let dir = TempDir::new(&format!("scan-{fixture}"));
        extract(fixture, &dir, &[]);
        let redacted = dir.str("redacted.har");
        let run = odoo_har(
            &["redact", &format!("fixtures/{fixture}"), "-o", &redacted],
            None,
        );
        assert_eq!(run.code, 0, "redact {fixture}: {}", run.stderr);
        let written = files_below(&dir.0);
        assert!(written.len() >= 3, "{fixture}: {written:?}");
        for (path, bytes) in written {
            let text = String::from_utf8_lossy(&bytes);
            for secret in SECRETS {
                assert!(!text.contains(secret), "{} holds {secret}", path.display());
            }
        }
    }
}

#[test]
fn redacted_captures_are_still_captures_the_other_commands_read() {
    let dir = TempDir::new("redact");
    let out = dir.str("demo.har");
    let run = odoo_har(&["redact", "fixtures/demo-odoo16.har", "-o", &out], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("secret values removed"),
        "{}",
        run.stdout
    );
    let me: Value =
        serde_json::from_str(&odoo_har(&["whoami", &out, "--json"], None).stdout).unwrap();
    assert_eq!(
        (me["uid"].clone(), me["db"].clone()),
        (json!(2), json!("demo16"))
    );
    let har: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let login = &har["log"]["entries"][1]["request"];
    let cookie = login["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Cookie")
        .unwrap();
    assert_eq!(cookie["value"], json!("session_id=REDACTED; cids=1"));
    assert!(
        login["postData"]["text"]
            .as_str()
            .unwrap()
            .contains("password=REDACTED")
    );
    assert_eq!(
        har["log"]["entries"][0]["_priority"],
        json!("High"),
        "fields a viewer expects are kept"
    );
    // A snippet becomes a HAR of its requests.
    let snippet = dir.str("curl.har");
    assert_eq!(
        odoo_har(&["redact", "fixtures/curl-chrome.sh", "-o", &snippet], None).code,
        0
    );
    let calls: Value =
        serde_json::from_str(&odoo_har(&["inspect", &snippet, "--json"], None).stdout).unwrap();
    assert_eq!(calls.as_array().unwrap().len(), 2);
    assert_eq!(calls[0]["method"], json!("read"));
    // It never overwrites by accident.
    let again = odoo_har(&["redact", "fixtures/curl-chrome.sh", "-o", &snippet], None);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("the file exists"), "{}", again.stderr);
}

#[test]
fn extraction_is_stable_and_never_deletes_what_it_did_not_write() {
    let first = TempDir::new("stable-1");
    let second = TempDir::new("stable-2");
    extract("odoo18-chrome.har", &first, &[]);
    extract("odoo18-chrome.har", &second, &[]);
    let strip = |files: Vec<(std::path::PathBuf, Vec<u8>)>,
                 root: &std::path::Path|
     -> Vec<(std::path::PathBuf, Vec<u8>)> {
        files
            .into_iter()
            .map(|(p, b)| (p.strip_prefix(root).unwrap().to_path_buf(), b))
            .collect()
    };
    assert_eq!(
        strip(files_below(&first.join("suite")), &first.join("suite")),
        strip(files_below(&second.join("suite")), &second.join("suite"))
    );

    let suite = first.str("suite");
    let refused = odoo_har(&["extract", "fixtures/demo-odoo16.har", "-o", &suite], None);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("the folder is not empty") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    std::fs::write(first.join("suite/NOTES.md"), "mine").unwrap();
    let forced = odoo_har(
        &[
            "extract",
            "fixtures/demo-odoo16.har",
            "-o",
            &suite,
            "--force",
        ],
        None,
    );
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        std::fs::read_to_string(first.join("suite/NOTES.md")).unwrap(),
        "mine"
    );
    // The odoo18 steps the old manifest named are gone; the demo's are there.
    assert!(
        !first
            .join("suite/steps/002-sale.order.action_confirm.params.hbs")
            .exists()
    );
    assert!(
        first
            .join("suite/steps/004-res.partner.write.params.hbs")
            .exists()
    );
}

#[test]
fn hand_broken_suites_are_refused_with_file_and_place() {
    let dir = TempDir::new("broken");
    let suite = extract("demo-odoo16.har", &dir, &[]);
    let manifest_path = dir.join("suite/odoo-har.toml");
    let original = std::fs::read_to_string(&manifest_path).unwrap();
    let render = || odoo_har(&["render", &suite], None);

    std::fs::write(
        &manifest_path,
        original.replacen("read_only = true", "read_only = maybe", 1),
    )
    .unwrap();
    let run = render();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("odoo-har.toml: line 28, column 13:"),
        "{}",
        run.stderr
    );

    std::fs::write(
        &manifest_path,
        original.replacen(
            "params = \"steps/001-res.users.read.params.hbs\"",
            "params = \"../../etc/passwd\"",
            1,
        ),
    )
    .unwrap();
    let run = render();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("`../../etc/passwd` is not a path inside the suite folder"),
        "{}",
        run.stderr
    );

    std::fs::write(
        &manifest_path,
        original.replacen("uses = [\"s003_result\"]", "uses = [\"s009_result\"]", 1),
    )
    .unwrap();
    let run = render();
    assert!(run.stderr.contains("004-res.partner.write) uses: uses the capture `s009_result`, which no earlier step defines"), "{}", run.stderr);

    std::fs::write(&manifest_path, &original).unwrap();
    std::fs::remove_file(dir.join("suite/steps/002-res.partner.web_search_read.response.json"))
        .unwrap();
    let run = render();
    assert!(
        run.stderr
            .contains("002-res.partner.web_search_read) baseline: cannot read"),
        "{}",
        run.stderr
    );

    let fresh = TempDir::new("broken-template");
    let suite = extract("demo-odoo16.har", &fresh, &[]);
    let template = fresh.join("suite/steps/003-res.partner.create.params.hbs");
    let text = std::fs::read_to_string(&template).unwrap();
    std::fs::write(&template, text.replacen("{{json lang}}", "{{json lang}", 1)).unwrap();
    let run = odoo_har(&["render", &suite], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("003-res.partner.create.params.hbs: line")
            && run.stderr.contains("does not parse"),
        "{}",
        run.stderr
    );
    std::fs::write(
        &template,
        text.replacen("{{json lang}}", "{{json language}}", 1),
    )
    .unwrap();
    let run = odoo_har(&["render", &suite], None);
    assert!(
        run.stderr
            .contains("003-res.partner.create.params.hbs: line")
            && run.stderr.contains("the variable `language` has no value"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn a_lone_template_renders_with_vars() {
    let dir = TempDir::new("lone");
    let template = dir.join("call.hbs");
    std::fs::write(&template, "{\"args\": [{{json db}}, \"{{str url}}/web\"]}").unwrap();
    let run = odoo_har(
        &[
            "render",
            template.to_str().unwrap(),
            "--var",
            "db=x",
            "--var",
            "url=https://o",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap(),
        json!({"args": ["x", "https://o/web"]})
    );
}

#[test]
fn real_captures_extract_and_round_trip() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures");
    if !shared.exists() {
        eprintln!("skipping: ../shared/captures is not here");
        return;
    }
    // Preferences is one data call once the web client's plumbing is left out: the seed's
    // `res.users.read`.
    for (file, steps) in [
        ("odoo16-preferences.har", 1),
        ("odoo19-external-api.har", 23),
    ] {
        let dir = TempDir::new(&format!("real-{file}"));
        let out = dir.str("suite");
        let capture = shared.join(file).to_string_lossy().into_owned();
        let run = odoo_har(&["extract", &capture, "-o", &out], None);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let rendered = odoo_har_env(
            &["render", &out, "--json", "--reveal-secrets"],
            None,
            &[
                ("ODOO_PASSWORD", "admin"),
                ("ODOO_API_KEY", "x"),
                ("ODOO_LOGIN", "admin"),
            ],
        );
        assert_eq!(rendered.code, 0, "{}", rendered.stderr);
        assert_eq!(rendered.stdout.lines().count(), steps, "{file}");
        // The real captures' session cookies and CSRF tokens are long: none may be written.
        for (path, bytes) in files_below(&dir.0) {
            let text = String::from_utf8_lossy(&bytes);
            for secret in [
                "dc979ec12e05f341a91bf55c4edbf33c456a43c7",
                "52fff9e915379c4d0cea68dc96193145920f26cdo1827412976",
                "7e14b02ec2524ffa567682af1d3906175",
            ] {
                assert!(!text.contains(secret), "{} holds {secret}", path.display());
            }
        }
    }
}

#[test]
fn envelope_templates_can_be_overridden() {
    let dir = TempDir::new("templates");
    let suite = extract("demo-odoo16.har", &dir, &[]);
    std::fs::create_dir_all(dir.join("mine")).unwrap();
    std::fs::write(dir.join("mine/envelope.jsonrpc.hbs"), "{\"jsonrpc\": \"2.0\", \"method\": \"call\", \"params\": {{params}}, \"id\": {{rpc_id}}, \"tag\": \"mine\"}").unwrap();
    let run = odoo_har(
        &[
            "render",
            &suite,
            "--step",
            "001",
            "--json",
            "--templates",
            &dir.str("mine"),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(line["body"]["tag"], json!("mine"));
    assert_eq!(line["body"]["params"]["model"], json!("res.users"));
    std::fs::write(dir.join("mine/envelope.jsonrpc.hbs"), "{{#if}}").unwrap();
    let broken = odoo_har(&["render", &suite, "--templates", &dir.str("mine")], None);
    assert_eq!(broken.code, 2);
    assert!(
        broken.stderr.contains("mine/envelope.jsonrpc.hbs: line 1"),
        "{}",
        broken.stderr
    );
}

/// The links of a step, by field: (capture, strength, because).
fn links_by_field(manifest: &toml::Value, step: &str) -> Vec<(String, String, String, String)> {
    let step = manifest["step"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str().unwrap().starts_with(step))
        .unwrap_or_else(|| panic!("no step {step}"));
    step.get("link")
        .and_then(toml::Value::as_array)
        .map(|links| {
            links
                .iter()
                .map(|l| {
                    let text = |k: &str| {
                        l.get(k)
                            .and_then(toml::Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    };
                    (
                        text("field"),
                        text("capture"),
                        text("strength"),
                        text("because"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The real Odoo 17 sale flow: the customer the user picked from the suggestions, the invoice
/// address and terms the server's onchange gave for that customer, the product picked, and
/// never the customer of a quotation list row that merely held the same id.
#[test]
fn real_sale_flow_links_the_users_choices_not_list_rows() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures");
    if !shared.exists() {
        eprintln!("skipping: ../shared/captures is not here");
        return;
    }
    let dir = TempDir::new("real-sale");
    let out = dir.str("suite");
    let capture = shared
        .join("odoo17-sale.har")
        .to_string_lossy()
        .into_owned();
    let run = odoo_har(&["extract", &capture, "-o", &out], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("suite/odoo-har.toml")).unwrap()).unwrap();
    let save = links_by_field(&manifest, "014-sale.order.web_save");
    let by = |field: &str| {
        save.iter()
            .find(|l| l.0 == field)
            .unwrap_or_else(|| panic!("{field} not linked: {save:?}"))
            .clone()
    };
    let partner = by("partner_id");
    assert_eq!(partner.2, "cause");
    assert!(
        partner.3.starts_with("004-res.partner.name_search $.result[0][0] (suggestion #1 of a res.partner name_search for \"Deco\")"),
        "{partner:?}"
    );
    for field in ["partner_invoice_id", "payment_term_id"] {
        let link = by(field);
        assert!(
            link.3.starts_with(&format!(
                "005-sale.order.onchange $.result.value.{field}.id"
            )),
            "{link:?}"
        );
    }
    assert!(
        by("product_template_id")
            .3
            .contains("name_search for \"Desk\"")
    );
    assert!(
        by("product_id")
            .3
            .starts_with("009-product.template.get_single_product_variant")
    );
    // No link of the whole flow goes to the quotation list loaded first.
    for step in manifest["step"].as_array().unwrap() {
        let name = step["name"].as_str().unwrap();
        for link in links_by_field(&manifest, name) {
            assert!(!link.1.starts_with("s001_"), "{name}: {link:?}");
        }
    }
    // The manifest caches the relations the links followed.
    assert_eq!(
        manifest["relations"]["sale.order"]["order_line"].as_str(),
        Some("sale.order.line")
    );
    assert_eq!(
        manifest["relations"]["sale.order.line"]["order_id"].as_str(),
        Some("sale.order")
    );
}

/// OdooRPC through mitmproxy: the searched customer and product in the create, and the order
/// line the create made, read by its own id.
#[test]
fn real_odoorpc_flow_links_searches_and_side_effect_records() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures");
    if !shared.exists() {
        eprintln!("skipping: ../shared/captures is not here");
        return;
    }
    let dir = TempDir::new("real-odoorpc");
    let out = dir.str("suite");
    let capture = shared
        .join("odoorpc17-sale.har")
        .to_string_lossy()
        .into_owned();
    let run = odoo_har(&["extract", &capture, "-o", &out], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("as a literal"), "{}", run.stdout);
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("suite/odoo-har.toml")).unwrap()).unwrap();
    let create = links_by_field(&manifest, "008-sale.order.create");
    let captures: Vec<&str> = create.iter().map(|l| l.1.as_str()).collect();
    assert_eq!(captures, ["s004_result_0", "s006_result_0"], "{create:?}");
    let line = links_by_field(&manifest, "012-sale.order.line.read");
    assert_eq!(line[0].1, "s009_result_0_order_line_0");
    assert_eq!(line[0].2, "created");
}

/// A partner every read of a long session returned: the read that then opens it links to
/// the nearest answer and lists only the 8 next nearest, then says older ones held it too.
/// (Listing all of them made the manifest, and the time and memory of extracting it, grow
/// with the square of the capture.)
#[test]
fn a_value_many_answers_held_lists_the_nearest_rivals_only() {
    let dir = TempDir::new("rivals");
    let entry = |i: usize, ids: i64| {
        let body = json!({"id": i, "jsonrpc": "2.0", "method": "call", "params": {"model": "res.partner", "method": "read", "args": [[ids], ["name"]], "kwargs": {}}});
        let answer =
            json!({"jsonrpc": "2.0", "id": i, "result": [{"id": 9, "name": "Deco Addict"}]});
        json!({"startedDateTime": "2026-11-28T10:00:00Z", "time": 1.0, "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
               "request": {"method": "POST", "url": "http://odoo.test/web/dataset/call_kw/res.partner/read", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": -1,
                           "postData": {"mimeType": "application/json", "text": body.to_string()}},
               "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [], "redirectURL": "", "headersSize": -1, "bodySize": -1,
                            "content": {"size": -1, "mimeType": "application/json", "text": answer.to_string()}}})
    };
    // 12 reads of other partners answer with partner 9; the 13th reads partner 9 itself.
    let mut entries: Vec<Value> = (0..12).map(|i| entry(i, 100 + i as i64)).collect();
    entries.push(entry(12, 9));
    let har = dir.join("session.har");
    let capture = json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}});
    std::fs::write(&har, capture.to_string()).unwrap();
    let run = odoo_har(
        &["extract", har.to_str().unwrap(), "-o", &dir.str("suite")],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("suite/odoo-har.toml")).unwrap()).unwrap();
    let link = &manifest["step"][12]["link"][0];
    assert_eq!(link["capture"].as_str(), Some("s012_result_0_id"));
    let rivals: Vec<&str> = link["rivals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(rivals.len(), 9, "{rivals:#?}");
    assert!(
        rivals[0].starts_with("011-res.partner.read $.result[0].id"),
        "{}",
        rivals[0]
    );
    assert!(
        rivals[7].starts_with("004-res.partner.read"),
        "{}",
        rivals[7]
    );
    assert_eq!(
        rivals[8],
        "… and older answers (only the 8 nearest are listed)"
    );
}
