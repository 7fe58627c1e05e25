//! The five activation functions under study, their parameters, and what "saturated" means.

use serde::{Deserialize, Serialize};
use tch::{TchError, Tensor};

/// Default slope `a` of leaky ReLU, `max(a x, x)`: TensorFlow's default (libtorch's is 0.01).
pub const DEFAULT_LEAKY_SLOPE: f64 = 0.2;
/// Default `alpha` of ELU, `alpha (e^x - 1)` for `x < 0`.
pub const DEFAULT_ELU_ALPHA: f64 = 1.0;

/// Share of the output range, at either end, in which a sigmoid or tanh unit counts as saturated.
///
/// A unit is saturated when its output lies within 5% of the output range from an asymptote:
/// sigmoid `y <= 0.05` or `y >= 0.95`, tanh `|y| >= 0.9`. At those points the local slope of
/// both functions is at most 19% of its peak (sigmoid `0.0475` of `0.25`, tanh `0.19` of `1`),
/// so the gradient flowing back through the unit is damped at least five-fold.
pub const SATURATION_MARGIN: f64 = 0.05;

pub use study_spec::ActivationKind;

/// An activation function together with its parameter.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Activation {
    /// Logistic sigmoid.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Rectified linear unit.
    Relu,
    /// Leaky ReLU `max(slope x, x)`.
    LeakyRelu {
        /// The slope `a` for negative inputs, in `[0, 1)`.
        slope: f64,
    },
    /// Exponential linear unit.
    Elu {
        /// The scale `alpha` of the negative branch, positive.
        alpha: f64,
    },
}

/// An activation parameter outside its valid range.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ActivationError {
    /// Leaky ReLU's slope must lie in `[0, 1)` for `max(a x, x)` to be leaky ReLU.
    #[error("leaky ReLU slope {0} is outside [0, 1); pass --leaky-slope with a value such as 0.2")]
    Slope(f64),
    /// ELU's alpha must be positive and finite.
    #[error("ELU alpha {0} is not a positive number; pass --elu-alpha with a value such as 1.0")]
    Alpha(f64),
}

impl Activation {
    /// Builds the activation `kind` with the given parameters (each used only by its own kind).
    pub fn new(
        kind: ActivationKind,
        leaky_slope: f64,
        elu_alpha: f64,
    ) -> Result<Self, ActivationError> {
        Ok(match kind {
            ActivationKind::Sigmoid => Activation::Sigmoid,
            ActivationKind::Tanh => Activation::Tanh,
            ActivationKind::Relu => Activation::Relu,
            ActivationKind::LeakyRelu => {
                if !(0.0..1.0).contains(&leaky_slope) {
                    return Err(ActivationError::Slope(leaky_slope));
                }
                Activation::LeakyRelu { slope: leaky_slope }
            }
            ActivationKind::Elu => {
                if !(elu_alpha.is_finite() && elu_alpha > 0.0) {
                    return Err(ActivationError::Alpha(elu_alpha));
                }
                Activation::Elu { alpha: elu_alpha }
            }
        })
    }

    /// Which of the five this is.
    pub fn kind(&self) -> ActivationKind {
        match self {
            Activation::Sigmoid => ActivationKind::Sigmoid,
            Activation::Tanh => ActivationKind::Tanh,
            Activation::Relu => ActivationKind::Relu,
            Activation::LeakyRelu { .. } => ActivationKind::LeakyRelu,
            Activation::Elu { .. } => ActivationKind::Elu,
        }
    }

    /// Applies the function element-wise.
    ///
    /// ```
    /// use activation_study::activation::{Activation, ActivationKind};
    /// use tch::Tensor;
    ///
    /// let leaky = Activation::new(ActivationKind::LeakyRelu, 0.2, 1.0)?;
    /// let out = leaky.apply(&Tensor::from_slice(&[-2.0f64, 3.0]))?;
    /// assert_eq!(Vec::<f64>::try_from(out)?, [-0.4, 3.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&self, xs: &Tensor) -> Result<Tensor, TchError> {
        match *self {
            Activation::Sigmoid => xs.f_sigmoid(),
            Activation::Tanh => xs.f_tanh(),
            Activation::Relu => xs.f_relu(),
            // PReLU with a one-element weight is leaky ReLU in one fused kernel, forward and
            // backward (tch's `leaky_relu` binding has no slope); `full` fills it on the device.
            Activation::LeakyRelu { slope } => {
                xs.f_prelu(&Tensor::f_full([1], slope, (xs.kind(), xs.device()))?)
            }
            // libtorch's fused `elu` has alpha 1 in tch's bindings; other alphas blend it with
            // ReLU: alpha elu(x) + (1 - alpha) relu(x) is x for x > 0 and alpha (e^x - 1) below.
            Activation::Elu { alpha: 1.0 } => xs.f_elu(),
            Activation::Elu { alpha } => xs
                .f_elu()?
                .f_mul_scalar(alpha)?
                .f_add(&xs.f_relu()?.f_mul_scalar(1.0 - alpha)?),
        }
    }

    /// The output interval outside which a unit counts as saturated, for the saturating
    /// functions (see [`SATURATION_MARGIN`]); `None` for the others.
    pub fn unsaturated_range(&self) -> Option<(f64, f64)> {
        match self {
            Activation::Sigmoid => Some((SATURATION_MARGIN, 1.0 - SATURATION_MARGIN)),
            Activation::Tanh => Some((
                -1.0 + 2.0 * SATURATION_MARGIN,
                1.0 - 2.0 * SATURATION_MARGIN,
            )),
            _ => None,
        }
    }

    /// Fraction of saturated units in `outputs` (outputs of this activation), as a 0-d tensor on
    /// their device; `None` for functions that do not saturate.
    pub fn saturation(&self, outputs: &Tensor) -> Result<Option<Tensor>, TchError> {
        let Some((lo, hi)) = self.unsaturated_range() else {
            return Ok(None);
        };
        let saturated = outputs.f_le(lo)?.f_logical_or(&outputs.f_ge(hi)?)?;
        Ok(Some(saturated.f_mean(tch::Kind::Float)?))
    }

    /// Whether a unit of this function can die: output nothing positive whatever the input
    /// of the batch (ReLU, leaky ReLU and ELU, whose negative side is flat or nearly so).
    pub fn can_die(&self) -> bool {
        self.unsaturated_range().is_none()
    }

    /// Fraction of dead units in `outputs` (outputs of this activation, the units along
    /// dimension 1: a convolution's channels, a dense layer's neurons) as a 0-d tensor on their
    /// device: units not positive for any example of the batch, at any position. `None` for
    /// functions whose units cannot die.
    ///
    /// ```
    /// use activation_study::activation::Activation;
    /// use tch::Tensor;
    ///
    /// // Two examples, three neurons: the second is never positive.
    /// let out = Tensor::from_slice(&[0.0f32, 0.0, 1.0, 2.0, 0.0, 0.0]).view([2, 3]);
    /// let dead = Activation::Relu.dead_units(&out)?.expect("ReLU units can die");
    /// assert_eq!(f32::try_from(dead)?, 1.0 / 3.0);
    /// assert!(Activation::Sigmoid.dead_units(&out)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dead_units(&self, outputs: &Tensor) -> Result<Option<Tensor>, TchError> {
        if !self.can_die() {
            return Ok(None);
        }
        let dims: Vec<i64> = (0..outputs.dim() as i64).filter(|&d| d != 1).collect();
        let best = if dims.is_empty() {
            outputs.shallow_clone()
        } else {
            outputs.f_amax(dims.as_slice(), false)?
        };
        Ok(Some(best.f_le(0.0)?.f_mean(tch::Kind::Float)?))
    }
}

/// Fraction of exact zeros in `xs` as a 0-d tensor on its device (TensorFlow's `zero_fraction`,
/// the dead-ReLU monitor of the tutorial).
pub fn sparsity(xs: &Tensor) -> Result<Tensor, TchError> {
    xs.f_eq(0.0)?.f_mean(tch::Kind::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(activation: Activation, xs: &[f64]) -> Vec<f64> {
        let t = Tensor::from_slice(xs);
        Vec::<f64>::try_from(activation.apply(&t).unwrap()).unwrap()
    }

    fn assert_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                "got {got:?}, want {want:?}"
            );
        }
    }

    const POINTS: [f64; 7] = [-30.0, -2.5, -0.5, 0.0, 0.25, 1.5, 30.0];

    #[test]
    fn sigmoid_matches_its_formula() {
        let want: Vec<f64> = POINTS.iter().map(|x| 1.0 / (1.0 + (-x).exp())).collect();
        assert_close(&values(Activation::Sigmoid, &POINTS), &want);
    }

    #[test]
    fn tanh_matches_its_formula() {
        // The post's form (e^2x - 1)/(e^2x + 1) overflows at x = 30 in f64 only past e^709.
        let want: Vec<f64> = POINTS
            .iter()
            .map(|x| ((2.0 * x).exp() - 1.0) / ((2.0 * x).exp() + 1.0))
            .collect();
        assert_close(&values(Activation::Tanh, &POINTS), &want);
    }

    #[test]
    fn relu_matches_its_formula() {
        let want: Vec<f64> = POINTS.iter().map(|x| x.max(0.0)).collect();
        assert_close(&values(Activation::Relu, &POINTS), &want);
    }

    #[test]
    fn leaky_relu_matches_its_formula_for_default_and_other_slopes() {
        for slope in [DEFAULT_LEAKY_SLOPE, 0.01, 0.0] {
            let want: Vec<f64> = POINTS.iter().map(|x| (slope * x).max(*x)).collect();
            assert_close(&values(Activation::LeakyRelu { slope }, &POINTS), &want);
        }
        assert_eq!(
            values(Activation::LeakyRelu { slope: 0.2 }, &[-2.5])[0],
            -0.5
        );
    }

    #[test]
    fn elu_matches_its_formula_for_default_and_other_alphas() {
        for alpha in [DEFAULT_ELU_ALPHA, 0.5, 2.0] {
            let want: Vec<f64> = POINTS
                .iter()
                .map(|&x| if x < 0.0 { alpha * (x.exp() - 1.0) } else { x })
                .collect();
            assert_close(&values(Activation::Elu { alpha }, &POINTS), &want);
        }
    }

    #[test]
    fn elu_gradient_is_finite_for_large_inputs() {
        let xs = Tensor::from_slice(&[-100.0f64, -1.0, 0.5, 100.0, 1000.0]).set_requires_grad(true);
        Activation::Elu { alpha: 2.0 }
            .apply(&xs)
            .unwrap()
            .sum(tch::Kind::Double)
            .backward();
        let grad = Vec::<f64>::try_from(xs.grad()).unwrap();
        let want = [
            2.0 * (-100.0f64).exp(),
            2.0 * (-1.0f64).exp(),
            1.0,
            1.0,
            1.0,
        ];
        assert_close(&grad, &want);
    }

    #[test]
    fn parameters_are_checked() {
        assert_eq!(
            Activation::new(ActivationKind::LeakyRelu, 1.0, 1.0),
            Err(ActivationError::Slope(1.0))
        );
        assert_eq!(
            Activation::new(ActivationKind::LeakyRelu, -0.1, 1.0),
            Err(ActivationError::Slope(-0.1))
        );
        assert_eq!(
            Activation::new(ActivationKind::Elu, 0.2, 0.0),
            Err(ActivationError::Alpha(0.0))
        );
        assert!(Activation::new(ActivationKind::Elu, 0.2, f64::NAN).is_err());
        // A parameter only matters to its own function.
        assert_eq!(
            Activation::new(ActivationKind::Relu, 7.0, -1.0),
            Ok(Activation::Relu)
        );
        let err = Activation::new(ActivationKind::LeakyRelu, 1.5, 1.0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--leaky-slope") && err.contains("1.5"),
            "{err}"
        );
    }

    #[test]
    fn sparsity_and_saturation_count_the_right_units() {
        let relu_out = Tensor::from_slice(&[0.0f32, 0.0, 0.3, 0.0, 2.0]);
        assert!((f64::try_from(sparsity(&relu_out).unwrap()).unwrap() - 0.6).abs() < 1e-7);

        // Boundaries are saturated: 0.05 and 0.95 count, 0.06 and 0.94 do not.
        let sig_out = Tensor::from_slice(&[0.01f64, 0.05, 0.06, 0.5, 0.94, 0.95, 0.999, 0.3]);
        let sat = Activation::Sigmoid.saturation(&sig_out).unwrap().unwrap();
        assert_eq!(f64::try_from(sat).unwrap(), 4.0 / 8.0);

        let tanh_out = Tensor::from_slice(&[-0.95f64, -0.9, -0.89, 0.0, 0.89, 0.9, 0.99]);
        let sat = Activation::Tanh.saturation(&tanh_out).unwrap().unwrap();
        assert!((f64::try_from(sat).unwrap() - 4.0 / 7.0).abs() < 1e-7);

        assert!(Activation::Relu.saturation(&relu_out).unwrap().is_none());
        assert!(
            Activation::Elu { alpha: 1.0 }
                .saturation(&relu_out)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_unit_is_dead_when_no_example_and_no_position_makes_it_positive() {
        // [batch 2, channels 3, 2x2]: channel 0 positive once, channel 1 only zeros and
        // negatives (leaky ReLU / ELU outputs), channel 2 positive everywhere.
        let mut values = vec![0.0f32; 2 * 3 * 4];
        values[3] = 0.5;
        for (i, v) in values.iter_mut().enumerate() {
            match (i / 4) % 3 {
                1 => *v = -0.1 * (i % 4) as f32,
                2 => *v = 1.0,
                _ => {}
            }
        }
        let out = Tensor::from_slice(&values).view([2, 3, 2, 2]);
        for activation in [
            Activation::Relu,
            Activation::LeakyRelu { slope: 0.2 },
            Activation::Elu { alpha: 1.0 },
        ] {
            let dead = activation.dead_units(&out).unwrap().unwrap();
            assert!((f64::try_from(dead).unwrap() - 1.0 / 3.0).abs() < 1e-7);
        }
        let all_dead = Tensor::from_slice(&[-1.0f32, 0.0]).view([2, 1]);
        let dead = Activation::Relu.dead_units(&all_dead).unwrap().unwrap();
        assert_eq!(f64::try_from(dead).unwrap(), 1.0);
        assert!(Activation::Tanh.dead_units(&out).unwrap().is_none());
        assert!(!Activation::Sigmoid.can_die() && Activation::Elu { alpha: 2.0 }.can_die());
    }

    #[test]
    fn saturation_margin_bounds_the_local_slope() {
        // The doc's claim: at the boundary the slope is at most 19% of its peak for both.
        let s = 1.0 - SATURATION_MARGIN;
        assert!((s * (1.0 - s) / 0.25 - 0.19).abs() < 1e-12);
        let t = 1.0 - 2.0 * SATURATION_MARGIN;
        assert!(((1.0 - t * t) / 1.0 - 0.19).abs() < 1e-12);
    }
}
