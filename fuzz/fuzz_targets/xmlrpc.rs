//! XML-RPC bodies (`/xmlrpc/2/*` requests and answers).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = odoo_har::odoo::xmlrpc::parse(text);
});
