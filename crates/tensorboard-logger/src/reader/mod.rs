//! Reading event files back: raw events, with CRC checks and clean stops at a truncated tail.

pub mod file;

pub use file::{EventFileReader, event_files, read_run_dir};
