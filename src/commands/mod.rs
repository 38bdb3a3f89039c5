//! One module per subcommand: wiring between the library and the terminal, no logic of its own.

pub mod completions;
pub mod demo;
pub mod diff;
pub mod domain;
pub mod export;
pub mod extract;
pub mod inspect;
pub mod mock;
pub mod redact;
pub mod render;
pub mod replay;
pub mod whoami;

use crate::capture::{self, Capture, Exchange, LoadOptions};
use crate::cli::{CaptureArgs, Command};
use crate::error::{Error, Result};
use crate::odoo::{OdooCall, classify};
use crate::template::extract::Extracted;

/// Runs one command; the exit code it asks for, or the error that stopped it.
pub fn run(command: &Command, out: &mut impl std::io::Write) -> Result<i32> {
    match command {
        Command::Inspect(args) => inspect::run(args, out),
        Command::Whoami(args) => whoami::run(args, out),
        Command::Extract(args) => extract::run(args, out),
        Command::Render(args) => render::run(args, out),
        Command::Redact(args) => redact::run(args, out),
        Command::Replay(args) => replay::run(args, out),
        Command::Diff(args) => diff::run(args, out),
        Command::Domain(args) => domain::run(args, out),
        Command::Export(args) => export::run(args, out),
        Command::Mock(args) => mock::run(args, out),
        Command::Demo(args) => demo::run(args, out),
        Command::Completions(args) => completions::run(args, out),
    }
}

/// Captures read from the command line, with every exchange recognised.
pub struct Loaded {
    pub captures: Vec<Capture>,
    pub exchanges: Vec<Exchange>,
    pub calls: Vec<OdooCall>,
}

impl Loaded {
    /// Reads every capture named on the command line; the first bad one stops the command.
    pub fn from_args(args: &CaptureArgs) -> Result<Loaded> {
        if args.captures.iter().filter(|c| *c == "-").count() > 1 {
            return Err(Error::Usage(
                "standard input (-) can be read only once".into(),
            ));
        }
        let options = LoadOptions {
            url: args.url.clone(),
        };
        let mut captures = Vec::with_capacity(args.captures.len());
        for path in &args.captures {
            captures.push(capture::load(path, &options)?);
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

    /// True when provenance must name the file, because several were read.
    /// The suite these captures make: identity discovered, secrets found, calls templated.
    pub fn extract(&self, options: &crate::template::extract::Options) -> Extracted {
        let identity = crate::odoo::session::Identity::discover(&self.exchanges, &self.calls);
        let secrets = crate::template::redact::Secrets::collect(&self.exchanges);
        let sources = self.captures.iter().map(|c| c.file.to_string()).collect();
        crate::template::extract::extract(
            &self.exchanges,
            &self.calls,
            &identity,
            &secrets,
            sources,
            options,
        )
    }

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

/// Compiles a `--model`/`--method` glob.
pub fn glob(pattern: Option<&str>, flag: &str) -> Result<Option<glob::Pattern>> {
    pattern
        .map(|p| {
            glob::Pattern::new(p)
                .map_err(|err| Error::Usage(format!("{flag} {p}: not a glob pattern: {err}")))
        })
        .transpose()
}

/// Runs a command's output step, treating a closed pipe (`| head`) as a normal end.
pub fn print(result: std::io::Result<()>) -> Result<()> {
    match result {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::Usage(format!("cannot write the output: {err}")))
        }
        _ => Ok(()),
    }
}
