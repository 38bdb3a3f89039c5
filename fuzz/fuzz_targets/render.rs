//! Templates rendered with hostile variables: the input is a template, a NUL byte, and the
//! variables as a JSON object.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use odoo_har::template::render::Renderer;
use odoo_har::template::values::Values;
use serde_json::{Map, Value};

thread_local! {
    // Built once: registering the built-in envelopes on every input made this target 400×
    // slower than the others. Re-adding `fuzz.hbs` replaces the previous input's template.
    static RENDERER: RefCell<Option<Renderer>> = RefCell::new(Renderer::new(None).ok());
}

fuzz_target!(|text: &str| {
    let (template, variables) = text.split_once('\0').unwrap_or((text, "{}"));
    let variables: Map<String, Value> = serde_json::from_str(variables).unwrap_or_default();
    RENDERER.with_borrow_mut(|renderer| {
        let Some(renderer) = renderer else {
            return;
        };
        if renderer.add_file("fuzz.hbs", template).is_ok() {
            let _ =
                renderer.render_text("fuzz.hbs", &Values::new(&variables), || "fuzz.hbs".into());
        }
    });
});
