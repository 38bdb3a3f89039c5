//! `odoo-har render`: the concrete requests of a suite, or of one template.

use std::io::Write;

use serde_json::{Map, Value};

use crate::cli::RenderArgs;
use crate::error::{Error, Result};
use crate::template::render::{self, Renderer};
use crate::template::suite::Suite;
use crate::template::values::Values;

/// Shown instead of a secret unless `--reveal-secrets`.
pub const MASK: &str = "***";

pub fn run(args: &RenderArgs, out: &mut impl Write) -> Result<i32> {
    let mut renderer = Renderer::new(args.templates.as_deref())?;
    if args.target.is_file() {
        return render_file(args, &mut renderer, out);
    }
    let suite = Suite::read(&args.target)?;
    renderer.add_suite(&suite)?;
    let mut values = render::variables(
        &suite.manifest.variables,
        &suite.manifest.secrets,
        &sources(args),
    )?;
    mask_secrets(&mut values, &suite.manifest.secrets, args.reveal_secrets);
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
        let rendered = renderer.render_step(&suite, index, &Values::new(&values))?;
        super::print(if args.json {
            serde_json::to_writer(&mut *out, &rendered)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out))
        } else {
            let step = &suite.manifest.steps[index];
            writeln!(
                out,
                "# {}\n{}POST {}\n{}\n",
                rendered.step,
                crate::report::terminal::sources(&step.links, &step.literals),
                rendered.route,
                serde_json::to_string_pretty(&rendered.body).unwrap_or_default()
            )
        })?;
    }
    Ok(0)
}

fn sources(args: &RenderArgs) -> render::Sources<'_> {
    render::Sources {
        vars: &args.vars,
        vars_file: args.vars_file.as_deref(),
    }
}

/// Secrets print as `***`; revealed, they come from the environment only.
fn mask_secrets(values: &mut Map<String, Value>, secrets: &[String], reveal: bool) {
    for name in secrets {
        values.remove(name);
        if !reveal {
            values.insert(name.clone(), Value::String(MASK.into()));
        } else if let Ok(secret) = std::env::var(render::secret_variable(name)) {
            values.insert(name.clone(), Value::String(secret));
        }
    }
}

/// `005`, `005-res.partner.write` and `res.partner.write` all name step 005.
pub fn step_matches(name: &str, wanted: &str) -> bool {
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
    let values = render::variables(&Default::default(), &[], &sources(args))?;
    let rendered = renderer.render_text(&shown, &Values::new(&values), || shown.clone())?;
    let pretty = serde_json::from_str::<Value>(&rendered)
        .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
        .unwrap_or(rendered);
    super::print(writeln!(out, "{pretty}"))?;
    Ok(0)
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
}
