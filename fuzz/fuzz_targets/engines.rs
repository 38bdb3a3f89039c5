//! The two template engines agree: wherever the compiled form of a template renders, it gives
//! the bytes handlebars gives. The input is a template, a NUL byte, the shared variables as a
//! JSON object, a NUL byte, and a step's own values over them.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use odoo_har::template::compiled::Compiled;
use odoo_har::template::render::Renderer;
use odoo_har::template::values::Values;
use serde_json::{Map, Value};

thread_local! {
    // Built once, as in the `render` target: re-adding `fuzz.hbs` replaces the last input's.
    static RENDERER: RefCell<Option<Renderer>> = RefCell::new(Renderer::new(None).ok());
}

fn object(text: &str) -> Map<String, Value> {
    serde_json::from_str(text).unwrap_or_default()
}

fuzz_target!(|text: &str| {
    let mut parts = text.splitn(3, '\0');
    let template = parts.next().unwrap_or_default();
    let base = object(parts.next().unwrap_or("{}"));
    let overlay = object(parts.next().unwrap_or("{}"));
    // Only templates handlebars accepts are ever compiled: the renderer refuses the others.
    let Some(compiled) = Compiled::compile(template) else {
        return;
    };
    RENDERER.with_borrow_mut(|renderer| {
        let Some(renderer) = renderer else {
            return;
        };
        if renderer.add_file("fuzz.hbs", template).is_err() {
            return;
        }
        for values in [Values::new(&base), Values::with(&base, &overlay)] {
            if let Some(fast) = compiled.render(&values) {
                let reference = renderer.render_with_handlebars("fuzz.hbs", &values);
                assert_eq!(
                    Some(&fast),
                    reference.as_ref(),
                    "template {template:?}, values {:?}",
                    values.merged()
                );
            }
        }
    });
});
