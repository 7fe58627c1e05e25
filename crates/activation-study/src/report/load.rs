//! Reading every run's event files into series; a corrupt or truncated file gives a warning naming it, and the rest is still read.

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use tensorboard_logger::error::Error as ReadError;
use tensorboard_logger::reader::EventFileReader;

use super::discover::find_runs;
use super::error::{ReportError, Warning};
use super::events::RunData;

/// One run: a directory of event files, read.
#[derive(Debug, Clone)]
pub struct Run {
    /// Its path relative to the log directory (TensorBoard's run name).
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// What its events hold.
    pub data: RunData,
}

/// Reads every run under `log_dir`, in name order, ticking `progress` once per file.
///
/// Fails when the log directory is missing, holds no event files, or no file gives a
/// single event; everything less is a warning.
pub fn load_runs(
    log_dir: &Path,
    progress: &ProgressBar,
    warn: &mut dyn FnMut(Warning),
) -> Result<Vec<Run>, ReportError> {
    let dirs = find_runs(log_dir, warn)?;
    let files: usize = dirs.iter().map(|d| d.files.len()).sum();
    if files == 0 {
        return Err(ReportError::NoEventFiles {
            path: log_dir.to_owned(),
        });
    }
    progress.set_length(files as u64);
    let mut runs = Vec::with_capacity(dirs.len());
    let mut events = 0;
    for dir in dirs {
        let mut data = RunData::default();
        for file in &dir.files {
            events += read_file(file, &dir.name, &mut data, warn);
            progress.inc(1);
        }
        runs.push(Run {
            name: dir.name,
            dir: dir.dir,
            data,
        });
    }
    if events == 0 {
        return Err(ReportError::NothingReadable {
            path: log_dir.to_owned(),
            files,
        });
    }
    Ok(fold_hparams_subruns(runs))
}

/// Adds the events of one file to `data`; returns how many were read.
fn read_file(path: &Path, run: &str, data: &mut RunData, warn: &mut dyn FnMut(Warning)) -> usize {
    let mut reader = match EventFileReader::open(path) {
        Ok(reader) => reader,
        Err(error) => {
            warn(Warning::UnreadableFile {
                path: path.to_owned(),
                error: cause(&error),
            });
            return 0;
        }
    };
    let mut read = 0;
    let mut bad_hparams = None;
    for event in reader.by_ref() {
        match event {
            Ok(event) => {
                if let Err(error) = data.ingest(&event) {
                    bad_hparams.get_or_insert(error);
                }
                read += 1;
            }
            Err(error) => {
                warn(Warning::CorruptFile {
                    path: path.to_owned(),
                    error: cause(&error),
                    events_kept: read,
                });
                return read;
            }
        }
    }
    if let Some(error) = bad_hparams {
        warn(Warning::BadHParams {
            run: run.to_owned(),
            error: error.to_string(),
        });
    }
    if let Some(offset) = reader.truncated_tail() {
        warn(Warning::TruncatedFile {
            path: path.to_owned(),
            offset,
            events_kept: read,
        });
    }
    read
}

/// The reader's message without the file name, which the warning already gives.
fn cause(error: &ReadError) -> String {
    match error {
        ReadError::Record { cause, .. } => cause.to_string(),
        ReadError::DecodeEvent { offset, cause, .. } => {
            format!("record at byte {offset} is not an Event: {cause}")
        }
        ReadError::OpenEventFile { cause, .. } => cause.to_string(),
        other => other.to_string(),
    }
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
            Some(p) if !runs[i].data.hparams.is_empty() && runs[p].data.hparams.is_empty() => {
                let child = runs.remove(i);
                let p = if p > i { p - 1 } else { p };
                runs[p].data.absorb(child.data);
            }
            _ => i += 1,
        }
    }
    runs
}

/// Whether a directory name looks like `time.time()` printed: digits with one dot.
fn is_time_name(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && name.bytes().filter(|&b| b == b'.').count() == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::events::HParam;

    fn run(name: &str, hparams: &[(&str, &str)]) -> Run {
        let mut data = RunData::default();
        for (k, v) in hparams {
            data.hparams
                .insert((*k).to_owned(), HParam::Text((*v).to_owned()));
        }
        Run {
            name: name.to_owned(),
            dir: PathBuf::from(name),
            data,
        }
    }

    #[test]
    fn an_hparams_subrun_folds_into_a_parent_without_hparams() {
        let runs = fold_hparams_subruns(vec![
            run("mnist/relu", &[]),
            run("mnist/relu/1712345678.5", &[("activation", "relu")]),
            run("mnist/tanh", &[("activation", "tanh")]),
            run("mnist/tanh/1712345679.5", &[("activation", "elu")]),
        ]);
        let names: Vec<_> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["mnist/relu", "mnist/tanh", "mnist/tanh/1712345679.5"]
        );
        assert_eq!(
            runs[0].data.hparams["activation"],
            HParam::Text("relu".into())
        );
        assert_eq!(
            runs[1].data.hparams["activation"],
            HParam::Text("tanh".into())
        );
    }

    #[test]
    fn a_top_level_hparams_subrun_folds_into_the_log_dir_run() {
        let runs = fold_hparams_subruns(vec![run(".", &[]), run("1712345678.5", &[("seed", "1")])]);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].name, ".");
        assert_eq!(runs[0].data.hparams["seed"], HParam::Text("1".into()));
    }

    #[test]
    fn a_seed_run_is_not_folded_into_its_parent() {
        let runs =
            fold_hparams_subruns(vec![run("relu", &[]), run("relu/seed-1", &[("seed", "1")])]);
        assert_eq!(runs.len(), 2);
    }
}
