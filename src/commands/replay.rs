//! `odoo-har replay`: a suite's (or a capture's) calls sent again, to any Odoo.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::Loaded;
use crate::cli::{CaptureArgs, ReplayArgs};
use crate::error::{Error, Result};
use crate::odoo::session::Identity;
use crate::replay::auth::{Auth, Credentials};
use crate::replay::client::Client;
use crate::replay::runner::{self, Context, Options, Outcome, StepRun};
use crate::template::extract::{self, Options as ExtractOptions};
use crate::template::redact::{REDACTED, Secrets};
use crate::template::render::{self, Renderer};
use crate::template::suite::{MANIFEST, Suite};

pub fn run(args: &ReplayArgs, out: &mut impl Write) -> Result<i32> {
    let suite = load(args)?;
    let mut renderer = Renderer::new(args.templates.as_deref())?;
    renderer.add_suite(&suite)?;
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
            .filter(|k| !k.is_empty()),
        uid: args.uid,
    };
    let sources = render::Sources {
        vars: &args.vars,
        vars_file: args.vars_file.as_deref(),
    };
    let mut values =
        render::variables(&suite.manifest.variables, &suite.manifest.secrets, &sources)?;
    values.insert("url".into(), Value::String(url.clone()));
    if let Some(db) = &credentials.db {
        values.insert("db".into(), Value::String(db.clone()));
    }
    if let Some(login) = &credentials.login {
        values.insert("login".into(), Value::String(login.clone()));
    }
    let kinds: Vec<String> = suite
        .manifest
        .steps
        .iter()
        .map(|s| s.kind.clone())
        .collect();
    if args.dry_run {
        return dry_run(args, suite, renderer, values, credentials, &kinds, out);
    }
    let jobs = args.jobs.max(1);
    let client = Client::new(
        &url,
        args.insecure,
        Duration::from_secs_f64(args.timeout.max(0.001)),
        jobs,
    )
    .map_err(Error::Usage)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let auth = Auth::establish(&client, args.mode, credentials.clone(), &kinds).await?;
        eprintln!(
            "odoo-har: replaying {} steps to {url} in {} mode ({}), uid {}",
            suite.manifest.steps.len(),
            auth.mode.as_str(),
            auth.reason,
            auth.uid
        );
        values.insert("uid".into(), Value::from(auth.uid));
        add_secrets(&mut values, &suite.manifest.secrets, &credentials);
        let secret_values = auth.secret_values().await;
        let context = Arc::new(Context {
            secrets: Secrets::from_values(secret_values.iter().map(String::as_str)),
            suite,
            renderer,
            values,
            auth,
            client,
            options: Options {
                jobs,
                retry: args.retry,
                retry_writes: args.retry_writes,
                fail_fast: args.fail_fast,
                keep: args.save_har.is_some(),
            },
        });
        let progress = Progress::new(context.suite.manifest.steps.len(), args.quiet);
        let progress = Arc::new(progress);
        let reporter = progress.clone();
        let runs = runner::run(context.clone(), move |run| reporter.step(run)).await;
        progress.finish();
        if let Some(path) = &args.save_har {
            save_har(path, &runs, &context.secrets)?;
        }
        summarize(&runs, out)
    })
}

/// A suite folder as it is, or captures extracted in memory.
fn load(args: &ReplayArgs) -> Result<Suite> {
    if let [single] = args.inputs.as_slice() {
        let dir = std::path::Path::new(single);
        if dir.join(MANIFEST).is_file() {
            return Suite::read(dir);
        }
    }
    let loaded = Loaded::from_args(&CaptureArgs {
        captures: args.inputs.clone(),
        url: None,
    })?;
    let identity = Identity::discover(&loaded.exchanges, &loaded.calls);
    let secrets = Secrets::collect(&loaded.exchanges);
    let sources = loaded.captures.iter().map(|c| c.file.to_string()).collect();
    let extracted = extract::extract(
        &loaded.exchanges,
        &loaded.calls,
        &identity,
        &secrets,
        sources,
        &ExtractOptions::default(),
    );
    if extracted.manifest.steps.is_empty() {
        return Err(
            Error::input(loaded.describe(), None, "no Odoo call to replay")
                .hint("`odoo-har inspect` the capture to see what it holds"),
        );
    }
    Ok(Suite::from_memory(
        &format!("{} (extracted in memory)", loaded.describe()),
        extracted.manifest,
        &extracted.files,
    ))
}

fn password(args: &ReplayArgs) -> Result<Option<String>> {
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::Usage(format!("--password-stdin: {e}")))?;
        let line = line.trim_end_matches(['\n', '\r']).to_string();
        return Ok(Some(line).filter(|l| !l.is_empty()));
    }
    Ok(std::env::var(&args.password_env)
        .ok()
        .filter(|p| !p.is_empty()))
}

/// The secrets templates use, with their real values.
fn add_secrets(
    values: &mut serde_json::Map<String, Value>,
    names: &[String],
    credentials: &Credentials,
) {
    for name in names {
        let value = match name.as_str() {
            "password" => credentials
                .password
                .clone()
                .or_else(|| credentials.api_key.clone()),
            "api_key" => credentials
                .api_key
                .clone()
                .or_else(|| credentials.password.clone()),
            other => std::env::var(render::secret_variable(other)).ok(),
        };
        if let Some(value) = value {
            values.insert(name.clone(), Value::String(value));
        }
    }
}

fn dry_run(
    args: &ReplayArgs,
    suite: Suite,
    renderer: Renderer,
    mut values: serde_json::Map<String, Value>,
    credentials: Credentials,
    kinds: &[String],
    out: &mut impl Write,
) -> Result<i32> {
    let captured_uid = values.get("uid").and_then(Value::as_i64);
    let masked = Credentials {
        password: credentials.password.as_ref().map(|_| "***".into()),
        api_key: credentials.api_key.as_ref().map(|_| "***".into()),
        ..credentials
    };
    let auth = Auth::offline(args.mode, masked, kinds, captured_uid);
    for name in &suite.manifest.secrets {
        values.insert(name.clone(), Value::String("***".into()));
    }
    values.extend(render::captured_values(&suite)?);
    super::print(writeln!(
        out,
        "# dry run: {} mode ({}); nothing is sent, secrets show as ***\n",
        auth.mode.as_str(),
        auth.reason
    ))?;
    for (index, step) in suite.manifest.steps.iter().enumerate() {
        let rendered = renderer.render_step_text(&suite, index, &render::Values::new(&values))?;
        let text = match auth.prepare(&step.kind, &step.route, rendered, index as u64 + 1) {
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
                    pretty(&prepared.body)
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

/// A JSON body, indented for a person.
fn pretty(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    }
}

/// Per-step lines, as a progress bar on a terminal and plain lines elsewhere.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(steps: usize, quiet: bool) -> Progress {
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
        Progress { bar, quiet }
    }

    fn step(&self, run: &StepRun) {
        let line = step_line(run);
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None if !self.quiet => println!("{line}"),
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn label(run: &StepRun) -> &'static str {
    match &run.outcome {
        Outcome::Answered(a) if matches!(a.answer, crate::odoo::rpc::Answer::Error(_)) => "error",
        Outcome::Answered(_) => "ok",
        Outcome::Failed { .. } => "FAILED",
        Outcome::Skipped { .. } => "skipped",
    }
}

fn step_line(run: &StepRun) -> String {
    let status = match &run.outcome {
        Outcome::Answered(a) => a.status.to_string(),
        _ => "-".into(),
    };
    let time = if run.attempts > 0 {
        format!("{:>6} ms", run.elapsed.as_millis())
    } else {
        String::new()
    };
    format!(
        "{:<8} {:<44} {:>4} {time:>9}  {}",
        label(run),
        run.name,
        status,
        run.describe()
    )
    .trim_end()
    .to_string()
}

fn summarize(runs: &[StepRun], out: &mut impl Write) -> Result<i32> {
    let count = |f: fn(&StepRun) -> bool| runs.iter().filter(|r| f(r)).count();
    let sent = count(|r| r.attempts > 0);
    let ok = count(|r| label(r) == "ok");
    let errors = count(|r| label(r) == "error");
    let failed = count(|r| label(r) == "FAILED");
    let skipped = count(|r| label(r) == "skipped");
    super::print(writeln!(
        out,
        "{} steps: {sent} sent, {ok} ok, {errors} Odoo errors, {failed} failed, {skipped} skipped",
        runs.len()
    ))?;
    Ok(if failed + skipped > 0 { 1 } else { 0 })
}

fn save_har(path: &std::path::Path, runs: &[StepRun], secrets: &Secrets) -> Result<()> {
    let exchanges: Vec<_> = runs.iter().filter_map(|r| r.exchange(secrets)).collect();
    let mut har = crate::capture::to_har(&exchanges, "odoo-har replay");
    crate::template::redact::redact_har(&mut har, secrets);
    let mut text = serde_json::to_string_pretty(&har).unwrap_or_default();
    text.push('\n');
    std::fs::write(path, text).map_err(|e| {
        Error::input(
            path.display().to_string(),
            None,
            format!("cannot write: {e}"),
        )
    })
}
