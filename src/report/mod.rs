//! Presenting results: terminal tables, JUnit XML and JSON reports.

pub mod json;
pub mod junit;
pub mod table;
pub mod verbose;
