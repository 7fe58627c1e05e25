//! Local response normalisation with TensorFlow's formula, which libtorch does not provide.
//!
//! `tf.nn.lrn` computes `x / (bias + alpha * sum(x^2 over channels c-r..=c+r))^beta` with the
//! window clipped at the channel edges and `alpha` *not* divided by the window size, whereas
//! `torch.nn.LocalResponseNorm` divides by it; the CIFAR-10 tutorial net uses the former.

use tch::{TchError, Tensor};

/// Parameters of [`lrn`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LrnParams {
    /// Channels on each side of the centre channel in the window.
    pub depth_radius: i64,
    /// Additive constant inside the power.
    pub bias: f64,
    /// Scale of the sum of squares (not divided by the window size).
    pub alpha: f64,
    /// Exponent.
    pub beta: f64,
}

impl LrnParams {
    /// The CIFAR-10 tutorial's `lrn(depth_radius=4, bias=1.0, alpha=0.001/9, beta=0.75)`.
    pub const CIFAR10_TUTORIAL: LrnParams = LrnParams {
        depth_radius: 4,
        bias: 1.0,
        alpha: 0.001 / 9.0,
        beta: 0.75,
    };
}

/// Normalises an NCHW tensor across channels; differentiable, runs on the tensor's device.
///
/// ```
/// use activation_study::lrn::{LrnParams, lrn};
/// use tch::Tensor;
///
/// // One pixel, two channels, window covering both: x / (1 + 0.5 * (3^2 + 4^2))^1.
/// let xs = Tensor::from_slice(&[3.0f64, 4.0]).reshape([1, 2, 1, 1]);
/// let params = LrnParams { depth_radius: 1, bias: 1.0, alpha: 0.5, beta: 1.0 };
/// let out = Vec::<f64>::try_from(lrn(&xs, params)?.flatten(0, -1))?;
/// assert_eq!(out, [3.0 / 13.5, 4.0 / 13.5]);
/// # Ok::<(), tch::TchError>(())
/// ```
pub fn lrn(xs: &Tensor, params: LrnParams) -> Result<Tensor, TchError> {
    let size = xs.size();
    let [n, c, h, w] = size[..] else {
        return Err(TchError::Shape(format!(
            "lrn expects an NCHW tensor, got shape {size:?}"
        )));
    };
    let window = 2 * params.depth_radius + 1;
    // Summing squares over a channel window is a (window x 1) average pool over a
    // [N, 1, C, H*W] view, times the window size; zero padding clips the window at the edges.
    let sum_sq = xs
        .f_square()?
        .f_reshape([n, 1, c, h * w])?
        .f_avg_pool2d(
            [window, 1],
            [1, 1],
            [params.depth_radius, 0],
            false,
            true,
            None::<i64>,
        )?
        .f_mul_scalar(window as f64)?
        .f_reshape([n, c, h, w])?;
    xs.f_div(
        &sum_sq
            .f_mul_scalar(params.alpha)?
            .f_add_scalar(params.bias)?
            .f_pow_tensor_scalar(params.beta)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formula written out with loops over plain numbers.
    fn lrn_by_hand(x: &[f64], [n, c, h, w]: [usize; 4], p: LrnParams) -> Vec<f64> {
        let at = |b: usize, ch: usize, i: usize, j: usize| x[((b * c + ch) * h + i) * w + j];
        let r = p.depth_radius as usize;
        let mut out = Vec::with_capacity(x.len());
        for b in 0..n {
            for ch in 0..c {
                for i in 0..h {
                    for j in 0..w {
                        let lo = ch.saturating_sub(r);
                        let hi = (ch + r).min(c - 1);
                        let sum: f64 = (lo..=hi).map(|k| at(b, k, i, j).powi(2)).sum();
                        out.push(at(b, ch, i, j) / (p.bias + p.alpha * sum).powf(p.beta));
                    }
                }
            }
        }
        out
    }

    fn check(shape: [usize; 4], params: LrnParams) {
        let len = shape.iter().product::<usize>();
        // Deterministic values of both signs and varied size, large enough to make the
        // normaliser differ clearly from 1.
        let x: Vec<f64> = (0..len)
            .map(|i| ((i * 37 % 23) as f64 - 11.0) * 1.7)
            .collect();
        let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        let t = Tensor::from_slice(&x).reshape(&dims[..]);
        let got = Vec::<f64>::try_from(lrn(&t, params).unwrap().flatten(0, -1)).unwrap();
        let want = lrn_by_hand(&x, shape, params);
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                "element {k}: got {g}, want {w}"
            );
        }
        // The test vector must exercise the normaliser, not just pass x through.
        assert!(
            got.iter()
                .zip(&x)
                .any(|(g, x)| (g - x).abs() > 0.01 * x.abs())
        );
    }

    #[test]
    fn matches_the_formula_with_the_tutorial_parameters() {
        check([2, 11, 3, 2], LrnParams::CIFAR10_TUTORIAL);
    }

    #[test]
    fn matches_the_formula_with_a_strong_normaliser_and_fewer_channels_than_the_window() {
        check(
            [1, 3, 2, 2],
            LrnParams {
                depth_radius: 4,
                bias: 2.0,
                alpha: 0.1,
                beta: 0.75,
            },
        );
        check(
            [2, 7, 2, 3],
            LrnParams {
                depth_radius: 1,
                bias: 1.0,
                alpha: 0.5,
                beta: 0.5,
            },
        );
    }

    #[test]
    fn rejects_a_tensor_that_is_not_nchw() {
        let err = lrn(
            &Tensor::zeros([4, 4], (tch::Kind::Float, tch::Device::Cpu)),
            LrnParams::CIFAR10_TUTORIAL,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("NCHW") && err.contains("[4, 4]"), "{err}");
    }
}
