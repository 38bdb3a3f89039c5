//! What an A/B run says when one server answers an Odoo error and the other a result: a
//! difference between the two servers (a field a version removed or renamed, a method it
//! dropped), shown as that error, by step. `FAILED` stays for what never answered.

use serde_json::Value;

use super::judge::{Kind, Verdict};
use super::runner::{Outcome, StepRun};
use crate::odoo::rpc::{Answer, json_rpc_error};

/// `verdict` of B's answer against A's (`a`), with an Odoo error on one side and a result on
/// the other made a difference.
pub fn errors_as_differences(mut verdict: Verdict, run: &StepRun, a: Option<&Value>) -> Verdict {
    let Outcome::Answered(answered) = &run.outcome else {
        return verdict;
    };
    if verdict.verdict != Kind::Failed {
        return verdict;
    }
    let (reason, path) = match &answered.answer {
        Answer::Error(_) => (
            format!(
                "B answered an Odoo error where A had a result: {}",
                run.describe()
            ),
            format!("$.error: (absent) → \"{}\"", run.describe()),
        ),
        _ => {
            let a_error = a
                .and_then(|doc| run.kind.dialect().outcome(doc).err())
                .map(|error| {
                    // A's error as the step's dialect stores it: an envelope's `error`, or
                    // JSON-2's bare object.
                    let error = match error.get("data") {
                        Some(_) => json_rpc_error(error),
                        None => json_rpc_error(&serde_json::json!({"data": error})),
                    };
                    format!("{}: {}", error.label(), error.message)
                })
                .unwrap_or_else(|| "an Odoo error".into());
            (
                format!("B answered where A had an Odoo error: {a_error}"),
                format!("$.error: \"{a_error}\" → (absent)"),
            )
        }
    };
    verdict.verdict = Kind::Differs;
    verdict.reason = reason;
    verdict.changed_paths = vec![path];
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odoo::Kind as CallKind;
    use crate::odoo::rpc::{Dialect, OdooError};
    use crate::replay::runner::Answered;
    use serde_json::json;

    fn run(answer: Answer) -> StepRun {
        StepRun {
            index: 0,
            name: "001a-res.partner.search_read".into(),
            read_only: true,
            outcome: Outcome::Answered(Answered {
                status: 200,
                answer,
                dialect: Dialect::JsonRpc,
            }),
            attempts: 1,
            elapsed: std::time::Duration::ZERO,
            kind: CallKind::CallKw,
            sent: None,
            noise: Vec::new(),
        }
    }

    fn failed(reason: &str) -> Verdict {
        Verdict {
            method: Some("search_read".into()),
            reason: reason.into(),
            duration_ms: 1.0,
            ..Verdict::sample("001a-res.partner.search_read", Kind::Failed)
        }
    }

    #[test]
    fn an_error_on_one_server_only_is_a_difference_between_them() {
        let removed = OdooError {
            code: Some(200),
            name: Some("builtins.ValueError".into()),
            message: "Invalid field 'mobile' on 'res.partner'".into(),
            debug: None,
        };
        let verdict = errors_as_differences(
            failed("an Odoo error where the baseline had a result"),
            &run(Answer::Error(removed)),
            Some(&json!({"jsonrpc": "2.0", "id": 1, "result": []})),
        );
        assert_eq!(verdict.verdict, Kind::Differs);
        assert_eq!(
            verdict.reason,
            "B answered an Odoo error where A had a result: builtins.ValueError: Invalid field 'mobile' on 'res.partner'"
        );
        assert_eq!(
            verdict.changed_paths,
            [
                "$.error: (absent) → \"builtins.ValueError: Invalid field 'mobile' on 'res.partner'\""
            ]
        );
        let a_error = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": 200, "message": "Odoo Server Error",
            "data": {"name": "builtins.ValueError", "message": "Invalid field 'x_old'", "debug": ""}}});
        let verdict = errors_as_differences(
            failed("a result where the baseline had an Odoo error"),
            &run(Answer::Result),
            Some(&a_error),
        );
        assert_eq!(
            (verdict.verdict, verdict.reason.as_str()),
            (
                Kind::Differs,
                "B answered where A had an Odoo error: builtins.ValueError: Invalid field 'x_old'"
            )
        );
        // No answer at all stays a failure.
        let mut lost = run(Answer::Result);
        lost.outcome = Outcome::Failed {
            cause: "connection refused".into(),
        };
        assert_eq!(
            errors_as_differences(failed("connection refused"), &lost, None).verdict,
            Kind::Failed
        );
    }
}
