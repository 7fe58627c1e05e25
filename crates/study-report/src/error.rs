//! What stops a report, and the warnings that let it go on without a file or a run.

use std::io;
use std::path::{Path, PathBuf};

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
    #[error("cannot list log directory {}: {source}", path.display())]
    ListLogDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
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
    /// No event file gave a single event: each was empty, could not be opened, or was
    /// corrupt from its first record.
    #[error("{}", no_events(path, *files, *warned))]
    NoEvents {
        /// The log directory.
        path: PathBuf,
        /// How many event files were tried.
        files: usize,
        /// How many warnings reading them gave.
        warned: usize,
    },
    /// The output directory could not be created.
    #[error("cannot create output directory {}: {source}; pass a writable --out directory", path.display())]
    CreateOutDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// An output file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A plot could not be encoded as PNG.
    #[error("cannot encode {} as PNG: {source}", path.display())]
    EncodePng {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: png::EncodingError,
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
            "none of the {files} event files under {path} holds an event yet (a writer creates \
             its file before the first event); wait for `train` to log, or pass the log \
             directory of finished runs"
        )
    } else {
        format!(
            "none of the {files} event files under {path} gave an event; the warnings say \
             which files could not be read and why"
        )
    }
}

/// Something the report skipped; the rest is still reported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// An event file could not be opened.
    #[error("skipped {}: {error}", path.display())]
    UnreadableFile {
        /// The file.
        path: PathBuf,
        /// Why.
        error: String,
    },
    /// A directory under the log directory could not be listed.
    #[error("skipped directory {}: {error}", path.display())]
    UnreadableDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        error: String,
    },
    /// An event file holds a corrupt record: what came before it is kept, the rest of
    /// the file is skipped.
    #[error(
        "corrupt event file {}: {error}; kept the {events_kept} events before it, skipped the rest of the file",
        path.display()
    )]
    CorruptFile {
        /// The file.
        path: PathBuf,
        /// The reader's message.
        error: String,
        /// Events read before the corrupt record.
        events_kept: usize,
    },
    /// An event file ends inside a record: a writer is still writing it, or it was cut
    /// short.
    #[error(
        "event file {} ends in an incomplete record at byte {offset} (still being written, \
         or cut short); kept the {events_kept} events before it",
        path.display()
    )]
    TruncatedFile {
        /// The file.
        path: PathBuf,
        /// Where the incomplete record starts.
        offset: u64,
        /// Events read before it.
        events_kept: usize,
    },
    /// An hparams summary could not be decoded, so the run is grouped by its path.
    #[error("run {run}: cannot decode its hparams ({error}); grouping it by its directory instead")]
    BadHParams {
        /// The run.
        run: String,
        /// The decoder's message.
        error: String,
    },
    /// A run has no point of the accuracy tag yet.
    #[error("run {run} has no `{tag}` scalar yet; it is left out of the accuracy table")]
    NoAccuracy {
        /// The run.
        run: String,
        /// The tag looked for.
        tag: String,
    },
}
