//! `--portable`: a suite whose web-client steps are replaced by the public ORM calls that give
//! the same data (see [`crate::odoo::portable`] for what each becomes), so it runs on the next
//! Odoo version too, over any route.
//!
//! Each converted step is rendered with every variable and capture standing as a placeholder,
//! converted, and written back as a template; its baseline is the answer derived from the
//! captured one. A step that becomes several keeps its number with a letter (`006-…web_save`
//! → `006a-res.partner.create`, `006b-res.partner.read`). Values later steps took from a
//! converted answer are taken from where the same value is in the new answers; a value no new
//! answer holds (a step left out, an answer not derived) is sent as it was captured.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::extract::{MARK, placeholder, pretty, template_text};
use super::render::{self, Renderer};
use super::suite::{CaptureDef, LinkDef, LiteralDef, Manifest, Step, Suite, SuiteFile};
use super::values::Values;
use crate::error::Result;
use crate::odoo::Kind;
use crate::odoo::convert::ModelCall;
use crate::odoo::methods;
use crate::odoo::portable::{self, Calls, Converted, Part, Role, after_result};
use crate::odoo::rpc::Dialect;
use crate::path::{Path, Segment};

/// A suite made portable.
#[derive(Debug, Clone)]
pub struct Portable {
    /// The manifest, its steps portable.
    pub manifest: Manifest,
    /// The steps' templates and baselines (the manifest is not among them).
    pub files: Vec<SuiteFile>,
    /// What became of each web-client step, and what was left out and why.
    pub notes: Vec<String>,
}

impl Portable {
    /// The portable suite, in memory; `label` names it in messages.
    pub fn into_suite(self, label: &str) -> Result<Suite> {
        Suite::from_memory(label, self.manifest, &self.files)
    }
}

/// The suite with its web-client steps made portable.
pub fn portable(suite: &Suite) -> Result<Portable> {
    let captured = render::captured_values(suite)?;
    let mut renderer = Renderer::new(None)?;
    renderer.add_suite(suite)?;
    // Every name a template can use stands as a placeholder, which `template_text` writes
    // back as `{{json NAME}}`; a capture no new step gives is its captured value instead.
    let mut values = Map::new();
    let names = suite
        .manifest
        .variables
        .keys()
        .chain(&suite.manifest.secrets)
        .chain(captured.keys());
    for name in names {
        values.insert(name.clone(), placeholder(name));
    }
    let mut out = Output {
        steps: Vec::new(),
        files: Vec::new(),
        notes: Vec::new(),
        defined: BTreeSet::new(),
        names: BTreeSet::new(),
    };
    for step in suite.steps() {
        let orphaned = step.uses.iter().any(|u| !out.defined.contains(u));
        let rendered = renderer
            .render_text(&step.params, &Values::new(&values), String::new)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok());
        let web = matches!(
            step.kind,
            Kind::CallKw | Kind::CallButton | Kind::Dataset | Kind::SearchRead
        );
        let call = rendered.as_ref().filter(|_| web).and_then(|doc| {
            ModelCall::from_value(&step.kind, &step.route, json!({"params": doc})).ok()
        });
        let number = number_of(&step.name, step.index);
        let converted = match &call {
            Some(call) => {
                let result = step
                    .baseline
                    .and_then(|b| Dialect::JsonRpc.outcome(b).ok().flatten());
                let created = out.unique_capture(&format!("s{number}_created"));
                let converted = portable::convert(
                    call,
                    result,
                    &suite.manifest.relations,
                    &placeholder(&created),
                );
                (converted, created)
            }
            None => (Converted::Kept, String::new()),
        };
        match converted {
            (Converted::Kept, _) => {
                let template = match (&rendered, orphaned) {
                    (Some(doc), true) => template_text(doc),
                    _ => step.template.to_string(),
                };
                out.keep(&step, template);
            }
            (Converted::Dropped(why), _) => {
                out.notes.push(format!("left out {}: {why}", step.name));
                for capture in &step.captures {
                    orphan(&mut values, &captured, &capture.name);
                }
            }
            (Converted::Calls(calls), created) => {
                let placed = out.calls(&step, &number, &calls, &created);
                for name in placed.orphans {
                    orphan(&mut values, &captured, &name);
                }
            }
        }
    }
    let manifest = Manifest {
        steps: out.steps,
        ..suite.manifest.clone()
    };
    Ok(Portable {
        manifest,
        files: out.files,
        notes: out.notes,
    })
}

/// A capture no step gives any more: later templates take the value it had.
fn orphan(values: &mut Map<String, Value>, captured: &Map<String, Value>, name: &str) {
    if let Some(value) = captured.get(name) {
        values.insert(name.to_string(), value.clone());
    }
}

/// `006` of `006-res.partner.web_save`, or the step's place.
fn number_of(name: &str, index: usize) -> String {
    match name.split_once('-') {
        Some((number, _)) if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) => {
            number.to_string()
        }
        _ => format!("{:03}", index + 1),
    }
}

/// The portable suite as it is built.
struct Output {
    steps: Vec<Step>,
    files: Vec<SuiteFile>,
    notes: Vec<String>,
    /// Captures the steps so far give.
    defined: BTreeSet<String>,
    /// Step and capture names taken.
    names: BTreeSet<String>,
}

/// Where a converted step's captures went.
struct Placed {
    /// Captures no new answer holds.
    orphans: Vec<String>,
}

impl Output {
    fn unique_capture(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_string();
        let mut n = 2;
        while self.names.contains(&name) || self.defined.contains(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        name
    }

    fn push(&mut self, step: Step, template: String, baseline: Option<&Value>) {
        self.files.push(SuiteFile {
            path: step.params.clone(),
            contents: template,
        });
        if let (Some(path), Some(baseline)) = (&step.baseline, baseline) {
            self.files.push(SuiteFile {
                path: path.clone(),
                contents: pretty(baseline),
            });
        }
        self.defined
            .extend(step.captures.iter().map(|c| c.name.clone()));
        self.names.insert(step.name.clone());
        self.steps.push(step);
    }

    /// A step as it was; only the captures it used that no step gives any more are gone
    /// from its template (`template`) and its `uses`.
    fn keep(&mut self, step: &super::suite::SuiteStep, template: String) {
        let mut kept = step.step.clone();
        kept.uses.retain(|u| self.defined.contains(u));
        kept.links.retain(|l| self.defined.contains(&l.capture));
        self.push(kept, template, step.baseline);
    }

    /// The parts of a converted step as steps; where its captures went.
    fn calls(
        &mut self,
        step: &super::suite::SuiteStep,
        number: &str,
        calls: &Calls,
        created: &str,
    ) -> Placed {
        let error = step
            .baseline
            .filter(|b| Dialect::JsonRpc.outcome(b).is_err());
        let lettered = calls.parts.len() > 1;
        let mut steps: Vec<(Step, Value, Option<Value>)> = Vec::new();
        for (k, part) in calls.parts.iter().enumerate() {
            let letter = if lettered {
                char::from(b'a' + k.min(25) as u8).to_string()
            } else {
                String::new()
            };
            let name = format!("{number}{letter}-{}.{}", part.call.model, part.call.method);
            let doc = json!({"args": part.call.args, "kwargs": part.call.kwargs, "method": part.call.method, "model": part.call.model});
            let baseline = match (k, error) {
                (0, Some(error)) => Some(error.clone()),
                (_, Some(_)) => None,
                (_, None) => part
                    .result
                    .as_ref()
                    .map(|r| json!({"jsonrpc": "2.0", "id": null, "result": r})),
            };
            let mut uses: Vec<String> = marker_names(&doc)
                .into_iter()
                .filter(|n| self.defined.contains(n) || n == created)
                .collect();
            uses.sort();
            uses.dedup();
            let new = Step {
                name: name.clone(),
                kind: Kind::CallKw,
                route: format!(
                    "/web/dataset/call_kw/{}/{}",
                    part.call.model, part.call.method
                ),
                service: None,
                model: Some(part.call.model.clone()),
                method: Some(part.call.method.clone()),
                read_only: methods::is_read_only(&part.call.method),
                params: format!("steps/{name}.params.hbs"),
                baseline: baseline
                    .as_ref()
                    .map(|_| format!("steps/{name}.response.json")),
                status: step.status,
                captured_at: step.captured_at.clone(),
                uses,
                captures: Vec::new(),
                ignore: part
                    .unknown
                    .iter()
                    .map(|p| format!("$.result{}", p.trim_start_matches('$')))
                    .collect(),
                captured_time: step.captured_time.clone(),
                links: Vec::new(),
                literals: literals(part, step),
            };
            steps.push((new, doc, baseline));
        }
        // The id a create answered, for the read after it.
        if let Some(at) = calls.parts.iter().position(|p| p.role == Role::Created)
            && steps
                .iter()
                .any(|(s, _, _)| s.uses.iter().any(|u| u == created))
        {
            steps[at].0.captures.push(CaptureDef {
                name: created.to_string(),
                path: "$.result".into(),
                because: Some("created by this step".into()),
            });
        }
        // The captures and ignore rules of the web call's answer, where the same values are.
        let place = |path: &str| -> Option<(usize, String)> {
            let parsed = Path::parse(path).ok()?;
            let (k, within) = calls.locate(after_result(&parsed)?)?;
            let mut segments = vec![Segment::Key("result".into())];
            segments.extend(within);
            Some((k, Path(segments).to_string()))
        };
        let mut orphans = Vec::new();
        for capture in &step.captures {
            let found = place(&capture.path).filter(|(k, path)| {
                let baseline = steps[*k].2.as_ref();
                Path::parse(path)
                    .ok()
                    .is_some_and(|p| baseline.and_then(|b| p.get(b)).is_some())
            });
            match found {
                Some((k, path)) => steps[k].0.captures.push(CaptureDef {
                    path,
                    ..capture.clone()
                }),
                None => orphans.push(capture.name.clone()),
            }
        }
        for rule in &step.ignore {
            if let Some((k, path)) = place(rule) {
                steps[k].0.ignore.push(path);
            }
        }
        for link in &step.links {
            for (new, doc, _) in &mut steps {
                if let Some(at) = marker_path(doc, &link.capture, link.field.as_deref()) {
                    new.links.push(LinkDef {
                        at: at.to_string(),
                        ..link.clone()
                    });
                    break;
                }
            }
        }
        let names: Vec<String> = steps.iter().map(|(s, _, _)| s.name.clone()).collect();
        self.notes
            .push(format!("{} → {}", step.name, names.join(", ")));
        for note in &calls.notes {
            self.notes.push(format!("{}: {note}", step.name));
        }
        if !orphans.is_empty() {
            self.notes.push(format!(
                "{}: no portable answer holds {}: later steps send the captured value",
                step.name,
                orphans.join(", ")
            ));
        }
        for (new, doc, baseline) in steps {
            self.push(new, template_text(&doc), baseline.as_ref());
        }
        Placed { orphans }
    }
}

/// The record ids a follow-up read sends as the captured answer held them.
fn literals(part: &Part, step: &super::suite::SuiteStep) -> Vec<LiteralDef> {
    let Role::Related { field } = &part.role else {
        return Vec::new();
    };
    part.literal_ids
        .iter()
        .enumerate()
        .map(|(i, id)| LiteralDef {
            at: format!("$.args[0][{i}]"),
            value: *id,
            returned_by: format!("{} $.result..{field}", step.name),
        })
        .collect()
}

/// The names of the placeholders in a document.
fn marker_names(doc: &Value) -> Vec<String> {
    let mut names = Vec::new();
    walk(doc, &mut Path::root(), &mut |text, _| {
        let mut rest = text;
        while let Some(start) = rest.find(MARK) {
            let after = &rest[start + MARK.len_utf8()..];
            let Some(end) = after.find(MARK) else { break };
            names.push(after[..end].to_string());
            rest = &after[end + MARK.len_utf8()..];
        }
    });
    names
}

/// Where the placeholder of `name` stands in a document: under the key `field` when one is
/// given and found, else the first place.
fn marker_path(doc: &Value, name: &str, field: Option<&str>) -> Option<Path> {
    let wanted = format!("{MARK}{name}{MARK}");
    let mut found: Vec<Path> = Vec::new();
    walk(doc, &mut Path::root(), &mut |text, path| {
        if text == wanted {
            found.push(path.clone());
        }
    });
    let under_field = found
        .iter()
        .find(|p| field.is_some_and(|f| matches!(p.0.last(), Some(Segment::Key(k)) if k == f)));
    under_field.or(found.first()).cloned()
}

/// Calls `visit` with every string in a document and where it is.
fn walk(value: &Value, at: &mut Path, visit: &mut dyn FnMut(&str, &Path)) {
    match value {
        Value::String(text) => visit(text, at),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.0.push(Segment::Index(i));
                walk(item, at, visit);
                at.0.pop();
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                at.0.push(Segment::Key(key.clone()));
                walk(item, at, visit);
                at.0.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::suite::{FORMAT, test_step};

    fn step(name: &str, method: &str, uses: &[&str], capture: Option<(&str, &str)>) -> Step {
        let mut step = test_step(name, false, uses, &[]);
        step.model = Some("res.partner".into());
        step.method = Some(method.into());
        step.baseline = Some(format!("steps/{name}.response.json"));
        if let Some((capture, path)) = capture {
            step.captures.push(CaptureDef {
                name: capture.into(),
                path: path.into(),
                because: None,
            });
        }
        step
    }

    fn files(step: &str, template: &str, result: Value) -> [SuiteFile; 2] {
        [
            SuiteFile {
                path: format!("steps/{step}.params.hbs"),
                contents: template.into(),
            },
            SuiteFile {
                path: format!("steps/{step}.response.json"),
                contents: json!({"jsonrpc": "2.0", "id": 1, "result": result}).to_string(),
            },
        ]
    }

    #[test]
    fn captures_follow_their_values_and_what_is_left_out_is_sent_as_captured() {
        let manifest = Manifest {
            format: FORMAT,
            extracted_from: vec![],
            variables: [("lang".to_string(), json!("en_US"))].into_iter().collect(),
            secrets: vec![],
            ignore: vec![],
            relations: Default::default(),
            steps: vec![
                step(
                    "001-res.partner.web_save",
                    "web_save",
                    &[],
                    Some(("s001_id", "$.result[0].id")),
                ),
                step(
                    "002-res.partner.onchange",
                    "onchange",
                    &["s001_id"],
                    Some(("s002_phone", "$.result.value.phone")),
                ),
                step(
                    "003-res.partner.write",
                    "write",
                    &["s001_id", "s002_phone"],
                    None,
                ),
            ],
        };
        let files: Vec<SuiteFile> = [
            files(
                "001-res.partner.web_save",
                r#"{"model": "res.partner", "method": "web_save", "args": [[], {"name": "New"}], "kwargs": {"specification": {"name": {}}, "context": {"lang": {{json lang}}}}}"#,
                json!([{"id": 42, "name": "New"}]),
            ),
            files(
                "002-res.partner.onchange",
                r#"{"model": "res.partner", "method": "onchange", "args": [[{{json s001_id}}], {}, ["name"], {}], "kwargs": {}}"#,
                json!({"value": {"phone": "+32 1"}}),
            ),
            files(
                "003-res.partner.write",
                r#"{"model": "res.partner", "method": "write", "args": [[{{json s001_id}}], {"phone": {{json s002_phone}}}], "kwargs": {}}"#,
                json!(true),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        let suite = Suite::from_memory("t", manifest, &files).unwrap();
        let made = portable(&suite).unwrap();
        let names: Vec<&str> = made
            .manifest
            .steps
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "001a-res.partner.create",
                "001b-res.partner.read",
                "003-res.partner.write"
            ]
        );
        let create = &made.manifest.steps[0];
        let captures: Vec<(&str, &str)> = create
            .captures
            .iter()
            .map(|c| (c.name.as_str(), c.path.as_str()))
            .collect();
        assert_eq!(
            captures,
            [("s001_created", "$.result"), ("s001_id", "$.result")]
        );
        assert!(!create.read_only);
        let read = &made.manifest.steps[1];
        assert_eq!(
            (read.read_only, read.uses.as_slice()),
            (true, &["s001_created".to_string()][..])
        );
        let template = |name: &str| {
            made.files
                .iter()
                .find(|f| f.path == format!("steps/{name}.params.hbs"))
                .unwrap()
                .contents
                .clone()
        };
        assert!(
            template("001b-res.partner.read").contains("{{json s001_created}}")
                && template("001a-res.partner.create").contains("\"lang\": {{json lang}}"),
            "{}",
            template("001b-res.partner.read")
        );
        // The onchange is left out; the value its answer gave is sent as captured.
        let write = &made.manifest.steps[2];
        assert_eq!(write.uses, ["s001_id"]);
        assert!(
            template("003-res.partner.write").contains("\"phone\": \"+32 1\""),
            "{}",
            template("003-res.partner.write")
        );
        assert!(
            made.notes
                .iter()
                .any(|n| n.starts_with("left out 002-res.partner.onchange: onchange:")),
            "{:?}",
            made.notes
        );
        // What was made reads back as a suite whose captures resolve on its baselines.
        let again = made.into_suite("t").unwrap();
        let values = render::captured_values(&again).unwrap();
        assert_eq!(
            (values["s001_created"].clone(), values["s001_id"].clone()),
            (json!(42), json!(42))
        );
    }
}
