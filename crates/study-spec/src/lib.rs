//! The activation study's names, defined once for the trainer (`activation-study`, with
//! libtorch) and the report (`study-report`, without): the five activations and the two data
//! sets in the study's order, the tutorial's settings per data set, the TensorBoard tags and
//! hparams a run logs, and how runs are laid out in the log directory.
//!
//! ```
//! use study_spec::{ActivationKind, Dataset, layout, tags};
//!
//! assert_eq!(ActivationKind::from_name("leaky_relu"), Some(ActivationKind::LeakyRelu));
//! assert_eq!(Dataset::ALL.map(Dataset::name), ["mnist", "cifar10"]);
//! assert_eq!(tags::LayerSummary::Sparsity.tag("conv1"), "conv1/sparsity");
//! assert_eq!(layout::seeded_run_name(ActivationKind::Relu, 3), "relu-seed3");
//! ```
#![warn(missing_docs)]

pub mod activation;
pub mod dataset;
pub mod hparams;
pub mod layout;
pub mod tags;

pub use activation::ActivationKind;
pub use dataset::{Dataset, Defaults, OptimizerKind};
