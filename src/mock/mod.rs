//! Serving Odoo-shaped answers: the mock Odoo ([`server`]) on its HTTP server ([`http`], on
//! hyper).

pub mod http;
pub mod server;
