//! `odoo-har completions SHELL`: completion scripts and the man page, generated from the same
//! clap definitions the parser uses, so they cannot drift from it.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell as Target;

use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::error::Result;

pub fn run(args: &CompletionsArgs, out: &mut impl Write) -> Result<i32> {
    let mut command = Cli::command();
    let target = match args.shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Powershell => Target::PowerShell,
        Shell::Elvish => Target::Elvish,
        Shell::Man => return man(command, out),
    };
    clap_complete::generate(target, &mut command, "odoo-har", out);
    Ok(0)
}

/// The man page: the main command's, then one section per subcommand.
fn man(command: clap::Command, out: &mut impl Write) -> Result<i32> {
    let command = command.version(env!("CARGO_PKG_VERSION"));
    super::print(clap_mangen::Man::new(command.clone()).render(out))?;
    for sub in command.get_subcommands() {
        let name = format!("odoo-har-{}", sub.get_name());
        let page = clap_mangen::Man::new(sub.clone()).title(name);
        super::print(page.render_title(out))?;
        super::print(page.render_name_section(out))?;
        super::print(page.render_synopsis_section(out))?;
        super::print(page.render_description_section(out))?;
        super::print(page.render_options_section(out))?;
        super::print(page.render_extra_section(out))?;
    }
    Ok(0)
}
