//! The errors this crate returns.
