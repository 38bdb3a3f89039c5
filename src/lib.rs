//! odoo-har: turn what a browser saw of an Odoo web client into calls a program can make again.
//!
//! The modules are layers that only point down (the README's "Architecture" draws them, and
//! `tests/it/layers.rs` checks them): [`capture`] reads HAR files and DevTools snippets into
//! neutral exchanges, [`odoo`] recognises Odoo's RPC calls in them and discovers who the user
//! was, [`template`] turns them into suites and reads suites back, [`replay`] sends a suite
//! again and judges the answers (comparing them with [`diff`]), [`report`] presents the
//! results, and [`commands`] wires each subcommand; [`export`] and [`mock`] use suites beside
//! [`replay`]. [`error`], [`path`], [`text`] and [`secret`] are the floor under all of them.

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
