//! Web-client plumbing: the calls the web client makes for its own screen rather than for
//! the user's data.
//!
//! A replay of them checks nothing a user or an integration relies on, and they are what made
//! replays of real sessions red on an unchanged server: presence and bus counters move with
//! every login, the chatter shows the messages and followers a write created as side effects,
//! partner autocompletion asks Odoo's IAP service outside the database, and web-only routes
//! cannot be sent over the external API at all. `inspect` still lists them (marked), and
//! `extract` leaves them out unless `--with-ui`.
//!
//! Every entry was seen in a real capture of Odoo 16–19 (`../shared/captures/`, named beside
//! it) and is tested against it; nothing here is a guess.

use super::call::{Kind, OdooCall};

/// Routes (JSON-RPC controllers) that only feed the web client's own screen.
const ROUTES: &[(&str, &str)] = &[
    // odoo16-crud, odoo17-partners, odoo17-sale
    (
        "/mail/init_messaging",
        "Discuss start-up: channels, presence and bus counters",
    ),
    // odoo19-crud (18+'s init_messaging, also the chatter's store)
    (
        "/mail/data",
        "Discuss and chatter store: channels, presence, bus counters, followers",
    ),
    // odoo16-crud, odoo17-partners
    (
        "/mail/load_message_failures",
        "the systray's failed-mail counter",
    ),
    // odoo16-crud, odoo17-partners
    ("/mail/inbox/messages", "the Discuss inbox"),
    // odoo16-crud, odoo17-partners, odoo17-sale, odoo19-crud
    (
        "/mail/thread/messages",
        "the chatter pane: messages the server wrote as side effects of a write",
    ),
    // odoo16-crud, odoo17-partners, odoo17-sale
    (
        "/mail/thread/data",
        "the chatter pane: followers, attachments, activities",
    ),
    // odoo19-preferences (lab): Discuss loading and acknowledging a channel's messages
    (
        "/discuss/channel/messages",
        "the Discuss panel: a channel's messages",
    ),
    (
        "/discuss/channel/mark_as_read",
        "the Discuss panel: marking a channel read",
    ),
    // odoo17-sale
    (
        "/sale_product_configurator/get_values",
        "the product configurator dialog",
    ),
];

/// Route prefixes of whole controllers that only feed the screen.
const ROUTE_PREFIXES: &[(&str, &str)] = &[
    // odoo17-sale: /onboarding/sale_quotation
    ("/onboarding/", "an onboarding banner"),
];

/// Model methods (on any model) that describe or decorate the screen.
const METHODS: &[(&str, &str)] = &[
    // every web capture
    ("get_views", "view definitions: how the screen is laid out"),
    // odoo17-preferences, odoo18-preferences (the Apps screen's side panel)
    ("search_panel_select_range", "the search panel's side bar"),
    // odoo16-crud, odoo17-sale: partner_autocomplete
    (
        "autocomplete",
        "company suggestions from Odoo's IAP service, outside the database",
    ),
    // odoo19-crud: partner_autocomplete
    (
        "autocomplete_by_name",
        "company suggestions from Odoo's IAP service, outside the database",
    ),
    // odoo19-preferences (lab): the Discuss panel acknowledging a channel
    (
        "channel_fetched",
        "the Discuss panel: acknowledging a channel's new messages",
    ),
];

/// Calls of one model's method that only feed the screen.
const MODEL_METHODS: &[(&str, &str, &str)] = &[
    // odoo16-crud, odoo17-partners, odoo17-sale
    (
        "res.users",
        "systray_get_activities",
        "the activity systray counter",
    ),
    // every preferences capture: the user menu opens its dialog through this action
    (
        "res.users",
        "action_get",
        "the Preferences dialog's window action",
    ),
    // odoo17-partners, odoo17-sale: which buttons and menus to show
    ("res.users", "has_group", "which buttons the screen shows"),
    // odoo16-preferences, odoo17-sale
    ("ir.ui.view", "render_public_asset", "a rendered asset"),
    // every lab capture of 16–19 with partner_autocomplete (the first screen of the session)
    (
        "res.company",
        "iap_enrich_auto",
        "partner_autocomplete enriching the company through Odoo's IAP service",
    ),
];

/// Why a call is web-client plumbing, or `None` when it is about the user's data.
pub fn plumbing(call: &OdooCall) -> Option<&'static str> {
    match call.kind {
        // odoo16–19 every web capture: a screen's definition, not data.
        Kind::ActionLoad => return Some("a screen's window action"),
        Kind::OtherRpc => {
            let route = call.route.as_str();
            if let Some((_, why)) = ROUTES.iter().find(|(r, _)| *r == route) {
                return Some(why);
            }
            return ROUTE_PREFIXES
                .iter()
                .find(|(prefix, _)| route.starts_with(prefix))
                .map(|(_, why)| *why);
        }
        _ => {}
    }
    // Only the web client's own calls: a script that asks for these through the external API
    // or JSON-2 asked on purpose.
    if !matches!(call.kind, Kind::CallKw | Kind::CallButton) {
        return None;
    }
    let (model, method) = (call.model.as_deref()?, call.method.as_deref()?);
    METHODS
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, why)| *why)
        .or_else(|| {
            MODEL_METHODS
                .iter()
                .find(|(m, f, _)| *m == model && *f == method)
                .map(|(_, _, why)| *why)
        })
}

/// Fields Odoo computes from the web session a request came in, which the external API and
/// JSON-2 cannot compute: asked for (or sorted by) outside a web session, Odoo answers
/// `ValueError: Cannot convert res.device.is_current to SQL because it is not stored`
/// (odoo18 and odoo19 preferences: the device list of the Preferences dialog).
const SESSION_ONLY: &[&str] = &["is_current"];

/// Takes the fields only a web session can compute out of a request (from specifications,
/// field lists and `order` clauses), for a call sent outside one; true when anything was
/// taken. What the answer then lacks is volatile anyway (see the default ignores).
pub fn strip_session_only(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    let mut stripped = false;
    match value {
        Value::Object(map) => {
            for field in SESSION_ONLY {
                if map.get(*field).is_some_and(Value::is_object) {
                    map.remove(*field);
                    stripped = true;
                }
            }
            if let Some(Value::String(order)) = map.get_mut("order") {
                let kept: Vec<&str> = order
                    .split(',')
                    .filter(|clause| {
                        let name = clause.split_whitespace().next().unwrap_or_default();
                        !SESSION_ONLY.contains(&name)
                    })
                    .collect();
                let kept = kept.join(",").trim().to_string();
                if kept != *order {
                    *order = kept;
                    stripped = true;
                }
            }
            for item in map.values_mut() {
                stripped |= strip_session_only(item);
            }
        }
        Value::Array(items) => {
            let before = items.len();
            items.retain(|item| !item.as_str().is_some_and(|f| SESSION_ONLY.contains(&f)));
            stripped |= items.len() != before;
            for item in items.iter_mut() {
                stripped |= strip_session_only(item);
            }
        }
        _ => {}
    }
    stripped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::test_exchange;
    use crate::odoo::classify;

    fn call_kw(model: &str, method: &str) -> OdooCall {
        let body = serde_json::json!({"jsonrpc": "2.0", "method": "call", "params": {"model": model, "method": method, "args": [], "kwargs": {}}});
        classify(&test_exchange(
            0,
            "POST",
            &format!("http://h/web/dataset/call_kw/{model}/{method}"),
            &body.to_string(),
            Some((200, r#"{"jsonrpc":"2.0","id":0,"result":true}"#)),
        ))
    }

    fn route(path: &str) -> OdooCall {
        classify(&test_exchange(
            0,
            "POST",
            &format!("http://h{path}"),
            r#"{"jsonrpc":"2.0","method":"call","params":{}}"#,
            Some((200, r#"{"jsonrpc":"2.0","id":0,"result":{}}"#)),
        ))
    }

    #[test]
    fn session_only_fields_leave_specifications_lists_and_orders() {
        let mut spec = serde_json::json!({"specification": {"name": {}, "device_ids": {"fields": {"id": {}, "is_current": {}}, "order": "is_current DESC, last_activity DESC"}},
            "fields": ["name", "is_current"]});
        assert!(strip_session_only(&mut spec));
        assert_eq!(
            spec,
            serde_json::json!({"specification": {"name": {}, "device_ids": {"fields": {"id": {}}, "order": "last_activity DESC"}}, "fields": ["name"]})
        );
        let mut plain = serde_json::json!({"args": [[2], ["name"]]});
        assert!(!strip_session_only(&mut plain));
    }

    #[test]
    fn screen_calls_are_plumbing_data_calls_are_not() {
        assert!(plumbing(&call_kw("res.partner", "get_views")).is_some());
        assert!(plumbing(&call_kw("res.users", "systray_get_activities")).is_some());
        assert!(plumbing(&route("/mail/thread/messages")).is_some());
        assert!(plumbing(&route("/onboarding/sale_quotation")).is_some());
        assert!(plumbing(&route("/web/action/load")).is_some());
        for (model, method) in [
            ("res.users", "read"),
            ("res.partner", "web_search_read"),
            ("res.partner", "onchange"),
            ("res.partner", "name_search"),
            ("sale.order", "web_save"),
            ("res.partner", "has_group"),
        ] {
            assert_eq!(plumbing(&call_kw(model, method)), None, "{model}.{method}");
        }
        assert_eq!(plumbing(&route("/mail/message/post")), None);
    }
}
