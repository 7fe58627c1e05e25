//! Reading a log directory with `tensorboard-logger`'s reader into the report's runs: the reader's errors in the report's words, and torch's hparams subdirectories folded into their runs.

use std::io;
use std::path::Path;

use tensorboard_logger::Error as ReadError;
use tensorboard_logger::reader::{self, FileProgress, Run};

use crate::error::{ReportError, Warning};

/// Reads every run under `log_dir`, in name order; `on_file` hears before each event file
/// is read. The log directory itself, as a run, is named `.` as TensorBoard shows it.
///
/// Fails when the log directory is missing, holds no event files, or no file holds a
/// single summary; everything less is a warning.
pub fn load_runs(
    log_dir: &Path,
    on_file: &mut dyn FnMut(FileProgress),
    warn: &mut dyn FnMut(Warning),
) -> Result<Vec<Run>, ReportError> {
    let mut files = 0;
    let mut counting = |progress: FileProgress| {
        files = progress.count;
        on_file(progress);
    };
    let read = reader::read_log_dir(log_dir, &mut counting).map_err(|error| match error {
        ReadError::ReadLogDir { cause, .. } if cause.kind() == io::ErrorKind::NotFound => {
            ReportError::MissingLogDir {
                path: log_dir.to_owned(),
            }
        }
        ReadError::ReadLogDir { cause, .. } => ReportError::ListLogDir {
            path: log_dir.to_owned(),
            cause,
        },
        ReadError::LogDirNotADirectory { .. } => ReportError::NotADirectory {
            path: log_dir.to_owned(),
        },
        cause => ReportError::ReadLogDir {
            path: log_dir.to_owned(),
            cause,
        },
    })?;
    let warned = read.warnings.len();
    for warning in read.warnings {
        warn(Warning::Read(warning));
    }
    if read.runs.is_empty() {
        return Err(ReportError::NoEventFiles {
            path: log_dir.to_owned(),
        });
    }
    if read.runs.iter().all(|run| run.series.is_empty()) {
        return Err(ReportError::NoEvents {
            path: log_dir.to_owned(),
            files,
            warned,
        });
    }
    let mut runs = read.runs;
    for run in &mut runs {
        if run.name.is_empty() {
            run.name = ".".to_owned();
        }
    }
    Ok(fold_hparams_subruns(runs))
}

/// `torch.utils.tensorboard`'s `add_hparams` writes a run's hparams into a new
/// subdirectory named by the time (`str(time.time())`), a run of its own; fold such a
/// subrun into its parent run when the parent has no hparams of its own, so both
/// group as one.
fn fold_hparams_subruns(mut runs: Vec<Run>) -> Vec<Run> {
    let mut i = 0;
    while i < runs.len() {
        let (parent, last) = runs[i]
            .name
            .rsplit_once('/')
            .unwrap_or((".", &runs[i].name));
        let parent_index = (runs[i].name != "." && is_time_name(last))
            .then(|| runs.iter().position(|r| r.name == parent))
            .flatten();
        match parent_index {
            Some(p) if runs[i].hparams().is_some() && runs[p].hparams().is_none() => {
                let child = runs.remove(i);
                let p = if p > i { p - 1 } else { p };
                absorb(&mut runs[p], child);
            }
            _ => i += 1,
        }
    }
    runs
}

/// Adds the series of `child` whose tags `parent` lacks (its hparams among them).
fn absorb(parent: &mut Run, child: Run) {
    for (tag, series) in child.series {
        parent.series.entry(tag).or_insert(series);
    }
}

/// Whether a directory name looks like `time.time()` printed: digits with one dot.
fn is_time_name(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && name.bytes().filter(|&b| b == b'.').count() == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use tensorboard_logger::{HParamValue, SummaryWriter};

    /// Writes a run at `dir` (relative to `root`) with the hparams given, if any.
    fn write_run(root: &Path, dir: &str, hparams: &[(&str, &str)]) {
        let writer = SummaryWriter::new(root.join(dir)).unwrap();
        if hparams.is_empty() {
            writer.add_scalar("loss", 1.0, 0).unwrap();
        } else {
            let values: Vec<(&str, HParamValue)> = hparams
                .iter()
                .map(|(k, v)| (*k, HParamValue::from(*v)))
                .collect();
            writer.add_hparams(&values, &["loss"]).unwrap();
        }
        writer.close().unwrap();
    }

    fn load(root: &Path) -> Vec<Run> {
        load_runs(root, &mut |_| {}, &mut |w| panic!("{w}")).unwrap()
    }

    fn activation(run: &Run) -> Option<&HParamValue> {
        run.hparams()?.get("activation")
    }

    #[test]
    fn an_hparams_subrun_folds_into_a_parent_without_hparams() {
        let root = tempfile::tempdir().unwrap();
        write_run(root.path(), "mnist/relu", &[]);
        write_run(
            root.path(),
            "mnist/relu/1712345678.5",
            &[("activation", "relu")],
        );
        write_run(root.path(), "mnist/tanh", &[("activation", "tanh")]);
        write_run(
            root.path(),
            "mnist/tanh/1712345679.5",
            &[("activation", "elu")],
        );
        let runs = load(root.path());
        let names: Vec<_> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["mnist/relu", "mnist/tanh", "mnist/tanh/1712345679.5"]
        );
        assert_eq!(activation(&runs[0]), Some(&HParamValue::from("relu")));
        assert!(
            runs[0].scalars("loss").is_some(),
            "the parent keeps its own series"
        );
        assert_eq!(activation(&runs[1]), Some(&HParamValue::from("tanh")));
    }

    #[test]
    fn a_top_level_hparams_subrun_folds_into_the_log_dir_run() {
        let root = tempfile::tempdir().unwrap();
        write_run(root.path(), "", &[]);
        write_run(root.path(), "1712345678.5", &[("seed", "1")]);
        let runs = load(root.path());
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].name, ".");
        assert_eq!(runs[0].hparams().unwrap()["seed"], HParamValue::from("1"));
    }

    #[test]
    fn a_seed_run_is_not_folded_into_its_parent() {
        let root = tempfile::tempdir().unwrap();
        write_run(root.path(), "relu", &[]);
        write_run(root.path(), "relu/seed-1", &[("seed", "1")]);
        assert_eq!(load(root.path()).len(), 2);
    }

    #[test]
    fn a_missing_log_dir_says_to_run_train() {
        let error =
            load_runs(Path::new("/nonexistent/logs"), &mut |_| {}, &mut |_| {}).unwrap_err();
        assert_eq!(
            error.to_string(),
            "log directory /nonexistent/logs does not exist; run `train` first (it writes to `logs`), \
             or pass the directory that holds the runs"
        );
    }

    #[test]
    fn a_file_is_not_a_log_dir() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let error = load_runs(file.path(), &mut |_| {}, &mut |_| {}).unwrap_err();
        assert!(
            matches!(error, ReportError::NotADirectory { .. }),
            "{error}"
        );
    }

    /// A log directory of one run, `mnist/relu`, whose one event file holds `bytes`.
    fn one_event_file(bytes: &[u8]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("mnist/relu");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("events.out.tfevents.1.host.1.0"), bytes).unwrap();
        root
    }

    #[test]
    fn empty_event_files_say_they_hold_nothing_yet_without_pointing_at_warnings() {
        let root = one_event_file(b"");
        let mut warnings = 0;
        let error = load_runs(root.path(), &mut |_| {}, &mut |_| warnings += 1).unwrap_err();
        assert_eq!(warnings, 0);
        let message = error.to_string();
        assert_eq!(
            message,
            format!(
                "none of the 1 event files under {} holds a summary yet (a writer creates its \
                 file before the first one); wait for `train` to log, or pass the log directory \
                 of finished runs",
                root.path().display()
            )
        );
        assert!(!message.contains("warning"), "{message}");
    }

    #[test]
    fn files_that_give_nothing_but_warnings_point_at_the_warnings() {
        // Shorter than a record header: the reader takes it as a record cut short.
        let root = one_event_file(b"garbage");
        let mut heard = Vec::new();
        let error = load_runs(root.path(), &mut |_| {}, &mut |w| heard.push(w)).unwrap_err();
        assert_eq!(heard.len(), 1, "{heard:?}");
        assert_eq!(
            error.to_string(),
            format!(
                "none of the 1 event files under {} gave a summary; the warnings say which \
                 files could not be read and why",
                root.path().display()
            )
        );
    }
}
