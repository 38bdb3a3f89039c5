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
    let model = super::glob(args.model.as_deref(), "--model")?;
    let method = super::glob(args.method.as_deref(), "--method")?;
    let listed = |call: &OdooCall| {
        (args.all || call.kind != Kind::NotOdoo)
            && matches(&model, call.model.as_deref())
            && matches(&method, call.method.as_deref())
            && (!args.errors || call.failed())
    };
    let several = args.input.captures.len() > 1;
    let mut counts = Counts::default();
    // The captures are read entry by entry and each listed call leaves as a row: with
    // --json it is printed at once, for the table only its cells are kept (the widths
    // depend on every row).
    let mut json = args.json.then(|| JsonRows::new(&mut *out));
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut only_odoo_rows = true;
    let read = super::streamed(&args.input, &mut |exchange, call| {
        counts.count(&call);
        if !listed(&call) {
            return Ok(());
        }
        let row = row(&exchange, &call);
        only_odoo_rows &= row.kind != "not_odoo";
        match json.as_mut() {
            Some(json) => json.push(&row),
            None => {
                table.push(cells(&row, several));
                Ok(())
            }
        }
    });
    let read = match (read, json.as_ref().is_some_and(JsonRows::closed)) {
        // `| head` closed the output: that ends the command, as it always did.
        (_, true) => return Ok(0),
        (read, false) => read?,
    };
    if let Some(json) = json {
        super::print(json.finish())?;
        return Ok(0);
    }
    let summary = Summary {
        described: read.describe(),
        several,
        entries: read.exchanges,
        counts,
        only_odoo_rows,
    };
    super::print(write_table(out, &summary, &table))?;
    Ok(0)
}

/// What the summary line under the table counts, over every exchange read.
#[derive(Debug, Default)]
pub struct Counts {
    odoo: usize,
    other: usize,
    failed: usize,
    plumbing: usize,
}

impl Counts {
    /// Counts one exchange's call.
    pub fn count(&mut self, call: &OdooCall) {
        if call.kind == Kind::NotOdoo {
            self.other += 1;
        } else {
            self.odoo += 1;
            self.failed += usize::from(call.failed());
        }
        self.plumbing += usize::from(crate::odoo::plumbing::plumbing(call).is_some());
    }
}

/// Everything the table's last line says.
struct Summary {
    described: String,
    several: bool,
    entries: usize,
    counts: Counts,
    only_odoo_rows: bool,
}

/// `--json`'s array, printed one row at a time with the bytes `serde_json::to_writer_pretty`
/// gives for the whole array: an indented element per row, `[]` when there is none.
///
/// The first [`HELD`] bytes are held back, so that a capture damaged part way (which stops
/// the command with its error) prints nothing, as when captures were read whole; past that,
/// rows leave as they come and memory stays flat.
pub struct JsonRows<W: Write> {
    out: W,
    rows: usize,
    /// A row as serde_json writes it alone, then indented into `pending`.
    scratch: Vec<u8>,
    /// What is not written yet.
    pending: Vec<u8>,
    /// True once `pending` outgrew [`HELD`]: from then on every row is written at once.
    flowing: bool,
    /// The reader of the output went away (`| head`): nothing more is written.
    closed: bool,
}

/// How much of `--json`'s output is held back before rows are written as they come.
pub const HELD: usize = 1 << 20;

impl<W: Write> JsonRows<W> {
    pub fn new(out: W) -> Self {
        JsonRows {
            out,
            rows: 0,
            scratch: Vec::new(),
            pending: Vec::new(),
            flowing: false,
            closed: false,
        }
    }

    /// Adds one row; an error writing it (a closed pipe included) stops the read.
    pub fn push(&mut self, row: &Row) -> Result<()> {
        self.scratch.clear();
        // Serialising to memory fails only for a map with non-string keys, which a row has not.
        let serialised = serde_json::to_writer_pretty(&mut self.scratch, row);
        super::print(serialised.map_err(std::io::Error::from))?;
        self.pending
            .extend_from_slice(if self.rows == 0 { b"[\n" } else { b",\n" });
        // JSON strings hold no raw newline: every line of the row is one to indent.
        for line in self.scratch.split_inclusive(|b| *b == b'\n') {
            self.pending.extend_from_slice(b"  ");
            self.pending.extend_from_slice(line);
        }
        self.rows += 1;
        self.flowing |= self.pending.len() > HELD;
        if !self.flowing {
            return Ok(());
        }
        let written = self.out.write_all(&self.pending);
        self.pending.clear();
        if let Err(err) = &written {
            self.closed = err.kind() == std::io::ErrorKind::BrokenPipe;
        }
        super::print(written)?;
        if self.closed {
            return Err(crate::error::Error::Usage("the output was closed".into()));
        }
        Ok(())
    }

    /// True when the output was closed by its reader.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Writes what is held and ends the array.
    pub fn finish(mut self) -> std::io::Result<()> {
        let end: &[u8] = if self.rows == 0 { b"[]\n" } else { b"\n]\n" };
        self.pending.extend_from_slice(end);
        self.out.write_all(&self.pending)
    }
}

/// Prints the calls of captures already loaded, filtered as `args` says: what `run` prints
/// for them, from a capture read whole.
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
    let several = loaded.several_files();
    let mut counts = Counts::default();
    loaded.calls.iter().for_each(|call| counts.count(call));
    let summary = Summary {
        described: loaded.describe(),
        several,
        entries: loaded.exchanges.len(),
        counts,
        only_odoo_rows: rows.iter().all(|r| r.kind != "not_odoo"),
    };
    let cells: Vec<Vec<String>> = rows.iter().map(|r| cells(r, several)).collect();
    super::print(write_table(out, &summary, &cells))
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

/// A row's cells in the table.
fn cells(r: &Row, several: bool) -> Vec<String> {
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
}

fn write_table(
    out: &mut impl Write,
    summary: &Summary,
    cells: &[Vec<String>],
) -> std::io::Result<()> {
    let mut columns = Vec::new();
    if summary.several {
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
    if cells.is_empty() {
        writeln!(out, "no calls match")?;
    } else {
        table::write(out, &columns, cells)?;
    }
    let Counts {
        odoo,
        other,
        failed,
        plumbing,
    } = summary.counts;
    let plumbing = match plumbing {
        0 => String::new(),
        n => format!(", {n} web-client plumbing marked ui: that extract leaves out"),
    };
    writeln!(
        out,
        "\n{}: {} entries, {odoo} Odoo calls ({failed} failed{plumbing}), {other} other requests{}",
        summary.described,
        summary.entries,
        if other > 0 && summary.only_odoo_rows {
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
