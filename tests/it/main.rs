//! The integration tests, one binary: as ten, each compiled the fake Odoo and linked the
//! crate on its own. The modules are the former test files; `common` (running the binary,
//! temporary folders) and `fake_odoo` (the Odoo-compatible server, which the replay bench
//! includes too) are shared from `tests/support/`.

#[path = "../support/common.rs"]
mod common;
#[path = "../support/fake_odoo.rs"]
mod fake_odoo;
#[path = "../support/recorder.rs"]
mod recorder;

mod bad_inputs;
mod export;
mod fake_odoo_smoke;
mod inspect_whoami;
mod layers;
mod mock;
mod portable;
mod regression;
mod relative;
mod replay;
mod secrets;
mod shell;
mod signatures;
mod streaming;
mod suite;
mod transport;
