//! Text after `curl ` or `fetch(`: the shell-quoting and JavaScript-literal readers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use odoo_har::capture::{self, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let prefix: &[u8] = if first % 2 == 0 { b"curl " } else { b"fetch(" };
    let text = [prefix, rest].concat();
    let _ = capture::parse("fuzz", text, &LoadOptions::default());
});
