//! The errors this crate returns.
//!
//! One policy throughout: each message names what failed, where, the cause and, where
//! there is one, the fix. The cause is part of the message, so no error also returns it
//! from [`source`](std::error::Error::source), which would print it twice in a chain.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::record::RecordError;
use crate::summary::audio::AudioError;
use crate::summary::embedding::EmbeddingError;
use crate::summary::histogram::HistogramError;
use crate::summary::hparams::HParamError;
use crate::summary::image::ImageError;
use crate::summary::mesh::MeshError;
use crate::summary::pr_curve::PrCurveError;
use crate::summary::scalar::ScalarError;
use crate::summary::video::VideoError;
use crate::tag::TagError;

/// Everything that can go wrong writing or reading event files.
///
/// Messages name the path, tag or value concerned and, where there is one, the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The log directory could not be created.
    #[error("cannot create log directory {}: {cause}; choose a writable directory", path.display())]
    CreateLogDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// A new event file could not be created in the log directory.
    #[error("cannot create event file {}: {cause}; check that the log directory is writable", path.display())]
    CreateEventFile {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// [`SummaryWriterBuilder::filename_suffix`](crate::SummaryWriterBuilder::filename_suffix)
    /// holds a character that would take the file out of its directory.
    #[error(
        "filename suffix {suffix:?} contains {bad:?}; a suffix is part of the event file's \
         name and may not hold '/', '\\\\' or NUL"
    )]
    InvalidFilenameSuffix {
        /// The suffix given.
        suffix: String,
        /// The first character not allowed.
        bad: char,
    },
    /// The background writer thread could not be started.
    #[error("cannot start the writer thread for {}: {cause}", path.display())]
    SpawnWriter {
        /// The event file it would have written.
        path: PathBuf,
        /// Why.
        cause: io::Error,
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
    /// A value given to `add_scalar` could not be read as one number.
    #[error("scalar {tag:?}: {cause}")]
    Scalar {
        /// The tag.
        tag: String,
        /// What is wrong.
        cause: ScalarError,
    },
    /// A tch operation on a tensor being logged failed.
    #[cfg(feature = "tch")]
    #[error("tensor for {tag:?}: {cause}")]
    Tensor {
        /// The tag the tensor was logged under.
        tag: String,
        /// The tch error.
        cause: tch::TchError,
    },
    /// Histogram data could not be made from the values given, or hand-made data is
    /// inconsistent.
    #[error("{}{cause}", about("histogram", tag))]
    Histogram {
        /// The tag, when the data was given for one (`None` from a conversion with `?`).
        tag: Option<String>,
        /// What is wrong.
        cause: HistogramError,
    },
    /// An image could not be made, or images given to `add_images` cannot form a grid.
    #[error("{}{cause}", about("image", tag))]
    Image {
        /// The tag, when the image was given for one (`None` from a conversion with `?`).
        tag: Option<String>,
        /// What is wrong.
        cause: ImageError,
    },
    /// The writer thread could not encode an image as PNG; that image was not written.
    #[error("image {tag:?} at step {step} was not written: {cause}")]
    EncodeImage {
        /// The tag.
        tag: String,
        /// The step.
        step: i64,
        /// The encoder's error.
        cause: Arc<ImageError>,
    },
    /// Labels and predictions given to `add_pr_curve` do not make a curve.
    #[error("PR curve {tag:?}: {cause}")]
    PrCurve {
        /// The tag.
        tag: String,
        /// What is wrong.
        cause: PrCurveError,
    },
    /// A mesh could not be made.
    #[error(transparent)]
    Mesh(#[from] MeshError),
    /// An embedding could not be written.
    #[error("embedding {tag:?}: {cause}")]
    Embedding {
        /// The tag.
        tag: String,
        /// What went wrong.
        cause: EmbeddingError,
    },
    /// A figure could not be drawn.
    #[cfg(feature = "plotters")]
    #[error("figure {tag:?}: {cause}")]
    Figure {
        /// The tag.
        tag: String,
        /// What went wrong.
        cause: crate::summary::figure::FigureError,
    },
    /// A video could not be made or encoded.
    #[error("video {tag:?}: {cause}")]
    Video {
        /// The tag.
        tag: String,
        /// What went wrong.
        cause: VideoError,
    },
    /// An audio clip could not be made.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// Hyperparameters given to `add_hparams` were rejected.
    #[error(transparent)]
    HParams(#[from] HParamError),
    /// Writing the event file failed on the writer thread. The writer stops: this and
    /// every later call report the failure, and events given after it are not written.
    #[error(
        "writing event file {} failed: {cause}; events given after this point were not written",
        path.display()
    )]
    Write {
        /// The event file.
        path: PathBuf,
        /// The I/O error.
        cause: Arc<io::Error>,
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
    #[error("cannot open event file {}: {cause}", path.display())]
    OpenEventFile {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// A run directory could not be listed.
    #[error("cannot list run directory {}: {cause}", path.display())]
    ReadRunDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// A record of an event file is corrupt or could not be read.
    #[error("event file {}: {cause}", path.display())]
    Record {
        /// The file.
        path: PathBuf,
        /// What is wrong with the record.
        cause: RecordError,
    },
    /// A record holds bytes that are not an `Event` message.
    #[error("event file {}: record at byte {offset} is not an Event: {cause}", path.display())]
    DecodeEvent {
        /// The file.
        path: PathBuf,
        /// Offset of the record.
        offset: u64,
        /// The decoder's message.
        cause: prost::DecodeError,
    },
    /// A log directory could not be read.
    #[error("cannot read log directory {}: {cause}; give an existing, readable directory", path.display())]
    ReadLogDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// The log directory given is a file, not a directory.
    #[error("log directory {} is not a directory; give the directory that holds the runs", path.display())]
    LogDirNotADirectory {
        /// The path given.
        path: PathBuf,
    },
}

/// `"<kind> <tag>: "` when there is a tag.
fn about(kind: &str, tag: &Option<String>) -> String {
    tag.as_ref()
        .map_or_else(String::new, |tag| format!("{kind} {tag:?}: "))
}

impl From<HistogramError> for Error {
    fn from(cause: HistogramError) -> Self {
        Self::Histogram { tag: None, cause }
    }
}

impl From<ImageError> for Error {
    fn from(cause: ImageError) -> Self {
        Self::Image { tag: None, cause }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn the_cause_is_in_the_message_and_not_also_a_source() {
        let errors = [
            Error::Write {
                path: "run/events".into(),
                cause: Arc::new(io::Error::other("disk full")),
            },
            Error::from(HistogramError::Empty),
            Error::Histogram {
                tag: Some("w".into()),
                cause: HistogramError::Empty,
            },
            Error::from(HParamError::EmptyName),
            Error::Record {
                path: "f".into(),
                cause: RecordError::TooLong {
                    offset: 0,
                    len: u64::MAX,
                },
            },
        ];
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "writing event file run/events failed: disk full; \
                 events given after this point were not written",
                "histogram input is empty: there are no values to bucket",
                "histogram \"w\": histogram input is empty: there are no values to bucket",
                "an hparam name must not be empty",
                "event file f: record at byte 0 declares a length of 18446744073709551615 bytes, \
                 more than the \
                 18446744073709551599 bytes a file can hold after the record's 16 bytes of \
                 framing; the file is corrupt",
            ]
        );
        assert!(errors.iter().all(|e| e.source().is_none()));
    }
}
