//! What Odoo methods do, as far as the tool needs to know: which only read (and may run
//! concurrently, be repeated, be served again), and which mint new record ids.

/// ORM and web-client methods that do not change data. Anything not listed is treated as a
/// write: unknown methods (buttons, module methods) keep their order and are never repeated.
const READ_ONLY: &[&str] = &[
    "read",
    "search",
    "search_read",
    "search_count",
    "search_fetch",
    "name_search",
    "name_get",
    "fields_get",
    "default_get",
    "read_group",
    "formatted_read_group",
    "web_read",
    "web_search_read",
    "web_read_group",
    "web_name_search",
    "get_views",
    "load_views",
    "get_formview_action",
    "get_formview_id",
    "check_access_rights",
    "check_access",
    "has_access",
    "has_group",
    "context_get",
    "onchange",
    "search_panel_select_range",
    "search_panel_select_multi_range",
    "systray_get_activities",
    "action_get",
    "read_progress_bar",
    "version",
    "list",
    "db_exist",
    "list_lang",
    "server_version",
    "about",
];

/// Methods whose result is new record ids (`create`, `copy`: an id or ids; `name_create`:
/// `[id, name]`).
const MINTING: &[&str] = &["create", "copy", "name_create"];

/// What `/web/dataset/call_button` hands the web client for a method's `result`: an action
/// dict as `clean_action` leaves it (a `type`, `flags`), anything else as `false` (16–19
/// `addons/web/controllers/dataset.py`, `call_button`). The external API returns the method's
/// raw result, so a button replayed through it is judged after the same cleaning.
pub fn call_button_result(result: serde_json::Value) -> serde_json::Value {
    match result {
        serde_json::Value::Object(mut action) => {
            action
                .entry("type")
                .or_insert_with(|| "ir.actions.act_window_close".into());
            action
                .entry("flags")
                .or_insert_with(|| serde_json::json!({}));
            serde_json::Value::Object(action)
        }
        _ => serde_json::Value::Bool(false),
    }
}

/// True when the method only reads.
pub fn is_read_only(method: &str) -> bool {
    READ_ONLY.contains(&method)
}

/// True when the method's result is ids of records it created.
pub fn mints_ids(method: &str) -> bool {
    MINTING.contains(&method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_are_writes() {
        assert!(is_read_only("web_search_read"));
        assert!(!is_read_only("write"));
        assert!(!is_read_only("action_confirm"));
        assert!(mints_ids("create") && mints_ids("name_create") && !mints_ids("write"));
    }

    #[test]
    fn a_button_answers_the_web_client_an_action_or_false() {
        use serde_json::json;
        assert_eq!(call_button_result(json!(true)), json!(false));
        assert_eq!(call_button_result(json!(null)), json!(false));
        assert_eq!(
            call_button_result(json!({"type": "ir.actions.act_window", "res_model": "x"})),
            json!({"type": "ir.actions.act_window", "res_model": "x", "flags": {}})
        );
    }
}
