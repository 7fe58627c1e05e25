//! The hparam names a run records (TensorBoard's HParams dashboard); the report groups runs by
//! [`DATASET`], [`ACTIVATION`] and [`SEED`].

/// The data set's name ([`Dataset::name`](crate::Dataset::name)).
pub const DATASET: &str = "dataset";
/// The activation's name ([`ActivationKind::name`](crate::ActivationKind::name)).
pub const ACTIVATION: &str = "activation";
/// The leaky ReLU slope setting.
pub const LEAKY_SLOPE: &str = "leaky_slope";
/// The ELU alpha setting.
pub const ELU_ALPHA: &str = "elu_alpha";
/// The learning rate.
pub const LR: &str = "lr";
/// The mini-batch size.
pub const BATCH_SIZE: &str = "batch_size";
/// The optimisation steps.
pub const STEPS: &str = "steps";
/// The seed of the run.
pub const SEED: &str = "seed";
/// The training device, as libtorch names it.
pub const DEVICE: &str = "device";
