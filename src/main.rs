use std::process::ExitCode;

use clap::Parser;
use odoo_har::cli::{Cli, Command};
use odoo_har::commands;

// Replays run many small allocations on several threads at once, where glibc's allocator
// contends on its locks; mimalloc keeps them thread-local.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Not locked for the whole run: replay reports steps from its worker threads.
    let mut out = std::io::stdout();
    let outcome = match &cli.command {
        Command::Inspect(args) => commands::inspect::run(args, &mut out),
        Command::Whoami(args) => commands::whoami::run(args, &mut out),
        Command::Extract(args) => commands::extract::run(args, &mut out),
        Command::Render(args) => commands::render::run(args, &mut out),
        Command::Redact(args) => commands::redact::run(args, &mut out),
        Command::Replay(args) => commands::replay::run(args, &mut out),
        Command::Diff(args) => commands::diff::run(args, &mut out),
        Command::Domain(args) => commands::domain::run(args, &mut out),
        Command::Export(args) => commands::export::run(args, &mut out),
        Command::Mock(args) => commands::mock::run(args, &mut out),
        Command::Demo(args) => commands::demo::run(args, &mut out),
        Command::Completions(args) => commands::completions::run(args, &mut out),
    };
    match outcome {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
