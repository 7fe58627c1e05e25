//! The peer: the same training in PyTorch (`pytorch/mnist_speed.py`), run as a subprocess.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use activation_study::heap;
use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::phases::{PHASES, Spent};
use crate::{Measured, Settings};

/// The script, kept beside this benchmark's sources (where a binary built elsewhere is run,
/// `--peer-script` says where it is).
pub const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/benches/pytorch/mnist_speed.py"
);

/// How to run the script.
pub struct Peer {
    /// The setup venv's Python, which has torch and tensorboard.
    pub python: PathBuf,
    /// The PyTorch script.
    pub script: PathBuf,
    /// The MNIST directory.
    pub mnist_dir: PathBuf,
    /// The `.npz` with the initial variables and the batch order, written by our side.
    pub inputs: PathBuf,
    /// Give the script the glibc heap settings of `activation_study::heap`, through the
    /// environment variables glibc reads at start-up.
    pub tuned_heap: bool,
}

/// The peer's torch installation.
pub struct Torch {
    /// `torch.__version__`.
    pub version: String,
    /// The package directory, which holds the libtorch it runs.
    pub location: String,
}

/// The JSON line the script prints (its other fields are for people reading it).
#[derive(Deserialize)]
struct Report {
    images_per_s: f64,
    mean_images_per_s: f64,
    train_loss_last50: f64,
    test_loss: f64,
    test_accuracy: f64,
    threads: i32,
    torch: String,
    /// Seconds per phase, by phase name, with `--phases`.
    phases: Option<HashMap<String, f64>>,
}

impl Peer {
    /// The torch version and installation directory, checking that the Python can log too.
    pub fn torch(&self) -> Result<Torch> {
        let output = Command::new(&self.python)
            .args(["-c", "import os, torch, torch.utils.tensorboard; print(torch.__version__); print(os.path.dirname(torch.__file__))"])
            .output()
            .with_context(|| format!("cannot run {}; run ./scripts/setup.sh or pass --python", self.python.display()))?;
        if !output.status.success() {
            bail!(
                "{} cannot import torch and tensorboard ({}); run ./scripts/setup.sh or pass --python",
                self.python.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut lines = stdout.lines();
        let (Some(version), Some(location)) = (lines.next(), lines.next()) else {
            bail!(
                "{} printed {stdout:?} instead of the torch version and directory",
                self.python.display()
            );
        };
        Ok(Torch {
            version: version.to_owned(),
            location: location.to_owned(),
        })
    }

    /// Runs the script with `settings`, logging to `logdir` when given.
    pub fn run(&self, settings: &Settings, logdir: Option<&Path>) -> Result<Measured> {
        let mut command = Command::new(&self.python);
        command
            .arg(&self.script)
            .arg("--data-dir")
            .arg(&self.mnist_dir)
            .arg("--inputs")
            .arg(&self.inputs)
            .args(["--steps", &settings.steps.to_string()])
            .args(["--warmup", &settings.warmup.to_string()])
            .args(["--threads", &settings.threads.to_string()])
            .args(["--seed", &settings.seed.to_string()])
            .args(["--device", settings.device_name])
            .args(["--test-images", &settings.test_images.to_string()])
            .args(["--hist-every", &settings.histogram_every.to_string()]);
        if settings.phases {
            command.arg("--phases");
        }
        if self.tuned_heap {
            command
                .env("MALLOC_MMAP_THRESHOLD_", heap::MMAP_THRESHOLD.to_string())
                .env("MALLOC_TRIM_THRESHOLD_", heap::TRIM_THRESHOLD.to_string());
        }
        if let Some(dir) = logdir {
            command.arg("--logdir").arg(dir);
        }
        let output = command
            .output()
            .with_context(|| format!("cannot run {}", self.python.display()))?;
        let script = self.script.display();
        if !output.status.success() {
            bail!(
                "{script} failed ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().last().unwrap_or_default();
        let report: Report = serde_json::from_str(line)
            .with_context(|| format!("{script} printed {stdout:?}, not its JSON line"))?;
        if report.threads != settings.threads {
            bail!(
                "{script} ran with {} threads, not the {} asked for (torch {})",
                report.threads,
                settings.threads,
                report.torch
            );
        }
        let phases = match &report.phases {
            Some(by_name) => {
                let mut spent: Spent = [0.0; PHASES.len()];
                for (slot, phase) in spent.iter_mut().zip(PHASES) {
                    *slot = *by_name
                        .get(phase.name())
                        .with_context(|| format!("{script} reported no phase {}", phase.name()))?;
                }
                Some(spent)
            }
            None => None,
        };
        Ok(Measured {
            images_per_s: report.images_per_s,
            mean_images_per_s: report.mean_images_per_s,
            train_loss_last50: report.train_loss_last50,
            test_loss: report.test_loss,
            test_accuracy: report.test_accuracy,
            phases,
        })
    }
}
