//! Diffing: N pairs of ~10 KB Odoo-like answers (one pair in a hundred differs), compared with
//! the default ignore rules on one thread, the readable diff built for those that differ.
//!
//! `cargo bench --bench diff` (pairs: `ODOO_HAR_BENCH_PAIRS`, default 10,000). Target
//! (issue 5): at most 1 s in total on one core.

use std::time::Instant;

use odoo_har::diff::{self, Rules};
use serde_json::{Value, json};

/// A web_search_read answer of 30 partners, about 10 KB.
fn answer(seed: usize) -> Value {
    let records: Vec<Value> = (0..30)
        .map(|i| {
            let id = seed * 31 + i;
            json!({"id": id, "display_name": format!("Partner {id}, Deco Addict"), "email": format!("contact{id}@example.com"),
                   "phone": format!("+32 2 {:03} {:02} {:02}", id % 1000, id % 97, id % 89), "is_company": id.is_multiple_of(3),
                   "country_id": {"id": 21, "display_name": "Belgium"}, "write_date": format!("2026-11-{:02} 09:10:01", 1 + id % 28),
                   "category_id": [1, 4, 7], "street": "Rue de la Loi 16", "city": "Bruxelles", "zip": "1000", "comment": "<p>Met at the fair.</p>"})
        })
        .collect();
    json!({"jsonrpc": "2.0", "id": seed, "result": {"length": 240, "records": records}})
}

fn main() {
    let pairs: usize = std::env::var("ODOO_HAR_BENCH_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let inputs: Vec<(Value, Value)> = (0..pairs)
        .map(|i| {
            let baseline = answer(i);
            let mut live = answer(i);
            // Volatile: the envelope id and every write_date move; ignored by default.
            live["id"] = json!(i + 1);
            for record in live["result"]["records"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                record["write_date"] = json!("2026-11-28 12:00:00");
            }
            if i % 100 == 0 {
                live["result"]["records"][7]["phone"] = json!("+1 666 000");
            }
            (baseline, live)
        })
        .collect();
    let bytes: usize = inputs
        .iter()
        .map(|(a, _)| a.to_string().len())
        .sum::<usize>()
        / pairs.max(1);
    let rules = Rules::new(true, &[], &[]).expect("default rules");
    let comparison = rules.for_step(
        Some("res.partner/web_search_read"),
        "002-res.partner.web_search_read",
        "call_kw",
        &[],
    );
    let start = Instant::now();
    let mut differing = 0;
    let mut diff_bytes = 0;
    for (baseline, live) in &inputs {
        let changes = diff::compare(baseline, live, &comparison, 50);
        if !changes.is_empty() {
            differing += 1;
            diff_bytes += diff::unified(
                &diff::normalized(baseline, &comparison, true),
                &diff::normalized(live, &comparison, false),
            )
            .to_string()
            .len();
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(differing, pairs.div_ceil(100));
    println!(
        "{pairs} pairs of ~{:.1} KB, {differing} differing ({diff_bytes} bytes of diffs)",
        bytes as f64 / 1e3
    );
    println!(
        "diff, one thread: {:.1} ms in total, {:.1} µs per pair (target <= 1000 ms)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / pairs as f64
    );
}
