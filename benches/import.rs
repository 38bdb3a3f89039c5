//! Import + classification of a large generated HAR, beside a bare `serde_json` parse.
//!
//! `cargo bench --bench import` (entries: `ODOO_HAR_BENCH_ENTRIES`, default 50,000, about
//! 200 MB). Targets (issue 2): import + classify within 1.2× the bare parse's time, and a heap
//! peak within 2× the file size. Heap is counted by a wrapping global allocator, so the peak
//! is exact for this process and includes the file's own bytes in both measurements.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use odoo_har::capture::{self, LoadOptions};
use odoo_har::odoo::classify;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size > layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `work` three times; returns the fastest time and the largest heap peak above the
/// heap in use before it started.
fn measure<T>(mut work: impl FnMut() -> T) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut peak = 0;
    for _ in 0..3 {
        let base = CURRENT.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let start = Instant::now();
        let out = std::hint::black_box(work());
        best = best.min(start.elapsed());
        drop(out);
        peak = peak.max(PEAK.load(Ordering::Relaxed) - base);
    }
    (best, peak)
}

fn main() {
    let entries: usize = std::env::var("ODOO_HAR_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let path = std::env::temp_dir().join(format!("odoo-har-bench-{entries}.har"));
    let file = std::fs::File::create(&path).expect("temp file");
    let mut writer = std::io::BufWriter::new(file);
    generate::har(&mut writer, entries).expect("write the HAR");
    writer.flush().expect("flush");
    drop(writer);
    let size = std::fs::metadata(&path).expect("size").len() as usize;
    let path_str = path.to_str().expect("utf-8 temp path");
    println!(
        "generated {} entries, {:.1} MB at {}",
        entries,
        size as f64 / 1e6,
        path.display()
    );

    let (bare_time, bare_peak) = measure(|| {
        let bytes = std::fs::read(&path).expect("read");
        serde_json::from_slice::<serde_json::Value>(&bytes).expect("valid JSON")
    });
    let mut calls_seen = 0;
    let (ours_time, ours_peak) = measure(|| {
        let capture = capture::load(path_str, &LoadOptions::default()).expect("loads");
        let calls: Vec<_> = capture.exchanges.iter().map(classify).collect();
        calls_seen = calls
            .iter()
            .filter(|c| c.kind != odoo_har::odoo::Kind::NotOdoo)
            .count();
        (capture, calls)
    });
    println!(
        "bare serde_json::from_slice::<Value> (with the read): {:>8.1} ms, heap peak {:>7.1} MB ({:.2}x file)",
        bare_time.as_secs_f64() * 1e3,
        bare_peak as f64 / 1e6,
        bare_peak as f64 / size as f64
    );
    println!(
        "odoo-har import + classify ({calls_seen} Odoo calls):   {:>8.1} ms, heap peak {:>7.1} MB ({:.2}x file)",
        ours_time.as_secs_f64() * 1e3,
        ours_peak as f64 / 1e6,
        ours_peak as f64 / size as f64
    );
    println!(
        "time ratio {:.2} (target <= 1.20), memory {:.2}x file size (target <= 2.00)",
        ours_time.as_secs_f64() / bare_time.as_secs_f64(),
        ours_peak as f64 / size as f64
    );
    let _ = std::fs::remove_file(&path);
}

/// A Chrome-style HAR of an Odoo 17 web-client session: mostly ORM calls with realistic
/// request and response bodies, some assets and images, a few errors.
mod generate {
    use std::io::{self, Write};

    use serde_json::{Value, json};

    fn header(name: &str, value: &str) -> Value {
        json!({"name": name, "value": value})
    }

    fn records(seed: usize, count: usize) -> Value {
        let records: Vec<Value> = (0..count)
            .map(|i| {
                let id = seed * 7 + i;
                json!({"id": id, "display_name": format!("Partner {id} of the \"Deco\" group"), "email": format!("contact{id}@example.com"),
                       "phone": format!("+32 2 {:03} {:02} {:02}", id % 1000, id % 97, id % 89), "is_company": id.is_multiple_of(3),
                       "country_id": {"id": 21, "display_name": "Belgium"}, "write_date": "2026-11-20 09:10:01",
                       "category_id": [1, 4, 7], "street": "Rue de la Loi 16", "city": "Bruxelles", "zip": "1000",
                       "comment": "<p>Met at the fair; wants a quote for 40 chairs.</p>"})
            })
            .collect();
        json!({"length": count * 4, "records": records})
    }

    fn entry(i: usize) -> Value {
        let origin = "https://bench.odoo.example.com";
        let context = json!({"lang": "en_US", "tz": "Europe/Brussels", "uid": 2, "allowed_company_ids": [1], "bin_size": true});
        let (method, path, body, response, mime) = match i % 10 {
            0..=4 => {
                let body = json!({"id": i, "jsonrpc": "2.0", "method": "call", "params": {"model": "res.partner", "method": "web_search_read", "args": [],
                    "kwargs": {"specification": {"display_name": {}, "email": {}, "phone": {}, "is_company": {}, "country_id": {"fields": {"display_name": {}}}},
                               "offset": 0, "order": "", "limit": 80, "count_limit": 10001, "domain": [["is_company", "=", true], ["name", "ilike", format!("deco{i}")]], "context": context}}});
                (
                    "POST",
                    "/web/dataset/call_kw/res.partner/web_search_read".to_string(),
                    Some(body.to_string()),
                    json!({"jsonrpc": "2.0", "id": i, "result": records(i, 6)}).to_string(),
                    "application/json",
                )
            }
            5 | 6 => {
                let body = json!({"id": i, "jsonrpc": "2.0", "method": "call", "params": {"model": "res.partner", "method": "web_read", "args": [[i]],
                    "kwargs": {"specification": {"display_name": {}, "email": {}}, "context": context}}});
                let response = if i % 97 == 5 {
                    json!({"jsonrpc": "2.0", "id": i, "error": {"code": 200, "message": "Odoo Server Error", "data": {"name": "odoo.exceptions.MissingError", "message": "Record does not exist or has been deleted.", "debug": "Traceback (most recent call last):\n  File \"odoo/http.py\", line 1\n", "arguments": [], "context": {}}}}).to_string()
                } else {
                    json!({"jsonrpc": "2.0", "id": i, "result": records(i, 1)["records"]})
                        .to_string()
                };
                (
                    "POST",
                    "/web/dataset/call_kw/res.partner/web_read".to_string(),
                    Some(body.to_string()),
                    response,
                    "application/json",
                )
            }
            7 => {
                let js = "odoo.define('web.bench', function (require) { var core = require('web.core'); return core.Class.extend({ init: function () {} }); });\n".repeat(80);
                (
                    "GET",
                    format!("/web/assets/{i}/web.assets_web.min.js"),
                    None,
                    js,
                    "application/javascript",
                )
            }
            8 => (
                "GET",
                format!("/web/image/res.partner/{i}/avatar_128"),
                None,
                "iVBORw0KGgoAAAANSUhEUgAAAIAAAACACAYAAADDPmHLAAAACXBIWXMAAAsTAAALEwEAmpwYAAAA"
                    .repeat(40),
                "image/png",
            ),
            _ => {
                let body = json!({"id": i, "jsonrpc": "2.0", "method": "call", "params": {"model": "res.partner", "method": "web_save", "args": [[i], {"phone": "+32 2 290 34 90", "comment": "<p>Updated</p>"}],
                    "kwargs": {"specification": {"display_name": {}}, "context": context}}});
                ("POST", "/web/dataset/call_kw/res.partner/web_save".to_string(), Some(body.to_string()), json!({"jsonrpc": "2.0", "id": i, "result": [{"id": i, "display_name": "Saved"}]}).to_string(), "application/json")
            }
        };
        let mut request = json!({
            "method": method, "url": format!("{origin}{path}"), "httpVersion": "http/2.0",
            "headers": [header(":authority", "bench.odoo.example.com"), header(":method", method), header(":path", &path), header(":scheme", "https"),
                        header("accept", "*/*"), header("accept-language", "en-US,en;q=0.9"), header("content-type", "application/json"),
                        header("origin", origin), header("referer", "https://bench.odoo.example.com/odoo/contacts"),
                        header("sec-ch-ua", "\"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\""), header("sec-fetch-mode", "cors"),
                        header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")],
            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": body.as_ref().map_or(0, String::len)
        });
        if let Some(body) = body {
            request["postData"] = json!({"mimeType": "application/json", "text": body});
        }
        json!({
            "_initiator": {"type": "script", "stack": {"callFrames": [{"functionName": "rpc", "scriptId": "17", "url": "https://bench.odoo.example.com/web/assets/1/web.assets_web.min.js", "lineNumber": 1, "columnNumber": 42}]}},
            "_priority": "High", "_resourceType": if method == "POST" { "fetch" } else { "script" },
            "cache": {}, "connection": "443", "pageref": "page_1",
            "request": request,
            "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
                         "headers": [header("content-type", mime), header("date", "Fri, 20 Nov 2026 09:15:00 GMT"), header("server", "nginx")],
                         "cookies": [], "content": {"size": response.len(), "mimeType": mime, "text": response},
                         "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": response.len() + 120, "_error": null},
            "serverIPAddress": "127.0.0.1", "startedDateTime": "2026-11-20T09:15:00.137Z", "time": 12.5,
            "timings": {"blocked": 0.5, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 11.0, "receive": 0.9, "_blocked_queueing": 0.4}
        })
    }

    /// Writes a HAR of `entries` entries, one at a time so the generator itself stays small.
    pub fn har(out: &mut impl Write, entries: usize) -> io::Result<()> {
        write!(
            out,
            "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"WebInspector\",\"version\":\"537.36\"}},\"pages\":[],\"entries\":["
        )?;
        for i in 0..entries {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, &entry(i))?;
        }
        write!(out, "]}}}}")
    }
}
