//! JUnit XML, as GitHub, GitLab and Jenkins read it: one `<testcase>` per step, `classname`
//! the model, a difference as `<failure>`, no usable answer as `<error>`, `<skipped>`.

use crate::replay::judge::{Kind, Tally, Verdict};

/// Text made safe inside XML and HTML: markup characters as entities, control characters
/// dropped.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// The report for a run named `suite`.
pub fn render(suite: &str, verdicts: &[Verdict]) -> String {
    let tally = Tally::of(verdicts);
    let seconds: f64 = verdicts.iter().map(|v| v.duration_ms).sum::<f64>() / 1e3;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"odoo-har\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{seconds:.3}\">\n",
        verdicts.len(),
        tally.differs,
        tally.failed,
        tally.skipped
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{seconds:.3}\">\n",
        escape(suite),
        verdicts.len(),
        tally.differs,
        tally.failed,
        tally.skipped
    ));
    for v in verdicts {
        let classname = v.model.clone().unwrap_or_else(|| "odoo".into());
        xml.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            escape(&classname),
            escape(&v.step),
            v.duration_ms / 1e3
        ));
        let body = match v.verdict {
            Kind::Passed => None,
            Kind::Differs => {
                let details = format!("{}\n\n{}", v.changed_paths.join("\n"), v.diff);
                Some(format!(
                    "      <failure message=\"{}\" type=\"differs\">{}</failure>\n",
                    escape(&v.reason),
                    escape(&details)
                ))
            }
            Kind::Failed => Some(format!(
                "      <error message=\"{}\" type=\"failed\">{}</error>\n",
                escape(&v.reason),
                escape(&v.reason)
            )),
            Kind::Skipped => Some(format!(
                "      <skipped message=\"{}\"/>\n",
                escape(&v.reason)
            )),
        };
        // What a person should know of a step whatever its verdict: noise set aside, dates
        // that moved with the clock, ids sent as literals.
        let mut notes: Vec<String> = Vec::new();
        if !v.learned_noise.is_empty() {
            notes.push(format!(
                "learned noise (ignored): {}",
                v.learned_noise.join(", ")
            ));
        }
        if !v.time_shifted.is_empty() {
            notes.push(format!(
                "time-shifted (moved with the clock, equal): {}",
                v.time_shifted.join(", ")
            ));
        }
        notes.extend(v.warnings.iter().map(|w| format!("warning: {w}")));
        if body.is_none() && notes.is_empty() {
            xml.push_str("/>\n");
            continue;
        }
        xml.push_str(">\n");
        xml.push_str(&body.unwrap_or_default());
        if !notes.is_empty() {
            xml.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                escape(&notes.join("\n"))
            ));
        }
        xml.push_str("    </testcase>\n");
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn verdict(step: &str, kind: Kind, reason: &str) -> Verdict {
        Verdict {
            reason: reason.into(),
            changed_paths: vec!["$.result[0].phone: \"1\" → \"2\"".into()],
            diff: crate::diff::unified(&json!({"phone": "1"}), &json!({"phone": "2"})),
            ..Verdict::sample(step, kind)
        }
    }

    #[test]
    fn one_testcase_per_step_with_escaped_details() {
        let xml = render(
            "suite <1>",
            &[
                verdict("001-a", Kind::Passed, ""),
                verdict("002-b", Kind::Differs, "1 path changed: <x>"),
                verdict("003-c", Kind::Failed, "refused"),
                verdict("004-d", Kind::Skipped, "depends"),
            ],
        );
        assert!(xml.contains("<testsuite name=\"suite &lt;1&gt;\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\""), "{xml}");
        assert!(
            xml.contains("<testcase classname=\"res.partner\" name=\"001-a\" time=\"0.012\"/>"),
            "{xml}"
        );
        assert!(xml.contains("<failure message=\"1 path changed: &lt;x&gt;\" type=\"differs\">$.result[0].phone: &quot;1&quot; → &quot;2&quot;"), "{xml}");
        assert!(
            xml.contains(
                "-  &quot;phone&quot;: &quot;1&quot;\n+  &quot;phone&quot;: &quot;2&quot;"
            ),
            "{xml}"
        );
        assert!(xml.contains("<skipped message=\"depends\"/>"));
        // A passed step with something to check says so.
        let mut warned = verdict("005-warned", Kind::Passed, "");
        warned.warnings = vec!["sends 45 as a literal at $.args[0][0]; 011 returned it".into()];
        warned.time_shifted = vec!["$.result[0].date_order".into()];
        let xml = render("s", &[warned]);
        assert!(
            xml.contains("<system-out>time-shifted (moved with the clock, equal): $.result[0].date_order\nwarning: sends 45 as a literal at $.args[0][0]; 011 returned it</system-out>"),
            "{xml}"
        );
    }
}
