//! One run read back: every tag's series of typed points, from all event files of its directory.
//!
//! ```
//! use tensorboard_logger::{SummaryWriter, reader};
//!
//! let dir = tempfile::tempdir()?;
//! let writer = SummaryWriter::new(dir.path())?;
//! writer.add_scalar("loss", 0.5, 1)?;
//! writer.add_scalar("loss", 0.25, 2)?;
//! writer.close()?;
//!
//! let mut warnings = Vec::new();
//! let run = reader::read_run(dir.path(), &mut warnings)?;
//! let loss: Vec<(i64, f64)> = run.scalars("loss").unwrap().collect();
//! assert_eq!(loss, [(1, 0.5), (2, 0.25)]);
//! assert!(warnings.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::file::{EventFileReader, event_files};
use super::value::{self, HPARAMS_PLUGIN, HParamsInfo, Value};
use super::warning::ReadWarning;
use crate::error::Error;
use crate::proto::tensorboard::Event;
use crate::proto::tensorboard::event::What;
use crate::proto::tensorboard::session_log;
use crate::record::RecordError;
use crate::summary::histogram::HistogramData;
use crate::summary::hparams::{
    HParamValue, SESSION_END_INFO_TAG, SESSION_START_INFO_TAG, SessionStatus,
};

/// A run: the series of every tag found in the event files of one directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The run's name: its directory relative to the log directory, `/`-separated (see
    /// [`find_runs`](super::find_runs)), or the directory's own name for
    /// [`read_run`].
    pub name: String,
    /// The run directory.
    pub dir: PathBuf,
    /// Each tag's series.
    pub series: BTreeMap<String, Series>,
    /// Whether a `SessionLog` `START` has been read: TensorBoard purges at later ones.
    session_started: bool,
}

/// The points of one tag.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The tag's plugin, fixed by its first value as TensorBoard fixes it (see
    /// [`value::declared_plugin`]). Later values are read as this plugin's data; those
    /// that cannot be are skipped with a [`ReadWarning::SkippedValue`].
    pub plugin: String,
    /// The points in step order; points of equal steps stay in the order read (files in
    /// name order, events in file order).
    pub points: Vec<Point>,
}

/// One value of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The step.
    pub step: i64,
    /// Seconds since the Unix epoch when the value was logged.
    pub wall_time: f64,
    /// The value.
    pub value: Value,
}

impl Run {
    /// An empty run named `name` at `dir`.
    pub fn new(name: impl Into<String>, dir: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            dir: dir.into(),
            series: BTreeMap::new(),
            session_started: false,
        }
    }

    /// The `(step, value)` scalars of `tag`; `None` when the run has no such tag or its
    /// plugin is not `scalars`.
    pub fn scalars(&self, tag: &str) -> Option<impl Iterator<Item = (i64, f64)> + '_> {
        let series = self
            .series
            .get(tag)
            .filter(|s| s.plugin == value::SCALARS_PLUGIN)?;
        Some(series.points.iter().filter_map(|p| match p.value {
            Value::Scalar(v) => Some((p.step, v)),
            _ => None,
        }))
    }

    /// The `(step, histogram)` points of `tag`; `None` when the run has no such tag or its
    /// plugin is not `histograms`.
    pub fn histograms(
        &self,
        tag: &str,
    ) -> Option<impl Iterator<Item = (i64, &HistogramData)> + '_> {
        let series = self
            .series
            .get(tag)
            .filter(|s| s.plugin == value::HISTOGRAMS_PLUGIN)?;
        Some(series.points.iter().filter_map(|p| match &p.value {
            Value::Histogram(h) => Some((p.step, h)),
            _ => None,
        }))
    }

    /// The run's hparam values: the last session start record of the hparams plugin.
    pub fn hparams(&self) -> Option<&BTreeMap<String, HParamValue>> {
        self.last_hparams(SESSION_START_INFO_TAG, |info| match info {
            HParamsInfo::SessionStart { hparams } => Some(hparams),
            _ => None,
        })
    }

    /// How the run ended: the last session end record of the hparams plugin; `None` when
    /// there is none (a run without hparams, or one whose writer is still running or
    /// was killed).
    pub fn session_status(&self) -> Option<SessionStatus> {
        self.last_hparams(SESSION_END_INFO_TAG, |info| match info {
            HParamsInfo::SessionEnd { status } => Some(*status),
            _ => None,
        })
    }

    fn last_hparams<'a, T>(
        &'a self,
        tag: &str,
        pick: impl Fn(&'a HParamsInfo) -> Option<T>,
    ) -> Option<T> {
        let series = self
            .series
            .get(tag)
            .filter(|s| s.plugin == HPARAMS_PLUGIN)?;
        series.points.iter().rev().find_map(|p| match &p.value {
            Value::HParams(info) => pick(info),
            _ => None,
        })
    }

    /// Reads the event file at `path` into this run, as [`read_run`] reads each file.
    /// A corrupt record ends the file with a warning, keeping the events before it; a
    /// truncated tail ends it with a warning; a file that cannot be opened is skipped
    /// with a warning. Call [`finish`](Self::finish) after the last file.
    pub fn read_file(&mut self, path: &Path, warnings: &mut Vec<ReadWarning>) {
        let mut events = match EventFileReader::open(path) {
            Ok(events) => events,
            Err(error) => {
                warnings.push(ReadWarning::UnreadableEntry {
                    path: path.to_owned(),
                    reason: error.to_string(),
                });
                return;
            }
        };
        for event in events.by_ref() {
            match event {
                Ok(event) => self.add_event(event, path, warnings),
                Err(error) => {
                    warnings.push(warning_of(error, path));
                    break;
                }
            }
        }
        if let Some(offset) = events.truncated_tail() {
            warnings.push(ReadWarning::TruncatedTail {
                path: path.to_owned(),
                offset,
            });
        }
    }

    /// Adds the summary values of `event` (read from `path`, named in warnings). Every
    /// `SessionLog` `START` after the run's first, at step `s` (a writer resumed with
    /// [`purge_step`](crate::SummaryWriterBuilder::purge_step) writes two), drops every
    /// point read so far at step `s` or later, as TensorBoard's server does; other
    /// events (file version, other session logs, graphs) hold no series and are passed
    /// over.
    pub fn add_event(&mut self, event: Event, path: &Path, warnings: &mut Vec<ReadWarning>) {
        let summary = match event.what {
            Some(What::Summary(summary)) => summary,
            Some(What::SessionLog(log)) if log.status() == session_log::SessionStatus::Start => {
                if self.session_started {
                    for series in self.series.values_mut() {
                        series.points.retain(|p| p.step < event.step);
                    }
                }
                self.session_started = true;
                return;
            }
            _ => return,
        };
        for summary_value in summary.value {
            let series = match self.series.get_mut(&summary_value.tag) {
                Some(series) => series,
                None => {
                    let Some(plugin) = value::declared_plugin(&summary_value) else {
                        continue;
                    };
                    let series = Series {
                        plugin: plugin.to_owned(),
                        points: Vec::new(),
                    };
                    self.series
                        .entry(summary_value.tag.clone())
                        .or_insert(series)
                }
            };
            match value::decode(&summary_value, &series.plugin) {
                Ok(value) => series.points.push(Point {
                    step: event.step,
                    wall_time: event.wall_time,
                    value,
                }),
                Err(reason) => warnings.push(ReadWarning::SkippedValue {
                    path: path.to_owned(),
                    tag: summary_value.tag,
                    step: event.step,
                    reason,
                }),
            }
        }
    }

    /// Puts every series in step order (stable, so equal steps keep the order read).
    pub fn finish(&mut self) {
        for series in self.series.values_mut() {
            series.points.sort_by_key(|p| p.step);
        }
    }
}

/// The warning for an error that ended the reading of a file.
fn warning_of(error: Error, path: &Path) -> ReadWarning {
    let path = path.to_owned();
    match error {
        Error::Record {
            cause: RecordError::Io { .. },
            ..
        } => ReadWarning::UnreadableEntry {
            path,
            reason: error.to_string(),
        },
        Error::Record { cause, .. } => ReadWarning::CorruptRecord {
            path,
            offset: cause.offset(),
            reason: cause.to_string(),
        },
        Error::DecodeEvent { offset, cause, .. } => ReadWarning::CorruptRecord {
            path,
            offset,
            reason: format!("record at byte {offset} is not an Event ({cause})"),
        },
        other => ReadWarning::UnreadableEntry {
            path,
            reason: other.to_string(),
        },
    }
}

/// Reads every event file of the run directory `dir` (names containing `tfevents`, in
/// name order; subdirectories are other runs) into a [`Run`] named by the directory's
/// own name. What was skipped is added to `warnings` (see [`Run::read_file`]); only a
/// directory that cannot be listed is an error.
pub fn read_run(dir: impl AsRef<Path>, warnings: &mut Vec<ReadWarning>) -> Result<Run, Error> {
    let dir = dir.as_ref();
    let files = event_files(dir)?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut run = Run::new(name, dir);
    for path in &files {
        run.read_file(path, warnings);
    }
    run.finish();
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_file::EventWriter;
    use crate::summary;

    fn file(dir: &Path, name: &str, write: impl FnOnce(&mut EventWriter<Vec<u8>>)) -> PathBuf {
        let mut writer = EventWriter::new(Vec::new(), 1.0).unwrap();
        write(&mut writer);
        let path = dir.join(name);
        std::fs::write(&path, writer.into_inner()).unwrap();
        path
    }

    #[test]
    fn the_first_session_start_purges_nothing_and_later_ones_purge_from_their_step() {
        let start = |step| Event {
            step,
            what: Some(What::SessionLog(crate::proto::tensorboard::SessionLog {
                status: session_log::SessionStatus::Start.into(),
                ..Default::default()
            })),
            ..Default::default()
        };
        let scalar = |step| Event {
            step,
            what: Some(What::Summary(crate::proto::tensorboard::Summary {
                value: vec![summary::scalar::value("loss", step as f32)],
            })),
            ..Default::default()
        };
        let mut run = Run::new("r", "r");
        let mut warnings = Vec::new();
        let path = Path::new("f");
        for event in [scalar(0), scalar(1), scalar(2), start(1)] {
            run.add_event(event, path, &mut warnings);
        }
        // One START, as torch's purge_step writes it: the server keeps everything.
        assert_eq!(run.scalars("loss").unwrap().count(), 3);
        for event in [start(1), scalar(1)] {
            run.add_event(event, path, &mut warnings);
        }
        assert_eq!(
            run.scalars("loss").unwrap().collect::<Vec<_>>(),
            [(0, 0.0), (1, 1.0)]
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn the_first_value_of_a_tag_fixes_its_plugin() {
        let dir = tempfile::tempdir().unwrap();
        file(dir.path(), "events.out.tfevents.1", |w| {
            w.write_summary(1.0, 0, summary::scalar::value("x", 1.5))
                .unwrap();
            // A text value under a scalar tag: not a scalar, skipped.
            w.write_summary(2.0, 1, summary::text::value("x", "words"))
                .unwrap();
            // A rank-0 float tensor declaring `histograms`: read as the scalar it is.
            let mut declared = summary::text::value("x", "");
            declared.metadata = Some(summary::plugin_metadata("histograms", Vec::new()));
            let Some(crate::proto::tensorboard::summary::value::Value::Tensor(t)) =
                declared.value.as_mut()
            else {
                unreachable!()
            };
            t.dtype = crate::proto::tensorboard::DataType::DtFloat.into();
            t.string_val.clear();
            t.float_val = vec![2.5];
            w.write_summary(3.0, 2, declared).unwrap();
        });
        let mut warnings = Vec::new();
        let run = read_run(dir.path(), &mut warnings).unwrap();
        assert_eq!(run.series["x"].plugin, "scalars");
        assert_eq!(
            run.scalars("x").unwrap().collect::<Vec<_>>(),
            [(0, 1.5), (2, 2.5)]
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(
            warnings[0].to_string(),
            format!(
                "event file {}: the value of tag \"x\" at step 1 was skipped: a tensor of dtype 7 \
                 cannot be read as \"scalars\" data; expected a float or integer dtype",
                dir.path().join("events.out.tfevents.1").display()
            )
        );
    }

    #[test]
    fn files_are_read_in_name_order_and_points_sorted_by_step() {
        let dir = tempfile::tempdir().unwrap();
        file(dir.path(), "events.out.tfevents.2", |w| {
            w.write_scalar(5.0, 3, "a", 3.0).unwrap();
            w.write_scalar(6.0, 1, "a", 10.0).unwrap();
        });
        file(dir.path(), "events.out.tfevents.1", |w| {
            w.write_scalar(1.0, 1, "a", 1.0).unwrap();
            w.write_scalar(2.0, 2, "a", 2.0).unwrap();
        });
        let run = read_run(dir.path(), &mut Vec::new()).unwrap();
        let points: Vec<(i64, f64, Value)> = run.series["a"]
            .points
            .iter()
            .map(|p| (p.step, p.wall_time, p.value.clone()))
            .collect();
        assert_eq!(
            points,
            [
                (1, 1.0, Value::Scalar(1.0)),
                (1, 6.0, Value::Scalar(10.0)),
                (2, 2.0, Value::Scalar(2.0)),
                (3, 5.0, Value::Scalar(3.0)),
            ]
        );
    }

    #[test]
    fn a_corrupt_record_ends_its_file_with_a_warning_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let bad = file(dir.path(), "events.out.tfevents.1", |w| {
            w.write_scalar(1.0, 1, "a", 1.0).unwrap();
            w.write_scalar(2.0, 2, "a", 2.0).unwrap();
        });
        let mut bytes = std::fs::read(&bad).unwrap();
        let last = bytes.len() - 6;
        bytes[last] ^= 0x10;
        std::fs::write(&bad, &bytes).unwrap();
        file(dir.path(), "events.out.tfevents.2", |w| {
            w.write_scalar(3.0, 3, "a", 3.0).unwrap();
        });
        let truncated = file(dir.path(), "events.out.tfevents.3", |w| {
            w.write_scalar(4.0, 4, "a", 4.0).unwrap();
            w.write_scalar(5.0, 5, "a", 5.0).unwrap();
        });
        let bytes = std::fs::read(&truncated).unwrap();
        std::fs::write(&truncated, &bytes[..bytes.len() - 2]).unwrap();

        let mut warnings = Vec::new();
        let run = read_run(dir.path(), &mut warnings).unwrap();
        let steps: Vec<i64> = run.scalars("a").unwrap().map(|(s, _)| s).collect();
        assert_eq!(steps, [1, 3, 4]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            matches!(&warnings[0], ReadWarning::CorruptRecord { path, .. } if *path == bad),
            "{warnings:?}"
        );
        assert!(
            warnings[0]
                .to_string()
                .ends_with("; the rest of this file was skipped"),
            "{}",
            warnings[0]
        );
        assert!(
            matches!(&warnings[1], ReadWarning::TruncatedTail { path, .. } if *path == truncated),
            "{warnings:?}"
        );
    }
}
