//! Regression replays for CI: verdicts, reports, baselines, noise and A/B, against the
//! Odoo-compatible test server; and `odoo-har diff`.

use crate::common;
use crate::fake_odoo;

use common::{Run, TempDir, odoo_har_env};
use fake_odoo::{API_KEY, DB, FakeOdoo, PASSWORD};
use serde_json::{Value, json};

fn credentials() -> [(&'static str, &'static str); 2] {
    [("ODOO_PASSWORD", PASSWORD), ("ODOO_API_KEY", API_KEY)]
}

fn replay(url: &str, suite: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "replay", suite, "--url", url, "--db", DB, "--login", "admin", "--jobs", "1",
    ];
    args.extend(extra);
    odoo_har_env(&args, None, &credentials())
}

/// A suite of `fixture` whose baselines a fresh server of `version` answered.
fn recorded_suite(fixture: &str, dir: &TempDir, version: u32) -> String {
    let out = dir.str("suite");
    let run = odoo_har_env(
        &["extract", &format!("fixtures/{fixture}"), "-o", &out],
        None,
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let recorder = FakeOdoo::start_version(version);
    let run = replay(&recorder.url, &out, &["--update"]);
    assert!(
        run.stdout.contains("updated the baseline of"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    out
}

#[test]
fn a_changed_field_fails_with_exactly_that_path() {
    let dir = TempDir::new("regression-changed");
    let suite = recorded_suite("demo-odoo16.har", &dir, 17);
    let odoo = FakeOdoo::start();
    let clean = replay(&odoo.url, &suite, &[]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    assert!(
        clean
            .stdout
            .ends_with("5 passed, 0 differs, 0 failed, 0 skipped (5 of 5 steps sent)\n"),
        "{}",
        clean.stdout
    );

    let odoo = FakeOdoo::start();
    odoo.set_field("res.partner", 9, "phone", json!("+1 666 000"));
    let run = replay(&odoo.url, &suite, &["--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("differs  002-res.partner.web_search_read"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(r#"$.result.records[1].phone: "(603)-996-3829" → "+1 666 000""#),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "-        \"phone\": \"(603)-996-3829\"\n+        \"phone\": \"+1 666 000\"\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("4 passed, 1 differs, 0 failed, 0 skipped (5 of 5 steps sent)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn volatile_fields_are_ignored_by_default_and_noise_can_be_learned() {
    // get_session_info's cache hashes change on every call of the test server.
    let dir = TempDir::new("regression-volatile");
    let suite = recorded_suite("odoo19-minimal.har", &dir, 19);
    let odoo = FakeOdoo::start_version(19);
    let step = "001-web.session.get_session_info";
    let run = replay(&odoo.url, &suite, &[]);
    assert!(
        run.stdout.contains(&format!("passed   {step}")),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let strict = replay(&odoo.url, &suite, &["--no-default-ignores"]);
    assert!(
        strict.stdout.contains(&format!("differs  {step}")),
        "{}",
        strict.stdout
    );
    assert!(
        strict.stdout.contains("$.result.cache_hashes.translations"),
        "{}",
        strict.stdout
    );
    let learned = replay(
        &odoo.url,
        &suite,
        &["--no-default-ignores", "--learn-noise", "2"],
    );
    assert!(
        learned.stdout.contains(&format!("passed   {step}")),
        "{}",
        learned.stdout
    );
    assert!(
        learned
            .stdout
            .contains("learned noise: $.result.cache_hashes.translations"),
        "{}",
        learned.stdout
    );
    // The captured expiry and missing record were errors; this server answers them: failed,
    // and --update left those baselines alone.
    assert!(
        run.stdout
            .contains("FAILED   002-res.partner.web_search_read")
            && run
                .stdout
                .contains("a result where the baseline had an Odoo error"),
        "{}",
        run.stdout
    );
}

#[test]
fn ignore_rules_from_the_command_line_and_scoped_to_a_step() {
    let dir = TempDir::new("regression-ignore");
    let suite = recorded_suite("demo-odoo16.har", &dir, 17);
    let odoo = FakeOdoo::start();
    odoo.set_field("res.partner", 9, "phone", json!("+1 666 000"));
    let scoped = replay(
        &odoo.url,
        &suite,
        &[
            "--ignore",
            "res.partner/web_search_read:$.result.records[*].phone",
        ],
    );
    assert_eq!(scoped.code, 0, "{}", scoped.stdout);
    let elsewhere = replay(
        &odoo.url,
        &suite,
        &["--ignore", "res.users/read:$.result.records[*].phone"],
    );
    assert_eq!(elsewhere.code, 1);
    let bad = replay(&odoo.url, &suite, &["--ignore", "$.result[oops]"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("`[oops]` is not an index"),
        "{}",
        bad.stderr
    );
}

#[test]
fn the_html_report_puts_differences_first_and_shows_hostile_answers_as_text() {
    let dir = TempDir::new("regression-html");
    let suite = recorded_suite("demo-odoo16.har", &dir, 17);
    let odoo = FakeOdoo::start();
    let hostile = "<script>alert(document.cookie)</script>";
    odoo.set_field("res.partner", 9, "phone", json!(hostile));
    let page = dir.str("report.html");
    let run = replay(
        &odoo.url,
        &suite,
        &["--report-html", &page, "--color", "always", "--quiet"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!doctype html>") && html.ends_with("</html>\n"));
    // The changed value is text in the page, and terminal colours stay on the terminal.
    assert!(!html.contains(hostile) && !html.contains('\x1b'), "{html}");
    assert!(
        html.contains("<span class=\"add\">+        &quot;phone&quot;: &quot;&lt;script&gt;alert(document.cookie)&lt;/script&gt;&quot;</span>"),
        "{html}"
    );
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    let row = |name: &str| {
        html.find(&format!("<td class=\"name\">{name}</td>"))
            .unwrap()
    };
    assert!(row("002-res.partner.web_search_read") < row("001-res.users.read"));
    assert!(html.contains("<div class=\"card passed\"><b>4</b><span>passed</span></div>"));
    assert!(html.contains("<div class=\"card differs\"><b>1</b><span>differs</span></div>"));
}

#[test]
fn junit_and_json_reports_hold_every_step() {
    let dir = TempDir::new("regression-reports");
    let suite = recorded_suite("demo-odoo16.har", &dir, 17);
    let odoo = FakeOdoo::start();
    odoo.set_field("res.partner", 9, "phone", json!("+1 666 000"));
    let (junit, report) = (dir.str("junit.xml"), dir.str("report.json"));
    let run = replay(
        &odoo.url,
        &suite,
        &[
            "--report-junit",
            &junit,
            "--report-json",
            &report,
            "--quiet",
        ],
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout, "4 passed, 1 differs, 0 failed, 0 skipped (5 of 5 steps sent)\n",
        "--quiet prints the summary only"
    );

    // The JUnit XML parses, with one testcase per step and the difference in a failure.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures, mut failure_text) = (Vec::new(), 0, String::new());
    let mut in_failure = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.name().as_ref() == "testcase" =>
            {
                let name = e
                    .try_get_attribute("name")
                    .unwrap()
                    .unwrap()
                    .normalized_value(quick_xml::XmlVersion::default())
                    .unwrap()
                    .into_owned();
                let class = e
                    .try_get_attribute("classname")
                    .unwrap()
                    .unwrap()
                    .normalized_value(quick_xml::XmlVersion::default())
                    .unwrap()
                    .into_owned();
                cases.push((class, name));
            }
            quick_xml::events::Event::Start(e) if e.name().as_ref() == "failure" => {
                failures += 1;
                in_failure = true;
            }
            quick_xml::events::Event::Text(t) if in_failure => {
                failure_text.push_str(&t.xml10_content())
            }
            quick_xml::events::Event::GeneralRef(r) if in_failure => {
                failure_text.push_str(match &*r.xml10_content() {
                    "quot" => "\"",
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    _ => "?",
                })
            }
            quick_xml::events::Event::End(e) if e.name().as_ref() == "failure" => {
                in_failure = false
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(cases.len(), 5);
    assert_eq!(
        cases[1],
        (
            "res.partner".to_string(),
            "002-res.partner.web_search_read".to_string()
        )
    );
    assert_eq!(failures, 1);
    assert!(
        failure_text.contains("$.result.records[1].phone"),
        "{failure_text}"
    );
    assert!(
        xml.contains("tests=\"5\" failures=\"1\" errors=\"0\" skipped=\"0\""),
        "{xml}"
    );

    let json: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(
        json["summary"],
        json!({"passed": 4, "differs": 1, "failed": 0, "skipped": 0, "unsendable": 0})
    );
    assert_eq!(json["steps"][1]["verdict"], json!("differs"));
    assert_eq!(
        json["steps"][1]["changed_paths"][0],
        json!(r#"$.result.records[1].phone: "(603)-996-3829" → "+1 666 000""#)
    );
    assert!(json["steps"][0]["duration_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn reports_carry_no_colour_codes_whatever_color_says() {
    let dir = TempDir::new("regression-colour");
    let suite = recorded_suite("demo-odoo16.har", &dir, 17);
    let odoo = FakeOdoo::start();
    odoo.set_field("res.partner", 9, "phone", json!("+1 666 000"));
    for color in ["always", "never", "auto"] {
        let (junit, report) = (dir.str("junit.xml"), dir.str("report.json"));
        let run = replay(
            &odoo.url,
            &suite,
            &[
                "--color",
                color,
                "--report-junit",
                &junit,
                "--report-json",
                &report,
            ],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        // The terminal gets colour only when asked, as before.
        assert_eq!(
            run.stdout.contains("\x1b[31m-"),
            color == "always",
            "--color {color}: {}",
            run.stdout
        );
        let xml = std::fs::read_to_string(&junit).unwrap();
        let text = std::fs::read_to_string(&report).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        let diff = json["steps"][1]["diff"].as_str().unwrap();
        assert!(diff.contains("\n-") && diff.contains("\n+"), "{diff}");
        for (what, written) in [
            ("JUnit", xml.as_str()),
            ("JSON", text.as_str()),
            ("diff", diff),
        ] {
            assert!(
                !written.contains('\x1b')
                    && !written.contains("\\u001b")
                    && !written.contains("[31m"),
                "--color {color}: escape codes in the {what} report: {written}"
            );
        }
    }
}

#[test]
fn update_rewrites_what_differs_never_what_failed_and_the_next_run_passes() {
    let dir = TempDir::new("regression-update");
    let suite = recorded_suite("demo-odoo16.har", &dir, 17);
    let odoo = FakeOdoo::start();
    odoo.set_field("res.partner", 9, "phone", json!("+1 666 000"));
    odoo.faults()
        .serialization_next
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let create_baseline =
        std::fs::read_to_string(dir.join("suite/steps/003-res.partner.create.response.json"))
            .unwrap();
    let run = replay(&odoo.url, &suite, &["--update"]);
    assert!(
        run.stdout
            .contains("updated the baseline of 002-res.partner.web_search_read"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("updated the baseline of 003"),
        "a failed step keeps its baseline: {}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("suite/steps/003-res.partner.create.response.json"))
            .unwrap(),
        create_baseline
    );
    let again = FakeOdoo::start();
    again.set_field("res.partner", 9, "phone", json!("+1 666 000"));
    let second = replay(&again.url, &suite, &[]);
    assert_eq!(second.code, 0, "{}", second.stdout);
    let updates = replay(&again.url, "fixtures/demo-odoo16.har", &["--update"]);
    assert_eq!(updates.code, 2);
    assert!(
        updates
            .stderr
            .contains("extract the capture into a suite first"),
        "{}",
        updates.stderr
    );
}

#[test]
fn a_b_compares_two_servers_reads_only_unless_allowed() {
    let dir = TempDir::new("regression-ab");
    let suite = recorded_suite("demo-odoo16.har", &dir, 17);
    let (a, b) = (FakeOdoo::start(), FakeOdoo::start());
    b.set_field("res.partner", 15, "email", json!("changed@example.com"));
    let run = replay(&a.url, &suite, &["--against", &b.url]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            r#"$.result.records[2].email: "azure.Interior24@example.com" → "changed@example.com""#
        ),
        "{}",
        run.stdout
    );
    // Only the reads run; the read of the created partner has no id to read without the create.
    assert!(
        run.stdout
            .contains("the capture `s003_result` got no value from the run"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("1 passed, 1 differs, 0 failed, 1 skipped (1 not sendable in this run) (2 of 3 steps sent)\n"),
        "{}",
        run.stdout
    );
    assert!(
        a.record("res.partner", 50).is_none() && b.record("res.partner", 50).is_none(),
        "no write reached either server"
    );
    let same = FakeOdoo::start();
    let run = replay(&a.url, &suite, &["--against", &same.url, "--allow-writes"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(same.record("res.partner", 50).is_some());
}

#[test]
fn show_ignored_lists_the_defaults() {
    let run = odoo_har_env(&["replay", "--show-ignored"], None, &[]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("$..write_date")
            && run.stdout.contains("$.error.data.debug")
            && run.stdout.contains("renumbered"),
        "{}",
        run.stdout
    );
}

#[test]
fn diff_of_two_files() {
    let dir = TempDir::new("diff-files");
    let write = |name: &str, value: Value| {
        std::fs::write(dir.join(name), value.to_string()).unwrap();
        dir.str(name)
    };
    let a = write(
        "a.json",
        json!({"jsonrpc": "2.0", "id": 1, "result": [{"id": 9, "name": "Acme", "write_date": "2026-01-01"}, {"id": 15, "name": "Azure"}]}),
    );
    let b = write(
        "b.json",
        json!({"id": 7, "jsonrpc": "2.0", "result": [{"id": 15, "name": "Azure"}, {"id": 9, "name": "Acme", "write_date": "2026-11-28"}]}),
    );
    let run = odoo_har_env(&["diff", &a, &b], None, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("$.result[0].id: 9 → 15"),
        "{}",
        run.stdout
    );
    let unordered = odoo_har_env(&["diff", &a, &b, "--unordered", "$.result"], None, &[]);
    assert_eq!(
        (unordered.code, unordered.stdout.trim()),
        (0, "same"),
        "{}",
        unordered.stdout
    );
    let strict = odoo_har_env(
        &[
            "diff",
            &a,
            &b,
            "--unordered",
            "$.result",
            "--no-default-ignores",
        ],
        None,
        &[],
    );
    assert_eq!(strict.code, 1);
    assert!(
        strict.stdout.contains("$.id: 1 → 7") && strict.stdout.contains("write_date"),
        "{}",
        strict.stdout
    );
    let broken = write("broken.json", json!(null));
    std::fs::write(&broken, "{\"a\": ").unwrap();
    let trouble = odoo_har_env(&["diff", &a, &broken], None, &[]);
    assert_eq!(trouble.code, 2);
    assert!(
        trouble.stderr.contains("broken.json: line 1, column 6"),
        "{}",
        trouble.stderr
    );
}
