//! Shared helper of the report's integration tests: a run written with our writer.

use std::path::{Path, PathBuf};

use anyhow::Result;
use tensorboard_logger::{HParamValue, SummaryWriter};

/// Writes a run at `dir`: `hparams` (as strings, with `test/accuracy` as the metric) and
/// the `(step, value)` points of each scalar tag; returns its event file.
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
