//! From recognised calls to a suite: one step per Odoo call, its request as a handlebars
//! template with variables and captures, its response as the baseline.
//!
//! What a template holds is the call's `params` (the whole body for JSON-2): the JSON-RPC
//! envelope and its `id` come from `templates/` at render time, so the id is renumbered per
//! run rather than stored as data. Values are replaced by place, not by blind search:
//!
//! - variables: `db`, `login` and the base `url` wherever a string equals them; `uid`,
//!   `lang`, `tz`, `allowed_company_ids`, `company_id` in contexts, under their own keys
//!   (`user_id`, `company_id`, …), in domain leaves on those fields, and as record ids of
//!   `res.users`/`res.company`; the external API's `db` and `uid` arguments;
//! - secrets: the external API's password or API key argument, any `password`-like key;
//!   written only as variables with no default;
//! - dropped as session-bound: `params` (URL-hash state) and `__last_update` in contexts;
//!   every other context key stays, as it may change the answer (`bin_size`). Login calls (`/web/session/authenticate`, `common.login`) are not steps:
//!   logging in is the replay's job.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use glob::Pattern;
use serde_json::{Map, Value};

use super::correlate::{self, Position, Producer};
use super::demand::{Demand, Held};
use super::redact::Secrets;
use super::suite::{
    self, CaptureDef, FORMAT, LinkDef, LiteralDef, Manifest, Step, StepSpill, SuiteFile,
    SuiteWriter,
};
use crate::capture::Exchange;
use crate::error::{Error, Result};
use crate::odoo::call::{Kind, OdooCall, SecretShape};
use crate::odoo::relations::Relations;
use crate::odoo::session::{Field, Identity};
use crate::odoo::{ids, methods, xmlrpc};
use crate::path::Path;

/// Marks a placeholder inside a JSON value until the template text is written.
pub(crate) const MARK: char = '\u{1}';

/// Which calls become steps.
#[derive(Debug, Default, Clone)]
pub struct Options {
    pub model: Option<Pattern>,
    pub method: Option<Pattern>,
    /// Leave out calls that only read.
    pub skip_reads: bool,
    /// Keep only model calls that write.
    pub only_writes: bool,
    /// Keep one call per model, method and argument shape.
    pub dedupe: bool,
    /// Keep the web client's plumbing (see [`crate::odoo::plumbing`]) as steps too.
    pub with_ui: bool,
    /// Relations a server described (`extract --url`), beside what the capture says.
    pub relations: Relations,
    /// The suite is replayed where it is made, never written: each step's template and
    /// baseline are kept as they are ([`Extracted::in_memory`]) and no file's text is made.
    pub in_memory: bool,
}

/// A suite ready to be written.
#[derive(Debug, Clone)]
pub struct Extracted {
    pub manifest: Manifest,
    /// The files to write; empty when extracted [`Options::in_memory`].
    pub files: Vec<SuiteFile>,
    /// Each step's template and scrubbed baseline, when extracted [`Options::in_memory`].
    pub in_memory: Vec<(String, Option<Value>)>,
    /// Calls that were not made steps and why, and other things the user should know.
    pub skipped: Vec<String>,
}

/// The values a capture's variables had.
#[derive(Debug, Default, Clone)]
struct Variables {
    values: BTreeMap<String, Value>,
}

impl Variables {
    fn from_identity(identity: &Identity) -> Self {
        let mut values = BTreeMap::new();
        let fields = [
            (Field::Url, "url"),
            (Field::Db, "db"),
            (Field::Uid, "uid"),
            (Field::Login, "login"),
            (Field::Name, "name"),
            (Field::Partner, "partner_id"),
            (Field::Lang, "lang"),
            (Field::Tz, "tz"),
            (Field::AllowedCompanyIds, "allowed_company_ids"),
            (Field::Company, "company_id"),
        ];
        for (field, name) in fields {
            // An inferred value (a version range, web.base.url) is not what the calls used.
            if let Some(finding) = identity
                .best(field)
                .filter(|f| f.trust < crate::odoo::session::Trust::Inferred)
            {
                values.insert(name.to_string(), finding.value.clone());
            }
        }
        Variables { values }
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    fn equals(&self, name: &str, value: &Value) -> bool {
        self.get(name) == Some(value)
    }
}

pub(crate) fn placeholder(name: &str) -> Value {
    Value::String(format!("{MARK}{name}{MARK}"))
}

/// The calls that can be steps: JSON calls a replay can send again.
fn steppable(call: &OdooCall) -> Result<(), &'static str> {
    match call.kind {
        Kind::NotOdoo | Kind::WebPage => Err("not an RPC call"),
        Kind::Authenticate | Kind::WebLogin => Err("logging in is the replay's job"),
        Kind::JsonRpc | Kind::XmlRpc
            if matches!(call.method.as_deref(), Some("login" | "authenticate"))
                && call.service.as_deref() == Some("common") =>
        {
            Err("logging in is the replay's job")
        }
        _ => Ok(()),
    }
}

/// True when replaying the call cannot change data.
pub fn read_only(call: &OdooCall) -> bool {
    match call.kind {
        Kind::ActionLoad | Kind::SessionInfo | Kind::VersionInfo => true,
        Kind::Session => matches!(
            call.method.as_deref(),
            Some("check" | "modules" | "get_lang_list" | "account" | "get_session_info")
        ),
        Kind::ActionRun | Kind::Action | Kind::OtherRpc => false,
        _ => call.method.as_deref().is_some_and(methods::is_read_only),
    }
}

/// The request a step templates, and the route and kind it is sent as. XML-RPC calls become
/// their `/jsonrpc` twins: the suite is JSON throughout.
fn request_document(exchange: &Exchange, call: &OdooCall) -> Option<(Value, String, Kind)> {
    let body = exchange.request.body.as_ref()?;
    match call.kind {
        Kind::Json2 => {
            let value: Value = serde_json::from_slice(&body.bytes).ok()?;
            value
                .is_object()
                .then(|| (value, call.route.clone(), call.kind))
        }
        Kind::XmlRpc => match xmlrpc::parse(body.text()?).ok()? {
            xmlrpc::Message::Call { method, params } => {
                let service = call.service.clone()?;
                Some((
                    serde_json::json!({"service": service, "method": method, "args": params}),
                    "/jsonrpc".into(),
                    Kind::JsonRpc,
                ))
            }
            _ => None,
        },
        _ => {
            let mut envelope: Map<String, Value> = serde_json::from_slice(&body.bytes).ok()?;
            let params = envelope.remove("params")?;
            params
                .is_object()
                .then(|| (params, call.route.clone(), call.kind))
        }
    }
}

/// The response a step stores as its baseline: the JSON body, or for XML-RPC the JSON-RPC
/// envelope its `/jsonrpc` twin would have answered.
fn baseline_document(exchange: &Exchange, call: &OdooCall) -> Option<Value> {
    let body = exchange.response.as_ref()?.body.as_ref()?;
    if call.kind == Kind::XmlRpc {
        return match xmlrpc::parse(body.text()?).ok()? {
            xmlrpc::Message::Response(result) => {
                Some(serde_json::json!({"jsonrpc": "2.0", "id": null, "result": result}))
            }
            xmlrpc::Message::Fault { code, message } => Some(
                serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}}),
            ),
            xmlrpc::Message::Call { .. } => None,
        };
    }
    serde_json::from_slice(&body.bytes).ok()
}

/// Builds the suite.
pub fn extract(
    exchanges: &[Exchange],
    calls: &[OdooCall],
    identity: &Identity,
    secrets: &Secrets,
    sources: Vec<String>,
    options: &Options,
) -> Extracted {
    let mut survey = Survey::default();
    for (exchange, call) in exchanges.iter().zip(calls) {
        survey.observe(exchange, call, options);
    }
    let mut extractor = Extractor::new(
        identity,
        secrets,
        survey.relations(options),
        &survey.demand,
        options,
    );
    extractor.reserve(survey.steps);
    let mut files = Vec::new();
    let mut in_memory = Vec::with_capacity(if options.in_memory { survey.steps } else { 0 });
    for (exchange, call) in exchanges.iter().zip(calls) {
        let Some(made) = extractor.add(exchange, call) else {
            continue;
        };
        if options.in_memory {
            in_memory.push((made.template, made.baseline));
        } else {
            files.extend(made.files());
        }
    }
    let finished = extractor.finish(sources);
    if !options.in_memory {
        files.insert(0, finished.manifest_file());
    }
    Extracted {
        manifest: finished.manifest,
        files,
        in_memory,
        skipped: finished.notes,
    }
}

/// What an [`Extractor`] made of the calls it was given.
pub struct Finished {
    /// The manifest; without its steps where they were kept in a file ([`Extractor::spill`]).
    pub manifest: Manifest,
    /// Calls that were not made steps and why, and other things the user should know.
    pub notes: Vec<String>,
    secrets: Secrets,
    spilled: Option<Spilled>,
}

/// The captures later steps took from each step, by step (from 0) and name: one map for
/// all, as most steps give none.
type Taken = BTreeMap<(usize, String), CaptureDef>;

/// The captures `taken` holds of step `index`, by name.
fn taken_from(taken: &Taken, index: usize) -> impl Iterator<Item = &CaptureDef> {
    taken
        .range((index, String::new())..(index + 1, String::new()))
        .map(|(_, capture)| capture)
}

/// Steps kept in a file, and the captures later steps took from them.
struct Spilled {
    steps: StepSpill,
    captures: Taken,
}

impl Finished {
    /// A manifest made otherwise (`--portable`), with its notes.
    pub fn made(manifest: Manifest, notes: Vec<String>) -> Finished {
        Finished {
            manifest,
            notes,
            secrets: Secrets::default(),
            spilled: None,
        }
    }

    /// How many steps were made.
    pub fn step_count(&self) -> usize {
        self.spilled
            .as_ref()
            .map_or(self.manifest.steps.len(), |spilled| spilled.steps.len())
    }

    /// How many values the steps take from earlier answers, in all.
    pub fn link_count(&self) -> usize {
        match &self.spilled {
            Some(spilled) => spilled.steps.uses(),
            None => self.manifest.steps.iter().map(|s| s.uses.len()).sum(),
        }
    }

    /// Each step as the manifest holds it, in order.
    pub fn each_step(&self, each: &mut dyn FnMut(&Step) -> Result<()>) -> Result<()> {
        let Some(spilled) = &self.spilled else {
            return self.manifest.steps.iter().try_for_each(each);
        };
        let mut index = 0;
        spilled.steps.each(&mut |mut step| {
            step.captures = taken_from(&spilled.captures, index).cloned().collect();
            index += 1;
            each(&step)
        })
    }

    /// The manifest's file, scrubbed like every other.
    pub fn manifest_file(&self) -> SuiteFile {
        let text = suite::manifest_text(&self.manifest).unwrap_or_default();
        SuiteFile {
            path: suite::MANIFEST.into(),
            contents: self.secrets.scrub_text(&text),
        }
    }

    /// Writes the manifest, its steps read back one at a time where they were kept in a file.
    pub fn write_manifest(&self, writer: &mut SuiteWriter) -> Result<()> {
        if self.spilled.is_none() {
            return writer.write(&self.manifest_file());
        }
        let failed = |why: String| Error::Setup(format!("cannot write the manifest: {why}"));
        let text = |made: std::result::Result<String, String>| {
            Ok::<_, Error>(self.secrets.scrub_text(&made.map_err(failed)?))
        };
        // The manifest holds no step here: its text is what comes before them.
        let head = text(suite::manifest_text(&self.manifest))?;
        writer.write_with(suite::MANIFEST, &mut |out| {
            let io = |err: std::io::Error| failed(err.to_string());
            out.write_all(head.as_bytes()).map_err(io)?;
            self.each_step(&mut |step| {
                out.write_all(text(suite::step_text(step))?.as_bytes())
                    .map_err(io)
            })
        })
    }
}

/// What a call is to the suite, before its request is read.
enum Admission {
    /// It becomes a step, unless its request cannot be read or `--dedupe` drops it.
    Step { read_only: bool },
    /// Not a step, and a note that says why (none for what is not Odoo's).
    NotStep(Option<String>),
    /// The web client's plumbing, left out unless `--with-ui`: its name and why.
    Plumbing(String, &'static str),
    /// Left out by a filter the user gave.
    Filtered,
}

fn admission(exchange: &Exchange, call: &OdooCall, options: &Options) -> Admission {
    if let Err(why) = steppable(call) {
        let note = (call.kind != Kind::NotOdoo && call.kind != Kind::WebPage)
            .then(|| format!("{}: {} is not a step ({why})", exchange.source, call.name()));
        return Admission::NotStep(note);
    }
    let matches = |pattern: &Option<Pattern>, value: Option<&str>| {
        pattern
            .as_ref()
            .is_none_or(|p| value.is_some_and(|v| p.matches(v)))
    };
    if !matches(&options.model, call.model.as_deref())
        || !matches(&options.method, call.method.as_deref())
    {
        return Admission::Filtered;
    }
    if !options.with_ui
        && let Some(why) = crate::odoo::plumbing::plumbing(call)
    {
        return Admission::Plumbing(call.name(), why);
    }
    let read_only = read_only(call);
    if (options.skip_reads || options.only_writes) && read_only
        || options.only_writes && call.model.is_none()
    {
        return Admission::Filtered;
    }
    Admission::Step { read_only }
}

/// What a first read of the captures learns for linking: the relations their `fields_get`,
/// `get_views` and `load_views` answers describe, and the models the steps will touch.
#[derive(Debug, Default)]
pub struct Survey {
    learned: Relations,
    touched: BTreeSet<String>,
    /// How many calls may become steps (before `--dedupe` and unreadable bodies).
    pub steps: usize,
    /// The integers those calls' requests name, and until which call.
    pub demand: Demand,
    calls: u32,
}

impl Survey {
    /// Learns from one recognised exchange.
    pub fn observe(&mut self, exchange: &Exchange, call: &OdooCall, options: &Options) {
        if matches!(
            call.method.as_deref(),
            Some("fields_get" | "get_views" | "load_views")
        ) && let Some(baseline) = baseline_document(exchange, call)
            && let Some((result, _)) = call.kind.dialect().result_at(&baseline)
        {
            self.learned
                .learn(call.model.as_deref(), call.method.as_deref(), result);
        }
        let index = self.calls;
        self.calls += 1;
        if !matches!(admission(exchange, call, options), Admission::Step { .. }) {
            return;
        }
        self.steps += 1;
        self.demand.note(index, call);
        let Some(model) = &call.model else { return };
        // A JSON-RPC call has a model only when its body was read, as its step's will be;
        // a JSON-2 or XML-RPC body is read again to know.
        let readable = !matches!(call.kind, Kind::Json2 | Kind::XmlRpc)
            || request_document(exchange, call).is_some();
        if readable {
            self.touched.insert(model.clone());
        }
    }

    /// The models the steps touch, in order.
    pub fn touched(&self) -> Vec<String> {
        self.touched.iter().cloned().collect()
    }

    /// The relations to link with and to write: those of the touched models and of the
    /// models their fields point to, and beside them what a server said (`options.relations`,
    /// where the capture is silent).
    pub fn relations(&self, options: &Options) -> Relations {
        let mut relations = self.learned.clone();
        let mut kept = self.touched.clone();
        for model in &self.touched {
            if let Some(fields) = relations.0.get(model) {
                kept.extend(fields.values().cloned());
            }
        }
        relations.keep(&kept);
        for (model, fields) in &options.relations.0 {
            let known = relations.0.entry(model.clone()).or_default();
            for (field, target) in fields {
                known.entry(field.clone()).or_insert_with(|| target.clone());
            }
        }
        relations
    }
}

/// A step made: its files' paths and contents, secrets scrubbed.
pub struct Made {
    pub params: String,
    pub template: String,
    pub baseline_path: Option<String>,
    pub baseline: Option<Value>,
}

impl Made {
    /// The step's files as written.
    pub fn files(self) -> Vec<SuiteFile> {
        let mut files = vec![SuiteFile {
            path: self.params,
            contents: self.template,
        }];
        if let (Some(path), Some(value)) = (self.baseline_path, &self.baseline) {
            files.push(SuiteFile {
                path,
                contents: pretty(value),
            });
        }
        files
    }
}

/// Makes steps one call at a time, in capture order, each linked to the answers before it:
/// of the calls already seen it keeps their manifest entries and what linking needs (the
/// ids their answers held), not their exchanges.
pub struct Extractor<'o> {
    options: &'o Options,
    variables: Variables,
    secrets: Secrets,
    relations: Relations,
    notes: Vec<String>,
    link_notes: Vec<String>,
    plumbing: BTreeMap<String, (usize, &'static str)>,
    seen_shapes: BTreeSet<(&'static str, Option<String>, Option<String>, String)>,
    linker: Linker<'o>,
    /// Calls given so far, counted as [`Survey`] counts them.
    calls: u32,
    steps: Vec<Step>,
    /// Where steps go instead of `steps`, for a suite written as it is made.
    spill: Option<StepSpill>,
    made: usize,
    /// The captures later steps take from each step (by step, from 0).
    captures: Taken,
    secret_names: BTreeSet<String>,
}

impl<'o> Extractor<'o> {
    pub fn new(
        identity: &Identity,
        secrets: &Secrets,
        relations: Relations,
        demand: &'o Demand,
        options: &'o Options,
    ) -> Extractor<'o> {
        let variables = Variables::from_identity(identity);
        let mut notes = Vec::new();
        let public_login = variables
            .get("login")
            .and_then(Value::as_str)
            .filter(|login| secrets.contains(login));
        let secrets = match public_login {
            Some(login) => {
                notes.push(format!("the password is the same as the login `{login}`: the login is kept where it appears (it is not secret, and answers echo it); the password is still never written"));
                secrets.except_public(login)
            }
            None => secrets.clone(),
        };
        Extractor {
            options,
            variables,
            secrets,
            relations,
            notes,
            link_notes: Vec::new(),
            plumbing: BTreeMap::new(),
            seen_shapes: BTreeSet::new(),
            linker: Linker::new(demand),
            calls: 0,
            steps: Vec::new(),
            spill: None,
            made: 0,
            captures: BTreeMap::new(),
            secret_names: BTreeSet::new(),
        }
    }

    /// Room for `steps` more steps at once: a capture of tens of thousands of calls would
    /// otherwise grow the lists of steps by copying them again and again into fresh memory.
    pub fn reserve(&mut self, steps: usize) {
        if self.spill.is_none() {
            self.steps.reserve(steps);
        }
    }

    /// Keeps the manifest's steps in a file in `dir` rather than in memory, until
    /// [`Finished::write_manifest`]: memory then holds the ids in flight, not every step.
    pub fn spill(&mut self, dir: &std::path::Path) {
        self.spill = Some(StepSpill::new(dir));
    }

    /// The step `call` makes, if it makes one.
    pub fn add(&mut self, exchange: &Exchange, call: &OdooCall) -> Option<Made> {
        let index = self.calls;
        self.calls += 1;
        let read_only = match admission(exchange, call, self.options) {
            Admission::Step { read_only } => read_only,
            Admission::NotStep(note) => {
                self.notes.extend(note);
                return None;
            }
            Admission::Plumbing(name, why) => {
                self.plumbing.entry(name).or_insert((0, why)).0 += 1;
                return None;
            }
            Admission::Filtered => return None,
        };
        let Some((document, route, kind)) = request_document(exchange, call) else {
            self.notes.push(format!(
                "{}: {} is not a step (the request body cannot be read as JSON)",
                exchange.source,
                call.name()
            ));
            return None;
        };
        if self.options.dedupe
            && !self.seen_shapes.insert((
                call.kind.as_str(),
                call.model.clone(),
                call.method.clone(),
                shape(&document),
            ))
        {
            return None;
        }
        self.made += 1;
        let mut step = Draft {
            number: self.made,
            kind,
            route,
            call,
            document,
            read_only,
            uses: BTreeSet::new(),
            secrets: BTreeSet::new(),
            links: Vec::new(),
            literals: Vec::new(),
        };
        apply_variables(&mut step, &self.variables);
        let baseline = baseline_document(exchange, call);
        self.linker.link(
            &mut step,
            baseline.as_ref(),
            &self.relations,
            index,
            &mut self.captures,
        );
        self.link_notes.extend(link_notes(&step));
        let stem = format!("steps/{}", step.name());
        let params = format!("{stem}.params.hbs");
        let template = self.secrets.scrub_text(&template_text(&step.document));
        let baseline = baseline.map(|mut value| {
            self.secrets.scrub_json(&mut value);
            value
        });
        let baseline_path = baseline.as_ref().map(|_| format!("{stem}.response.json"));
        self.secret_names.extend(step.secrets.iter().cloned());
        let made = Step {
            name: step.name(),
            kind: step.kind,
            route: step.route.clone(),
            service: call.service.clone(),
            model: call.model.clone(),
            method: call.method.clone(),
            read_only: step.read_only,
            params: params.clone(),
            baseline: baseline_path.clone(),
            status: call.status,
            captured_at: Some(exchange.source.to_string()),
            uses: step.uses.iter().cloned().collect(),
            captures: Vec::new(),
            ignore: Vec::new(),
            captured_time: exchange.started.clone(),
            links: step.links,
            literals: step.literals,
        };
        match &mut self.spill {
            Some(spill) => spill.push(&made),
            None => self.steps.push(made),
        }
        Some(Made {
            params,
            template,
            baseline_path,
            baseline,
        })
    }

    /// The captured variables as the manifest holds them: any that equals a secret is
    /// `REDACTED`.
    pub fn manifest_variables(&self) -> BTreeMap<String, Value> {
        let mut values = self.variables.values.clone();
        for value in values.values_mut() {
            self.secrets.scrub_json(value);
        }
        values
    }

    /// The manifest of the steps made, and the notes for the person.
    pub fn finish(mut self, sources: Vec<String>) -> Finished {
        let mut notes = std::mem::take(&mut self.notes);
        if !self.plumbing.is_empty() {
            let total: usize = self.plumbing.values().map(|(count, _)| count).sum();
            let listed: Vec<String> = self
                .plumbing
                .iter()
                .map(|(name, (count, why))| match count {
                    1 => format!("{name} ({why})"),
                    n => format!("{name} ×{n} ({why})"),
                })
                .collect();
            notes.push(format!(
                "left out {total} web-client plumbing call{} (--with-ui keeps them): {}",
                if total == 1 { "" } else { "s" },
                listed.join(", ")
            ));
        }
        notes.append(&mut self.link_notes);
        let captures = std::mem::take(&mut self.captures);
        let spilled = match self.spill.take() {
            Some(mut steps) => {
                steps.close();
                Some(Spilled { steps, captures })
            }
            None => {
                for ((index, _), capture) in captures {
                    if let Some(step) = self.steps.get_mut(index) {
                        step.captures.push(capture);
                    }
                }
                None
            }
        };
        let variable_values = self.manifest_variables();
        for (name, value) in &variable_values {
            if self.variables.get(name) != Some(value) {
                notes.push(format!("the variable `{name}` has the same value as a secret in the capture, so it is written as REDACTED: give it at run time (ODOO_{})", name.to_ascii_uppercase()));
            }
        }
        let manifest = Manifest {
            format: FORMAT,
            extracted_from: sources,
            variables: variable_values,
            secrets: self.secret_names.into_iter().collect(),
            ignore: Vec::new(),
            relations: self.relations,
            steps: self.steps,
        };
        Finished {
            manifest,
            notes,
            secrets: self.secrets,
            spilled,
        }
    }
}

struct Draft<'a> {
    number: usize,
    kind: Kind,
    route: String,
    call: &'a OdooCall,
    document: Value,
    read_only: bool,
    uses: BTreeSet<String>,
    secrets: BTreeSet<String>,
    links: Vec<LinkDef>,
    literals: Vec<LiteralDef>,
}

impl Draft<'_> {
    /// `005-res.partner.web_search_read`, `002-web.action.load`, `003-common.version`.
    fn name(&self) -> String {
        let what = match (&self.call.model, &self.call.method, &self.call.service) {
            (Some(model), Some(method), _) => format!("{model}.{method}"),
            (None, Some(method), Some(service)) => format!("{service}.{method}"),
            _ => self.route.trim_matches('/').replace('/', "."),
        };
        let safe: String = what
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{:03}-{}", self.number, safe.trim_start_matches('.'))
    }
}

fn apply_variables(step: &mut Draft, variables: &Variables) {
    let mut secrets = BTreeSet::new();
    if step.kind == Kind::JsonRpc {
        external_credentials(&mut step.document, variables, &mut secrets);
    }
    for context in contexts(&mut step.document, step.kind) {
        scrub_context(context, variables);
    }
    replace_keyed(&mut step.document, variables, &mut secrets);
    let own = match step.call.model.as_deref() {
        Some("res.users") => Some("uid"),
        Some("res.company") => Some("company_id"),
        _ => None,
    };
    if let (Some(name), Some((ids, _))) = (own, record_ids(&mut step.document, step.kind)) {
        for_each_id(ids, &mut |id| {
            if variables.equals(name, id) {
                *id = placeholder(name);
            }
        });
    }
    step.secrets = secrets;
}

/// `execute(_kw)(db, uid, secret, …)` and the `db` service's master password: the
/// credentials of an external call are variables, the secret one with no default.
fn external_credentials(
    document: &mut Value,
    variables: &Variables,
    secrets: &mut BTreeSet<String>,
) {
    let service = document
        .get("service")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let method = document
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(args) = document.get_mut("args").and_then(Value::as_array_mut) else {
        return;
    };
    match (service.as_str(), method.as_str()) {
        ("object", "execute" | "execute_kw") => {
            for (index, name) in [(0, "db"), (1, "uid")] {
                if let Some(value) = args.get_mut(index).filter(|v| variables.equals(name, v)) {
                    *value = placeholder(name);
                }
            }
            if let Some(secret) = args.get_mut(2) {
                let name = match SecretShape::of(Some(secret.clone())) {
                    Some(SecretShape::ApiKey) => "api_key",
                    _ => "password",
                };
                *secret = placeholder(name);
                secrets.insert(name.to_string());
            }
        }
        ("db", method) if super::redact::db_method_takes_master_password(method) => {
            if let Some(secret) = args.first_mut() {
                *secret = placeholder("master_password");
                secrets.insert("master_password".into());
            }
        }
        _ => {}
    }
}

fn contexts(document: &mut Value, kind: Kind) -> Vec<&mut Map<String, Value>> {
    let mut found = Vec::new();
    let Value::Object(map) = document else {
        return found;
    };
    if kind == Kind::JsonRpc {
        if let Some(Value::Array(args)) = map.get_mut("args")
            && let Some(Value::Object(kwargs)) = args.get_mut(6)
            && let Some(Value::Object(context)) = kwargs.get_mut("context")
        {
            found.push(context);
        }
        return found;
    }
    for (key, value) in map.iter_mut() {
        match (key.as_str(), value) {
            ("context" | "additional_context", Value::Object(context)) => found.push(context),
            ("kwargs", Value::Object(kwargs)) => {
                if let Some(Value::Object(context)) = kwargs.get_mut("context") {
                    found.push(context);
                }
            }
            _ => {}
        }
    }
    found
}

/// Context keys bound to the browser's session at capture time, dropped from templates. Every
/// other key stays, because it can change what Odoo answers: `bin_size` turns binary fields
/// into sizes (without it a replay downloads every image and compares base64 with "1.43 Kb"),
/// `active_test` widens searches, `default_*` fill new records.
const SESSION_BOUND_CONTEXT: &[(&str, &str)] = &[
    (
        "params",
        "the URL hash of the 14/15 web client (action, menu, view type): where the browser was",
    ),
    (
        "__last_update",
        "the legacy web client's record timestamps for the concurrency check: sent again, they make Odoo refuse the write as modified since viewed",
    ),
];

/// Session-bound context keys go; the user's own values become variables.
fn scrub_context(context: &mut Map<String, Value>, variables: &Variables) {
    for (key, _why) in SESSION_BOUND_CONTEXT {
        context.remove(*key);
    }
    for (key, name) in [
        ("uid", "uid"),
        ("lang", "lang"),
        ("tz", "tz"),
        ("allowed_company_ids", "allowed_company_ids"),
    ] {
        if let Some(value) = context.get_mut(key)
            && variables.equals(name, value)
        {
            *value = placeholder(name);
        }
    }
}

/// Variables and secrets by key and by exact string, everywhere in the document.
fn replace_keyed(value: &mut Value, variables: &Variables, secrets: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            if text.starts_with(MARK) {
                return;
            }
            for name in ["db", "login", "url"] {
                if variables.get(name).and_then(Value::as_str) == Some(text.as_str()) {
                    *value = placeholder(name);
                    return;
                }
            }
            if let Some(url) = variables.get("url").and_then(Value::as_str)
                && let Some(rest) = text.strip_prefix(url).filter(|r| r.starts_with('/'))
            {
                *text = format!("{MARK}url{MARK}{rest}");
            }
        }
        Value::Array(items) => {
            if let [Value::String(field), Value::String(operator), target] = items.as_mut_slice()
                && crate::odoo::domain::is_operator(operator)
                && let Some(name) = variable_for_field(field)
            {
                if variables.equals(name, target) {
                    *target = placeholder(name);
                } else if let Value::Array(values) = target {
                    // `["company_id", "parent_of", [1]]`: each element is the user's company.
                    for value in values.iter_mut().filter(|v| variables.equals(name, v)) {
                        *value = placeholder(name);
                    }
                }
                return;
            }
            items
                .iter_mut()
                .for_each(|item| replace_keyed(item, variables, secrets));
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if super::redact::is_secret_field(key) && (item.is_string() || item.is_number()) {
                    let name = if key.eq_ignore_ascii_case("api_key")
                        || key.eq_ignore_ascii_case("apikey")
                    {
                        "api_key".to_string()
                    } else {
                        key.to_ascii_lowercase()
                    };
                    *item = placeholder(&name);
                    secrets.insert(name);
                    continue;
                }
                if let Some(name) = variable_for_field(key)
                    && variables.equals(name, item)
                {
                    *item = placeholder(name);
                    continue;
                }
                replace_keyed(item, variables, secrets);
            }
        }
        _ => {}
    }
}

/// The variable a field holds when it holds the user's own value.
fn variable_for_field(field: &str) -> Option<&'static str> {
    match field {
        "uid" | "user_id" | "create_uid" | "write_uid" => Some("uid"),
        "company_id" | "current_company_id" => Some("company_id"),
        "allowed_company_ids" | "company_ids" => Some("allowed_company_ids"),
        "lang" => Some("lang"),
        "tz" => Some("tz"),
        _ => None,
    }
}

/// The slot holding a call's record ids, and where it is: `args[0]` (web), the model args'
/// first element (`execute_kw`), `ids` (JSON-2).
fn record_ids(document: &mut Value, kind: Kind) -> Option<(&mut Value, Path)> {
    let args = Path::root().key("args");
    match kind {
        Kind::Json2 => document
            .get_mut("ids")
            .map(|ids| (ids, Path::root().key("ids"))),
        Kind::JsonRpc => {
            let args_value = document.get_mut("args")?.as_array_mut()?;
            let ids = args_value.get_mut(5)?.as_array_mut()?.get_mut(0)?;
            Some((ids, args.index(5).index(0)))
        }
        Kind::CallKw | Kind::CallButton | Kind::Dataset => document
            .get_mut("args")?
            .as_array_mut()?
            .get_mut(0)
            .map(|ids| (ids, args.index(0))),
        _ => None,
    }
    .filter(|(ids, _)| {
        ids.is_i64()
            || ids
                .as_array()
                .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_i64))
    })
}

fn for_each_id(ids: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    match ids {
        Value::Array(items) => items.iter_mut().for_each(f),
        id => f(id),
    }
}

/// What the capture says of the relations of the models the steps touch: every `fields_get`
/// and `get_views` answer in it, steps or not (the web client's view loads are plumbing, yet
/// they describe every field of the screen).
/// Notes for a person about a step: a write whose values were linked on weak evidence,
/// and ids sent as literals although an earlier answer returned them.
fn link_notes(step: &Draft) -> Vec<String> {
    let mut notes = Vec::new();
    let weak: Vec<String> = step
        .links
        .iter()
        .filter(|l| l.strength == correlate::Strength::Coincidence.as_str())
        .map(|l| format!("{} ← {}", l.field.as_deref().unwrap_or(&l.at), l.because))
        .collect();
    if !weak.is_empty() && !step.read_only {
        notes.push(format!(
            "{} writes values linked on weak evidence (the same value in an unrelated answer), check them: {}",
            step.name(),
            weak.join("; ")
        ));
    }
    for literal in &step.literals {
        notes.push(format!("{} {}", step.name(), literal.describe()));
    }
    notes
}

/// The ids a call was asked about (`args[0]`, JSON-2 `ids`).
fn asked_ids(call: &OdooCall) -> BTreeSet<i64> {
    call.ids
        .as_ref()
        .or_else(|| call.args.first())
        .map(|ids| match ids {
            Value::Array(items) => items.iter().filter_map(Value::as_i64).collect(),
            id => id.as_i64().into_iter().collect(),
        })
        .unwrap_or_default()
}

/// A `web_save` with no record ids: it created its record.
fn creating_save(call: &OdooCall) -> bool {
    call.method.as_deref() == Some("web_save")
        && call
            .args
            .first()
            .is_some_and(|a| a.as_array().is_some_and(Vec::is_empty))
}

/// Links ids in each step's request to earlier steps' responses (see `correlate`), one step
/// at a time in capture order, and records how each link was chosen and which ids stayed
/// literal although an answer held them.
///
/// Of the ids answers held it keeps only those a later request names ([`Demand`]), each
/// until the last call naming it is past: what a long capture's linking holds is the ids
/// in flight, not every id it listed.
struct Linker<'d> {
    demand: &'d Demand,
    held: Held,
    novelty: ids::Novelty,
    // By value: a request's integer is looked up among the answers that held that integer
    // only, so linking stays linear in the size of a long capture.
    producers: HashMap<i64, correlate::Holders>,
    /// Places answers held values in, counted: the order candidates are ranked in.
    places: u64,
    // By value, the field of every link made with it on good evidence: where relations are
    // silent (a context's `partner_id`), the same value sent under the same field is the
    // same record.
    sent: HashMap<i64, Vec<(String, Sent)>>,
}

/// A link made on good evidence: its producer, strength, and where it was sent.
type Sent = (Producer, correlate::Strength, String);

impl<'d> Linker<'d> {
    fn new(demand: &'d Demand) -> Linker<'d> {
        Linker {
            demand,
            held: Held::default(),
            novelty: ids::Novelty::default(),
            producers: HashMap::new(),
            places: 0,
            sent: HashMap::new(),
        }
    }

    /// Forgets the values no call from `index` on names.
    fn release_before(&mut self, index: u32) {
        for value in self.held.release_before(index) {
            self.producers.remove(&value);
            self.sent.remove(&value);
            self.novelty.forget(value);
        }
    }

    /// Links `step` (whose answer is `baseline`, and which is call `index`) to the steps
    /// before it, adding to their `captures` (by step, from the first) what it uses of their
    /// answers.
    fn link(
        &mut self,
        step: &mut Draft,
        baseline: Option<&Value>,
        relations: &Relations,
        index: u32,
        captures: &mut Taken,
    ) {
        self.release_before(index);
        let (demand, holding) = (self.demand, &mut self.held);
        let answered = ids::Answered {
            model: step.call.model.as_deref(),
            method: step.call.method.as_deref(),
            result: baseline.and_then(|b| step.kind.dialect().result_at(b)),
            writes: !step.read_only,
        };
        let mut asked = BTreeSet::new();
        ids::integers(&step.document, &mut asked);
        let created = self.novelty.next_remembering(
            &answered,
            relations,
            |created| !asked.is_disjoint(created),
            |value| demand.named_after(value, index),
        );
        let visitor = correlate::Visitor { relations };
        let (producers, sent) = (&mut self.producers, &mut self.sent);
        let model = step.call.model.clone();
        let mut links: Vec<(Producer, LinkDef)> = Vec::new();
        let mut literals: Vec<LiteralDef> = Vec::new();
        let label = step.name();
        let mut link = |value: &mut Value, position: &Position| {
            let Some(id) = value.as_i64() else { return };
            debug_assert!(
                demand.last(id).is_some_and(|last| last >= index),
                "{id} at {} is not in the demand for call {index}",
                position.at
            );
            let held = producers.get(&id);
            let choice = held.and_then(|held| held.choose(position));
            let weak = choice
                .as_ref()
                .is_none_or(|c| c.strength < correlate::Strength::Cause);
            let same_as_sent = position
                .field
                .as_ref()
                .filter(|_| weak && position.relation.is_none())
                .and_then(|field| {
                    let sent = sent.get(&id)?;
                    sent.iter().find(|(f, _)| f == field).map(|(_, s)| s)
                });
            let (producer, strength, because, rivals): (Producer, _, _, Vec<String>) =
                match (same_as_sent, choice) {
                    (Some((producer, strength, where_sent)), choice) => (
                        producer.clone(),
                        *strength,
                        format!(
                            "{} (the same {} {where_sent} sends)",
                            producer.describe(),
                            position.field.as_deref().unwrap_or_default()
                        ),
                        choice
                            .map(|c| {
                                vec![format!(
                                    "{} [{}]",
                                    c.producer.describe(),
                                    c.strength.as_str()
                                )]
                            })
                            .unwrap_or_default(),
                    ),
                    (None, Some(choice)) => (
                        choice.producer.clone(),
                        choice.strength,
                        choice.producer.describe(),
                        choice
                            .rivals
                            .iter()
                            .map(|(rival, strength)| {
                                format!("{} [{}]", rival.describe(), strength.as_str())
                            })
                            .chain(choice.more.then(|| {
                                format!(
                                    "… and older answers (only the {} nearest are listed)",
                                    correlate::RIVALS
                                )
                            }))
                            .collect(),
                    ),
                    (None, None) => {
                        if let Some(returned) = held.and_then(correlate::Holders::last) {
                            literals.push(LiteralDef {
                                at: position.at.to_string(),
                                value: id,
                                returned_by: format!("{} {}", returned.label, returned.path),
                            });
                        }
                        return;
                    }
                };
            if let (Some(field), true) = (&position.field, strength >= correlate::Strength::Cause)
                && let Some(last) = demand.later(id, index)
            {
                let made = (
                    producer.clone(),
                    strength,
                    format!("{label} {}", position.at),
                );
                let sent = sent.entry(id).or_default();
                match sent.iter_mut().find(|(f, _)| f == field) {
                    Some((_, earlier)) => *earlier = made,
                    None => sent.push((field.clone(), made)),
                }
                holding.hold(id, last);
            }
            let name = producer.capture_name();
            *value = placeholder(&name);
            links.push((
                producer,
                LinkDef {
                    at: position.at.to_string(),
                    field: position.field.clone(),
                    capture: name,
                    strength: strength.as_str().to_string(),
                    because,
                    rivals,
                },
            ));
        };
        if step.kind != Kind::Json2
            && let Some((ids, at)) = record_ids(&mut step.document, step.kind)
        {
            visitor.record_ids(ids, model.as_deref(), &at, &mut link);
        }
        match step.kind {
            Kind::JsonRpc => {
                if let Some(args) = step.document.get_mut("args").and_then(Value::as_array_mut) {
                    let at = Path::root().key("args");
                    for (i, part) in args.iter_mut().enumerate().skip(5) {
                        visitor.walk(part, model.as_deref(), &at.index(i), &mut link);
                    }
                }
            }
            _ => visitor.walk(
                &mut step.document,
                model.as_deref(),
                &Path::root(),
                &mut link,
            ),
        }
        for (producer, def) in links {
            step.uses.insert(def.capture.clone());
            captures
                .entry((producer.step - 1, def.capture.clone()))
                .or_insert(CaptureDef {
                    name: def.capture.clone(),
                    path: producer.path.to_string(),
                    because: Some(producer.evidence.describe()),
                });
            step.links.push(def);
        }
        step.literals = literals;
        let Some((result, at)) = baseline.and_then(|b| step.kind.dialect().result_at(b)) else {
            return;
        };
        let search = step.call.kwargs.get("name").and_then(Value::as_str);
        for (last, producer) in correlate::producers(
            &correlate::Answer {
                step: step.number,
                label: &label,
                model: model.as_deref(),
                method: step.call.method.as_deref(),
                creating_save: creating_save(step.call),
                asked: &asked_ids(step.call),
                created: &created,
                search,
                result,
                at: &at,
            },
            relations,
        )
        .into_iter()
        .filter_map(|producer| Some((demand.later(producer.value, index)?, producer)))
        {
            self.held.hold(producer.value, last);
            self.places += 1;
            producers
                .entry(producer.value)
                .or_default()
                .add(self.places, producer);
        }
    }
}

/// The structure of a value with its leaves reduced to their types, for `--dedupe`.
fn shape(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(shape).collect::<Vec<_>>().join(",")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}:{}", shape(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

pub(crate) fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The template text of a document: pretty JSON where placeholders become `{{json NAME}}`
/// (a whole value) or `{{str NAME}}` (inside a string), and captured text that looks like a
/// mustache is escaped so handlebars leaves it alone.
pub fn template_text(document: &Value) -> String {
    // `{{` only occurs inside strings in pretty JSON; `{\u007b` is the same string to JSON.
    let text = pretty(document).replace("{{", "{\\u007b");
    let marker = "\\u0001";
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find(marker) {
        let after = &rest[start + marker.len()..];
        let Some(end) = after.find(marker) else { break };
        let name = &after[..end];
        let whole = rest[..start].ends_with('"') && after[end + marker.len()..].starts_with('"');
        if whole {
            out.push_str(&rest[..start - 1]);
            out.push_str(&format!("{{{{json {name}}}}}"));
            rest = &after[end + marker.len() + 1..];
        } else {
            out.push_str(&rest[..start]);
            out.push_str(&format!("{{{{str {name}}}}}"));
            rest = &after[end + marker.len()..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::test_exchange;
    use crate::odoo::classify;
    use serde_json::json;

    fn call_kw(
        entry: usize,
        model: &str,
        method: &str,
        args: Value,
        kwargs: Value,
        result: Value,
    ) -> Exchange {
        let body = json!({"id": entry, "jsonrpc": "2.0", "method": "call", "params": {"model": model, "method": method, "args": args, "kwargs": kwargs}});
        let response = json!({"jsonrpc": "2.0", "id": entry, "result": result});
        test_exchange(
            entry,
            "POST",
            &format!("http://h/web/dataset/call_kw/{model}/{method}"),
            &body.to_string(),
            Some((200, &response.to_string())),
        )
    }

    fn suite(exchanges: &[Exchange]) -> Extracted {
        let calls: Vec<OdooCall> = exchanges.iter().map(classify).collect();
        let identity = Identity::discover(exchanges, &calls);
        extract(
            exchanges,
            &calls,
            &identity,
            &Secrets::collect(exchanges),
            vec!["t.har".into()],
            &Options::default(),
        )
    }

    fn template<'a>(extracted: &'a Extracted, step: &str) -> &'a str {
        &extracted
            .files
            .iter()
            .find(|f| f.path.contains(step) && f.path.ends_with(".params.hbs"))
            .unwrap()
            .contents
    }

    #[test]
    fn hard_correlation_cases() {
        let context = json!({"context": {"uid": 2, "lang": "en_US", "allowed_company_ids": [1], "bin_size": true, "params": {"action": 5}}});
        let exchanges = vec![
            call_kw(
                0,
                "res.partner",
                "search",
                json!([[["is_company", "=", true]]]),
                json!({"limit": 80, "context": context["context"]}),
                json!([2, 9, 15]),
            ),
            call_kw(
                1,
                "res.partner",
                "create",
                json!([{"name": "A"}]),
                context.clone(),
                json!(51),
            ),
            call_kw(
                2,
                "res.partner",
                "unlink",
                json!([[51]]),
                context.clone(),
                json!(true),
            ),
            // The same id created again (a restored database): later uses link to this step.
            call_kw(
                3,
                "res.partner",
                "create",
                json!([{"name": "B"}]),
                context.clone(),
                json!(51),
            ),
            call_kw(
                4,
                "res.partner",
                "read",
                json!([[51, 15], ["name"]]),
                context.clone(),
                json!([{"id": 51, "name": "B", "country_id": [21, "Belgium"]}, {"id": 15, "name": "Azure", "country_id": false}]),
            ),
            call_kw(
                5,
                "res.partner",
                "search_read",
                json!([[
                    ["id", "in", [51]],
                    ["country_id", "=", 21],
                    ["user_id", "=", 2]
                ]]),
                json!({"limit": 80, "offset": 2}),
                json!([]),
            ),
            call_kw(
                6,
                "res.partner.category",
                "write",
                json!([[2], {"partner_ids": [[6, 0, [51, 9]], [4, 15]], "sequence": 2}]),
                context.clone(),
                json!(true),
            ),
        ];
        let extracted = suite(&exchanges);
        let names: Vec<&str> = extracted
            .manifest
            .steps
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names[3], "004-res.partner.create");

        // args[0] ids: the unlink uses the first creation, the read the second one; 15 came from the search.
        assert!(
            template(&extracted, "003-").contains("{{json s002_result}}"),
            "{}",
            template(&extracted, "003-")
        );
        let read = template(&extracted, "005-");
        assert!(
            read.contains("{{json s004_result}}") && read.contains("{{json s001_result_2}}"),
            "{read}"
        );
        // Session-bound context keys are gone; what shapes the answer stays; the user's
        // values are variables.
        assert!(!read.contains("\"params\""), "{read}");
        assert!(read.contains("\"bin_size\": true"), "{read}");
        assert!(
            read.contains("\"uid\": {{json uid}}")
                && read.contains("\"allowed_company_ids\": {{json allowed_company_ids}}"),
            "{read}"
        );

        // Domains: `id in [51]` links; country_id 21 came from the read's many2one; user_id 2 is the uid.
        let search = template(&extracted, "006-");
        assert!(search.contains("{{json s004_result}}"), "{search}");
        assert!(
            search.contains("{{json s005_result_0_country_id_0}}"),
            "{search}"
        );
        assert!(search.contains("{{json uid}}"), "{search}");
        // limit 80 and offset 2 are not ids.
        assert!(
            search.contains("\"limit\": 80") && search.contains("\"offset\": 2"),
            "{search}"
        );

        // many2many commands: [6, 0, ids] and [4, id]. The category id 2 is a coincidence with
        // partner 2 from the search (another model); 9 is a partner the search returned, sent
        // under partner_ids, which points to res.partner by its name (no fields_get here);
        // sequence is no id.
        let write = template(&extracted, "007-");
        assert!(write.contains("{{json s004_result}}"), "{write}");
        assert!(
            !write.contains("s001_result_0"),
            "category 2 must not link to partner 2: {write}"
        );
        assert!(write.contains("{{json s001_result_1}}"), "{write}");
        let relation = &extracted.manifest.steps[6]
            .links
            .iter()
            .find(|l| l.capture == "s001_result_1")
            .unwrap();
        assert_eq!(relation.strength, "relation");
        assert!(write.contains("\"sequence\": 2"), "{write}");

        // The manifest records what each capture is and why.
        let create = &extracted.manifest.steps[3];
        assert_eq!(
            create.captures,
            vec![CaptureDef {
                name: "s004_result".into(),
                path: "$.result".into(),
                because: Some("an id this step created".into())
            }]
        );
        assert_eq!(
            extracted.manifest.steps[4].uses,
            ["s001_result_2", "s004_result"]
        );
    }

    #[test]
    fn external_credentials_and_secrets_become_variables() {
        let body = json!({"jsonrpc": "2.0", "method": "call", "params": {"service": "object", "method": "execute_kw",
            "args": ["db1", 2, "4b1d0c0ffee0ddba11cafe0123456789abcdef01", "res.partner", "write", [[7], {"name": "x", "password": "n3wpassw0rd!"}], {}]}});
        let exchange = test_exchange(
            0,
            "POST",
            "http://h/jsonrpc",
            &body.to_string(),
            Some((200, r#"{"jsonrpc":"2.0","id":null,"result":true}"#)),
        );
        let extracted = suite(&[exchange]);
        let text = template(&extracted, "001-");
        assert!(
            text.contains("{{json db}},\n    {{json uid}},\n    {{json api_key}}"),
            "{text}"
        );
        assert!(text.contains("\"password\": {{json password}}"), "{text}");
        assert_eq!(extracted.manifest.secrets, ["api_key", "password"]);
        for file in &extracted.files {
            assert!(
                !file
                    .contents
                    .contains("4b1d0c0ffee0ddba11cafe0123456789abcdef01")
                    && !file.contents.contains("n3wpassw0rd!"),
                "{}",
                file.path
            );
        }
    }

    #[test]
    fn filters_and_dedupe() {
        let exchanges = vec![
            call_kw(
                0,
                "res.partner",
                "read",
                json!([[1], ["name"]]),
                json!({}),
                json!([]),
            ),
            call_kw(
                1,
                "res.partner",
                "read",
                json!([[2], ["name"]]),
                json!({}),
                json!([]),
            ),
            call_kw(
                2,
                "res.partner",
                "write",
                json!([[2], {"name": "x"}]),
                json!({}),
                json!(true),
            ),
            call_kw(
                3,
                "sale.order",
                "read",
                json!([[2], ["name"]]),
                json!({}),
                json!([]),
            ),
        ];
        let calls: Vec<OdooCall> = exchanges.iter().map(classify).collect();
        let identity = Identity::discover(&exchanges, &calls);
        let run = |options: Options| -> Vec<String> {
            extract(
                &exchanges,
                &calls,
                &identity,
                &Secrets::default(),
                vec![],
                &options,
            )
            .manifest
            .steps
            .into_iter()
            .map(|s| s.name)
            .collect()
        };
        assert_eq!(
            run(Options {
                dedupe: true,
                ..Default::default()
            }),
            [
                "001-res.partner.read",
                "002-res.partner.write",
                "003-sale.order.read"
            ]
        );
        assert_eq!(
            run(Options {
                only_writes: true,
                ..Default::default()
            }),
            ["001-res.partner.write"]
        );
        assert_eq!(
            run(Options {
                model: Some(Pattern::new("sale.*").unwrap()),
                ..Default::default()
            }),
            ["001-sale.order.read"]
        );
        assert_eq!(
            run(Options {
                method: Some(Pattern::new("wr*").unwrap()),
                skip_reads: true,
                ..Default::default()
            }),
            ["001-res.partner.write"]
        );
    }

    #[test]
    fn a_password_equal_to_the_login_does_not_erase_the_login() {
        let body = json!({"jsonrpc": "2.0", "method": "call", "params": {"service": "object", "method": "execute_kw",
            "args": ["db1", 2, "admin", "res.users", "read", [[2], ["login"]], {}]}});
        let exchange = test_exchange(
            0,
            "POST",
            "http://h/jsonrpc",
            &body.to_string(),
            Some((
                200,
                r#"{"jsonrpc":"2.0","id":null,"result":[{"id":2,"login":"admin"}]}"#,
            )),
        );
        let login = json!({"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "login", "args": ["db1", "admin", "admin"]}});
        let login = test_exchange(
            1,
            "POST",
            "http://h/jsonrpc",
            &login.to_string(),
            Some((200, r#"{"jsonrpc":"2.0","id":null,"result":2}"#)),
        );
        let extracted = suite(&[login, exchange]);
        assert_eq!(extracted.manifest.variables["login"], json!("admin"));
        let baseline = extracted
            .files
            .iter()
            .find(|f| f.path.ends_with(".response.json"))
            .unwrap();
        assert!(
            baseline.contents.contains("\"login\": \"admin\""),
            "{}",
            baseline.contents
        );
        // The password's own place is still a secret with no value.
        assert!(template(&extracted, "001-").contains("{{json password}}"));
        assert!(
            extracted
                .skipped
                .iter()
                .any(|n| n.contains("the password is the same as the login `admin`")),
            "{:?}",
            extracted.skipped
        );
    }

    #[test]
    fn plumbing_is_left_out_unless_asked_for() {
        let views = call_kw(
            0,
            "res.partner",
            "get_views",
            json!([]),
            json!({}),
            json!({}),
        );
        let read = call_kw(
            1,
            "res.partner",
            "read",
            json!([[9], ["name"]]),
            json!({}),
            json!([]),
        );
        let default = suite(&[views.clone(), read.clone()]);
        assert_eq!(default.manifest.steps.len(), 1);
        assert_eq!(default.manifest.steps[0].name, "001-res.partner.read");
        assert!(
            default.skipped.iter().any(|n| n.contains(
                "left out 1 web-client plumbing call (--with-ui keeps them): res.partner.get_views (view definitions"
            )),
            "{:?}",
            default.skipped
        );
        let exchanges = [views, read];
        let calls: Vec<OdooCall> = exchanges.iter().map(classify).collect();
        let with_ui = extract(
            &exchanges,
            &calls,
            &Identity::discover(&exchanges, &calls),
            &Secrets::default(),
            vec![],
            &Options {
                with_ui: true,
                ..Default::default()
            },
        );
        assert_eq!(with_ui.manifest.steps.len(), 2);
    }
}
