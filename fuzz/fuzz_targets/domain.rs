//! Search domains in Python or JSON syntax: parsed, checked, normalised and explained.
#![no_main]

use libfuzzer_sys::fuzz_target;
use odoo_har::odoo::domain;

fuzz_target!(|text: &str| {
    if let Ok(value) = domain::parse(text) {
        let _ = domain::validate(&value, 19);
        let _ = domain::validate(&value, 16);
        let _ = domain::explain(&domain::normalize(&value));
    }
});
