//! The whole chain in one test: libtorch computes a value, our logger writes it, and the real
//! TensorBoard from the setup's venv reads it back.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, ensure};
use tch::{Device, Kind, Tensor};
use tensorboard_logger::SummaryWriter;

/// Prints `step value` for every point of one scalar tag, as TensorBoard's loader sees it.
const READ_SCALAR: &str = r#"
import sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
acc.Reload()
for event in acc.Scalars(sys.argv[2]):
    print(event.step, repr(event.value))
"#;

#[test]
fn a_tch_value_written_by_us_is_read_back_by_tensorboard() -> Result<()> {
    let python = std::env::var_os("ACTIVATION_STUDY_PYTHON")
        .map(PathBuf::from)
        .context("ACTIVATION_STUDY_PYTHON is not set: run ./scripts/setup.sh first")?;

    // 1 + 2 + ... + 100 over 100 values: the mean is 50.5, exact in f32.
    let values = Tensor::arange_start(1, 101, (Kind::Float, Device::Cpu));
    let mean = values.f_mean(Kind::Float)?.f_double_value(&[])? as f32;
    assert_eq!(mean, 50.5);

    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    writer.add_scalar("chain/mean", mean, 7)?;
    writer.close()?;

    let output = Command::new(&python)
        .args(["-c", READ_SCALAR])
        .arg(dir.path())
        .arg("chain/mean")
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    let stdout = String::from_utf8(output.stdout)?;
    ensure!(
        output.status.success(),
        "TensorBoard failed to read the run:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.trim(), "7 50.5");
    Ok(())
}
