//! Shared helpers of the integration tests: where the real data and the real TensorBoard are.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// libtorch's random generator is process-wide: tests of one file that train at the same time
/// would draw from each other's sequence, and a seed test could not see a run repeat itself.
static TRAINING: Mutex<()> = Mutex::new(());

/// Waits until no other test of this test binary trains; a test that failed while training
/// does not block the others.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn train_alone() -> MutexGuard<'static, ()> {
    TRAINING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The data root written by `scripts/setup.sh` into `.cargo/config.toml`.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn data_root() -> PathBuf {
    match std::env::var_os("ACTIVATION_STUDY_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "ACTIVATION_STUDY_DATA is not set: run ./scripts/setup.sh (it fetches the data and configures cargo)"
        ),
    }
}

/// Makes `root` a data root holding only the CIFAR-10 sample, so that a full CIFAR-10 in the
/// user's data root is not used.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn sample_only_data_root(root: &Path) {
    let sample = root.join("cifar10-sample/test_batch.bin");
    std::fs::create_dir_all(sample.parent().unwrap()).unwrap();
    std::fs::copy(data_root().join("cifar10-sample/test_batch.bin"), &sample).unwrap();
}

/// The venv's Python, which has the real `tensorboard` package.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn python() -> PathBuf {
    match std::env::var_os("ACTIVATION_STUDY_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "ACTIVATION_STUDY_PYTHON is not set: run ./scripts/setup.sh (it installs TensorBoard and configures cargo)"
        ),
    }
}

/// Builds the `train` command's arguments from a flag string.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn args(flags: &[&str]) -> activation_study::cli::Args {
    use clap::Parser;
    activation_study::cli::Args::try_parse_from(
        std::iter::once("train").chain(flags.iter().copied()),
    )
    .expect("valid flags")
}

/// A run configuration of the MNIST defaults for `run_dir`, for tests that need one without
/// training.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn run_config(run_dir: PathBuf) -> activation_study::config::RunConfig {
    use activation_study::activation::{Activation, ActivationKind};
    use activation_study::data::{DataSource, Dataset};
    let d = Dataset::Mnist.defaults();
    activation_study::config::RunConfig {
        dataset: Dataset::Mnist,
        activation: Activation::new(ActivationKind::Relu, 0.2, 1.0).expect("valid activation"),
        leaky_slope: 0.2,
        elu_alpha: 1.0,
        steps: d.steps,
        batch_size: d.batch_size,
        lr: d.lr,
        optimizer: d.optimizer,
        seed: 0,
        device: "cpu".into(),
        threads: 1,
        eval_every: d.eval_every,
        hist_every: 100,
        log_every: 10,
        diagnostics: true,
        ema_decay: d.ema_decay,
        data: DataSource {
            path: PathBuf::from("data/mnist"),
            smoke_test_sample: false,
        },
        train_examples: 60_000,
        test_examples: 10_000,
        run_dir,
    }
}

/// Prints, as JSON, the HParams session end status TensorBoard's own reader finds in a run
/// directory (null when there is none) and the steps of its `cross_entropy` scalars.
const READ_END: &str = r#"
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
ea = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0, "tensors": 0})
ea.Reload()
status = None
for tag, content in ea.PluginTagToContent("hparams").items():
    data = plugin_data_pb2.HParamsPluginData.FromString(content)
    if data.HasField("session_end_info"):
        status = api_pb2.Status.Name(data.session_end_info.status)
scalars = ea.Tags()["scalars"]
steps = [s.step for s in ea.Scalars("cross_entropy")] if "cross_entropy" in scalars else []
print(json.dumps({"status": status, "steps": steps}))
"#;

/// Runs the study on the real MNIST on the CPU into `logdir`, with the `more` flags; returns
/// what `cli::run` returned, the table it printed and its messages.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn run_mnist(
    logdir: &Path,
    more: &[&str],
) -> (Vec<activation_study::results::RunResults>, String, String) {
    let root = data_root();
    let mut flags = vec![
        "--device",
        "cpu",
        "--logdir",
        logdir.to_str().unwrap(),
        "--data-dir",
        root.to_str().unwrap(),
    ];
    flags.extend_from_slice(more);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcomes = activation_study::cli::run(&args(&flags), &mut out, &mut err).unwrap();
    (
        outcomes,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// Runs the venv's Python with `args` and then `dir`, and parses the JSON it prints: how
/// the tests read runs back with the real TensorBoard.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn tensorboard_json(args: &[&str], dir: &Path) -> serde_json::Value {
    let out = std::process::Command::new(python())
        .args(args)
        .arg(dir)
        .output()
        .expect("run the venv's python");
    assert!(
        out.status.success(),
        "TensorBoard could not read {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the read-back prints JSON")
}

/// What the real TensorBoard sees in `logdir`, as printed by the logger's `read_runs.py`
/// (its own loading path, as `tensorboard --logdir` loads).
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn tensorboard_view(logdir: &Path) -> serde_json::Value {
    let read_runs = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tensorboard-logger/tests/common/read_runs.py");
    tensorboard_json(&[read_runs.to_str().unwrap()], logdir)
}

/// The session end status and the logged steps of a run directory, as TensorBoard reads them.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn tensorboard_end(run_dir: &Path) -> serde_json::Value {
    tensorboard_json(&["-c", READ_END], run_dir)
}
