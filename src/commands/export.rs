//! `odoo-har export`: captured calls as code other tools run.

use std::io::Write;

use crate::cli::ExportArgs;
use crate::error::{Error, Result, write_file};
use crate::export;
use crate::template::load::suite_or_captures;
use crate::template::render::Renderer;

pub fn run(args: &ExportArgs, out: &mut impl Write) -> Result<i32> {
    let model = super::glob(args.model.as_deref(), "--model")?;
    let method = super::glob(args.method.as_deref(), "--method")?;
    let (suite, _) = suite_or_captures(
        &args.inputs,
        &crate::template::extract::Options {
            with_ui: args.with_ui,
            ..Default::default()
        },
    )?;
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
    let (calls, captured) = export::calls(&suite, &renderer, &selected)?;
    let source = args.inputs.join(", ");
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
                let text = export::render(
                    &renderer,
                    args.format,
                    &source,
                    &suite,
                    &captured,
                    std::slice::from_ref(call),
                )?;
                let path = dir.join(format!("{}.{}", call.name, args.format.extension()));
                write_file(&path, &text)?;
            }
            super::print(writeln!(
                out,
                "wrote {} files to {}",
                calls.len(),
                dir.display()
            ))?;
        }
        (Some(file), None) => {
            let text = export::render(&renderer, args.format, &source, &suite, &captured, &calls)?;
            write_file(file, &text)?;
        }
        (None, None) => {
            let text = export::render(&renderer, args.format, &source, &suite, &captured, &calls)?;
            super::print(out.write_all(text.as_bytes()))?;
        }
    }
    Ok(0)
}
