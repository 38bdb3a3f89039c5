//! `odoo-har demo`: the whole pipeline on a capture bundled in the binary, against a mock Odoo
//! on a free loopback port, with no network. Each step is the command a user would type, run
//! through the same code, with a word on why before it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser;
use serde_json::Value;

use crate::cli::{Cli, Command, DemoArgs};
use crate::error::{Error, Result};
use crate::mock::server::{Background, Log, Mock};
use crate::template::suite::Suite;

/// An Odoo 16 web-client session: login, the Preferences dialog (`res.users/read`), a
/// partner search with a domain, a create and a write.
pub const DEMO_CAPTURE: &[u8] = include_bytes!("../../fixtures/demo-odoo16.har");
const CAPTURE_FILE: &str = "demo-odoo16.har";
/// The field the second mock changes, and what to.
const CHANGED_FIELD: &str = "tz";
const CHANGED_VALUE: &str = "America/New_York";
/// What the replay gives the mock as a password: the mock takes any.
const DEMO_PASSWORD: &str = "demo";

pub fn run(args: &DemoArgs, out: &mut impl Write) -> Result<i32> {
    let work = Workdir::new()?;
    let capture = work.path.join(CAPTURE_FILE);
    std::fs::write(&capture, DEMO_CAPTURE)
        .map_err(|e| Error::Setup(format!("cannot write {}: {e}", capture.display())))?;
    let suite_dir = args.keep.clone().unwrap_or_else(|| work.path.join("suite"));
    let capture = capture.display().to_string();
    let suite = suite_dir.display().to_string();
    let mut problems = Vec::new();

    super::print(writeln!(
        out,
        "odoo-har demo: a browser session with an Odoo 16 web client, saved from DevTools as a HAR\n\
         (login, the Preferences dialog, a partner search, a create and a write). It is bundled in\n\
         the binary; everything below runs on this machine, against a mock Odoo on a loopback port."
    ))?;

    say(
        out,
        "1. Who was logged in, and where each fact was found. This replaces opening Preferences in\n   \
         DevTools and reading params.kwargs.context.uid by hand:",
    )?;
    expect(
        run_step(out, &["whoami", &capture], None)?,
        0,
        "whoami",
        &mut problems,
    );

    say(
        out,
        "2. Every Odoo call becomes a step of a suite: a handlebars template of its params with the\n   \
         uid, database and context as variables, secrets left out, created ids passed on to later\n   \
         steps, and the captured answer as the baseline:",
    )?;
    let mut extract = vec!["extract", &capture, "-o", &suite];
    if args.keep.is_some() {
        extract.push("--force");
    }
    expect(run_step(out, &extract, None)?, 0, "extract", &mut problems);

    say(
        out,
        "3. The Preferences call as the external API takes it: POST /jsonrpc, service object,\n   \
         execute_kw with [db, uid, password or API key, model, method, args, kwargs]:",
    )?;
    let export = [
        "export",
        &suite,
        "--format",
        "jsonrpc",
        "--model",
        "res.users",
    ];
    expect(run_step(out, &export, None)?, 0, "export", &mut problems);

    let loaded = Suite::read(&suite_dir)?;
    let mock = start_mock(&loaded, None)?;
    say(
        out,
        &format!(
            "4. A mock Odoo answering from the capture listens on {} (`odoo-har mock`\n   \
             serves one for your own captures). Replaying the suite against it passes: every\n   \
             answer matches its baseline, the created partner's id passed from create to write:",
            mock.url()
        ),
    )?;
    let report = work.path.join("replay.json").display().to_string();
    replay_step(
        out,
        &suite,
        &mock.url(),
        &report,
        0,
        "replay",
        &mut problems,
    )?;
    drop(mock);

    let changed = start_mock(&loaded, Some((CHANGED_FIELD, CHANGED_VALUE)))?;
    say(
        out,
        &format!(
            "5. Now a mock whose data changed: the user's time zone is {CHANGED_VALUE}. The same replay\n   \
             fails (exit code 1, what CI sees) and shows the diff of exactly that field:"
        ),
    )?;
    let what = "the changed replay";
    replay_step(out, &suite, &changed.url(), &report, 1, what, &mut problems)?;
    drop(changed);
    check_changed_report(Path::new(&report), &mut problems);

    let kept = match &args.keep {
        Some(dir) => format!("The suite is kept in {}.", dir.display()),
        None => "Run `odoo-har demo --keep DIR` to keep the suite and look at its files.".into(),
    };
    say(
        out,
        &format!(
            "{kept}\n\nNow your own: in the browser's DevTools (Network tab) use the Odoo web client,\n\
             right-click a request, choose \"Save all as HAR\", and run\n  \
             odoo-har whoami your-capture.har\n  \
             odoo-har extract your-capture.har -o suite/\n  \
             ODOO_PASSWORD=… odoo-har replay suite/ --url https://your-staging.odoo.com --report-junit junit.xml\n  \
             odoo-har export suite/ --format python -o calls.py\n  \
             odoo-har mock suite/"
        ),
    )?;
    if problems.is_empty() {
        return Ok(0);
    }
    super::print(writeln!(
        out,
        "\nodoo-har demo: not every step behaved as expected:"
    ))?;
    for problem in &problems {
        super::print(writeln!(out, "  - {problem}"))?;
    }
    Ok(1)
}

/// A temporary folder for the run, removed at the end.
struct Workdir {
    path: PathBuf,
}

impl Workdir {
    fn new() -> Result<Workdir> {
        let path = std::env::temp_dir().join(format!("odoo-har-demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .map_err(|e| Error::Setup(format!("cannot create {}: {e}", path.display())))?;
        Ok(Workdir { path })
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn say(out: &mut impl Write, text: &str) -> Result<()> {
    super::print(writeln!(out, "\n{text}\n"))
}

/// Runs `odoo-har ARGS` in-process, echoing the command first.
fn run_step(out: &mut impl Write, args: &[&str], password: Option<&str>) -> Result<i32> {
    super::print(writeln!(out, "$ odoo-har {}", args.join(" ")))?;
    super::print(out.flush())?;
    let mut cli = Cli::try_parse_from(std::iter::once("odoo-har").chain(args.iter().copied()))
        .map_err(|e| Error::Setup(format!("the demo's own command is wrong: {e}")))?;
    if let Command::Replay(replay) = &mut cli.command {
        replay.preset_password = password.map(str::to_string);
    }
    let code = match super::run(&cli.command, out) {
        Ok(code) => code,
        Err(err) => {
            super::print(writeln!(out, "error: {err}"))?;
            err.exit_code()
        }
    };
    super::print(out.flush())?;
    Ok(code)
}

/// Replays the suite against a mock, expecting `wanted` as the exit code.
fn replay_step(
    out: &mut impl Write,
    suite: &str,
    url: &str,
    report: &str,
    wanted: i32,
    what: &str,
    problems: &mut Vec<String>,
) -> Result<()> {
    let args = [
        "replay",
        suite,
        "--url",
        url,
        "--jobs",
        "2",
        "--report-json",
        report,
    ];
    let code = run_step(out, &args, Some(DEMO_PASSWORD))?;
    expect(code, wanted, what, problems);
    Ok(())
}

fn expect(code: i32, wanted: i32, what: &str, problems: &mut Vec<String>) {
    if code != wanted {
        problems.push(format!("{what} exited with {code}, expected {wanted}"));
    }
}

/// A mock of the suite, with the Preferences answer's `field` changed when asked. It logs
/// nothing: the replay's own lines say what happened.
fn start_mock(suite: &Suite, change: Option<(&str, &str)>) -> Result<Background> {
    let mut suite = suite.clone();
    if let Some((field, value)) = change {
        let preferences = suite.manifest.steps.iter().position(|s| {
            s.model.as_deref() == Some("res.users") && s.method.as_deref() == Some("read")
        });
        let record = preferences
            .and_then(|i| suite.baseline_mut(i))
            .and_then(|b| b.pointer_mut("/result/0"))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| Error::Setup("the bundled capture has no Preferences answer".into()))?;
        record.insert(field.into(), Value::String(value.into()));
    }
    let mock = Mock::of_suite(&suite, None, false)?;
    let quiet: Log = Arc::new(|_: &str| {});
    Background::start(Arc::new(mock), ([127, 0, 0, 1], 0).into(), quiet)
        .map_err(|e| Error::Setup(format!("cannot start the mock on 127.0.0.1: {e}")))
}

/// The changed replay must differ in the changed field of the Preferences step, and nowhere else.
fn check_changed_report(report: &Path, problems: &mut Vec<String>) {
    let report: Value = std::fs::read_to_string(report)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    let changed: Vec<String> = report["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|step| {
            step["changed_paths"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                // Each change reads `PATH: OLD → NEW`.
                .map(|change| change.split(": ").next().unwrap_or(change))
                .map(|path| format!("{} {path}", step["step"].as_str().unwrap_or("?")))
        })
        .collect();
    let wanted = format!("001-res.users.read $.result[0].{CHANGED_FIELD}");
    if changed != [wanted.clone()] {
        problems.push(format!(
            "the changed replay should differ in `{wanted}` only, but differs in {changed:?}"
        ));
    }
}
