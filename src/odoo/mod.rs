//! Odoo knowledge, and nothing about files or HTTP clients: recognising RPC calls in
//! exchanges ([`call`]), reading Odoo's answers ([`rpc`], [`xmlrpc`]) and discovering who the
//! user was ([`session`]).

pub mod call;
pub mod convert;
pub mod domain;
pub mod ids;
pub mod methods;
pub mod plumbing;
pub mod portable;
pub mod relations;
pub mod rpc;
pub mod session;
pub mod signatures;
pub mod xmlrpc;

pub use call::{Kind, OdooCall, classify};
