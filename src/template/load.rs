//! What the commands read before they work: captures, with every exchange recognised and
//! extracted into a suite when asked, or a suite folder as it is.

use super::extract::{Extracted, Extractor, Finished, Made, Options as ExtractOptions, Survey};
use super::redact::Secrets;
use super::suite::{MANIFEST, Suite};
use crate::capture::{self, Capture, Exchange, LoadOptions};
use crate::error::{Error, Result};
use crate::odoo::session::{Discovery, Identity};
use crate::odoo::{Kind, OdooCall, classify};

/// Captures read, with every exchange recognised.
pub struct Loaded {
    /// The captures, their exchanges moved out into `exchanges`.
    pub captures: Vec<Capture>,
    /// Every capture's exchanges, in the order the files were named.
    pub exchanges: Vec<Exchange>,
    /// What each exchange is, by index.
    pub calls: Vec<OdooCall>,
}

impl Loaded {
    /// Reads every capture (`-` for standard input); the first bad one stops the command.
    pub fn read(paths: &[String], options: &LoadOptions) -> Result<Loaded> {
        stdin_once(paths)?;
        let mut captures = Vec::with_capacity(paths.len());
        for path in paths {
            captures.push(capture::load(path, options)?);
        }
        Ok(Loaded::from_captures(captures))
    }

    /// Recognises the calls in captures already read.
    pub fn from_captures(mut captures: Vec<Capture>) -> Loaded {
        let exchanges: Vec<Exchange> = captures
            .iter_mut()
            .flat_map(|c| std::mem::take(&mut c.exchanges))
            .collect();
        let calls = exchanges.iter().map(classify).collect();
        Loaded {
            captures,
            exchanges,
            calls,
        }
    }

    /// The suite these captures make: identity discovered, secrets found, calls templated.
    pub fn extract(&self, options: &ExtractOptions) -> Extracted {
        let identity = Identity::discover(&self.exchanges, &self.calls);
        let secrets = Secrets::collect(&self.exchanges);
        super::extract::extract(
            &self.exchanges,
            &self.calls,
            &identity,
            &secrets,
            sources(&self.captures),
            options,
        )
    }

    /// True when provenance must name the file, because several were read.
    pub fn several_files(&self) -> bool {
        self.captures.len() > 1
    }

    /// `odoo16.har (HAR, Playwright 1.65.1)` for each capture.
    pub fn describe(&self) -> String {
        describe(&self.captures)
    }
}

/// The captures' files, as a manifest's `extracted_from` names them.
fn sources(captures: &[Capture]) -> Vec<String> {
    captures.iter().map(|c| c.file.to_string()).collect()
}

fn describe(captures: &[Capture]) -> String {
    captures
        .iter()
        .map(|c| match &c.creator {
            Some(creator) => format!("{} ({}, {creator})", c.file, c.format),
            None => format!("{} ({})", c.file, c.format),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn stdin_once(paths: &[String]) -> Result<()> {
    if paths.iter().filter(|c| *c == "-").count() > 1 {
        return Err(Error::Usage(
            "standard input (-) can be read only once".into(),
        ));
    }
    Ok(())
}

/// Captures read as a stream ([`stream`]): what each was, without its exchanges.
pub struct Streamed {
    /// The captures, their exchanges handed on as they were read.
    pub captures: Vec<Capture>,
    /// How many exchanges there were in all.
    pub exchanges: usize,
    /// The secrets the captures hold (found when the read learns them, as `extract` does).
    pub secrets: Secrets,
}

impl Streamed {
    /// True when provenance must name the file, because several were read.
    pub fn several_files(&self) -> bool {
        self.captures.len() > 1
    }

    /// `odoo16.har (HAR, Playwright 1.65.1)` for each capture.
    pub fn describe(&self) -> String {
        describe(&self.captures)
    }
}

/// Reads every capture entry by entry, handing each exchange with its recognised call to
/// `each` and keeping nothing, so memory stays flat however large the captures are. The
/// response bodies of exchanges that cannot be Odoo calls (assets, images) are skipped
/// unless `every_body`. The first bad capture stops the read.
///
/// Reading the file and making exchanges of it runs on a thread of its own, a few entries
/// ahead of recognising them and of `each`: the two take about as long, and a machine has
/// a second core.
pub fn stream(
    paths: &[String],
    options: &LoadOptions,
    every_body: bool,
    each: &mut dyn FnMut(Exchange, OdooCall) -> Result<()>,
) -> Result<Streamed> {
    stdin_once(paths)?;
    let mut streamed = Streamed {
        captures: Vec::with_capacity(paths.len()),
        exchanges: 0,
        secrets: Secrets::default(),
    };
    for path in paths {
        let (capture, count) = stream_one(path, options, every_body, each)?;
        streamed.captures.push(capture);
        streamed.exchanges += count;
    }
    Ok(streamed)
}

/// [`stream`] for one capture: read on a scoped thread, recognised and handed on here, in
/// order. A handler's error stops the read; a read's error comes after every exchange
/// before it was handed on, as a read on one thread would have it.
fn stream_one(
    path: &str,
    options: &LoadOptions,
    every_body: bool,
    each: &mut dyn FnMut(Exchange, OdooCall) -> Result<()>,
) -> Result<(Capture, usize)> {
    // Enough to keep both threads busy; few enough that memory stays flat.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Exchange>(64);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let wants: &dyn Fn(&crate::capture::Request) -> bool = if every_body {
                &|_| true
            } else {
                &crate::odoo::call::reads_response
            };
            capture::stream(path, options, wants, &mut |exchange| {
                // The receiver is gone only when a handler failed: its error is the one told.
                sender
                    .send(exchange)
                    .map_err(|_| Error::Setup("stopped".into()))
            })
        });
        let mut handled = Ok(());
        for exchange in receiver.iter() {
            let call = classify(&exchange);
            handled = each(exchange, call);
            if handled.is_err() {
                break;
            }
        }
        drop(receiver);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(Error::Setup(format!("{path}: the reading thread stopped"))));
        handled?;
        read
    })
}

/// The suite captures make, read as a stream: only the Odoo calls are kept (with the
/// secrets and the identity every exchange shows), not the assets and pages around them.
/// The same suite as [`Loaded::extract`] gives.
pub fn extract_streamed(
    paths: &[String],
    options: &LoadOptions,
    extract: &ExtractOptions,
) -> Result<(Extracted, Streamed)> {
    let mut secrets = Secrets::default();
    let mut discovery = Discovery::default();
    let (mut exchanges, mut calls) = (Vec::new(), Vec::new());
    // Every body is read: secrets (a CSRF token in a login page) can sit in any of them.
    let mut streamed = stream(paths, options, true, &mut |exchange, call| {
        secrets.learn(&exchange);
        discovery.observe(&exchange, &call);
        if call.kind != Kind::NotOdoo {
            exchanges.push(exchange);
            calls.push(call);
        }
        Ok(())
    })?;
    let extracted = super::extract::extract(
        &exchanges,
        &calls,
        &discovery.finish(),
        &secrets,
        sources(&streamed.captures),
        extract,
    );
    streamed.secrets = secrets;
    Ok((extracted, streamed))
}

/// What a first read of captures learns before a second makes their steps
/// ([`Surveyed::extract`]): nothing of an exchange is kept but that.
pub struct Surveyed {
    pub survey: Survey,
    pub identity: Identity,
    /// What was read, with the secrets the captures hold.
    pub streamed: Streamed,
}

/// Reads captures a first time for [`Surveyed::extract`]: who, which secrets, which
/// relations and models. Every body is read: secrets (a CSRF token in a login page) can
/// sit in any of them.
pub fn survey(
    paths: &[String],
    options: &LoadOptions,
    extract: &ExtractOptions,
) -> Result<Surveyed> {
    let mut secrets = Secrets::default();
    let mut discovery = Discovery::default();
    let mut survey = Survey::default();
    let mut streamed = stream(paths, options, true, &mut |exchange, call| {
        secrets.learn(&exchange);
        discovery.observe(&exchange, &call);
        if call.kind != Kind::NotOdoo {
            survey.observe(&exchange, &call, extract);
        }
        Ok(())
    })?;
    streamed.secrets = secrets;
    Ok(Surveyed {
        survey,
        identity: discovery.finish(),
        streamed,
    })
}

impl Surveyed {
    /// An extractor for what was surveyed.
    pub fn extractor<'o>(&'o self, extract: &'o ExtractOptions) -> Extractor<'o> {
        Extractor::new(
            &self.identity,
            &self.streamed.secrets,
            self.survey.relations(extract),
            &self.survey.demand,
            extract,
        )
    }

    /// Reads the captures again and makes their steps, handing each to `each` as it is
    /// made: the suite [`extract_streamed`] gives. The manifest's steps wait in a file in
    /// `dir` (see [`Extractor::spill`]), so memory holds neither the captures nor the steps.
    pub fn extract(
        &self,
        paths: &[String],
        options: &LoadOptions,
        extract: &ExtractOptions,
        dir: &std::path::Path,
        each: &mut dyn FnMut(Made) -> Result<()>,
    ) -> Result<Finished> {
        let mut extractor = self.extractor(extract);
        extractor.spill(dir);
        stream(paths, options, false, &mut |exchange, call| {
            if call.kind != Kind::NotOdoo
                && let Some(made) = extractor.add(&exchange, &call)
            {
                each(made)?;
            }
            Ok(())
        })?;
        Ok(extractor.finish(sources(&self.streamed.captures)))
    }
}

/// A suite folder as it is (true), or captures extracted in memory (false), the web client's
/// plumbing kept as steps when `with_ui`.
pub fn suite_or_captures(inputs: &[String], with_ui: bool) -> Result<(Suite, bool)> {
    if let [single] = inputs {
        let dir = std::path::Path::new(single);
        if dir.join(MANIFEST).is_file() {
            return Ok((Suite::read(dir)?, true));
        }
    }
    let (extracted, streamed) = extract_streamed(
        inputs,
        &LoadOptions::default(),
        &ExtractOptions {
            with_ui,
            in_memory: true,
            ..ExtractOptions::default()
        },
    )?;
    if extracted.manifest.steps.is_empty() {
        return Err(
            Error::input(streamed.describe(), None, "no Odoo call to replay")
                .hint("`odoo-har inspect` the capture to see what it holds"),
        );
    }
    Ok((
        Suite::from_steps(
            &format!("{} (extracted in memory)", streamed.describe()),
            extracted.manifest,
            extracted.in_memory,
        )?,
        false,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::extract::Options;

    /// A capture replayed where it is read must be the very suite `extract` writes.
    #[test]
    fn a_suite_extracted_in_memory_is_the_one_written() {
        let paths = [
            "demo-odoo16",
            "lab-plumbing",
            "mitmproxy-external-api",
            "odoo19-chrome",
        ]
        .map(|name| format!("fixtures/{name}.har"));
        let extract = |in_memory| {
            let options = Options {
                in_memory,
                with_ui: true,
                ..Options::default()
            };
            extract_streamed(&paths, &LoadOptions::default(), &options)
                .unwrap()
                .0
        };
        let (written, kept) = (extract(false), extract(true));
        assert!(kept.files.is_empty());
        assert_eq!(written.manifest, kept.manifest);
        let from_files = Suite::from_memory("files", written.manifest, &written.files).unwrap();
        let from_steps = Suite::from_steps("steps", kept.manifest, kept.in_memory).unwrap();
        assert!(from_files.manifest.steps.len() > 8);
        for (a, b) in from_files.steps().zip(from_steps.steps()) {
            assert_eq!(a.template, b.template, "{}", a.name);
            assert_eq!(a.baseline, b.baseline, "{}", a.name);
            assert!(a.baseline.is_some(), "{}", a.name);
        }
    }
}
