//! `odoo-har render`: the concrete requests of a suite, or of one template.

use std::io::Write;

use serde_json::{Map, Value};

use crate::cli::RenderArgs;
use crate::error::{Error, Result};
use crate::template::render::{self, Renderer};
use crate::template::suite::Suite;

/// Shown instead of a secret unless `--reveal-secrets`.
pub const MASK: &str = "***";

/// Environment variables that set suite variables (`ODOO_URL` → `url`, …).
const ENVIRONMENT: [(&str, &str); 5] = [
    ("ODOO_URL", "url"),
    ("ODOO_DB", "db"),
    ("ODOO_LOGIN", "login"),
    ("ODOO_UID", "uid"),
    ("ODOO_LANG", "lang"),
];

pub fn run(args: &RenderArgs, out: &mut impl Write) -> Result<i32> {
    let mut renderer = Renderer::new(args.templates.as_deref())?;
    if args.target.is_file() {
        return render_file(args, &mut renderer, out);
    }
    let suite = Suite::read(&args.target)?;
    renderer.add_suite(&suite)?;
    let values = values(&suite.manifest.variables, &suite.manifest.secrets, args)?;
    let mut values = values;
    values.extend(render::captured_values(&suite)?);
    let selected: Vec<usize> = match &args.step {
        None => (0..suite.manifest.steps.len()).collect(),
        Some(wanted) => {
            let found: Vec<usize> = suite
                .manifest
                .steps
                .iter()
                .enumerate()
                .filter(|(_, s)| step_matches(&s.name, wanted))
                .map(|(i, _)| i)
                .collect();
            if found.is_empty() {
                return Err(Error::Usage(format!(
                    "--step {wanted}: no such step; the suite has {}",
                    suite
                        .manifest
                        .steps
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            found
        }
    };
    for index in selected {
        let rendered = renderer.render_step(&suite, index, &values)?;
        super::print(if args.json {
            serde_json::to_writer(&mut *out, &rendered)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out))
        } else {
            writeln!(
                out,
                "# {}\nPOST {}\n{}\n",
                rendered.step,
                rendered.route,
                serde_json::to_string_pretty(&rendered.body).unwrap_or_default()
            )
        })?;
    }
    Ok(0)
}

/// `005`, `005-res.partner.write` and `res.partner.write` all name step 005.
fn step_matches(name: &str, wanted: &str) -> bool {
    name == wanted
        || name
            .split_once('-')
            .is_some_and(|(number, rest)| number == wanted || rest == wanted)
}

fn render_file(args: &RenderArgs, renderer: &mut Renderer, out: &mut impl Write) -> Result<i32> {
    let shown = args.target.display().to_string();
    let text = std::fs::read_to_string(&args.target)
        .map_err(|e| Error::input(&shown, None, format!("cannot read: {e}")))?;
    renderer.add_file(&shown, &text)?;
    let values = values(&Default::default(), &[], args)?;
    let rendered = renderer.render_text(&shown, &shown, &values)?;
    let pretty = serde_json::from_str::<Value>(&rendered)
        .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
        .unwrap_or(rendered);
    super::print(writeln!(out, "{pretty}"))?;
    Ok(0)
}

/// Variables, lowest precedence first: the suite's captured values, `ODOO_*`, the vars file,
/// `--var`. Secrets are `***` unless revealed, and then come only from the environment.
fn values(
    defaults: &std::collections::BTreeMap<String, Value>,
    secrets: &[String],
    args: &RenderArgs,
) -> Result<Map<String, Value>> {
    let mut values: Map<String, Value> = defaults
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (variable, name) in ENVIRONMENT {
        if let Ok(value) = std::env::var(variable) {
            values.insert(name.into(), parse_value(&value));
        }
    }
    if let Some(file) = &args.vars_file {
        values.extend(vars_file(file)?);
    }
    for assignment in &args.vars {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| Error::Usage(format!("--var {assignment}: write NAME=VALUE")))?;
        if secrets.iter().any(|s| s == name) || crate::template::redact::is_secret_field(name) {
            return Err(Error::Usage(format!(
                "--var {name}=…: secrets are never taken from the command line (it lands in shell history); set {} instead",
                secret_variable(name)
            )));
        }
        values.insert(name.to_string(), parse_value(value));
    }
    for name in secrets {
        values.remove(name);
        if !args.reveal_secrets {
            values.insert(name.clone(), Value::String(MASK.into()));
        } else if let Ok(secret) = std::env::var(secret_variable(name)) {
            values.insert(name.clone(), Value::String(secret));
        }
    }
    Ok(values)
}

/// `password` → `ODOO_PASSWORD`.
pub fn secret_variable(name: &str) -> String {
    format!("ODOO_{}", name.to_ascii_uppercase())
}

/// A value as JSON when it reads as JSON (`2`, `[1,3]`, `true`), else as a string.
fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

fn vars_file(path: &std::path::Path) -> Result<Map<String, Value>> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(&shown, None, format!("cannot read: {e}")))?;
    let value: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).map_err(|e| crate::error::json_syntax(&shown, &e))?
    } else {
        toml::from_str(&text).map_err(|e| {
            Error::input(&shown, None, e.message().to_string())
                .hint("write NAME = VALUE lines (TOML) or a JSON object")
        })?
    };
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(Error::input(
            &shown,
            None,
            "expected variables as NAME = VALUE",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_found_by_number_or_name() {
        assert!(step_matches("005-res.partner.write", "005"));
        assert!(step_matches("005-res.partner.write", "res.partner.write"));
        assert!(step_matches(
            "005-res.partner.write",
            "005-res.partner.write"
        ));
        assert!(!step_matches("005-res.partner.write", "006"));
    }

    #[test]
    fn values_parse_as_json_when_they_can() {
        assert_eq!(parse_value("2"), Value::from(2));
        assert_eq!(parse_value("[1,3]"), serde_json::json!([1, 3]));
        assert_eq!(parse_value("staging"), Value::from("staging"));
    }
}
