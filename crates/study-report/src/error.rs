//! What stops a report, and the warnings that let it go on without a file or a run.

use std::io;
use std::path::{Path, PathBuf};

use tensorboard_logger::reader::ReadWarning;

/// A failure that leaves nothing to report, or output that could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The log directory is not there.
    #[error(
        "log directory {} does not exist; run `train` first (it writes to `logs`), \
         or pass the directory that holds the runs",
        path.display()
    )]
    MissingLogDir {
        /// The directory given.
        path: PathBuf,
    },
    /// The log directory is a file.
    #[error(
        "{} is not a directory; pass the log directory that holds the runs, not one of its files",
        path.display()
    )]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// The log directory could not be listed.
    #[error("cannot list log directory {}: {cause}", path.display())]
    ListLogDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// The reader failed on the log directory in another way.
    #[error("cannot read log directory {}: {cause}", path.display())]
    ReadLogDir {
        /// The directory.
        path: PathBuf,
        /// The reader's error.
        cause: tensorboard_logger::Error,
    },
    /// No file under the log directory is an event file.
    #[error(
        "no TensorBoard event files (names containing `tfevents`) under {}; \
         run `train` first, or pass the log directory it wrote",
        path.display()
    )]
    NoEventFiles {
        /// The log directory.
        path: PathBuf,
    },
    /// No event file holds a single summary: each is empty or holds only its header,
    /// could not be read, or was corrupt from its first record.
    #[error("{}", no_events(path, *files, *warned))]
    NoEvents {
        /// The log directory.
        path: PathBuf,
        /// How many event files were read.
        files: usize,
        /// How many warnings reading them gave.
        warned: usize,
    },
    /// The output directory could not be created.
    #[error("cannot create output directory {}: {cause}; pass a writable --out directory", path.display())]
    CreateOutDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// An output file could not be written; an earlier file of that name is left as it was.
    #[error("cannot write {}: {cause}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// A plot could not be encoded as PNG.
    #[error("cannot encode {} as PNG: {cause}", path.display())]
    EncodePng {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: png::EncodingError,
    },
    /// Drawing a plot failed.
    #[error("cannot draw {}: {message}", path.display())]
    Draw {
        /// The file the plot was for.
        path: PathBuf,
        /// The drawing library's message.
        message: String,
    },
    /// The font bundled for plot text was rejected by the text renderer.
    #[error("the bundled DejaVu Sans font could not be loaded for plot text")]
    Font,
}

/// The message of [`ReportError::NoEvents`]: it points at the warnings only when there are some.
fn no_events(path: &Path, files: usize, warned: usize) -> String {
    let path = path.display();
    if warned == 0 {
        format!(
            "none of the {files} event files under {path} holds a summary yet (a writer creates \
             its file before the first one); wait for `train` to log, or pass the log \
             directory of finished runs"
        )
    } else {
        format!(
            "none of the {files} event files under {path} gave a summary; the warnings say \
             which files could not be read and why"
        )
    }
}

/// Something the report skipped; the rest is still reported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// What the reader skipped: an unreadable or corrupt file, a truncated tail, a
    /// symbolic link loop, a value it could not decode.
    #[error(transparent)]
    Read(#[from] ReadWarning),
    /// A run has no point of the accuracy tag yet.
    #[error("run {run} has no `{tag}` scalar yet; it is left out of the accuracy table")]
    NoAccuracy {
        /// The run.
        run: String,
        /// The tag looked for.
        tag: String,
    },
}
