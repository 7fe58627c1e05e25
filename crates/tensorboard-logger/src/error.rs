//! The errors this crate returns.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::record::RecordError;
use crate::summary::histogram::HistogramError;
use crate::summary::image::ImageError;
use crate::tag::TagError;

/// Everything that can go wrong writing or reading event files.
///
/// Messages name the path, tag or value concerned and, where there is one, the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The log directory could not be created.
    #[error("cannot create log directory {}: {source}; choose a writable directory", path.display())]
    CreateLogDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A new event file could not be created in the log directory.
    #[error("cannot create event file {}: {source}; check that the log directory is writable", path.display())]
    CreateEventFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The background writer thread could not be started.
    #[error("cannot start the writer thread for {}: {source}", path.display())]
    SpawnWriter {
        /// The event file it would have written.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A tag does not follow the [tag policy](crate::tag).
    #[error(
        "invalid tag {tag:?}: {reason}; use a tag like {suggestion:?} (tensorboard_logger::tag::sanitize)"
    )]
    InvalidTag {
        /// The tag as given.
        tag: String,
        /// What is wrong with it.
        reason: TagError,
        /// A sanitized tag that would be accepted.
        suggestion: String,
    },
    /// [`SummaryWriterBuilder::queue_capacity`](crate::SummaryWriterBuilder::queue_capacity)
    /// was set to 0.
    #[error("the writer's queue capacity must be at least 1")]
    ZeroQueueCapacity,
    /// `add_scalars` was given no values.
    #[error("add_scalars({main_tag:?}) was given no (key, value) pairs")]
    NoScalars {
        /// The main tag.
        main_tag: String,
    },
    /// Histogram data could not be made from the values given, or hand-made data is
    /// inconsistent.
    #[error("histogram {tag:?}: {source}")]
    InvalidHistogram {
        /// The tag.
        tag: String,
        /// What is wrong.
        #[source]
        source: HistogramError,
    },
    /// Images given to `add_images` cannot form a grid.
    #[error("image {tag:?}: {source}")]
    InvalidImage {
        /// The tag.
        tag: String,
        /// What is wrong.
        #[source]
        source: ImageError,
    },
    /// The writer thread could not encode an image as PNG; that image was not written.
    #[error("image {tag:?} at step {step} was not written: {source}")]
    EncodeImage {
        /// The tag.
        tag: String,
        /// The step.
        step: i64,
        /// The encoder's error.
        #[source]
        source: Arc<ImageError>,
    },
    /// Histogram data could not be made (from [`HistogramInput`](crate::HistogramInput)
    /// or [`HistogramData`](crate::HistogramData) used directly).
    #[error(transparent)]
    Histogram(#[from] HistogramError),
    /// An image could not be made (from an [`Image`](crate::Image) constructor).
    #[error(transparent)]
    Image(#[from] ImageError),
    /// An hparam name appears twice in one `add_hparams` call.
    #[error("hparam {name:?} is given twice")]
    DuplicateHParam {
        /// The name.
        name: String,
    },
    /// An hparam name is empty.
    #[error("an hparam name must not be empty")]
    EmptyHParamName,
    /// A numeric hparam is NaN or infinite, which TensorBoard's HParams dashboard cannot
    /// compare.
    #[error("hparam {name:?} is {value}; numeric hparams must be finite")]
    NonFiniteHParam {
        /// The name.
        name: String,
        /// The value.
        value: f64,
    },
    /// Writing the event file failed on the writer thread. The writer stops: this and
    /// every later call report the failure, and events given after it are not written.
    #[error(
        "writing event file {} failed: {source}; events given after this point were not written",
        path.display()
    )]
    Write {
        /// The event file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: Arc<io::Error>,
    },
    /// The event file was deleted or replaced (for example its directory was removed)
    /// while the writer was running, so TensorBoard can no longer see what is written.
    /// The writer stops, as for [`Error::Write`].
    #[error(
        "event file {} was removed while the writer was running; events given after this point were not written",
        path.display()
    )]
    EventFileRemoved {
        /// The event file.
        path: PathBuf,
    },
    /// The writer thread ended without reporting why (it panicked).
    #[error("the writer thread of {} stopped unexpectedly; events may be missing", path.display())]
    WriterThreadDied {
        /// The event file.
        path: PathBuf,
    },
    /// An event file could not be opened for reading.
    #[error("cannot open event file {}: {source}", path.display())]
    OpenEventFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A run directory could not be listed.
    #[error("cannot list run directory {}: {source}", path.display())]
    ReadRunDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A record of an event file is corrupt or could not be read.
    #[error("event file {}: {source}", path.display())]
    Record {
        /// The file.
        path: PathBuf,
        /// What is wrong with the record.
        #[source]
        source: RecordError,
    },
    /// A record holds bytes that are not an `Event` message.
    #[error("event file {}: record at byte {offset} is not an Event: {source}", path.display())]
    DecodeEvent {
        /// The file.
        path: PathBuf,
        /// Offset of the record.
        offset: u64,
        /// The decoder's message.
        #[source]
        source: prost::DecodeError,
    },
}
