//! `odoo-har export`: captured calls as code other tools run.

use std::io::Write;

use std::time::Duration;

use serde_json::Value;

use crate::cli::ExportArgs;
use crate::error::{Error, Result, write_file};
use crate::export::{self, Format};
use crate::odoo::signatures::Described;
use crate::replay::signatures::{Server, fetch};
use crate::template::load::suite_or_captures;
use crate::template::render::Renderer;
use crate::template::signatures as stored;
use crate::template::suite::Suite;

pub fn run(args: &ExportArgs, out: &mut impl Write) -> Result<i32> {
    let model = super::glob(args.model.as_deref(), "--model")?;
    let method = super::glob(args.method.as_deref(), "--method")?;
    let (mut suite, from_folder) = suite_or_captures(&args.inputs, args.with_ui)?;
    for (name, given) in [("url", &args.url), ("db", &args.db)] {
        if let Some(value) = given {
            suite
                .manifest
                .variables
                .insert(name.into(), Value::String(value.clone()));
        }
    }
    if args.portable {
        suite = super::portable(suite, false)?;
    }
    let signatures = signatures(args, &suite, from_folder)?;
    let mut renderer = Renderer::new(args.templates.as_deref())?;
    renderer.add_suite(&suite)?;
    let selected: Vec<usize> = suite
        .manifest
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            model
                .as_ref()
                .is_none_or(|p| s.model.as_deref().is_some_and(|m| p.matches(m)))
        })
        .filter(|(_, s)| {
            method
                .as_ref()
                .is_none_or(|p| s.method.as_deref().is_some_and(|m| p.matches(m)))
        })
        .filter(|(_, s)| {
            args.step
                .as_deref()
                .is_none_or(|wanted| super::render::step_matches(&s.name, wanted))
        })
        .map(|(i, _)| i)
        .collect();
    if selected.is_empty() {
        return Err(Error::Usage(
            "no call matches --model, --method and --step".into(),
        ));
    }
    let (calls, captured) = export::calls(&suite, &renderer, &selected, &signatures)?;
    let source = args.inputs.join(", ");
    let render = |calls: &[export::Call]| {
        export::render(
            &renderer,
            args.format,
            &source,
            &suite,
            &captured,
            calls,
            args.portable,
        )
    };
    let folder = args
        .output
        .as_ref()
        .filter(|o| o.is_dir() || o.to_string_lossy().ends_with('/'));
    match (&args.output, folder) {
        (_, Some(dir)) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::input(
                    dir.display().to_string(),
                    None,
                    format!("cannot create: {e}"),
                )
            })?;
            for call in &calls {
                let path = dir.join(format!("{}.{}", call.name, args.format.extension()));
                write_file(&path, &render(std::slice::from_ref(call))?)?;
            }
            super::print(writeln!(
                out,
                "wrote {} files to {}",
                calls.len(),
                dir.display()
            ))?;
        }
        (Some(file), None) => {
            write_file(file, &render(&calls)?)?;
        }
        (None, None) => {
            super::print(out.write_all(render(&calls)?.as_bytes()))?;
        }
    }
    Ok(0)
}

/// The signatures JSON-2 arguments are named from: those the suite keeps, and for `--format
/// json2 --url` what that server says of the models they lack.
fn signatures(args: &ExportArgs, suite: &Suite, from_folder: bool) -> Result<Described> {
    let known = match from_folder {
        true => stored::read(&suite.dir)?.unwrap_or_default(),
        false => Described::default(),
    };
    let Some(url) = args.url.as_deref().filter(|_| args.format == Format::Json2) else {
        return Ok(known);
    };
    let api_key = super::api_key(
        &args.api_key_env,
        "--url asks the server what its methods take (/doc-bearer), which",
    )?;
    let db =
        super::captured_db(suite).ok_or_else(|| Error::Usage("no database: give --db".into()))?;
    let models: Vec<String> = stored::models(suite).into_iter().collect();
    let server = Server {
        url,
        db: &db,
        api_key: &api_key,
        insecure: false,
        timeout: Duration::from_secs(30),
    };
    Ok(fetch(&server, &models, &known)?.described)
}
