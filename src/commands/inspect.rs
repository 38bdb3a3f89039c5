//! `odoo-har inspect`: the Odoo calls in captures, as a table or JSON.

use std::io::Write;

use glob::Pattern;
use serde::Serialize;
use serde_json::Value;

use crate::cli::InspectArgs;
use crate::error::Result;
use crate::odoo::rpc::Answer;
use crate::odoo::{Kind, OdooCall};
use crate::report::table::{self, Column};
use crate::template::load::Loaded;

/// One listed call, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct Row {
    pub file: String,
    pub entry: usize,
    pub time: Option<String>,
    pub kind: &'static str,
    pub route: String,
    pub service: Option<String>,
    pub model: Option<String>,
    pub method: Option<String>,
    /// Record ids the call was about, when it names them.
    pub ids: Option<Value>,
    /// The search domain the call carried, when it has one.
    pub domain: Option<Value>,
    /// Why Odoo would refuse that domain, when it would (checked against Odoo 19's operators).
    pub domain_problem: Option<String>,
    pub summary: String,
    /// Why the call is web-client plumbing (for the screen, not the user's data), which
    /// `extract` leaves out unless `--with-ui`; null for data calls.
    pub plumbing: Option<&'static str>,
    pub status: Option<u16>,
    /// The Odoo exception class (`odoo.exceptions.AccessError`), or null.
    pub error: Option<String>,
    pub error_message: Option<String>,
    pub duration_ms: Option<f64>,
}

pub fn run(args: &InspectArgs, out: &mut impl Write) -> Result<i32> {
    let loaded = super::loaded(&args.input)?;
    write_loaded(out, args, &loaded)?;
    Ok(0)
}

/// Prints the calls of captures already loaded, filtered as `args` says.
pub fn write_loaded(out: &mut impl Write, args: &InspectArgs, loaded: &Loaded) -> Result<()> {
    let model = super::glob(args.model.as_deref(), "--model")?;
    let method = super::glob(args.method.as_deref(), "--method")?;
    let rows: Vec<Row> = loaded
        .exchanges
        .iter()
        .zip(&loaded.calls)
        .filter(|(_, call)| args.all || call.kind != Kind::NotOdoo)
        .filter(|(_, call)| {
            matches(&model, call.model.as_deref()) && matches(&method, call.method.as_deref())
        })
        .filter(|(_, call)| !args.errors || call.failed())
        .map(|(exchange, call)| row(exchange, call))
        .collect();
    if args.json {
        return super::print(
            serde_json::to_writer_pretty(&mut *out, &rows)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out)),
        );
    }
    super::print(write_table(out, loaded, &rows))
}

fn matches(pattern: &Option<Pattern>, value: Option<&str>) -> bool {
    match pattern {
        None => true,
        Some(pattern) => value.is_some_and(|v| pattern.matches(v)),
    }
}

fn row(exchange: &crate::capture::Exchange, call: &OdooCall) -> Row {
    let (error, error_message) = match &call.answer {
        Answer::Error(error) => (Some(error.label()), Some(error.message.clone())),
        Answer::Unexpected(what) => (None, Some(what.clone())),
        _ => (None, None),
    };
    Row {
        file: exchange.source.file.to_string(),
        entry: exchange.source.entry,
        time: exchange.started.clone(),
        kind: call.kind.as_str(),
        route: call.route.clone(),
        service: call.service.clone(),
        model: call.model.clone(),
        method: call.method.clone(),
        ids: ids(call).cloned(),
        domain: domain(call).cloned(),
        domain_problem: domain(call)
            .and_then(|d| crate::odoo::domain::validate(d, 19).err())
            .map(|e| e.to_string()),
        summary: summary(call),
        plumbing: crate::odoo::plumbing::plumbing(call),
        status: call.status,
        error,
        error_message,
        duration_ms: exchange.duration_ms.map(|ms| (ms * 10.0).round() / 10.0),
    }
}

/// The ids a model call is about: JSON-2 `ids`, else a list of integers as first argument.
fn ids(call: &OdooCall) -> Option<&Value> {
    if let Some(ids) = &call.ids {
        return Some(ids);
    }
    let first = call.args.first()?;
    (call.kind.is_model_call() || call.model.is_some())
        .then_some(first)
        .filter(|v| {
            v.as_array()
                .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_i64))
                || v.is_i64()
        })
}

/// The search domain of a call: `domain` by name, or a first argument shaped like one.
fn domain(call: &OdooCall) -> Option<&Value> {
    if let Some(domain) = call.kwargs.get("domain") {
        return Some(domain);
    }
    let first = call.args.first()?;
    let items = first.as_array()?;
    let is_domain = !items.is_empty()
        && items.iter().all(|item| match item {
            Value::String(op) => matches!(op.as_str(), "&" | "|" | "!"),
            Value::Array(leaf) => {
                leaf.len() == 3 && leaf[0].is_string() || leaf.len() == 3 && leaf[0].is_i64()
            }
            _ => false,
        });
    is_domain.then_some(first)
}

/// A one-line reminder of what the call was about.
fn summary(call: &OdooCall) -> String {
    let mut parts = Vec::new();
    if let Some(ids) = ids(call) {
        parts.push(format!("ids {}", compact(ids)));
    }
    if let Some(domain) = domain(call) {
        parts.push(format!("domain {}", compact(domain)));
    }
    let fields = call
        .kwargs
        .get("fields")
        .or_else(|| call.kwargs.get("specification"))
        .or_else(|| {
            (call.method.as_deref() == Some("read"))
                .then(|| call.args.get(1))
                .flatten()
        });
    match fields {
        Some(Value::Array(list)) => parts.push(format!("{} fields", list.len())),
        Some(Value::Object(spec)) => parts.push(format!("{} fields", spec.len())),
        _ => {}
    }
    let writes = matches!(
        call.method.as_deref(),
        Some("create" | "write" | "web_save" | "copy")
    );
    if let Some(vals) = call
        .args
        .iter()
        .find(|a| a.is_object())
        .or_else(|| call.kwargs.get("vals"))
        .filter(|_| writes)
        && let Some(vals) = vals.as_object()
    {
        let keys: Vec<&str> = vals.keys().map(String::as_str).collect();
        parts.push(format!("vals {{{}}}", keys.join(", ")));
    }
    if let Some(limit) = call.kwargs.get("limit").filter(|l| !l.is_null()) {
        parts.push(format!("limit {limit}"));
    }
    for key in ["db", "login", "action_id"] {
        if let Some(value) = call.params.get(key) {
            parts.push(format!(
                "{key} {}",
                value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string)
            ));
        }
    }
    if let Some(credentials) = &call.credentials
        && call.model.is_none()
    {
        if let Some(db) = &credentials.db {
            parts.push(format!("db {db}"));
        }
        if let Some(login) = &credentials.login {
            parts.push(format!("login {login}"));
        }
    }
    parts.join(", ")
}

fn compact(value: &Value) -> String {
    crate::text::truncate(&value.to_string(), 48)
}

fn write_table(out: &mut impl Write, loaded: &Loaded, rows: &[Row]) -> std::io::Result<()> {
    let several = loaded.several_files();
    let mut columns = Vec::new();
    if several {
        columns.push(Column::left("file", 24));
    }
    columns.extend([
        Column::right("entry"),
        Column::left("time", 12),
        Column::left("kind", 12),
        Column::left("call", 48),
        Column::left("args", 60),
        Column::right("status"),
        Column::left("error", 40),
        Column::right("ms"),
    ]);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut cells = Vec::new();
            if several {
                cells.push(r.file.clone());
            }
            let call = match (&r.model, &r.method, &r.service) {
                (Some(model), Some(method), _) => format!("{model}.{method}"),
                (None, Some(method), Some(service)) => format!("{service}.{method}"),
                _ => r.route.clone(),
            };
            cells.extend([
                r.entry.to_string(),
                r.time.as_deref().map(clock).unwrap_or_default(),
                r.kind.to_string(),
                call,
                match (r.plumbing, r.summary.is_empty()) {
                    (None, _) => r.summary.clone(),
                    (Some(why), true) => format!("ui: {why}"),
                    (Some(why), false) => format!("{} (ui: {why})", r.summary),
                },
                r.status.map_or_else(|| "-".into(), |s| s.to_string()),
                r.error
                    .clone()
                    .or_else(|| r.error_message.clone())
                    .unwrap_or_default(),
                r.duration_ms
                    .map_or_else(String::new, |ms| format!("{ms:.0}")),
            ]);
            cells
        })
        .collect();
    if rows.is_empty() {
        writeln!(out, "no calls match")?;
    } else {
        table::write(out, &columns, &cells)?;
    }
    let odoo = loaded
        .calls
        .iter()
        .filter(|c| c.kind != Kind::NotOdoo)
        .count();
    let other = loaded.calls.len() - odoo;
    let failed = loaded
        .calls
        .iter()
        .filter(|c| c.kind != Kind::NotOdoo && c.failed())
        .count();
    let plumbing = match loaded
        .calls
        .iter()
        .filter(|c| crate::odoo::plumbing::plumbing(c).is_some())
        .count()
    {
        0 => String::new(),
        n => format!(", {n} web-client plumbing marked ui: that extract leaves out"),
    };
    writeln!(
        out,
        "\n{}: {} entries, {odoo} Odoo calls ({failed} failed{plumbing}), {other} other requests{}",
        loaded.describe(),
        loaded.exchanges.len(),
        if other > 0 && rows.iter().all(|r| r.kind != "not_odoo") {
            " (--all lists them)"
        } else {
            ""
        }
    )
}

/// `2026-11-28T14:43:01.543Z` → `14:43:01.543`: a capture spans minutes, not days.
fn clock(started: &str) -> String {
    let time = started.split_once('T').map_or(started, |(_, t)| t);
    time.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(kind: Kind, model: &str, method: &str, args: Value, kwargs: Value) -> OdooCall {
        let mut call =
            crate::odoo::classify(&crate::capture::test_exchange(0, "GET", "/", "", None));
        call.kind = kind;
        call.model = Some(model.into());
        call.method = Some(method.into());
        call.args = args.as_array().cloned().unwrap_or_default();
        call.kwargs = kwargs.as_object().cloned().unwrap_or_default();
        call
    }

    #[test]
    fn summaries_name_ids_domains_fields_and_vals() {
        let read = call(
            Kind::CallKw,
            "res.users",
            "read",
            json!([[2], ["name", "email"]]),
            json!({}),
        );
        assert_eq!(summary(&read), "ids [2], 2 fields");
        let search = call(
            Kind::CallKw,
            "res.partner",
            "web_search_read",
            json!([]),
            json!({"domain": [["is_company", "=", true]], "specification": {"name": {}}, "limit": 80}),
        );
        assert_eq!(
            summary(&search),
            "domain [[\"is_company\",\"=\",true]], 1 fields, limit 80"
        );
        let positional = call(
            Kind::JsonRpc,
            "res.partner",
            "search",
            json!([["|", ["a", "=", 1], ["b", "=", 2]]]),
            json!({}),
        );
        assert_eq!(
            domain(&positional),
            Some(&json!(["|", ["a", "=", 1], ["b", "=", 2]]))
        );
        let write = call(
            Kind::CallKw,
            "res.partner",
            "write",
            json!([[7], {"phone": "1", "name": "x"}]),
            json!({}),
        );
        assert_eq!(summary(&write), "ids [7], vals {name, phone}");
        let render = call(
            Kind::CallKw,
            "ir.ui.view",
            "render_public_asset",
            json!(["web.x", {"debug": false}]),
            json!({}),
        );
        assert_eq!(summary(&render), "");
    }

    #[test]
    fn clock_keeps_the_time_of_day() {
        assert_eq!(clock("2026-11-28T14:43:01.543Z"), "14:43:01.543");
        assert_eq!(clock("2026-11-28T14:43:01.543123+01:00"), "14:43:01.543");
    }
}
