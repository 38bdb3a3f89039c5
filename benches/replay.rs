//! Replay throughput: the full replay (rendering, sending, recording outcomes) of N read
//! calls at `--jobs 64` against the in-process Odoo-compatible server, beside a bare reqwest
//! loop posting the same bodies with the same concurrency.
//!
//! `cargo bench --bench replay` (calls: `ODOO_HAR_BENCH_CALLS`, default 10,000; workers:
//! `ODOO_HAR_BENCH_JOBS`, default 64). Target (issue 4): the full replay within 1.25× the
//! bare loop's time.
//!
//! `ODOO_HAR_BENCH_LOAD=1` is the load test instead (issue 8): 20,000 steps at --jobs 128,
//! once, every step accounted for, and the process's peak resident memory.
//!
//! `ODOO_HAR_BENCH_WHOLE=1` measures replay as the user runs it (issue 14): the command, from
//! process start to its last verdict, on the capture (a HAR file, extracted in memory), on
//! the suite extracted from it, and on a suite of twice as many steps, at `--jobs 64`;
//! beside them the bare loop, and the time `Suite::read` takes to load the larger suite
//! (target: 20,000 steps in 0.3 s). `ODOO_HAR_BENCH_BIN=PATH` measures another build. Beside
//! them, the peers when the machine has them: oha and Hurl (`ODOO_HAR_BENCH_OHA`,
//! `ODOO_HAR_BENCH_HURL`, else on the PATH), against the same server.

#[path = "../tests/support/fake_odoo.rs"]
mod fake_odoo;

use std::sync::Arc;
use std::time::{Duration, Instant};

use odoo_har::capture::{self, LoadOptions};
use odoo_har::odoo::classify;
use odoo_har::odoo::session::Identity;
use odoo_har::replay::auth::{Auth, Credentials, Mode, has_web_steps};
use odoo_har::replay::client::Client;
use odoo_har::replay::runner::{self, Context, Options, Outcome};
use odoo_har::secret::Secret;
use odoo_har::template::extract::{self, Options as ExtractOptions};
use odoo_har::template::redact::Secrets;
use odoo_har::template::render::{self, Renderer};
use odoo_har::template::suite::Suite;
use odoo_har::template::values::Values;
use serde_json::{Map, Value, json};

fn jobs() -> usize {
    std::env::var("ODOO_HAR_BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if load() { 128 } else { 64 })
}

fn load() -> bool {
    std::env::var("ODOO_HAR_BENCH_LOAD").is_ok()
}

/// The process's peak resident memory (Linux), in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

// The allocator the odoo-har binary uses, so the bench measures what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A HAR of `calls` web-client reads of partners, as a browser would record them, with the
/// answers `odoo` gives: a replay against it passes.
fn capture(calls: usize, odoo: &fake_odoo::FakeOdoo) -> Vec<u8> {
    let url = &odoo.url;
    let name = |id: i64| {
        odoo.record("res.partner", id)
            .and_then(|r| r.get("name").cloned())
            .unwrap_or(Value::Null)
    };
    let names: Vec<Value> = [9, 15, 10].into_iter().map(name).collect();
    let entries: Vec<Value> = (0..calls)
        .map(|i| {
            let ids = [9, 15, 10][i % 3];
            let body = json!({"id": i, "jsonrpc": "2.0", "method": "call", "params": {"model": "res.partner", "method": "read", "args": [[ids], ["name"]], "kwargs": {"context": {"lang": "en_US", "tz": "Europe/Brussels", "uid": 2}}}});
            let response = json!({"jsonrpc": "2.0", "id": i, "result": [{"id": ids, "name": names[i % 3]}]});
            json!({"startedDateTime": "2026-11-28T10:00:00Z", "time": 1.0, "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
                   "request": {"method": "POST", "url": format!("{url}/web/dataset/call_kw/res.partner/read"), "httpVersion": "HTTP/1.1", "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": -1,
                               "postData": {"mimeType": "application/json", "text": body.to_string()}},
                   "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [], "redirectURL": "", "headersSize": -1, "bodySize": -1,
                                "content": {"size": -1, "mimeType": "application/json", "text": response.to_string()}}})
        })
        .collect();
    serde_json::to_vec(&json!({"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": entries}})).unwrap_or_default()
}

fn main() {
    let calls: usize = std::env::var("ODOO_HAR_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if load() { 20_000 } else { 10_000 });
    let odoo = fake_odoo::FakeOdoo::start();
    let loaded = capture::parse("bench.har", capture(calls, &odoo), &LoadOptions::default())
        .expect("the generated capture loads");
    let exchanges = loaded.exchanges;
    let calls_found: Vec<_> = exchanges.iter().map(classify).collect();
    let identity = Identity::discover(&exchanges, &calls_found);
    let extracted = extract::extract(
        &exchanges,
        &calls_found,
        &identity,
        &Secrets::default(),
        vec!["bench.har".into()],
        &ExtractOptions::default(),
    );
    let suite = Suite::from_memory("bench", extracted.manifest, &extracted.files)
        .expect("the extracted suite loads");
    println!(
        "{} steps against {} at --jobs {}",
        suite.manifest.steps.len(),
        odoo.url,
        jobs()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if std::env::var("ODOO_HAR_BENCH_PROBE").is_ok() {
        probe(&suite);
    }
    if std::env::var("ODOO_HAR_BENCH_WHOLE").is_ok() {
        whole_commands(&odoo, calls, &runtime, &suite);
        return;
    }
    if load() {
        let before = peak_rss_mb();
        let took = runtime.block_on(replay(&odoo.url, &suite));
        println!(
            "load: {calls} steps, every one answered and accounted for, in {:.1} s; peak RSS {:.1} MB (after generating and extracting the capture: {:.1} MB)",
            took.as_secs_f64(),
            peak_rss_mb(),
            before
        );
        return;
    }

    // ODOO_HAR_BENCH_ONLY=replay or =bare runs one side alone (for profiling).
    let only = std::env::var("ODOO_HAR_BENCH_ONLY").unwrap_or_default();
    // Seven interleaved rounds: loopback timings on two shared cores are noisy, so both the
    // median (the figure to quote) and the best are reported.
    let (mut full, mut bare) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        if only != "bare" {
            full.push(runtime.block_on(replay(&odoo.url, &suite)));
        }
        if only != "replay" {
            bare.push(runtime.block_on(bare_loop(&odoo.url, &suite)));
        }
    }
    let stats = |times: &mut Vec<Duration>| {
        times.sort();
        (
            times.get(times.len() / 2).copied().unwrap_or_default(),
            times.first().copied().unwrap_or_default(),
        )
    };
    let ((full_median, full_best), (bare_median, bare_best)) = (stats(&mut full), stats(&mut bare));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let rate = |d: Duration| calls as f64 / d.as_secs_f64();
    println!(
        "bare hyper loop:        median {:>6.1} ms ({:>6.0} calls/s), best {:>6.1} ms",
        ms(bare_median),
        rate(bare_median),
        ms(bare_best)
    );
    println!(
        "odoo-har replay (full):   median {:>6.1} ms ({:>6.0} calls/s), best {:>6.1} ms",
        ms(full_median),
        rate(full_median),
        ms(full_best)
    );
    println!(
        "ratio {:.2} by medians, {:.2} by bests (target <= 1.25)",
        full_median.as_secs_f64() / bare_median.as_secs_f64(),
        full_best.as_secs_f64() / bare_best.as_secs_f64()
    );
}

/// The median and best of `rounds` runs of `work`.
fn timed(rounds: usize, mut work: impl FnMut() -> Duration) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..rounds).map(|_| work()).collect();
    times.sort();
    (times[times.len() / 2], times[0])
}

/// `odoo-har replay` run as a process on a capture and on suite folders, beside the bare
/// loop; and how long loading the larger suite takes.
fn whole_commands(
    odoo: &fake_odoo::FakeOdoo,
    calls: usize,
    runtime: &tokio::runtime::Runtime,
    suite: &Suite,
) {
    let url = odoo.url.as_str();
    let bin = std::env::var("ODOO_HAR_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_odoo-har").to_string());
    let dir = std::env::temp_dir().join(format!("odoo-har-bench-replay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let har = dir.join("calls.har");
    std::fs::write(&har, capture(calls, odoo)).expect("write the capture");
    let mut inputs = vec![(format!("capture, {calls} calls"), har.clone(), calls)];
    for steps in [calls, calls * 2] {
        let folder = dir.join(format!("suite-{steps}"));
        let path = dir.join(format!("calls-{steps}.har"));
        std::fs::write(&path, capture(steps, odoo)).expect("write the capture");
        let extract = std::process::Command::new(&bin)
            .args(["extract", path.to_str().unwrap_or_default(), "-o"])
            .arg(&folder)
            .output()
            .expect("extract runs");
        assert!(extract.status.success(), "extract: {extract:?}");
        inputs.push((format!("suite folder, {steps} steps"), folder, steps));
    }
    let rate = |steps: usize, d: Duration| steps as f64 / d.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("whole commands: {bin} replay INPUT --mode jsonrpc --jobs 64 --quiet");
    for (label, input, steps) in &inputs {
        let (median, best) = timed(5, || {
            let start = Instant::now();
            let out = std::process::Command::new(&bin)
                .arg("replay")
                .arg(input)
                .args(["--url", url, "--mode", "jsonrpc", "--jobs", "64", "--quiet"])
                .args(["--db", fake_odoo::DB, "--login", fake_odoo::LOGIN])
                .env("ODOO_API_KEY", fake_odoo::API_KEY)
                .output()
                .expect("replay runs");
            let took = start.elapsed();
            assert!(out.status.success(), "replay {label}: {out:?}");
            took
        });
        println!(
            "  {label:<26} median {:>7.1} ms ({:>6.0} calls/s), best {:>7.1} ms ({:>6.0} calls/s)",
            ms(median),
            rate(*steps, median),
            ms(best),
            rate(*steps, best)
        );
    }
    let (median, best) = timed(5, || runtime.block_on(bare_loop(url, suite)));
    println!(
        "  bare hyper loop (in process, sending only) median {:>7.1} ms ({:>6.0} calls/s), best {:>7.1} ms",
        ms(median),
        rate(calls, median),
        ms(best)
    );
    peers(url, calls, &har, &bin, &dir);
    if let Some((_, folder, steps)) = inputs.last() {
        let (median, best) = timed(5, || {
            let start = Instant::now();
            let read = Suite::read(folder).expect("the suite reads");
            let took = start.elapsed();
            assert_eq!(read.manifest.steps.len(), *steps);
            took
        });
        println!(
            "  Suite::read of {steps} steps: median {:>6.1} ms, best {:>6.1} ms (target <= 300 ms for 20,000)",
            ms(median),
            ms(best)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The peers of issue 14, when the machine has them: oha (`ODOO_HAR_BENCH_OHA`, else `oha`
/// on the PATH) posting one of the capture's calls `calls` times at `-c 64`, and Hurl
/// (`ODOO_HAR_BENCH_HURL`, else `hurl`) running the capture's Hurl export split in 64 files
/// at `--jobs 64`; each timed as a whole process, as the replay is.
fn peers(url: &str, calls: usize, har: &std::path::Path, bin: &str, dir: &std::path::Path) {
    let tool = |var: &str, name: &str| std::env::var(var).unwrap_or_else(|_| name.to_string());
    let runs = |program: &str| {
        std::process::Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let report = |label: &str, (median, best): (Duration, Duration)| {
        println!(
            "  {label:<26} median {:>7.1} ms ({:>6.0} calls/s), best {:>7.1} ms",
            ms(median),
            calls as f64 / median.as_secs_f64(),
            ms(best)
        );
    };
    let oha = tool("ODOO_HAR_BENCH_OHA", "oha");
    if runs(&oha) {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw",
            "args": [fake_odoo::DB, fake_odoo::UID, fake_odoo::API_KEY, "res.partner", "read", [[9]], {"fields": ["name"]}]}});
        let times = timed(5, || {
            let start = Instant::now();
            let out = std::process::Command::new(&oha)
                .args([
                    "-n",
                    &calls.to_string(),
                    "-c",
                    "64",
                    "--no-tui",
                    "-m",
                    "POST",
                ])
                .args(["-T", "application/json", "-d", &body.to_string()])
                .arg(format!("{url}/jsonrpc"))
                .output()
                .expect("oha runs");
            assert!(out.status.success(), "oha: {out:?}");
            start.elapsed()
        });
        report("oha (whole process)", times);
    } else {
        println!("  oha: not found (ODOO_HAR_BENCH_OHA=PATH to compare)");
    }
    let hurl = tool("ODOO_HAR_BENCH_HURL", "hurl");
    if runs(&hurl) {
        let exported = dir.join("calls.hurl");
        let out = std::process::Command::new(bin)
            .args(["export", "--format", "hurl", "-o"])
            .arg(&exported)
            .arg(har)
            .output()
            .expect("export runs");
        assert!(out.status.success(), "export: {out:?}");
        // Hurl runs files in parallel, the requests of one file in order.
        let text = std::fs::read_to_string(&exported).expect("the export reads");
        let entries: Vec<&str> = text.split("\n# ").skip(1).collect();
        let files: Vec<std::path::PathBuf> = (0..64)
            .map(|part| {
                let path = dir.join(format!("part{part:02}.hurl"));
                let chunk: Vec<String> = entries
                    .iter()
                    .skip(part)
                    .step_by(64)
                    .map(|e| format!("# {e}"))
                    .collect();
                std::fs::write(&path, chunk.join("\n")).expect("write a part");
                path
            })
            .collect();
        let times = timed(3, || {
            let start = Instant::now();
            let out = std::process::Command::new(&hurl)
                .args([
                    "--test",
                    "--jobs",
                    "64",
                    "--variable",
                    &format!("url={url}"),
                ])
                .args(["--variable", &format!("db={}", fake_odoo::DB)])
                .args(["--variable", &format!("uid={}", fake_odoo::UID)])
                .args(["--secret", &format!("api_key={}", fake_odoo::API_KEY)])
                .args(&files)
                .output()
                .expect("hurl runs");
            assert!(
                out.status.success(),
                "hurl: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            start.elapsed()
        });
        report("hurl --test --jobs 64", times);
    } else {
        println!("  hurl: not found (ODOO_HAR_BENCH_HURL=PATH to compare)");
    }
}

/// The suite's templates and variables, with the uid the login gave.
fn prepared(suite: &Suite, uid: i64) -> (Renderer, Map<String, Value>) {
    let mut renderer = Renderer::new(None).expect("renderer");
    renderer.add_suite(suite).expect("templates");
    let mut values = render::variables(
        &suite.manifest.variables,
        &suite.manifest.secrets,
        &render::Sources::default(),
    )
    .expect("variables");
    values.insert("uid".into(), json!(uid));
    (renderer, values)
}

fn credentials() -> Credentials {
    Credentials {
        db: Some(fake_odoo::DB.into()),
        login: Some(fake_odoo::LOGIN.into()),
        password: None,
        api_key: Some(Secret::new(fake_odoo::API_KEY)),
        uid: None,
    }
}

/// The whole replay of the suite, as `odoo-har replay --mode jsonrpc --jobs 64` runs it.
async fn replay(url: &str, suite: &Suite) -> Duration {
    let client = Client::new(url, false, Duration::from_secs(30), jobs()).expect("client");
    let auth = Auth::establish(
        &client,
        Mode::Jsonrpc,
        credentials(),
        has_web_steps(&suite.manifest.steps),
    )
    .await
    .expect("login");
    let (renderer, values) = prepared(suite, auth.uid);
    let context = Arc::new(Context {
        suite: Arc::new(suite.clone()),
        renderer: Arc::new(renderer),
        values,
        secrets: Secrets::from_values([fake_odoo::API_KEY]),
        auth,
        client,
        options: Options {
            jobs: jobs(),
            retry: 0,
            retry_writes: false,
            fail_fast: false,
            keep: false,
            learn_noise: 0,
        },
    });
    let start = Instant::now();
    let cpu = cpu_ms();
    let runs = if std::env::var("ODOO_HAR_BENCH_SPAWNED").is_ok() {
        tokio::spawn(runner::run(context, |_| {}))
            .await
            .expect("the run ends")
    } else {
        runner::run(context, |_| {}).await
    };
    let elapsed = start.elapsed();
    if std::env::var("ODOO_HAR_BENCH_PROBE").is_ok() {
        println!(
            "probe: replay cpu {} ms over {} ms",
            cpu_ms() - cpu,
            elapsed.as_millis()
        );
    }
    let ok = runs
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Answered(_)))
        .count();
    assert_eq!(ok, runs.len(), "every step answered");
    assert_eq!(
        runs.len(),
        suite.manifest.steps.len(),
        "every step accounted for"
    );
    elapsed
}

/// The same bodies, posted by a bare hyper loop as oha sends: one connection per worker,
/// each sending its next body as soon as the last answer is in.
async fn bare_loop(url: &str, suite: &Suite) -> Duration {
    use http_body_util::{BodyExt, Full};
    // The very bytes the replay sends: rendered and converted before the clock starts.
    let (renderer, values) = prepared(suite, 2);
    let bodies: Vec<bytes::Bytes> = (0..suite.manifest.steps.len())
        .map(|i| {
            let text = renderer
                .render_step_text(suite, i, &Values::new(&values))
                .expect("render");
            let spliced = odoo_har::odoo::convert::call_kw_text_to_execute_kw(
                &text,
                &json!(fake_odoo::DB),
                &json!(2),
                &json!(fake_odoo::API_KEY),
                i as u64 + 1,
            );
            bytes::Bytes::from(spliced.expect("a call_kw body"))
        })
        .collect();
    let bodies = Arc::new(bodies);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let authority = url.trim_start_matches("http://").to_string();
    let start = Instant::now();
    let cpu = cpu_ms();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..jobs() {
        let (bodies, next, authority) = (bodies.clone(), next.clone(), authority.clone());
        tasks.spawn(async move {
            let stream = tokio::net::TcpStream::connect(&authority)
                .await
                .expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .expect("handshake");
            tokio::spawn(connection);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let request = hyper::Request::post("/jsonrpc")
                    .header("host", authority.as_str())
                    .header("content-type", "application/json")
                    .body(Full::new(body.clone()))
                    .expect("request");
                sender.ready().await.expect("ready");
                let response = sender.send_request(request).await.expect("sent");
                let bytes = response
                    .into_body()
                    .collect()
                    .await
                    .expect("body")
                    .to_bytes();
                assert!(!bytes.is_empty());
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    if std::env::var("ODOO_HAR_BENCH_PROBE").is_ok() {
        println!(
            "probe: bare cpu {} ms over {} ms",
            cpu_ms() - cpu,
            start.elapsed().as_millis()
        );
    }
    start.elapsed()
}

fn probe(suite: &Suite) {
    let (renderer, values) = prepared(suite, 2);
    let start = Instant::now();
    let mut bodies = Vec::new();
    for i in 0..suite.manifest.steps.len() {
        bodies.push(
            renderer
                .render_step_text(suite, i, &Values::new(&values))
                .expect("render"),
        );
    }
    println!(
        "probe: render_step_text x{}: {:?}",
        bodies.len(),
        start.elapsed()
    );
    let start = Instant::now();
    for (i, body) in bodies.iter().enumerate() {
        std::hint::black_box(odoo_har::odoo::convert::call_kw_text_to_execute_kw(
            body,
            &json!("d"),
            &json!(2),
            &json!("k"),
            i as u64,
        ));
    }
    println!("probe: call_kw -> execute_kw: {:?}", start.elapsed());
}

/// CPU time of the whole process (all threads, the server's among them), in milliseconds.
fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime, fields 14 and 15 of the file: 11 and 12 after the command name.
    (ticks(11) + ticks(12)) * 10
}
