//! `odoo-har extract`: captures → a suite folder.

use std::io::Write;

use crate::cli::ExtractArgs;
use crate::error::{Error, Result};
use crate::template::extract::Options;
use crate::template::portable::portable;
use crate::template::redact::Secrets;
use crate::template::suite::{self, MANIFEST, Suite, SuiteFile};

pub fn run(args: &ExtractArgs, out: &mut impl Write) -> Result<i32> {
    let options = Options {
        model: super::glob(args.model.as_deref(), "--model")?,
        method: super::glob(args.method.as_deref(), "--method")?,
        skip_reads: args.skip_reads,
        only_writes: args.only_writes,
        dedupe: args.dedupe,
        with_ui: args.with_ui,
    };
    let loaded = super::loaded(&args.input)?;
    let mut extracted = loaded.extract(&options);
    if extracted.manifest.steps.is_empty() {
        return Err(Error::input(loaded.describe(), None, "no Odoo call to make a step of")
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
        let secrets = Secrets::collect(&loaded.exchanges);
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
