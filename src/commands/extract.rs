//! `odoo-har extract`: captures → a suite folder.

use std::io::Write;

use crate::cli::ExtractArgs;
use crate::error::{Error, Result};
use crate::template::extract::Options;
use crate::template::{load, suite};

pub fn run(args: &ExtractArgs, out: &mut impl Write) -> Result<i32> {
    let options = Options {
        model: super::glob(args.model.as_deref(), "--model")?,
        method: super::glob(args.method.as_deref(), "--method")?,
        skip_reads: args.skip_reads,
        only_writes: args.only_writes,
        dedupe: args.dedupe,
        with_ui: args.with_ui,
    };
    // Read entry by entry: only the Odoo calls are kept, not the assets and pages around them.
    let (extracted, read) = load::extract_streamed(
        &args.input.captures,
        &super::load_options(&args.input),
        &options,
    )?;
    if extracted.manifest.steps.is_empty() {
        return Err(Error::input(read.describe(), None, "no Odoo call to make a step of")
            .hint("check the filters (--model, --method, --skip-reads, --only-writes), or `odoo-har inspect` the capture"));
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
