//! Ignore and unordered rules: paths with wildcards, optionally scoped to some steps.

use glob::Pattern;

use crate::path::Path;

/// What odoo-har ignores unless told `--no-default-ignores` (odoo-protocol.md §6), with why.
pub const DEFAULT_IGNORES: &[(&str, &str)] = &[
    ("$.id", "the JSON-RPC envelope id: renumbered on every run"),
    ("$..write_date", "set by the server on every write"),
    ("$..create_date", "set by the server on create"),
    ("$..write_uid", "who wrote last: the replaying user"),
    ("$..create_uid", "who created: the replaying user"),
    ("$..__last_update", "Odoo 14–16's concurrency stamp"),
    ("$.result.cache_hashes", "session info: asset cache keys"),
    (
        "$.result.registry_hash",
        "session info (19): registry cache key",
    ),
    (
        "$.result.server_version",
        "session info: the server's build",
    ),
    (
        "$.result.server_version_info",
        "session info: the server's build",
    ),
    (
        "$.result.partner_write_date",
        "session info (18+): a timestamp",
    ),
    (
        "$.result.user_settings",
        "session info (17+): ids and timestamps",
    ),
    (
        "$.error.data.debug",
        "error tracebacks: paths and line numbers of the server's code",
    ),
    (
        "$.error.data.arguments",
        "error arguments repeat the message",
    ),
    ("$.error.data.context", "error context"),
    // Seen moving between a capture and a replay seconds later on the same server:
    (
        "$..im_status",
        "presence: \"online\" while the user's browser tab is open (odoo16-crud, init_messaging)",
    ),
    (
        "$..initBusId",
        "the bus's position when the client started (odoo16-crud, odoo17-partners)",
    ),
    (
        "$..message_unread_counter_bus_id",
        "a bus counter of a Discuss channel (odoo17-partners)",
    ),
    (
        "$..message_needaction_counter_bus_id",
        "a bus counter of a Discuss channel (odoo19-crud)",
    ),
    (
        "$..activity_counter_bus_id",
        "the activity systray's bus counter (odoo19-crud)",
    ),
    (
        "$..device_ids",
        "res.device rows: every login adds one, the replay's too (odoo18/19 preferences)",
    ),
    (
        "$..is_current",
        "whether a device is the request's own session: only a web session can say (18+)",
    ),
    ("json2:$.debug", "JSON-2 error tracebacks"),
    (
        "json2:$.arguments",
        "JSON-2 error arguments repeat the message",
    ),
];

/// A rule: a path, and the steps it applies to.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Matched against a step's `model/method`, its name and its kind; `None`: every step.
    pub scope: Option<Pattern>,
    pub path: Path,
    /// The rule as written.
    pub text: String,
}

impl Rule {
    /// `$.result[*].write_date`, or scoped: `res.partner/read:$.result[*].display_name`.
    pub fn parse(text: &str) -> Result<Rule, String> {
        let (scope, path) = match text.find(":$") {
            Some(at) if at > 0 => (Some(&text[..at]), &text[at + 1..]),
            _ => (None, text),
        };
        let scope = scope
            .map(|s| {
                Pattern::new(s).map_err(|e| format!("`{text}`: the scope `{s}` is not a glob: {e}"))
            })
            .transpose()?;
        Ok(Rule {
            scope,
            path: Path::parse(path)?,
            text: text.to_string(),
        })
    }

    /// True when the rule applies to a step.
    pub fn applies(&self, model_method: Option<&str>, name: &str, kind: &str) -> bool {
        match &self.scope {
            None => true,
            Some(scope) => {
                model_method.is_some_and(|m| scope.matches(m))
                    || scope.matches(name)
                    || scope.matches(kind)
            }
        }
    }
}

/// All the rules of a run.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub ignore: Vec<Rule>,
    pub unordered: Vec<Rule>,
}

impl Rules {
    /// The default ignores (unless `defaults` is false), then the given ones.
    pub fn new(defaults: bool, ignore: &[String], unordered: &[String]) -> Result<Rules, String> {
        let mut rules = Rules::default();
        if defaults {
            for (text, _) in DEFAULT_IGNORES {
                rules.ignore.push(Rule::parse(text)?);
            }
        }
        for text in ignore {
            rules.ignore.push(Rule::parse(text)?);
        }
        for text in unordered {
            rules.unordered.push(Rule::parse(text)?);
        }
        Ok(rules)
    }

    /// The comparison for one step, with its own extra ignores (the manifest's, learned noise).
    pub fn for_step<'a>(
        &'a self,
        model_method: Option<&str>,
        name: &str,
        kind: &str,
        extra: &'a [Path],
    ) -> super::Comparison<'a> {
        let pick = |rules: &'a [Rule]| {
            rules
                .iter()
                .filter(|r| r.applies(model_method, name, kind))
                .map(|r| &r.path)
                .collect::<Vec<_>>()
        };
        let mut ignore = pick(&self.ignore);
        ignore.extend(extra.iter());
        super::Comparison {
            ignore,
            unordered: pick(&self.unordered),
            ids: Default::default(),
            relative: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_rules_apply_to_their_steps_only() {
        let rule = Rule::parse("res.partner/read:$.result[*].display_name").unwrap();
        assert!(rule.applies(Some("res.partner/read"), "003-res.partner.read", "call_kw"));
        assert!(!rule.applies(Some("res.users/read"), "001-res.users.read", "call_kw"));
        assert_eq!(rule.path.to_string(), "$.result[*].display_name");
        let json2 = Rule::parse("json2:$.debug").unwrap();
        assert!(json2.applies(Some("res.partner/read"), "004-x", "json2"));
        assert!(Rule::parse("$.result[x]").is_err());
    }

    #[test]
    fn every_default_parses() {
        let rules = Rules::new(true, &[], &[]).unwrap();
        assert_eq!(rules.ignore.len(), DEFAULT_IGNORES.len());
    }
}
