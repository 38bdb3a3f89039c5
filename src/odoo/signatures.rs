//! What a model method takes: its parameters in order, whether it works on records (and so
//! takes `ids`), whether it only reads. JSON-2 takes named arguments only (odoo-protocol.md
//! §3.7), so a web-client call's positional arguments need these names before it can be sent
//! there; portable calls are read by them too.
//!
//! Two sources, the server first:
//!
//! - [`Described`]: what an Odoo 19 server says of a model at `POST /doc-bearer/<model>.json`
//!   (the `api_doc` module, `addons/api_doc/controllers/api_doc.py`): every public method of
//!   that database, custom modules included, with `parameters` in order (`kind` absent means
//!   `POSITIONAL_OR_KEYWORD`, `default` absent means required) and `api` (`model`,
//!   `readonly`). It leaves out methods marked `@api.deprecated` (19's `read_group`,
//!   `check_access_rights`, `toggle_active`), which the server still runs.
//! - [`builtin`]: a table read from Odoo's source, version by version: every public method of
//!   `BaseModel` (16–18 `odoo/models.py`, 19 `odoo/orm/models.py`), of the web client's
//!   extension of it (`addons/web/models/models.py`, `class Base`) and of `base`'s own
//!   (`odoo/addons/base/models/ir_ui_view.py`, `_inherit = 'base'`), in the snapshots the lab
//!   runs (`/work/lab/odoo16`…`odoo19`, the repositories of odoo-protocol.md §0).
//!
//! A method neither describes is reported by the caller, never guessed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a parameter takes its value: Python's `inspect.Parameter.kind`, as `/doc-bearer`
/// names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParamKind {
    /// Before a `/` in the signature.
    PositionalOnly,
    /// The usual kind, which `/doc-bearer` leaves unsaid.
    #[default]
    PositionalOrKeyword,
    /// `*args`.
    VarPositional,
    /// After a `*` in the signature.
    KeywordOnly,
    /// `**kwargs`.
    VarKeyword,
}

impl ParamKind {
    fn is_default(&self) -> bool {
        *self == ParamKind::PositionalOrKeyword
    }

    /// True when a positional argument can land here.
    pub fn positional(self) -> bool {
        matches!(
            self,
            ParamKind::PositionalOnly | ParamKind::PositionalOrKeyword
        )
    }
}

/// One parameter of a method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Its name, which JSON-2 passes it by.
    pub name: String,
    /// How it takes its value.
    #[serde(default, skip_serializing_if = "ParamKind::is_default")]
    pub kind: ParamKind,
    /// The default value; `None` when the parameter has none (it is required), or when the
    /// built-in table, which keeps names and order only, does not say.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub default: Option<Value>,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// A member that is present deserialises to `Some`, even when it is `null`: a parameter whose
/// default is `None` is not a required one.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// A method's signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// Its parameters in order, `self` left out.
    pub params: Vec<Param>,
    /// `@api.model`: it works on no records, so it takes no `ids`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub model: bool,
    /// `@api.readonly` (18+): it does not write.
    #[serde(default, skip_serializing_if = "is_false")]
    pub readonly: bool,
}

impl Signature {
    /// The names positional arguments bind to, in order.
    pub fn positional(&self) -> impl Iterator<Item = &str> {
        self.params
            .iter()
            .filter(|p| p.kind.positional())
            .map(|p| p.name.as_str())
    }

    /// True when the method takes `*args`.
    pub fn takes_var_positional(&self) -> bool {
        self.params
            .iter()
            .any(|p| p.kind == ParamKind::VarPositional)
    }

    /// `(domain, fields=None, **read_kwargs)`: the signature as Python writes it.
    pub fn text(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| {
                let name = match p.kind {
                    ParamKind::VarPositional => format!("*{}", p.name),
                    ParamKind::VarKeyword => format!("**{}", p.name),
                    _ => p.name.clone(),
                };
                match &p.default {
                    Some(default) => format!("{name}={}", python_literal(default)),
                    None => name,
                }
            })
            .collect();
        format!("({})", params.join(", "))
    }
}

/// A default as Python writes it: `None`, `True`, `'ilike'`.
fn python_literal(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::String(s) => format!("{s:?}").replace('"', "'"),
        other => other.to_string(),
    }
}

/// Where a signature came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The server's `/doc-bearer/<model>.json`.
    Server,
    /// The built-in table, for that Odoo version.
    BuiltIn(u32),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Server => f.write_str("the server's description"),
            Origin::BuiltIn(version) => write!(f, "odoo-har's table for Odoo {version}"),
        }
    }
}

/// What servers said of models' methods: kept in a suite (`signatures.json`) with the
/// version of the server they came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Described {
    /// The server's version (`19.0`), when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// Signatures by model, then by method.
    #[serde(default)]
    pub models: BTreeMap<String, BTreeMap<String, Signature>>,
}

impl Described {
    /// The server's signature of `model.method`, when it described it.
    pub fn get(&self, model: &str, method: &str) -> Option<&Signature> {
        self.models.get(model)?.get(method)
    }

    /// True when the server described `model` (whatever methods it has).
    pub fn describes(&self, model: &str) -> bool {
        self.models.contains_key(model)
    }

    /// The signature to name `model.method`'s arguments with: the server's, else the built-in
    /// table's for `version` (the newest when unknown), with where it came from.
    pub fn resolve(
        &self,
        model: &str,
        method: &str,
        version: Option<u32>,
    ) -> Option<(Signature, Origin)> {
        if let Some(signature) = self.get(model, method) {
            return Some((signature.clone(), Origin::Server));
        }
        builtin_row(method, version).map(|row| {
            let shown = version.map_or(row.to, |v| v.clamp(*VERSIONS.start(), *VERSIONS.end()));
            (row.signature(), Origin::BuiltIn(shown))
        })
    }
}

/// One model's `/doc-bearer/<model>.json` answer, as far as signatures go.
#[derive(Debug, Deserialize)]
struct ModelDoc {
    model: String,
    #[serde(default)]
    methods: BTreeMap<String, MethodDoc>,
}

#[derive(Debug, Deserialize)]
struct MethodDoc {
    #[serde(default)]
    parameters: OrderedParams,
    #[serde(default)]
    api: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct ParamDoc {
    #[serde(default)]
    kind: ParamKind,
    #[serde(default, deserialize_with = "present")]
    default: Option<Value>,
}

/// `parameters` keeps the signature's order, which a `Map` (sorted here) would lose.
#[derive(Debug, Default)]
struct OrderedParams(Vec<(String, ParamDoc)>);

impl<'de> Deserialize<'de> for OrderedParams {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OrderedParams;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of parameters")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedParams, A::Error> {
                let mut params = Vec::new();
                while let Some(entry) = map.next_entry::<String, ParamDoc>()? {
                    params.push(entry);
                }
                Ok(OrderedParams(params))
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// Reads a `/doc-bearer/<model>.json` answer: the model's name and its methods' signatures.
pub fn parse_doc(body: &[u8]) -> Result<(String, BTreeMap<String, Signature>), String> {
    let doc: ModelDoc = serde_json::from_slice(body)
        .map_err(|e| format!("not a /doc-bearer model description: {e}"))?;
    let methods = doc
        .methods
        .into_iter()
        .map(|(name, method)| {
            let api = method.api.unwrap_or_default();
            let signature = Signature {
                params: method
                    .parameters
                    .0
                    .into_iter()
                    .map(|(name, p)| Param {
                        name,
                        kind: p.kind,
                        default: p.default,
                    })
                    .collect(),
                model: api.iter().any(|a| a == "model"),
                readonly: api.iter().any(|a| a == "readonly"),
            };
            (name, signature)
        })
        .collect();
    Ok((doc.model, methods))
}

/// The signature of `method` in the built-in table for Odoo `version` (16–19; the newest
/// that has the method when `None`).
pub fn builtin(method: &str, version: Option<u32>) -> Option<Signature> {
    builtin_row(method, version).map(Row::signature)
}

/// The built-in table's newest row of `method`, as the names positional arguments bind to and
/// whether the method works on records: what the tests' Odoo binds arguments with.
pub fn builtin_names(method: &str) -> Option<(bool, &'static [&'static str])> {
    builtin_row(method, None).map(|row| (!row.model, row.params))
}

/// The versions the built-in table covers.
pub const VERSIONS: std::ops::RangeInclusive<u32> = 16..=19;

fn builtin_row(method: &str, version: Option<u32>) -> Option<&'static Row> {
    let rows = TABLE.iter().filter(|r| r.method == method);
    match version {
        // Past the table's newest version, its newest rows are the best knowledge there is.
        Some(v) => {
            let v = v.clamp(*VERSIONS.start(), *VERSIONS.end());
            rows.into_iter().find(|r| (r.from..=r.to).contains(&v))
        }
        None => rows.max_by_key(|r| r.to),
    }
}

/// One row of the built-in table: a method's parameters over a range of Odoo versions.
struct Row {
    method: &'static str,
    from: u32,
    to: u32,
    model: bool,
    readonly: bool,
    params: &'static [&'static str],
    keyword_only: &'static [&'static str],
    var_keyword: Option<&'static str>,
}

impl Row {
    fn signature(&self) -> Signature {
        let param = |name: &str, kind| Param {
            name: name.to_string(),
            kind,
            default: None,
        };
        let mut params: Vec<Param> = self
            .params
            .iter()
            .map(|n| param(n, ParamKind::PositionalOrKeyword))
            .collect();
        params.extend(
            self.keyword_only
                .iter()
                .map(|n| param(n, ParamKind::KeywordOnly)),
        );
        params.extend(self.var_keyword.map(|n| param(n, ParamKind::VarKeyword)));
        Signature {
            params,
            model: self.model,
            readonly: self.readonly,
        }
    }
}

const MODEL: u8 = 1;
const READONLY: u8 = 2;

/// A row: `flags` is [`MODEL`] (`@api.model`, no ids) and [`READONLY`] (`@api.readonly`).
const fn row(
    method: &'static str,
    from: u32,
    to: u32,
    flags: u8,
    params: &'static [&'static str],
) -> Row {
    Row {
        method,
        from,
        to,
        model: flags & MODEL != 0,
        readonly: flags & READONLY != 0,
        params,
        keyword_only: &[],
        var_keyword: None,
    }
}

const fn keyword_only(row: Row, names: &'static [&'static str]) -> Row {
    Row {
        keyword_only: names,
        ..row
    }
}

const fn var_keyword(row: Row, name: &'static str) -> Row {
    Row {
        var_keyword: Some(name),
        ..row
    }
}

const RECORDS: u8 = 0;

/// Every public method, by version. Public is what `get_public_method` lets through: no `_`
/// prefix, no `@api.private` (18+). Left out: the recordset helpers 19 made `@api.private`
/// (`browse`, `sudo`, `with_context`, `filtered`, `mapped`, `exists`, `fetch`, `search_fetch`
/// from 19, …) and their 16–18 ancestors (`flush`, `refresh`, `modified`, `update`, `new`,
/// `clear_caches`), which take or return Python objects (functions, environments, recordsets)
/// and were never an API though 16–18 let them be called.
#[rustfmt::skip]
const TABLE: &[Row] = &[
    // BaseModel (16–18 odoo/models.py, 19 odoo/orm/models.py).
    row("action_archive", 16, 19, RECORDS, &[]),
    row("action_unarchive", 16, 19, RECORDS, &[]),
    row("check_access", 18, 18, RECORDS, &["operation"]),
    row("check_access_rights", 16, 19, MODEL, &["operation", "raise_exception"]),
    row("check_access_rule", 16, 19, RECORDS, &["operation"]),
    row("check_field_access_rights", 16, 16, MODEL, &["operation", "fields"]),
    row("check_field_access_rights", 17, 19, MODEL, &["operation", "field_names"]),
    row("copy", 16, 19, RECORDS, &["default"]),
    row("copy_data", 16, 19, RECORDS, &["default"]),
    row("copy_multi", 17, 17, RECORDS, &["default"]),
    row("copy_translations", 16, 19, RECORDS, &["new", "excluded"]),
    row("create", 16, 19, MODEL, &["vals_list"]),
    row("default_get", 16, 18, MODEL, &["fields_list"]),
    row("default_get", 19, 19, MODEL, &["fields"]),
    row("export_data", 16, 19, RECORDS, &["fields_to_export"]),
    row("fields_get", 16, 19, MODEL, &["allfields", "attributes"]),
    row("fields_get_keys", 16, 16, MODEL, &[]),
    row("fields_view_get", 16, 16, MODEL, &["view_id", "view_type", "toolbar", "submenu"]),
    row("get_base_url", 16, 19, RECORDS, &[]),
    row("get_external_id", 16, 19, RECORDS, &[]),
    row("get_field_translations", 16, 19, RECORDS, &["field_name", "langs"]),
    row("get_metadata", 16, 19, RECORDS, &[]),
    row("get_property_definition", 17, 19, MODEL, &["full_name"]),
    row("get_xml_id", 16, 16, RECORDS, &[]),
    row("has_access", 18, 19, RECORDS, &["operation"]),
    row("is_transient", 16, 19, RECORDS, &[]),
    row("load", 16, 19, MODEL, &["fields", "data"]),
    row("name_create", 16, 19, MODEL, &["name"]),
    row("name_get", 16, 17, RECORDS, &[]),
    // 16–18 call the domain `args`; 19 `domain`.
    row("name_search", 16, 17, MODEL, &["name", "args", "operator", "limit"]),
    row("name_search", 18, 18, MODEL | READONLY, &["name", "args", "operator", "limit"]),
    row("name_search", 19, 19, MODEL | READONLY, &["name", "domain", "operator", "limit"]),
    // 16's form view asked per field; 17+ with a specification.
    row("onchange", 16, 16, RECORDS, &["values", "field_name", "field_onchange"]),
    row("onchange", 17, 19, RECORDS, &["values", "field_names", "fields_spec"]),
    row("read", 16, 17, RECORDS, &["fields", "load"]),
    row("read", 18, 19, RECORDS | READONLY, &["fields", "load"]),
    row("read_group", 16, 17, MODEL, &["domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"]),
    row("read_group", 18, 19, MODEL | READONLY, &["domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"]),
    row("search", 16, 16, MODEL, &["domain", "offset", "limit", "order", "count"]),
    row("search", 17, 17, MODEL, &["domain", "offset", "limit", "order"]),
    row("search", 18, 19, MODEL | READONLY, &["domain", "offset", "limit", "order"]),
    row("search_count", 16, 17, MODEL, &["domain", "limit"]),
    row("search_count", 18, 19, MODEL | READONLY, &["domain", "limit"]),
    row("search_fetch", 17, 17, MODEL, &["domain", "field_names", "offset", "limit", "order"]),
    row("search_fetch", 18, 18, MODEL | READONLY, &["domain", "field_names", "offset", "limit", "order"]),
    var_keyword(row("search_read", 16, 17, MODEL, &["domain", "fields", "offset", "limit", "order"]), "read_kwargs"),
    var_keyword(row("search_read", 18, 19, MODEL | READONLY, &["domain", "fields", "offset", "limit", "order"]), "read_kwargs"),
    row("toggle_active", 16, 19, RECORDS, &[]),
    row("unlink", 16, 19, RECORDS, &[]),
    row("update_field_translations", 16, 17, RECORDS, &["field_name", "translations"]),
    row("update_field_translations", 18, 19, RECORDS, &["field_name", "translations", "source_lang"]),
    row("user_has_groups", 16, 17, MODEL, &["groups"]),
    row("write", 16, 19, RECORDS, &["vals"]),
    // The web client's methods (addons/web/models/models.py, class Base).
    row("formatted_read_group", 19, 19, MODEL | READONLY, &["domain", "groupby", "aggregates", "having", "offset", "limit", "order"]),
    keyword_only(row("formatted_read_grouping_sets", 19, 19, MODEL | READONLY, &["domain", "grouping_sets", "aggregates"]), &["order"]),
    row("qweb_render_view", 16, 16, MODEL, &["view_id", "domain"]),
    row("read_progress_bar", 16, 17, MODEL, &["domain", "group_by", "progress_bar"]),
    row("read_progress_bar", 18, 19, MODEL | READONLY, &["domain", "group_by", "progress_bar"]),
    var_keyword(row("search_panel_select_multi_range", 16, 19, MODEL, &["field_name"]), "kwargs"),
    var_keyword(row("search_panel_select_range", 16, 19, MODEL, &["field_name"]), "kwargs"),
    row("web_name_search", 19, 19, MODEL | READONLY, &["name", "specification", "domain", "operator", "limit"]),
    row("web_override_translations", 17, 19, RECORDS, &["values"]),
    row("web_read", 17, 17, RECORDS, &["specification"]),
    row("web_read", 18, 19, RECORDS | READONLY, &["specification"]),
    row("web_read_group", 16, 16, MODEL, &["domain", "fields", "groupby", "limit", "offset", "orderby", "lazy", "expand", "expand_limit", "expand_orderby"]),
    row("web_read_group", 17, 17, MODEL, &["domain", "fields", "groupby", "limit", "offset", "orderby", "lazy"]),
    row("web_read_group", 18, 18, MODEL | READONLY, &["domain", "fields", "groupby", "limit", "offset", "orderby", "lazy"]),
    keyword_only(row("web_read_group", 19, 19, MODEL | READONLY, &["domain", "groupby", "aggregates", "limit", "offset", "order"]), &["auto_unfold", "opening_info", "unfold_read_specification", "unfold_read_default_limit", "groupby_read_specification"]),
    row("web_resequence", 19, 19, RECORDS, &["specification", "field_name", "offset"]),
    row("web_save", 17, 19, RECORDS, &["vals", "specification", "next_id"]),
    row("web_save_multi", 19, 19, RECORDS, &["vals_list", "specification"]),
    // 16 read plain field names; 17+ a specification.
    row("web_search_read", 16, 16, MODEL, &["domain", "fields", "offset", "limit", "order", "count_limit"]),
    row("web_search_read", 17, 17, MODEL, &["domain", "specification", "offset", "limit", "order", "count_limit"]),
    row("web_search_read", 18, 19, MODEL | READONLY, &["domain", "specification", "offset", "limit", "order", "count_limit"]),
    // Views (odoo/addons/base/models/ir_ui_view.py, `_inherit = 'base'`).
    row("get_empty_list_help", 16, 19, MODEL, &["help_message"]),
    row("get_formview_action", 16, 18, RECORDS, &["access_uid"]),
    row("get_formview_action", 19, 19, RECORDS | READONLY, &["access_uid"]),
    row("get_formview_id", 16, 18, RECORDS, &["access_uid"]),
    row("get_formview_id", 19, 19, RECORDS | READONLY, &["access_uid"]),
    var_keyword(row("get_view", 16, 19, MODEL, &["view_id", "view_type"]), "options"),
    row("get_views", 16, 17, MODEL, &["views", "options"]),
    row("get_views", 18, 19, MODEL | READONLY, &["views", "options"]),
    row("load_views", 16, 16, MODEL, &["views", "options"]),
    row("view_header_get", 16, 19, MODEL, &["view_id", "view_type"]),
    // res.users (odoo/addons/base/models/res_users.py): how JSON-2 learns the uid.
    row("context_get", 16, 19, MODEL, &[]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(signature: &Signature) -> Vec<&str> {
        signature.params.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn the_table_answers_per_version() {
        let search_read = builtin("search_read", Some(19)).unwrap();
        assert_eq!(
            search_read.text(),
            "(domain, fields, offset, limit, order, **read_kwargs)"
        );
        assert!(search_read.model && search_read.readonly);
        assert!(!builtin("search_read", Some(17)).unwrap().readonly);
        assert_eq!(
            names(&builtin("name_search", Some(17)).unwrap()),
            ["name", "args", "operator", "limit"]
        );
        assert_eq!(
            names(&builtin("name_search", None).unwrap()),
            ["name", "domain", "operator", "limit"]
        );
        assert_eq!(
            names(&builtin("web_search_read", Some(16)).unwrap())[1],
            "fields"
        );
        let onchange = builtin("onchange", Some(19)).unwrap();
        assert!(!onchange.model);
        assert_eq!(names(&onchange), ["values", "field_names", "fields_spec"]);
        // Removed in 18: not guessed from 17's row.
        assert_eq!(builtin("name_get", Some(19)), None);
        assert!(builtin("name_get", Some(17)).is_some());
        // Odoo 20 is not known yet: 19's rows are the best knowledge.
        assert_eq!(builtin("write", Some(20)), builtin("write", Some(19)));
        assert_eq!(builtin("x_custom", None), None);
        let group = builtin("web_read_group", Some(19)).unwrap();
        assert_eq!(
            group.params.iter().filter(|p| p.kind.positional()).count(),
            6
        );
        assert_eq!(group.params[6].kind, ParamKind::KeywordOnly);
    }

    #[test]
    fn every_row_is_in_range_and_rows_of_a_method_do_not_overlap() {
        for row in TABLE {
            assert!(
                VERSIONS.contains(&row.from) && VERSIONS.contains(&row.to) && row.from <= row.to,
                "{}",
                row.method
            );
            let overlapping = TABLE
                .iter()
                .filter(|r| r.method == row.method && r.from <= row.to && row.from <= r.to)
                .count();
            assert_eq!(overlapping, 1, "{} overlaps", row.method);
        }
    }

    #[test]
    fn a_doc_bearer_answer_keeps_the_parameters_order() {
        // As a real Odoo 19 answered for res.partner (2026-12-02), trimmed.
        let body = br#"{"model": "res.partner", "name": "Contact", "doc": null, "fields": {},
            "methods": {
              "search_read": {"signature": "(domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs)",
                "parameters": {"domain": {"default": null}, "fields": {"default": null}, "offset": {"default": 0},
                               "limit": {"default": null}, "order": {"default": null}, "read_kwargs": {"kind": "VAR_KEYWORD"}},
                "api": ["model", "readonly"], "model": "core", "module": "core"},
              "onchange": {"signature": "(values, field_names, fields_spec) -> dict",
                "parameters": {"values": {"annotation": "dict"}, "field_names": {"annotation": "list[str]"}, "fields_spec": {"annotation": "dict"}},
                "model": "core", "module": "core"},
              "autocomplete_by_name": {"signature": "(query, query_country_id, timeout=15)",
                "parameters": {"query": {}, "query_country_id": {}, "timeout": {"default": 15}},
                "api": ["model"], "model": "res.partner", "module": "partner_autocomplete"}}}"#;
        let (model, methods) = parse_doc(body).unwrap();
        assert_eq!(model, "res.partner");
        let search_read = &methods["search_read"];
        assert_eq!(
            names(search_read),
            [
                "domain",
                "fields",
                "offset",
                "limit",
                "order",
                "read_kwargs"
            ]
        );
        assert_eq!(search_read.params[0].default, Some(Value::Null));
        assert_eq!(search_read.params[5].kind, ParamKind::VarKeyword);
        assert!(search_read.model && search_read.readonly);
        let onchange = &methods["onchange"];
        assert!(!onchange.model && !onchange.readonly);
        assert_eq!(onchange.params[0].default, None);
        assert_eq!(
            methods["autocomplete_by_name"].text(),
            "(query, query_country_id, timeout=15)"
        );
        assert_eq!(
            search_read.text(),
            "(domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs)"
        );
        let err = parse_doc(b"<html>404</html>").unwrap_err();
        assert!(
            err.starts_with("not a /doc-bearer model description"),
            "{err}"
        );
    }

    #[test]
    fn the_server_wins_over_the_table_and_the_table_fills_its_gaps() {
        let mut described = Described {
            server_version: Some("19.0".into()),
            models: BTreeMap::new(),
        };
        let custom = Signature {
            params: vec![Param {
                name: "note".into(),
                kind: ParamKind::PositionalOrKeyword,
                default: Some(json!(false)),
            }],
            model: false,
            readonly: false,
        };
        described
            .models
            .entry("res.partner".into())
            .or_default()
            .insert("x_stamp".into(), custom.clone());
        assert_eq!(
            described.resolve("res.partner", "x_stamp", Some(19)),
            Some((custom, Origin::Server))
        );
        // 19's description leaves deprecated methods out; the table still knows them.
        let (group, origin) = described
            .resolve("res.partner", "read_group", Some(19))
            .unwrap();
        assert_eq!((group.params.len(), origin), (7, Origin::BuiltIn(19)));
        assert_eq!(
            described.resolve("res.partner", "x_unknown", Some(19)),
            None
        );
        let text = serde_json::to_string(&described).unwrap();
        assert_eq!(serde_json::from_str::<Described>(&text).unwrap(), described);
        assert!(
            text.contains(r#""params":[{"name":"note","default":false}]"#),
            "{text}"
        );
    }
}
