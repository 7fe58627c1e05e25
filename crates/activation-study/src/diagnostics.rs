//! The run's diagnosis (`study_spec::diagnosis`): the signals the summaries measured on the
//! training device, logged under `diagnostics/...` with a Custom Scalars layout, fed to the
//! detector, and the findings written as a text summary.

use study_spec::diagnosis::{
    self, Detector, FINDINGS, Finding, LOSS, LayerDiagnostic, StepSignals, Thresholds,
};
use tensorboard_logger::summary::custom_scalars::{CustomLayout, exact_tag_regex};
use tensorboard_logger::{Error, SummaryWriter};

use crate::activation::Activation;

/// The Custom Scalars category of the diagnostics charts.
pub const CATEGORY: &str = "diagnostics";
/// The title of the chart of [`LOSS`].
const LOSS_CHART: &str = "mean cross entropy between diagnostics points";

/// The tags of one weight layer's diagnostics.
#[derive(Debug)]
struct LayerTags {
    gradient_norm: String,
    gradient_flow: String,
    saturation: String,
    dead_units: String,
}

/// One run's diagnosis: the signals of the current diagnostics point, the detector, and the
/// logged cross entropy averaged between points.
#[derive(Debug)]
pub struct Diagnostics {
    detector: Detector,
    signals: StepSignals,
    tags: Vec<LayerTags>,
    loss_sum: f64,
    loss_points: u32,
    last_step: i64,
}

impl Diagnostics {
    /// The diagnosis of a net with these weight layers (forward order, logits last), with the
    /// documented thresholds.
    pub fn new(weight_layers: &[&str]) -> Self {
        let tags = weight_layers
            .iter()
            .map(|layer| LayerTags {
                gradient_norm: LayerDiagnostic::GradientNorm.tag(layer),
                gradient_flow: LayerDiagnostic::GradientFlow.tag(layer),
                saturation: LayerDiagnostic::Saturation.tag(layer),
                dead_units: LayerDiagnostic::DeadUnits.tag(layer),
            })
            .collect();
        Diagnostics {
            detector: Detector::new(weight_layers.iter().copied(), Thresholds::default()),
            signals: StepSignals::new(weight_layers.len()),
            tags,
            loss_sum: 0.0,
            loss_points: 0,
            last_step: 0,
        }
    }

    /// The Custom Scalars layout that puts each diagnostic's per-layer lines on one chart:
    /// gradient norms and flow for every net, saturation for `activation`s that saturate,
    /// dead units for those whose units can die, and the loss the plateau rule watches.
    ///
    /// ```
    /// use activation_study::activation::Activation;
    /// use activation_study::diagnostics::Diagnostics;
    ///
    /// let layout = Diagnostics::layout(&["conv1", "fc1", "fc2"], Activation::Relu).to_proto();
    /// let charts = &layout.category[0].chart;
    /// assert_eq!(charts.len(), 4, "norm, flow, dead units, loss");
    /// ```
    pub fn layout(weight_layers: &[&str], activation: Activation) -> CustomLayout {
        let shown = LayerDiagnostic::ALL.into_iter().filter(|d| match d {
            LayerDiagnostic::GradientNorm | LayerDiagnostic::GradientFlow => true,
            LayerDiagnostic::Saturation => activation.unsaturated_range().is_some(),
            LayerDiagnostic::DeadUnits => activation.can_die(),
        });
        // Saturation and dead units are measured on the activated layers, all but the last.
        let activated = &weight_layers[..weight_layers.len().saturating_sub(1)];
        shown
            .fold(CustomLayout::new(), |layout, diagnostic| {
                let layers = match diagnostic {
                    LayerDiagnostic::Saturation | LayerDiagnostic::DeadUnits => activated,
                    _ => weight_layers,
                };
                layout.multiline(
                    CATEGORY,
                    diagnostic.chart_title(),
                    layers.iter().map(|l| exact_tag_regex(&diagnostic.tag(l))),
                )
            })
            .multiline(CATEGORY, LOSS_CHART, [exact_tag_regex(LOSS)])
    }

    /// Adds a logged step's cross entropy to the mean of this interval.
    pub fn add_loss(&mut self, cross_entropy: f32) {
        self.loss_sum += f64::from(cross_entropy);
        self.loss_points += 1;
    }

    /// The signals of the current point, for the summaries to fill in.
    pub fn signals_mut(&mut self) -> &mut StepSignals {
        &mut self.signals
    }

    /// Logs the current point's signals (each layer's gradient norm and flow, saturation and
    /// dead fraction where measured, the interval's mean loss) at `step`, feeds them to the
    /// detector, clears them for the next point, and returns the findings established now.
    pub fn observe(&mut self, writer: &SummaryWriter, step: i64) -> Result<&[Finding], Error> {
        if self.loss_points > 0 {
            self.signals.loss = Some(self.loss_sum / f64::from(self.loss_points));
        }
        let s = &self.signals;
        for (layer, tags) in self.tags.iter().enumerate() {
            let at = |v: &[Option<f64>]| v.get(layer).copied().flatten();
            if let Some(norm) = at(&s.gradient_norms) {
                writer.add_scalar(&tags.gradient_norm, norm, step)?;
            }
            if let Some(flow) = s.gradient_flow(layer) {
                writer.add_scalar(&tags.gradient_flow, flow, step)?;
            }
            if let Some(saturation) = at(&s.saturation) {
                writer.add_scalar(&tags.saturation, saturation, step)?;
            }
            if let Some(dead) = at(&s.dead_units) {
                writer.add_scalar(&tags.dead_units, dead, step)?;
            }
        }
        if let Some(loss) = s.loss {
            writer.add_scalar(LOSS, loss, step)?;
        }
        let established = self.detector.observe(step, &self.signals);
        for values in [
            &mut self.signals.gradient_norms,
            &mut self.signals.saturation,
            &mut self.signals.dead_units,
        ] {
            values.fill(None);
        }
        self.signals.loss = None;
        self.loss_sum = 0.0;
        self.loss_points = 0;
        self.last_step = step;
        Ok(established)
    }

    /// Every finding of the run so far.
    pub fn findings(&self) -> &[Finding] {
        self.detector.findings()
    }

    /// Writes the findings as the markdown text summary [`FINDINGS`], at the last
    /// diagnostics step.
    pub fn write_findings(&self, writer: &SummaryWriter) -> Result<(), Error> {
        writer.add_text(
            FINDINGS,
            &diagnosis::findings_markdown(self.findings()),
            self.last_step,
        )
    }
}
