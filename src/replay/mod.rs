//! Sending a suite's calls again, to any Odoo, as a [`Plan`] says: [`run()`] replays a suite
//! (A/B runs, `--update`, `--save-har`), [`auth`] decides how to log in and what to send per
//! mode, [`client`] sends, [`runner`] orders, runs and retries, [`judge`] compares each answer
//! with what was expected.

pub mod auth;
pub mod client;
pub mod connect;
pub mod judge;
pub mod plan;
pub mod relations;
pub mod relative;
pub mod run;
pub mod runner;
pub mod signatures;
pub mod upgrade;

pub use plan::Plan;
pub use run::{DryRun, Observer, Replayed, dry_run, run, update_baselines};
