//! Presenting results: terminal tables, JUnit XML, JSON and HTML reports.

pub mod html;
pub mod json;
pub mod junit;
pub mod table;
pub mod verbose;
