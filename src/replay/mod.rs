//! Sending a suite's calls again, to any Odoo: [`auth`] decides how to log in and what to
//! send per mode, [`client`] sends, [`runner`] orders, runs and retries, [`judge`] compares
//! each answer with what was expected.

pub mod auth;
pub mod client;
pub mod judge;
pub mod runner;
