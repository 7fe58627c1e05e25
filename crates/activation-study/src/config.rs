//! A run's configuration (saved with the run as JSON, text and hparams); the study's
//! per-data-set defaults are `study-spec`'s ([`Dataset::defaults`]).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::activation::{Activation, ActivationKind};
use crate::data::{DataSource, Dataset};

pub use study_spec::{Defaults, OptimizerKind};

/// Everything that defines one training run; written to `results.json`, logged as text and
/// (the scalar settings) as TensorBoard hparams.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The data set.
    pub dataset: Dataset,
    /// The activation, with its parameter.
    pub activation: Activation,
    /// The leaky ReLU slope setting (used when the activation is leaky ReLU).
    pub leaky_slope: f64,
    /// The ELU alpha setting (used when the activation is ELU).
    pub elu_alpha: f64,
    /// Optimisation steps.
    pub steps: i64,
    /// Mini-batch size.
    pub batch_size: i64,
    /// Learning rate (constant: the CIFAR-10 tutorial's decay falls after 100k steps).
    pub lr: f64,
    /// Optimiser.
    pub optimizer: OptimizerKind,
    /// Seed of the weights, the batch order, dropout and the distortions.
    pub seed: u64,
    /// The training device, as libtorch names it (`cpu`, `cuda:0`).
    pub device: String,
    /// libtorch intra-op threads.
    pub threads: i32,
    /// Steps between test-set evaluations.
    pub eval_every: i64,
    /// Steps between histogram, sparsity, saturation and image summaries.
    pub hist_every: i64,
    /// Steps between scalar summaries and progress updates.
    pub log_every: i64,
    /// Whether the run diagnoses itself (gradient flow, saturation, dead units, loss
    /// plateau; `--no-diagnostics` turns it off). Absent in the files of older runs, which had
    /// none.
    #[serde(default)]
    pub diagnostics: bool,
    /// Decay of the weight average used for evaluation, if any.
    pub ema_decay: Option<f64>,
    /// Where the data came from.
    pub data: DataSource,
    /// Training examples.
    pub train_examples: usize,
    /// Test examples.
    pub test_examples: usize,
    /// The run's directory.
    pub run_dir: PathBuf,
}

impl RunConfig {
    /// The activation's kind.
    pub fn activation_kind(&self) -> ActivationKind {
        self.activation.kind()
    }
}
