//! `odoo-har extract`: captures → a suite folder.

use std::io::Write;

use crate::cli::ExtractArgs;
use crate::error::{Error, Result};
use crate::odoo::relations::Relations;
use crate::replay::auth::{Auth, Credentials, Mode};
use crate::replay::client::Client;
use crate::secret::Secret;
use crate::template::extract::Options;
use crate::template::load;
use crate::template::portable::portable;
use crate::template::suite::{self, MANIFEST, Manifest, Suite, SuiteFile};

pub fn run(args: &ExtractArgs, out: &mut impl Write) -> Result<i32> {
    let mut options = Options {
        model: super::glob(args.model.as_deref(), "--model")?,
        method: super::glob(args.method.as_deref(), "--method")?,
        skip_reads: args.skip_reads,
        only_writes: args.only_writes,
        dedupe: args.dedupe,
        with_ui: args.with_ui,
        relations: Default::default(),
        in_memory: false,
    };
    // Read entry by entry: only the Odoo calls are kept, not the assets and pages around them.
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
        // Ask the server about every model the steps touch (what the capture said of them
        // wins), then link again with what it said.
        let touched: Vec<String> = extracted
            .manifest
            .steps
            .iter()
            .filter_map(|s| s.model.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !touched.is_empty() {
            let (relations, notes) = server_relations(url, &extracted.manifest, &touched)?;
            asked = notes;
            if !relations.is_empty() {
                options.relations = relations;
                (extracted, streamed) = read(&options)?;
            }
        }
    }
    extracted.skipped.extend(asked);
    if extracted.manifest.steps.is_empty() {
        return Err(Error::input(streamed.describe(), None, "no Odoo call to make a step of")
            .hint("check the filters (--model, --method, --skip-reads, --only-writes), or `odoo-har inspect` the capture"));
    }
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
    let links: usize = extracted.manifest.steps.iter().map(|s| s.uses.len()).sum();
    super::print((|| {
        writeln!(
            out,
            "wrote {}: {} steps, {} variables, {} secrets to give at run time, {links} values linked between steps",
            args.output.display(),
            extracted.manifest.steps.len(),
            extracted.manifest.variables.len(),
            extracted.manifest.secrets.len(),
        )?;
        for step in &extracted.manifest.steps {
            let uses = if step.uses.is_empty() {
                String::new()
            } else {
                format!("  uses {}", step.uses.join(", "))
            };
            writeln!(out, "  {}{uses}", step.name)?;
        }
        for skipped in &extracted.skipped {
            writeln!(out, "  note: {skipped}")?;
        }
        Ok(())
    })())?;
    Ok(0)
}

/// `extract --url`: what the server says of the relations of `models`, asked over the external
/// API with the credentials of the environment (`ODOO_PASSWORD` or `ODOO_API_KEY`, and
/// `ODOO_DB`, `ODOO_LOGIN`, else the captured ones), and notes for the person. Without a
/// secret nothing is asked, and the note says so.
fn server_relations(
    url: &str,
    manifest: &Manifest,
    models: &[String],
) -> Result<(Relations, Vec<String>)> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let credentials = Credentials {
        db: env("ODOO_DB"),
        login: env("ODOO_LOGIN"),
        password: env("ODOO_PASSWORD").map(Secret::new),
        api_key: env("ODOO_API_KEY").map(Secret::new),
        uid: None,
    }
    .or_captured(&manifest.variables);
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
