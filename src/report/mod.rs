//! Presenting results: terminal tables now; JUnit and JSON reports join them with replay.

pub mod table;
