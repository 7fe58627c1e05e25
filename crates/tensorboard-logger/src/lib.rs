//! Write TensorBoard event files from Rust, off the training thread.
#![warn(missing_docs)]

pub mod crc;
pub mod error;
pub mod event_file;
pub mod proto;
pub mod reader;
pub mod record;
pub mod summary;
pub mod writer;
