//! JSON-2 argument names from the server: `odoo-har signatures` keeps what Odoo 19's
//! `/doc-bearer/<model>.json` says, and json2 replays and exports name arguments from it.

use crate::common;
use crate::fake_odoo;

use std::sync::atomic::Ordering;

use common::{TempDir, odoo_har_env};
use fake_odoo::{API_KEY, DB, FakeOdoo};
use serde_json::{Value, json};

/// A suite of one web-client call of a module's method, `res.partner.x_stamp([3], "hello")`,
/// which only the server can name the arguments of.
fn stamp_suite(dir: &TempDir) -> String {
    let snippet = dir.join("stamp.sh");
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"model": "res.partner", "method": "x_stamp", "args": [[3], "hello"], "kwargs": {"context": {"lang": "en_US"}}}});
    std::fs::write(
        &snippet,
        format!(
            "curl 'http://127.0.0.1:8069/web/dataset/call_kw/res.partner/x_stamp' -H 'Content-Type: application/json' --data-raw '{body}'\n"
        ),
    )
    .unwrap();
    let out = dir.str("suite");
    let run = odoo_har_env(
        &["extract", &snippet.to_string_lossy(), "-o", &out],
        None,
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    out
}

fn key() -> [(&'static str, &'static str); 1] {
    [("ODOO_API_KEY", API_KEY)]
}

fn json2_bodies(odoo: &FakeOdoo) -> Vec<(String, Value)> {
    odoo.requests()
        .into_iter()
        .filter(|(_, path, _)| path.starts_with("/json/2/res.partner"))
        .map(|(_, path, body)| (path, serde_json::from_str(&body).unwrap()))
        .collect()
}

#[test]
fn a_json2_replay_names_arguments_as_the_server_describes_them() {
    let dir = TempDir::new("signatures-replay");
    let suite = stamp_suite(&dir);
    let odoo = FakeOdoo::start_version(19);
    let replay = |odoo: &FakeOdoo| {
        odoo_har_env(
            &[
                "replay", &suite, "--url", &odoo.url, "--db", DB, "--mode", "json2",
            ],
            None,
            &key(),
        )
    };
    let run = replay(&odoo);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("parameter names from the server for 1 model (19.0)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        json2_bodies(&odoo),
        [(
            "/json/2/res.partner/x_stamp".to_string(),
            json!({"ids": [3], "note": "hello", "context": {"lang": "en_US"}})
        )]
    );
    // A server without /doc-bearer: the names are not guessed, the step is not sent.
    let bare = FakeOdoo::start_version(19);
    bare.faults().no_doc_bearer.store(true, Ordering::SeqCst);
    let run = replay(&bare);
    // Reported as a step this mode cannot send, which fails a run only with --fail-on-skip.
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("skipped  001-res.partner.x_stamp")
            && run.stdout.contains(
                "res.partner.x_stamp takes positional arguments whose names neither the server nor odoo-har's table gives"
            ),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("not described: res.partner: HTTP 404: no /doc-bearer here"),
        "{}",
        run.stderr
    );
    assert_eq!(json2_bodies(&bare), []);
}

#[test]
fn signatures_are_kept_in_the_suite_and_used_offline() {
    let dir = TempDir::new("signatures-kept");
    let suite = stamp_suite(&dir);
    let odoo = FakeOdoo::start_version(19);
    let run = odoo_har_env(
        &["signatures", &suite, "--url", &odoo.url, "--db", DB],
        None,
        &key(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("x_stamp(note) (the server)"),
        "{}",
        run.stdout
    );
    let kept: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("suite/signatures.json")).unwrap())
            .unwrap();
    assert_eq!(kept["server_version"], json!("19.0"));
    assert_eq!(
        kept["models"]["res.partner"]["x_stamp"],
        json!({"params": [{"name": "note"}]})
    );
    assert_eq!(
        kept["models"]["res.partner"]["search_read"]["params"][1],
        json!({"name": "fields", "default": null})
    );
    // The kept description names the arguments with nothing asked of a server.
    let export = odoo_har_env(&["export", &suite, "--format", "json2"], None, &[]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    assert!(
        export.stdout.contains("\"note\": \"hello\""),
        "{}",
        export.stdout
    );
    let dry = odoo_har_env(
        &[
            "replay",
            &suite,
            "--url",
            &odoo.url,
            "--db",
            DB,
            "--mode",
            "json2",
            "--dry-run",
        ],
        None,
        &key(),
    );
    assert!(dry.stdout.contains("\"note\": \"hello\""), "{}", dry.stdout);
    // Asked of a server with no /doc-bearer (before 19), or with a refused key: exit 2.
    let old = FakeOdoo::start_version(17);
    let run = odoo_har_env(
        &[
            "signatures",
            &suite,
            "--url",
            &old.url,
            "--db",
            DB,
            "--refresh",
        ],
        None,
        &key(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the server described none of the models (res.partner: HTTP 404: no /doc-bearer here"
        ),
        "{}",
        run.stderr
    );
    let run = odoo_har_env(
        &["signatures", &suite, "--url", &odoo.url, "--db", DB],
        None,
        &[("ODOO_API_KEY", "wrong")],
    );
    assert_eq!(run.code, 0, "already kept: nothing to ask");
    let run = odoo_har_env(
        &[
            "signatures",
            &suite,
            "--url",
            &odoo.url,
            "--db",
            DB,
            "--refresh",
        ],
        None,
        &[("ODOO_API_KEY", "wrong")],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("HTTP 401: Invalid apikey"),
        "{}",
        run.stderr
    );
    let run = odoo_har_env(
        &["signatures", &suite, "--url", &odoo.url, "--db", DB],
        None,
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("takes an API key: set ODOO_API_KEY"),
        "{}",
        run.stderr
    );
    // A kept file broken by hand is named, with the place, and nothing panics.
    std::fs::write(dir.join("suite/signatures.json"), "{\"models\": [1,\n").unwrap();
    let run = odoo_har_env(&["export", &suite, "--format", "json2"], None, &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("signatures.json: line 1, column 11: invalid type: sequence, expected a map")
            && run.stderr.contains("odoo-har signatures SUITE --url URL"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_export_asks_the_server_for_names_with_url() {
    let dir = TempDir::new("signatures-export");
    let suite = stamp_suite(&dir);
    let odoo = FakeOdoo::start_version(19);
    let bare = odoo_har_env(&["export", &suite, "--format", "json2"], None, &[]);
    assert!(
        bare.stdout
            .contains("not exported: res.partner.x_stamp takes positional arguments"),
        "{}",
        bare.stdout
    );
    let run = odoo_har_env(
        &[
            "export", &suite, "--format", "json2", "--url", &odoo.url, "--db", DB,
        ],
        None,
        &key(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(&format!("POST {}/json/2/res.partner/x_stamp", odoo.url))
            && run.stdout.contains("X-Odoo-Database: fake_db")
            && run.stdout.contains("\"note\": \"hello\""),
        "{}",
        run.stdout
    );
}
