//! The Diagnosis of each run: its signals read back from the event file and replayed through `study_spec::diagnosis::Detector`, the detector `train` runs, with what the run lacked and whether its own findings summary agrees.
//!
//! A run that logged the `diagnostics/...` scalars is replayed point by point from them, as
//! `train` fed the detector, so the findings are the ones `train` found. A run of another
//! writer (or an earlier run of this project) is replayed from what it has: gradient norms
//! from its gradient histograms ([`crate::gradients`]), saturation from this project's
//! `<layer>/saturation` scalars, and the loss from `cross_entropy` (the loss `train`
//! watches), `total_loss` or the first scalar whose name holds `loss`, averaged over the
//! steps since the previous diagnostics point as `train` averages it. What it lacks is
//! named, not guessed.

use std::collections::{BTreeMap, BTreeSet};

use study_spec::ActivationKind;
use study_spec::diagnosis::{
    Detector, FINDINGS, Finding, LOSS, LayerDiagnostic, StepSignals, Thresholds, findings_markdown,
};
use study_spec::tags::{CROSS_ENTROPY, LayerSummary, TOTAL_LOSS};
use tensorboard_logger::reader::Run;
use tensorboard_logger::reader::value::{SCALARS_PLUGIN, TEXT_PLUGIN, Value};

use crate::gradients::{GradientNorms, NormSource, gradient_norms, natural_cmp};
use crate::group::Group;
use crate::series::scalar_points;

/// The Diagnosis of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDiagnosis {
    /// The run.
    pub run: String,
    /// What the detector found, in the order it found them.
    pub findings: Vec<Finding>,
    /// How many diagnostics points were replayed.
    pub points: usize,
    /// The first and the last of them.
    pub steps: Option<(i64, i64)>,
    /// Where each signal came from, in words.
    pub sources: Vec<String>,
    /// What could not be checked, and why.
    pub not_checked: Vec<String>,
    /// How the findings compare with the run's own `diagnostics/findings` summary.
    pub agreement: Agreement,
}

/// How the report's findings compare with the summary the run logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agreement {
    /// The run logged no `diagnostics/findings` summary.
    NoSummary,
    /// Its last summary is the report's findings, word for word.
    Same,
    /// Its last summary lists the same findings over the same steps, but a number in their
    /// wording differs: the event file keeps `f32` values, and a loss `train` averaged in
    /// `f64` can round differently.
    SameFindings {
        /// The summary the run logged.
        logged: String,
        /// The report's findings as the same markdown list.
        replayed: String,
    },
    /// Its last summary lists other findings, or the same ones over other steps.
    Differs {
        /// The summary the run logged.
        logged: String,
        /// The report's findings as the same markdown list.
        replayed: String,
    },
}

/// The Diagnosis of the runs of one activation on one data set.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDiagnosis {
    /// The activation.
    pub activation: String,
    /// Each run's, in the group's order.
    pub runs: Vec<RunDiagnosis>,
}

/// The Diagnosis of every run of `group`.
pub fn diagnose_group(group: &Group<'_>) -> GroupDiagnosis {
    GroupDiagnosis {
        activation: group.activation.clone(),
        runs: group
            .runs
            .iter()
            .map(|run| diagnose(run, &group.activation))
            .collect(),
    }
}

/// Replays `run`, of activation `activation` (a name; it decides which missing signals
/// matter: saturation for sigmoid and tanh, dead units for the ReLU family, both for
/// activations the study does not know) through a [`Detector`] with the default
/// [`Thresholds`].
pub fn diagnose(run: &Run, activation: &str) -> RunDiagnosis {
    let scalars = logged_scalars(run);
    let replay = if scalars.keys().any(|tag| is_layer_diagnostic(tag)) {
        from_diagnostics(run, &scalars)
    } else {
        from_other_tags(run, &scalars)
    };
    let mut detector = Detector::new(replay.layers.iter().cloned(), Thresholds::default());
    replay.run(&mut detector);
    let findings = detector.findings().to_vec();
    let agreement = match logged_findings(run) {
        None => Agreement::NoSummary,
        Some(logged) => {
            let replayed = findings_markdown(&findings);
            if logged.trim_end() == replayed.trim_end() {
                Agreement::Same
            } else if finding_heads(&logged) == finding_heads(&replayed) {
                Agreement::SameFindings { logged, replayed }
            } else {
                Agreement::Differs { logged, replayed }
            }
        }
    };
    let kind = ActivationKind::from_name(activation);
    let saturates = !matches!(
        kind,
        Some(ActivationKind::Relu | ActivationKind::LeakyRelu | ActivationKind::Elu)
    );
    let dies = !matches!(kind, Some(ActivationKind::Sigmoid | ActivationKind::Tanh));
    let mut not_checked = Vec::new();
    if let Some(missing) = &replay.missing_norms {
        not_checked.push(format!(
            "vanishing, exploding and non-finite gradients: {missing}"
        ));
    }
    if !Replay::has(&replay.saturation) && saturates {
        not_checked.push(format!(
            "saturation: no `{}` or `{}` scalars",
            LayerDiagnostic::Saturation.tag("<layer>"),
            LayerSummary::Saturation.tag("<layer>"),
        ));
    }
    if !Replay::has(&replay.dead_units) && dies {
        not_checked.push(format!(
            "dead units: no `{}` scalars (a unit is dead when it is not positive for any example \
             of a batch, which neither histograms nor the fraction of zeros tell)",
            LayerDiagnostic::DeadUnits.tag("<layer>"),
        ));
    }
    if replay.loss.iter().all(Option::is_none) {
        not_checked.push(format!(
            "loss plateau: no `{LOSS}`, `{CROSS_ENTROPY}`, `{TOTAL_LOSS}` or other scalar \
             named `…loss…`"
        ));
    }
    let window = detector.thresholds().window;
    if (1..window).contains(&replay.steps.len()) {
        not_checked.push(format!(
            "sustained conditions: {} diagnostics points, fewer than the {window} in a row that \
             every finding but a non-finite gradient needs",
            replay.steps.len()
        ));
    }
    RunDiagnosis {
        run: run.name.clone(),
        findings,
        points: replay.steps.len(),
        steps: replay
            .steps
            .first()
            .copied()
            .zip(replay.steps.last().copied()),
        sources: replay.sources,
        not_checked,
        agreement,
    }
}

/// One signal of each layer (`None` for a layer that did not log it) as `(step, value)`.
type PerLayer = Vec<Option<Vec<(i64, f64)>>>;

/// A run's signals, ready for the detector: each looked up by step at every point.
struct Replay {
    layers: Vec<String>,
    /// The diagnostics points, in step order.
    steps: Vec<i64>,
    norms: PerLayer,
    saturation: PerLayer,
    dead_units: PerLayer,
    /// The loss at each point of `steps`.
    loss: Vec<Option<f64>>,
    sources: Vec<String>,
    missing_norms: Option<String>,
}

impl Replay {
    /// Feeds every point to `detector`, refilling one set of signals.
    fn run(&self, detector: &mut Detector) {
        let mut signals = StepSignals::new(self.layers.len());
        for (&step, &loss) in self.steps.iter().zip(&self.loss) {
            for (slots, series) in [
                (&mut signals.gradient_norms, &self.norms),
                (&mut signals.saturation, &self.saturation),
                (&mut signals.dead_units, &self.dead_units),
            ] {
                for (slot, points) in slots.iter_mut().zip(series) {
                    *slot = points.as_deref().and_then(|p| at(p, step));
                }
            }
            signals.loss = loss;
            detector.observe(step, &signals);
        }
    }

    fn has(series: &PerLayer) -> bool {
        series.iter().any(Option::is_some)
    }
}

/// Each scalar tag of the run with its points, one per step, in step order.
fn logged_scalars(run: &Run) -> BTreeMap<&str, Vec<(i64, f64)>> {
    run.series
        .iter()
        .filter(|(_, series)| series.plugin == SCALARS_PLUGIN)
        .filter_map(|(tag, _)| Some((tag.as_str(), scalar_points(run, tag)?)))
        .collect()
}

fn is_layer_diagnostic(tag: &str) -> bool {
    LayerDiagnostic::ALL
        .iter()
        .any(|diagnostic| diagnostic.layer_of(tag).is_some())
}

/// The value of `points` at `step`, if it has one.
fn at(points: &[(i64, f64)], step: i64) -> Option<f64> {
    points
        .binary_search_by_key(&step, |&(s, _)| s)
        .ok()
        .map(|i| points[i].1)
}

/// Replays the `diagnostics/...` scalars at every step any of them was logged, as `train`
/// fed its detector.
fn from_diagnostics(run: &Run, scalars: &BTreeMap<&str, Vec<(i64, f64)>>) -> Replay {
    let norms = gradient_norms(run)
        .ok()
        .filter(|n| n.source == NormSource::Diagnostics);
    // The gradient norms name every weight layer in forward order; without them, the
    // layers of the other diagnostics in the order they were logged.
    let layers: Vec<String> = match &norms {
        Some(norms) => norms.layers.iter().map(|l| l.layer.clone()).collect(),
        None => {
            let mut layers: Vec<(f64, &str)> = scalars
                .keys()
                .filter_map(|tag| {
                    let layer = [LayerDiagnostic::Saturation, LayerDiagnostic::DeadUnits]
                        .iter()
                        .find_map(|d| d.layer_of(tag))?;
                    Some((first_wall_time(run, tag), layer))
                })
                .collect();
            layers.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| natural_cmp(a.1, b.1)));
            let mut ordered: Vec<String> = Vec::new();
            for (_, layer) in layers {
                if !ordered.iter().any(|l| l == layer) {
                    ordered.push(layer.to_owned());
                }
            }
            ordered
        }
    };
    let per_layer = |diagnostic: LayerDiagnostic| -> PerLayer {
        layers
            .iter()
            .map(|layer| scalars.get(diagnostic.tag(layer).as_str()).cloned())
            .collect()
    };
    let steps: Vec<i64> = scalars
        .iter()
        .filter(|(tag, _)| is_layer_diagnostic(tag) || **tag == LOSS)
        .flat_map(|(_, points)| points.iter().map(|&(step, _)| step))
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .collect();
    let loss_points = scalars.get(LOSS);
    let loss = steps
        .iter()
        .map(|&step| loss_points.and_then(|p| at(p, step)))
        .collect();
    let replay = Replay {
        norms: per_layer(LayerDiagnostic::GradientNorm),
        saturation: per_layer(LayerDiagnostic::Saturation),
        dead_units: per_layer(LayerDiagnostic::DeadUnits),
        layers,
        steps,
        loss,
        sources: Vec::new(),
        missing_norms: None,
    };
    let mut sources = Vec::new();
    for (series, diagnostic, what) in [
        (
            &replay.norms,
            LayerDiagnostic::GradientNorm,
            "gradient norms",
        ),
        (
            &replay.saturation,
            LayerDiagnostic::Saturation,
            "saturation",
        ),
        (&replay.dead_units, LayerDiagnostic::DeadUnits, "dead units"),
    ] {
        if Replay::has(series) {
            sources.push(format!("{what} from `{}`", diagnostic.tag("<layer>")));
        }
    }
    if loss_points.is_some() {
        sources.push(format!("loss from `{LOSS}`"));
    }
    let missing_norms = (!Replay::has(&replay.norms)).then(|| {
        format!(
            "no `{}` scalars",
            LayerDiagnostic::GradientNorm.tag("<layer>")
        )
    });
    Replay {
        sources,
        missing_norms,
        ..replay
    }
}

/// The wall time of the first point of `tag`; infinity when it has none.
fn first_wall_time(run: &Run, tag: &str) -> f64 {
    run.series
        .get(tag)
        .and_then(|s| s.points.first())
        .map_or(f64::INFINITY, |p| p.wall_time)
}

/// Replays a run without `diagnostics/...` scalars from what it logged instead, at each step
/// that has a gradient norm (or, without any, each step of the loss).
fn from_other_tags(run: &Run, scalars: &BTreeMap<&str, Vec<(i64, f64)>>) -> Replay {
    let mut sources = Vec::new();
    let (layers, norms, missing_norms): (Vec<String>, PerLayer, _) = match gradient_norms(run) {
        Ok(norms) => {
            sources.push(norm_source(&norms));
            let (names, series) = norms
                .layers
                .into_iter()
                .map(|l| (l.layer, Some(l.points)))
                .unzip();
            (names, series, None)
        }
        Err(missing) => (Vec::new(), Vec::new(), Some(missing.to_string())),
    };
    let saturation: PerLayer = layers
        .iter()
        .map(|layer| {
            scalars
                .get(LayerSummary::Saturation.tag(layer).as_str())
                .cloned()
        })
        .collect();
    if Replay::has(&saturation) {
        sources.push(format!(
            "saturation from `{}`",
            LayerSummary::Saturation.tag("<layer>")
        ));
    }
    let loss_tag = [CROSS_ENTROPY, TOTAL_LOSS]
        .into_iter()
        .find(|tag| scalars.contains_key(tag))
        .or_else(|| {
            scalars
                .keys()
                .copied()
                .find(|tag| tag.to_lowercase().contains("loss"))
        });
    let loss_points = loss_tag.and_then(|tag| scalars.get(tag));
    if let Some(tag) = loss_tag {
        sources.push(format!(
            "loss from `{tag}`, averaged over the steps since the previous point"
        ));
    }
    let steps: Vec<i64> = if norms.is_empty() {
        loss_points
            .into_iter()
            .flatten()
            .map(|&(step, _)| step)
            .collect()
    } else {
        norms
            .iter()
            .flatten()
            .flat_map(|points| points.iter().map(|&(step, _)| step))
            .collect::<BTreeSet<i64>>()
            .into_iter()
            .collect()
    };
    let loss = steps
        .iter()
        .enumerate()
        .map(|(i, &step)| {
            let previous = i.checked_sub(1).map(|p| steps[p]);
            loss_points.and_then(|points| mean_since(points, previous, step))
        })
        .collect();
    Replay {
        dead_units: vec![None; layers.len()],
        layers,
        steps,
        norms,
        saturation,
        loss,
        sources,
        missing_norms,
    }
}

/// Where gradient norms read from histograms came from, in words.
fn norm_source(norms: &GradientNorms) -> String {
    let tags: Vec<String> = norms
        .layers
        .iter()
        .map(|l| format!("`{}`", l.tag))
        .collect();
    format!(
        "gradient norms from sqrt(sum_squares) of the histograms {}",
        tags.join(", ")
    )
}

/// The mean of the finite `points` in `(previous, step]`; at the first point (no
/// `previous`), the value at `step` itself.
fn mean_since(points: &[(i64, f64)], previous: Option<i64>, step: i64) -> Option<f64> {
    let within = |s: i64| match previous {
        Some(previous) => previous < s && s <= step,
        None => s == step,
    };
    let values: Vec<f64> = points
        .iter()
        .filter(|&&(s, v)| within(s) && v.is_finite())
        .map(|&(_, v)| v)
        .collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// What each item of a findings list says before its evidence: the kind and the steps
/// (`- **saturation** (steps 1-401)`), in order; the whole line for any other line.
fn finding_heads(markdown: &str) -> Vec<&str> {
    markdown
        .lines()
        .map(|line| line.find("): ").map_or(line, |end| &line[..=end]))
        .collect()
}

/// The run's last `diagnostics/findings` text, if it logged one.
fn logged_findings(run: &Run) -> Option<String> {
    let series = run
        .series
        .get(FINDINGS)
        .filter(|s| s.plugin == TEXT_PLUGIN)?;
    series.points.iter().rev().find_map(|p| match &p.value {
        Value::Text(parts) => Some(parts.concat()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_runs::run_of;

    #[test]
    fn a_run_without_signals_says_what_each_check_lacks() {
        let run = run_of(|w| w.add_scalar("test/accuracy", 0.5, 10).unwrap());
        let diagnosis = diagnose(&run, "resnet");
        assert_eq!((diagnosis.points, diagnosis.steps), (0, None));
        assert!(diagnosis.findings.is_empty());
        assert_eq!(
            diagnosis.not_checked,
            [
                "vanishing, exploding and non-finite gradients: no `diagnostics/gradient_norm/<layer>` \
                 scalars or gradient histograms (tags ending in `/gradients` or `.grad`)",
                "saturation: no `diagnostics/saturation/<layer>` or `<layer>/saturation` scalars",
                "dead units: no `diagnostics/dead_units/<layer>` scalars (a unit is dead when it is \
                 not positive for any example of a batch, which neither histograms nor the fraction \
                 of zeros tell)",
                "loss plateau: no `diagnostics/loss`, `cross_entropy`, `total_loss` or other scalar \
                 named `…loss…`",
            ]
        );
        // A ReLU-family run cannot saturate and a sigmoid run has no units to die.
        assert_eq!(diagnose(&run, "relu").not_checked.len(), 3);
        assert!(
            !diagnose(&run, "sigmoid")
                .not_checked
                .iter()
                .any(|m| m.starts_with("dead units"))
        );
    }

    #[test]
    fn a_run_shorter_than_the_window_says_so() {
        let run = run_of(|w| {
            for step in 0..3 {
                w.add_scalar(LOSS, 2.0, step).unwrap();
            }
        });
        let diagnosis = diagnose(&run, "sigmoid");
        assert_eq!(diagnosis.points, 3);
        assert_eq!(
            diagnosis.not_checked.last().map(String::as_str),
            Some(
                "sustained conditions: 3 diagnostics points, fewer than the 5 in a row that every \
                 finding but a non-finite gradient needs"
            )
        );
    }

    #[test]
    fn the_loss_at_a_point_is_the_mean_since_the_previous_point() {
        let points = [(0, 4.0), (1, 3.0), (2, 2.0), (3, f64::NAN), (4, 1.0)];
        assert_eq!(mean_since(&points, None, 0), Some(4.0));
        assert_eq!(mean_since(&points, Some(0), 2), Some(2.5));
        assert_eq!(mean_since(&points, Some(2), 4), Some(1.0));
        assert_eq!(mean_since(&points, Some(4), 6), None);
        assert_eq!(mean_since(&points, None, 5), None);
    }

    #[test]
    fn findings_that_differ_only_in_their_numbers_are_the_same_findings() {
        let finding = |message: &str| Finding {
            kind: study_spec::diagnosis::FindingKind::LossPlateau,
            layers: Vec::new(),
            first_step: 0,
            last_step: 9,
            values: Vec::new(),
            threshold: None,
            message: message.to_owned(),
        };
        let logged = findings_markdown(&[finding("from 2.3026 to 2.3001")]);
        let replayed = findings_markdown(&[finding("from 2.3026 to 2.3000")]);
        assert_eq!(finding_heads(&logged), ["- **loss plateau** (steps 0-9)"]);
        assert_eq!(finding_heads(&logged), finding_heads(&replayed));
        let later = findings_markdown(&[Finding {
            last_step: 19,
            ..finding("from 2.3026 to 2.3000")
        }]);
        assert_ne!(finding_heads(&logged), finding_heads(&later));
    }

    #[test]
    fn a_summary_of_other_findings_is_a_mismatch_and_the_last_summary_counts() {
        let run = run_of(|w| {
            w.add_text(FINDINGS, "- **dead units** (steps 0-9): dead", 0)
                .unwrap();
            w.add_text(FINDINGS, &findings_markdown(&[]), 9).unwrap();
            w.add_scalar(LOSS, 2.0, 0).unwrap();
        });
        assert_eq!(diagnose(&run, "relu").agreement, Agreement::Same);
        let run = run_of(|w| {
            w.add_text(FINDINGS, "- **dead units** (steps 0-9): dead", 9)
                .unwrap();
        });
        assert_eq!(
            diagnose(&run, "relu").agreement,
            Agreement::Differs {
                logged: "- **dead units** (steps 0-9): dead".to_owned(),
                replayed: findings_markdown(&[]),
            }
        );
    }
}
