//! x
pub mod report;
