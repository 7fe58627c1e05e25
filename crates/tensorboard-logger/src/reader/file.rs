//! Raw events of one event file, with CRC checks and a clean stop at a truncated tail.
//!
//! A truncated last record is what a file looks like while a writer is in the middle of
//! writing it, or after the writer was killed: like TensorBoard, the reader treats it as
//! the end of the file (see [`EventFileReader::truncated_tail`]). A checksum mismatch or
//! an undecodable record is an error.
//!
//! ```
//! use tensorboard_logger::{SummaryWriter, reader};
//!
//! let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::new(dir.path())?;
//! writer.add_scalar("loss", 0.5, 1)?;
//! writer.close()?;
//!
//! let events = reader::read_run_dir(dir.path())?;
//! assert_eq!(events.len(), 2); // file_version, then the scalar
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use prost::Message;

use crate::error::Error;
use crate::proto::tensorboard::Event;
use crate::record::{RecordError, RecordReader};

/// Iterates the events of one event file (or any [`Read`] holding TFRecords of events).
///
/// Yields `Err` once for a corrupt record and then stops; ends without an error at a
/// truncated tail.
#[derive(Debug)]
pub struct EventFileReader<R: Read = BufReader<File>> {
    records: RecordReader<R>,
    path: PathBuf,
    truncated_tail: Option<u64>,
    done: bool,
}

impl EventFileReader<BufReader<File>> {
    /// Opens the event file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|cause| Error::OpenEventFile {
            path: path.to_owned(),
            cause,
        })?;
        Ok(Self::new(BufReader::with_capacity(1 << 16, file), path))
    }
}

impl<R: Read> EventFileReader<R> {
    /// Reads events from `reader`; `path` names it in errors.
    pub fn new(reader: R, path: impl Into<PathBuf>) -> Self {
        Self {
            records: RecordReader::new(reader),
            path: path.into(),
            truncated_tail: None,
            done: false,
        }
    }

    /// After the iteration ended: the byte offset of an incomplete last record, if the
    /// input ended inside one.
    pub fn truncated_tail(&self) -> Option<u64> {
        self.truncated_tail
    }

    /// The path given at construction.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl<R: Read> Iterator for EventFileReader<R> {
    type Item = Result<Event, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let offset = self.records.offset();
        let result = match self.records.read_record() {
            Ok(Some(bytes)) => Event::decode(bytes).map_err(|cause| Error::DecodeEvent {
                path: self.path.clone(),
                offset,
                cause,
            }),
            Ok(None) => {
                self.done = true;
                return None;
            }
            Err(RecordError::Truncated { offset, .. }) => {
                self.truncated_tail = Some(offset);
                self.done = true;
                return None;
            }
            Err(cause) => Err(Error::Record {
                path: self.path.clone(),
                cause,
            }),
        };
        self.done = result.is_err();
        Some(result)
    }
}

/// The event files of a run directory (names containing `tfevents`, as TensorBoard
/// selects them), in name order, which for conventionally named files is creation
/// order. Subdirectories are other runs and are not included.
pub fn event_files(dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, Error> {
    let dir = dir.as_ref();
    let list_error = |cause| Error::ReadRunDir {
        path: dir.to_owned(),
        cause,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(list_error)? {
        let entry = entry.map_err(list_error)?;
        let is_file = entry.file_type().map_err(list_error)?.is_file();
        if is_file && entry.file_name().to_string_lossy().contains("tfevents") {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// All events of all event files of a run directory, file by file in name order.
///
/// Each file's truncated tail, if any, is skipped as [`EventFileReader`] does.
pub fn read_run_dir(dir: impl AsRef<Path>) -> Result<Vec<Event>, Error> {
    let mut events = Vec::new();
    for path in event_files(dir)? {
        for event in EventFileReader::open(&path)? {
            events.push(event?);
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_file::{EventWriter, FILE_VERSION};
    use crate::proto::tensorboard::event::What;
    use crate::summary;

    fn two_scalars() -> Vec<u8> {
        let mut writer = EventWriter::new(Vec::new(), 10.0).unwrap();
        writer
            .write_summary(11.0, 1, summary::scalar::value("a", 1.0))
            .unwrap();
        writer
            .write_summary(12.0, 2, summary::scalar::value("a", 2.0))
            .unwrap();
        writer.into_inner()
    }

    #[test]
    fn reads_back_what_was_written() {
        let bytes = two_scalars();
        let mut reader = EventFileReader::new(&bytes[..], "mem");
        let events: Vec<Event> = reader.by_ref().collect::<Result<_, _>>().unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].what, Some(What::FileVersion(FILE_VERSION.into())));
        assert_eq!(events[0].wall_time, 10.0);
        assert_eq!((events[2].wall_time, events[2].step), (12.0, 2));
        assert_eq!(reader.truncated_tail(), None);
    }

    #[test]
    fn stops_cleanly_at_a_truncated_tail() {
        let bytes = two_scalars();
        let mut reader = EventFileReader::new(&bytes[..bytes.len() - 3], "mem");
        let events: Vec<Event> = reader.by_ref().collect::<Result<_, _>>().unwrap();
        assert_eq!(events.len(), 2);
        let whole: u64 = {
            let mut r = EventFileReader::new(&bytes[..], "mem");
            r.next();
            r.next();
            r.records.offset()
        };
        assert_eq!(reader.truncated_tail(), Some(whole));
    }

    #[test]
    fn a_bad_crc_is_an_error_naming_the_file_then_the_iteration_ends() {
        let mut bytes = two_scalars();
        let last = bytes.len() - 6;
        bytes[last] ^= 0xff;
        let mut reader = EventFileReader::new(&bytes[..], "run/events.out.tfevents.x");
        assert!(reader.next().unwrap().is_ok());
        assert!(reader.next().unwrap().is_ok());
        let error = reader.next().unwrap().unwrap_err();
        assert!(
            error.to_string().starts_with(
                "event file run/events.out.tfevents.x: corrupt record payload at byte"
            ),
            "{error}"
        );
        assert!(reader.next().is_none());
    }

    #[test]
    fn a_record_that_is_not_an_event_is_a_decode_error() {
        let mut records = crate::record::RecordWriter::new(Vec::new());
        records.write_record(&[0xff, 0xff, 0xff]).unwrap();
        let bytes = records.into_inner();
        let error = EventFileReader::new(&bytes[..], "f")
            .next()
            .unwrap()
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("event file f: record at byte 0 is not an Event:"),
            "{error}"
        );
    }

    #[test]
    fn run_dir_reads_only_event_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for (name, step) in [("events.out.tfevents.2", 2), ("events.out.tfevents.1", 1)] {
            let mut writer = EventWriter::new(Vec::new(), 0.0).unwrap();
            writer
                .write_summary(0.0, step, summary::scalar::value("s", 0.0))
                .unwrap();
            std::fs::write(dir.path().join(name), writer.into_inner()).unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), b"not an event file").unwrap();
        std::fs::create_dir(dir.path().join("events.out.tfevents.subrun")).unwrap();
        let steps: Vec<i64> = read_run_dir(dir.path())
            .unwrap()
            .iter()
            .filter(|e| matches!(e.what, Some(What::Summary(_))))
            .map(|e| e.step)
            .collect();
        assert_eq!(steps, [1, 2]);
    }

    #[test]
    fn a_missing_run_dir_names_the_path() {
        let error = read_run_dir("/nonexistent/run").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot list run directory /nonexistent/run: "),
            "{error}"
        );
    }
}
