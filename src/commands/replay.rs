//! `odoo-har replay`: a suite's (or a capture's) calls sent again, to any Odoo, each answer
//! judged against its baseline (or, with `--against`, against a first server's answer).
//!
//! This module only wires: it resolves the flags and the environment into a [`Plan`], hands
//! it to [`crate::replay`], and writes what came back through [`crate::report`].

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Duration;

use crate::cli::ReplayArgs;
use crate::diff::{DEFAULT_IGNORES, Rules};
use crate::error::{Error, Result, write_file};
use crate::odoo::signatures::Described;
use crate::replay::auth::Credentials;
use crate::replay::judge::Tally;
use crate::replay::{self, Plan};
use crate::report::terminal::{self, Printer};
use crate::report::verbose::Verbosity;
use crate::secret::Secret;
use crate::template::load::suite_or_captures;
use crate::template::render;
use crate::template::suite::Suite;

pub fn run(args: &ReplayArgs, out: &mut impl Write) -> Result<i32> {
    if args.show_ignored {
        return show_ignored(out);
    }
    let (mut suite, from_folder) = suite_or_captures(&args.inputs, args.with_ui)?;
    let plan = plan(args, &suite, from_folder)?;
    if args.portable {
        if args.update {
            return Err(Error::Usage("--update rewrites the suite's own baselines: it cannot be combined with --portable (extract with --portable to keep portable baselines)".into()));
        }
        suite = super::portable(suite, args.quiet)?;
    }
    if args.dry_run {
        replay::dry_run(&plan, suite, &mut |shown| {
            super::print(writeln!(out, "{}", terminal::dry_run(&shown)))
        })?;
        return Ok(0);
    }
    let verbosity = match (args.very_verbose, args.verbose) {
        (true, _) => Verbosity::Bodies,
        (false, true) => Verbosity::Headers,
        (false, false) => Verbosity::Normal,
    };
    let printer = Printer::new(args.quiet, verbosity, args.compare.color.enabled());
    let replayed = replay::run(&plan, suite, Arc::new(printer))?;
    let label = replayed.suite.dir.display().to_string();
    if let Some(path) = &args.report_junit {
        write_file(
            path,
            &crate::report::junit::render(&label, &replayed.verdicts),
        )?;
    }
    if let Some(path) = &args.report_json {
        write_file(
            path,
            &crate::report::json::render(&label, &replayed.verdicts),
        )?;
    }
    if let Some(path) = &args.report_html {
        write_file(
            path,
            &crate::report::html::render(&label, &replayed.verdicts),
        )?;
    }
    if args.update {
        replay::update_baselines(&replayed, from_folder, &mut |step| {
            super::print(writeln!(out, "updated the baseline of {step}"))
        })?;
    }
    super::print(terminal::summarize(&replayed.runs, &replayed.verdicts, out))?;
    let code = Tally::of(&replayed.verdicts).exit_code(plan.fail_on_skip);
    // The process ends next: freeing every step's run and verdict one by one (tens of
    // thousands of small allocations) would only delay the exit code a CI job waits for.
    std::mem::forget(replayed);
    Ok(code)
}

/// The flags and the environment, resolved once: everything the replay needs to know.
fn plan(args: &ReplayArgs, suite: &Suite, from_folder: bool) -> Result<Plan> {
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
    let credentials = Credentials {
        db: args.db.clone().or_else(|| std::env::var("ODOO_DB").ok()),
        login: args
            .login
            .clone()
            .or_else(|| std::env::var("ODOO_LOGIN").ok()),
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
    let variables =
        render::variables(&suite.manifest.variables, &suite.manifest.secrets, &sources)?;
    // The password and the API key come from the credentials; any other secret from its own
    // variable.
    let secrets: BTreeMap<String, Secret> = suite
        .manifest
        .secrets
        .iter()
        .filter(|name| !matches!(name.as_str(), "password" | "api_key"))
        .filter_map(|name| {
            let value = std::env::var(render::secret_variable(name)).ok()?;
            Some((name.clone(), Secret::new(value)))
        })
        .collect();
    Ok(Plan {
        url,
        against: args.against.clone(),
        allow_writes: args.allow_writes,
        against_given: against_given(args)?,
        mode: args.mode,
        credentials,
        secrets,
        variables,
        rules,
        templates: args.templates.clone(),
        jobs: args.jobs,
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
        insecure: args.insecure,
        retry: args.retry,
        retry_writes: args.retry_writes,
        fail_fast: args.fail_fast,
        learn_noise: args.learn_noise,
        save_har: args.save_har.clone(),
        fail_on_skip: args.fail_on_skip,
        time_shift: !args.no_time_shift,
        cleanup: args.cleanup,
        signatures: stored_signatures(suite, from_folder)?,
    })
}

/// What was given to log in to `--against`'s server; the rest is the first server's.
fn against_given(args: &ReplayArgs) -> Result<Credentials> {
    let secret = |flag: &str, var: &Option<String>| -> Result<Option<Secret>> {
        let Some(var) = var else { return Ok(None) };
        match std::env::var(var).ok().filter(|v| !v.is_empty()) {
            Some(value) => Ok(Some(Secret::new(value))),
            None => Err(Error::Usage(format!(
                "{flag} {var}: the environment variable {var} is not set"
            ))),
        }
    };
    Ok(Credentials {
        db: args.against_db.clone(),
        login: args.against_login.clone(),
        password: secret("--against-password-env", &args.against_password_env)?,
        api_key: secret("--against-api-key-env", &args.against_api_key_env)?,
        uid: None,
    })
}

/// The signatures a suite folder keeps (`odoo-har signatures`), if any.
fn stored_signatures(suite: &Suite, from_folder: bool) -> Result<Option<Described>> {
    if !from_folder {
        return Ok(None);
    }
    crate::template::signatures::read(&suite.dir)
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
