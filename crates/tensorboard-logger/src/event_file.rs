//! Event files: naming, create-new opening, the `file_version` header and event records.
//!
//! ```
//! use tensorboard_logger::event_file::EventWriter;
//! use tensorboard_logger::reader::EventFileReader;
//! use tensorboard_logger::summary;
//!
//! let mut writer = EventWriter::new(Vec::new(), 1_700_000_000.0)?;
//! writer.write_summary(1_700_000_001.0, 3, summary::scalar::value("loss", 0.25))?;
//! let bytes = writer.into_inner();
//!
//! let events: Vec<_> = EventFileReader::new(&bytes[..], "in memory").collect::<Result<_, _>>()?;
//! assert_eq!(events.len(), 2); // the file_version header, then the scalar
//! assert_eq!(events[1].step, 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use prost::Message;

use crate::error::Error;
use crate::proto::tensorboard::{Event, Summary, event::What, summary::Value};
use crate::record::RecordWriter;

/// The `file_version` every event file starts with.
pub const FILE_VERSION: &str = "brain.Event:2";

/// Writes events as TFRecords into any [`Write`], starting with the `file_version` event.
#[derive(Debug)]
pub struct EventWriter<W: Write> {
    records: RecordWriter<W>,
    buf: Vec<u8>,
}

impl<W: Write> EventWriter<W> {
    /// Starts an event stream in `inner`: writes the `file_version` event stamped
    /// `wall_time` (seconds since the Unix epoch).
    pub fn new(inner: W, wall_time: f64) -> io::Result<Self> {
        let mut writer = Self {
            records: RecordWriter::new(inner),
            buf: Vec::with_capacity(256),
        };
        writer.write_event(&Event {
            wall_time,
            what: Some(What::FileVersion(FILE_VERSION.to_owned())),
            ..Default::default()
        })?;
        Ok(writer)
    }

    /// Writes one event.
    pub fn write_event(&mut self, event: &Event) -> io::Result<()> {
        self.buf.clear();
        event
            .encode(&mut self.buf)
            .expect("a Vec grows to fit any message");
        self.records.write_record(&self.buf)
    }

    /// Writes an event holding one summary value.
    pub fn write_summary(&mut self, wall_time: f64, step: i64, value: Value) -> io::Result<()> {
        self.write_event(&Event {
            wall_time,
            step,
            what: Some(What::Summary(Summary { value: vec![value] })),
        })
    }

    /// Writes an event holding one scalar, without building the message (see
    /// [`scalar::encode_event`](crate::summary::scalar::encode_event)).
    pub fn write_scalar(
        &mut self,
        wall_time: f64,
        step: i64,
        tag: &str,
        value: f32,
    ) -> io::Result<()> {
        self.buf.clear();
        crate::summary::scalar::encode_event(wall_time, step, tag, value, &mut self.buf);
        self.records.write_record(&self.buf)
    }

    /// Flushes the inner writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.records.flush()
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        self.records.get_ref()
    }

    /// The inner writer, mutably; writing to it directly breaks the framing.
    pub fn get_mut(&mut self) -> &mut W {
        self.records.get_mut()
    }

    /// Gives back the inner writer.
    pub fn into_inner(self) -> W {
        self.records.into_inner()
    }
}

/// Counts event files this process created, so that two writers started in the same
/// second get different names.
static FILE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The conventional event file name:
/// `events.out.tfevents.<unix seconds, 10 digits>.<host>.<pid>.<counter>`.
///
/// The zero-padded seconds make name order time order, which is the order TensorBoard
/// reads the files of a run in.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let name = tensorboard_logger::event_file::file_name(
///     UNIX_EPOCH + Duration::from_secs(1_700_000_000), "host", 42, 0);
/// assert_eq!(name, "events.out.tfevents.1700000000.host.42.0");
/// ```
pub fn file_name(time: SystemTime, host: &str, pid: u32, counter: u64) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("events.out.tfevents.{secs:010}.{host}.{pid}.{counter}")
}

/// Creates a new event file in `dir` (which must exist) with a [`file_name`] no other
/// writer uses: the name holds the pid and a process-wide counter, and the file is
/// opened create-new, so an existing file is never appended to or truncated.
pub fn create(dir: &Path) -> Result<(File, PathBuf), Error> {
    create_with_suffix(dir, "")
}

/// [`create`], with `suffix` appended to the file name as torch's `filename_suffix` is
/// (`events.out.tfevents.<secs>.<host>.<pid>.<counter><suffix>`). TensorBoard reads any
/// file whose name contains `tfevents`, so the suffix changes nothing it sees.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let (_file, path) = tensorboard_logger::event_file::create_with_suffix(dir.path(), ".resumed")?;
/// assert!(path.to_string_lossy().ends_with(".resumed"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_with_suffix(dir: &Path, suffix: &str) -> Result<(File, PathBuf), Error> {
    if let Some(bad) = suffix.chars().find(|c| matches!(c, '/' | '\\' | '\0')) {
        return Err(Error::InvalidFilenameSuffix {
            suffix: suffix.to_owned(),
            bad,
        });
    }
    let host = gethostname::gethostname();
    let host = sanitize_host(&host.to_string_lossy());
    let pid = std::process::id();
    let mut attempts = 0;
    loop {
        let counter = FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = file_name(SystemTime::now(), &host, pid, counter);
        name.push_str(suffix);
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((file, path)),
            // Another process with our pid (a reused one, or one in another container)
            // wrote this name in this second; a later counter value is free.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < MAX_ATTEMPTS => {
                attempts += 1;
            }
            Err(cause) => return Err(Error::CreateEventFile { path, cause }),
        }
    }
}

/// Names tried before giving up when every one exists already.
const MAX_ATTEMPTS: u32 = 1000;

/// Host names may hold characters that are awkward in file names; keep the name
/// readable and a single path component.
pub(crate) fn sanitize_host(host: &str) -> String {
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if host.is_empty() {
        "localhost".to_owned()
    } else {
        host
    }
}

/// Seconds since the Unix epoch as TensorBoard stores wall times (negative before it).
pub fn wall_time(time: SystemTime) -> f64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn names_are_zero_padded_and_ordered_by_time() {
        let early = file_name(UNIX_EPOCH + Duration::from_secs(999_999_999), "h", 1, 0);
        let late = file_name(UNIX_EPOCH + Duration::from_secs(1_000_000_000), "h", 1, 0);
        assert_eq!(early, "events.out.tfevents.0999999999.h.1.0");
        assert!(early < late);
    }

    #[test]
    fn host_names_become_one_path_component() {
        assert_eq!(sanitize_host("node-1.cluster"), "node-1.cluster");
        assert_eq!(sanitize_host("a/b c"), "a_b_c");
        assert_eq!(sanitize_host(""), "localhost");
    }

    #[test]
    fn wall_time_before_the_epoch_is_negative() {
        assert_eq!(wall_time(UNIX_EPOCH + Duration::from_millis(1500)), 1.5);
        assert_eq!(wall_time(UNIX_EPOCH - Duration::from_millis(1500)), -1.5);
    }

    #[test]
    fn create_never_reuses_a_name() {
        let dir = tempfile::tempdir().unwrap();
        let (_a, path_a) = create(dir.path()).unwrap();
        let (_b, path_b) = create(dir.path()).unwrap();
        assert_ne!(path_a, path_b);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_suffix_ends_the_name_and_may_not_leave_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let (_file, path) = create_with_suffix(dir.path(), ".v2").unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("events.out.tfevents.") && name.ends_with(".v2"),
            "{name}"
        );
        assert_eq!(path.parent(), Some(dir.path()));
        let error = create_with_suffix(dir.path(), "/../x").unwrap_err();
        assert_eq!(
            error.to_string(),
            "filename suffix \"/../x\" contains '/'; a suffix is part of the event file's \
             name and may not hold '/', '\\\\' or NUL"
        );
    }

    #[test]
    fn create_in_a_missing_directory_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let error = create(&missing).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "cannot create event file {}/events.out.tfevents.",
                missing.display()
            )),
            "{message}"
        );
    }
}
