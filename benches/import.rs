//! Import of large generated HARs: in process beside a bare `serde_json` parse, and as the
//! user runs it, whole commands from process start to exit.
//!
//! `cargo bench --bench import`. Sizes: `ODOO_HAR_BENCH_MB` (default `100,200,400`; the HARs
//! are written to the temporary folder and removed, unless `ODOO_HAR_BENCH_KEEP` is set). Another build of the command can be
//! measured with `ODOO_HAR_BENCH_BIN=PATH` (a build from before a change, for its figures).
//!
//! In process (heap counted by a wrapping global allocator, exact for this process, the
//! file's bytes included): a bare `serde_json::from_slice::<Value>` of the file read whole;
//! the whole read (`capture::load`, then every exchange classified), which `mock`, `export`
//! and `redact` use; and the streamed read `inspect`, `whoami` and `extract` use
//! (`template::load::stream`). Whole commands: `inspect --json`, `whoami --json` and `extract`,
//! wall time and peak resident memory (from `wait4`). Targets (issue 14): the streamed
//! commands' peak at most half the file for 200 MB, and the same peak (±20 %) at every size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use odoo_har::capture::{self, LoadOptions};
use odoo_har::odoo::classify;
use odoo_har::template::load;

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

/// Runs a command to its end, output thrown away: the best wall time of `rounds` runs, and
/// the largest peak resident memory, in bytes.
// The child is reaped by `wait4` (which also gives its peak memory), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn command(bin: &str, args: &[&str], rounds: usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut peak = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        let child = std::process::Command::new(bin)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the command starts");
        let (code, rss) = wait(child.id());
        best = best.min(start.elapsed());
        assert_eq!(code, 0, "{bin} {args:?} failed");
        peak = peak.max(rss);
    }
    (best, peak)
}

/// Waits for a child; its exit code and peak resident memory in bytes (`ru_maxrss`).
fn wait(pid: u32) -> (i32, usize) {
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; both pointers are to live locals.
    let waited = unsafe { libc::wait4(pid as i32, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid as i32, "wait4");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage.ru_maxrss as usize * 1024)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn main() {
    let sizes: Vec<usize> = std::env::var("ODOO_HAR_BENCH_MB")
        .unwrap_or_else(|_| "100,200,400".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let bin = std::env::var("ODOO_HAR_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_odoo-har").to_string());
    // The commands run first, while this process is small: a child's peak resident memory
    // starts from its parent's at the fork.
    let mut files = Vec::new();
    println!("whole commands: {bin}");
    for megabytes in sizes {
        let path = std::env::temp_dir().join(format!("odoo-har-bench-{megabytes}mb.har"));
        let file = std::fs::File::create(&path).expect("temp file");
        let mut writer = std::io::BufWriter::new(file);
        let entries = generate::har(&mut writer, megabytes * 1_000_000).expect("write the HAR");
        writer.flush().expect("flush");
        drop(writer);
        let size = std::fs::metadata(&path).expect("size").len() as usize;
        let path_str = path.to_str().expect("utf-8 temp path").to_string();
        println!(
            "{:.1} MB, {entries} entries, at {}",
            mb(size),
            path.display()
        );
        let out = std::env::temp_dir().join(format!("odoo-har-bench-{megabytes}mb-suite"));
        let out_str = out.to_str().expect("utf-8 temp path").to_string();
        let commands: [(&str, Vec<&str>); 3] = [
            ("inspect --json", vec!["inspect", "--json", &path_str]),
            ("whoami --json", vec!["whoami", "--json", &path_str]),
            (
                "extract",
                vec!["extract", &path_str, "-o", &out_str, "--force"],
            ),
        ];
        for (name, args) in commands {
            // Extract links every step to the ones before it, which takes minutes on the
            // largest captures: it runs once.
            let rounds = if name == "extract" { 1 } else { 3 };
            let (time, rss) = command(&bin, &args, rounds);
            println!(
                "  odoo-har {name:<15} {:>7.1} ms, peak RSS {:>6.1} MB ({:.2}x file)",
                time.as_secs_f64() * 1e3,
                mb(rss),
                rss as f64 / size as f64
            );
        }
        let _ = std::fs::remove_dir_all(&out);
        files.push((path, path_str, size));
    }

    println!("\nin process");
    for (path, path_str, size) in files {
        println!("{:.1} MB", mb(size));
        let ratio = |peak: usize| peak as f64 / size as f64;
        let (bare_time, bare_peak) = measure(|| {
            let bytes = std::fs::read(&path).expect("read");
            serde_json::from_slice::<serde_json::Value>(&bytes).expect("valid JSON")
        });
        println!(
            "  bare serde_json::from_slice::<Value> (with the read): {:>7.1} ms, heap peak {:>6.1} MB ({:.2}x file)",
            bare_time.as_secs_f64() * 1e3,
            mb(bare_peak),
            ratio(bare_peak)
        );
        let (whole_time, whole_peak) = measure(|| {
            let capture = capture::load(&path_str, &LoadOptions::default()).expect("loads");
            let calls: Vec<_> = capture.exchanges.iter().map(classify).collect();
            (capture, calls)
        });
        println!(
            "  whole read + classify (mock, export, redact):        {:>7.1} ms, heap peak {:>6.1} MB ({:.2}x file), {:.2}x bare time",
            whole_time.as_secs_f64() * 1e3,
            mb(whole_peak),
            ratio(whole_peak),
            whole_time.as_secs_f64() / bare_time.as_secs_f64()
        );
        let mut odoo_calls = 0;
        let (streamed_time, streamed_peak) = measure(|| {
            odoo_calls = 0;
            load::stream(
                std::slice::from_ref(&path_str),
                &LoadOptions::default(),
                false,
                &mut |_, call| {
                    odoo_calls += usize::from(call.kind != odoo_har::odoo::Kind::NotOdoo);
                    Ok(())
                },
            )
            .expect("streams")
        });
        println!(
            "  streamed read + classify (inspect, whoami):          {:>7.1} ms, heap peak {:>6.1} MB ({:.2}x file), {:.2}x bare time; {odoo_calls} Odoo calls",
            streamed_time.as_secs_f64() * 1e3,
            mb(streamed_peak),
            ratio(streamed_peak),
            streamed_time.as_secs_f64() / bare_time.as_secs_f64()
        );
        if std::env::var("ODOO_HAR_BENCH_KEEP").is_err() {
            let _ = std::fs::remove_file(&path);
        }
    }
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

    /// Writes a HAR of about `bytes` bytes, one entry at a time so the generator itself stays
    /// small; returns how many entries it wrote.
    pub fn har(out: &mut impl Write, bytes: usize) -> io::Result<usize> {
        write!(
            out,
            "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"WebInspector\",\"version\":\"537.36\"}},\"pages\":[],\"entries\":["
        )?;
        let (mut written, mut entries) = (0, 0);
        let mut text = Vec::new();
        while written < bytes {
            if entries > 0 {
                out.write_all(b",")?;
            }
            text.clear();
            serde_json::to_writer(&mut text, &entry(entries))?;
            out.write_all(&text)?;
            written += text.len() + 1;
            entries += 1;
        }
        write!(out, "]}}}}")?;
        Ok(entries)
    }
}
