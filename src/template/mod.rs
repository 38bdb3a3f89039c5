//! Turning recognised calls into a suite of handlebars templates a person can read, edit,
//! commit and replay: [`extract`] builds it, [`correlate`] links values between steps (what
//! [`demand`] says later requests name),
//! [`suite`] reads and writes the folder, [`render`] fills the templates with [`values`],
//! [`compiled`] renders the simple ones without handlebars, [`redact`] keeps secrets out of
//! everything written, [`signatures`] keeps what a server said of its methods beside a suite,
//! [`portable`] turns its web-client steps into public ORM calls.

pub mod compiled;
pub mod correlate;
pub mod demand;
pub mod extract;
pub mod load;
pub mod portable;
pub mod redact;
pub mod render;
pub mod signatures;
pub mod suite;
mod toml_fast;
pub mod values;
