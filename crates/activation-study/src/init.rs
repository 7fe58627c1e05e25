//! TensorFlow's `truncated_normal` initialiser, which tch's `nn::Init` does not offer.

use tch::{Kind, TchError, Tensor, nn};

/// Number of standard deviations beyond which TensorFlow re-draws a truncated normal sample.
pub const TRUNCATION: f64 = 2.0;

/// `erf(2 / sqrt 2)`: the probability mass of a normal distribution within two standard
/// deviations of its mean.
const MASS_WITHIN_TWO_SIGMA: f64 = 0.954_499_736_103_641_6;

/// Samples a normal distribution with mean 0 and standard deviation `std` conditioned on
/// `|x| <= 2 std`, as `tf.truncated_normal` does, by inverting the normal CDF on a uniform
/// draw restricted to the kept interval (exact, no rejection loop). Uses libtorch's generator,
/// so `tch::manual_seed` makes it reproducible.
pub fn truncated_normal(
    dims: &[i64],
    std: f64,
    options: (Kind, tch::Device),
) -> Result<Tensor, TchError> {
    // sqrt(2) erfinv(u) is a standard normal for u uniform on (-1, 1); restricting u to
    // +-erf(sqrt 2) restricts the normal to +-2.
    let u = Tensor::f_empty(dims, options)?
        .f_uniform_(-MASS_WITHIN_TWO_SIGMA, MASS_WITHIN_TWO_SIGMA)?;
    // The clamp only guards against float rounding in erfinv pushing a sample past the bound.
    u.f_erfinv()?
        .f_mul_scalar(std * std::f64::consts::SQRT_2)?
        .f_clamp(-TRUNCATION * std, TRUNCATION * std)
}

/// Creates a trainable variable `name` under `path`, initialised by [`truncated_normal`].
pub fn truncated_normal_var(
    path: &nn::Path,
    name: &str,
    dims: &[i64],
    std: f64,
) -> Result<Tensor, TchError> {
    let init = truncated_normal(dims, std, (Kind::Float, path.device()))?;
    path.f_var_copy(name, &init)
}

/// Creates a trainable variable `name` under `path` with every element `value`.
pub fn constant_var(
    path: &nn::Path,
    name: &str,
    dims: &[i64],
    value: f64,
) -> Result<Tensor, TchError> {
    path.f_var(name, dims, nn::Init::Const(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_stay_within_two_standard_deviations_and_have_the_truncated_spread() {
        tch::manual_seed(7);
        let std = 0.05;
        let t = truncated_normal(&[200_000], std, (Kind::Double, tch::Device::Cpu)).unwrap();
        let max = t.abs().max().double_value(&[]);
        assert!(max <= 2.0 * std + 1e-12, "max |x| {max}");
        // A normal truncated at +-2 sigma has standard deviation 0.8796 sigma.
        let sd = t.std(true).double_value(&[]);
        assert!((sd / std - 0.8796).abs() < 0.005, "std ratio {}", sd / std);
        let mean = t.mean(Kind::Double).double_value(&[]);
        assert!(mean.abs() < 0.001 * std * 10.0, "mean {mean}");
        // Samples reach close to the bound, so the interval is not clipped short.
        assert!(max > 1.99 * std, "max |x| {max}");
    }
}
