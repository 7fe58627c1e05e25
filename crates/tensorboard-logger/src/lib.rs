//! Write TensorBoard event files from Rust, off the training thread.
//!
//! ```
//! use tensorboard_logger::SummaryWriter;
//!
//! let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::new(dir.path().join("mnist/relu"))?;
//! for step in 0..10 {
//!     writer.add_scalar("loss", 1.0 / (step + 1) as f32, step)?;
//! }
//! writer.close()?;
//! // Then: tensorboard --logdir <dir>
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The layers, each usable on its own:
//! - [`crc`]: masked CRC32C;
//! - [`record`]: TFRecord framing over any `Write`/`Read`;
//! - [`event_file`]: event file naming, creation and the `file_version` header;
//! - [`summary`]: the summary values of each kind of data;
//! - [`writer`]: [`SummaryWriter`], writing from a background thread;
//! - [`reader`]: reading event files, runs and log directories back as typed values.
//!
//! With the `tch` feature, histograms, scalars, images, videos and meshes are also made
//! from `tch::Tensor`s (images in any of torch's `dataformats`, `DataFormat`), and
//! `SummaryWriter::add_var_store` logs every variable of a model, its gradient and the
//! gradient's norm in one call.
//!
//! # Behaviour worth knowing
//! - **Tags** follow the policy in [`tag`] (ASCII letters, digits, `_ - . /`); others are
//!   rejected with an error that suggests a valid tag, never silently rewritten.
//! - **`add_scalars`** writes `<main>/<key>` tags into the same run and keeps a Custom
//!   Scalars layout with one chart per main tag ([`summary::custom_scalars`]).
//! - **NaN and ±∞ scalars** are written as given; TensorBoard plots them.
//! - **Non-finite histogram values** are left out of the histogram and counted in the
//!   scalar `<tag>/non_finite`, from the first step that has any.
//! - **hparams** go into the run itself with their types, and `close` records the end
//!   status ([`summary::hparams`]): `close` a success, `close_with_status` any
//!   [`SessionStatus`], a writer dropped without `close` a failure during a panic and an
//!   unknown end otherwise.
//! - **Delivery**: calls queue to a writer thread (bounded; a full queue makes the caller
//!   wait), which flushes at least every 2 s by default. `flush` waits until everything
//!   given is in the file; `close` and `Drop` flush too. A write error (full disk, run
//!   directory removed) is returned by the next call, `flush` or `close`; one that only
//!   `Drop` meets goes to the `log` crate as a warning. The library prints nothing.
#![warn(missing_docs)]

pub mod crc;
pub mod error;
pub mod event_file;
pub mod proto;
pub mod reader;
pub mod record;
pub mod summary;
pub mod tag;
pub mod writer;

pub use error::Error;
pub use summary::histogram::{HistogramData, HistogramInput};
pub use summary::hparams::{HParamValue, SessionStatus};
#[cfg(feature = "tch")]
pub use summary::image::DataFormat;
pub use summary::image::{Image, Layout};
pub use summary::scalar::ScalarValue;
pub use writer::{SummaryWriter, SummaryWriterBuilder, WithWallTime};
