//! What a run logs to TensorBoard. Tags are built once when the run starts; histograms,
//! sparsity, saturation, dead units and gradient norms are computed on the training device
//! and only their results come back to the host, where the diagnostics take theirs.

use std::path::{Path, PathBuf};

use study_spec::diagnosis::Finding;
use study_spec::hparams;
use study_spec::tags::{LayerSummary, ParamSummary};
use tch::{Device, Kind, Tensor, nn};
use tensorboard_logger::{HParamValue, Image, SummaryWriter};

use crate::activation::Activation;
use crate::config::RunConfig;
use crate::diagnostics::Diagnostics;
use crate::error::StudyError;
use crate::models::StudyNet;
use crate::run_end::RunEnd;

// The tags are the study's (`study-spec`), where the report reads them too.
pub use study_spec::tags::{
    CONFIG_TEXT, CONV1_FILTERS, CROSS_ENTROPY, INPUT_IMAGES, LEARNING_RATE, REGULARIZATION_LOSS,
    TEST_ACCURACY, TOTAL_LOSS, TRAIN_ACCURACY,
};

/// Images of the input batch shown.
const INPUT_IMAGES_SHOWN: i64 = 16;
/// Nearest-neighbour magnification of the 5x5 filters, so TensorBoard shows them at a visible size.
const FILTER_ZOOM: i64 = 4;

/// The scalars of one training step, as tensors on the training device.
#[derive(Clone, Copy, Debug)]
pub struct StepLosses<'a> {
    /// Mean cross entropy of the batch.
    pub cross_entropy: &'a Tensor,
    /// Sum of the weight penalties.
    pub regularization: &'a Tensor,
    /// Cross entropy plus regularisation.
    pub total: &'a Tensor,
    /// Fraction of the batch classified correctly.
    pub train_accuracy: &'a Tensor,
    /// Each penalised layer's weight loss, in the net's `weight_loss_layers` order.
    pub weight_losses: &'a [Tensor],
}

/// Tags of one layer's activation summaries.
#[derive(Debug)]
struct LayerTags {
    activations: String,
    sparsity: String,
    saturation: String,
}

/// Tags of one trainable variable and the variable itself.
#[derive(Debug)]
struct ParamTags {
    var: Tensor,
    values: String,
    gradients: String,
    gradient_norm: String,
}

/// The TensorBoard writer of one run and its pre-built tags.
#[derive(Debug)]
pub struct RunLog {
    writer: SummaryWriter,
    run_dir: PathBuf,
    activation: Activation,
    layers: Vec<LayerTags>,
    weight_losses: Vec<String>,
    params: Vec<ParamTags>,
    /// Reused buffers for the scalars of a step and their host copy.
    parts: Vec<Tensor>,
    scalars: Vec<f32>,
    /// The diagnosis, when it is on, and the index in `params` of each of its weight
    /// layers' weights.
    diagnostics: Option<(Diagnostics, Vec<Option<usize>>)>,
}

/// Scales each image of an NCHW float batch to `[0, 1]` by its own minimum and maximum.
fn per_image_unit_range(xs: &Tensor) -> Result<Tensor, tch::TchError> {
    let dims = [1i64, 2, 3];
    let lo = xs.f_amin(dims, true)?;
    let hi = xs.f_amax(dims, true)?;
    xs.f_sub(&lo)?.f_div(&hi.f_sub(&lo)?.f_clamp_min(1e-12)?)
}

impl RunLog {
    /// Opens the run's event file and builds every tag for `net`, whose variables live in `vs`.
    pub fn open(
        run_dir: &Path,
        vs: &nn::VarStore,
        net: &dyn StudyNet,
        activation: Activation,
    ) -> Result<Self, StudyError> {
        let writer = SummaryWriter::new(run_dir).map_err(|source| StudyError::Log {
            run_dir: run_dir.to_path_buf(),
            source,
        })?;
        let layers = net
            .activation_layers()
            .iter()
            .map(|layer| LayerTags {
                activations: LayerSummary::Activations.tag(layer),
                sparsity: LayerSummary::Sparsity.tag(layer),
                saturation: LayerSummary::Saturation.tag(layer),
            })
            .collect();
        let weight_losses = net
            .weight_loss_layers()
            .iter()
            .map(|layer| LayerSummary::WeightLoss.tag(layer))
            .collect();
        let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let params = named
            .into_iter()
            .map(|(name, var)| ParamTags {
                var,
                values: ParamSummary::Values.tag(&name),
                gradients: ParamSummary::Gradients.tag(&name),
                gradient_norm: ParamSummary::GradientNorm.tag(&name),
            })
            .collect();
        Ok(RunLog {
            writer,
            run_dir: run_dir.to_path_buf(),
            activation,
            layers,
            weight_losses,
            params,
            parts: Vec::with_capacity(8),
            scalars: Vec::with_capacity(8),
            diagnostics: None,
        })
    }

    /// Turns on the diagnosis of `net` (the net [`RunLog::open`] was given): from now on the
    /// summaries also measure what it needs, [`RunLog::diagnose`] logs and judges it, and
    /// closing writes the findings. Writes the Custom Scalars layout of the diagnostics.
    pub fn enable_diagnostics(&mut self, net: &dyn StudyNet) -> Result<(), StudyError> {
        let layers = net.weight_layers();
        let weights: Vec<Option<usize>> = layers
            .iter()
            .map(|layer| {
                let tag = ParamSummary::Values.tag(&format!("{layer}.weights"));
                self.params.iter().position(|p| p.values == tag)
            })
            .collect();
        self.writer
            .add_custom_scalars(&Diagnostics::layout(layers, self.activation))
            .map_err(self.log_err())?;
        self.diagnostics = Some((Diagnostics::new(layers), weights));
        Ok(())
    }

    /// The findings of the diagnosis so far; none when it is off.
    pub fn findings(&self) -> &[Finding] {
        self.diagnostics
            .as_ref()
            .map_or(&[], |(diagnostics, _)| diagnostics.findings())
    }

    /// Logs the diagnostics measured by this step's [`RunLog::layers`] and
    /// [`RunLog::parameters`] and returns the findings they established; none when the
    /// diagnosis is off.
    pub fn diagnose(&mut self, step: i64) -> Result<&[Finding], StudyError> {
        let Some((diagnostics, _)) = &mut self.diagnostics else {
            return Ok(&[]);
        };
        diagnostics
            .observe(&self.writer, step)
            .map_err(|source| StudyError::Log {
                run_dir: self.run_dir.clone(),
                source,
            })
    }

    fn log_err<E: Into<tensorboard_logger::Error>>(&self) -> impl Fn(E) -> StudyError + '_ {
        |source| StudyError::Log {
            run_dir: self.run_dir.clone(),
            source: source.into(),
        }
    }

    /// Records the configuration as text and as hparams, with `test/accuracy` as the metric.
    pub fn config(&self, config: &RunConfig) -> Result<(), StudyError> {
        let json = serde_json::to_string_pretty(config).map_err(|source| StudyError::Json {
            path: self.run_dir.clone(),
            source,
        })?;
        // Four-space indentation makes TensorBoard's markdown show the JSON as a code block.
        let text: String = json.lines().map(|l| format!("    {l}\n")).collect();
        self.writer
            .add_text(CONFIG_TEXT, &text, 0)
            .map_err(self.log_err())?;
        let hparams = [
            (hparams::DATASET, HParamValue::from(config.dataset.name())),
            (
                hparams::ACTIVATION,
                HParamValue::from(config.activation_kind().name()),
            ),
            (hparams::LEAKY_SLOPE, HParamValue::from(config.leaky_slope)),
            (hparams::ELU_ALPHA, HParamValue::from(config.elu_alpha)),
            (hparams::LR, HParamValue::from(config.lr)),
            (
                hparams::BATCH_SIZE,
                HParamValue::from(config.batch_size as f64),
            ),
            (hparams::STEPS, HParamValue::from(config.steps as f64)),
            (hparams::SEED, HParamValue::from(config.seed as f64)),
            (hparams::DEVICE, HParamValue::from(config.device.as_str())),
        ];
        self.writer
            .add_hparams(&hparams, &[TEST_ACCURACY])
            .map_err(self.log_err())
    }

    /// Logs the step's scalars and returns `(cross entropy, total loss, train accuracy)`,
    /// copying them to the host in one transfer.
    pub fn step_scalars(
        &mut self,
        step: i64,
        lr: f64,
        losses: &StepLosses<'_>,
    ) -> Result<(f32, f32, f32), StudyError> {
        let StepLosses {
            cross_entropy,
            regularization,
            total,
            train_accuracy,
            weight_losses,
        } = *losses;
        self.parts.clear();
        for t in [cross_entropy, regularization, total, train_accuracy]
            .into_iter()
            .chain(weight_losses)
        {
            self.parts
                .push(t.f_detach()?.f_to_kind(Kind::Float)?.f_reshape([1])?);
        }
        let host = Tensor::f_cat(&self.parts, 0)?.f_to_device(Device::Cpu)?;
        self.scalars.resize(self.parts.len(), 0.0);
        host.f_copy_data(&mut self.scalars, self.parts.len())?;
        let s = &self.scalars;
        let w = &self.writer;
        let err = |source| StudyError::Log {
            run_dir: self.run_dir.clone(),
            source,
        };
        w.add_scalar(CROSS_ENTROPY, s[0], step).map_err(err)?;
        w.add_scalar(REGULARIZATION_LOSS, s[1], step).map_err(err)?;
        w.add_scalar(TOTAL_LOSS, s[2], step).map_err(err)?;
        w.add_scalar(TRAIN_ACCURACY, s[3], step).map_err(err)?;
        w.add_scalar(LEARNING_RATE, lr as f32, step).map_err(err)?;
        for (tag, value) in self.weight_losses.iter().zip(&s[4..]) {
            w.add_scalar(tag, *value, step).map_err(err)?;
        }
        if let Some((diagnostics, _)) = &mut self.diagnostics {
            diagnostics.add_loss(s[0]);
        }
        Ok((s[0], s[2], s[3]))
    }

    /// Logs the test accuracy.
    pub fn test_accuracy(&self, step: i64, accuracy: f64) -> Result<(), StudyError> {
        self.writer
            .add_scalar(TEST_ACCURACY, accuracy as f32, step)
            .map_err(self.log_err())
    }

    /// Logs each layer's activation histogram, sparsity and (for sigmoid and tanh) saturation;
    /// `captured` holds the layers' outputs from this step's forward pass. With the diagnosis
    /// on, it takes the saturation and (ReLU family) the dead units, measured alongside.
    pub fn layers(&mut self, step: i64, captured: &[Tensor]) -> Result<(), StudyError> {
        let saturates = self.activation.unsaturated_range().is_some();
        let dead = self.diagnostics.is_some() && self.activation.can_die();
        let host = tch::no_grad(|| -> Result<Vec<f32>, StudyError> {
            let mut fractions = Vec::with_capacity(3 * captured.len());
            for (tags, out) in self.layers.iter().zip(captured) {
                self.writer
                    .add_histogram(&tags.activations, out, step)
                    .map_err(self.log_err())?;
                fractions.push(crate::activation::sparsity(out)?);
                if let Some(saturation) = self.activation.saturation(out)? {
                    fractions.push(saturation);
                }
                if dead && let Some(units) = self.activation.dead_units(out)? {
                    fractions.push(units);
                }
            }
            Ok(Vec::<f32>::try_from(
                Tensor::f_stack(&fractions, 0)?.f_to_device(Device::Cpu)?,
            )?)
        })?;
        let per_layer = 1 + usize::from(saturates) + usize::from(dead);
        for (layer, (tags, values)) in self.layers.iter().zip(host.chunks(per_layer)).enumerate() {
            self.writer
                .add_scalar(&tags.sparsity, values[0], step)
                .map_err(self.log_err())?;
            if saturates {
                self.writer
                    .add_scalar(&tags.saturation, values[1], step)
                    .map_err(self.log_err())?;
            }
            if let Some((diagnostics, _)) = &mut self.diagnostics {
                let signals = diagnostics.signals_mut();
                if saturates && let Some(slot) = signals.saturation.get_mut(layer) {
                    *slot = Some(f64::from(values[1]));
                }
                if dead && let Some(slot) = signals.dead_units.get_mut(layer) {
                    *slot = Some(f64::from(values[per_layer - 1]));
                }
            }
        }
        Ok(())
    }

    /// Logs histograms of every variable and of its gradient, and the gradients' L2 norms;
    /// with the diagnosis on, it takes the norms of the weight layers.
    pub fn parameters(&mut self, step: i64) -> Result<(), StudyError> {
        let (with_grad, host) = tch::no_grad(|| -> Result<_, StudyError> {
            let mut norms = Vec::with_capacity(self.params.len());
            let mut with_grad = Vec::with_capacity(self.params.len());
            for (index, p) in self.params.iter().enumerate() {
                self.writer
                    .add_histogram(&p.values, &p.var, step)
                    .map_err(self.log_err())?;
                let grad = p.var.grad();
                if grad.defined() {
                    self.writer
                        .add_histogram(&p.gradients, &grad, step)
                        .map_err(self.log_err())?;
                    norms.push(grad.f_norm()?);
                    with_grad.push(index);
                }
            }
            if norms.is_empty() {
                return Ok((with_grad, Vec::new()));
            }
            let host = Vec::<f32>::try_from(Tensor::f_stack(&norms, 0)?.f_to_device(Device::Cpu)?)?;
            Ok((with_grad, host))
        })?;
        for (&index, norm) in with_grad.iter().zip(&host) {
            self.writer
                .add_scalar(&self.params[index].gradient_norm, *norm, step)
                .map_err(self.log_err())?;
        }
        if let Some((diagnostics, weights)) = &mut self.diagnostics {
            let signals = diagnostics.signals_mut();
            for (slot, weight) in signals.gradient_norms.iter_mut().zip(weights.iter()) {
                *slot = weight
                    .and_then(|w| with_grad.iter().position(|&i| i == w))
                    .map(|k| f64::from(host[k]));
            }
        }
        Ok(())
    }

    /// Logs a grid of the step's (preprocessed) input images and one of the first
    /// convolution's filters, each image scaled to its own range.
    pub fn images(
        &self,
        step: i64,
        inputs: &Tensor,
        conv1_weights: &Tensor,
    ) -> Result<(), StudyError> {
        tch::no_grad(|| {
            let shown = inputs.size()[0].min(INPUT_IMAGES_SHOWN);
            let batch = per_image_unit_range(&inputs.f_narrow(0, 0, shown)?)?;
            let images = Image::batch_from_tensor(&batch).map_err(self.log_err())?;
            self.writer
                .add_images(INPUT_IMAGES, &images, step)
                .map_err(self.log_err())?;
            let size = conv1_weights.size();
            let filters = per_image_unit_range(conv1_weights)?.f_upsample_nearest2d(
                [size[2] * FILTER_ZOOM, size[3] * FILTER_ZOOM],
                None,
                None,
            )?;
            let filters = Image::batch_from_tensor(&filters).map_err(self.log_err())?;
            self.writer
                .add_images(CONV1_FILTERS, &filters, step)
                .map_err(self.log_err())
        })
    }

    /// Writes the findings (with the diagnosis on), then flushes and closes the event file
    /// after a run that ended as `end`, recording the end as the HParams session status;
    /// reports any error of the writer thread.
    pub fn close(self, end: &RunEnd) -> Result<(), StudyError> {
        let findings = match &self.diagnostics {
            Some((diagnostics, _)) => diagnostics.write_findings(&self.writer),
            None => Ok(()),
        };
        let run_dir = self.run_dir;
        findings
            .and(self.writer.close_with_status(end.session_status()))
            .map_err(|source| StudyError::Log { run_dir, source })
    }
}
