//! Shared by the integration tests: running the real TensorBoard (Python, from the venv
//! that scripts/setup.sh makes) on a log directory and looking at what it saw.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;
use tensorboard_logger::summary::image::{Image, Layout};

/// The venv's Python interpreter, which has TensorBoard installed.
pub fn python() -> Result<PathBuf> {
    let python = std::env::var_os("ACTIVATION_STUDY_PYTHON").context(
        "ACTIVATION_STUDY_PYTHON is not set: run ./scripts/setup.sh, which installs \
         TensorBoard into a venv and records its python in .cargo/config.toml",
    )?;
    Ok(PathBuf::from(python))
}

/// The venv's Python, or `None` after printing why a test that needs it is skipped.
pub fn python_or_skip(test: &str) -> Option<PathBuf> {
    match python() {
        Ok(python) if python.exists() => Some(python),
        Ok(python) => {
            eprintln!(
                "skipping {test}: {} does not exist; run ./scripts/setup.sh",
                python.display()
            );
            None
        }
        Err(error) => {
            eprintln!("skipping {test}: {error}");
            None
        }
    }
}

/// What TensorBoard sees in `logdir`, as printed by `common/read_runs.py`.
pub fn tensorboard_view(logdir: &Path) -> Result<Value> {
    script_view(&python()?, "read_runs.py", logdir)
}

/// The JSON that the reader script `tests/common/<script>` prints for `logdir`, run by
/// `python`.
pub fn script_view(python: &Path, script: &str, logdir: &Path) -> Result<Value> {
    script_view_with(python, script, logdir, &[])
}

/// [`script_view`] for a script that takes more arguments after the log directory.
pub fn script_view_with(
    python: &Path,
    script: &str,
    logdir: &Path,
    more: &[&Path],
) -> Result<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/common")
        .join(script);
    let output = Command::new(python)
        .arg(&path)
        .arg(logdir)
        .args(more)
        .output()
        .with_context(|| format!("running {}", path.display()))?;
    if !output.status.success() {
        bail!(
            "TensorBoard could not read {} ({script}): {}\n{}",
            logdir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout)
        .with_context(|| format!("parsing the output of {script}"))
}

/// A float as the reader script writes it (non-finite values are strings).
pub fn float(value: &Value) -> f64 {
    match value {
        Value::Number(n) => n.as_f64().expect("a float"),
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        other => panic!("not a float: {other}"),
    }
}

/// The `(step, wall_time, value)` points of a scalar tag of a run.
pub fn scalars(view: &Value, run: &str, tag: &str) -> Vec<(i64, f64, f64)> {
    let points = &view["runs"][run]["scalars"][tag];
    let Some(points) = points.as_array() else {
        panic!(
            "TensorBoard shows no scalars {tag:?} in run {run:?}: {}",
            view["runs"][run]
        );
    };
    points
        .iter()
        .map(|p| (p[0].as_i64().unwrap(), float(&p[1]), float(&p[2])))
        .collect()
}

/// Compares floats treating NaN as equal to NaN.
pub fn same_float(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// A path from the environment that scripts/setup.sh records in .cargo/config.toml.
pub fn env_path(name: &str) -> Result<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .with_context(|| format!("{name} is not set; run ./scripts/setup.sh"))
}

/// The first `count` images of the MNIST test set, from the setup's data directory: an
/// IDX image file (big-endian header: magic 2051,
/// image count, rows, columns; then one byte per pixel).
pub fn mnist_images(count: usize) -> Result<Vec<Image>> {
    let path = env_path("ACTIVATION_STUDY_DATA")?.join("mnist/t10k-images-idx3-ubyte");
    let bytes = std::fs::read(&path)
        .with_context(|| format!("reading {}; run ./scripts/setup.sh", path.display()))?;
    let header = |i: usize| u32::from_be_bytes(bytes[4 * i..4 * i + 4].try_into().unwrap());
    ensure!(
        header(0) == 2051,
        "{} is not an IDX image file",
        path.display()
    );
    let (rows, columns) = (header(2) as usize, header(3) as usize);
    ensure!((rows, columns) == (28, 28), "MNIST images are 28x28");
    bytes[16..]
        .chunks_exact(rows * columns)
        .take(count)
        .map(|pixels| {
            Ok(Image::from_u8(
                pixels.to_vec(),
                1,
                rows,
                columns,
                Layout::Chw,
            )?)
        })
        .collect()
}

/// The first `count` labels of the MNIST test set (IDX label file: big-endian magic 2049
/// and count, then one byte per label).
pub fn mnist_labels(count: usize) -> Result<Vec<u8>> {
    let path = env_path("ACTIVATION_STUDY_DATA")?.join("mnist/t10k-labels-idx1-ubyte");
    let bytes = std::fs::read(&path)
        .with_context(|| format!("reading {}; run ./scripts/setup.sh", path.display()))?;
    ensure!(
        bytes.len() >= 8 + count && bytes[..4] == 2049u32.to_be_bytes(),
        "{} is not an IDX label file of {count} labels",
        path.display()
    );
    Ok(bytes[8..8 + count].to_vec())
}
