//! Sending a suite's calls again, to any Odoo: [`auth`] decides how to log in and what to
//! send per mode, [`client`] sends, [`runner`] orders, runs and retries.

pub mod auth;
pub mod client;
pub mod relative;
pub mod runner;
