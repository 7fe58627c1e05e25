//! The TensorBoard tags a training run writes: the scalars of every step, the summaries of
//! each layer and each trainable variable, the images and the configuration text.

/// Mean cross entropy of the training batch.
pub const CROSS_ENTROPY: &str = "cross_entropy";
/// The L2 weight penalty (0 for the MNIST net, which has none).
pub const REGULARIZATION_LOSS: &str = "regularization_loss";
/// Cross entropy plus regularisation: what the optimiser minimises.
pub const TOTAL_LOSS: &str = "total_loss";
/// Accuracy on the training batch, from the training forward pass (dropout on).
pub const TRAIN_ACCURACY: &str = "train/accuracy";
/// Accuracy on the whole test split (eval mode; averaged weights where the tutorial uses them).
pub const TEST_ACCURACY: &str = "test/accuracy";
/// The learning rate.
pub const LEARNING_RATE: &str = "learning_rate";
/// Grid of (up to 16 of) the preprocessed training images of the step.
pub const INPUT_IMAGES: &str = "input";
/// Grid of the first convolution's filters, each scaled to its own range.
pub const CONV1_FILTERS: &str = "conv1/filters";
/// The run's configuration as text.
pub const CONFIG_TEXT: &str = "config";
/// The gradients of the first convolution's weights: where sigmoid's vanishing gradients
/// show, the post's key histogram
/// (`ParamSummary::Gradients.tag("conv1.weights")`).
pub const CONV1_WEIGHT_GRADIENTS: &str = "conv1/weights/gradients";

/// What a run logs for each layer, under `<layer>/<suffix>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerSummary {
    /// Histogram of the layer's outputs.
    Activations,
    /// Fraction of outputs that are exactly zero, the dead-ReLU monitor.
    Sparsity,
    /// Fraction of saturated outputs (sigmoid and tanh only).
    Saturation,
    /// The layer's L2 weight penalty (layers with weight decay only).
    WeightLoss,
}

impl LayerSummary {
    /// The last part of the tag.
    pub fn suffix(self) -> &'static str {
        match self {
            LayerSummary::Activations => "activations",
            LayerSummary::Sparsity => "sparsity",
            LayerSummary::Saturation => "saturation",
            LayerSummary::WeightLoss => "weight_loss",
        }
    }

    /// The tag of `layer`'s summary, `<layer>/<suffix>`.
    pub fn tag(self, layer: &str) -> String {
        format!("{layer}/{}", self.suffix())
    }

    /// The layer a tag of this summary belongs to; `None` for other tags.
    ///
    /// ```
    /// use study_spec::tags::LayerSummary;
    ///
    /// assert_eq!(LayerSummary::Sparsity.layer_of("fc1/sparsity"), Some("fc1"));
    /// assert_eq!(LayerSummary::Sparsity.layer_of("fc1/saturation"), None);
    /// ```
    pub fn layer_of(self, tag: &str) -> Option<&str> {
        let (layer, suffix) = tag.rsplit_once('/')?;
        (suffix == self.suffix() && !layer.is_empty()).then_some(layer)
    }
}

/// What a run logs for each trainable variable, under the variable's tag ([`param_tag`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamSummary {
    /// Histogram of its values, under the variable's tag itself.
    Values,
    /// Histogram of its gradient.
    Gradients,
    /// L2 norm of its gradient.
    GradientNorm,
}

impl ParamSummary {
    /// The tag of the summary of the variable `name` (as the var store names it, `conv1.weights`).
    ///
    /// ```
    /// use study_spec::tags::ParamSummary;
    ///
    /// assert_eq!(ParamSummary::Values.tag("fc1.bias"), "fc1/bias");
    /// assert_eq!(ParamSummary::GradientNorm.tag("fc1.bias"), "fc1/bias/gradient_norm");
    /// ```
    pub fn tag(self, name: &str) -> String {
        let values = param_tag(name);
        match self {
            ParamSummary::Values => values,
            ParamSummary::Gradients => format!("{values}/gradients"),
            ParamSummary::GradientNorm => format!("{values}/gradient_norm"),
        }
    }
}

/// A var store name (`conv1.weights`) as a tag (`conv1/weights`).
pub fn param_tag(name: &str) -> String {
    name.replace('.', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_histogram_is_conv1s_weight_gradients() {
        assert_eq!(
            ParamSummary::Gradients.tag("conv1.weights"),
            CONV1_WEIGHT_GRADIENTS
        );
    }

    #[test]
    fn a_layer_tag_gives_back_its_layer() {
        for summary in [
            LayerSummary::Activations,
            LayerSummary::Sparsity,
            LayerSummary::Saturation,
            LayerSummary::WeightLoss,
        ] {
            assert_eq!(summary.layer_of(&summary.tag("conv2")), Some("conv2"));
        }
        assert_eq!(LayerSummary::Sparsity.layer_of("sparsity"), None);
        assert_eq!(LayerSummary::Sparsity.layer_of("/sparsity"), None);
    }
}
