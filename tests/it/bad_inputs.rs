//! The bad-input corpus (`tests/bad-inputs/`): malformed and hostile captures, snippets,
//! payloads, suites and domains. Each gives the exact error the tool promises, exit 2, no
//! panic, and no file written outside the output folder; or, where real exports do the same
//! thing, is read as the browser meant it.

use crate::common;

use common::{Run, TempDir, odoo_har};

const CORPUS: &str = "tests/bad-inputs";

/// File, the place the error names, and what it says.
const REJECTED: &[(&str, &str, &str)] = &[
    ("empty.har", "", "the file is empty"),
    (
        "not-json.har",
        "line 1, column 1",
        "not a capture odoo-har can read",
    ),
    ("truncated.har", "line 1, column", "EOF while parsing"),
    (
        "trailing-garbage.har",
        "line 2, column 1",
        "trailing characters",
    ),
    ("log-not-object.har", "at log", "there is no \"log\" object"),
    (
        "entries-not-array.har",
        "at log.entries",
        "expected an array, found an object",
    ),
    (
        "entries-null.har",
        "at log.entries",
        "expected an array of entries, found null",
    ),
    (
        "request-not-object.har",
        "at log.entries[3].request",
        "expected a request object, found a string",
    ),
    (
        "url-number.har",
        "at log.entries[3].request.url",
        "the request has no URL",
    ),
    (
        "headers-not-array.har",
        "at log.entries[3].request.headers",
        "expected an array, found a string",
    ),
    (
        "status-string.har",
        "at log.entries[3].response.status",
        "invalid type: string \"two hundred\"",
    ),
    (
        "postdata-text-number.har",
        "at log.entries[4].request.postData.text",
        "expected a string",
    ),
    (
        "content-not-object.har",
        "at log.entries[4].response.content",
        "expected a content object, found an array",
    ),
    (
        "started-not-string.har",
        "at log.entries[4].startedDateTime",
        "expected a string",
    ),
    (
        "version-1.1.har",
        "at log.version",
        "unsupported HAR version \"1.1\"",
    ),
    (
        "version-2.0.har",
        "at log.version",
        "unsupported HAR version \"2.0\"",
    ),
    (
        "duplicate-log.har",
        "line 1, column",
        "duplicate field `log`",
    ),
    (
        "invalid-base64.har",
        "at log.entries[4].response.content.text",
        "says it is base64 but is not",
    ),
    (
        "invalid-utf8.har",
        "line 1, column 201",
        "expected `,` or `}`",
    ),
    ("binary.bin", "", "not text (invalid UTF-8 at byte 128)"),
    (
        "curl-unbalanced-quote.sh",
        "line 1, column 109",
        "the single quote opened here is never closed",
    ),
    (
        "curl-no-url.sh",
        "line 1, column 1",
        "this curl command has no URL",
    ),
    (
        "fetch-unclosed.js",
        "line 4, column 1",
        "expected `,` or `}` in the options object",
    ),
    (
        "payload-array.json",
        "at $",
        "a JSON-RPC payload is a JSON object",
    ),
    (
        "payload-rpc-no-params.json",
        "",
        "does not say where it was sent",
    ),
];

/// Damaged in ways real exports are too: read, with the calls found.
const TOLERATED: &[(&str, &str)] = &[
    ("bom.har", "7 Odoo calls"),
    ("crlf.har", "7 Odoo calls"),
    ("method-missing.har", "7 Odoo calls"),
    ("huge-size-claim.har", "7 Odoo calls"),
    // A body that is not JSON is a call odoo-har cannot read, listed as such.
    ("body-not-json.har", "Odoo calls"),
];

/// Suite folder, and what reading it says.
const SUITES: &[(&str, &str, &str)] = &[
    (
        "suite-bad-toml",
        "odoo-har.toml: line 6, column 1",
        "missing comma between array elements",
    ),
    (
        "suite-wrong-type",
        "odoo-har.toml: line 26, column 13",
        "expected a boolean",
    ),
    (
        "suite-path-traversal",
        "at step[0] (001-res.users.read) params",
        "is not a path inside the suite folder",
    ),
    (
        "suite-name-traversal",
        "at step[0] (../../../etc/passwd) name",
        "a step name must be a plain file name",
    ),
    (
        "suite-self-include",
        "params.hbs: line 1, column 1",
        "partials ({{> …}}) are not allowed",
    ),
    (
        "suite-unknown-variable",
        "params.hbs: line 4, column 7",
        "the variable `no_such_variable` has no value",
    ),
    (
        "suite-bad-baseline",
        "response.json: line 2, column 0",
        "EOF while parsing a list",
    ),
];

fn assert_refused(run: &Run, what: &str, place: &str, message: &str) {
    assert_eq!(run.code, 2, "{what}: exit {}\n{}", run.code, run.stderr);
    assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
    let first = run.stderr.lines().next().unwrap_or("");
    assert!(first.starts_with("error: "), "{what}: {first}");
    assert!(first.contains(place), "{what}: no `{place}` in {first}");
    assert!(first.contains(message), "{what}: no `{message}` in {first}");
    assert!(
        run.stderr.contains("hint: ") || !place.is_empty(),
        "{what}: {}",
        run.stderr
    );
}

#[test]
fn every_rejected_input_names_file_place_and_problem() {
    for (file, place, message) in REJECTED {
        let path = format!("{CORPUS}/{file}");
        let run = odoo_har(&["inspect", &path], None);
        assert_refused(
            &run,
            file,
            format!("{path}: {place}").trim_end_matches(": "),
            message,
        );
        // The same from standard input, where the file is named `-`… or the bytes sniffed.
        let bytes = std::fs::read(&path).unwrap();
        let piped = odoo_har(&["whoami", "-"], Some(&bytes));
        assert_eq!(piped.code, 2, "{file} on stdin: {}", piped.stderr);
        assert!(
            !piped.stderr.contains("panicked"),
            "{file}: {}",
            piped.stderr
        );
    }
}

#[test]
fn tolerated_inputs_are_read_as_meant() {
    for (file, found) in TOLERATED {
        let run = odoo_har(&["inspect", &format!("{CORPUS}/{file}")], None);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert!(run.stdout.contains(found), "{file}: {}", run.stdout);
    }
}

#[test]
fn hostile_suites_are_refused_and_nothing_is_written_outside_the_output() {
    for (suite, place, message) in SUITES {
        let path = format!("{CORPUS}/{suite}");
        let dir = TempDir::new(&format!("bad-{suite}"));
        let out = format!("{}/", dir.str("out"));
        for args in [
            vec!["render", path.as_str()],
            vec![
                "replay",
                path.as_str(),
                "--url",
                "http://127.0.0.1:9",
                "--dry-run",
            ],
            vec![
                "export",
                path.as_str(),
                "--format",
                "hurl",
                "-o",
                out.as_str(),
            ],
            vec![
                "mock",
                path.as_str(),
                "--listen",
                "127.0.0.1:0",
                "--requests",
                "1",
            ],
        ] {
            let run = odoo_har(&args, None);
            assert_refused(&run, &format!("{suite} {}", args[0]), place, message);
        }
        let written: Vec<_> = std::fs::read_dir(&dir.0).unwrap().flatten().collect();
        assert!(written.is_empty(), "{suite}: wrote {written:?}");
    }
}

#[test]
fn generated_hostile_inputs_are_refused_without_overflowing_the_stack() {
    let dir = TempDir::new("bad-generated");
    let deep = dir.0.join("deep.json");
    std::fs::write(
        &deep,
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    )
    .unwrap();
    let run = odoo_har(&["inspect", deep.to_str().unwrap()], None);
    assert_refused(
        &run,
        "100k nested lists",
        "deep.json: line 1, column 128",
        "recursion limit exceeded",
    );

    let deep_har = dir.0.join("deep.har");
    std::fs::write(
        &deep_har,
        format!("{}1{}", "{\"log\":".repeat(100_000), "}".repeat(100_000)),
    )
    .unwrap();
    let run = odoo_har(&["inspect", deep_har.to_str().unwrap()], None);
    assert_refused(
        &run,
        "100k nested objects",
        "deep.har: line 1, column",
        "recursion limit exceeded",
    );

    let nested = "[".repeat(100_000);
    let run = odoo_har(&["domain", "-"], Some(nested.as_bytes()));
    assert_refused(
        &run,
        "nested domain",
        "line 1, column 65",
        "lists nested deeper than 64",
    );
}

#[test]
fn a_domain_of_ten_thousand_operators_is_checked_and_explained() {
    let ors = format!(
        "[{}{}]",
        "'|', ".repeat(10_000),
        vec!["('a', '=', 1)"; 10_001].join(", ")
    );
    let run = odoo_har(&["domain", "-", "--explain"], Some(ors.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches(" OR ").count(), 10_000);
    let nots = format!("[{}('a', '=', 1)]", "'!', ".repeat(10_000));
    let run = odoo_har(&["domain", "-", "--explain"], Some(nots.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches("NOT ").count(), 10_000);
    let unbalanced = format!("[{}('a', '=', 1)]", "'|', ".repeat(10_000));
    let run = odoo_har(&["domain", "-"], Some(unbalanced.as_bytes()));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn the_corpus_holds_at_least_thirty_inputs() {
    let stored = std::fs::read_dir(CORPUS).unwrap().count();
    assert_eq!(stored, REJECTED.len() + TOLERATED.len() + SUITES.len());
    // Stored and generated (deep JSON, deep HAR, deep domain, two 10k-operator domains).
    assert!(stored + 5 >= 30);
}
