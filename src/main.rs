use std::process::ExitCode;

use clap::Parser;
use odoo_har::cli::Cli;
use odoo_har::commands;

// Replays run many small allocations on several threads at once, where glibc's allocator
// contends on its locks; mimalloc keeps them thread-local.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Not locked for the whole run: replay reports steps from its worker threads.
    let mut out = std::io::stdout();
    match commands::run(&cli.command, &mut out) {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
