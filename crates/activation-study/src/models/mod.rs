//! The two networks of the study and what the training loop needs from them.

pub mod cifar;
pub mod mnist;

pub use cifar::CifarNet;
pub use mnist::MnistNet;

use tch::{TchError, Tensor, nn};

use crate::init::{constant_var, truncated_normal_var};

/// A network of the study: a `ModuleT` that can also hand out the activations of its
/// layers from the same forward pass, and its weight-decay terms.
pub trait StudyNet: nn::ModuleT {
    /// Shape of one input image, `[channels, height, width]`.
    fn input_shape(&self) -> [i64; 3];

    /// Names of the layers whose post-activation outputs [`StudyNet::forward_captured`]
    /// captures, in capture order; they are also the variable scopes (`conv1/weights`).
    /// They are the [`StudyNet::weight_layers`] but the last.
    fn activation_layers(&self) -> &'static [&'static str] {
        let layers = self.weight_layers();
        &layers[..layers.len().saturating_sub(1)]
    }

    /// Names of the layers with weights (`<layer>.weights` in the var store), in forward
    /// order; the last one computes the logits.
    fn weight_layers(&self) -> &'static [&'static str];

    /// Runs the network on a batch and returns the logits. When `captured` is given it is
    /// cleared and then receives the output of each of [`StudyNet::activation_layers`] (handles
    /// to the tensors of this very pass, not recomputed).
    fn forward_captured(
        &self,
        xs: &Tensor,
        train: bool,
        captured: Option<&mut Vec<Tensor>>,
    ) -> Result<Tensor, TchError>;

    /// Names of the layers whose weights carry an L2 penalty, in the order of
    /// [`StudyNet::weight_losses`]; empty when the network has none.
    fn weight_loss_layers(&self) -> &'static [&'static str];

    /// Clears `out` and pushes each layer's L2 weight penalty (already scaled by its weight
    /// decay), in the order of [`StudyNet::weight_loss_layers`]; their sum is the
    /// regularisation loss.
    fn weight_losses(&self, out: &mut Vec<Tensor>) -> Result<(), TchError>;

    /// The first convolution's weights, `[out_channels, in_channels, kh, kw]`, for the filter image.
    fn first_conv_weights(&self) -> &Tensor;
}

/// Where a forward pass puts the layer outputs it was asked for: nowhere when the caller
/// passed `None`, so the pass costs nothing extra on steps without summaries.
struct Capture<'a>(Option<&'a mut Vec<Tensor>>);

impl<'a> Capture<'a> {
    /// Empties the caller's vector, if any, for this pass's outputs.
    fn new(mut captured: Option<&'a mut Vec<Tensor>>) -> Self {
        if let Some(c) = captured.as_deref_mut() {
            c.clear();
        }
        Capture(captured)
    }

    /// Keeps a handle to `layer_output` (the same tensor, not a copy).
    fn push(&mut self, layer_output: &Tensor) {
        if let Some(c) = self.0.as_deref_mut() {
            c.push(layer_output.shallow_clone());
        }
    }
}

/// Creates `<scope>/weights` (truncated normal with standard deviation `std`) and
/// `<scope>/biases` (all `bias`, one per output) under `vs`, as both tutorials initialise a layer.
fn layer(
    vs: &nn::Path,
    scope: &str,
    weight_dims: &[i64],
    std: f64,
    bias: f64,
) -> Result<(Tensor, Tensor), TchError> {
    let p = vs / scope;
    let weights = truncated_normal_var(&p, "weights", weight_dims, std)?;
    let biases = constant_var(&p, "biases", &weight_dims[..1], bias)?;
    Ok((weights, biases))
}

/// Total number of scalar parameters in a var store.
pub fn parameter_count(vs: &nn::VarStore) -> i64 {
    vs.trainable_variables()
        .iter()
        .map(Tensor::numel)
        .map(|n| n as i64)
        .sum()
}

/// Convolution with stride 1 and TensorFlow's SAME padding for an odd kernel.
fn conv_same(xs: &Tensor, weights: &Tensor, biases: &Tensor) -> Result<Tensor, TchError> {
    let pad = weights.size()[2] / 2;
    xs.f_conv2d(weights, Some(biases), [1, 1], [pad, pad], [1, 1], 1)
}

/// Max pooling with TensorFlow's SAME padding for the window/stride pairs of the two nets:
/// the output has `ceil(size / stride)` positions and windows start at 0, which `ceil_mode`
/// reproduces exactly (windows running past the edge ignore the missing positions, as
/// TensorFlow's implicit `-inf` padding does).
fn max_pool_same(xs: &Tensor, window: i64, stride: i64) -> Result<Tensor, TchError> {
    xs.f_max_pool2d([window, window], [stride, stride], [0, 0], [1, 1], true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_pool_same_matches_tensorflow_same_padding_on_24_and_12() {
        for size in [24i64, 12] {
            let xs = Tensor::arange(size * size, (tch::Kind::Float, tch::Device::Cpu))
                .reshape([1, 1, size, size])
                .sin();
            let got = max_pool_same(&xs, 3, 2).unwrap();
            let out = (size + 1) / 2;
            assert_eq!(got.size(), [1, 1, out, out]);
            // TensorFlow SAME: pad_total = (out-1)*stride + window - size, the smaller half
            // before (here 0 before, 1 after), the padding never winning the max.
            let pad_total = (out - 1) * 2 + 3 - size;
            let (before, padded_size) = (pad_total / 2, size + pad_total);
            let padded = Tensor::full(
                [1, 1, padded_size, padded_size],
                f64::NEG_INFINITY,
                (tch::Kind::Float, tch::Device::Cpu),
            );
            padded
                .narrow(2, before, size)
                .narrow(3, before, size)
                .copy_(&xs);
            let want = padded.max_pool2d([3, 3], [2, 2], [0, 0], [1, 1], false);
            assert!(got.equal(&want), "size {size}");
        }
    }
}
