//! Presenting results: terminal tables and colour, JUnit XML and JSON reports.

pub mod color;
pub mod json;
pub mod junit;
pub mod table;
pub mod terminal;
pub mod verbose;
