//! Serving Odoo-shaped answers: the HTTP plumbing shared by the mock server and the tests'
//! Odoo-compatible server.

pub mod http;
