//! Hand-edited suite manifests (`odoo-har.toml`): read and checked as `Suite::read` does
//! before it opens any file, then written back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use odoo_har::template::suite::{Manifest, manifest_text};

fuzz_target!(|text: &str| {
    if let Ok(manifest) = Manifest::parse(text, "fuzz/odoo-har.toml") {
        let _ = manifest_text(&manifest);
    }
});
