//! What the commands read before they work: captures, with every exchange recognised and
//! extracted into a suite when asked, or a suite folder as it is.

use super::extract::{Extracted, Options as ExtractOptions};
use super::redact::Secrets;
use super::suite::{MANIFEST, Suite};
use crate::capture::{self, Capture, Exchange, LoadOptions};
use crate::error::{Error, Result};
use crate::odoo::session::Identity;
use crate::odoo::{OdooCall, classify};

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
        if paths.iter().filter(|c| *c == "-").count() > 1 {
            return Err(Error::Usage(
                "standard input (-) can be read only once".into(),
            ));
        }
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
        let sources = self.captures.iter().map(|c| c.file.to_string()).collect();
        super::extract::extract(
            &self.exchanges,
            &self.calls,
            &identity,
            &secrets,
            sources,
            options,
        )
    }

    /// True when provenance must name the file, because several were read.
    pub fn several_files(&self) -> bool {
        self.captures.len() > 1
    }

    /// `odoo16.har (HAR, Playwright 1.65.1)` for each capture.
    pub fn describe(&self) -> String {
        self.captures
            .iter()
            .map(|c| match &c.creator {
                Some(creator) => format!("{} ({}, {creator})", c.file, c.format),
                None => format!("{} ({})", c.file, c.format),
            })
            .collect::<Vec<_>>()
            .join(", ")
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
    let loaded = Loaded::read(inputs, &LoadOptions::default())?;
    let extracted = loaded.extract(&ExtractOptions {
        with_ui,
        ..ExtractOptions::default()
    });
    if extracted.manifest.steps.is_empty() {
        return Err(
            Error::input(loaded.describe(), None, "no Odoo call to replay")
                .hint("`odoo-har inspect` the capture to see what it holds"),
        );
    }
    Ok((
        Suite::from_memory(
            &format!("{} (extracted in memory)", loaded.describe()),
            extracted.manifest,
            &extracted.files,
        )?,
        false,
    ))
}
