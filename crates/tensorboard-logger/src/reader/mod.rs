//! Reading event files back: raw events, typed values, runs and whole log directories.
//!
//! - [`file`](mod@file): the raw [`Event`](crate::proto::tensorboard::Event)s of one file, CRCs
//!   checked ([`EventFileReader`]);
//! - [`value`]: one summary value decoded into a typed [`Value`], as TensorBoard reads it;
//! - [`run`]: one directory's tags and their series of points ([`read_run`]);
//! - [`log_dir`]: every run under a log directory ([`find_runs`], [`read_log_dir`]);
//! - [`warning`]: what a read skipped ([`ReadWarning`]) without failing.
//!
//! ```
//! use tensorboard_logger::{HParamValue, SessionStatus, SummaryWriter, reader};
//!
//! let logs = tempfile::tempdir()?;
//! let writer = SummaryWriter::new(logs.path().join("relu"))?;
//! writer.add_hparams(&[("lr", HParamValue::from(0.5))], &["loss"])?;
//! writer.add_scalar("loss", 0.25, 1)?;
//! writer.add_histogram("weights", &[0.5_f32, -1.0][..], 1)?;
//! writer.close()?;
//!
//! let log_dir = reader::read_log_dir(logs.path(), &mut |_| {})?;
//! let run = log_dir.run("relu").unwrap();
//! assert_eq!(run.scalars("loss").unwrap().collect::<Vec<_>>(), [(1, 0.25)]);
//! let (step, histogram) = run.histograms("weights").unwrap().next().unwrap();
//! assert_eq!((step, histogram.min, histogram.max), (1, -1.0, 0.5));
//! assert_eq!(run.hparams().unwrap()["lr"], HParamValue::Number(0.5));
//! assert_eq!(run.session_status(), Some(SessionStatus::Success));
//! assert!(log_dir.warnings.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod file;
pub mod log_dir;
pub mod run;
pub mod value;
pub mod warning;

pub use file::{EventFileReader, event_files, read_run_dir};
pub use log_dir::{Discovery, FileProgress, LogDir, RunDir, TaggedPoint, find_runs, read_log_dir};
pub use run::{Point, Run, Series, read_run};
pub use value::{EncodedImage, HParamType, HParamsInfo, Value, ValueError};
pub use warning::ReadWarning;
