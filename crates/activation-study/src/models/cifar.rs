//! The CIFAR-10 network of the TensorFlow tutorial (`cifar10.inference`), with a pluggable
//! activation, its own LRN and its L2 penalty on the fully connected layers.

use tch::{TchError, Tensor, nn};

use super::{Capture, StudyNet, conv_same, layer, max_pool_same};
use crate::activation::Activation;
use crate::lrn::{LrnParams, lrn};

/// Weight decay of `local3` and `local4`: `0.004 * l2_loss(w)`, with `l2_loss = sum(w^2) / 2`.
pub const WEIGHT_DECAY: f64 = 0.004;
/// Layers with weights, in forward order; all but the logits layer `softmax_linear` are
/// activated.
const LAYERS: [&str; 5] = ["conv1", "conv2", "local3", "local4", "softmax_linear"];
/// Layers with an L2 penalty.
const DECAYED: [&str; 2] = ["local3", "local4"];

/// conv1 5x5 3->64, pool 3/2, LRN, conv2 5x5 64->64, LRN, pool 3/2, local3 2304->384,
/// local4 384->192, softmax_linear 192->10, on 24x24 crops.
#[derive(Debug)]
pub struct CifarNet {
    activation: Activation,
    conv1: (Tensor, Tensor),
    conv2: (Tensor, Tensor),
    local3: (Tensor, Tensor),
    local4: (Tensor, Tensor),
    softmax_linear: (Tensor, Tensor),
}

impl CifarNet {
    /// Creates the variables under `vs` (`conv1/weights`, ..., `softmax_linear/biases`).
    pub fn new(vs: &nn::Path, activation: Activation) -> Result<Self, TchError> {
        Ok(CifarNet {
            activation,
            conv1: layer(vs, "conv1", &[64, 3, 5, 5], 5e-2, 0.0)?,
            conv2: layer(vs, "conv2", &[64, 64, 5, 5], 5e-2, 0.1)?,
            local3: layer(vs, "local3", &[384, 6 * 6 * 64], 0.04, 0.1)?,
            local4: layer(vs, "local4", &[192, 384], 0.04, 0.1)?,
            softmax_linear: layer(vs, "softmax_linear", &[10, 192], 1.0 / 192.0, 0.0)?,
        })
    }
}

/// `WEIGHT_DECAY * sum(w^2) / 2`.
fn l2_penalty(weights: &Tensor) -> Result<Tensor, TchError> {
    weights
        .f_square()?
        .f_sum(tch::Kind::Float)?
        .f_mul_scalar(WEIGHT_DECAY / 2.0)
}

impl StudyNet for CifarNet {
    fn input_shape(&self) -> [i64; 3] {
        [3, 24, 24]
    }

    fn weight_layers(&self) -> &'static [&'static str] {
        &LAYERS
    }

    fn forward_captured(
        &self,
        xs: &Tensor,
        _train: bool,
        captured: Option<&mut Vec<Tensor>>,
    ) -> Result<Tensor, TchError> {
        let mut keep = Capture::new(captured);
        let act = &self.activation;
        let lrn_params = LrnParams::CIFAR10_TUTORIAL;
        let h = act.apply(&conv_same(xs, &self.conv1.0, &self.conv1.1)?)?;
        keep.push(&h);
        let h = lrn(&max_pool_same(&h, 3, 2)?, lrn_params)?;
        let h = act.apply(&conv_same(&h, &self.conv2.0, &self.conv2.1)?)?;
        keep.push(&h);
        let h = max_pool_same(&lrn(&h, lrn_params)?, 3, 2)?.f_flatten(1, -1)?;
        let h = act.apply(&h.f_linear(&self.local3.0, Some(&self.local3.1))?)?;
        keep.push(&h);
        let h = act.apply(&h.f_linear(&self.local4.0, Some(&self.local4.1))?)?;
        keep.push(&h);
        h.f_linear(&self.softmax_linear.0, Some(&self.softmax_linear.1))
    }

    fn weight_loss_layers(&self) -> &'static [&'static str] {
        &DECAYED
    }

    fn weight_losses(&self, out: &mut Vec<Tensor>) -> Result<(), TchError> {
        out.clear();
        out.push(l2_penalty(&self.local3.0)?);
        out.push(l2_penalty(&self.local4.0)?);
        Ok(())
    }

    fn first_conv_weights(&self) -> &Tensor {
        &self.conv1.0
    }
}

impl nn::ModuleT for CifarNet {
    /// # Panics
    /// When libtorch rejects the input (wrong shape); use [`StudyNet::forward_captured`] for a `Result`.
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        self.forward_captured(xs, train, None)
            .unwrap_or_else(|e| panic!("CifarNet forward: {e}"))
    }
}
