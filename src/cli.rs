//! Command-line definitions only; each command's work lives in `commands/`.

use clap::{Args, Parser, Subcommand};

/// Turn what a browser saw of Odoo into calls a program can make again.
#[derive(Debug, Parser)]
#[command(name = "odoo-har", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the Odoo calls in captures
    #[command(after_help = INSPECT_EXAMPLES)]
    Inspect(InspectArgs),
    /// Show uid, database, login, context and versions, with where each was found
    #[command(after_help = WHOAMI_EXAMPLES)]
    Whoami(WhoamiArgs),
    /// Show what the tool does on a bundled Odoo capture, with no server needed
    Demo(DemoArgs),
}

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
pub struct DemoArgs {}
