//! The suite folder: `odoo-har.toml` (the manifest) and `steps/` (one params template and one
//! baseline per step). Plain text throughout, so a suite reads well in a code review and
//! diffs cleanly; written in a stable order, so extracting the same capture twice gives the
//! same files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Place, Result};
use crate::odoo::Kind;
use crate::odoo::relations::Relations;
use crate::path::Path as JsonPath;
use crate::text::line_column;

/// The manifest's file name inside a suite folder.
pub const MANIFEST: &str = "odoo-har.toml";
/// The suite format this version writes and reads.
pub const FORMAT: u32 = 1;

/// `odoo-har.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The suite format version.
    pub format: u32,
    /// The captures the suite was extracted from.
    #[serde(default)]
    pub extracted_from: Vec<String>,
    /// Variables with the values the capture had; override with `--var`, a vars file or `ODOO_*`.
    #[serde(default)]
    pub variables: BTreeMap<String, Value>,
    /// Variables that hold secrets: never written with a value, given at run time from the environment.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Diff ignore rules for every step (`$.result[*].write_date`).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// What the capture said of the models the steps touch: relational field → the model it
    /// points to (from `fields_get` and `get_views` answers), which links follow.
    #[serde(default, skip_serializing_if = "Relations::is_empty")]
    pub relations: Relations,
    #[serde(default, rename = "step", skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

/// One call of the suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// `005-res.partner.web_search_read`; also the stem of the step's files.
    pub name: String,
    /// What kind of call (`call_kw`, `jsonrpc`, `json2`, …), as `inspect` names it.
    pub kind: Kind,
    /// The route it is posted to.
    pub route: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// False for anything not known to only read: it keeps its order and is never repeated.
    pub read_only: bool,
    /// The template of the request's `params` (of the whole body for JSON-2), relative to the suite.
    pub params: String,
    /// The captured response, relative to the suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// The HTTP status the capture recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Where the call was captured (`capture.har entry 5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<String>,
    /// Captures (from earlier steps) this step's template uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<String>,
    /// Values this step's response gives to later steps.
    #[serde(default, rename = "capture", skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<CaptureDef>,
    /// Diff ignore rules for this step only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// When the call was made (ISO 8601, from the capture): dates the server set from its
    /// clock are compared with the time between capture and replay in mind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_time: Option<String>,
    /// How each value this step takes from an earlier answer was chosen.
    #[serde(default, rename = "link", skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkDef>,
    /// Ids this step sends as they were captured although an earlier answer returned them:
    /// on another database they may name another record.
    #[serde(default, rename = "literal", skip_serializing_if = "Vec::is_empty")]
    pub literals: Vec<LiteralDef>,
}

/// Why a value in a step's request comes from an earlier answer, as a person checks it:
/// `partner_id ← 014 res.partner.name_search (suggestion #1 of a res.partner name_search for "Deco")`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkDef {
    /// Where in the request (a path into the step's template document).
    pub at: String,
    /// The field the value is sent in, when it is a field's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The capture it uses.
    pub capture: String,
    /// `created`, `cause`, `relation` or `coincidence` (the weakest: check it).
    pub strength: String,
    /// The earlier answer and why it was chosen.
    pub because: String,
    /// Other earlier answers that held the same value, and why they lost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rivals: Vec<String>,
}

/// An id sent as captured although an earlier answer returned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiteralDef {
    /// Where in the request.
    pub at: String,
    pub value: i64,
    /// The answer that returned it: `011-sale.order.read $.result[0].order_line[0]`.
    pub returned_by: String,
}

impl LiteralDef {
    /// `sends 45 as a literal at $.args[0][0]; 011-sale.order.read $.result[0].order_line[0]
    /// returned it`: what extract notes and replay warns.
    pub fn describe(&self) -> String {
        format!(
            "sends {} as a literal at {}; {} returned it",
            self.value, self.at, self.returned_by
        )
    }
}

/// A value taken from a step's response: `name` is the variable later templates use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureDef {
    pub name: String,
    /// Where in the response: `$.result`, `$.result.records[1].id`.
    pub path: String,
    /// Why the link was made (which evidence rule), for the person reading the suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
}

/// A suite as read from disk: the manifest with each step's template text and baseline.
/// Its steps are read as one list, [`Suite::steps`].
#[derive(Debug, Clone)]
pub struct Suite {
    /// The folder, or a label for a suite extracted in memory.
    pub dir: PathBuf,
    /// The manifest as read; its steps are the definitions [`Suite::steps`] yields.
    pub manifest: Manifest,
    /// Each step's baseline, by index. Public for the mock only, which still indexes it (it
    /// moves onto hyper on another branch); everything else reads [`SuiteStep::baseline`].
    pub baselines: Vec<Option<Value>>,
    /// Each step's template and parsed paths, by index.
    loaded: Vec<Loaded>,
}

/// What reading a step made of its template file and of the paths its manifest entry holds.
#[derive(Debug, Clone)]
struct Loaded {
    template: String,
    captures: Vec<JsonPath>,
    ignore: Vec<JsonPath>,
}

impl Loaded {
    /// Capture paths were checked with the manifest, so this fails only for a manifest that
    /// was built, not read. A step ignore rule that does not parse is left out, as the judge
    /// always left it out.
    fn of(step: &Step, template: String) -> std::result::Result<Loaded, String> {
        Ok(Loaded {
            template,
            captures: step
                .captures
                .iter()
                .map(|c| JsonPath::parse(&c.path))
                .collect::<std::result::Result<_, _>>()?,
            ignore: step
                .ignore
                .iter()
                .filter_map(|p| JsonPath::parse(p).ok())
                .collect(),
        })
    }
}

/// One step of a suite as read: its manifest entry (which it dereferences to), its template,
/// its baseline, and its paths parsed.
#[derive(Debug, Clone, Copy)]
pub struct SuiteStep<'a> {
    /// Its place in the suite, from 0 (step `001-…` is 0).
    pub index: usize,
    /// The manifest's entry.
    pub step: &'a Step,
    /// The text of its params template.
    pub template: &'a str,
    /// The captured answer, when there is one.
    pub baseline: Option<&'a Value>,
    /// The paths of its own ignore rules.
    pub ignore_paths: &'a [JsonPath],
    capture_paths: &'a [JsonPath],
}

impl<'a> SuiteStep<'a> {
    /// The values this step's answer gives to later steps, with where they are in it.
    pub fn captures(&self) -> impl Iterator<Item = (&'a CaptureDef, &'a JsonPath)> + use<'a> {
        self.step.captures.iter().zip(self.capture_paths)
    }
}

impl std::ops::Deref for SuiteStep<'_> {
    type Target = Step;

    fn deref(&self) -> &Step {
        self.step
    }
}

/// A file of a suite, before it is written: path relative to the suite folder and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteFile {
    pub path: String,
    pub contents: String,
}

impl Suite {
    /// A suite that was never written: extracted in memory from a capture. `label` names it
    /// in messages.
    pub fn from_memory(label: &str, manifest: Manifest, files: &[SuiteFile]) -> Result<Suite> {
        // By path: a capture of tens of thousands of calls makes as many steps.
        let by_path: std::collections::HashMap<&str, &str> = files
            .iter()
            .rev()
            .map(|f| (f.path.as_str(), f.contents.as_str()))
            .collect();
        let file = |path: &str| by_path.get(path).copied();
        let steps = manifest
            .steps
            .iter()
            .map(|s| {
                let template = file(&s.params).unwrap_or_default().to_string();
                let baseline = s
                    .baseline
                    .as_deref()
                    .and_then(file)
                    .and_then(|text| serde_json::from_str(text).ok());
                (template, baseline)
            })
            .collect();
        Suite::from_steps(label, manifest, steps)
    }

    /// A suite that was never written, from each step's template and baseline as they are
    /// (an extraction made [`in memory`](crate::template::extract::Options::in_memory)).
    pub fn from_steps(
        label: &str,
        manifest: Manifest,
        steps: Vec<(String, Option<Value>)>,
    ) -> Result<Suite> {
        let mut loaded = Vec::with_capacity(steps.len());
        let mut baselines = Vec::with_capacity(steps.len());
        for (index, (step, (template, baseline))) in manifest.steps.iter().zip(steps).enumerate() {
            let step = Loaded::of(step, template).map_err(|why| {
                Error::input(
                    label,
                    Some(Place::JsonPath(format!(
                        "step[{index}] ({}) capture",
                        step.name
                    ))),
                    why,
                )
            })?;
            loaded.push(step);
            baselines.push(baseline);
        }
        Ok(Suite {
            dir: PathBuf::from(label),
            manifest,
            baselines,
            loaded,
        })
    }

    /// The steps, in order, each with its files.
    pub fn steps(&self) -> impl ExactSizeIterator<Item = SuiteStep<'_>> {
        (0..self.loaded.len()).map(|index| self.step(index))
    }

    /// Step `index` (from 0); there must be one.
    pub fn step(&self, index: usize) -> SuiteStep<'_> {
        let loaded = &self.loaded[index];
        SuiteStep {
            index,
            step: &self.manifest.steps[index],
            template: &loaded.template,
            baseline: self.baselines[index].as_ref(),
            ignore_paths: &loaded.ignore,
            capture_paths: &loaded.captures,
        }
    }

    /// Keeps the steps `keep` says yes to, with their files.
    pub fn retain(&mut self, keep: impl Fn(&SuiteStep) -> bool) {
        let kept: Vec<bool> = self.steps().map(|step| keep(&step)).collect();
        retain_by(&mut self.manifest.steps, &kept);
        retain_by(&mut self.baselines, &kept);
        retain_by(&mut self.loaded, &kept);
    }

    /// Adds a step at the end, with its template text and baseline.
    pub fn push(
        &mut self,
        step: Step,
        template: String,
        baseline: Option<Value>,
    ) -> std::result::Result<(), String> {
        self.loaded.push(Loaded::of(&step, template)?);
        self.manifest.steps.push(step);
        self.baselines.push(baseline);
        Ok(())
    }

    /// The baseline of step `index`, to change it.
    pub fn baseline_mut(&mut self, index: usize) -> Option<&mut Value> {
        self.baselines.get_mut(index).and_then(Option::as_mut)
    }

    /// Reads and checks a suite folder.
    pub fn read(dir: &Path) -> Result<Suite> {
        let manifest_path = dir.join(MANIFEST);
        let shown = manifest_path.display().to_string();
        let text = std::fs::read_to_string(&manifest_path).map_err(|err| {
            Error::input(
                &shown,
                None,
                format!("cannot read the suite manifest: {err}"),
            )
            .hint("give a folder written by `odoo-har extract`, or a capture")
        })?;
        let manifest = Manifest::parse(&text, &shown)?;
        // Two files a step: a large suite's are read on every core, and the first error
        // in the steps' order is the one reported, as when they were read one by one.
        let steps = &manifest.steps;
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let chunk = steps.len().div_ceil(threads).max(256);
        let read: Vec<Result<(Loaded, Option<Value>)>> = std::thread::scope(|scope| {
            let workers: Vec<_> = steps
                .chunks(chunk)
                .enumerate()
                .map(|(n, part)| {
                    let shown = &shown;
                    scope.spawn(move || {
                        part.iter()
                            .enumerate()
                            .map(|(i, step)| read_step(dir, shown, n * chunk + i, step))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().unwrap_or_default())
                .collect()
        });
        if read.len() != steps.len() {
            return Err(Error::Setup(format!(
                "{shown}: reading the steps' files failed"
            )));
        }
        let mut loaded = Vec::with_capacity(steps.len());
        let mut baselines = Vec::with_capacity(steps.len());
        for step in read {
            let (step, baseline) = step?;
            loaded.push(step);
            baselines.push(baseline);
        }
        Ok(Suite {
            dir: dir.to_path_buf(),
            manifest,
            baselines,
            loaded,
        })
    }
}

/// Step `index`'s template and baseline, read from the suite folder `dir`.
fn read_step(
    dir: &Path,
    shown: &str,
    index: usize,
    step: &Step,
) -> Result<(Loaded, Option<Value>)> {
    let at = |what: &str| Place::JsonPath(format!("step[{index}] ({}) {what}", step.name));
    let params = dir.join(&step.params);
    let template = std::fs::read_to_string(&params).map_err(|err| {
        Error::input(
            shown,
            Some(at("params")),
            format!("cannot read {}: {err}", params.display()),
        )
        .hint("restore the file, or remove the step from the manifest")
    })?;
    let loaded =
        Loaded::of(step, template).map_err(|why| Error::input(shown, Some(at("capture")), why))?;
    let baseline = match &step.baseline {
        None => None,
        Some(relative) => {
            let path = dir.join(relative);
            let text = std::fs::read_to_string(&path).map_err(|err| {
                Error::input(shown, Some(at("baseline")), format!("cannot read {}: {err}", path.display()))
                    .hint("restore the file, remove the `baseline` line, or record a new one with `replay --update`")
            })?;
            Some(
                serde_json::from_str(&text)
                    .map_err(|err| crate::error::json_syntax(&path.display().to_string(), &err))?,
            )
        }
    };
    Ok((loaded, baseline))
}

fn retain_by<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut keep = keep.iter();
    items.retain(|_| keep.next().copied().unwrap_or(false));
}

impl Default for Manifest {
    /// An empty manifest of the format this version writes.
    fn default() -> Manifest {
        Manifest {
            format: FORMAT,
            extracted_from: Vec::new(),
            variables: BTreeMap::new(),
            secrets: Vec::new(),
            ignore: Vec::new(),
            relations: Relations::default(),
            steps: Vec::new(),
        }
    }
}

impl Manifest {
    /// Reads a hand-editable manifest and checks what the files cannot: the format, step
    /// names that are unique plain file names, file paths that stay inside the suite folder,
    /// captures defined before they are used, capture paths that parse. `shown` names the
    /// file in messages.
    pub fn parse(text: &str, shown: &str) -> Result<Manifest> {
        // What extract wrote reads fast; anything else, or wrong, the toml crate reads and
        // places.
        let fast = Manifest::parse_fast(text);
        let manifest = match fast {
            Some(manifest) => manifest,
            None => Manifest::parse_toml(text, shown)?,
        };
        if manifest.format != FORMAT {
            return Err(Error::input(
                shown,
                None,
                format!(
                    "suite format {} is not one this odoo-har reads (it reads {FORMAT})",
                    manifest.format
                ),
            )
            .hint("extract the suite again with this version"));
        }
        let mut defined: BTreeSet<&str> = BTreeSet::new();
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for (index, step) in manifest.steps.iter().enumerate() {
            let at = |what: &str| Place::JsonPath(format!("step[{index}] ({}) {what}", step.name));
            // Names become file names (`export -o DIR/`, reports): nothing that leaves a folder.
            if !is_plain_name(&step.name) {
                return Err(Error::input(
                    shown,
                    Some(at("name")),
                    "a step name must be a plain file name: letters, digits, `.`, `-`, `_`, not starting with `.`",
                )
                .hint("rename the step (extract names them like `001-res.users.read`)"));
            }
            if !names.insert(&step.name) {
                return Err(
                    Error::input(shown, Some(at("name")), "two steps have this name")
                        .hint("step names must be unique"),
                );
            }
            check_inside(&step.params)
                .map_err(|why| Error::input(shown, Some(at("params")), why))?;
            if let Some(baseline) = &step.baseline {
                check_inside(baseline)
                    .map_err(|why| Error::input(shown, Some(at("baseline")), why))?;
            }
            for used in &step.uses {
                if !defined.contains(used.as_str()) {
                    return Err(Error::input(shown, Some(at("uses")), format!("uses the capture `{used}`, which no earlier step defines"))
                        .hint("add a [[step.capture]] with that name to an earlier step, or drop it from `uses` and the template"));
                }
            }
            for capture in &step.captures {
                JsonPath::parse(&capture.path)
                    .map_err(|why| Error::input(shown, Some(at("capture")), why))?;
                defined.insert(&capture.name);
            }
        }
        Ok(manifest)
    }
}

impl Manifest {
    /// The manifest as [`super::toml_fast`] reads it, each step turned into a [`Step`] as
    /// soon as it is read; `None` when it cannot say (the `toml` crate then reads it).
    fn parse_fast(text: &str) -> Option<Manifest> {
        let mut steps = Vec::new();
        let root = super::toml_fast::parse_streaming(text, "step", &mut |step| {
            steps.push(serde_json::from_value::<Step>(step).ok()?);
            Some(())
        })?;
        let mut manifest = serde_json::from_value::<Manifest>(root).ok()?;
        // The `[[step]]` tables were handed on; steps written otherwise (an inline array)
        // are in the root still, and read with it.
        if !steps.is_empty() {
            manifest.steps = steps;
        }
        Some(manifest)
    }

    /// The manifest as the `toml` crate reads it, its errors placed.
    fn parse_toml(text: &str, shown: &str) -> Result<Manifest> {
        toml::from_str(text).map_err(|err| {
            let place = err.span().map(|span| {
                let (line, column) = line_column(text, span.start);
                Place::LineColumn(line, column)
            });
            Error::input(shown, place, err.message().to_string())
                .hint("fix the manifest by hand, or extract the suite again")
        })
    }
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.len() <= 200
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Refuses a path from the manifest that would leave the suite folder.
fn check_inside(relative: &str) -> std::result::Result<(), String> {
    let inside = Path::new(relative)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if relative.is_empty() || !inside {
        return Err(format!(
            "`{relative}` is not a path inside the suite folder"
        ));
    }
    Ok(())
}

/// Joins a path from the manifest onto the suite folder, refusing anything that would leave it.
fn safe_join(dir: &Path, relative: &str) -> std::result::Result<PathBuf, String> {
    check_inside(relative)?;
    Ok(dir.join(relative))
}

/// The manifest as TOML, with a header that says what the file is.
pub fn manifest_text(manifest: &Manifest) -> std::result::Result<String, String> {
    let body = toml::to_string_pretty(manifest).map_err(|e| e.to_string())?;
    Ok(format!(
        "# odoo-har suite, written by `odoo-har extract`. Edit freely: `odoo-har render` and\n\
         # `odoo-har replay` read it. Templates are in steps/: {{{{json NAME}}}} is a variable or\n\
         # a capture (a value from an earlier step's response). See the README, \"Suite format\".\n\n{body}"
    ))
}

/// One step's `[[step]]` table as the manifest holds it: the [`manifest_text`] of a manifest
/// without steps, followed by each step's, is the text of the manifest with them.
pub fn step_text(step: &Step) -> std::result::Result<String, String> {
    #[derive(Serialize)]
    struct One<'a> {
        step: [&'a Step; 1],
    }
    let text = toml::to_string_pretty(&One { step: [step] }).map_err(|e| e.to_string())?;
    Ok(format!("\n{text}"))
}

/// The steps of a manifest being made, in a file in the suite folder until the manifest is
/// written (`.odoo-har.toml.steps`, removed when they are dropped): a capture of tens of
/// thousands of calls need not hold them all. One JSON line per step.
pub struct StepSpill {
    path: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
    count: usize,
    uses: usize,
    failed: Option<String>,
}

impl StepSpill {
    /// Steps to be kept in `dir`, which is made when the first step comes.
    pub fn new(dir: &Path) -> StepSpill {
        StepSpill {
            path: dir.join(".odoo-har.toml.steps"),
            out: None,
            count: 0,
            uses: 0,
            failed: None,
        }
    }

    /// Keeps one more step; a failure is told when the steps are read back.
    pub fn push(&mut self, step: &Step) {
        use std::io::Write;
        self.count += 1;
        self.uses += step.uses.len();
        if self.failed.is_some() {
            return;
        }
        let written = (|| {
            if self.out.is_none() {
                if let Some(dir) = self.path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let file = std::fs::File::create(&self.path)?;
                self.out = Some(std::io::BufWriter::new(file));
            }
            let Some(out) = self.out.as_mut() else {
                return Ok(());
            };
            serde_json::to_writer(&mut *out, step)?;
            out.write_all(b"\n")
        })();
        if let Err(err) = written {
            self.failed = Some(err.to_string());
        }
    }

    /// How many steps were kept.
    pub fn len(&self) -> usize {
        self.count
    }

    /// How many captures the steps kept use, in all.
    pub fn uses(&self) -> usize {
        self.uses
    }

    /// Whether no step was kept.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// No more steps: what was kept can be read back.
    pub fn close(&mut self) {
        use std::io::Write;
        if let (Some(out), None) = (self.out.as_mut(), &self.failed)
            && let Err(err) = out.flush()
        {
            self.failed = Some(err.to_string());
        }
        self.out = None;
    }

    /// Each step kept, in order (after [`StepSpill::close`]).
    pub fn each(&self, each: &mut dyn FnMut(Step) -> Result<()>) -> Result<()> {
        use std::io::BufRead;
        let shown = self.path.display().to_string();
        if let Some(why) = &self.failed {
            return Err(Error::input(
                &shown,
                None,
                format!("cannot keep the steps while the suite is written: {why}"),
            )
            .hint("check that the suite folder is writable and the disk has room"));
        }
        if self.count == 0 {
            return Ok(());
        }
        let broken = |line: usize, why: String| {
            Error::input(&shown, Some(Place::LineColumn(line, 1)), why)
                .hint("the suite folder changed while it was written: extract again")
        };
        let file = std::fs::File::open(&self.path).map_err(|e| broken(0, e.to_string()))?;
        for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| broken(index + 1, e.to_string()))?;
            let step = serde_json::from_str(&line).map_err(|e| broken(index + 1, e.to_string()))?;
            each(step)?;
        }
        Ok(())
    }
}

impl Drop for StepSpill {
    fn drop(&mut self) {
        self.out = None;
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes a suite into `dir`. A folder that holds anything but a suite this tool wrote
/// is refused unless `force`; even then only files named by the old or new manifest are
/// touched: nothing else is ever deleted.
pub fn write(dir: &Path, files: &[SuiteFile], force: bool) -> Result<()> {
    let mut writer = SuiteWriter::open(dir, force)?;
    for file in files {
        writer.write(file)?;
    }
    writer.finish()
}

/// The files an old manifest names: its steps' are read one at a time and only their file
/// names kept, so overwriting a suite of tens of thousands of steps holds those, not it.
fn old_files(text: &str, shown: &str) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    let mut keep = |step: &Value| {
        for key in ["params", "baseline"] {
            if let Some(name) = step.get(key).and_then(Value::as_str) {
                files.insert(name.to_string());
            }
        }
    };
    let streamed = super::toml_fast::parse_streaming(text, "step", &mut |step| {
        keep(&step);
        Some(())
    });
    // Steps written otherwise (an inline array) stay in the root.
    if let Some(inline) = streamed
        .as_ref()
        .and_then(|root| root.get("step")?.as_array())
    {
        inline.iter().for_each(&mut keep);
    }
    if files.is_empty() {
        // What the fast reader cannot say, the `toml` crate reads whole.
        if let Ok(old) = Manifest::parse(text, shown) {
            for step in old.steps {
                files.insert(step.params);
                files.extend(step.baseline);
            }
        }
    }
    files
}

/// A suite written file by file as it is made ([`write`] at once): the folder is checked
/// before anything is written, and the old suite's files the new one does not name are
/// removed at the end.
pub struct SuiteWriter {
    dir: PathBuf,
    shown: String,
    /// The old suite's files not written again (yet).
    stale: BTreeSet<String>,
}

impl SuiteWriter {
    /// Checks that `dir` may take a suite (empty, or `force`) and notes the old suite's
    /// files. Nothing is written yet.
    pub fn open(dir: &Path, force: bool) -> Result<SuiteWriter> {
        let shown = dir.display().to_string();
        let existing = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
        if existing && !force {
            return Err(Error::input(&shown, None, "the folder is not empty")
                .hint("choose a new folder, or pass --force to overwrite the suite in it"));
        }
        // Only the manifest is read: it names the files, which need not all be there.
        let manifest_path = dir.join(MANIFEST);
        let stale = match std::fs::read_to_string(&manifest_path) {
            Ok(text) if force => old_files(&text, &manifest_path.display().to_string()),
            _ => BTreeSet::new(),
        };
        Ok(SuiteWriter {
            dir: dir.to_path_buf(),
            shown,
            stale,
        })
    }

    /// Writes one file of the suite, its folders made as needed.
    pub fn write(&mut self, file: &SuiteFile) -> Result<()> {
        use std::io::Write;
        let (mut out, failed) = self.create(&file.path)?;
        out.write_all(file.contents.as_bytes()).map_err(failed)?;
        Ok(())
    }

    /// Writes one file of the suite as `fill` makes it, its folders made as needed.
    pub fn write_with(
        &mut self,
        relative: &str,
        fill: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<()>,
    ) -> Result<()> {
        use std::io::Write;
        let (out, failed) = self.create(relative)?;
        let mut out = std::io::BufWriter::new(out);
        fill(&mut out)?;
        out.flush().map_err(failed)?;
        Ok(())
    }

    /// The suite's file `relative`, created (its folders too) and no longer stale, and the
    /// error a failure to write it is.
    fn create(
        &mut self,
        relative: &str,
    ) -> Result<(std::fs::File, impl Fn(std::io::Error) -> Error + use<>)> {
        let cannot = |path: &Path| {
            let shown = path.display().to_string();
            move |err: std::io::Error| {
                Error::input(shown.clone(), None, format!("cannot write: {err}"))
            }
        };
        let path =
            safe_join(&self.dir, relative).map_err(|why| Error::input(&self.shown, None, why))?;
        if let Some(parent) = path.parent()
            && !parent.is_dir()
        {
            std::fs::create_dir_all(parent).map_err(cannot(parent))?;
        }
        let failed = cannot(&path);
        let out = std::fs::File::create(&path).map_err(&failed)?;
        self.stale.remove(relative);
        Ok((out, failed))
    }

    /// Removes the old suite's files the new one did not write.
    pub fn finish(self) -> Result<()> {
        for stale in &self.stale {
            if let Ok(path) = safe_join(&self.dir, stale) {
                let _ = std::fs::remove_file(path);
            }
        }
        Ok(())
    }
}

/// A step for tests: a `call_kw` named `name`, its captures at `$.result`.
#[cfg(test)]
pub(crate) fn test_step(name: &str, read_only: bool, uses: &[&str], captures: &[&str]) -> Step {
    Step {
        name: name.into(),
        kind: Kind::CallKw,
        route: "/web/dataset/call_kw".into(),
        service: None,
        model: None,
        method: None,
        read_only,
        params: format!("steps/{name}.params.hbs"),
        baseline: None,
        status: None,
        captured_at: None,
        uses: uses.iter().map(|u| u.to_string()).collect(),
        captures: captures
            .iter()
            .map(|c| CaptureDef {
                name: c.to_string(),
                path: "$.result".into(),
                because: None,
            })
            .collect(),
        ignore: Vec::new(),
        captured_time: None,
        links: Vec::new(),
        literals: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_written_step_by_step_is_the_one_written_at_once() {
        let mut manifest = Manifest::default();
        manifest.variables.insert("uid".into(), Value::from(2));
        manifest.steps = vec![
            test_step("001-res.partner.create", false, &[], &["s001_result"]),
            test_step("002-res.partner.read", true, &["s001_result"], &[]),
        ];
        manifest.steps[1].links.push(LinkDef {
            at: "$.args[0][0]".into(),
            field: None,
            capture: "s001_result".into(),
            strength: "created".into(),
            because: "an id this step created".into(),
            rivals: vec!["another".into()],
        });
        let whole = manifest_text(&manifest).unwrap();
        let steps = std::mem::take(&mut manifest.steps);
        let mut pieces = manifest_text(&manifest).unwrap();
        assert!(!pieces.contains("[[step") && !pieces.contains("step ="));
        for step in &steps {
            pieces.push_str(&step_text(step).unwrap());
        }
        assert_eq!(pieces, whole);
    }

    #[test]
    fn steps_kept_in_a_file_come_back_in_order_and_the_file_goes() {
        let dir = std::env::temp_dir().join(format!("odoo-har-spill-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut spill = StepSpill::new(&dir);
        let steps = [
            test_step("001-a.read", true, &[], &["s001_result"]),
            test_step("002-b.write", false, &["s001_result"], &[]),
        ];
        steps.iter().for_each(|step| spill.push(step));
        spill.close();
        assert_eq!((spill.len(), spill.uses()), (2, 1));
        let mut back = Vec::new();
        spill
            .each(&mut |step| {
                back.push(step);
                Ok(())
            })
            .unwrap();
        assert_eq!(back, steps);
        let path = dir.join(".odoo-har.toml.steps");
        assert!(path.is_file());
        drop(spill);
        assert!(!path.exists(), "the file goes with the steps");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn steps_that_cannot_be_kept_are_told_when_read_back() {
        // A folder under a file cannot be made.
        let file = std::env::temp_dir().join(format!("odoo-har-spill-file-{}", std::process::id()));
        std::fs::write(&file, "").unwrap();
        let mut spill = StepSpill::new(&file.join("suite"));
        spill.push(&test_step("001-a.read", true, &[], &[]));
        spill.close();
        let err = spill.each(&mut |_| Ok(())).unwrap_err().to_string();
        assert!(err.contains(".odoo-har.toml.steps"), "{err}");
        assert!(err.contains("cannot keep the steps"), "{err}");
        let _ = std::fs::remove_file(&file);
    }

    #[test]
    fn paths_that_leave_the_suite_are_refused() {
        let dir = Path::new("/tmp/suite");
        assert!(safe_join(dir, "steps/001-a.params.hbs").is_ok());
        for bad in ["../../etc/passwd", "/etc/passwd", "steps/../../x", ""] {
            assert!(
                safe_join(dir, bad)
                    .unwrap_err()
                    .contains("not a path inside the suite folder"),
                "{bad}"
            );
        }
    }

    fn step(name: &str, read_only: bool) -> Step {
        let mut step = test_step(name, read_only, &[], &[&format!("{name}_result")]);
        step.baseline = Some(format!("steps/{name}.response.json"));
        step.captures[0].path = "$.result[0].id".into();
        step.ignore = vec!["$.result[*].phone".into(), "$.result[oops]".into()];
        step
    }

    #[test]
    fn steps_keep_their_files_and_parsed_paths_together() {
        let manifest = Manifest {
            steps: vec![step("a", true), step("b", false), step("c", true)],
            ..Default::default()
        };
        let files: Vec<SuiteFile> = ["a", "b", "c"]
            .iter()
            .flat_map(|n| {
                [
                    SuiteFile {
                        path: format!("steps/{n}.params.hbs"),
                        contents: format!("{{\"{n}\": 1}}"),
                    },
                    SuiteFile {
                        path: format!("steps/{n}.response.json"),
                        contents: format!("{{\"result\": [{{\"id\": \"{n}\"}}]}}"),
                    },
                ]
            })
            .collect();
        let mut suite = Suite::from_memory("t", manifest, &files).unwrap();
        suite.retain(|s| s.read_only);
        let kept: Vec<(String, String, Value)> = suite
            .steps()
            .map(|s| {
                let (_, path) = s.captures().next().unwrap();
                let id = path.get(s.baseline.unwrap()).unwrap().clone();
                (s.name.clone(), s.template.to_string(), id)
            })
            .collect();
        assert_eq!(
            kept,
            [
                ("a".into(), "{\"a\": 1}".into(), serde_json::json!("a")),
                ("c".into(), "{\"c\": 1}".into(), serde_json::json!("c"))
            ]
        );
        // An ignore rule that does not parse is left out, as the judge always did.
        assert_eq!(suite.step(1).ignore_paths.len(), 1);
        suite.push(step("d", true), "{}".into(), None).unwrap();
        assert_eq!(suite.steps().len(), 3);
        assert_eq!(suite.step(2).baseline, None);
    }

    #[test]
    fn an_unknown_kind_is_refused_where_it_is_written() {
        let text = "format = 1\n\n[[step]]\nname = \"001-a\"\nkind = \"call_kwargs\"\nroute = \"/web/dataset/call_kw\"\nread_only = true\nparams = \"steps/001-a.params.hbs\"\n";
        let err = Manifest::parse(text, "odoo-har.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("odoo-har.toml: line 5, column 8: `call_kwargs` is not a kind of call odoo-har knows (call_kw, "),
            "{err}"
        );
    }

    #[test]
    fn the_fast_manifest_reader_reads_what_the_toml_crate_reads() {
        let mut fixtures: Vec<String> = std::fs::read_dir("fixtures")
            .unwrap()
            .flatten()
            .map(|e| e.path().display().to_string())
            .filter(|p| p.ends_with(".har"))
            .collect();
        fixtures.sort();
        for fixture in fixtures {
            let loaded = crate::template::load::Loaded::read(
                std::slice::from_ref(&fixture),
                &Default::default(),
            )
            .unwrap();
            let manifest = loaded.extract(&Default::default()).manifest;
            let text = manifest_text(&manifest).unwrap();
            assert_eq!(
                Manifest::parse_fast(&text).as_ref(),
                Some(&manifest),
                "{fixture}"
            );
            assert_eq!(
                Manifest::parse_toml(&text, "t").unwrap(),
                manifest,
                "{fixture}"
            );
        }
    }

    #[test]
    fn manifest_round_trips_through_toml() {
        let manifest = Manifest {
            format: FORMAT,
            extracted_from: vec!["a.har".into()],
            variables: BTreeMap::from([
                ("uid".into(), serde_json::json!(2)),
                ("allowed_company_ids".into(), serde_json::json!([1, 3])),
            ]),
            secrets: vec!["password".into()],
            ignore: vec![],
            relations: Relations::default(),
            steps: vec![Step {
                name: "001-res.partner.create".into(),
                kind: Kind::CallKw,
                route: "/web/dataset/call_kw/res.partner/create".into(),
                service: None,
                model: Some("res.partner".into()),
                method: Some("create".into()),
                read_only: false,
                params: "steps/001-res.partner.create.params.hbs".into(),
                baseline: Some("steps/001-res.partner.create.response.json".into()),
                status: Some(200),
                captured_at: Some("a.har entry 4".into()),
                uses: vec![],
                captures: vec![CaptureDef {
                    name: "s001_result".into(),
                    path: "$.result".into(),
                    because: Some("created by this step".into()),
                }],
                ignore: vec![],
                captured_time: Some("2026-12-02T04:22:26.371Z".into()),
                links: vec![LinkDef {
                    at: "$.args[1].parent_id".into(),
                    field: Some("parent_id".into()),
                    capture: "s000_result".into(),
                    strength: "cause".into(),
                    because: "x".into(),
                    rivals: vec!["y".into()],
                }],
                literals: vec![LiteralDef {
                    at: "$.args[0][0]".into(),
                    value: 45,
                    returned_by: "z".into(),
                }],
            }],
        };
        let text = manifest_text(&manifest).unwrap();
        assert!(
            text.contains("[[step]]") && text.contains("[[step.capture]]"),
            "{text}"
        );
        assert_eq!(toml::from_str::<Manifest>(&text).unwrap(), manifest);
    }
}
