//! Any bytes as a capture: HAR, cURL, fetch or payload, sniffed as the CLI sniffs them, and
//! every exchange classified.
#![no_main]

use libfuzzer_sys::fuzz_target;
use odoo_har::capture::{self, LoadOptions};

fuzz_target!(|data: &[u8]| {
    if let Ok(capture) = capture::parse("fuzz", data.to_vec(), &LoadOptions::default()) {
        for exchange in &capture.exchanges {
            let _ = odoo_har::odoo::classify(exchange);
        }
    }
});
