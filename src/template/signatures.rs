//! A suite's `signatures.json`: what a server said of the methods its steps call (see
//! [`crate::odoo::signatures`]), kept beside the manifest with the server's version, so a
//! replay or an export names JSON-2 arguments without asking again. The manifest is left as
//! it is: a suite without the file reads as before.

use std::collections::BTreeSet;
use std::path::Path;

use super::suite::{Step, Suite};
use crate::error::{Error, Result, write_file};
use crate::odoo::methods;
use crate::odoo::signatures::Described;

/// The file's name inside a suite folder.
pub const FILE: &str = "signatures.json";

/// The signatures stored in the suite folder `dir`, if it has some.
pub fn read(dir: &Path) -> Result<Option<Described>> {
    let path = dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(Error::input(
                path.display().to_string(),
                None,
                format!("cannot read: {err}"),
            ));
        }
    };
    let described = serde_json::from_str(&text).map_err(|err| {
        crate::error::json_syntax(&path.display().to_string(), &err)
            .hint("write it again with `odoo-har signatures SUITE --url URL`, or delete it")
    })?;
    Ok(Some(described))
}

/// Writes the signatures into the suite folder `dir`.
pub fn write(dir: &Path, described: &Described) -> Result<()> {
    let mut text = serde_json::to_string_pretty(described).unwrap_or_default();
    text.push('\n');
    write_file(&dir.join(FILE), &text)
}

/// The models the suite's steps call, in order of name.
pub fn models(suite: &Suite) -> BTreeSet<String> {
    suite
        .manifest
        .steps
        .iter()
        .filter_map(|s| s.model.clone())
        .collect()
}

/// Marks as read-only the steps whose method the server says only reads (`@api.readonly`),
/// so they run concurrently, may be repeated to learn noise, and run in A/B checks. A step
/// already read-only stays so: a method the server does not mark may still be known not to
/// write. Returns the names of the steps it changed.
pub fn refine_read_only(suite: &mut Suite, described: &Described) -> Vec<String> {
    let mut changed = Vec::new();
    for step in &mut suite.manifest.steps {
        if becomes_read_only(step, described) {
            step.read_only = true;
            changed.push(step.name.clone());
        }
    }
    changed
}

/// True when `step` is not read-only yet and the server says its method only reads.
pub fn becomes_read_only(step: &Step, described: &Described) -> bool {
    let (Some(model), Some(method)) = (&step.model, &step.method) else {
        return false;
    };
    !step.read_only
        && !methods::mints_ids(method)
        && described.get(model, method).is_some_and(|s| s.readonly)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odoo::signatures::Signature;
    use crate::template::suite::{Manifest, test_step};

    #[test]
    fn the_server_s_readonly_methods_become_read_only_steps() {
        let step = |name: &str, method: &str, read_only: bool| {
            let mut step = test_step(name, read_only, &[], &[]);
            step.model = Some("res.partner".into());
            step.method = Some(method.into());
            step
        };
        let manifest = Manifest {
            steps: vec![
                step("001-res.partner.x_lookup", "x_lookup", false),
                step("002-res.partner.x_stamp", "x_stamp", false),
                step("003-res.partner.read", "read", true),
            ],
            ..Default::default()
        };
        let mut suite = Suite::from_memory("t", manifest, &[]).unwrap();
        let mut described = Described::default();
        let signature = |readonly| Signature {
            params: vec![],
            model: true,
            readonly,
        };
        let methods = described.models.entry("res.partner".into()).or_default();
        methods.insert("x_lookup".into(), signature(true));
        methods.insert("x_stamp".into(), signature(false));
        methods.insert("read".into(), signature(false));
        assert_eq!(
            refine_read_only(&mut suite, &described),
            ["001-res.partner.x_lookup"]
        );
        let read_only: Vec<bool> = suite.manifest.steps.iter().map(|s| s.read_only).collect();
        assert_eq!(read_only, [true, false, true]);
        assert_eq!(
            models(&suite).into_iter().collect::<Vec<_>>(),
            ["res.partner"]
        );
    }
}
