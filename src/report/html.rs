//! The HTML report: one self-contained page (inline CSS and JS, nothing fetched, so it opens
//! offline and from a CI artifact) with the summary, a row per step, failures first, and for
//! each difference its changed paths and a coloured unified diff; filterable by verdict and
//! by text.
//!
//! Everything from the run (step names, reasons, paths, answers in diffs) is escaped: a value
//! in an Odoo answer is data, never markup. Built from the verdicts alone, as the JSON and
//! JUnit reports are.

use std::fmt::Write;

use super::junit::escape;
use crate::diff::Tag;
use crate::replay::judge::{Kind, Tally, Verdict};

/// The verdicts in the order a reader wants them: what needs a look first.
const ORDER: [Kind; 4] = [Kind::Failed, Kind::Differs, Kind::Skipped, Kind::Passed];

/// The page for a run named `label`.
pub fn render(label: &str, verdicts: &[Verdict]) -> String {
    let tally = Tally::of(verdicts);
    let seconds: f64 = verdicts.iter().map(|v| v.duration_ms).sum::<f64>() / 1e3;
    let outcome = if tally.exit_code(false) == 0 {
        ("ok", "every step passed")
    } else {
        ("bad", "some steps need a look")
    };
    let mut html = String::with_capacity(16 * 1024 + verdicts.len() * 512);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <title>odoo-har replay: {title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>odoo-har replay <span class=\"outcome {class}\">{word}</span></h1>\n\
         <p class=\"label\">{title}</p>\n</header>\n<main>\n",
        title = escape(label),
        class = outcome.0,
        word = outcome.1,
    );
    summary(&mut html, &tally, verdicts.len(), seconds);
    toolbar(&mut html, &tally);
    if verdicts.is_empty() {
        html.push_str("<p class=\"empty\">No steps were run.</p>\n");
    } else {
        steps(&mut html, verdicts);
    }
    let _ = write!(
        html,
        "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    html
}

/// Each verdict's name and how many steps got it, in [`ORDER`].
fn counts(tally: &Tally) -> impl Iterator<Item = (&'static str, usize)> {
    let of = [tally.failed, tally.differs, tally.skipped, tally.passed];
    ORDER.iter().map(Kind::as_str).zip(of)
}

fn summary(html: &mut String, tally: &Tally, steps: usize, seconds: f64) {
    html.push_str("<section class=\"summary\">\n");
    let _ = writeln!(
        html,
        "<div class=\"card\"><b>{steps}</b><span>steps</span></div>"
    );
    for (kind, n) in counts(tally) {
        let _ = writeln!(
            html,
            "<div class=\"card {kind}\"><b>{n}</b><span>{kind}</span></div>"
        );
    }
    let _ = writeln!(
        html,
        "<div class=\"card\"><b>{seconds:.2} s</b><span>time in steps</span></div>\n</section>"
    );
}

fn toolbar(html: &mut String, tally: &Tally) {
    html.push_str("<section class=\"toolbar\">\n");
    for (kind, n) in counts(tally) {
        let _ = writeln!(
            html,
            "<label class=\"toggle {kind}\"><input type=\"checkbox\" data-verdict=\"{kind}\" checked> {kind} ({n})</label>"
        );
    }
    html.push_str(
        "<input id=\"search\" type=\"search\" placeholder=\"Search steps, models, paths, reasons…\" autocomplete=\"off\">\n\
         <span class=\"shown\"><span id=\"shown\"></span> shown</span>\n</section>\n",
    );
}

fn steps(html: &mut String, verdicts: &[Verdict]) {
    html.push_str(
        "<table>\n<thead><tr><th>verdict</th><th>step</th><th class=\"call\">call</th><th class=\"num\">status</th>\
         <th class=\"num\">time</th><th>what happened</th></tr></thead>\n",
    );
    for kind in ORDER {
        for verdict in verdicts.iter().filter(|v| v.verdict == kind) {
            step(html, verdict);
        }
    }
    html.push_str("</table>\n");
}

fn step(html: &mut String, verdict: &Verdict) {
    let kind = verdict.verdict.as_str();
    let call = match (&verdict.model, &verdict.method) {
        (Some(model), Some(method)) => format!("{model}.{method}"),
        _ => String::new(),
    };
    let status = verdict.status.map(|s| s.to_string()).unwrap_or_default();
    let time = if verdict.attempts > 0 {
        format!("{:.0} ms", verdict.duration_ms)
    } else {
        String::new()
    };
    let tries = if verdict.attempts > 1 {
        format!(" <span class=\"tries\">{} tries</span>", verdict.attempts)
    } else {
        String::new()
    };
    // What the search box matches: everything a row shows, and its changed paths.
    let haystack = [
        verdict.step.as_str(),
        &call,
        &verdict.reason,
        &verdict.changed_paths.join(" "),
    ]
    .join(" ")
    .to_lowercase();
    let _ = write!(
        html,
        "<tbody class=\"step\" data-verdict=\"{kind}\" data-text=\"{}\">\n<tr>\
         <td><span class=\"badge {kind}\">{kind}</span></td><td class=\"name\">{}</td>\
         <td class=\"call\">{}</td><td class=\"num\">{status}</td><td class=\"num\">{time}{tries}</td>\
         <td class=\"reason\">{}</td></tr>\n",
        escape(&haystack),
        escape(&verdict.step),
        escape(&call),
        escape(&verdict.reason),
    );
    if !verdict.changed_paths.is_empty()
        || !verdict.diff.is_empty()
        || !verdict.learned_noise.is_empty()
        || !verdict.time_shifted.is_empty()
        || !verdict.warnings.is_empty()
    {
        html.push_str("<tr class=\"detail\"><td></td><td colspan=\"5\">");
        detail(html, verdict);
        html.push_str("</td></tr>\n");
    }
    html.push_str("</tbody>\n");
}

fn detail(html: &mut String, verdict: &Verdict) {
    if !verdict.changed_paths.is_empty() {
        html.push_str("<details open><summary>changed paths</summary><ul class=\"paths\">");
        for path in &verdict.changed_paths {
            let _ = write!(html, "<li><code>{}</code></li>", escape(path));
        }
        html.push_str("</ul></details>");
    }
    if !verdict.diff.is_empty() {
        html.push_str(
            "<details open><summary>diff: baseline → replay</summary><pre class=\"diff\">",
        );
        for line in &verdict.diff.lines {
            let class = match line.tag {
                Tag::Hunk => "hunk",
                Tag::Header => "file",
                Tag::Removed => "del",
                Tag::Added => "add",
                Tag::Same => "ctx",
            };
            // Block spans with no newline between them: inside <pre> a newline would add a
            // blank line after each.
            let _ = write!(
                html,
                "<span class=\"{class}\">{}</span>",
                escape(&line.text)
            );
        }
        html.push_str("</pre></details>");
    }
    ignored_paths(html, "Moved with the clock, equal", &verdict.time_shifted);
    for warning in &verdict.warnings {
        let _ = write!(html, "<p class=\"warning\">Check: {}</p>", escape(warning));
    }
    ignored_paths(html, "Learned noise, ignored here", &verdict.learned_noise);
}

/// Paths the comparison let pass, under what let them pass; nothing when there are none.
fn ignored_paths(html: &mut String, why: &str, paths: &[String]) {
    if paths.is_empty() {
        return;
    }
    let paths: Vec<String> = paths.iter().map(|p| escape(p)).collect();
    let _ = write!(
        html,
        "<p class=\"noise\">{why}: <code>{}</code></p>",
        paths.join("</code>, <code>")
    );
}

const STYLE: &str = r#"
:root { --bg: #f6f7f9; --fg: #1d2430; --muted: #5f6b7a; --line: #dde1e7; --card: #fff;
  --passed: #1a7f37; --differs: #b35900; --failed: #cf222e; --skipped: #6e7781; --accent: #714b67; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif; }
header { background: var(--accent); color: #fff; padding: 16px 28px 14px; }
h1 { margin: 0; font-size: 20px; font-weight: 600; display: flex; align-items: center; gap: 12px; }
.label { margin: 4px 0 0; opacity: .85; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; word-break: break-all; }
.outcome { font-size: 12px; font-weight: 600; padding: 2px 10px; border-radius: 999px; background: #fff; }
.outcome.ok { color: var(--passed); } .outcome.bad { color: var(--failed); }
main { padding: 18px 28px 40px; }
.summary { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 14px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px; min-width: 96px; }
.card b { display: block; font-size: 22px; }
.card span { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card.passed b { color: var(--passed); } .card.differs b { color: var(--differs); }
.card.failed b { color: var(--failed); } .card.skipped b { color: var(--skipped); }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 12px; }
.toggle { background: var(--card); border: 1px solid var(--line); border-radius: 999px; padding: 4px 12px; cursor: pointer; user-select: none; }
.toggle input { margin: 0 4px 0 0; vertical-align: -1px; }
#search { flex: 1; min-width: 220px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
.shown { color: var(--muted); }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
  background: #eef0f3; padding: 8px 10px; position: sticky; top: 0; }
td { padding: 7px 10px; vertical-align: top; border-top: 1px solid var(--line); }
tr.detail td { border-top: 0; padding-top: 0; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.name, .call { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; white-space: nowrap; }
.call { color: var(--muted); }
.reason { overflow-wrap: anywhere; min-width: 16em; }
@media (max-width: 1000px) {
  /* The step's name holds its model and method already; room goes to what happened. */
  th.call, td.call { display: none; }
  .name { white-space: normal; overflow-wrap: anywhere; min-width: 11em; }
  main { padding: 12px; } header { padding: 14px 12px; }
}
.tries { color: var(--differs); font-size: 12px; }
.badge { display: inline-block; min-width: 64px; text-align: center; padding: 1px 8px; border-radius: 4px; color: #fff; font-size: 12px; font-weight: 600; }
.badge.passed { background: var(--passed); } .badge.differs { background: var(--differs); }
.badge.failed { background: var(--failed); } .badge.skipped { background: var(--skipped); }
details { margin: 4px 0 8px; }
summary { cursor: pointer; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.paths { margin: 4px 0; padding-left: 20px; }
.paths code, .noise code { font-size: 12.5px; word-break: break-all; }
pre.diff { margin: 4px 0 0; padding: 8px 0; background: #fbfbfc; border: 1px solid var(--line); border-radius: 6px;
  font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-x: auto; max-height: 360px; }
pre.diff span { display: block; padding: 0 12px; white-space: pre; }
p.warning { color: var(--differs); }
.diff .del { background: #ffebe9; color: #82071e; } .diff .add { background: #dafbe1; color: #116329; }
.diff .hunk { color: #0550ae; background: #ddf4ff; } .diff .file { color: var(--muted); font-weight: 600; }
.noise { color: var(--muted); margin: 4px 0 8px; }
.empty { color: var(--muted); }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1318; --fg: #d7dde5; --muted: #8b96a5; --line: #2a313b; --card: #161b22; }
  th { background: #1c222b; } pre.diff { background: #11161c; }
  .diff .del { background: #3c1618; color: #ffb3ad; } .diff .add { background: #12351f; color: #9be9a8; }
  .diff .hunk { background: #102a44; color: #9ecbff; } #search { background: var(--card); color: var(--fg); }
}
"#;

const SCRIPT: &str = r#"
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-verdict]'));
  var search = document.getElementById('search');
  var steps = Array.prototype.slice.call(document.querySelectorAll('tbody.step'));
  var shown = document.getElementById('shown');
  function apply() {
    var wanted = {};
    boxes.forEach(function (b) { wanted[b.getAttribute('data-verdict')] = b.checked; });
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    steps.forEach(function (s) {
      var text = s.getAttribute('data-text');
      var show = wanted[s.getAttribute('data-verdict')] &&
        words.every(function (w) { return text.indexOf(w) >= 0; });
      s.hidden = !show;
      if (show) count++;
    });
    shown.textContent = count + ' of ' + steps.length;
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  search.addEventListener('input', apply);
  // report.html#res.partner opens with that search: a link can point at what matters.
  if (location.hash.length > 1) search.value = decodeURIComponent(location.hash.slice(1));
  apply();
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_come_first_and_counts_add_up() {
        let verdicts = vec![
            Verdict::sample("001-a", Kind::Passed),
            Verdict::sample("002-b", Kind::Differs),
            Verdict::sample("003-c", Kind::Failed),
            Verdict::sample("004-d", Kind::Skipped),
        ];
        let page = render("suite/", &verdicts);
        let at = |name: &str| {
            page.find(&format!("<td class=\"name\">{name}</td>"))
                .unwrap()
        };
        assert!(
            at("003-c") < at("002-b") && at("002-b") < at("004-d") && at("004-d") < at("001-a")
        );
        assert!(page.contains("<div class=\"card failed\"><b>1</b><span>failed</span></div>"));
        assert!(page.contains("data-verdict=\"differs\" checked> differs (1)"));
        assert!(page.contains("some steps need a look"));
        // Self-contained: nothing is fetched.
        assert!(!page.contains("src=") && !page.contains("href=") && !page.contains("@import"));
    }

    #[test]
    fn a_hostile_value_is_shown_as_text_never_as_markup() {
        let hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>\"&";
        let mut differs = Verdict::sample(&format!("005-{hostile}"), Kind::Differs);
        differs.reason = format!("1 path changed: $.result[0].name: \"a\" → \"{hostile}\"");
        differs.changed_paths = vec![format!("$.result[0].name: \"a\" → \"{hostile}\"")];
        differs.diff =
            crate::diff::unified(&serde_json::json!(["a"]), &serde_json::json!([hostile]));
        let page = render(hostile, &[differs]);
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(!page.contains("<img"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&amp;"));
        // The one script is the page's own.
        assert_eq!(page.matches("<script>").count(), 1);
        assert!(
            page.contains("<span class=\"add\">+  &quot;&lt;script&gt;"),
            "{page}"
        );
        assert!(
            page.contains("<span class=\"del\">-  &quot;a&quot;</span>"),
            "{page}"
        );
    }

    #[test]
    fn an_empty_run_still_makes_a_page() {
        let page = render("nothing", &[]);
        assert!(page.contains("No steps were run.") && page.contains("every step passed"));
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn what_a_passed_step_still_asks_a_person_is_shown() {
        let mut step = Verdict::sample("012-sale.order.line.read", Kind::Passed);
        step.warnings =
            vec!["sends 45 as a literal at $.args[0][0]; 011 returned it <here>".into()];
        step.time_shifted = vec!["$.result[0].date_order".into()];
        step.learned_noise = vec![
            "$.result[0].write_date".into(),
            "$.result[0][\"<b>\"]".into(),
        ];
        let page = render("suite", &[step]);
        assert!(page.contains("<p class=\"warning\">Check: sends 45 as a literal at $.args[0][0]; 011 returned it &lt;here&gt;</p>"), "{page}");
        assert!(page.contains("Moved with the clock, equal: <code>$.result[0].date_order</code>"));
        assert!(
            page.contains("<p class=\"noise\">Learned noise, ignored here: <code>$.result[0].write_date</code>, <code>$.result[0][&quot;&lt;b&gt;&quot;]</code></p>"),
            "{page}"
        );
    }
}
