//! Serving Odoo-shaped answers: the mock Odoo ([`server`]) and the HTTP plumbing it and the
//! tests' Odoo-compatible server share ([`http`]).

pub mod http;
pub mod server;
