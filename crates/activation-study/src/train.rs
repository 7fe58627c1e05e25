//! One training run: the optimisation loop, evaluation, summaries and `results.json`.

use std::time::Instant;

use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use tch::{Kind, TchError, Tensor, nn, nn::OptimizerConfig};

use crate::config::{OptimizerKind, RunConfig};
use crate::data::augment::{self, Preprocess};
use crate::data::{Dataset, ImageSet, LoadedData, batches::ShuffledBatches};
use crate::ema::WeightAverage;
use crate::error::StudyError;
use crate::models::{CifarNet, MnistNet, StudyNet};
use crate::summaries::{RunLog, StepLosses};

/// Test images per forward pass during evaluation on the CPU: larger batches make activation
/// buffers of many megabytes whose page faults cost more than they save (measured on MNIST:
/// 4.4 s for the 10,000 test images in batches of 100, 7.2 s in batches of 1,000, one thread).
const EVAL_BATCH_CPU: i64 = 100;
/// Test images per forward pass during evaluation on a GPU.
const EVAL_BATCH_GPU: i64 = 1_000;

/// How a finished run did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    /// Accuracy on the whole test split after the last step.
    pub test_accuracy: f64,
    /// Cross entropy of the last logged training batch.
    pub final_cross_entropy: f64,
    /// Total loss (cross entropy plus regularisation) of the last logged training batch.
    pub final_total_loss: f64,
    /// Accuracy on the last logged training batch.
    pub final_train_accuracy: f64,
    /// Wall-clock seconds of the run, evaluations and summaries included.
    pub seconds: f64,
    /// Training images per second over the run.
    pub images_per_second: f64,
}

/// What `results.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// The configuration, as also logged as text and hparams.
    pub config: RunConfig,
    /// The final metrics.
    pub metrics: RunMetrics,
}

/// Name of the results file in each run directory.
pub const RESULTS_FILE: &str = "results.json";

/// Builds the data set's network for `activation` under `vs`.
pub fn build_net(
    dataset: Dataset,
    vs: &nn::Path,
    activation: crate::activation::Activation,
) -> Result<Box<dyn StudyNet>, TchError> {
    Ok(match dataset {
        Dataset::Mnist => Box::new(MnistNet::new(vs, activation)?),
        Dataset::Cifar10 => Box::new(CifarNet::new(vs, activation)?),
    })
}

/// The preprocessing of a data set's training and test batches.
fn preprocessing(dataset: Dataset) -> (Preprocess, Preprocess) {
    match dataset {
        Dataset::Mnist => (augment::mnist, augment::mnist),
        Dataset::Cifar10 => (augment::cifar_train, augment::cifar_test),
    }
}

/// Accuracy of `net` on all of `set`, in eval mode without gradients; the count of correct
/// answers stays on the device until the end.
pub fn evaluate(
    net: &dyn StudyNet,
    set: &ImageSet,
    preprocess: Preprocess,
) -> Result<f64, TchError> {
    let n = set.len() as i64;
    let batch = if set.images.device().is_cuda() {
        EVAL_BATCH_GPU
    } else {
        EVAL_BATCH_CPU
    };
    tch::no_grad(|| {
        let mut correct = Tensor::f_zeros([], (Kind::Int64, set.labels.device()))?;
        for start in (0..n).step_by(batch as usize) {
            let len = batch.min(n - start);
            let xs = preprocess(&set.images.f_narrow(0, start, len)?)?;
            let logits = net.forward_captured(&xs, false, None)?;
            let hits = logits
                .f_argmax(-1, false)?
                .f_eq_tensor(&set.labels.f_narrow(0, start, len)?)?;
            correct = correct.f_add(&hits.f_sum(Kind::Int64)?)?;
        }
        Ok(correct.int64_value(&[]) as f64 / n as f64)
    })
}

fn finite(what: &'static str, value: f32, step: i64, config: &RunConfig) -> Result<(), StudyError> {
    if value.is_finite() {
        return Ok(());
    }
    Err(StudyError::Diverged {
        what,
        value: value.into(),
        step,
        activation: config.activation_kind().to_string(),
        lr: config.lr,
    })
}

/// Trains one run as `config` says on `data` (already on the training device), logging to
/// `config.run_dir` (which must exist), then writes `results.json` there.
///
/// Seeds libtorch's generator with `config.seed`, so weights, dropout and distortions repeat.
pub fn train(
    config: &RunConfig,
    data: &LoadedData,
    progress: &ProgressBar,
) -> Result<RunMetrics, StudyError> {
    let started = Instant::now();
    tch::manual_seed(config.seed as i64);
    let device = data.train.images.device();
    let vs = nn::VarStore::new(device);
    let net = build_net(config.dataset, &vs.root(), config.activation)?;
    let mut opt = match config.optimizer {
        OptimizerKind::Adam => nn::Adam::default().build(&vs, config.lr)?,
        OptimizerKind::Sgd => nn::Sgd::default().build(&vs, config.lr)?,
    };
    let mut average = match config.ema_decay {
        Some(decay) => {
            let mut shadow = nn::VarStore::new(device);
            let shadow_net = build_net(config.dataset, &shadow.root(), config.activation)?;
            let average = WeightAverage::new(&vs, &mut shadow, decay)?;
            Some((shadow, shadow_net, average))
        }
        None => None,
    };
    let (train_pre, test_pre) = preprocessing(config.dataset);

    let mut log = RunLog::open(&config.run_dir, &vs, &*net, config.activation)?;
    log.config(config)?;

    let mut batches =
        ShuffledBatches::new(data.train.len(), config.batch_size as usize, config.seed);
    let mut captured = Vec::with_capacity(net.activation_layers().len());
    let mut weight_losses = Vec::with_capacity(net.weight_loss_layers().len());
    let zero = Tensor::f_zeros([], (Kind::Float, device))?;
    let mut last = (f32::NAN, f32::NAN, f32::NAN);
    let mut test_accuracy = f64::NAN;

    for step in 1..=config.steps {
        let summarise = step == 1 || step % config.hist_every == 0 || step == config.steps;
        let (images, labels) = batches.next_batch(&data.train)?;
        let xs = train_pre(&images)?;
        let logits = net.forward_captured(&xs, true, summarise.then_some(&mut captured))?;
        let cross_entropy = logits.f_cross_entropy_loss(
            &labels,
            None::<Tensor>,
            tch::Reduction::Mean,
            -100,
            0.0,
        )?;
        net.weight_losses(&mut weight_losses)?;
        let regularization = weight_losses
            .iter()
            .try_fold(zero.shallow_clone(), |sum, w| sum.f_add(w))?;
        let total = cross_entropy.f_add(&regularization)?;
        opt.zero_grad();
        total.f_backward()?;
        opt.step();
        if let Some((_, _, average)) = &mut average {
            average.update()?;
        }

        if step % config.log_every == 0 || step == config.steps || step == 1 {
            let accuracy = logits
                .f_detach()?
                .f_argmax(-1, false)?
                .f_eq_tensor(&labels)?
                .f_mean(Kind::Float)?;
            let losses = StepLosses {
                cross_entropy: &cross_entropy,
                regularization: &regularization,
                total: &total,
                train_accuracy: &accuracy,
                weight_losses: &weight_losses,
            };
            last = log.step_scalars(step, config.lr, &losses)?;
            finite("the cross entropy", last.0, step, config)?;
            finite("the total loss", last.1, step, config)?;
            let rate = (step * config.batch_size) as f64 / started.elapsed().as_secs_f64();
            progress.set_message(format!("cross entropy {:.4}, {rate:.0} img/s", last.0));
        }
        if summarise {
            log.layers(step, &captured)?;
            log.parameters(step)?;
            log.images(step, &xs, net.first_conv_weights())?;
        }
        if step % config.eval_every == 0 || step == config.steps {
            let eval_net: &dyn StudyNet = match &average {
                Some((_, shadow_net, _)) => &**shadow_net,
                None => &*net,
            };
            test_accuracy = evaluate(eval_net, &data.test, test_pre)?;
            log.test_accuracy(step, test_accuracy)?;
        }
        progress.inc(1);
    }
    log.close()?;

    let seconds = started.elapsed().as_secs_f64();
    let metrics = RunMetrics {
        test_accuracy,
        final_cross_entropy: last.0.into(),
        final_total_loss: last.1.into(),
        final_train_accuracy: last.2.into(),
        seconds,
        images_per_second: (config.steps * config.batch_size) as f64 / seconds,
    };
    write_results(config, &metrics)?;
    Ok(metrics)
}

/// Writes `results.json` (configuration and metrics) into the run directory.
pub fn write_results(config: &RunConfig, metrics: &RunMetrics) -> Result<(), StudyError> {
    let path = config.run_dir.join(RESULTS_FILE);
    let results = RunResults {
        config: config.clone(),
        metrics: metrics.clone(),
    };
    let json = serde_json::to_vec_pretty(&results).map_err(|source| StudyError::Json {
        path: path.clone(),
        source,
    })?;
    std::fs::write(&path, json).map_err(|source| StudyError::RunDir { path, source })
}
