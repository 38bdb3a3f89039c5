//! The JSON report: every step with its verdict, timings, changed paths and learned noise.

use serde::Serialize;

use crate::replay::judge::{Tally, Verdict};

#[derive(Serialize)]
struct Report<'a> {
    suite: &'a str,
    summary: Tally,
    steps: &'a [Verdict],
}

/// The report, pretty-printed.
pub fn render(suite: &str, verdicts: &[Verdict]) -> String {
    let report = Report {
        suite,
        summary: Tally::of(verdicts),
        steps: verdicts,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}
