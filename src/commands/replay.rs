//! `odoo-har replay`: a suite's (or a capture's) calls sent again, to any Odoo, each answer
//! judged against its baseline (or, with `--against`, against a first server's answer).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::cli::ReplayArgs;
use crate::diff::{DEFAULT_IGNORES, Rules};
use crate::error::{Error, Result};
use crate::replay::auth::{Auth, Credentials, has_web_steps};
use crate::replay::client::Client;
use crate::replay::judge::{Judge, Kind, Tally, Verdict};
use crate::replay::runner::{self, Context, Options, Outcome, StepRun};
use crate::report::color::paint;
use crate::report::verbose::{self, Verbosity};
use crate::secret::Secret;
use crate::template::load::suite_or_captures;
use crate::template::redact::{REDACTED, Secrets};
use crate::template::render::{self, Renderer};
use crate::template::suite::Suite;
use crate::template::values::Values;

pub fn run(args: &ReplayArgs, out: &mut impl Write) -> Result<i32> {
    if args.show_ignored {
        return show_ignored(out);
    }
    let (suite, from_folder) = load(args)?;
    let suite = if args.against.is_some() && !args.allow_writes {
        read_only(suite)
    } else {
        suite
    };
    let mut renderer = Renderer::new(args.templates.as_deref())?;
    renderer.add_suite(&suite)?;
    let mut manifest_rules = args.compare.ignore.clone();
    manifest_rules.extend(suite.manifest.ignore.iter().cloned());
    let rules = Rules::new(
        !args.compare.no_default_ignores,
        &manifest_rules,
        &args.compare.unordered,
    )
    .map_err(|why| Error::Usage(format!("ignore rules: {why}")))?;
    let url = args.url.clone().or_else(|| std::env::var("ODOO_URL").ok()).ok_or_else(|| {
        Error::Usage("where to replay? give --url or ODOO_URL (odoo-har never sends to the captured server unless told to)".into())
    })?;
    let variables = &suite.manifest.variables;
    let captured = |name: &str| {
        variables
            .get(name)
            .and_then(Value::as_str)
            .filter(|v| *v != REDACTED)
            .map(str::to_string)
    };
    let credentials = Credentials {
        db: args
            .db
            .clone()
            .or_else(|| std::env::var("ODOO_DB").ok())
            .or_else(|| captured("db")),
        login: args
            .login
            .clone()
            .or_else(|| std::env::var("ODOO_LOGIN").ok())
            .or_else(|| captured("login")),
        password: password(args)?,
        api_key: std::env::var(&args.api_key_env)
            .ok()
            .filter(|k| !k.is_empty())
            .map(Secret::new),
        uid: args.uid,
    };
    let sources = render::Sources {
        vars: &args.vars,
        vars_file: args.vars_file.as_deref(),
    };
    let mut values =
        render::variables(&suite.manifest.variables, &suite.manifest.secrets, &sources)?;
    for (name, value) in [("db", &credentials.db), ("login", &credentials.login)] {
        if let Some(value) = value {
            values.insert(name.into(), Value::String(value.clone()));
        }
    }
    let web_suite = has_web_steps(&suite.manifest.steps);
    if args.dry_run {
        values.insert("url".into(), Value::String(url));
        return dry_run(args, &suite, &renderer, values, credentials, web_suite, out);
    }
    let suite = Arc::new(suite);
    let renderer = Arc::new(renderer);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the runtime: {e}")))?;
    let color = args.compare.color.enabled();
    let first = Server {
        url: url.clone(),
        learn_noise: args.learn_noise,
    };
    let run_on = |server: &Server, expected: Expected| {
        runtime.block_on(replay(
            args,
            &suite,
            &renderer,
            &values,
            &credentials,
            server,
            expected,
            &rules,
            color,
        ))
    };
    let (verdicts, secrets, runs) = match &args.against {
        None => run_on(&first, Expected::Baselines)?,
        Some(second) => {
            eprintln!(
                "odoo-har: A/B: {url} (A) against {second} (B); B's answers are compared with A's"
            );
            let (_, _, runs_a) = run_on(&first, Expected::Nothing)?;
            let answers: Vec<Option<Value>> = runs_a.iter().map(|r| r.document()).collect();
            let noise: Vec<Vec<String>> = runs_a.iter().map(|r| r.noise.clone()).collect();
            let server_b = Server {
                url: second.clone(),
                learn_noise: 0,
            };
            run_on(
                &server_b,
                Expected::Answers(Arc::new(FirstServer { answers, noise })),
            )?
        }
    };
    if let Some(path) = &args.save_har {
        save_har(path, &runs, &secrets)?;
    }
    let label = suite.dir.display().to_string();
    if let Some(path) = &args.report_junit {
        write_file(path, &crate::report::junit::render(&label, &verdicts))?;
    }
    if let Some(path) = &args.report_json {
        write_file(path, &crate::report::json::render(&label, &verdicts))?;
    }
    if args.update {
        update(&suite, from_folder, &verdicts, &secrets, out)?;
    }
    summarize(&runs, &verdicts, out)
}

/// What B's answers are compared with.
enum Expected {
    Baselines,
    /// A's answers and learned noise.
    Answers(Arc<FirstServer>),
    /// A's run in A/B: nothing to compare yet.
    Nothing,
}

struct Server {
    url: String,
    learn_noise: u32,
}

/// What server A answered in an A/B run, by step.
struct FirstServer {
    answers: Vec<Option<Value>>,
    noise: Vec<Vec<String>>,
}

/// One run against one server: the verdicts, the secrets used, and the runs.
#[allow(clippy::too_many_arguments)]
async fn replay(
    args: &ReplayArgs,
    suite: &Arc<Suite>,
    renderer: &Arc<Renderer>,
    values: &Map<String, Value>,
    credentials: &Credentials,
    server: &Server,
    expected: Expected,
    rules: &Rules,
    color: bool,
) -> Result<(Vec<Verdict>, Secrets, Vec<StepRun>)> {
    let jobs = args.jobs.max(1);
    let client = Client::new(
        &server.url,
        args.insecure,
        Duration::from_secs_f64(args.timeout.max(0.001)),
        jobs,
    )
    .map_err(Error::Usage)?;
    let web_suite = has_web_steps(&suite.manifest.steps);
    let auth = Auth::establish(&client, args.mode, credentials.clone(), web_suite).await?;
    eprintln!(
        "odoo-har: replaying {} steps to {} in {} mode ({}), uid {}",
        suite.manifest.steps.len(),
        server.url,
        auth.mode.as_str(),
        auth.reason,
        auth.uid
    );
    let mut values = values.clone();
    values.insert("url".into(), Value::String(server.url.clone()));
    values.insert("uid".into(), Value::from(auth.uid));
    add_secrets(&mut values, &suite.manifest.secrets, credentials);
    let secret_values = auth.secret_values().await;
    let secrets = Secrets::from_values(secret_values.iter().map(String::as_str));
    let judging = !matches!(expected, Expected::Nothing);
    let context = Arc::new(Context {
        secrets: secrets.clone(),
        suite: suite.clone(),
        renderer: renderer.clone(),
        values,
        auth,
        client,
        options: Options {
            jobs,
            retry: args.retry,
            retry_writes: args.retry_writes,
            fail_fast: args.fail_fast,
            // A's answers are kept for B to be compared with.
            keep: args.save_har.is_some() || !judging,
            learn_noise: server.learn_noise,
        },
    });
    let judge = Arc::new(Judge::new(suite.clone(), rules.clone()));
    let verdicts: Arc<Mutex<Vec<Verdict>>> = Arc::new(Mutex::new(Vec::new()));
    let verbosity = match (args.very_verbose, args.verbose) {
        (true, _) => Verbosity::Bodies,
        (false, true) => Verbosity::Headers,
        (false, false) => Verbosity::Normal,
    };
    let progress = Arc::new(Progress::new(
        suite.manifest.steps.len(),
        args.quiet,
        verbosity,
        secrets.clone(),
        color,
    ));
    let (reporter, collected, expected) = (progress.clone(), verdicts.clone(), Arc::new(expected));
    let runs = runner::run(context.clone(), move |run| {
        let verdict = match &*expected {
            Expected::Baselines => judge.judge(run),
            Expected::Answers(a) => {
                let mut run = run.clone();
                run.noise.extend(a.noise[run.index].iter().cloned());
                judge.judge_against(&run, a.answers[run.index].as_ref(), run.document())
            }
            Expected::Nothing => judge.judge_against(run, None, None),
        };
        reporter.step(run, &verdict, judging);
        collected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(verdict);
    })
    .await;
    progress.finish();
    let mut verdicts = std::mem::take(&mut *verdicts.lock().unwrap_or_else(|p| p.into_inner()));
    let order: std::collections::HashMap<&str, usize> = suite
        .manifest
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    verdicts.sort_by_key(|v| order.get(v.step.as_str()).copied().unwrap_or(usize::MAX));
    Ok((verdicts, secrets, runs))
}

/// A suite folder as it is (true), or captures extracted in memory (false).
fn load(args: &ReplayArgs) -> Result<(Suite, bool)> {
    suite_or_captures(&args.inputs)
}

/// The suite without its writes, for A/B runs that must not change either server.
fn read_only(mut suite: Suite) -> Suite {
    suite.retain(|step| step.read_only);
    suite
}

fn password(args: &ReplayArgs) -> Result<Option<Secret>> {
    if let Some(preset) = &args.preset_password {
        return Ok(Some(Secret::new(preset.as_str())));
    }
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::Usage(format!("--password-stdin: {e}")))?;
        let line = line.trim_end_matches(['\n', '\r']).to_string();
        return Ok(Some(line).filter(|l| !l.is_empty()).map(Secret::new));
    }
    Ok(std::env::var(&args.password_env)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Secret::new))
}

/// The secrets templates use, with their real values.
fn add_secrets(values: &mut Map<String, Value>, names: &[String], credentials: &Credentials) {
    for name in names {
        let value = match name.as_str() {
            "password" => credentials
                .password
                .as_ref()
                .or(credentials.api_key.as_ref())
                .map(|s| s.expose().to_string()),
            "api_key" => credentials
                .api_key
                .as_ref()
                .or(credentials.password.as_ref())
                .map(|s| s.expose().to_string()),
            other => std::env::var(render::secret_variable(other)).ok(),
        };
        if let Some(value) = value {
            values.insert(name.clone(), Value::String(value));
        }
    }
}

fn show_ignored(out: &mut impl Write) -> Result<i32> {
    super::print((|| {
        writeln!(
            out,
            "Ignored by default (--no-default-ignores turns these off; --ignore adds more):\n"
        )?;
        for (rule, why) in DEFAULT_IGNORES {
            writeln!(out, "  {rule:<30} {why}")?;
        }
        writeln!(
            out,
            "\nAlso: ids a capture maps (a created record's new id stands for the captured one),\nand paths --learn-noise finds changing between repeated reads."
        )
    })())?;
    Ok(0)
}

fn dry_run(
    args: &ReplayArgs,
    suite: &Suite,
    renderer: &Renderer,
    mut values: Map<String, Value>,
    credentials: Credentials,
    web_suite: bool,
    out: &mut impl Write,
) -> Result<i32> {
    let captured_uid = values.get("uid").and_then(Value::as_i64);
    let masked = Credentials {
        password: credentials.password.as_ref().map(|_| Secret::new("***")),
        api_key: credentials.api_key.as_ref().map(|_| Secret::new("***")),
        ..credentials
    };
    let auth = Auth::offline(args.mode, masked, web_suite, captured_uid);
    for name in &suite.manifest.secrets {
        values.insert(name.clone(), Value::String("***".into()));
    }
    values.extend(render::captured_values(suite)?);
    super::print(writeln!(
        out,
        "# dry run: {} mode ({}); nothing is sent, secrets show as ***\n",
        auth.mode.as_str(),
        auth.reason
    ))?;
    for (index, step) in suite.manifest.steps.iter().enumerate() {
        let rendered = renderer.render_step_text(suite, index, &Values::new(&values))?;
        let text = match auth.prepare(step.kind, &step.route, rendered, index as u64 + 1) {
            Ok(prepared) => {
                let mut headers: Vec<String> = prepared
                    .headers
                    .iter()
                    .map(|(n, v)| {
                        if n.eq_ignore_ascii_case("authorization") {
                            format!("{n}: bearer ***")
                        } else {
                            format!("{n}: {v}")
                        }
                    })
                    .collect();
                if prepared.web {
                    headers.push("Cookie: session_id=***".into());
                }
                let headers = if headers.is_empty() {
                    String::new()
                } else {
                    format!("{}\n", headers.join("\n"))
                };
                format!(
                    "# {}\nPOST {}\n{headers}{}\n",
                    step.name,
                    prepared.route,
                    verbose::pretty_body(&prepared.body)
                )
            }
            Err(why) => format!(
                "# {}\nnot sent in {} mode: {why}\n",
                step.name,
                auth.mode.as_str()
            ),
        };
        super::print(writeln!(out, "{text}"))?;
    }
    Ok(0)
}

/// Per-step lines, as a progress bar on a terminal and plain lines elsewhere.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
    verbosity: Verbosity,
    /// For masking what `--verbose` shows.
    secrets: Secrets,
    /// Whether diffs are coloured.
    color: bool,
}

impl Progress {
    fn new(
        steps: usize,
        quiet: bool,
        verbosity: Verbosity,
        secrets: Secrets,
        color: bool,
    ) -> Progress {
        let interactive = std::io::stderr().is_terminal()
            && std::env::var("CI").map_or(true, |ci| ci != "true")
            && !quiet;
        let bar = interactive.then(|| {
            let bar = indicatif::ProgressBar::new(steps as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} steps {elapsed}")
            {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            quiet,
            verbosity,
            secrets,
            color,
        }
    }

    fn step(&self, run: &StepRun, verdict: &Verdict, judging: bool) {
        self.exchange(run);
        let mut text = step_line(run, verdict, judging);
        if verdict.verdict == Kind::Differs && !verdict.diff.is_empty() {
            text.push('\n');
            for path in &verdict.changed_paths {
                text.push_str(&format!("           {path}\n"));
            }
            text.push_str(&paint(&verdict.diff, self.color));
        }
        match &self.bar {
            Some(bar) => {
                bar.println(text.trim_end());
                bar.inc(1);
            }
            None if !self.quiet => println!("{}", text.trim_end()),
            None => {}
        }
    }

    /// With `--verbose`, what the step sent and received, on stderr.
    fn exchange(&self, run: &StepRun) {
        if self.verbosity == Verbosity::Normal {
            return;
        }
        let Some(exchange) = run.exchange(&self.secrets) else {
            return;
        };
        let bodies = self.verbosity == Verbosity::Bodies;
        let text = verbose::exchange_text(&run.name, run.attempts, &exchange, bodies);
        match &self.bar {
            Some(bar) => bar.suspend(|| eprint!("{text}")),
            None => eprint!("{text}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn step_line(run: &StepRun, verdict: &Verdict, judging: bool) -> String {
    let label = if judging {
        match verdict.verdict {
            Kind::Passed => "passed",
            Kind::Differs => "differs",
            Kind::Failed => "FAILED",
            Kind::Skipped => "skipped",
        }
    } else {
        match &run.outcome {
            Outcome::Answered(_) => "sent",
            Outcome::Failed { .. } => "FAILED",
            Outcome::Skipped { .. } => "skipped",
        }
    };
    let status = match &run.outcome {
        Outcome::Answered(a) => a.status.to_string(),
        _ => "-".into(),
    };
    let time = if run.attempts > 0 {
        format!("{:>6} ms", run.elapsed.as_millis())
    } else {
        String::new()
    };
    let detail = match (&verdict.verdict, run.describe()) {
        (Kind::Differs, _) => verdict.reason.clone(),
        (_, described) if !described.is_empty() => described,
        _ => verdict.reason.clone(),
    };
    let noise = if run.noise.is_empty() {
        String::new()
    } else {
        format!(" (learned noise: {})", run.noise.join(", "))
    };
    format!(
        "{label:<8} {:<44} {status:>4} {time:>9}  {detail}{noise}",
        run.name
    )
    .trim_end()
    .to_string()
}

fn summarize(runs: &[StepRun], verdicts: &[Verdict], out: &mut impl Write) -> Result<i32> {
    let count = |f: fn(&StepRun) -> bool| runs.iter().filter(|r| f(r)).count();
    let sent = count(|r| r.attempts > 0);
    let errors = count(
        |r| matches!(&r.outcome, Outcome::Answered(a) if matches!(a.answer, crate::odoo::rpc::Answer::Error(_))),
    );
    let failed = count(|r| matches!(r.outcome, Outcome::Failed { .. }));
    let skipped = count(|r| matches!(r.outcome, Outcome::Skipped { .. }));
    let ok = runs.len() - errors - failed - skipped;
    let tally = Tally::of(verdicts);
    super::print((|| {
        writeln!(
            out,
            "{} steps: {sent} sent, {ok} ok, {errors} Odoo errors, {failed} failed, {skipped} skipped",
            runs.len()
        )?;
        writeln!(out, "{}", tally.line())
    })())?;
    Ok(tally.exit_code())
}

/// `--update`: the baselines of steps that differ become what this run got.
fn update(
    suite: &Suite,
    from_folder: bool,
    verdicts: &[Verdict],
    secrets: &Secrets,
    out: &mut impl Write,
) -> Result<()> {
    if !from_folder {
        return Err(Error::Usage("--update rewrites a suite's baselines: extract the capture into a suite first (`odoo-har extract CAPTURE -o DIR`)".into()));
    }
    for verdict in verdicts.iter().filter(|v| v.verdict == Kind::Differs) {
        let Some(step) = suite.manifest.steps.iter().find(|s| s.name == verdict.step) else {
            continue;
        };
        let (Some(baseline), Some(live)) = (&step.baseline, &verdict.live) else {
            continue;
        };
        let mut live = live.clone();
        secrets.scrub_json(&mut live);
        let mut text = serde_json::to_string_pretty(&live).unwrap_or_default();
        text.push('\n');
        write_file(&suite.dir.join(baseline), &text)?;
        super::print(writeln!(out, "updated the baseline of {}", step.name))?;
    }
    Ok(())
}

fn write_file(path: &std::path::Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| {
        Error::input(
            path.display().to_string(),
            None,
            format!("cannot write: {e}"),
        )
    })
}

fn save_har(path: &std::path::Path, runs: &[StepRun], secrets: &Secrets) -> Result<()> {
    let exchanges: Vec<_> = runs.iter().filter_map(|r| r.exchange(secrets)).collect();
    let mut har = crate::capture::to_har(&exchanges, "odoo-har replay");
    crate::template::redact::redact_har(&mut har, secrets);
    let mut text = serde_json::to_string_pretty(&har).unwrap_or_default();
    text.push('\n');
    write_file(path, &text)
}
