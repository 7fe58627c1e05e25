//! What reading a log directory skipped, and why, without failing the read.

use std::path::PathBuf;

use super::value::ValueError;

/// Something a read skipped. Reading goes on past each: what could be read is kept,
/// as TensorBoard keeps it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadWarning {
    /// A record of an event file is corrupt (a checksum mismatch, or bytes that are not
    /// an `Event`): the events before it were kept, the rest of the file was skipped.
    #[error("event file {}: {reason}; the rest of this file was skipped", path.display())]
    CorruptRecord {
        /// The event file.
        path: PathBuf,
        /// Offset of the corrupt record's first byte.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// An event file ends inside a record: a writer is still writing it or was killed
    /// while writing it. Like TensorBoard, the reader takes it as the end of the file.
    #[error(
        "event file {} ends inside the record at byte {offset} (a writer may still be writing it); read up to there",
        path.display()
    )]
    TruncatedTail {
        /// The event file.
        path: PathBuf,
        /// Offset of the incomplete record.
        offset: u64,
    },
    /// A directory was reached again through a symbolic link (a loop such as `ln -s ..`,
    /// or a second link to one directory): it was skipped there, so no run is read twice.
    /// Given once per directory reached again.
    #[error(
        "skipped {}: it leads to {}, which is read already (a symbolic link loop or a second link to one directory)",
        path.display(),
        target.display()
    )]
    SymlinkLoop {
        /// The path through which the directory was reached again.
        path: PathBuf,
        /// The path through which it was first read.
        target: PathBuf,
    },
    /// A directory or file could not be listed, opened or read; it was skipped.
    #[error("skipped {}: {reason}", path.display())]
    UnreadableEntry {
        /// The entry.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A summary value could not be read as data of its tag's plugin (see
    /// [`value::decode`](super::value::decode)); TensorBoard drops such values too.
    #[error(
        "event file {}: the value of tag {tag:?} at step {step} was skipped: {reason}",
        path.display()
    )]
    SkippedValue {
        /// The event file.
        path: PathBuf,
        /// The tag.
        tag: String,
        /// The event's step.
        step: i64,
        /// Why.
        reason: ValueError,
    },
}
