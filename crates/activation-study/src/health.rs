//! Whether a run is learning: a divergence watch that runs on the training device every step
//! without a host sync, and the end-of-run check against chance accuracy.
//!
//! Rules (also in the README):
//! - **Diverged**: the total loss of a step is NaN, infinite, or at least
//!   [`DIVERGENCE_FACTOR`] times the total loss of the first step.
//! - **No better than chance**: the final test accuracy is not above
//!   `chance + 3 sqrt(chance (1 - chance) / n)`, where `chance` is the accuracy of always
//!   answering the test split's most frequent label and `n` the number of test images.

use tch::{Device, Kind, TchError, Tensor};

/// A total loss this many times the first step's is divergence. Relative to the first step so
/// that one rule fits both nets, with and without weight penalty, whatever their first loss
/// (about 10 nats for the MNIST net's initial weights, ln 10 = 2.3 for a net that starts
/// uniform): the bound is then 2.3e4 to 1e5 nats, a loss no run that still learns reaches (the
/// right class is e^-23000 as likely as the net's choice), while the early loss spikes of a
/// high learning rate stay orders of magnitude below it.
pub const DIVERGENCE_FACTOR: f64 = 1e4;

/// Standard deviations of the binomial noise of a test accuracy above chance that a run must
/// exceed to count as having learned: 3 makes a false alarm on a run that did learn a little
/// about a 1-in-700 event.
pub const CHANCE_SIGMAS: f64 = 3.0;

/// What the watch found: the first step whose loss was out of bounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Divergence {
    /// The step.
    pub step: i64,
    /// The total loss at that step.
    pub value: f64,
    /// The bound it passed (NaN if the first step's loss was not finite).
    pub bound: f64,
}

/// Watches the total loss on its device. [`DivergenceWatch::observe`] queues four scalar
/// operations per step and never waits for the device; [`DivergenceWatch::check`] reads the
/// verdict and is meant for points where the host waits for the device anyway.
#[derive(Debug)]
pub struct DivergenceWatch {
    /// `DIVERGENCE_FACTOR` times the first step's loss; set by the first `observe`.
    bound: Option<Tensor>,
    /// Whether every step so far was in bounds (bool).
    healthy: Tensor,
    /// Steps in bounds so far: while `healthy`, the step count; after, the last good step.
    healthy_steps: Tensor,
    /// The loss of the latest step observed while healthy: after the first bad step, its loss.
    value: Tensor,
    /// This step's comparison, reused each step.
    in_bounds: Tensor,
}

impl DivergenceWatch {
    /// A watch whose state lives on `device`.
    pub fn new(device: Device) -> Result<Self, TchError> {
        Ok(DivergenceWatch {
            bound: None,
            healthy: Tensor::f_ones([], (Kind::Bool, device))?,
            healthy_steps: Tensor::f_zeros([], (Kind::Int64, device))?,
            value: Tensor::f_zeros([], (Kind::Float, device))?,
            in_bounds: Tensor::f_ones([], (Kind::Bool, device))?,
        })
    }

    /// Records the total loss of the next step (a float scalar on the watch's device).
    pub fn observe(&mut self, total: &Tensor) -> Result<(), TchError> {
        let total = total.f_detach()?;
        let bound = match &self.bound {
            Some(bound) => bound,
            None => self.bound.insert(total.f_mul_scalar(DIVERGENCE_FACTOR)?),
        };
        // `<` is false for NaN, so one comparison catches NaN, infinity and the bound. The
        // returned handles alias the state tensors, which the operations write in place.
        let _ = total.f_lt_tensor_out(&self.in_bounds, bound)?;
        let _ = total.f_where_self_out(&self.value, &self.healthy, &self.value)?;
        let _ = self.healthy.f_logical_and_(&self.in_bounds)?;
        let _ = self.healthy_steps.f_add_(&self.healthy)?;
        Ok(())
    }

    /// The first step out of bounds, if any: waits for the device.
    pub fn check(&self) -> Result<Option<Divergence>, TchError> {
        if self.healthy.f_int64_value(&[])? != 0 {
            return Ok(None);
        }
        Ok(Some(Divergence {
            step: self.healthy_steps.f_int64_value(&[])? + 1,
            value: self.value.f_double_value(&[])?,
            bound: match &self.bound {
                Some(bound) => bound.f_double_value(&[])?,
                None => f64::NAN,
            },
        }))
    }
}

/// The accuracy a test split gives to a net that learned nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChanceLevel {
    /// Accuracy of always answering the most frequent test label.
    pub chance: f64,
    /// The accuracy a run must exceed to count as having learned.
    pub threshold: f64,
}

impl ChanceLevel {
    /// The chance level of a test split with these labels (`0..classes` on any device).
    pub fn of_labels(labels: &Tensor) -> Result<Self, TchError> {
        let n = labels.size().first().copied().unwrap_or(0);
        let most_frequent = if n == 0 {
            0
        } else {
            labels
                .f_bincount(None::<Tensor>, 0)?
                .f_max()?
                .f_int64_value(&[])?
        };
        Ok(Self::of_counts(most_frequent, n))
    }

    /// The chance level of `n` test examples whose most frequent label occurs `most_frequent`
    /// times.
    pub fn of_counts(most_frequent: i64, n: i64) -> Self {
        if n <= 0 {
            return ChanceLevel {
                chance: 0.0,
                threshold: 0.0,
            };
        }
        let chance = most_frequent as f64 / n as f64;
        let noise = (chance * (1.0 - chance) / n as f64).sqrt();
        ChanceLevel {
            chance,
            threshold: chance + CHANCE_SIGMAS * noise,
        }
    }

    /// Whether `test_accuracy` shows that the net learned nothing (NaN, never evaluated,
    /// counts as nothing).
    pub fn is_chance(&self, test_accuracy: f64) -> bool {
        test_accuracy.is_nan() || test_accuracy <= self.threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(losses: &[f32]) -> Option<Divergence> {
        let mut watch = DivergenceWatch::new(Device::Cpu).unwrap();
        for &loss in losses {
            watch.observe(&Tensor::from(loss)).unwrap();
        }
        watch.check().unwrap()
    }

    #[test]
    fn healthy_losses_pass_and_spikes_below_the_bound_are_allowed() {
        assert_eq!(watch(&[2.3, 5.0, 900.0, 0.1]), None);
    }

    #[test]
    fn nan_infinity_and_a_loss_past_the_bound_name_their_first_step_and_value() {
        let nan = watch(&[2.3, 1.0, f32::NAN, 4.0]).unwrap();
        assert_eq!(nan.step, 3);
        assert!(nan.value.is_nan());
        assert!((nan.bound - 2.3e4).abs() < 1.0, "{nan:?}");
        let inf = watch(&[2.3, f32::INFINITY, f32::NAN]).unwrap();
        assert_eq!((inf.step, inf.value), (2, f64::INFINITY));
        // 2.5e32 is finite: the old check let it pass.
        let huge = watch(&[2.0, 2.5e32, 1.0]).unwrap();
        assert_eq!(huge.step, 2);
        assert!((huge.value - 2.5e32).abs() < 1e26, "{huge:?}");
        let first = watch(&[f32::NAN]).unwrap();
        assert_eq!(first.step, 1);
    }

    #[test]
    fn chance_is_the_most_frequent_label_with_a_three_sigma_noise_band() {
        // MNIST's test split: 1135 ones among 10,000 labels.
        let mnist = ChanceLevel::of_counts(1135, 10_000);
        assert!((mnist.chance - 0.1135).abs() < 1e-12);
        assert!((mnist.threshold - 0.1230).abs() < 1e-4, "{mnist:?}");
        assert!(mnist.is_chance(0.1135) && mnist.is_chance(0.12) && mnist.is_chance(f64::NAN));
        assert!(!mnist.is_chance(0.2));
        let labels = Tensor::from_slice(&[0i64, 1, 1, 2]);
        let four = ChanceLevel::of_labels(&labels).unwrap();
        assert_eq!(four.chance, 0.5);
    }
}
