//! Exponential moving average of the weights, as `tf.train.ExponentialMovingAverage` with
//! `num_updates`: the CIFAR-10 tutorial evaluates these averaged weights.

use tch::{TchError, Tensor, nn};

/// Shadow copies of a var store's trainable variables, kept in a second var store whose
/// network is used for evaluation.
#[derive(Debug)]
pub struct WeightAverage {
    decay: f64,
    updates: u64,
    pairs: Vec<(Tensor, Tensor)>,
}

impl WeightAverage {
    /// Starts averaging `source` into `shadow`, two var stores holding the same network;
    /// `shadow` starts as a copy of `source`.
    pub fn new(
        source: &nn::VarStore,
        shadow: &mut nn::VarStore,
        decay: f64,
    ) -> Result<Self, TchError> {
        shadow.copy(source)?;
        let shadow_vars = shadow.variables();
        let mut pairs = Vec::new();
        let mut names: Vec<(String, Tensor)> = source.variables().into_iter().collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, var) in names {
            let copy = shadow_vars.get(&name).ok_or_else(|| {
                TchError::Kind(format!("the averaged network has no variable {name}"))
            })?;
            pairs.push((var, copy.shallow_clone()));
        }
        Ok(WeightAverage {
            decay,
            updates: 0,
            pairs,
        })
    }

    /// The decay of the next update: `min(decay, (1 + n) / (10 + n))` after `n` updates,
    /// TensorFlow's warm-up, so early averages are not dominated by the initial weights.
    pub fn current_decay(&self) -> f64 {
        let n = self.updates as f64;
        self.decay.min((1.0 + n) / (10.0 + n))
    }

    /// Moves every shadow variable towards its source: `shadow = d * shadow + (1 - d) * var`.
    pub fn update(&mut self) -> Result<(), TchError> {
        let weight = 1.0 - self.current_decay();
        tch::no_grad(|| -> Result<(), TchError> {
            for (var, shadow) in &mut self.pairs {
                let _ = shadow.f_lerp_(var, weight)?;
            }
            Ok(())
        })?;
        self.updates += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn averages_with_tensorflow_warm_up_decay() {
        let source = nn::VarStore::new(Device::Cpu);
        let w = source.root().var("w", &[2], nn::Init::Const(0.0));
        let mut shadow = nn::VarStore::new(Device::Cpu);
        let avg_w = shadow.root().var("w", &[2], nn::Init::Const(5.0));
        let mut avg = WeightAverage::new(&source, &mut shadow, 0.9999).unwrap();
        assert_eq!(avg_w.double_value(&[0]), 0.0, "starts as a copy");

        let mut want = 0.0f64;
        for (n, value) in [1.0f64, 2.0, 3.0].into_iter().enumerate() {
            let _ = tch::no_grad(|| w.shallow_clone().fill_(value));
            let d = 0.9999f64.min((1.0 + n as f64) / (10.0 + n as f64));
            assert!((avg.current_decay() - d).abs() < 1e-15);
            avg.update().unwrap();
            want = d * want + (1.0 - d) * value;
        }
        let got = avg_w.to_kind(Kind::Double).double_value(&[1]);
        assert!((got - want).abs() < 1e-6, "got {got}, want {want}");
        // Far into training the cap applies.
        avg.updates = 1_000_000;
        assert_eq!(avg.current_decay(), 0.9999);
    }
}
