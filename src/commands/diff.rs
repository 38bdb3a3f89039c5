//! `odoo-har diff A.json B.json`: the replay's comparison, for two files.

use std::io::Write;

use serde_json::Value;

use crate::cli::DiffArgs;
use crate::diff::{self, Rules};
use crate::error::{Error, Result};
use crate::report::color::paint;

fn read(path: &std::path::Path) -> Result<Value> {
    let shown = path.display().to_string();
    let text =
        std::fs::read(path).map_err(|e| Error::input(&shown, None, format!("cannot read: {e}")))?;
    serde_json::from_slice(&text).map_err(|e| {
        crate::error::json_syntax(&shown, &e)
            .hint("give two JSON files: answers, or whole JSON-RPC envelopes")
    })
}

/// Exit 0 when the answers are the same, 1 when they differ, 2 on trouble.
pub fn run(args: &DiffArgs, out: &mut impl Write) -> Result<i32> {
    let rules = rules(&args.compare)?;
    let (expected, actual) = (read(&args.expected)?, read(&args.actual)?);
    let comparison = rules.for_step(None, "", "", &[]);
    let changes = diff::compare(&expected, &actual, &comparison, 200);
    if changes.is_empty() {
        super::print(writeln!(out, "same"))?;
        return Ok(0);
    }
    let color = args.compare.color.enabled();
    let text = paint(
        &diff::unified(
            &diff::normalized(&expected, &comparison, true),
            &diff::normalized(&actual, &comparison, false),
        ),
        color,
    );
    super::print((|| {
        for change in &changes {
            writeln!(out, "{}", change.describe())?;
        }
        writeln!(out, "\n{text}")?;
        writeln!(
            out,
            "{} changed",
            crate::text::plural(changes.len(), "path")
        )
    })())?;
    Ok(1)
}

/// The rules `--ignore`, `--unordered` and `--no-default-ignores` give.
pub fn rules(args: &crate::cli::CompareArgs) -> Result<Rules> {
    Rules::new(!args.no_default_ignores, &args.ignore, &args.unordered)
        .map_err(|why| Error::Usage(format!("--ignore/--unordered: {why}")))
}
