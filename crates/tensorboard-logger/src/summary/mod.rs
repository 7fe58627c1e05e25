//! Summary values: what each kind of data becomes inside an event.

pub mod histogram;
pub mod image;
