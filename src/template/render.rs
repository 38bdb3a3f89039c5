//! Filling a suite's templates: handlebars in strict mode, with the variables, the secrets
//! and the captures a step uses, wrapped in the envelope its route expects.

use std::collections::HashMap;
use std::path::Path as FsPath;
use std::sync::{Arc, RwLock};

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};
use serde::Serialize;
use serde_json::{Map, Value};

use super::compiled::Compiled;
use super::suite::Suite;
// The mock still names `Values` through this module (its move onto hyper happens apart).
pub use super::values::Values;
use crate::error::{Error, Place, Result};
use crate::odoo::Kind;
use crate::text::line_column;

/// The built-in envelope templates (see templates/README.md).
const BUILT_IN: [(&str, &str); 10] = [
    (
        "export.jsonrpc.hbs",
        include_str!("../../templates/export.jsonrpc.hbs"),
    ),
    (
        "export.xmlrpc.hbs",
        include_str!("../../templates/export.xmlrpc.hbs"),
    ),
    (
        "export.json2.hbs",
        include_str!("../../templates/export.json2.hbs"),
    ),
    (
        "export.curl.hbs",
        include_str!("../../templates/export.curl.hbs"),
    ),
    (
        "export.python.hbs",
        include_str!("../../templates/export.python.hbs"),
    ),
    (
        "export.hurl.hbs",
        include_str!("../../templates/export.hurl.hbs"),
    ),
    (
        "export.k6.hbs",
        include_str!("../../templates/export.k6.hbs"),
    ),
    (
        "export.locust.hbs",
        include_str!("../../templates/export.locust.hbs"),
    ),
    (
        "envelope.jsonrpc.hbs",
        include_str!("../../templates/envelope.jsonrpc.hbs"),
    ),
    (
        "envelope.json2.hbs",
        include_str!("../../templates/envelope.json2.hbs"),
    ),
];

/// What a rendered step sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rendered {
    pub step: String,
    pub route: String,
    pub body: Value,
}

/// Templates by name, rendered without handlebars when they can be (see `compiled`), and
/// otherwise by a handlebars registry set up for JSON: strict, no HTML escaping, the
/// `json`/`str` helpers.
///
/// A replay renders every step of suites of tens of thousands: identical templates are
/// compiled once, and a template with a compiled form reaches handlebars (whose parser is
/// most of the cost of reading such a suite) only when its compiled form cannot render the
/// values given, which is when handlebars reports the error. Built-in templates are also
/// only parsed when first used.
pub struct Renderer {
    registry: RwLock<Handlebars<'static>>,
    templates: HashMap<String, Registered>,
}

/// A template as registered.
struct Registered {
    /// Its compiled form, shared between templates of the same text.
    compiled: Option<Arc<Compiled>>,
    /// Its text, for handlebars; `None` for a suite's step templates, which the suite holds.
    text: Option<Arc<str>>,
}

/// A helper's one parameter, which must have a value: strict mode does not check helper
/// parameters itself.
fn present_param<'a>(
    h: &'a Helper,
    helper: &'static str,
) -> Result<&'a handlebars::PathAndJson<'a>, RenderError> {
    let param = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, 0))?;
    if param.is_value_missing() {
        return Err(RenderErrorReason::MissingVariable(param.relative_path().cloned()).into());
    }
    Ok(param)
}

/// `{{json NAME}}`: the value as JSON.
fn json_helper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let param = present_param(h, "json")?;
    // Serialising a JSON value cannot fail.
    out.write(&serde_json::to_string(param.value()).unwrap_or_default())?;
    Ok(())
}

/// `{{str NAME}}`: a string's contents, JSON-escaped, without the quotes.
fn str_helper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let param = present_param(h, "str")?;
    let text = match param.value() {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let quoted = serde_json::to_string(&text).unwrap_or_default();
    out.write(&quoted[1..quoted.len() - 1])?;
    Ok(())
}

impl Renderer {
    /// The built-in envelopes, or the user's copies from `templates`.
    pub fn new(templates: Option<&FsPath>) -> Result<Renderer> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(handlebars::no_escape);
        registry.register_helper("json", Box::new(json_helper));
        registry.register_helper("str", Box::new(str_helper));
        let mut renderer = Renderer {
            registry: RwLock::new(registry),
            templates: HashMap::new(),
        };
        for (name, built_in) in BUILT_IN {
            match templates.map(|dir| dir.join(name)).filter(|p| p.exists()) {
                Some(path) => {
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        Error::input(
                            path.display().to_string(),
                            None,
                            format!("cannot read: {e}"),
                        )
                    })?;
                    renderer.register(name, Some(&text), &text, &path.display().to_string())?;
                }
                // Known to be good: compiled or parsed when first used.
                None => {
                    renderer.templates.insert(
                        name.to_string(),
                        Registered {
                            compiled: Compiled::compile(built_in).map(Arc::new),
                            text: Some(Arc::from(built_in)),
                        },
                    );
                }
            }
        }
        Ok(renderer)
    }

    /// Checks and registers every step template of a suite, compiling each distinct text
    /// once.
    pub fn add_suite(&mut self, suite: &Suite) -> Result<()> {
        let mut seen: HashMap<&str, Option<Arc<Compiled>>> = HashMap::new();
        for step in suite.steps() {
            let compiled = match seen.get(step.template) {
                Some(compiled) => compiled.clone(),
                None => {
                    let shown = suite.dir.join(&step.params).display().to_string();
                    let compiled = self.register(&step.params, None, step.template, &shown)?;
                    seen.insert(step.template, compiled.clone());
                    compiled
                }
            };
            self.insert(&step.params, compiled, None);
        }
        Ok(())
    }

    /// Registers a lone template file, for `render FILE`.
    pub fn add_file(&mut self, name: &str, text: &str) -> Result<()> {
        self.register(name, Some(text), text, name).map(|_| ())
    }

    /// Checks a template and registers it: compiled when it can be, and otherwise with
    /// handlebars at once, so that a template that does not parse is reported before
    /// anything runs. `keep` is the text to keep for handlebars (none for a step's, which
    /// its suite holds). Returns the compiled form.
    fn register(
        &mut self,
        name: &str,
        keep: Option<&str>,
        text: &str,
        shown: &str,
    ) -> Result<Option<Arc<Compiled>>> {
        if let Some(at) = text.find("{{>").or_else(|| text.find("{{#>")) {
            let (line, column) = line_column(text, at);
            return Err(Error::input(
                shown,
                Some(Place::LineColumn(line, column)),
                "partials ({{> …}}) are not allowed in odoo-har templates",
            )
            .hint("a template can include nothing: write the JSON out, or use a variable"));
        }
        let compiled = Compiled::compile(text).map(Arc::new);
        let registry = self
            .registry
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A name registered again (`render` of two files, tests) forgets the old text.
        registry.unregister_template(name);
        if compiled.is_none() {
            register(registry, name, text, shown)?;
        }
        self.insert(name, compiled.clone(), keep);
        Ok(compiled)
    }

    fn insert(&mut self, name: &str, compiled: Option<Arc<Compiled>>, text: Option<&str>) {
        let registered = Registered {
            compiled,
            text: text.map(Arc::from),
        };
        match self.templates.get_mut(name) {
            Some(entry) => *entry = registered,
            None => {
                self.templates.insert(name.to_string(), registered);
            }
        }
    }

    /// Renders a registered template with `values`; errors name the template as `shown`
    /// gives it (built only when there is an error).
    pub fn render_text(
        &self,
        name: &str,
        values: &Values,
        shown: impl Fn() -> String,
    ) -> Result<String> {
        let text = self.templates.get(name).and_then(|t| t.text.clone());
        self.render_registered(name, text.as_deref(), values, &shown)
    }

    /// Renders template `name` of text `text`: compiled when it can be, else by handlebars,
    /// which reports what is wrong.
    fn render_registered(
        &self,
        name: &str,
        text: Option<&str>,
        values: &Values,
        shown: &dyn Fn() -> String,
    ) -> Result<String> {
        let compiled = self.templates.get(name).and_then(|t| t.compiled.as_ref());
        if let Some(text) = compiled.and_then(|c| c.render(values)) {
            return Ok(text);
        }
        self.with_handlebars(name, text, shown, |registry| {
            registry.render(name, &values.merged())
        })
        .map_err(|err| render_error(&shown(), &err))
    }

    /// Runs `work` with template `name` registered with handlebars, registering it from
    /// `text` first if it is not yet (with no text, handlebars says it does not know it).
    fn with_handlebars<T>(
        &self,
        name: &str,
        text: Option<&str>,
        shown: &dyn Fn() -> String,
        work: impl FnOnce(&Handlebars<'static>) -> std::result::Result<T, RenderError>,
    ) -> std::result::Result<T, RenderError> {
        {
            let registry = self.registry.read().unwrap_or_else(|p| p.into_inner());
            if registry.has_template(name) || text.is_none() {
                return work(&registry);
            }
        }
        let mut registry = self.registry.write().unwrap_or_else(|p| p.into_inner());
        if !registry.has_template(name)
            && let Some(text) = text
            && let Err(err) = registry.register_template_string(name, text)
        {
            // A template with a compiled form always parses (the `engines` fuzz target and
            // the tests hold the compiled grammar inside handlebars'); say so if it did not.
            return Err(RenderErrorReason::Other(format!(
                "{}: the template does not parse: {}",
                shown(),
                err.reason()
            ))
            .into());
        }
        work(&registry)
    }

    /// What handlebars alone renders for a registered template, even one with a compiled
    /// form: the reference that form must give byte for byte (its tests and the `engines`
    /// fuzz target check it). `None` when handlebars refuses the template or the values.
    pub fn render_with_handlebars(&self, name: &str, values: &Values) -> Option<String> {
        let text = self.templates.get(name).and_then(|t| t.text.clone());
        self.with_handlebars(name, text.as_deref(), &|| name.into(), |r| {
            r.render(name, &values.merged())
        })
        .ok()
    }

    /// Renders step `index` of a suite into the body it sends.
    pub fn render_step(&self, suite: &Suite, index: usize, values: &Values) -> Result<Rendered> {
        let step = suite.step(index);
        let text = self.render_step_text(suite, index, values)?;
        let body = serde_json::from_str(&text).map_err(|err| {
            crate::error::json_syntax(&suite.dir.join(&step.params).display().to_string(), &err)
        })?;
        Ok(Rendered {
            step: step.name.clone(),
            route: step.route.clone(),
            body,
        })
    }

    /// The body of step `index` as JSON text, checked to be JSON but not parsed into values:
    /// a replay sends it as it is, or converts it without building a tree.
    pub fn render_step_text(&self, suite: &Suite, index: usize, values: &Values) -> Result<String> {
        let step = suite.step(index);
        let shown = || suite.dir.join(&step.params).display().to_string();
        let params = self.render_registered(&step.params, Some(step.template), values, &shown)?;
        let envelope = if step.kind == Kind::Json2 {
            "envelope.json2.hbs"
        } else {
            "envelope.jsonrpc.hbs"
        };
        let mut data = Map::new();
        data.insert("params".into(), Value::String(params));
        data.insert("rpc_id".into(), Value::from(index + 1));
        let body = self.render_text(envelope, &Values::new(&data), || {
            format!("templates/{envelope}")
        })?;
        if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(&body) {
            // Say which template is at fault: usually the step's, which a person edited.
            let params = data
                .get("params")
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Err(
                match serde_json::from_str::<serde::de::IgnoredAny>(params) {
                    Err(params_err) => {
                        crate::error::json_syntax(&shown(), &params_err).hint(format!(
                            "the template renders to text that is not JSON; rendered:\n{}",
                            crate::text::truncate(params, 400)
                        ))
                    }
                    Ok(_) => crate::error::json_syntax(&format!("templates/{envelope}"), &err),
                },
            );
        }
        Ok(body)
    }
}

/// Registers a template with handlebars (partials were refused before), its parse errors
/// placed.
fn register(registry: &mut Handlebars<'static>, name: &str, text: &str, shown: &str) -> Result<()> {
    registry
        .register_template_string(name, text)
        .map_err(|err| {
            let place = err
                .pos()
                .map(|(line, column)| Place::LineColumn(line, column));
            Error::input(
                shown,
                place,
                format!("the template does not parse: {}", err.reason()),
            )
            .hint("fix the template; {{json NAME}} inserts a variable")
        })
}

fn render_error(shown: &str, err: &RenderError) -> Error {
    let place = err
        .line_no
        .map(|line| Place::LineColumn(line, err.column_no.unwrap_or(1)));
    let (message, hint) = match err.reason() {
        RenderErrorReason::MissingVariable(Some(name)) => (
            format!("the variable `{name}` has no value"),
            format!(
                "give it with --var {name}=VALUE, a --vars-file, or the environment (ODOO_{})",
                name.to_ascii_uppercase()
            ),
        ),
        other => (
            other.to_string(),
            "check the template against the manifest's variables and captures".to_string(),
        ),
    };
    Error::input(shown, place, message).hint(hint)
}

/// The values captures take when no replay has run: what the baselines hold.
pub fn captured_values(suite: &Suite) -> Result<Map<String, Value>> {
    let mut values = Map::new();
    let manifest = suite.dir.join(super::suite::MANIFEST).display().to_string();
    for step in suite.steps() {
        for (capture, path) in step.captures() {
            let value = step.baseline.and_then(|b| path.get(b)).ok_or_else(|| {
                Error::input(
                    &manifest,
                    Some(Place::JsonPath(format!(
                        "step {} capture {}",
                        step.name, capture.name
                    ))),
                    format!("the baseline has nothing at {}", capture.path),
                )
                .hint("fix the capture's path, or record the baseline again with `replay --update`")
            })?;
            values.insert(capture.name.clone(), value.clone());
        }
    }
    Ok(values)
}

/// Environment variables that set suite variables (`ODOO_URL` → `url`, …).
pub const ENVIRONMENT: [(&str, &str); 5] = [
    ("ODOO_URL", "url"),
    ("ODOO_DB", "db"),
    ("ODOO_LOGIN", "login"),
    ("ODOO_UID", "uid"),
    ("ODOO_LANG", "lang"),
];

/// Where variables come from besides the suite: `--var NAME=VALUE` and `--vars-file`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sources<'a> {
    pub vars: &'a [String],
    pub vars_file: Option<&'a FsPath>,
}

/// Variables, lowest precedence first: the suite's captured values, `ODOO_*`, the vars file,
/// `--var`. Secrets are left out: the caller adds them (masked, or from the environment).
pub fn variables(
    defaults: &std::collections::BTreeMap<String, Value>,
    secrets: &[String],
    sources: &Sources,
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
    if let Some(file) = sources.vars_file {
        values.extend(vars_file(file)?);
    }
    for assignment in sources.vars {
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

fn vars_file(path: &FsPath) -> Result<Map<String, Value>> {
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
    use serde_json::json;

    fn renderer_with(name: &str, text: &str) -> Result<Renderer> {
        let mut renderer = Renderer::new(None)?;
        renderer.add_file(name, text)?;
        Ok(renderer)
    }

    #[test]
    fn values_parse_as_json_when_they_can() {
        assert_eq!(parse_value("2"), Value::from(2));
        assert_eq!(parse_value("[1,3]"), json!([1, 3]));
        assert_eq!(parse_value("staging"), Value::from("staging"));
    }

    #[test]
    fn json_and_str_helpers_write_valid_json() {
        let renderer = renderer_with("t", r#"{"db": {{json db}}, "ids": {{json ids}}, "url": "{{str url}}/web", "q": "{{str q}}"}"#).unwrap();
        let values =
            json!({"db": "a\"b", "ids": [1, 2], "url": "https://x", "q": "say \"hi\"\n<b>"})
                .as_object()
                .unwrap()
                .clone();
        let text = renderer
            .render_text("t", &Values::new(&values), || "t".into())
            .unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            json!({"db": "a\"b", "ids": [1, 2], "url": "https://x/web", "q": "say \"hi\"\n<b>"})
        );
    }

    #[test]
    fn a_missing_variable_names_the_template_line_and_variable() {
        let renderer =
            renderer_with("steps/001.params.hbs", "{\n  \"uid\": {{json uid}}\n}").unwrap();
        let err = renderer
            .render_text("steps/001.params.hbs", &Values::new(&Map::new()), || {
                "suite/steps/001.params.hbs".into()
            })
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "suite/steps/001.params.hbs: line 2, column 10: the variable `uid` has no value"
            ),
            "{text}"
        );
        assert!(text.contains("--var uid=VALUE"), "{text}");
        let strict = renderer_with("x", "{{nope}}")
            .unwrap()
            .render_text("x", &Values::new(&Map::new()), || "x".into())
            .unwrap_err();
        assert!(
            strict.to_string().contains("`nope` has no value"),
            "{strict}"
        );
    }

    #[test]
    fn broken_templates_and_partials_are_refused_at_their_place() {
        let err = renderer_with("bad", "{\n  \"a\": {{json a}\n}")
            .err()
            .unwrap();
        assert!(err.to_string().starts_with("bad: line 2, column"), "{err}");
        let err = renderer_with("loop", "{\n {{> loop}} }").err().unwrap();
        assert!(
            err.to_string()
                .starts_with("loop: line 2, column 2: partials"),
            "{err}"
        );
    }

    #[test]
    fn escaped_mustaches_in_captured_text_stay_text() {
        let template =
            super::super::extract::template_text(&json!({"body": "Hello {{ object.name }}"}));
        let renderer = renderer_with("t", &template).unwrap();
        let value: Value = serde_json::from_str(
            &renderer
                .render_text("t", &Values::new(&Map::new()), || "t".into())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(value, json!({"body": "Hello {{ object.name }}"}));
    }
}
