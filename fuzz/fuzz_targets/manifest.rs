//! Hand-edited suite manifests (`odoo-har.toml`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use odoo_har::template::suite::Manifest;

fuzz_target!(|text: &str| {
    if let Ok(manifest) = toml::from_str::<Manifest>(text) {
        let _ = odoo_har::template::suite::manifest_text(&manifest);
    }
});
