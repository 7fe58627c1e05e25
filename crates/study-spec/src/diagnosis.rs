//! Automatic diagnosis of a training run: the `diagnostics/...` signals a run logs, the
//! documented thresholds, and the streaming [`Detector`] that turns the signals into findings
//! (vanishing, exploding or non-finite gradients, saturation, dead units, a loss plateau).
//!
//! The trainer feeds the detector at every diagnostics point (the summary cadence) and logs the
//! same signals under [`LayerDiagnostic`] tags and [`LOSS`]; the report reads those scalars back
//! and replays them through the same detector, so both find the same.
//!
//! ```
//! use study_spec::diagnosis::{Detector, FindingKind, StepSignals, Thresholds};
//!
//! let mut detector = Detector::new(["conv1", "fc1", "fc2"], Thresholds::default());
//! let mut signals = StepSignals::new(3);
//! for step in (0..10).map(|k| 1 + 100 * k) {
//!     // conv1's weight gradient is a thousandth of the logits layer's.
//!     signals.gradient_norms = vec![Some(0.001), Some(0.5), Some(1.0)];
//!     signals.loss = Some(2.0 / step as f64);
//!     let new = detector.observe(step, &signals);
//!     if step == 401 {
//!         assert_eq!(new.len(), 1);
//!         assert_eq!(new[0].kind, FindingKind::VanishingGradients);
//!         assert_eq!(new[0].layers, ["conv1"]);
//!         assert_eq!((new[0].first_step, new[0].last_step), (1, 401));
//!     } else {
//!         assert!(new.is_empty(), "step {step}: {new:?}");
//!     }
//! }
//! assert_eq!(detector.findings()[0].last_step, 901);
//! ```

use std::collections::VecDeque;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The first part of every diagnostics tag.
pub const PREFIX: &str = "diagnostics";
/// Scalar: the mean of the training cross entropy logged since the previous diagnostics
/// point (at the first point, that step's), the loss the plateau rule watches. The data loss
/// without the weight penalty, whose shrinking is no learning.
pub const LOSS: &str = "diagnostics/loss";
/// Text summary: the run's findings as a markdown list ([`findings_markdown`]).
pub const FINDINGS: &str = "diagnostics/findings";

/// What a run logs per weight layer under `diagnostics/<name>/<layer>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LayerDiagnostic {
    /// L2 norm of the layer's weight gradient.
    GradientNorm,
    /// The layer's gradient norm divided by the last (logits) layer's: 1.0 for the last layer.
    GradientFlow,
    /// Fraction of the layer's outputs that are saturated (sigmoid and tanh only).
    Saturation,
    /// Fraction of the layer's units (conv channels, dense neurons) that are not positive for
    /// any example of the batch (ReLU, leaky ReLU and ELU only).
    DeadUnits,
}

impl LayerDiagnostic {
    /// All four, in the order the custom-scalars layout shows them.
    pub const ALL: [LayerDiagnostic; 4] = [
        LayerDiagnostic::GradientNorm,
        LayerDiagnostic::GradientFlow,
        LayerDiagnostic::Saturation,
        LayerDiagnostic::DeadUnits,
    ];

    /// The middle part of the tag.
    pub fn name(self) -> &'static str {
        match self {
            LayerDiagnostic::GradientNorm => "gradient_norm",
            LayerDiagnostic::GradientFlow => "gradient_flow",
            LayerDiagnostic::Saturation => "saturation",
            LayerDiagnostic::DeadUnits => "dead_units",
        }
    }

    /// The tag of `layer`'s diagnostic, `diagnostics/<name>/<layer>`.
    ///
    /// ```
    /// use study_spec::diagnosis::LayerDiagnostic;
    ///
    /// assert_eq!(LayerDiagnostic::GradientFlow.tag("conv1"), "diagnostics/gradient_flow/conv1");
    /// ```
    pub fn tag(self, layer: &str) -> String {
        format!("{PREFIX}/{}/{layer}", self.name())
    }

    /// The layer a tag of this diagnostic belongs to; `None` for other tags.
    ///
    /// ```
    /// use study_spec::diagnosis::LayerDiagnostic;
    ///
    /// let dead = LayerDiagnostic::DeadUnits;
    /// assert_eq!(dead.layer_of("diagnostics/dead_units/fc1"), Some("fc1"));
    /// assert_eq!(dead.layer_of("diagnostics/saturation/fc1"), None);
    /// ```
    pub fn layer_of(self, tag: &str) -> Option<&str> {
        let rest = tag.strip_prefix(PREFIX)?.strip_prefix('/')?;
        let layer = rest.strip_prefix(self.name())?.strip_prefix('/')?;
        (!layer.is_empty() && !layer.contains('/')).then_some(layer)
    }

    /// The title of the chart that shows this diagnostic for every layer.
    pub fn chart_title(self) -> &'static str {
        match self {
            LayerDiagnostic::GradientNorm => "weight gradient norm per layer",
            LayerDiagnostic::GradientFlow => "gradient flow: norm / last layer's norm",
            LayerDiagnostic::Saturation => "saturated fraction of outputs per layer",
            LayerDiagnostic::DeadUnits => "dead fraction of units per layer",
        }
    }
}

/// Consecutive diagnostics points a layer's condition must hold before it is a finding; the
/// loss plateau compares two such windows.
pub const WINDOW: usize = 5;
/// A layer's gradients vanish when its weight gradient norm is below this fraction (1/10) of
/// the largest weight gradient norm of the layers after it: the gradient shrank by more than
/// an order of magnitude on its way back ([`StepSignals::vanishing_ratio`]).
pub const VANISHING_RATIO: f64 = 0.1;
/// A layer's gradients explode when its weight gradient norm is at least this many times its
/// norm at the first diagnostics point.
pub const EXPLODING_GROWTH: f64 = 1000.0;
/// A layer is saturated when at least this fraction of its outputs are.
pub const SATURATED_FRACTION: f64 = 0.5;
/// A layer has dead units when at least this fraction of its units are dead.
pub const DEAD_FRACTION: f64 = 0.5;
/// The loss has plateaued when the mean of a window improved on the window before by less
/// than this fraction of it (1%).
pub const PLATEAU_IMPROVEMENT: f64 = 0.01;
/// Below this mean loss (nats) a flat loss is a net that fits its batches (on average 90% on
/// the right class, `e^-0.1`), not a plateau.
pub const PLATEAU_LOSS_FLOOR: f64 = 0.1;

/// The rules' thresholds; [`Thresholds::default`] holds the documented constants.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Consecutive diagnostics points a condition must hold ([`WINDOW`]); 0 counts as 1.
    pub window: usize,
    /// See [`VANISHING_RATIO`].
    pub vanishing_ratio: f64,
    /// See [`EXPLODING_GROWTH`].
    pub exploding_growth: f64,
    /// See [`SATURATED_FRACTION`].
    pub saturated_fraction: f64,
    /// See [`DEAD_FRACTION`].
    pub dead_fraction: f64,
    /// See [`PLATEAU_IMPROVEMENT`].
    pub plateau_improvement: f64,
    /// See [`PLATEAU_LOSS_FLOOR`].
    pub plateau_loss_floor: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            window: WINDOW,
            vanishing_ratio: VANISHING_RATIO,
            exploding_growth: EXPLODING_GROWTH,
            saturated_fraction: SATURATED_FRACTION,
            dead_fraction: DEAD_FRACTION,
            plateau_improvement: PLATEAU_IMPROVEMENT,
            plateau_loss_floor: PLATEAU_LOSS_FLOOR,
        }
    }
}

/// What went wrong in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A layer's weight gradient stays below [`Thresholds::vanishing_ratio`] of the largest of
    /// the layers after it.
    VanishingGradients,
    /// A layer's weight gradient norm stays at least [`Thresholds::exploding_growth`] times its
    /// first value.
    ExplodingGradients,
    /// A layer's weight gradient holds a NaN or an infinity (at a single point).
    NonFiniteGradients,
    /// At least [`Thresholds::saturated_fraction`] of a layer's outputs stay saturated.
    Saturation,
    /// At least [`Thresholds::dead_fraction`] of a layer's units stay dead.
    DeadUnits,
    /// The loss stopped improving while above [`Thresholds::plateau_loss_floor`].
    LossPlateau,
}

impl FindingKind {
    /// All six, in the order the rules run.
    pub const ALL: [FindingKind; 6] = [
        FindingKind::VanishingGradients,
        FindingKind::ExplodingGradients,
        FindingKind::NonFiniteGradients,
        FindingKind::Saturation,
        FindingKind::DeadUnits,
        FindingKind::LossPlateau,
    ];

    /// The name in `results.json`, `vanishing_gradients`.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::VanishingGradients => "vanishing_gradients",
            FindingKind::ExplodingGradients => "exploding_gradients",
            FindingKind::NonFiniteGradients => "non_finite_gradients",
            FindingKind::Saturation => "saturation",
            FindingKind::DeadUnits => "dead_units",
            FindingKind::LossPlateau => "loss_plateau",
        }
    }

    /// The name in words, `vanishing gradients`.
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::VanishingGradients => "vanishing gradients",
            FindingKind::ExplodingGradients => "exploding gradients",
            FindingKind::NonFiniteGradients => "non-finite gradients",
            FindingKind::Saturation => "saturation",
            FindingKind::DeadUnits => "dead units",
            FindingKind::LossPlateau => "loss plateau",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One finding: what, where, when, the numbers that show it, and all of it in words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What went wrong.
    pub kind: FindingKind,
    /// The layers concerned, in forward order; empty for [`FindingKind::LossPlateau`].
    pub layers: Vec<String>,
    /// The step of the first diagnostics point of the window that established it.
    pub first_step: i64,
    /// The last diagnostics step at which the condition held (for one of its layers).
    pub last_step: i64,
    /// The evidence, measured over the window that established the finding: per layer (in the
    /// order of `layers`) the value the whole window stayed beyond the threshold by (the
    /// largest vanishing ratio, the smallest growth, saturated or dead fraction); for a non-finite
    /// gradient nothing; for a plateau the relative improvement, then the earlier and the later
    /// window's mean loss.
    pub values: Vec<f64>,
    /// The threshold the values were held against; none for a non-finite gradient.
    pub threshold: Option<f64>,
    /// The finding in words, as `train` prints it.
    pub message: String,
}

/// The signals of one diagnostics point. The per-layer vectors follow the detector's layers;
/// a missing entry (a shorter vector, or `None`) is a signal not measured there, for which no
/// condition holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepSignals {
    /// L2 norm of each layer's weight gradient.
    pub gradient_norms: Vec<Option<f64>>,
    /// Saturated fraction of each layer's outputs.
    pub saturation: Vec<Option<f64>>,
    /// Dead fraction of each layer's units.
    pub dead_units: Vec<Option<f64>>,
    /// Mean training cross entropy since the previous diagnostics point ([`LOSS`]).
    pub loss: Option<f64>,
}

impl StepSignals {
    /// Signals for `layers` layers, none of them measured yet.
    pub fn new(layers: usize) -> Self {
        StepSignals {
            gradient_norms: vec![None; layers],
            saturation: vec![None; layers],
            dead_units: vec![None; layers],
            loss: None,
        }
    }

    /// Layer `layer`'s gradient norm divided by the last layer's: the gradient flow. `None`
    /// when either is missing or the quotient is not finite.
    ///
    /// ```
    /// use study_spec::diagnosis::StepSignals;
    ///
    /// let mut signals = StepSignals::new(3);
    /// signals.gradient_norms = vec![Some(0.02), None, Some(4.0)];
    /// assert_eq!(signals.gradient_flow(0), Some(0.005));
    /// assert_eq!(signals.gradient_flow(1), None);
    /// assert_eq!(signals.gradient_flow(2), Some(1.0));
    /// ```
    pub fn gradient_flow(&self, layer: usize) -> Option<f64> {
        let last = (*self.gradient_norms.last()?)?;
        let norm = (*self.gradient_norms.get(layer)?)?;
        let flow = norm / last;
        flow.is_finite().then_some(flow)
    }

    /// The signals a run logged at one diagnostics point, read back for `layers` (forward
    /// order): `logged(tag)` is the value of the scalar `tag` at that step, if there is one.
    /// This is how a reader of the event file replays a run through a [`Detector`].
    ///
    /// ```
    /// use study_spec::diagnosis::{LOSS, LayerDiagnostic, StepSignals};
    ///
    /// let logged = |tag: &str| match tag {
    ///     "diagnostics/gradient_norm/conv1" => Some(0.5),
    ///     "diagnostics/dead_units/conv1" => Some(0.25),
    ///     LOSS => Some(2.3),
    ///     _ => None,
    /// };
    /// let signals = StepSignals::from_logged(&["conv1", "fc1"], logged);
    /// assert_eq!(signals.gradient_norms, [Some(0.5), None]);
    /// assert_eq!(signals.dead_units, [Some(0.25), None]);
    /// assert_eq!(signals.saturation, [None, None]);
    /// assert_eq!(signals.loss, Some(2.3));
    /// ```
    pub fn from_logged<S: AsRef<str>>(layers: &[S], logged: impl Fn(&str) -> Option<f64>) -> Self {
        let per_layer = |diagnostic: LayerDiagnostic| {
            layers
                .iter()
                .map(|layer| logged(&diagnostic.tag(layer.as_ref())))
                .collect()
        };
        StepSignals {
            gradient_norms: per_layer(LayerDiagnostic::GradientNorm),
            saturation: per_layer(LayerDiagnostic::Saturation),
            dead_units: per_layer(LayerDiagnostic::DeadUnits),
            loss: logged(LOSS),
        }
    }

    /// Layer `layer`'s gradient norm divided by the largest finite gradient norm of the layers
    /// after it, and which layer that is: how much the gradient shrank on its way back to
    /// `layer`. `None` for the last layer, or when either norm is missing or zero.
    ///
    /// ```
    /// use study_spec::diagnosis::StepSignals;
    ///
    /// let mut signals = StepSignals::new(4);
    /// signals.gradient_norms = vec![Some(0.01), Some(2.0), Some(0.5), Some(1.0)];
    /// assert_eq!(signals.vanishing_ratio(0), Some((0.005, 1)));
    /// assert_eq!(signals.vanishing_ratio(1), Some((2.0, 3)));
    /// assert_eq!(signals.vanishing_ratio(3), None);
    /// ```
    pub fn vanishing_ratio(&self, layer: usize) -> Option<(f64, usize)> {
        let norm = (*self.gradient_norms.get(layer)?)?;
        let (later, largest) = self
            .gradient_norms
            .iter()
            .enumerate()
            .skip(layer + 1)
            .filter_map(|(i, n)| n.filter(|n| n.is_finite()).map(|n| (i, n)))
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        let ratio = norm / largest;
        (ratio.is_finite() && largest > 0.0).then_some((ratio, later))
    }

    /// Whether every measured gradient norm is finite.
    pub fn gradients_finite(&self) -> bool {
        self.gradient_norms.iter().flatten().all(|n| n.is_finite())
    }
}

/// The four per-layer rules that need a sustained window, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LayerRule {
    Vanishing,
    Exploding,
    Saturated,
    Dead,
}

impl LayerRule {
    const ALL: [LayerRule; 4] = [
        LayerRule::Vanishing,
        LayerRule::Exploding,
        LayerRule::Saturated,
        LayerRule::Dead,
    ];

    fn kind(self) -> FindingKind {
        match self {
            LayerRule::Vanishing => FindingKind::VanishingGradients,
            LayerRule::Exploding => FindingKind::ExplodingGradients,
            LayerRule::Saturated => FindingKind::Saturation,
            LayerRule::Dead => FindingKind::DeadUnits,
        }
    }

    /// Whether the condition is a value below the threshold (else at or above it).
    fn below(self) -> bool {
        self == LayerRule::Vanishing
    }

    fn threshold(self, t: &Thresholds) -> f64 {
        match self {
            LayerRule::Vanishing => t.vanishing_ratio,
            LayerRule::Exploding => t.exploding_growth,
            LayerRule::Saturated => t.saturated_fraction,
            LayerRule::Dead => t.dead_fraction,
        }
    }
}

/// A run of consecutive points at which one layer's condition held.
#[derive(Clone, Copy, Debug, Default)]
struct Streak {
    points: usize,
    first_step: i64,
    /// The least extreme value of the streak: how far the whole streak stayed beyond the threshold.
    bound: f64,
}

/// Where one layer stands with each rule.
#[derive(Clone, Debug, Default)]
struct LayerState {
    /// Per rule of [`LayerRule::ALL`].
    streaks: [Streak; 4],
    /// Per rule of [`LayerRule::ALL`]: the finding the layer is part of, once it is.
    finding: [Option<usize>; 4],
    /// The finding of a non-finite gradient, once there is one.
    non_finite: Option<usize>,
    /// The first finite, positive gradient norm seen: the base of the growth rule.
    first_norm: Option<f64>,
}

/// Finds what went wrong as the diagnostics points of a run come in: each rule's condition
/// must hold at [`Thresholds::window`] consecutive points (a non-finite gradient at one) before
/// it is a finding, and a layer is in at most one finding of each kind, however long the
/// condition lasts; the finding's `last_step` follows it.
#[derive(Clone, Debug)]
pub struct Detector {
    layers: Vec<String>,
    thresholds: Thresholds,
    state: Vec<LayerState>,
    /// The loss of the last `2 * window` points that had one, with their steps.
    losses: VecDeque<(i64, f64)>,
    plateau: Option<usize>,
    findings: Vec<Finding>,
    /// Index of the first finding established by the latest `observe`.
    new_from: usize,
}

impl Detector {
    /// A detector for a model's weight `layers`, in forward order, the last one being the
    /// logits layer that the gradient flow divides by.
    pub fn new<S: Into<String>>(
        layers: impl IntoIterator<Item = S>,
        thresholds: Thresholds,
    ) -> Self {
        let layers: Vec<String> = layers.into_iter().map(Into::into).collect();
        let window = thresholds.window.max(1);
        Detector {
            state: vec![LayerState::default(); layers.len()],
            layers,
            thresholds: Thresholds {
                window,
                ..thresholds
            },
            losses: VecDeque::with_capacity(2 * window),
            plateau: None,
            findings: Vec::new(),
            new_from: 0,
        }
    }

    /// The layers, as given to [`Detector::new`].
    pub fn layers(&self) -> &[String] {
        &self.layers
    }

    /// The thresholds in use (a window of 0 made 1).
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// Every finding so far, in the order they were established.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Takes in the signals of the diagnostics point at `step` (steps must increase) and
    /// returns the findings that became established at it.
    pub fn observe(&mut self, step: i64, signals: &StepSignals) -> &[Finding] {
        self.new_from = self.findings.len();
        self.non_finite(step, signals);
        for rule in LayerRule::ALL {
            self.layer_rule(rule, step, signals);
        }
        self.plateau(step, signals.loss);
        &self.findings[self.new_from..]
    }

    /// The value `rule` watches in `layer` at this point; `None` where it is not measured.
    fn measure(&mut self, rule: LayerRule, layer: usize, signals: &StepSignals) -> Option<f64> {
        let at = |v: &[Option<f64>]| v.get(layer).copied().flatten();
        match rule {
            LayerRule::Vanishing => signals.vanishing_ratio(layer).map(|(ratio, _)| ratio),
            LayerRule::Exploding => {
                let norm = at(&signals.gradient_norms).filter(|n| n.is_finite())?;
                let first = &mut self.state[layer].first_norm;
                if first.is_none() && norm > 0.0 {
                    *first = Some(norm);
                }
                Some(norm / (*first)?)
            }
            LayerRule::Saturated => at(&signals.saturation),
            LayerRule::Dead => at(&signals.dead_units),
        }
    }

    fn layer_rule(&mut self, rule: LayerRule, step: i64, signals: &StepSignals) {
        let window = self.thresholds.window;
        let threshold = rule.threshold(&self.thresholds);
        let mut established = Vec::new();
        for layer in 0..self.layers.len() {
            let holds = self.measure(rule, layer, signals).filter(|&v| {
                if rule.below() {
                    v < threshold
                } else {
                    v >= threshold
                }
            });
            let state = &mut self.state[layer];
            let streak = &mut state.streaks[rule as usize];
            let Some(value) = holds else {
                *streak = Streak::default();
                continue;
            };
            if streak.points == 0 {
                streak.first_step = step;
                streak.bound = value;
            }
            streak.points += 1;
            streak.bound = if rule.below() {
                streak.bound.max(value)
            } else {
                streak.bound.min(value)
            };
            match state.finding[rule as usize] {
                Some(index) => self.findings[index].last_step = step,
                None if streak.points >= window => {
                    established.push((layer, streak.first_step, streak.bound))
                }
                None => {}
            }
        }
        if established.is_empty() {
            return;
        }
        let index = self.findings.len();
        for &(layer, ..) in &established {
            self.state[layer].finding[rule as usize] = Some(index);
        }
        let finding = self.layer_finding(rule, step, &established, signals);
        self.findings.push(finding);
    }

    /// The finding of `rule` for the layers `established` (layer, first step, bound) at `step`.
    fn layer_finding(
        &self,
        rule: LayerRule,
        step: i64,
        established: &[(usize, i64, f64)],
        signals: &StepSignals,
    ) -> Finding {
        let t = &self.thresholds;
        let threshold = rule.threshold(t);
        let layers: Vec<String> = established
            .iter()
            .map(|&(layer, ..)| self.layers[layer].clone())
            .collect();
        let values: Vec<f64> = established.iter().map(|&(.., bound)| bound).collect();
        let first_step = established
            .iter()
            .map(|&(_, first, _)| first)
            .min()
            .unwrap_or(step);
        let names = layers.join(", ");
        let span = format!(
            "at {} consecutive diagnostics points, steps {first_step}-{step}",
            t.window
        );
        let message = match rule {
            LayerRule::Vanishing => {
                let each = established.iter().map(|&(layer, _, bound)| {
                    let largest = signals
                        .vanishing_ratio(layer)
                        .map_or("", |(_, later)| self.layers[later].as_str());
                    let name = &self.layers[layer];
                    if bound > 0.0 {
                        format!("{name} at most 1/{:.0} of {largest}'s", 1.0 / bound)
                    } else {
                        format!("{name} zero against {largest}'s")
                    }
                });
                format!(
                    "vanishing gradients: weight gradient norm {} (the largest later layer's; \
                     threshold 1/{:.0}) {span}{}",
                    join(each),
                    1.0 / threshold,
                    self.saturated_now(signals)
                )
            }
            LayerRule::Exploding => format!(
                "exploding gradients in {names}: weight gradient norm at least {} times its first \
                 value (threshold {threshold}) {span}",
                join(values.iter().map(|v| format!("{v:.0}"))),
            ),
            LayerRule::Saturated => format!(
                "saturation in {names}: at least {} of the outputs saturated (threshold {}) {span}",
                join(values.iter().map(|v| percent(*v))),
                percent(threshold)
            ),
            LayerRule::Dead => format!(
                "dead units in {names}: at least {} of the units not positive for any example of \
                 the batch (threshold {}) {span}",
                join(values.iter().map(|v| percent(*v))),
                percent(threshold)
            ),
        };
        Finding {
            kind: rule.kind(),
            layers,
            first_step,
            last_step: step,
            values,
            threshold: Some(threshold),
            message,
        }
    }

    /// `; saturated now: conv1 91%, conv2 80%` for the layers saturated at this point, the usual
    /// cause of vanishing gradients; empty when none is.
    fn saturated_now(&self, signals: &StepSignals) -> String {
        let saturated: Vec<String> = self
            .layers
            .iter()
            .zip(&signals.saturation)
            .filter_map(|(layer, s)| {
                s.filter(|s| *s >= self.thresholds.saturated_fraction)
                    .map(|s| format!("{layer} {}", percent(s)))
            })
            .collect();
        if saturated.is_empty() {
            String::new()
        } else {
            format!("; saturated outputs now: {}", saturated.join(", "))
        }
    }

    fn non_finite(&mut self, step: i64, signals: &StepSignals) {
        let mut layers = Vec::new();
        for (layer, norm) in signals
            .gradient_norms
            .iter()
            .enumerate()
            .take(self.layers.len())
        {
            if norm.is_some_and(|n| !n.is_finite()) {
                match self.state[layer].non_finite {
                    Some(index) => self.findings[index].last_step = step,
                    None => layers.push(layer),
                }
            }
        }
        if layers.is_empty() {
            return;
        }
        let index = self.findings.len();
        for &layer in &layers {
            self.state[layer].non_finite = Some(index);
        }
        let layers: Vec<String> = layers.iter().map(|&l| self.layers[l].clone()).collect();
        let message = format!(
            "non-finite gradients in {} at step {step}: the weight gradient holds a NaN or an \
             infinity",
            layers.join(", ")
        );
        self.findings.push(Finding {
            kind: FindingKind::NonFiniteGradients,
            layers,
            first_step: step,
            last_step: step,
            values: Vec::new(),
            threshold: None,
            message,
        });
    }

    fn plateau(&mut self, step: i64, loss: Option<f64>) {
        let Some(loss) = loss.filter(|l| l.is_finite()) else {
            return;
        };
        let window = self.thresholds.window;
        if self.losses.len() == 2 * window {
            self.losses.pop_front();
        }
        self.losses.push_back((step, loss));
        if self.losses.len() < 2 * window {
            return;
        }
        let mean = |range: std::ops::Range<usize>| {
            range.clone().map(|i| self.losses[i].1).sum::<f64>() / range.len() as f64
        };
        let (earlier, later) = (mean(0..window), mean(window..2 * window));
        let improvement = (earlier - later) / earlier;
        let t = &self.thresholds;
        if !(improvement < t.plateau_improvement && later >= t.plateau_loss_floor) {
            return;
        }
        if let Some(index) = self.plateau {
            self.findings[index].last_step = step;
            return;
        }
        let first_step = self.losses[0].0;
        let later_from = self.losses[window].0;
        self.plateau = Some(self.findings.len());
        self.findings.push(Finding {
            kind: FindingKind::LossPlateau,
            layers: Vec::new(),
            first_step,
            last_step: step,
            values: vec![improvement, earlier, later],
            threshold: Some(t.plateau_improvement),
            message: format!(
                "loss plateau: the mean loss went from {earlier:.4} (steps {first_step}-{}) to \
                 {later:.4} (steps {later_from}-{step}), an improvement of {} (threshold {}, \
                 above {} nats)",
                self.losses[window - 1].0,
                percent(improvement),
                percent(t.plateau_improvement),
                t.plateau_loss_floor
            ),
        });
    }
}

/// `0.913` as `91%` (`91.3%` below 10%, so small values do not read as 0%).
fn percent(fraction: f64) -> String {
    let p = 100.0 * fraction;
    if p.abs() < 10.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

fn join(parts: impl Iterator<Item = String>) -> String {
    parts.collect::<Vec<_>>().join(", ")
}

/// The findings as the markdown list of the [`FINDINGS`] text summary, one item per finding;
/// a line that says so when there is none.
///
/// ```
/// use study_spec::diagnosis::findings_markdown;
///
/// assert_eq!(findings_markdown(&[]), "No finding: no diagnostic rule held.\n");
/// ```
pub fn findings_markdown(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "No finding: no diagnostic rule held.\n".to_string();
    }
    findings
        .iter()
        .map(|f| {
            format!(
                "- **{}** (steps {}-{}): {}\n",
                f.kind.label(),
                f.first_step,
                f.last_step,
                f.message
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYERS: [&str; 3] = ["conv1", "fc1", "fc2"];

    fn detector() -> Detector {
        Detector::new(LAYERS, Thresholds::default())
    }

    /// Signals with the given gradient norms and nothing else.
    fn norms(values: [f64; 3]) -> StepSignals {
        StepSignals {
            gradient_norms: values.map(Some).to_vec(),
            ..StepSignals::new(3)
        }
    }

    /// Signals with conv1 and fc1 saturated (or dead) at the given fractions.
    fn fractions(conv1: f64, fc1: f64, dead: bool) -> StepSignals {
        let layers = vec![Some(conv1), Some(fc1), None];
        let mut signals = StepSignals::new(3);
        if dead {
            signals.dead_units = layers;
        } else {
            signals.saturation = layers;
        }
        signals
    }

    /// Feeds `signals` at steps 1, 101, 201, ... and returns the steps at which something
    /// became established, with what.
    fn feed(detector: &mut Detector, signals: &[StepSignals]) -> Vec<(i64, Vec<Finding>)> {
        let mut out = Vec::new();
        for (k, s) in signals.iter().enumerate() {
            let step = 1 + 100 * k as i64;
            let new = detector.observe(step, s);
            if !new.is_empty() {
                out.push((step, new.to_vec()));
            }
        }
        out
    }

    #[test]
    fn vanishing_gradients_need_a_full_window_below_a_tenth_and_are_reported_once() {
        // conv1 at 1/200 of fc2 for 8 points, with one point at exactly 1/10 (not below).
        let mut signals: Vec<_> = (0..8).map(|_| norms([0.005, 0.5, 1.0])).collect();
        signals[2] = norms([0.1, 0.5, 1.0]);
        let mut d = detector();
        let found = feed(&mut d, &signals);
        // The streak restarts after the point at the threshold: points 3..=7 (steps 301-701).
        assert_eq!(found.len(), 1, "{found:?}");
        let (step, new) = &found[0];
        assert_eq!(*step, 701);
        assert_eq!(new.len(), 1);
        let f = &new[0];
        assert_eq!(f.kind, FindingKind::VanishingGradients);
        assert_eq!(f.layers, ["conv1"]);
        assert_eq!((f.first_step, f.last_step), (301, 701));
        assert_eq!(f.values, [0.005]);
        assert_eq!(f.threshold, Some(VANISHING_RATIO));
        assert_eq!(
            f.message,
            "vanishing gradients: weight gradient norm conv1 at most 1/200 of fc2's (the largest \
             later layer's; threshold 1/10) at 5 consecutive diagnostics points, steps 301-701"
        );
        // It goes on holding: no new finding, the range follows.
        for step in [801, 901] {
            assert!(d.observe(step, &norms([0.001, 0.5, 1.0])).is_empty());
        }
        assert_eq!(d.findings().len(), 1);
        assert_eq!(d.findings()[0].last_step, 901);
        // It stops, then holds again for a whole window: still the one finding.
        d.observe(1001, &norms([0.5, 0.5, 1.0]));
        for step in (11..20).map(|k| 1 + 100 * k) {
            assert!(d.observe(step, &norms([0.001, 0.5, 1.0])).is_empty());
        }
        assert_eq!(d.findings().len(), 1);
        assert_eq!(d.findings()[0].last_step, 1901);
        // The window's largest ratio is the evidence; the logits layer never vanishes.
        let mut d = detector();
        let rising = [0.001, 0.002, 0.009, 0.003, 0.004].map(|n| norms([n, 0.5, 1.0]));
        let found = feed(&mut d, &rising);
        assert_eq!(found[0].1[0].values, [0.009]);
        let mut d = detector();
        assert!(feed(&mut d, &vec![norms([1.0, 1.0, 1e-9]); 10]).is_empty());
    }

    #[test]
    fn vanishing_gradients_name_the_layers_saturated_at_the_time() {
        let mut signals = norms([0.002, 0.004, 1.0]);
        signals.saturation = vec![Some(0.2), Some(0.91), None];
        let mut d = detector();
        let found = feed(&mut d, &vec![signals; 5]);
        let f = &found[0].1[0];
        assert_eq!(f.layers, ["conv1", "fc1"]);
        assert_eq!(f.values, [0.002, 0.004]);
        assert_eq!(
            f.message,
            "vanishing gradients: weight gradient norm conv1 at most 1/500 of fc2's, fc1 at most \
             1/250 of fc2's (the largest later layer's; threshold 1/10) at 5 consecutive \
             diagnostics points, steps 1-401; saturated outputs now: fc1 91%"
        );
    }

    #[test]
    fn vanishing_gradients_compare_with_the_largest_later_layer_not_the_last() {
        // conv1 is a twentieth of the logits layer's but 1/200 of fc1's: it vanishes.
        let mut d = detector();
        let found = feed(&mut d, &vec![norms([0.05, 10.0, 1.0]); 5]);
        let f = &found[0].1[0];
        assert_eq!(
            (f.layers.as_slice(), f.values.as_slice()),
            (&["conv1".to_owned()][..], &[0.005][..])
        );
        assert!(
            f.message.contains("conv1 at most 1/200 of fc1's"),
            "{}",
            f.message
        );
        // A layer whose gradient is zero (its units dead) vanishes too.
        let mut d = detector();
        let found = feed(&mut d, &vec![norms([0.0, 0.0, 0.3]); 5]);
        assert!(
            found[0].1[0]
                .message
                .contains("conv1 zero against fc2's, fc1 zero against fc2's"),
            "{}",
            found[0].1[0].message
        );
        // A later layer without a norm, or with a non-finite one, is left out.
        let mut signals = norms([0.05, f64::INFINITY, 1.0]);
        assert_eq!(signals.vanishing_ratio(0), Some((0.05, 2)));
        signals.gradient_norms[2] = Some(0.0);
        assert_eq!(signals.vanishing_ratio(0), None);
    }

    #[test]
    fn exploding_gradients_grow_a_thousandfold_over_the_first_norm() {
        let mut d = detector();
        // conv1 starts at 0 (no base yet), then 0.01 is its base; 9.99 is 999 times it.
        let mut signals = vec![norms([0.0, 1.0, 1.0]), norms([0.01, 1.0, 1.0])];
        signals.extend((0..4).map(|_| norms([10.0, 1.0, 1.0])));
        signals.push(norms([9.99, 1.0, 1.0]));
        signals.extend((0..5).map(|_| norms([50.0, 1.0, 1.0])));
        let found = feed(&mut d, &signals);
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0].1[0];
        assert_eq!(found[0].0, 1101);
        assert_eq!(f.kind, FindingKind::ExplodingGradients);
        assert_eq!(f.layers, ["conv1"]);
        assert_eq!(f.first_step, 701);
        assert_eq!(f.values, [5000.0]);
        assert!(
            f.message.contains("at least 5000 times its first value"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_non_finite_gradient_is_a_finding_at_once_and_once_per_layer() {
        let mut d = detector();
        assert!(d.observe(1, &norms([1.0, 1.0, 1.0])).is_empty());
        let new = d
            .observe(101, &norms([f64::NAN, 1.0, f64::INFINITY]))
            .to_vec();
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].kind, FindingKind::NonFiniteGradients);
        assert_eq!(new[0].layers, ["conv1", "fc2"]);
        assert_eq!((new[0].first_step, new[0].last_step), (101, 101));
        assert_eq!(new[0].threshold, None);
        assert_eq!(
            new[0].message,
            "non-finite gradients in conv1, fc2 at step 101: the weight gradient holds a NaN or \
             an infinity"
        );
        assert!(d.observe(201, &norms([f64::NAN, 1.0, 1.0])).is_empty());
        let new = d
            .observe(301, &norms([1.0, f64::NEG_INFINITY, 1.0]))
            .to_vec();
        assert_eq!(new[0].layers, ["fc1"]);
        assert_eq!(d.findings()[0].last_step, 201);
        assert!(!norms([1.0, f64::NAN, 1.0]).gradients_finite());
        assert!(norms([1.0, 2.0, 3.0]).gradients_finite());
    }

    #[test]
    fn saturation_holds_from_half_the_outputs_and_later_layers_make_a_second_finding() {
        let mut d = detector();
        // conv1 at 0.5 (counts) from the start; fc1 at 0.49 (does not) for 3 points, then 0.8.
        let mut signals: Vec<_> = (0..3).map(|_| fractions(0.6, 0.49, false)).collect();
        signals[1] = fractions(0.5, 0.49, false);
        signals.extend((0..6).map(|_| fractions(0.7, 0.8, false)));
        let found = feed(&mut d, &signals);
        assert_eq!(found.len(), 2, "{found:?}");
        let (first, second) = (&found[0].1[0], &found[1].1[0]);
        assert_eq!((found[0].0, found[1].0), (401, 701));
        assert_eq!(first.kind, FindingKind::Saturation);
        assert_eq!(first.layers, ["conv1"]);
        assert_eq!((first.first_step, first.values.as_slice()), (1, &[0.5][..]));
        assert_eq!(second.layers, ["fc1"]);
        assert_eq!(
            (second.first_step, second.values.as_slice()),
            (301, &[0.8][..])
        );
        assert_eq!(
            second.message,
            "saturation in fc1: at least 80% of the outputs saturated (threshold 50%) at 5 \
             consecutive diagnostics points, steps 301-701"
        );
        assert_eq!(d.findings()[0].last_step, 801);
    }

    #[test]
    fn dead_units_hold_from_half_the_units_and_a_missing_point_breaks_the_window() {
        let mut d = detector();
        let mut signals: Vec<_> = (0..9).map(|_| fractions(0.55, 0.1, true)).collect();
        signals[3] = StepSignals::new(3);
        let found = feed(&mut d, &signals);
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0].1[0];
        assert_eq!(found[0].0, 801);
        assert_eq!((f.kind, f.first_step), (FindingKind::DeadUnits, 401));
        assert_eq!(f.layers, ["conv1"]);
        assert_eq!(
            f.message,
            "dead units in conv1: at least 55% of the units not positive for any example of the \
             batch (threshold 50%) at 5 consecutive diagnostics points, steps 401-801"
        );
        let mut d = detector();
        assert!(feed(&mut d, &vec![fractions(0.49, 0.0, true); 10]).is_empty());
    }

    fn losses(values: &[f64]) -> Vec<StepSignals> {
        values
            .iter()
            .map(|&l| StepSignals {
                loss: Some(l),
                ..StepSignals::new(3)
            })
            .collect()
    }

    #[test]
    fn a_loss_that_improves_by_less_than_one_percent_per_window_is_a_plateau() {
        let mut d = detector();
        let mut values = vec![2.31; 5];
        values.extend([2.3; 5]);
        values.extend([2.3; 3]);
        let found = feed(&mut d, &losses(&values));
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0].1[0];
        assert_eq!(found[0].0, 901);
        assert_eq!(f.kind, FindingKind::LossPlateau);
        assert!(f.layers.is_empty());
        assert_eq!((f.first_step, f.last_step), (1, 901));
        assert!((f.values[0] - 0.01 / 2.31).abs() < 1e-12, "{:?}", f.values);
        assert!((f.values[1] - 2.31).abs() < 1e-12 && (f.values[2] - 2.3).abs() < 1e-12);
        assert_eq!(
            f.message,
            "loss plateau: the mean loss went from 2.3100 (steps 1-401) to 2.3000 (steps \
             501-901), an improvement of 0.4% (threshold 1.0%, above 0.1 nats)"
        );
        assert_eq!(d.findings()[0].last_step, 1201);
        // A loss falling 1% or more per window, or flat below the floor, is none.
        let falling: Vec<f64> = (0..20).map(|k| 2.0 * 0.997f64.powi(k)).collect();
        assert!(feed(&mut detector(), &losses(&falling)).is_empty());
        assert!(feed(&mut detector(), &losses(&[0.099; 20])).is_empty());
        // The first half of a plateau is no plateau yet.
        assert!(feed(&mut detector(), &losses(&[2.3; 9])).is_empty());
    }

    #[test]
    fn a_window_of_zero_counts_as_one() {
        let t = Thresholds {
            window: 0,
            ..Thresholds::default()
        };
        let mut d = Detector::new(LAYERS, t);
        assert_eq!(d.thresholds().window, 1);
        assert_eq!(d.observe(1, &fractions(0.9, 0.0, true)).len(), 1);
        assert_eq!(d.layers(), LAYERS);
    }

    #[test]
    fn a_detector_without_layers_watches_the_loss_only() {
        let mut d = Detector::new(Vec::<String>::new(), Thresholds::default());
        let mut signals = losses(&[3.0; 10]);
        signals[0].gradient_norms = vec![Some(f64::NAN)];
        let found = feed(&mut d, &signals);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1[0].kind, FindingKind::LossPlateau);
    }

    #[test]
    fn findings_go_through_json_and_markdown() {
        let mut d = detector();
        let mut signals = vec![norms([0.001, 1.0, f64::NAN])];
        signals.extend((0..5).map(|_| fractions(0.9, 0.9, false)));
        feed(&mut d, &signals);
        let findings = d.findings();
        assert_eq!(findings.len(), 2);
        let json = serde_json::to_string(findings).unwrap();
        assert!(json.contains("\"kind\":\"non_finite_gradients\""), "{json}");
        assert!(json.contains("\"threshold\":null"), "{json}");
        let back: Vec<Finding> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, findings);
        assert_eq!(
            findings_markdown(findings),
            format!(
                "- **non-finite gradients** (steps 1-1): {}\n- **saturation** (steps 101-501): \
                 {}\n",
                findings[0].message, findings[1].message
            )
        );
        for kind in FindingKind::ALL {
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.name())
            );
            assert_eq!(kind.to_string(), kind.label());
        }
    }

    #[test]
    fn a_diagnostics_tag_gives_back_its_layer() {
        for diagnostic in LayerDiagnostic::ALL {
            let tag = diagnostic.tag("local3");
            assert!(tag.starts_with("diagnostics/"), "{tag}");
            assert_eq!(diagnostic.layer_of(&tag), Some("local3"));
            for other in LayerDiagnostic::ALL
                .into_iter()
                .filter(|o| *o != diagnostic)
            {
                assert_eq!(other.layer_of(&tag), None);
            }
        }
        let flow = LayerDiagnostic::GradientFlow;
        assert_eq!(flow.layer_of("diagnostics/gradient_flow/"), None);
        assert_eq!(flow.layer_of("diagnostics/gradient_flow/a/b"), None);
        assert_eq!(flow.layer_of("diagnostics/gradient_flowx/a"), None);
        assert_eq!(flow.layer_of("conv1/gradient_flow/a"), None);
        assert_eq!(LOSS, format!("{PREFIX}/loss"));
        assert_eq!(FINDINGS, format!("{PREFIX}/findings"));
    }
}
