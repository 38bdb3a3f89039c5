//! Presenting results: terminal tables and colour, JUnit XML, JSON and HTML reports.

pub mod color;
pub mod html;
pub mod json;
pub mod junit;
pub mod table;
pub mod terminal;
pub mod verbose;
