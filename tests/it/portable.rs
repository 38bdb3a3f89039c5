//! `--portable`: web-client calls as public ORM calls (extract, export, replay), and the
//! upgrade check, `replay --against NEW --portable`, against the Odoo-compatible test server.

use crate::common;
use crate::fake_odoo;

use common::{TempDir, odoo_har, odoo_har_env};
use fake_odoo::{API_KEY, DB, FakeOdoo, PASSWORD, Setup};
use serde_json::{Value, json};

fn manifest(dir: &TempDir) -> String {
    std::fs::read_to_string(dir.join("suite/odoo-har.toml")).unwrap()
}

/// The model methods a server was sent, in order (web routes and `/jsonrpc` alike).
fn methods(odoo: &FakeOdoo) -> Vec<String> {
    odoo.requests()
        .into_iter()
        .filter_map(|(_, _, body)| {
            let body: Value = serde_json::from_str(&body).ok()?;
            let params = &body["params"];
            let method = match params["service"].as_str() {
                Some("object") => params["args"][4].as_str()?,
                Some(_) => return None,
                None => params["method"].as_str()?,
            };
            Some(method.to_string())
        })
        .collect()
}

#[test]
fn extract_writes_public_calls_with_answers_derived_from_the_capture() {
    let dir = TempDir::new("portable-extract");
    let out = dir.str("suite");
    let run = odoo_har(
        &[
            "extract",
            "fixtures/odoo17-firefox.har",
            "-o",
            &out,
            "--portable",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "  001-res.users.read\n  002a-res.partner.search_read\n  002b-res.partner.search_count\n"
        ) && run.stdout.contains(
            "note: --portable: 002-res.partner.web_search_read → 002a-res.partner.search_read, 002b-res.partner.search_count"
        ),
        "{}",
        run.stdout
    );
    assert!(!manifest(&dir).contains("web_"), "{}", manifest(&dir));
    let read: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("suite/steps/001-res.users.read.response.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        read["result"],
        json!([{"id": 2, "name": "Mitchell Admin", "email": "admin@yourcompany.example.com", "lang": "en_US", "tz": "Europe/Brussels"}])
    );
    let template =
        std::fs::read_to_string(dir.join("suite/steps/002a-res.partner.search_read.params.hbs"))
            .unwrap();
    assert!(
        template.contains("\"method\": \"search_read\"")
            && template.contains("\"fields\": [\n      \"display_name\"\n    ]")
            && template.contains("\"uid\": {{json uid}}"),
        "{template}"
    );
    // The portable suite replays on an Odoo over the external API, as public calls.
    let odoo = FakeOdoo::start();
    let run = odoo_har_env(
        &[
            "replay", &out, "--url", &odoo.url, "--db", DB, "--mode", "jsonrpc",
        ],
        None,
        &[("ODOO_API_KEY", API_KEY)],
    );
    assert!(!run.stdout.contains("FAILED"), "{}", run.stdout);
    // Reads run together: in any order.
    let mut sent = methods(&odoo);
    sent.sort();
    assert_eq!(sent, ["read", "search_count", "search_read"]);
}

#[test]
fn an_exported_portable_script_runs_on_every_version() {
    let dir = TempDir::new("portable-python");
    let script = dir.str("calls.py");
    let run = odoo_har(
        &[
            "export",
            "fixtures/odoo17-firefox.har",
            "--portable",
            "--format",
            "python",
            "-o",
            &script,
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(!text.contains("\"web_"), "{text}");
    assert!(
        text.contains("call(\"res.partner\", \"search_count\""),
        "{text}"
    );
    for version in [16, 17, 19] {
        let odoo = FakeOdoo::start_version(version);
        let output = std::process::Command::new("python3")
            .arg(&script)
            .env("ODOO_URL", &odoo.url)
            .env("ODOO_DB", DB)
            .env("ODOO_LOGIN", "admin")
            .env("ODOO_PASSWORD", PASSWORD)
            .output()
            .expect("python3 runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "Odoo {version}: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The test server's res.users has no lang or tz: the script reads what it has.
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(
                "note: res.users.read: this server's res.users has no lang, tz: not read"
            ),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let steps: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["step"].clone())
            .collect();
        assert_eq!(
            steps,
            [
                json!("001-res.users.read"),
                json!("002a-res.partner.search_read"),
                json!("002b-res.partner.search_count")
            ],
            "Odoo {version}"
        );
        assert_eq!(
            methods(&odoo),
            [
                "fields_get",
                "read",
                "fields_get",
                "search_read",
                "search_count"
            ],
            "Odoo {version}"
        );
    }
}

#[test]
fn the_upgrade_check_sends_the_same_portable_calls_to_both_servers() {
    let dir = TempDir::new("portable-upgrade");
    let out = dir.str("suite");
    assert_eq!(
        odoo_har(&["extract", "fixtures/demo-odoo16.har", "-o", &out], None).code,
        0
    );
    let old = FakeOdoo::start_version(16);
    let new = FakeOdoo::start_with(Setup {
        version: 17,
        db: "upgraded".into(),
        ..Setup::default()
    });
    new.set_field("res.partner", 15, "email", json!("moved@example.com"));
    let check = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec![
            "replay",
            &out,
            "--url",
            &old.url,
            "--db",
            DB,
            "--against",
            &new.url,
            "--against-db",
            "upgraded",
            "--portable",
            "--color",
            "never",
        ];
        args.extend(extra);
        odoo_har_env(&args, None, env)
    };
    let run = check(
        &["--against-password-env", "NEW_PASSWORD"],
        &[("ODOO_PASSWORD", PASSWORD), ("NEW_PASSWORD", PASSWORD)],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("FAILED"), "{}", run.stdout);
    assert!(
        run.stdout.contains("differs  002a-res.partner.search_read")
            && run.stdout.contains(
                r#"$.result[2].email: "azure.Interior24@example.com" → "moved@example.com""#
            )
            && run
                .stdout
                .contains("passed   002b-res.partner.search_count"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("--portable: 002-res.partner.web_search_read → 002a-res.partner.search_read, 002b-res.partner.search_count"),
        "{}",
        run.stderr
    );
    // Both servers got the same public calls, reads only.
    let sorted = |odoo: &FakeOdoo| {
        let mut sent = methods(odoo);
        sent.sort();
        sent
    };
    assert_eq!(sorted(&old), sorted(&new));
    assert!(
        methods(&new).iter().all(|m| !m.starts_with("web_"))
            && methods(&new).contains(&"search_read".to_string()),
        "{:?}",
        methods(&new)
    );
    assert!(new.record("res.partner", 50).is_none(), "no write");
    // B's own credentials: a wrong one stops the run before anything is compared.
    let refused = check(
        &["--against-password-env", "NEW_PASSWORD"],
        &[("ODOO_PASSWORD", PASSWORD), ("NEW_PASSWORD", "wrong")],
    );
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("login refused for user admin on database upgraded"),
        "{}",
        refused.stderr
    );
    let unset = check(
        &["--against-api-key-env", "NO_SUCH_VARIABLE"],
        &[("ODOO_PASSWORD", PASSWORD)],
    );
    assert_eq!(unset.code, 2);
    assert!(
        unset
            .stderr
            .contains("--against-api-key-env NO_SUCH_VARIABLE: the environment variable NO_SUCH_VARIABLE is not set"),
        "{}",
        unset.stderr
    );
    let update = check(&["--update"], &[("ODOO_PASSWORD", PASSWORD)]);
    assert_eq!(update.code, 2);
    assert!(
        update.stderr.contains("cannot be combined with --portable"),
        "{}",
        update.stderr
    );
}
