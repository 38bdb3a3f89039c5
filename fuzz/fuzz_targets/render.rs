//! Templates rendered with hostile variables: the input is a template, a NUL byte, and the
//! variables as a JSON object.
#![no_main]

use libfuzzer_sys::fuzz_target;
use odoo_har::template::render::{Renderer, Values};
use serde_json::{Map, Value};

fuzz_target!(|text: &str| {
    let (template, variables) = text.split_once('\0').unwrap_or((text, "{}"));
    let Ok(mut renderer) = Renderer::new(None) else {
        return;
    };
    if renderer.add_file("fuzz.hbs", template).is_err() {
        return;
    }
    let variables: Map<String, Value> = serde_json::from_str(variables).unwrap_or_default();
    let _ = renderer.render_text("fuzz.hbs", &Values::new(&variables), || "fuzz.hbs".into());
});
