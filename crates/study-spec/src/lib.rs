//! The activation study's names, defined once for the trainer (`activation-study`, with
//! libtorch) and the report (`study-report`, without): the five activations and the two data
//! sets in the study's order, the tutorial's settings per data set, the TensorBoard tags and
//! hparams a run logs, the rules that diagnose a run from its signals ([`diagnosis`]), and how
//! runs are laid out in the log directory.
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
pub mod diagnosis;
pub mod hparams;
pub mod layout;
pub mod tags;

pub use activation::ActivationKind;
pub use dataset::{Dataset, Defaults, OptimizerKind};

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    /// Each of `all` has one name: from `name`, on the command line, in serde and in
    /// `Display`; `from_name` and `rank` lead back to it, and `all` is the enum's order.
    fn one_name_each<T>(all: &[T], name: fn(T) -> &'static str, from_name: fn(&str) -> Option<T>)
    where
        T: ValueEnum + serde::Serialize + std::fmt::Display + std::fmt::Debug + Copy + PartialEq,
    {
        for &value in all {
            let possible = value.to_possible_value().expect("no variant is skipped");
            assert_eq!(possible.get_name(), name(value));
            assert_eq!(
                serde_json::to_string(&value).unwrap(),
                format!("\"{}\"", name(value))
            );
            assert_eq!(value.to_string(), name(value));
            assert_eq!(from_name(name(value)), Some(value));
        }
        assert_eq!(T::value_variants(), all);
    }

    #[test]
    fn activations_and_data_sets_have_one_name_each_and_the_study_order() {
        one_name_each(
            &ActivationKind::ALL,
            ActivationKind::name,
            ActivationKind::from_name,
        );
        one_name_each(&Dataset::ALL, Dataset::name, Dataset::from_name);
        for (rank, kind) in ActivationKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.rank(), rank);
        }
        for (rank, dataset) in Dataset::ALL.into_iter().enumerate() {
            assert_eq!(dataset.rank(), rank);
        }
        assert_eq!(Dataset::from_name("imagenet"), None);
    }
}
