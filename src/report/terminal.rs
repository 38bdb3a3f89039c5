//! What `replay` shows on the terminal: a line per step as it ends (under a progress bar on
//! an interactive terminal), the exchanges with `--verbose`, coloured diffs, the closing
//! summary, and what a dry run would send. The replay itself tells it through
//! [`Observer`]; it never prints.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;

use super::color::paint;
use super::verbose::{self, Verbosity};
use crate::odoo::convert::Unsupported;
use crate::replay::auth::Auth;
use crate::replay::auth::{Mode, Prepared};
use crate::replay::judge::{Kind, Tally, Verdict};
use crate::replay::run::{Cleaned, Cleanup};
use crate::replay::runner::{Outcome, StepRun};
use crate::replay::{DryRun, Observer};
use crate::template::redact::Secrets;
use crate::template::suite::{LinkDef, LiteralDef};

/// The terminal's [`Observer`]: per-step lines (or a progress bar) for each server's run.
pub struct Printer {
    quiet: bool,
    verbosity: Verbosity,
    color: bool,
    current: Mutex<Option<Progress>>,
}

impl Printer {
    /// `quiet` prints the summary only; `color` paints diffs.
    pub fn new(quiet: bool, verbosity: Verbosity, color: bool) -> Printer {
        Printer {
            quiet,
            verbosity,
            color,
            current: Mutex::new(None),
        }
    }
}

impl Observer for Printer {
    fn comparing(&self, a: &str, b: &str) {
        eprintln!("odoo-har: A/B: {a} (A) against {b} (B); B's answers are compared with A's");
    }

    fn started(&self, steps: usize, url: &str, auth: &Auth, secrets: &Secrets) {
        eprintln!(
            "odoo-har: replaying {} steps to {} in {} mode ({}), uid {}",
            steps,
            url,
            auth.mode.as_str(),
            auth.reason,
            auth.uid
        );
        let progress = Progress::new(
            steps,
            self.quiet,
            self.verbosity,
            secrets.clone(),
            self.color,
        );
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(progress);
    }

    fn step(&self, run: &StepRun, verdict: &Verdict, judging: bool) {
        if let Some(progress) = &*self.current.lock().unwrap_or_else(|p| p.into_inner()) {
            progress.step(run, verdict, judging);
        }
    }

    fn cleaned(&self, cleaned: &[Cleaned]) {
        if cleaned.is_empty() {
            eprintln!("odoo-har: cleanup: the run created no record");
            return;
        }
        for line in cleanup_lines(cleaned) {
            eprintln!("odoo-har: cleanup: {line}");
        }
    }

    fn finished(&self) {
        if let Some(progress) = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            progress.finish();
        }
    }
}

/// Per-step lines, as a progress bar on a terminal and plain lines elsewhere.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
    verbosity: Verbosity,
    /// For masking what `--verbose` shows.
    secrets: Secrets,
    /// Whether diffs are coloured.
    color: bool,
}

impl Progress {
    fn new(
        steps: usize,
        quiet: bool,
        verbosity: Verbosity,
        secrets: Secrets,
        color: bool,
    ) -> Progress {
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
        Progress {
            bar,
            quiet,
            verbosity,
            secrets,
            color,
        }
    }

    fn step(&self, run: &StepRun, verdict: &Verdict, judging: bool) {
        self.exchange(run);
        let mut text = step_line(run, verdict, judging);
        if verdict.verdict == Kind::Differs && !verdict.diff.is_empty() {
            text.push('\n');
            for path in &verdict.changed_paths {
                text.push_str(&format!("           {path}\n"));
            }
            text.push_str(&paint(&verdict.diff, self.color));
        }
        if !verdict.time_shifted.is_empty() {
            text.push_str(&format!(
                "\n           time-shifted (moved with the clock, equal): {}",
                verdict.time_shifted.join(", ")
            ));
        }
        for warning in &verdict.warnings {
            text.push_str(&format!("\n           warning: {warning}"));
        }
        match &self.bar {
            Some(bar) => {
                bar.println(text.trim_end());
                bar.inc(1);
            }
            None if !self.quiet => println!("{}", text.trim_end()),
            None => {}
        }
    }

    /// With `--verbose`, what the step sent and received, on stderr.
    fn exchange(&self, run: &StepRun) {
        if self.verbosity == Verbosity::Normal {
            return;
        }
        let Some(exchange) = run.exchange(&self.secrets) else {
            return;
        };
        let bodies = self.verbosity == Verbosity::Bodies;
        let text = verbose::exchange_text(&run.name, run.attempts, &exchange, bodies);
        match &self.bar {
            Some(bar) => bar.suspend(|| eprint!("{text}")),
            None => eprint!("{text}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn step_line(run: &StepRun, verdict: &Verdict, judging: bool) -> String {
    let label = if judging {
        match verdict.verdict {
            Kind::Passed => "passed",
            Kind::Differs => "differs",
            Kind::Failed => "FAILED",
            Kind::Skipped => "skipped",
        }
    } else {
        match &run.outcome {
            Outcome::Answered(_) => "sent",
            Outcome::Failed { .. } => "FAILED",
            Outcome::Skipped { .. } => "skipped",
        }
    };
    let status = match &run.outcome {
        Outcome::Answered(a) => a.status.to_string(),
        _ => "-".into(),
    };
    let time = if run.attempts > 0 {
        format!("{:>6} ms", run.elapsed.as_millis())
    } else {
        String::new()
    };
    let detail = match (&verdict.verdict, run.describe()) {
        (Kind::Differs, _) => verdict.reason.clone(),
        (_, described) if !described.is_empty() => described,
        _ => verdict.reason.clone(),
    };
    let noise = if run.noise.is_empty() {
        String::new()
    } else {
        format!(" (learned noise: {})", run.noise.join(", "))
    };
    format!(
        "{label:<8} {:<44} {status:>4} {time:>9}  {detail}{noise}",
        run.name
    )
    .trim_end()
    .to_string()
}

/// What `--cleanup` did, a line per record: `deleted sale.order 46 (008-sale.order.create)`.
pub fn cleanup_lines(cleaned: &[Cleaned]) -> Vec<String> {
    cleaned
        .iter()
        .map(|c| {
            let record = format!("{} {} ({})", c.record.model, c.record.id, c.record.step);
            match &c.outcome {
                Cleanup::Deleted => format!("deleted {record}"),
                Cleanup::AlreadyGone => format!("already gone: {record}, the suite deleted it"),
                Cleanup::Refused(why) => format!("could not delete {record}: {why}"),
            }
        })
        .collect()
}

/// The closing line: every verdict counted, in one line, and how many steps were sent.
pub fn summarize(runs: &[StepRun], verdicts: &[Verdict], out: &mut impl Write) -> io::Result<()> {
    let sent = runs.iter().filter(|r| r.attempts > 0).count();
    writeln!(
        out,
        "{} ({} of {} steps sent)",
        Tally::of(verdicts).line(),
        sent,
        runs.len()
    )
}

/// What a dry run shows, as text: how it would log in, or a step's request as it would be
/// sent (secrets masked), or why the mode cannot send it.
pub fn dry_run(shown: &DryRun) -> String {
    match shown {
        DryRun::LogIn(auth) => format!(
            "# dry run: {} mode ({}); nothing is sent, secrets show as ***\n",
            auth.mode.as_str(),
            auth.reason
        ),
        DryRun::Step {
            name,
            mode,
            request,
            links,
            literals,
        } => {
            // Under the step's name, before what is sent.
            let text = request_text(name, *mode, request);
            let (head, rest) = text.split_once('\n').unwrap_or((&text, ""));
            format!("{head}\n{}{rest}", sources(links, literals))
        }
    }
}

/// Where a step's values come from, as `# partner_id ← 003-res.partner.name_search … ` lines,
/// weak links and literals flagged: what a person checks before anything is written.
pub fn sources(links: &[LinkDef], literals: &[LiteralDef]) -> String {
    let mut text = String::new();
    for link in links {
        let what = link.field.as_deref().unwrap_or(&link.at);
        let weak = if link.strength == "coincidence" {
            " [weak: the same value in an unrelated answer, check it]"
        } else {
            ""
        };
        text.push_str(&format!(
            "# {what} ← {}{weak}
",
            link.because
        ));
    }
    for literal in literals {
        text.push_str(&format!(
            "# {} = {} as captured, though {} returned it
",
            literal.at, literal.value, literal.returned_by
        ));
    }
    text
}

fn request_text(
    name: &str,
    mode: Mode,
    request: &std::result::Result<Prepared, Unsupported>,
) -> String {
    match request {
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
                name,
                prepared.route,
                verbose::pretty_body(&prepared.body)
            )
        }
        Err(why) => format!("# {}\nnot sent in {} mode: {why}\n", name, mode.as_str()),
    }
}
