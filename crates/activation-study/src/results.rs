//! `results.json`: what a run's results file holds, written atomically so that a crash or a
//! full disk leaves either the whole file or none.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::RunConfig;
use crate::error::StudyError;
use crate::run_end::RunStatus;
use study_spec::diagnosis::Finding;

/// Name of the results file in each run directory.
pub const RESULTS_FILE: &str = "results.json";

/// How a run that ran all its steps did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    /// Accuracy on the whole test split after the last step.
    pub test_accuracy: f64,
    /// Cross entropy of the last logged training batch.
    pub final_cross_entropy: f64,
    /// Total loss (cross entropy plus regularisation) of the last logged training batch.
    pub final_total_loss: f64,
    /// Accuracy on the last logged training batch.
    pub final_train_accuracy: f64,
    /// Wall-clock seconds of the run, evaluations and summaries included.
    pub seconds: f64,
    /// Training images per second over the run.
    pub images_per_second: f64,
}

/// What `results.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// The configuration, as also logged as text and hparams.
    pub config: RunConfig,
    /// How the run ended, why, and its last step.
    pub status: RunStatus,
    /// The final metrics; only for a run that ran all its steps.
    pub metrics: Option<RunMetrics>,
    /// What the diagnosis found, in the order it was found (empty when it was off; absent in
    /// the files of older runs).
    #[serde(default)]
    pub findings: Vec<Finding>,
}

/// Writes `results` as pretty JSON to `out`.
pub fn write_json(results: &RunResults, out: impl Write) -> Result<(), serde_json::Error> {
    serde_json::to_writer_pretty(out, results)
}

/// Writes `results.json` into the run directory: to a temporary file beside it, synced, then
/// renamed over it, so that the file is whole or absent.
pub fn write_results(results: &RunResults) -> Result<PathBuf, StudyError> {
    let path = results.config.run_dir.join(RESULTS_FILE);
    let mut json = Vec::with_capacity(4096);
    write_json(results, &mut json).map_err(|source| StudyError::Json {
        path: path.clone(),
        source,
    })?;
    json.push(b'\n');
    write_atomically(&path, &json).map_err(|source| StudyError::Results {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Replaces `path` by `contents` atomically; on failure nothing is left behind.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file: File| {
            file.write_all(contents)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_neither_the_file_nor_the_temporary() {
        let tmp = tempfile::tempdir().unwrap();
        // A directory in the way makes the rename fail after the temporary was written.
        let path = tmp.path().join(RESULTS_FILE);
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep"), b"x").unwrap();
        assert!(write_atomically(&path, b"{}").is_err());
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [RESULTS_FILE]);
    }

    #[test]
    fn a_write_replaces_the_whole_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(RESULTS_FILE);
        std::fs::write(&path, b"an older, longer content").unwrap();
        write_atomically(&path, b"{}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
