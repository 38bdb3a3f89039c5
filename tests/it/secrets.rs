//! No secret reaches a file, a report, a log or the terminal: every command that writes
//! something runs on captures holding a password, an API key, a session cookie and a CSRF
//! token, and every byte it writes or prints is scanned for them. Zero hits is the only pass.

use crate::common;
use crate::fake_odoo;

use common::{Run, SECRETS, TempDir, files_below, odoo_har_env};
use fake_odoo::{API_KEY, FakeOdoo, PASSWORD};

const CAPTURES: [&str; 5] = [
    "fixtures/demo-odoo16.har",    // password, session cookie, CSRF token
    "fixtures/odoo16-firefox.har", // the same, Firefox's export
    "fixtures/odoo19-chrome.har",  // an API key as a bearer header
    "fixtures/curl-chrome.sh",     // a session cookie in a cURL snippet
    "fixtures/mitmproxy-external-api.har", // a password in XML-RPC and /jsonrpc arguments
];

/// Everything secret in this test: the fixtures' secrets, the test server's credentials, and
/// the session ids it hands out (`{:040x}` of n × 7919).
fn secrets() -> Vec<String> {
    let mut all: Vec<String> = SECRETS.iter().map(|s| s.to_string()).collect();
    all.push(PASSWORD.into());
    all.push(API_KEY.into());
    all.extend((1..200u64).map(|n| format!("{:040x}", n * 7919)));
    all
}

fn scan(what: &str, bytes: &[u8], secrets: &[String]) {
    let text = String::from_utf8_lossy(bytes);
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} holds the secret {secret}"
        );
    }
}

fn scan_run(what: &str, run: &Run, secrets: &[String]) {
    scan(&format!("{what} stdout"), run.stdout.as_bytes(), secrets);
    scan(&format!("{what} stderr"), run.stderr.as_bytes(), secrets);
}

#[test]
fn no_command_writes_or_prints_a_secret() {
    let secrets = secrets();
    let dir = TempDir::new("secrets-scan");
    let with_secrets = [
        ("ODOO_PASSWORD", PASSWORD),
        ("ODOO_API_KEY", API_KEY),
        ("ODOO_DB", fake_odoo::DB),
        ("ODOO_LOGIN", fake_odoo::LOGIN),
    ];
    let odoo = FakeOdoo::start();
    let mut runs = 0;
    for (n, capture) in CAPTURES.iter().enumerate() {
        let at = |name: &str| dir.str(&format!("{n}-{name}"));
        let suite = at("suite");
        let mut commands: Vec<Vec<String>> = vec![
            vec![
                "inspect".into(),
                capture.to_string(),
                "--json".into(),
                "--all".into(),
            ],
            vec!["whoami".into(), capture.to_string(), "--json".into()],
            vec![
                "extract".into(),
                capture.to_string(),
                "-o".into(),
                suite.clone(),
            ],
            vec!["render".into(), suite.clone()],
            vec!["render".into(), suite.clone(), "--json".into()],
            vec![
                "redact".into(),
                capture.to_string(),
                "-o".into(),
                at("redacted.har"),
            ],
        ];
        // --portable rewrites templates and baselines: written through the same scrub.
        commands.push(vec![
            "extract".into(),
            capture.to_string(),
            "-o".into(),
            at("portable"),
            "--portable".into(),
        ]);
        for format in ["python", "json2"] {
            commands.push(vec![
                "export".into(),
                capture.to_string(),
                "--portable".into(),
                "--format".into(),
                format.into(),
            ]);
        }
        for format in [
            "jsonrpc", "xmlrpc", "json2", "curl", "python", "hurl", "k6", "locust",
        ] {
            commands.push(vec![
                "export".into(),
                capture.to_string(),
                "--format".into(),
                format.into(),
                "-o".into(),
                format!("{}/", at(&format!("export-{format}"))),
            ]);
            commands.push(vec![
                "export".into(),
                suite.clone(),
                "--format".into(),
                format.into(),
            ]);
        }
        let replay = |extra: Vec<String>| -> Vec<String> {
            let mut args = vec![
                "replay".into(),
                suite.clone(),
                "--url".into(),
                odoo.url.clone(),
            ];
            args.extend(extra);
            args
        };
        for mode in ["session", "jsonrpc"] {
            commands.push(replay(vec![
                "--mode".into(),
                mode.into(),
                "--save-har".into(),
                at(&format!("replayed-{mode}.har")),
                "--report-json".into(),
                at(&format!("report-{mode}.json")),
                "--report-junit".into(),
                at(&format!("junit-{mode}.xml")),
                "--report-html".into(),
                at(&format!("report-{mode}.html")),
                "--very-verbose".into(),
            ]));
            commands.push(replay(vec![
                "--mode".into(),
                mode.into(),
                "--dry-run".into(),
            ]));
        }
        commands.push(replay(vec!["--update".into()]));
        for args in &commands {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = odoo_har_env(&args, None, &with_secrets);
            assert_ne!(run.code, 2, "{args:?}: {}", run.stderr);
            scan_run(&args.join(" "), &run, &secrets);
            runs += 1;
        }
    }
    let written = files_below(&dir.0);
    assert!(written.len() > 40, "only {} files written", written.len());
    for (path, bytes) in &written {
        scan(&path.display().to_string(), bytes, &secrets);
    }
    assert!(runs >= 5 * 25, "{runs} commands run");
}
