//! Shared helpers of the report's integration tests: a log directory, a run written with
//! our writer.

use std::path::{Path, PathBuf};

use anyhow::Result;
use tensorboard_logger::{HParamValue, SummaryWriter};

/// A fresh temporary directory and the path of a log directory, `logs`, in it (not created).
pub fn temp_logs() -> Result<(tempfile::TempDir, PathBuf)> {
    let root = tempfile::tempdir()?;
    let logs = root.path().join("logs");
    Ok((root, logs))
}

/// Writes a run at `dir`: `hparams` (as strings, with `test/accuracy` as the metric) and
/// the `(step, value)` points of each scalar tag; returns its event file.
#[allow(
    dead_code,
    reason = "not every test binary writes runs with our writer"
)]
pub fn write_run(
    dir: &Path,
    hparams: &[(&str, &str)],
    scalars: &[(&str, Vec<(i64, f32)>)],
) -> Result<PathBuf> {
    let writer = SummaryWriter::new(dir)?;
    let hparams: Vec<(&str, HParamValue)> = hparams
        .iter()
        .map(|&(name, value)| (name, HParamValue::from(value)))
        .collect();
    writer.add_hparams(&hparams, &["test/accuracy"])?;
    for (tag, points) in scalars {
        for &(step, value) in points {
            writer.add_scalar(tag, value, step)?;
        }
    }
    let file = writer.event_file().to_owned();
    writer.close()?;
    Ok(file)
}
