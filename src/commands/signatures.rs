//! `odoo-har signatures SUITE --url URL`: asks an Odoo 19 what the suite's methods take
//! (`/doc-bearer/<model>.json`) and keeps it in the suite's `signatures.json`, then says,
//! step by step, where each method's parameter names come from.

use std::io::Write;
use std::time::Duration;

use crate::cli::SignaturesArgs;
use crate::error::{Error, Result};
use crate::odoo::signatures::Origin;
use crate::replay::signatures::{Server, fetch};
use crate::template::signatures;
use crate::template::suite::{MANIFEST, Suite};

pub fn run(args: &SignaturesArgs, out: &mut impl Write) -> Result<i32> {
    if !args.suite.join(MANIFEST).is_file() {
        return Err(Error::input(
            args.suite.display().to_string(),
            None,
            "not a suite folder: signatures are kept beside a suite's manifest",
        )
        .hint("extract the capture first: `odoo-har extract CAPTURE -o DIR`"));
    }
    let suite = Suite::read(&args.suite)?;
    let url = args
        .url
        .clone()
        .or_else(|| std::env::var("ODOO_URL").ok())
        .ok_or_else(|| Error::Usage("which Odoo to ask? give --url or ODOO_URL".into()))?;
    let db = args
        .db
        .clone()
        .or_else(|| std::env::var("ODOO_DB").ok())
        .or_else(|| super::captured_db(&suite))
        .ok_or_else(|| Error::Usage("no database: give --db or ODOO_DB".into()))?;
    let api_key = super::api_key(&args.api_key_env, "/doc-bearer")?;
    let known = if args.refresh {
        Default::default()
    } else {
        signatures::read(&suite.dir)?.unwrap_or_default()
    };
    let models: Vec<String> = signatures::models(&suite).into_iter().collect();
    let server = Server {
        url: &url,
        db: &db,
        api_key: &api_key,
        insecure: args.insecure,
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
    };
    let gathered = fetch(&server, &models, &known)?;
    signatures::write(&suite.dir, &gathered.described)?;
    let described = &gathered.described;
    let version = described
        .server_version
        .as_deref()
        .and_then(|v| v.split('.').next())
        .and_then(|major| major.parse().ok());
    super::print((|| {
        writeln!(
            out,
            "wrote {}: {}",
            suite.dir.join(signatures::FILE).display(),
            gathered.summary()
        )?;
        for step in &suite.manifest.steps {
            let (Some(model), Some(method)) = (&step.model, &step.method) else {
                continue;
            };
            let said = match described.resolve(model, method, version) {
                Some((signature, Origin::Server)) => {
                    let readonly = if signature.readonly {
                        ", only reads"
                    } else {
                        ""
                    };
                    format!("{method}{} (the server{readonly})", signature.text())
                }
                Some((signature, origin)) => format!("{method}{} ({origin})", signature.text()),
                None => format!(
                    "{method}: described neither by the server nor by odoo-har's table; JSON-2 cannot name its arguments"
                ),
            };
            writeln!(out, "  {:<44} {said}", step.name)?;
        }
        Ok(())
    })())?;
    Ok(0)
}
