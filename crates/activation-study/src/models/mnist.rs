//! The "Deep MNIST" network of the TensorFlow tutorial, with a pluggable activation.

use tch::{TchError, Tensor, nn};

use super::{Capture, StudyNet, conv_same, layer, max_pool_same};
use crate::activation::Activation;

/// Standard deviation of the truncated normal weight initialisation.
const WEIGHT_STD: f64 = 0.1;
/// Initial value of every bias.
const BIAS_INIT: f64 = 0.1;
/// Dropout probability after `fc1` in training (the tutorial's `keep_prob` 0.5).
const DROPOUT: f64 = 0.5;
/// Layers with weights, in forward order; all but the logits layer `fc2` are activated.
const LAYERS: [&str; 4] = ["conv1", "conv2", "fc1", "fc2"];

/// conv1 5x5 1->32, pool, conv2 5x5 32->64, pool, fc1 3136->1024, dropout, fc2 1024->10.
#[derive(Debug)]
pub struct MnistNet {
    activation: Activation,
    conv1: (Tensor, Tensor),
    conv2: (Tensor, Tensor),
    fc1: (Tensor, Tensor),
    fc2: (Tensor, Tensor),
}

impl MnistNet {
    /// Creates the variables under `vs` (`conv1/weights`, `conv1/biases`, ..., `fc2/biases`).
    ///
    /// ```
    /// use activation_study::activation::Activation;
    /// use activation_study::models::{MnistNet, StudyNet, parameter_count};
    /// use tch::{Device, Kind, Tensor, nn};
    ///
    /// let vs = nn::VarStore::new(Device::Cpu);
    /// let net = MnistNet::new(&vs.root(), Activation::Relu)?;
    /// assert_eq!(parameter_count(&vs), 3_274_634);
    /// assert!(vs.variables().contains_key("conv1.weights"));
    ///
    /// let mut layers = Vec::new();
    /// let xs = Tensor::zeros([2, 1, 28, 28], (Kind::Float, Device::Cpu));
    /// let logits = net.forward_captured(&xs, false, Some(&mut layers))?;
    /// assert_eq!(logits.size(), [2, 10]);
    /// assert_eq!(layers.len(), net.activation_layers().len());
    /// # Ok::<(), tch::TchError>(())
    /// ```
    pub fn new(vs: &nn::Path, activation: Activation) -> Result<Self, TchError> {
        Ok(MnistNet {
            activation,
            conv1: layer(vs, "conv1", &[32, 1, 5, 5], WEIGHT_STD, BIAS_INIT)?,
            conv2: layer(vs, "conv2", &[64, 32, 5, 5], WEIGHT_STD, BIAS_INIT)?,
            fc1: layer(vs, "fc1", &[1024, 7 * 7 * 64], WEIGHT_STD, BIAS_INIT)?,
            fc2: layer(vs, "fc2", &[10, 1024], WEIGHT_STD, BIAS_INIT)?,
        })
    }
}

impl StudyNet for MnistNet {
    fn input_shape(&self) -> [i64; 3] {
        [1, 28, 28]
    }

    fn weight_layers(&self) -> &'static [&'static str] {
        &LAYERS
    }

    fn forward_captured(
        &self,
        xs: &Tensor,
        train: bool,
        captured: Option<&mut Vec<Tensor>>,
    ) -> Result<Tensor, TchError> {
        let mut keep = Capture::new(captured);
        let act = &self.activation;
        let h = act.apply(&conv_same(xs, &self.conv1.0, &self.conv1.1)?)?;
        keep.push(&h);
        let h = max_pool_same(&h, 2, 2)?;
        let h = act.apply(&conv_same(&h, &self.conv2.0, &self.conv2.1)?)?;
        keep.push(&h);
        let h = max_pool_same(&h, 2, 2)?.f_flatten(1, -1)?;
        let h = act.apply(&h.f_linear(&self.fc1.0, Some(&self.fc1.1))?)?;
        keep.push(&h);
        h.f_dropout(DROPOUT, train)?
            .f_linear(&self.fc2.0, Some(&self.fc2.1))
    }

    fn weight_loss_layers(&self) -> &'static [&'static str] {
        &[]
    }

    fn weight_losses(&self, out: &mut Vec<Tensor>) -> Result<(), TchError> {
        out.clear();
        Ok(())
    }

    fn first_conv_weights(&self) -> &Tensor {
        &self.conv1.0
    }
}

impl nn::ModuleT for MnistNet {
    /// # Panics
    /// When libtorch rejects the input (wrong shape); use [`StudyNet::forward_captured`] for a `Result`.
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        self.forward_captured(xs, train, None)
            .unwrap_or_else(|e| panic!("MnistNet forward: {e}"))
    }
}
