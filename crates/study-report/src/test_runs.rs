//! Runs written by the logger and read back, for the unit tests.

use tensorboard_logger::SummaryWriter;
use tensorboard_logger::reader::{Run, read_run};

/// The run that `write` logs into a new directory, as the reader reads it back.
pub(crate) fn run_of(write: impl FnOnce(&SummaryWriter)) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let writer = SummaryWriter::new(dir.path()).unwrap();
    write(&writer);
    writer.close().unwrap();
    let mut warnings = Vec::new();
    let run = read_run(dir.path(), &mut warnings).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    run
}
