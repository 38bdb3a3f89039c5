//! Serving Odoo-shaped answers: the mock Odoo ([`server`]) on its HTTP server ([`http`], on
//! hyper), speaking JSON-RPC, JSON-2 and XML-RPC ([`xmlrpc`]), describing its recorded methods
//! as Odoo 19's `/doc-bearer` does ([`describe`]).

pub mod describe;
pub mod http;
pub mod server;
pub mod xmlrpc;
