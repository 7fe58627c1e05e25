//! Our side: the `train` binary's step loop on the MNIST net, logging through its `RunLog`.

use std::path::Path;
use std::time::Instant;

use activation_study::activation::Activation;
use activation_study::data::batches::ShuffledBatches;
use activation_study::data::{self, Dataset, LoadedData, augment};
use activation_study::health::DivergenceWatch;
use activation_study::models::{MnistNet, StudyNet};
use activation_study::run_end::RunEnd;
use activation_study::summaries::{RunLog, StepLosses};
use activation_study::train::{batch_accuracy, cross_entropy};
use anyhow::{Context, Result, bail};
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use crate::phases::{Clock, Phase};
use crate::windows::Windows;
use crate::{BATCH, LAST_LOSSES, LEARNING_RATE, Measured, Settings};

/// The data on the device and the initial variables every run starts from.
pub struct Ours {
    data: LoadedData,
    initial: nn::VarStore,
}

impl Ours {
    /// Loads MNIST from `data_root` onto `device` and initialises the net from `seed`.
    pub fn new(data_root: &Path, device: Device, seed: u64) -> Result<Self> {
        let data = data::load(Dataset::Mnist, data_root, device)?;
        tch::manual_seed(seed as i64);
        let initial = nn::VarStore::new(device);
        MnistNet::new(&initial.root(), Activation::Relu)?;
        Ok(Ours { data, initial })
    }

    /// Writes the initial variables (under their var-store names) and the training-image
    /// indices in visiting order for `steps` steps to a `.npz` the PyTorch script reads.
    pub fn export_inputs(&self, path: &Path, steps: usize, seed: u64) -> Result<()> {
        let mut batches = ShuffledBatches::new(self.data.train.len(), BATCH, seed);
        let order: Vec<i64> = (0..steps)
            .flat_map(|_| batches.next_indices().to_vec())
            .collect();
        let mut arrays: Vec<(String, Tensor)> = self.initial.variables().into_iter().collect();
        arrays.push(("order".to_owned(), Tensor::f_from_slice(&order)?));
        Tensor::write_npz(&arrays, path).with_context(|| format!("writing {}", path.display()))
    }

    /// Trains from the initial variables for `settings.warmup` untimed and `settings.steps`
    /// timed steps, logging into `logdir` when given (with `train`'s diagnosis when
    /// `diagnostics`), and measures the throughput and losses.
    ///
    /// The loop is `activation_study::train::train`'s, minus its progress bar, test evaluations
    /// and run files: the same batches, preprocessing, forward pass, losses, Adam step and
    /// `RunLog` calls at the same cadence and its divergence watch (scalars every step; layers, parameters and images
    /// on the first, every `histogram_every`-th and the last step).
    pub fn run(
        &self,
        settings: &Settings,
        logdir: Option<&Path>,
        diagnostics: bool,
    ) -> Result<Measured> {
        let device = self.initial.device();
        let mut vs = nn::VarStore::new(device);
        let net = MnistNet::new(&vs.root(), Activation::Relu)?;
        vs.copy(&self.initial)?;
        let mut opt = nn::Adam::default().build(&vs, LEARNING_RATE)?;
        let mut log = match logdir {
            Some(dir) => {
                let mut log = RunLog::open(dir, &vs, &net, Activation::Relu)?;
                if diagnostics {
                    log.enable_diagnostics(&net)?;
                }
                Some(log)
            }
            None => None,
        };
        let mut batches = ShuffledBatches::new(self.data.train.len(), BATCH, settings.seed);
        let mut captured = Vec::with_capacity(net.activation_layers().len());
        let mut weight_losses = Vec::with_capacity(net.weight_loss_layers().len());
        let zero = Tensor::f_zeros([], (Kind::Float, device))?;
        let mut watch = DivergenceWatch::new(device)?;
        let mut last_losses = Vec::with_capacity(LAST_LOSSES);
        let (total_steps, every) = (
            (settings.warmup + settings.steps) as i64,
            settings.histogram_every as i64,
        );

        let mut clock = Clock::new(settings.phases, device);
        let mut windows = Windows::new(device, settings.steps / settings.histogram_every);
        // Dropout masks follow the seed from here on, as in the PyTorch script.
        tch::manual_seed(settings.seed as i64);
        for step in 1..=total_steps {
            let timed = step > settings.warmup as i64;
            if step == settings.warmup as i64 + 1 {
                windows.mark();
                clock.restart();
            }
            let summarise =
                log.is_some() && (step == 1 || step % every == 0 || step == total_steps);
            let (images, labels) = batches.next_batch(&self.data.train)?;
            let xs = augment::mnist(&images)?;
            clock.lap(Phase::Batch);
            let logits = net.forward_captured(&xs, true, summarise.then_some(&mut captured))?;
            let cross_entropy = cross_entropy(&logits, &labels)?;
            net.weight_losses(&mut weight_losses)?;
            let regularization = weight_losses
                .iter()
                .try_fold(zero.shallow_clone(), |sum, w| sum.f_add(w))?;
            let total = cross_entropy.f_add(&regularization)?;
            clock.lap(Phase::Forward);
            opt.zero_grad();
            clock.lap(Phase::Optimizer);
            total.f_backward()?;
            clock.lap(Phase::Backward);
            opt.step();
            // train's divergence watch, read every step as train does on the CPU; its cost
            // counts with the optimiser's.
            watch.observe(&total)?;
            if let Some(divergence) = watch.check()? {
                bail!("the benchmark run diverged: {divergence:?}");
            }
            clock.lap(Phase::Optimizer);
            if let Some(log) = log.as_mut() {
                let accuracy = batch_accuracy(&logits.f_detach()?, &labels)?;
                let losses = StepLosses {
                    cross_entropy: &cross_entropy,
                    regularization: &regularization,
                    total: &total,
                    train_accuracy: &accuracy,
                    weight_losses: &weight_losses,
                };
                log.step_scalars(step, LEARNING_RATE, &losses)?;
                clock.lap(Phase::Scalars);
                if summarise {
                    log.layers(step, &captured)?;
                    clock.lap(Phase::Layers);
                    log.parameters(step)?;
                    clock.lap(Phase::Parameters);
                    // train prints the findings this returns; the benchmark needs only the work.
                    log.diagnose(step)?;
                    clock.lap(Phase::Diagnostics);
                    log.images(step, &xs, net.first_conv_weights())?;
                    clock.lap(Phase::Images);
                }
            }
            if total_steps - step < LAST_LOSSES as i64 {
                last_losses.push(cross_entropy.f_detach()?);
            }
            clock.lap(Phase::Batch);
            if timed && step % every == 0 {
                windows.mark();
            }
        }
        let closing = Instant::now();
        if let Some(log) = log {
            log.close(&RunEnd::Finished)?;
            clock.lap(Phase::Close);
        }
        let (images_per_s, mean_images_per_s) = windows.rates(
            settings.histogram_every * BATCH,
            closing.elapsed().as_secs_f64(),
        );

        let train_loss_last50 = Tensor::f_stack(&last_losses, 0)?
            .f_mean(Kind::Double)?
            .f_double_value(&[])?;
        let (test_loss, test_accuracy) = self.evaluate(&net, settings.test_images)?;
        Ok(Measured {
            images_per_s,
            mean_images_per_s,
            train_loss_last50,
            test_loss,
            test_accuracy,
            phases: clock.spent(),
        })
    }

    /// Mean cross entropy and accuracy on the first `n` test images, without dropout.
    fn evaluate(&self, net: &MnistNet, n: usize) -> Result<(f64, f64)> {
        let n = n.min(self.data.test.len()) as i64;
        let xs = augment::mnist(&self.data.test.images.f_narrow(0, 0, n)?)?;
        let labels = self.data.test.labels.f_narrow(0, 0, n)?;
        let logits = tch::no_grad(|| net.forward_captured(&xs, false, None))?;
        let loss = cross_entropy(&logits, &labels)?.f_double_value(&[])?;
        let accuracy = batch_accuracy(&logits, &labels)?.f_double_value(&[])?;
        Ok((loss, accuracy))
    }
}
