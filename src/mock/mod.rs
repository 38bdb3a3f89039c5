//! Serving Odoo-shaped answers: the mock Odoo ([`server`]) on its HTTP server ([`http`], on
//! hyper), speaking JSON-RPC, JSON-2 and XML-RPC ([`xmlrpc`]).

pub mod http;
pub mod server;
pub mod xmlrpc;
