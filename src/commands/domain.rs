//! `odoo-har domain`: a search domain checked and printed as JSON-RPC needs it.

use std::io::{Read, Write};

use crate::cli::DomainArgs;
use crate::error::{Error, Result};
use crate::odoo::domain;

pub fn run(args: &DomainArgs, out: &mut impl Write) -> Result<i32> {
    let text = if args.domain == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::Usage(format!("cannot read standard input: {e}")))?;
        text
    } else {
        args.domain.clone()
    };
    let invalid = |e: domain::DomainError| {
        Error::input("domain", None, e.to_string()).hint("a domain is a list of (field, operator, value) conditions and '&', '|', '!' in prefix notation")
    };
    let parsed = domain::parse(&text).map_err(invalid)?;
    domain::validate(&parsed, args.odoo).map_err(invalid)?;
    let shown = if args.normalize {
        domain::normalize(&parsed)
    } else {
        parsed.clone()
    };
    super::print((|| {
        writeln!(out, "{}", serde_json::to_string(&shown).unwrap_or_default())?;
        if args.explain {
            writeln!(out, "{}", domain::explain(&parsed))?;
        }
        Ok(())
    })())?;
    Ok(0)
}
