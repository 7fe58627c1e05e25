//! One training run: the optimisation loop, evaluation, summaries, how the run ended and
//! its `results.json`.

use std::time::Instant;

use tch::{Kind, TchError, Tensor, nn, nn::OptimizerConfig};

use crate::config::{OptimizerKind, RunConfig};
use crate::data::augment::{self, Preprocess};
use crate::data::{Dataset, ImageSet, LoadedData, batches::ShuffledBatches};
use crate::ema::WeightAverage;
use crate::error::{self, StudyError};
use crate::health::{ChanceLevel, Divergence, DivergenceWatch};
use crate::interrupt::StopRequest;
use crate::models::{CifarNet, MnistNet, StudyNet};
use crate::progress::RunProgress;
use crate::results::{RunMetrics, RunResults, write_results};
use crate::run_end::{RunEnd, RunStatus};
use crate::summaries::{RunLog, StepLosses};

/// Test images per forward pass during evaluation on the CPU: larger batches make activation
/// buffers of many megabytes whose page faults cost more than they save (measured on MNIST:
/// 4.4 s for the 10,000 test images in batches of 100, 7.2 s in batches of 1,000, one thread).
const EVAL_BATCH_CPU: i64 = 100;
/// Test images per forward pass during evaluation on a GPU.
const EVAL_BATCH_GPU: i64 = 1_000;
/// On a GPU, steps between reads of the divergence watch when no summary or evaluation reads
/// from the device sooner: one wait for the device per this many steps costs little, and a
/// diverged run stops within this many steps. On the CPU every step reads it, since CPU
/// tensors are computed before the call returns and reading one is a plain load.
const DIVERGENCE_READ_EVERY_GPU: i64 = 100;
/// What the divergence watch watches.
const WATCHED: &str = "the total loss";

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

/// Mean softmax cross entropy of a batch's `logits` against its class `labels`: the loss
/// `train` minimises (before the weight penalties) and logs.
pub fn cross_entropy(logits: &Tensor, labels: &Tensor) -> Result<Tensor, TchError> {
    logits.f_cross_entropy_loss::<Tensor>(labels, None, tch::Reduction::Mean, -100, 0.0)
}

/// Fraction of a batch's rows whose largest logit is the label, as a 0-d tensor on the
/// logits' device: the training accuracy `train` logs.
pub fn batch_accuracy(logits: &Tensor, labels: &Tensor) -> Result<Tensor, TchError> {
    logits
        .f_argmax(-1, false)?
        .f_eq_tensor(labels)?
        .f_mean(Kind::Float)
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

/// Trains one run as `config` says on `data` (already on the training device), logging to
/// `config.run_dir` (which must exist), until it ends, diverges, fails or `stop` is asked for;
/// then writes `results.json` (for every end) and closes the event file with the session
/// status of the end, so that both agree even when one of them cannot be written. A run never
/// returns an error: it is in the returned status.
///
/// Seeds libtorch's generator with `config.seed`, so weights, dropout and distortions repeat.
/// With `config.diagnostics`, each finding is printed through `progress` once, when it is
/// established, and all of them go into `results.json` and the event file.
pub fn train(
    config: &RunConfig,
    data: &LoadedData,
    progress: &RunProgress,
    stop: &StopRequest,
) -> RunResults {
    let mut last_step = 0;
    let (ended, log) = run(config, data, progress, stop, &mut last_step);
    let (end, metrics) = ended.unwrap_or_else(|e| (failed(&e), None));
    let activation = config.activation_kind().name();
    let status = |end| RunStatus::new(end, last_step, activation, config.lr);
    let mut results = RunResults {
        config: config.clone(),
        status: status(end),
        metrics,
        findings: log
            .as_ref()
            .map_or_else(Vec::new, |log| log.findings().to_vec()),
    };
    let written = write_results(&results);
    if let Err(e) = &written {
        results.status = status(failed(e));
    }
    if let Some(log) = log
        && let Err(e) = log.close(&results.status.end)
    {
        results.status = status(failed(&e));
        // The file said the run finished; if it cannot be replaced, the error is in the table.
        if written.is_ok() {
            let _ = write_results(&results);
        }
    }
    results
}

fn failed(e: &StudyError) -> RunEnd {
    RunEnd::Failed {
        error: error::Causes(e).to_string(),
    }
}

/// How the steps of a run ended and, when all of them ran, its metrics; or the error that
/// stopped them.
type Ended = Result<(RunEnd, Option<RunMetrics>), StudyError>;

/// One run's inputs.
struct Run<'a> {
    config: &'a RunConfig,
    data: &'a LoadedData,
    progress: &'a RunProgress,
    stop: &'a StopRequest,
    started: Instant,
}

/// Opens the event file and runs the steps; returns how they ended and the still open event
/// file (none if it could not be opened).
fn run(
    config: &RunConfig,
    data: &LoadedData,
    progress: &RunProgress,
    stop: &StopRequest,
    last_step: &mut i64,
) -> (Ended, Option<RunLog>) {
    let run = Run {
        config,
        data,
        progress,
        stop,
        started: Instant::now(),
    };
    tch::manual_seed(config.seed as i64);
    let vs = nn::VarStore::new(data.train.images.device());
    let net = match build_net(config.dataset, &vs.root(), config.activation) {
        Ok(net) => net,
        Err(e) => return (Err(e.into()), None),
    };
    let mut log = match RunLog::open(&config.run_dir, &vs, &*net, config.activation) {
        Ok(log) => log,
        Err(e) => return (Err(e), None),
    };
    let ended = log.config(config).and_then(|()| {
        if config.diagnostics {
            log.enable_diagnostics(&*net)?;
        }
        run.steps(&vs, &*net, &mut log, last_step)
    });
    (ended, Some(log))
}

impl Run<'_> {
    /// The step loop. Returns how the run ended and, when it ran all its steps, its metrics.
    fn steps(
        &self,
        vs: &nn::VarStore,
        net: &dyn StudyNet,
        log: &mut RunLog,
        last_step: &mut i64,
    ) -> Ended {
        let Run {
            config,
            data,
            progress,
            stop,
            started,
        } = *self;
        let device = data.train.images.device();
        let mut opt = match config.optimizer {
            OptimizerKind::Adam => nn::Adam::default().build(vs, config.lr)?,
            OptimizerKind::Sgd => nn::Sgd::default().build(vs, config.lr)?,
        };
        let mut average = match config.ema_decay {
            Some(decay) => {
                let mut shadow = nn::VarStore::new(device);
                let shadow_net = build_net(config.dataset, &shadow.root(), config.activation)?;
                let average = WeightAverage::new(vs, &mut shadow, decay)?;
                Some((shadow, shadow_net, average))
            }
            None => None,
        };
        let (train_pre, test_pre) = preprocessing(config.dataset);
        let mut batches =
            ShuffledBatches::new(data.train.len(), config.batch_size as usize, config.seed);
        let mut captured = Vec::with_capacity(net.activation_layers().len());
        let mut weight_losses = Vec::with_capacity(net.weight_loss_layers().len());
        let zero = Tensor::f_zeros([], (Kind::Float, device))?;
        let mut watch = DivergenceWatch::new(device)?;
        let read_watch_every = if device.is_cuda() {
            DIVERGENCE_READ_EVERY_GPU
        } else {
            1
        };
        let mut last = (f32::NAN, f32::NAN, f32::NAN);
        let mut test_accuracy = f64::NAN;

        for step in 1..=config.steps {
            if let Some(signal) = stop.requested() {
                return Ok((RunEnd::Interrupted { signal }, None));
            }
            let summarise = step == 1 || step % config.hist_every == 0 || step == config.steps;
            let scalars = step % config.log_every == 0 || step == config.steps || step == 1;
            let evaluate_now = step % config.eval_every == 0 || step == config.steps;
            let (images, labels) = batches.next_batch(&data.train)?;
            let xs = train_pre(&images)?;
            let logits = net.forward_captured(&xs, true, summarise.then_some(&mut captured))?;
            let cross_entropy = cross_entropy(&logits, &labels)?;
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
            watch.observe(&total)?;
            *last_step = step;
            // Read the watch where the host waits for the device anyway, before any summary that
            // a NaN would break, and at least every `read_watch_every` steps.
            if (scalars || summarise || evaluate_now || step % read_watch_every == 0)
                && let Some(divergence) = watch.check()?
            {
                return Ok((diverged(divergence), None));
            }

            if scalars {
                let accuracy = batch_accuracy(&logits.f_detach()?, &labels)?;
                let losses = StepLosses {
                    cross_entropy: &cross_entropy,
                    regularization: &regularization,
                    total: &total,
                    train_accuracy: &accuracy,
                    weight_losses: &weight_losses,
                };
                last = log.step_scalars(step, config.lr, &losses)?;
                let rate =
                    (step as f64) * (config.batch_size as f64) / started.elapsed().as_secs_f64();
                progress
                    .bar()
                    .set_message(format!("cross entropy {:.4}, {rate:.0} img/s", last.0));
            }
            if summarise {
                log.layers(step, &captured)?;
                log.parameters(step)?;
                for finding in log.diagnose(step)? {
                    progress.note(&format!("step {step}: {}", finding.message));
                }
                log.images(step, &xs, net.first_conv_weights())?;
            }
            if evaluate_now {
                let eval_net: &dyn StudyNet = match &average {
                    Some((_, shadow_net, _)) => &**shadow_net,
                    None => net,
                };
                test_accuracy = evaluate(eval_net, &data.test, test_pre)?;
                log.test_accuracy(step, test_accuracy)?;
            }
            progress.bar().inc(1);
        }

        let chance = ChanceLevel::of_labels(&data.test.labels)?;
        let end = if chance.is_chance(test_accuracy) {
            RunEnd::NoBetterThanChance {
                test_accuracy,
                chance: chance.chance,
                threshold: chance.threshold,
            }
        } else {
            RunEnd::Finished
        };
        let seconds = started.elapsed().as_secs_f64();
        let metrics = RunMetrics {
            test_accuracy,
            final_cross_entropy: last.0.into(),
            final_total_loss: last.1.into(),
            final_train_accuracy: last.2.into(),
            seconds,
            images_per_second: (config.steps as f64) * (config.batch_size as f64) / seconds,
        };
        Ok((end, Some(metrics)))
    }
}

fn diverged(d: Divergence) -> RunEnd {
    RunEnd::Diverged {
        step: d.step,
        what: WATCHED.to_string(),
        value: d.value,
        bound: d.bound,
    }
}
