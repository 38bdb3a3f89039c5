//! Command-line definitions only; each command's work lives in `commands/`.

use clap::{Args, Parser, Subcommand};

/// Turn what a browser saw of Odoo into calls a program can make again.
#[derive(Debug, Parser)]
#[command(name = "odoo-har", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// One value per process: boxing the larger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the Odoo calls in captures
    #[command(after_help = INSPECT_EXAMPLES)]
    Inspect(InspectArgs),
    /// Show uid, database, login, context and versions, with where each was found
    #[command(after_help = WHOAMI_EXAMPLES)]
    Whoami(WhoamiArgs),
    /// Write a suite of templates from captures: one step per Odoo call, with baselines
    #[command(after_help = EXTRACT_EXAMPLES)]
    Extract(ExtractArgs),
    /// Print the concrete requests a suite (or one template) sends
    #[command(after_help = RENDER_EXAMPLES)]
    Render(RenderArgs),
    /// Write a capture with its secrets removed
    #[command(after_help = REDACT_EXAMPLES)]
    Redact(RedactArgs),
    /// Send a suite's (or a capture's) calls to an Odoo and compare what comes back
    #[command(after_help = REPLAY_EXAMPLES)]
    Replay(ReplayArgs),
    /// Compare two JSON answers (or JSON-RPC envelopes) the way replay does
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Write captured calls as external-API bodies, curl, Python, Hurl, k6 or Locust
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(ExportArgs),
    /// Check a search domain and print it as JSON-RPC needs it
    #[command(after_help = DOMAIN_EXAMPLES)]
    Domain(DomainArgs),
    /// Ask an Odoo 19 what the suite's methods take (/doc-bearer) and keep it in the suite
    #[command(after_help = SIGNATURES_EXAMPLES)]
    Signatures(SignaturesArgs),
    /// Answer Odoo calls from a suite's (or a capture's) recorded answers: an Odoo to develop against
    #[command(after_help = MOCK_EXAMPLES)]
    Mock(MockArgs),
    /// Walk through the whole tool on a bundled capture, against a mock Odoo, with no network
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),
    /// Print a shell completion script, or the man page
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
}

const MOCK_EXAMPLES: &str = "Examples:
  odoo-har mock preferences.har                       # http://127.0.0.1:8069
  odoo-har mock suite/ --listen 127.0.0.1:0 --match-loose
  ODOO_PASSWORD=… odoo-har mock suite/ --login admin --strict";

const DEMO_EXAMPLES: &str = "Examples:
  odoo-har demo
  odoo-har demo --keep demo-suite/     # keep the suite it extracts, to look at or replay";

const COMPLETIONS_EXAMPLES: &str = "Examples:
  odoo-har completions bash > ~/.local/share/bash-completion/completions/odoo-har
  odoo-har completions zsh > \"${fpath[1]}/_odoo-har\"
  odoo-har completions man > odoo-har.1 && man ./odoo-har.1";

const EXTRACT_EXAMPLES: &str = "Examples:
  odoo-har extract preferences.har -o suite/
  odoo-har extract session.har -o partners/ --model 'res.partner' --dedupe
  odoo-har extract session.har -o portable/ --portable --force";

const RENDER_EXAMPLES: &str = "Examples:
  odoo-har render suite/
  odoo-har render suite/ --step 005 --var db=staging --json
  ODOO_PASSWORD=… odoo-har render suite/ --reveal-secrets";

const REPLAY_EXAMPLES: &str = "Examples:
  ODOO_PASSWORD=… odoo-har replay suite/ --url https://staging.example.com --db staging
  odoo-har replay suite/ --url http://odoo16:8069 --against http://odoo17:8069 --portable --against-db new
  odoo-har replay suite/ --url http://localhost:8069 --dry-run";

const EXPORT_EXAMPLES: &str = "Examples:
  odoo-har export preferences.har --format jsonrpc --model res.users
  odoo-har export suite/ --format python --portable -o calls.py
  odoo-har export suite/ --format hurl -o hurl/      # one file per call";

const SIGNATURES_EXAMPLES: &str = "Examples:
  ODOO_API_KEY=… odoo-har signatures suite/ --url https://mycompany.odoo.com --db prod
  odoo-har signatures suite/ --url http://localhost:8069 --api-key-env STAGING_KEY";

const DOMAIN_EXAMPLES: &str = "Examples:
  odoo-har domain \"[('phone', 'ilike', '+4912'), '|', ('is_company', '=', True), ('parent_id', '!=', False)]\"
  odoo-har domain '[[\"name\", \"=ilike\", \"dog\"]]' --explain
  odoo-har domain \"[('partner_id', 'any', [('name', 'ilike', 'a')])]\" --odoo 16";

const DIFF_EXAMPLES: &str = "Examples:
  odoo-har diff before.json after.json
  odoo-har diff a.json b.json --ignore '$.result[*].display_name' --unordered '$.result'";

const REDACT_EXAMPLES: &str = "Examples:
  odoo-har redact capture.har -o capture.redacted.har
  odoo-har redact request.sh -o request.har      # a cURL snippet becomes a redacted HAR";

const INSPECT_EXAMPLES: &str = "Examples:
  odoo-har inspect preferences.har
  odoo-har inspect session.har --model 'res.partner' --method 'web_*' --json
  pbpaste | odoo-har inspect -            # a \"Copy as cURL\" or \"Copy as fetch\" snippet";

const WHOAMI_EXAMPLES: &str = "Examples:
  odoo-har whoami preferences.har
  odoo-har whoami preferences.har --json | jq .uid
  odoo-har whoami payload.json --url https://mycompany.odoo.com/web/dataset/call_kw";

/// Where captures come from.
#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// HAR files, cURL or fetch snippets, or JSON-RPC payloads (`-` reads standard input)
    #[arg(required = true, value_name = "CAPTURE")]
    pub captures: Vec<String>,

    /// Where a raw payload was sent (payloads carry no URL of their own)
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub input: CaptureArgs,

    /// Only calls on models matching this glob (`res.*`, `sale.order`)
    #[arg(long, value_name = "GLOB")]
    pub model: Option<String>,

    /// Only calls of methods matching this glob (`web_*`, `read`)
    #[arg(long, value_name = "GLOB")]
    pub method: Option<String>,

    /// Only calls that failed (an Odoo error, an HTTP error, an unexpected body)
    #[arg(long)]
    pub errors: bool,

    /// Also list requests that are not Odoo calls (assets, images, pages)
    #[arg(long)]
    pub all: bool,

    /// Print a JSON array instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    #[command(flatten)]
    pub input: CaptureArgs,

    /// Print a JSON object instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    #[command(flatten)]
    pub input: CaptureArgs,

    /// The suite folder to write
    #[arg(short, long, value_name = "DIR")]
    pub output: std::path::PathBuf,

    /// Overwrite the suite in a folder that is not empty (files it did not write are kept)
    #[arg(long)]
    pub force: bool,

    /// Only calls on models matching this glob
    #[arg(long, value_name = "GLOB")]
    pub model: Option<String>,

    /// Only calls of methods matching this glob
    #[arg(long, value_name = "GLOB")]
    pub method: Option<String>,

    /// Leave out calls that only read
    #[arg(long)]
    pub skip_reads: bool,

    /// Keep only model calls that write (create, write, unlink, buttons, …)
    #[arg(long)]
    pub only_writes: bool,

    /// Keep one call per model, method and argument shape
    #[arg(long)]
    pub dedupe: bool,

    /// Keep the web client's plumbing as steps too (chatter, presence, bus, systray, views,
    /// window actions), which `extract` leaves out by default
    #[arg(long)]
    pub with_ui: bool,

    /// Write the web client's calls as public ORM calls that work across Odoo versions
    /// (web_search_read → search_read, web_save → create/write then read, …)
    #[arg(long)]
    pub portable: bool,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A suite folder, or one template file
    #[arg(value_name = "SUITE_OR_TEMPLATE")]
    pub target: std::path::PathBuf,

    /// Set a variable (`--var db=staging`, `--var 'allowed_company_ids=[1,3]'`); not for secrets
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Variables from a TOML or JSON file
    #[arg(long, value_name = "FILE")]
    pub vars_file: Option<std::path::PathBuf>,

    /// Only this step (its name, or its number such as 005)
    #[arg(long, value_name = "NAME")]
    pub step: Option<String>,

    /// Print secrets (taken from ODOO_PASSWORD, ODOO_API_KEY, …) instead of ***
    #[arg(long)]
    pub reveal_secrets: bool,

    /// One JSON object per line: {"step", "route", "body"}
    #[arg(long)]
    pub json: bool,

    /// Use envelope templates from this folder instead of the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct RedactArgs {
    /// The capture to redact (HAR, cURL, fetch or payload; `-` for standard input)
    #[arg(value_name = "CAPTURE")]
    pub capture: String,

    /// Where a raw payload was sent
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// The HAR file to write (`-` for standard output)
    #[arg(short, long, value_name = "OUT")]
    pub output: String,

    /// Overwrite OUT if it exists
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A password handed over in-process by `demo` (never from the command line)
    #[arg(skip)]
    pub preset_password: Option<String>,

    /// A suite folder, or captures (extracted in memory)
    #[arg(
        required_unless_present = "show_ignored",
        value_name = "SUITE_OR_CAPTURE"
    )]
    pub inputs: Vec<String>,

    /// The Odoo to send to [env: ODOO_URL]
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// The database [env: ODOO_DB; default: the captured one]
    #[arg(long, value_name = "DB")]
    pub db: Option<String>,

    /// The login [env: ODOO_LOGIN; default: the captured one]
    #[arg(long, value_name = "LOGIN")]
    pub login: Option<String>,

    /// Read the password from this environment variable
    #[arg(long, value_name = "VAR", default_value = "ODOO_PASSWORD")]
    pub password_env: String,

    /// Read the password from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,

    /// Read the API key from this environment variable
    #[arg(long, value_name = "VAR", default_value = "ODOO_API_KEY")]
    pub api_key_env: String,

    /// The user id, instead of asking the server (jsonrpc mode)
    #[arg(long, value_name = "UID")]
    pub uid: Option<i64>,

    /// How to authenticate and send
    #[arg(long, value_enum, default_value = "auto")]
    pub mode: crate::replay::auth::Mode,

    /// Steps in flight at once
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,

    /// Seconds to wait for each answer
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,

    /// Retries for transient faults (refused or lost connections, 502/503/504, serialization failures)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retry: u32,

    /// Also retry writes whose outcome is unknown (a lost connection, a timeout, a 5xx)
    #[arg(long)]
    pub retry_writes: bool,

    /// Stop at the first failed step
    #[arg(long)]
    pub fail_fast: bool,

    /// Print what would be sent (secrets masked) and send nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Do not verify TLS certificates
    #[arg(long)]
    pub insecure: bool,

    /// Only the summary, no line per step
    #[arg(short, long)]
    pub quiet: bool,

    /// Also show each step's request and response lines and headers on stderr (secrets masked)
    #[arg(short, long)]
    pub verbose: bool,

    /// Like --verbose, with the request and response bodies (secrets masked)
    #[arg(long)]
    pub very_verbose: bool,

    /// Write what was sent and received as a HAR (secrets redacted)
    #[arg(long, value_name = "FILE")]
    pub save_har: Option<std::path::PathBuf>,

    /// Set a variable (`--var lang=fr_BE`); not for secrets
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Variables from a TOML or JSON file
    #[arg(long, value_name = "FILE")]
    pub vars_file: Option<std::path::PathBuf>,

    /// Use envelope templates from this folder instead of the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub compare: CompareArgs,

    /// Print the fields ignored by default, and why, then exit
    #[arg(long)]
    pub show_ignored: bool,

    /// Before judging, send each read-only step N more times; paths that change between those
    /// answers are learned noise, ignored and listed
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub learn_noise: u32,

    /// Replay the read-only steps against this second server too and compare its answers with
    /// the first server's, not with the baselines
    #[arg(long, value_name = "URL")]
    pub against: Option<String>,

    /// With --against: send the writes too (to both servers)
    #[arg(long)]
    pub allow_writes: bool,

    /// The second server's database [default: the first's]
    #[arg(long, value_name = "DB", requires = "against")]
    pub against_db: Option<String>,

    /// The second server's login [default: the first's]
    #[arg(long, value_name = "LOGIN", requires = "against")]
    pub against_login: Option<String>,

    /// Read the second server's password from this environment variable [default: the first's]
    #[arg(long, value_name = "VAR", requires = "against")]
    pub against_password_env: Option<String>,

    /// Read the second server's API key from this environment variable [default: the first's]
    #[arg(long, value_name = "VAR", requires = "against")]
    pub against_api_key_env: Option<String>,

    /// Send the web client's calls as public ORM calls that work across Odoo versions (with
    /// --against: what an upgrade changes for an integration)
    #[arg(long)]
    pub portable: bool,

    /// Write a JUnit XML report (GitHub, GitLab, Jenkins)
    #[arg(long, value_name = "FILE")]
    pub report_junit: Option<std::path::PathBuf>,

    /// Write a JSON report of every step
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<std::path::PathBuf>,

    /// Write an HTML report: one self-contained page, failures first, diffs, filters
    #[arg(long, value_name = "FILE")]
    pub report_html: Option<std::path::PathBuf>,

    /// Rewrite the baselines of steps that differ (never of failed ones)
    #[arg(long)]
    pub update: bool,

    /// Also fail (exit 1) when a step is skipped because the mode cannot send it (a web-only
    /// route in jsonrpc or json2 mode); by default such skips are reported and the run passes
    #[arg(long)]
    pub fail_on_skip: bool,

    /// At the end, delete the records the run created (newest first) and report what was
    /// deleted and what could not be, so a suite with creates can run again on one database
    #[arg(long)]
    pub cleanup: bool,

    /// Compare dates and datetimes as they are: by default, a value that moved by the time
    /// between capture and replay (an order date set from the clock) compares equal
    #[arg(long)]
    pub no_time_shift: bool,

    /// Captures given to replay keep the web client's plumbing as steps (see `extract --with-ui`)
    #[arg(long)]
    pub with_ui: bool,
}

/// How answers are compared; shared by `replay` and `diff`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Ignore a path (`$.result[*].write_date`, `$..display_name`), optionally for some steps
    /// only (`res.partner/read:$.result[*].display_name`)
    #[arg(long = "ignore", value_name = "RULE")]
    pub ignore: Vec<String>,

    /// Compare the array at this path in any order (records matched by id)
    #[arg(long = "unordered", value_name = "PATH")]
    pub unordered: Vec<String>,

    /// Do not ignore Odoo's volatile fields (see --show-ignored)
    #[arg(long)]
    pub no_default_ignores: bool,

    /// Colour the diffs
    #[arg(long, value_enum, default_value = "auto")]
    pub color: crate::report::color::Color,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The expected answer (a JSON file)
    #[arg(value_name = "A")]
    pub expected: std::path::PathBuf,

    /// The answer to check (a JSON file)
    #[arg(value_name = "B")]
    pub actual: std::path::PathBuf,

    #[command(flatten)]
    pub compare: CompareArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A suite folder, or captures
    #[arg(required = true, value_name = "CAPTURE_OR_SUITE")]
    pub inputs: Vec<String>,

    /// What to write
    #[arg(long, value_enum)]
    pub format: crate::export::Format,

    /// Only calls on models matching this glob
    #[arg(long, value_name = "GLOB")]
    pub model: Option<String>,

    /// Only calls of methods matching this glob
    #[arg(long, value_name = "GLOB")]
    pub method: Option<String>,

    /// Only this step (its name, or its number such as 005)
    #[arg(long, value_name = "NAME")]
    pub step: Option<String>,

    /// Write to this file, or to this folder (one file per call) when it ends with / or exists
    #[arg(short, long, value_name = "FILE_OR_DIR")]
    pub output: Option<std::path::PathBuf>,

    /// Use export templates from this folder instead of the built-in ones
    #[arg(long, value_name = "DIR")]
    pub templates: Option<std::path::PathBuf>,

    /// Captures keep the web client's plumbing as calls (see `extract --with-ui`)
    #[arg(long)]
    pub with_ui: bool,

    /// The Odoo the calls are for: its address in the output, and, for json2, the Odoo 19
    /// asked what its methods take (/doc-bearer, with the API key)
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// The database [default: the captured one]
    #[arg(long, value_name = "DB")]
    pub db: Option<String>,

    /// Read the API key for /doc-bearer from this environment variable
    #[arg(long, value_name = "VAR", default_value = "ODOO_API_KEY")]
    pub api_key_env: String,

    /// Export the web client's calls as public ORM calls that work across Odoo versions
    #[arg(long)]
    pub portable: bool,
}

#[derive(Debug, Args)]
pub struct SignaturesArgs {
    /// The suite folder; `signatures.json` is written into it
    #[arg(value_name = "SUITE")]
    pub suite: std::path::PathBuf,

    /// The Odoo 19 (or newer) to ask [env: ODOO_URL]
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// The database [env: ODOO_DB; default: the captured one]
    #[arg(long, value_name = "DB")]
    pub db: Option<String>,

    /// Read the API key from this environment variable
    #[arg(long, value_name = "VAR", default_value = "ODOO_API_KEY")]
    pub api_key_env: String,

    /// Ask again for models the suite already has signatures of
    #[arg(long)]
    pub refresh: bool,

    /// Do not verify TLS certificates
    #[arg(long)]
    pub insecure: bool,

    /// Seconds to wait for each answer
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
}

#[derive(Debug, Args)]
pub struct DomainArgs {
    /// The domain, in Python syntax (tuples, True/False/None, either quote) or JSON; `-` reads
    /// standard input
    #[arg(value_name = "DOMAIN")]
    pub domain: String,

    /// The Odoo version whose operators apply
    #[arg(long, value_name = "VERSION", default_value_t = 19, value_parser = clap::value_parser!(u32).range(14..=19))]
    pub odoo: u32,

    /// Write every implicit '&' out
    #[arg(long)]
    pub normalize: bool,

    /// Also say what the domain means, in words
    #[arg(long)]
    pub explain: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the suite the demo extracts in this folder (default: a temporary folder, removed)
    #[arg(long, value_name = "DIR")]
    pub keep: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct MockArgs {
    /// A suite folder, or captures (extracted in memory)
    #[arg(required = true, value_name = "SUITE_OR_CAPTURE")]
    pub inputs: Vec<String>,

    /// Where to listen; an address other than loopback must be given explicitly
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8069")]
    pub listen: String,

    /// Answer a call whose arguments match nothing with the first recorded answer of the same
    /// model and method (the log says so)
    #[arg(long)]
    pub match_loose: bool,

    /// Exit with code 1 when stopped if any request went unanswered
    #[arg(long)]
    pub strict: bool,

    /// Only this login logs in (default: any credentials do)
    #[arg(long, value_name = "LOGIN", requires = "password_env")]
    pub login: Option<String>,

    /// The environment variable holding the password `--login` must give
    #[arg(long, value_name = "VAR", requires = "login")]
    pub password_env: Option<String>,

    /// Stop after answering this many requests (for scripts; default: run until Ctrl-C)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: Option<u64>,

    /// Captures keep the web client's plumbing as calls (see `extract --with-ui`)
    #[arg(long)]
    pub with_ui: bool,
}

/// A shell's completion script, or the man page.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
    /// the man page (roff), from the same definitions
    Man,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell (or `man`)
    #[arg(value_enum)]
    pub shell: Shell,
}
