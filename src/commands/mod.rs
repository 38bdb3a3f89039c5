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
pub mod signatures;
pub mod whoami;

use crate::capture::Exchange;
use crate::capture::LoadOptions;
use crate::cli::{CaptureArgs, Command};
use crate::error::{Error, Result};
use crate::odoo::OdooCall;
use crate::template::load::{self, Loaded, Streamed};

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
        Command::Signatures(args) => signatures::run(args, out),
        Command::Export(args) => export::run(args, out),
        Command::Mock(args) => mock::run(args, out),
        Command::Demo(args) => demo::run(args, out),
        Command::Completions(args) => completions::run(args, out),
    }
}

/// Reads every capture named on the command line; the first bad one stops the command.
pub fn loaded(args: &CaptureArgs) -> Result<Loaded> {
    Loaded::read(&args.captures, &load_options(args))
}

/// Reads every capture named on the command line entry by entry, handing each exchange and
/// its call to `each` (response bodies only where an Odoo call may have one).
pub fn streamed(
    args: &CaptureArgs,
    each: &mut dyn FnMut(Exchange, OdooCall) -> Result<()>,
) -> Result<Streamed> {
    load::stream(&args.captures, &load_options(args), false, each)
}

/// How to read the captures, from the command line.
pub fn load_options(args: &CaptureArgs) -> LoadOptions {
    LoadOptions {
        url: args.url.clone(),
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

/// The database a suite was captured on (or `--db` set for it), unless redaction stands in
/// its place.
pub fn captured_db(suite: &crate::template::suite::Suite) -> Option<String> {
    suite
        .manifest
        .variables
        .get("db")
        .and_then(serde_json::Value::as_str)
        .filter(|db| *db != crate::template::redact::REDACTED)
        .map(str::to_string)
}

/// `--portable`: the suite with its web-client calls as public ORM calls; what became of them
/// is said on standard error unless `quiet`.
pub fn portable(
    suite: crate::template::suite::Suite,
    quiet: bool,
) -> Result<crate::template::suite::Suite> {
    let made = crate::template::portable::portable(&suite)?;
    if !quiet {
        for note in &made.notes {
            eprintln!("odoo-har: --portable: {note}");
        }
    }
    made.into_suite(&suite.dir.display().to_string())
}

/// The API key in the environment variable `var`; `why` says what needs it when it is not set.
pub fn api_key(var: &str, why: &str) -> Result<crate::secret::Secret> {
    std::env::var(var)
        .ok()
        .filter(|k| !k.is_empty())
        .map(crate::secret::Secret::new)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{why} takes an API key: set {var} (or name another variable with --api-key-env)"
            ))
        })
}
