//! `odoo-har extract`: captures → a suite folder.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::Value;

use crate::cli::ExtractArgs;
use crate::error::{Error, Result};
use crate::odoo::relations::Relations;
use crate::replay::auth::{Auth, Credentials, Mode};
use crate::replay::client::Client;
use crate::secret::Secret;
use crate::template::extract::{Finished, Options};
use crate::template::load;
use crate::template::portable::portable;
use crate::template::suite::{self, MANIFEST, Suite, SuiteFile, SuiteWriter};

pub fn run(args: &ExtractArgs, out: &mut impl Write) -> Result<i32> {
    let options = Options {
        model: super::glob(args.model.as_deref(), "--model")?,
        method: super::glob(args.method.as_deref(), "--method")?,
        skip_reads: args.skip_reads,
        only_writes: args.only_writes,
        dedupe: args.dedupe,
        with_ui: args.with_ui,
        relations: Default::default(),
        in_memory: false,
    };
    // `--portable` rewrites the whole suite, and standard input cannot be read twice: those
    // are made in memory. Otherwise the captures are read twice and the steps written as
    // they are made, so memory holds the manifest, not the captures.
    let extracted = if args.portable || args.input.captures.iter().any(|c| c == "-") {
        in_memory(args, options)?
    } else {
        streamed(args, options)?
    };
    let manifest = &extracted.manifest;
    super::print(writeln!(
        out,
        "wrote {}: {} steps, {} variables, {} secrets to give at run time, {} values linked between steps",
        args.output.display(),
        extracted.step_count(),
        manifest.variables.len(),
        manifest.secrets.len(),
        extracted.link_count(),
    ))?;
    extracted.each_step(&mut |step| {
        let uses = if step.uses.is_empty() {
            String::new()
        } else {
            format!("  uses {}", step.uses.join(", "))
        };
        super::print(writeln!(out, "  {}{uses}", step.name))
    })?;
    super::print((|| {
        for note in &extracted.notes {
            writeln!(out, "  note: {note}")?;
        }
        Ok(())
    })())?;
    Ok(0)
}

/// The suite written step by step from a second read of the captures; what was made, and
/// the notes.
fn streamed(args: &ExtractArgs, mut options: Options) -> Result<Finished> {
    let (captures, load) = (&args.input.captures, super::load_options(&args.input));
    let surveyed = load::survey(captures, &load, &options)?;
    let asked = match &args.input.url {
        Some(url) => {
            let variables = surveyed.extractor(&options).manifest_variables();
            let (relations, notes) = server_relations(url, &variables, &surveyed.survey.touched())?;
            options.relations = relations;
            notes
        }
        None => Vec::new(),
    };
    let mut writer = SuiteWriter::open(&args.output, args.force)?;
    let mut finished = surveyed.extract(captures, &load, &options, &args.output, &mut |made| {
        made.files().iter().try_for_each(|file| writer.write(file))
    })?;
    no_steps(finished.step_count(), &surveyed.streamed)?;
    finished.write_manifest(&mut writer)?;
    writer.finish()?;
    finished.notes.extend(asked);
    Ok(finished)
}

/// The suite made in memory and written at once: for `--portable` and standard input.
fn in_memory(args: &ExtractArgs, mut options: Options) -> Result<Finished> {
    let read = |options: &Options| {
        load::extract_streamed(
            &args.input.captures,
            &super::load_options(&args.input),
            options,
        )
    };
    let (mut extracted, mut streamed) = read(&options)?;
    let mut asked = Vec::new();
    if let Some(url) = &args.input.url {
        let touched: Vec<String> = extracted
            .manifest
            .steps
            .iter()
            .filter_map(|s| s.model.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let (relations, notes) = server_relations(url, &extracted.manifest.variables, &touched)?;
        asked = notes;
        if !relations.is_empty() {
            options.relations = relations;
            (extracted, streamed) = read(&options)?;
        }
    }
    extracted.skipped.extend(asked);
    no_steps(extracted.manifest.steps.len(), &streamed)?;
    if args.portable {
        let label = args.output.display().to_string();
        let made = portable(&Suite::from_memory(
            &label,
            extracted.manifest,
            &extracted.files,
        )?)?;
        // Nothing secret is added, but what is written goes through the same scrub as ever.
        let secrets = &streamed.secrets;
        let manifest_text = suite::manifest_text(&made.manifest).unwrap_or_default();
        let mut files = vec![SuiteFile {
            path: MANIFEST.into(),
            contents: secrets.scrub_text(&manifest_text),
        }];
        files.extend(made.files.into_iter().map(|f| SuiteFile {
            contents: secrets.scrub_text(&f.contents),
            ..f
        }));
        extracted.manifest = made.manifest;
        extracted.files = files;
        extracted
            .skipped
            .extend(made.notes.into_iter().map(|n| format!("--portable: {n}")));
    }
    suite::write(&args.output, &extracted.files, args.force)?;
    Ok(Finished::made(extracted.manifest, extracted.skipped))
}

fn no_steps(steps: usize, streamed: &load::Streamed) -> Result<()> {
    if steps == 0 {
        return Err(Error::input(streamed.describe(), None, "no Odoo call to make a step of")
            .hint("check the filters (--model, --method, --skip-reads, --only-writes), or `odoo-har inspect` the capture"));
    }
    Ok(())
}

/// `extract --url`: what the server says of the relations of `models`, asked over the external
/// API with the credentials of the environment (`ODOO_PASSWORD` or `ODOO_API_KEY`, and
/// `ODOO_DB`, `ODOO_LOGIN`, else the captured ones), and notes for the person. Without a
/// secret nothing is asked, and the note says so; without a model, nothing is said.
fn server_relations(
    url: &str,
    variables: &BTreeMap<String, Value>,
    models: &[String],
) -> Result<(Relations, Vec<String>)> {
    if models.is_empty() {
        return Ok((Relations::default(), Vec::new()));
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let credentials = Credentials {
        db: env("ODOO_DB"),
        login: env("ODOO_LOGIN"),
        password: env("ODOO_PASSWORD").map(Secret::new),
        api_key: env("ODOO_API_KEY").map(Secret::new),
        uid: None,
    }
    .or_captured(variables);
    if credentials.password.is_none() && credentials.api_key.is_none() {
        return Ok((
            Relations::default(),
            vec![format!(
                "--url {url}: no ODOO_PASSWORD or ODOO_API_KEY, so the server was not asked how {} relate; links follow the capture's relations and field names",
                models.join(", ")
            )],
        ));
    }
    if credentials.login.is_none() || credentials.db.is_none() {
        return Err(Error::Setup(format!(
            "extract --url {url} asks the server how the models relate: give the database and login in ODOO_DB and ODOO_LOGIN (the capture holds {})",
            match (&credentials.db, &credentials.login) {
                (None, None) => "neither",
                (None, Some(_)) => "no database",
                _ => "no login",
            }
        )));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let client =
            Client::new(url, false, std::time::Duration::from_secs(30), 1).map_err(Error::Usage)?;
        let auth = Auth::establish(&client, Mode::Jsonrpc, credentials, false).await?;
        let (relations, refused) =
            crate::replay::relations::ask(&auth, &client, models.iter().map(String::as_str)).await;
        let mut notes = vec![format!(
            "relations of {} from {url} (fields_get)",
            models.join(", ")
        )];
        notes.extend(
            refused
                .into_iter()
                .map(|why| format!("the server did not describe {why}")),
        );
        Ok((relations, notes))
    })
}
