//! The five activation functions of the study by name, in the order the post reports them.

use serde::{Deserialize, Serialize};

/// Which activation function a network uses.
///
/// Its name ([`ActivationKind::name`]) is the same on the command line (`clap::ValueEnum`),
/// in run directory names, in hparams and in `results.json` (serde).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ActivationKind {
    /// `1 / (1 + e^-x)`
    Sigmoid,
    /// `(e^2x - 1) / (e^2x + 1)`
    Tanh,
    /// `max(0, x)`
    Relu,
    /// `max(a x, x)` with slope `a` in `[0, 1)`
    #[value(name = "leaky_relu")]
    LeakyRelu,
    /// `alpha (e^x - 1)` for `x < 0`, `x` otherwise
    Elu,
}

impl ActivationKind {
    /// All five, in the order the study reports them.
    pub const ALL: [ActivationKind; 5] = [
        ActivationKind::Sigmoid,
        ActivationKind::Tanh,
        ActivationKind::Relu,
        ActivationKind::LeakyRelu,
        ActivationKind::Elu,
    ];

    /// The name used on the command line, in run directory names and in hparams.
    pub fn name(self) -> &'static str {
        match self {
            ActivationKind::Sigmoid => "sigmoid",
            ActivationKind::Tanh => "tanh",
            ActivationKind::Relu => "relu",
            ActivationKind::LeakyRelu => "leaky_relu",
            ActivationKind::Elu => "elu",
        }
    }

    /// The activation of that exact name, if it is one of the five.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Where the activation stands in the study's order (sigmoid first).
    pub fn rank(self) -> usize {
        // The variants are declared in the study's order, as `ALL` lists them.
        self as usize
    }
}

impl std::fmt::Display for ActivationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_study_order_is_the_posts() {
        let names: Vec<_> = ActivationKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, ["sigmoid", "tanh", "relu", "leaky_relu", "elu"]);
        assert_eq!(ActivationKind::from_name("swish"), None);
        assert_eq!(ActivationKind::from_name("Relu"), None);
    }
}
