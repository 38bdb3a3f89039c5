//! odoo-har: turn what a browser saw of an Odoo web client into calls a program can make again.
//!
//! The modules follow the pipeline: [`capture`] reads HAR files and DevTools snippets into
//! neutral exchanges, [`odoo`] recognises Odoo's RPC calls in them and discovers who the user
//! was, and the command modules print what was found.

pub mod capture;
pub mod cli;
pub mod commands;
pub mod diff;
pub mod error;
pub mod export;
pub mod mock;
pub mod odoo;
pub mod path;
pub mod replay;
pub mod report;
pub mod secret;
pub mod template;
pub mod text;
