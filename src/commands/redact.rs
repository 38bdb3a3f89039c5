//! `odoo-har redact`: a capture with its secrets removed, as a HAR the other commands read.

use std::io::Write;

use serde_json::Value;

use crate::capture::{self, Format, LoadOptions};
use crate::cli::RedactArgs;
use crate::error::{Error, Result};
use crate::template::redact::{Secrets, redact_har};

pub fn run(args: &RedactArgs, out: &mut impl Write) -> Result<i32> {
    if args.output != "-" && std::path::Path::new(&args.output).exists() && !args.force {
        return Err(Error::input(&args.output, None, "the file exists")
            .hint("choose another name, or pass --force to overwrite it"));
    }
    let options = LoadOptions {
        url: args.url.clone(),
    };
    let loaded = capture::load(&args.capture, &options)?;
    let secrets = Secrets::collect(&loaded.exchanges);
    // A HAR keeps every field it had; other captures become a HAR of their requests.
    let mut har = match loaded.format {
        Format::Har if args.capture != "-" => {
            let bytes = std::fs::read(&args.capture)
                .map_err(|e| Error::input(&args.capture, None, format!("cannot read: {e}")))?;
            let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            serde_json::from_slice::<Value>(&bytes[start..])
                .map_err(|e| crate::error::json_syntax(&args.capture, &e))?
        }
        _ => capture::to_har(&loaded.exchanges, "odoo-har redact"),
    };
    redact_har(&mut har, &secrets);
    let mut text = serde_json::to_string_pretty(&har).unwrap_or_default();
    text.push('\n');
    if args.output == "-" {
        super::print(out.write_all(text.as_bytes()))?;
    } else {
        std::fs::write(&args.output, text)
            .map_err(|e| Error::input(&args.output, None, format!("cannot write: {e}")))?;
        super::print(writeln!(
            out,
            "wrote {} ({} entries, {} secret values removed)",
            args.output,
            loaded.exchanges.len(),
            secrets.len()
        ))?;
    }
    Ok(0)
}
