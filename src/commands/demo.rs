//! `odoo-har demo`: what the tool does, on a capture bundled in the binary, with no server.

use std::io::Write;

use super::Loaded;
use crate::capture::{self, LoadOptions};
use crate::cli::{CaptureArgs, DemoArgs, InspectArgs};
use crate::error::Result;

/// An Odoo 16 web-client session: login, the Preferences dialog (`res.users/read`, the
/// seed's exact steps), a partner search with a domain, a create and a write.
pub const DEMO_CAPTURE: &[u8] = include_bytes!("../../fixtures/demo-odoo16.har");
const DEMO_NAME: &str = "demo-odoo16.har (bundled)";

pub fn run(_args: &DemoArgs, out: &mut impl Write) -> Result<i32> {
    let capture = capture::parse(DEMO_NAME, DEMO_CAPTURE.to_vec(), &LoadOptions::default())?;
    let loaded = Loaded::from_captures(vec![capture]);
    super::print(writeln!(
        out,
        "odoo-har demo: a browser session with an Odoo 16 web client, recorded as a HAR (login,\n\
         Preferences, a partner search, a create and a write). Here is what odoo-har reads from it.\n\n\
         1. Every Odoo call in the capture (odoo-har inspect CAPTURE):\n"
    ))?;
    let inspect = InspectArgs {
        input: CaptureArgs {
            captures: vec![],
            url: None,
        },
        model: None,
        method: None,
        errors: false,
        all: false,
        json: false,
    };
    super::inspect::write_loaded(out, &inspect, &loaded)?;
    super::print(writeln!(
        out,
        "\n2. Who was logged in, and where each fact was found (odoo-har whoami CAPTURE). This\n   \
         replaces opening Preferences and reading params.kwargs.context.uid by hand:\n"
    ))?;
    super::whoami::write_loaded(out, &loaded, false)?;
    super::print(writeln!(
        out,
        "\nNow your own: in the browser's DevTools (Network tab) use the Odoo web client, then\n\
         right-click a request and choose \"Save all as HAR\", and run\n  \
         odoo-har whoami your-capture.har\n  \
         odoo-har inspect your-capture.har --model 'res.partner'"
    ))?;
    Ok(0)
}
