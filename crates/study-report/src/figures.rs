//! The figures of one data set: which series each plots, how curves are averaged over seeds, and what they are called.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use study_spec::diagnosis::{LayerDiagnostic, StepSignals};
use study_spec::tags::{CROSS_ENTROPY, LayerSummary, TOTAL_LOSS};
use tensorboard_logger::reader::value::SCALARS_PLUGIN;

use crate::error::ReportError;
use crate::gradients::{GradientNorms, NormSource, gradient_norms, sources_looked_for};
use crate::group::Group;
use crate::plot::heatmap::{self, HeatPanel};
use crate::plot::lines::{self, Curve, Panel, YAxis};
use crate::plot::{LegendEntry, Size, color_for, ordered_color, two_digits};
use crate::series::{Histogram, histogram_points, scalar_points};
use crate::stats::{BandPoint, band, smooth};

/// What a data set's figures are drawn from.
#[derive(Debug, Clone)]
pub struct FigureSettings<'a> {
    /// Where the PNGs go.
    pub out_dir: &'a Path,
    /// Their size.
    pub size: Size,
    /// Smoothing weight of the loss and sparsity curves.
    pub smoothing: f64,
    /// The accuracy scalar.
    pub accuracy_tag: &'a str,
    /// The histogram drawn over time.
    pub histogram_tag: &'a str,
}

/// A PNG written, or one that was not because no run logged its data.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// Written.
    Written {
        /// The PNG.
        path: PathBuf,
        /// Its heading in report.md.
        heading: String,
        /// What it shows, for report.md.
        caption: String,
    },
    /// Not written.
    Missing {
        /// Its heading in report.md.
        heading: String,
        /// The tags that no run of the data set logged.
        tags: String,
    },
}

/// Draws the figures of one data set's groups (all of the same data set).
pub fn draw_dataset(
    dataset: &str,
    groups: &[&Group<'_>],
    settings: &FigureSettings<'_>,
) -> Result<Vec<Figure>, ReportError> {
    let smoothing = settings.smoothing;
    let smoothing_note = if smoothing > 0.0 {
        format!(" Curves are smoothed as TensorBoard does (weight {smoothing}).")
    } else {
        String::new()
    };
    let seeds_note = "Where an activation has several runs (seeds), the line is their mean and the shaded band ±1 standard deviation.";
    let scalars = [
        ScalarFigure {
            stem: "test-accuracy",
            heading: "Test accuracy",
            y_label: "accuracy",
            tag: settings.accuracy_tag,
            smoothing: 0.0,
            y_axis: YAxis::Clamped(0.0, 1.0),
            caption: format!(
                "`{}` against step, one line per activation. {seeds_note}",
                settings.accuracy_tag
            ),
        },
        ScalarFigure {
            stem: "cross-entropy",
            heading: "Cross entropy",
            y_label: "cross entropy",
            tag: CROSS_ENTROPY,
            smoothing,
            y_axis: YAxis::Auto,
            caption: format!(
                "The training batches' mean softmax cross entropy (`{CROSS_ENTROPY}`), the post's \"entropy loss\". \
                 {seeds_note}{smoothing_note}"
            ),
        },
        ScalarFigure {
            stem: "total-loss",
            heading: "Total loss",
            y_label: "total loss",
            tag: TOTAL_LOSS,
            smoothing,
            y_axis: YAxis::Auto,
            caption: format!(
                "Cross entropy plus weight regularization (`{TOTAL_LOSS}`). {seeds_note}{smoothing_note}"
            ),
        },
    ];
    let mut figures = scalars
        .into_iter()
        .map(|spec| scalar_figure(dataset, groups, settings, spec))
        .collect::<Result<Vec<_>, _>>()?;
    figures.push(histogram_figure(dataset, groups, settings)?);
    figures.push(sparsity_figure(dataset, groups, settings, &smoothing_note)?);
    figures.push(gradient_flow_figure(dataset, groups, settings)?);
    Ok(figures)
}

struct ScalarFigure<'a> {
    stem: &'a str,
    heading: &'a str,
    y_label: &'a str,
    tag: &'a str,
    smoothing: f64,
    y_axis: YAxis,
    caption: String,
}

/// A group's curve of `tag`: each run smoothed, then averaged step by step.
fn curve_of(group: &Group<'_>, tag: &str, smoothing: f64, index: usize) -> Option<Curve> {
    let runs: Vec<Vec<(i64, f64)>> = group
        .runs
        .iter()
        .filter_map(|run| scalar_points(run, tag))
        .map(|points| smooth(&points, smoothing))
        .collect();
    let points = band(&runs);
    (!points.is_empty()).then(|| Curve {
        color: color_for(&group.activation, index),
        points,
    })
}

fn legend_entry(group: &Group<'_>, index: usize) -> LegendEntry {
    let label = match group.runs.len() {
        1 => group.activation.clone(),
        n => format!("{} ({n} runs)", group.activation),
    };
    LegendEntry {
        label,
        color: color_for(&group.activation, index),
    }
}

fn file_name(dataset: &str, stem: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!("{}-{}.png", clean(dataset), clean(stem))
}

fn scalar_figure(
    dataset: &str,
    groups: &[&Group<'_>],
    settings: &FigureSettings<'_>,
    spec: ScalarFigure<'_>,
) -> Result<Figure, ReportError> {
    let mut legend = Vec::new();
    let mut curves = Vec::new();
    for (index, group) in groups.iter().enumerate() {
        if let Some(curve) = curve_of(group, spec.tag, spec.smoothing, index) {
            legend.push(legend_entry(group, index));
            curves.push(curve);
        }
    }
    if curves.is_empty() {
        return Ok(Figure::Missing {
            heading: spec.heading.to_owned(),
            tags: format!("`{}`", spec.tag),
        });
    }
    let path = settings.out_dir.join(file_name(dataset, spec.stem));
    let title = format!("{dataset}: {}", spec.heading.to_lowercase());
    lines::figure(
        &path,
        settings.size,
        &title,
        spec.y_label,
        spec.y_axis,
        &legend,
        &[Panel {
            caption: None,
            curves,
        }],
    )?;
    Ok(Figure::Written {
        path,
        heading: spec.heading.to_owned(),
        caption: spec.caption,
    })
}

fn histogram_figure(
    dataset: &str,
    groups: &[&Group<'_>],
    settings: &FigureSettings<'_>,
) -> Result<Figure, ReportError> {
    let tag = settings.histogram_tag;
    let heading = format!("Distribution of `{tag}` over time");
    let mut legend = Vec::new();
    let mut panels = Vec::new();
    for (index, group) in groups.iter().enumerate() {
        let histograms = pooled(group, tag);
        if !histograms.is_empty() {
            let entry = legend_entry(group, index);
            panels.push(HeatPanel {
                caption: entry.label.clone(),
                color: entry.color,
                histograms,
            });
            legend.push(entry);
        }
    }
    if panels.is_empty() {
        return Ok(Figure::Missing {
            heading,
            tags: format!("`{tag}`"),
        });
    }
    let path = settings.out_dir.join(file_name(dataset, tag));
    let title = format!("{dataset}: {tag}");
    heatmap::figure(&path, settings.size, &title, "value", &legend, &panels)?;
    let caption = format!(
        "One panel per activation: step across, value of `{tag}` up, the darker a cell the more of that \
         step's values lie there (each column scaled to its densest bin); the black line is the median. \
         All panels share one value axis, so narrower bands mean smaller values; each panel's title gives the bound on 98% of its last step's values. Several runs' histograms \
         are pooled at each step."
    );
    Ok(Figure::Written {
        path,
        heading,
        caption,
    })
}

/// The group's histograms of `tag`, the runs' buckets pooled at each step they share
/// with the first run that has the tag.
fn pooled(group: &Group<'_>, tag: &str) -> Vec<(i64, Histogram)> {
    let mut series = group
        .runs
        .iter()
        .filter_map(|run| histogram_points(run, tag));
    let Some(mut pooled) = series.next() else {
        return Vec::new();
    };
    for other in series {
        for (step, histogram) in &mut pooled {
            if let Ok(i) = other.binary_search_by_key(step, |(s, _)| *s) {
                histogram.buckets.extend_from_slice(&other[i].1.buckets);
                // Quantiles walk the buckets left to right.
                histogram
                    .buckets
                    .sort_by(|a, b| a.left.total_cmp(&b.left).then(a.right.total_cmp(&b.right)));
            }
        }
    }
    pooled
}

fn sparsity_figure(
    dataset: &str,
    groups: &[&Group<'_>],
    settings: &FigureSettings<'_>,
    smoothing_note: &str,
) -> Result<Figure, ReportError> {
    let heading = "Sparsity per layer".to_owned();
    let tags: BTreeSet<&str> = groups
        .iter()
        .flat_map(|g| &g.runs)
        .flat_map(|run| &run.series)
        .filter(|(_, series)| series.plugin == SCALARS_PLUGIN)
        .map(|(tag, _)| tag.as_str())
        .filter(|tag| LayerSummary::Sparsity.layer_of(tag).is_some())
        .collect();
    let pattern = LayerSummary::Sparsity.tag("<layer>");
    if tags.is_empty() {
        return Ok(Figure::Missing {
            heading,
            tags: format!("`{pattern}`"),
        });
    }
    let mut shown = BTreeSet::new();
    let panels: Vec<Panel> = tags
        .iter()
        .map(|tag| {
            let curves = groups
                .iter()
                .enumerate()
                .filter_map(|(index, group)| {
                    let curve = curve_of(group, tag, settings.smoothing, index)?;
                    shown.insert(index);
                    Some(curve)
                })
                .collect();
            Panel {
                caption: LayerSummary::Sparsity.layer_of(tag).map(str::to_owned),
                curves,
            }
        })
        .collect();
    let legend: Vec<LegendEntry> = shown.iter().map(|&i| legend_entry(groups[i], i)).collect();
    let path = settings.out_dir.join(file_name(dataset, "sparsity"));
    let title = format!("{dataset}: sparsity (fraction of zero activations)");
    // Fractions on one fixed scale: a dead layer shows at once next to a live one.
    lines::figure(
        &path,
        settings.size,
        &title,
        "sparsity",
        YAxis::Fixed(0.0, 1.0),
        &legend,
        &panels,
    )?;
    let caption = format!(
        "`{pattern}` against step, one panel per layer: the fraction of the layer's outputs \
         that are exactly zero, the dead-ReLU monitor the post recommends.{smoothing_note}"
    );
    Ok(Figure::Written {
        path,
        heading,
        caption,
    })
}

/// Most layers the gradient-flow legend names one by one.
const MAX_LAYER_LEGEND: usize = 6;

fn gradient_flow_figure(
    dataset: &str,
    groups: &[&Group<'_>],
    settings: &FigureSettings<'_>,
) -> Result<Figure, ReportError> {
    let heading = "Gradient flow".to_owned();
    let found: Vec<(&Group<'_>, Vec<GradientNorms>)> = groups
        .iter()
        .map(|group| {
            let norms = group
                .runs
                .iter()
                .filter_map(|run| gradient_norms(run).ok())
                .collect::<Vec<_>>();
            (*group, norms)
        })
        .filter(|(_, norms)| !norms.is_empty())
        .collect();
    if found.is_empty() {
        return Ok(Figure::Missing {
            heading,
            tags: sources_looked_for(),
        });
    }
    // Every layer of the data set, in the order runs logged them, so that a layer has
    // one colour in every panel.
    let layers = merged_order(
        found
            .iter()
            .flat_map(|(_, norms)| norms)
            .map(|n| n.layers.iter().map(|l| l.layer.as_str()).collect()),
    );
    let color = |layer: &str| {
        let index = layers.iter().position(|l| *l == layer).unwrap_or(0);
        ordered_color(index, layers.len())
    };
    let legend = layer_legend(&layers);
    let mut panels = Vec::new();
    for (group, norms) in &found {
        // Per layer: the runs' log norms, raw (for the caption's ratio) and smoothed.
        let mut raw: Vec<(&str, Vec<BandPoint>)> = Vec::new();
        let mut curves: Vec<(&str, Vec<BandPoint>)> = Vec::new();
        for layer in &layers {
            let logs: Vec<Vec<(i64, f64)>> = norms
                .iter()
                .flat_map(|n| &n.layers)
                .filter(|l| l.layer == *layer)
                .map(|l| l.points.iter().map(|&(s, v)| (s, v.log10())).collect())
                .collect();
            let points = band(&logs);
            if points.is_empty() {
                continue;
            }
            raw.push((layer, points));
            let smoothed: Vec<Vec<(i64, f64)>> =
                logs.iter().map(|l| smooth(l, settings.smoothing)).collect();
            curves.push((layer, band(&smoothed)));
        }
        let label = legend_entry(group, 0).label;
        let caption = match first_layer_ratio(&raw) {
            // At the first layer's last step, as the figure's caption says.
            Some((first, later, ratio)) => {
                format!(
                    "{label}: {first} at {} of {later}'s norm",
                    ratio_text(ratio)
                )
            }
            None => label,
        };
        panels.push(Panel {
            caption: Some(caption),
            curves: curves
                .into_iter()
                .map(|(layer, points)| Curve {
                    color: color(layer),
                    points,
                })
                .collect(),
        });
    }
    let path = settings.out_dir.join(file_name(dataset, "gradient-flow"));
    let title = format!("{dataset}: gradient norm per layer (log scale)");
    lines::figure(
        &path,
        settings.size,
        &title,
        "gradient L2 norm",
        YAxis::Log10,
        &legend,
        &panels,
    )?;
    let smoothing = settings.smoothing;
    let smoothing_note = if smoothing > 0.0 {
        format!(
            " Curves are smoothed as TensorBoard does (weight {smoothing}), on the log of the norms."
        )
    } else {
        String::new()
    };
    let caption = format!(
        "The L2 norm of each layer's weight gradient against step on a log axis, one panel per \
         activation, one line per layer from the first (dark) to the last (light): lines that \
         fan out downwards are gradients vanishing on their way back to the first layers. Each \
         panel's title gives the first layer's norm over the largest norm of the layers after \
         it at its last step, the ratio the Diagnosis holds against its threshold. \
         Where an activation has several runs, the line is the geometric mean and the band \
         ±1 standard deviation of the log norms.{smoothing_note} Norms from {}.",
        sources(&found)
    );
    Ok(Figure::Written {
        path,
        heading,
        caption,
    })
}

/// The legend of `layers`, each in its [`ordered_color`]; a deep net's layers would not fit
/// on the legend's line, so beyond [`MAX_LAYER_LEGEND`] it names the first and last few and
/// how many lie between, in the colour of the middle.
fn layer_legend(layers: &[&str]) -> Vec<LegendEntry> {
    let entry = |index: usize| LegendEntry {
        label: layers[index].to_owned(),
        color: ordered_color(index, layers.len()),
    };
    if layers.len() <= MAX_LAYER_LEGEND {
        return (0..layers.len()).map(entry).collect();
    }
    let shown = MAX_LAYER_LEGEND / 2;
    let between = layers.len() - 2 * shown;
    (0..shown)
        .map(entry)
        .chain(std::iter::once(LegendEntry {
            label: format!("… {between} more …"),
            color: ordered_color(layers.len() / 2, layers.len()),
        }))
        .chain((layers.len() - shown..layers.len()).map(entry))
        .collect()
}

/// The layers of several runs in one order that keeps each run's: a layer one run lacks
/// goes right after the layer that precedes it in the run that has it.
fn merged_order<'a>(runs: impl Iterator<Item = Vec<&'a str>>) -> Vec<&'a str> {
    let mut merged: Vec<&str> = Vec::new();
    for run in runs {
        for (i, layer) in run.iter().enumerate() {
            if merged.contains(layer) {
                continue;
            }
            let at = match i {
                0 => 0,
                _ => merged
                    .iter()
                    .position(|l| *l == run[i - 1])
                    .map_or(merged.len(), |p| p + 1),
            };
            merged.insert(at, layer);
        }
    }
    merged
}

/// The first layer's norm over the largest norm of the layers after it, as the detector
/// measures vanishing gradients ([`StepSignals::vanishing_ratio`]), at the first layer's
/// last step (the curves hold `log10` norms, means over runs): the first layer, that
/// later layer and the ratio.
fn first_layer_ratio<'a>(curves: &[(&'a str, Vec<BandPoint>)]) -> Option<(&'a str, &'a str, f64)> {
    let (first, first_points) = curves.first()?;
    let step = first_points.last()?.step;
    let mut signals = StepSignals::new(curves.len());
    for (slot, (_, points)) in signals.gradient_norms.iter_mut().zip(curves) {
        *slot = points
            .binary_search_by_key(&step, |p| p.step)
            .ok()
            .map(|i| 10f64.powf(points[i].summary.mean));
    }
    let (ratio, later) = signals.vanishing_ratio(0)?;
    Some((first, curves[later].0, ratio))
}

/// A ratio of norms: `1/300` below a tenth, else with two significant digits (`0.96`, `42`).
fn ratio_text(ratio: f64) -> String {
    if ratio > 0.0 && ratio < 0.1 {
        format!("1/{}", two_digits(1.0 / ratio))
    } else {
        two_digits(ratio)
    }
}

/// Which runs' norms come from which tags, for the caption.
fn sources(found: &[(&Group<'_>, Vec<GradientNorms>)]) -> String {
    let mut scalars = Vec::new();
    // (activations, tags): runs that read the same tags are named together.
    let mut histograms: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for (group, norms) in found {
        for n in norms {
            match n.source {
                NormSource::Diagnostics => {
                    if !scalars.contains(&group.activation) {
                        scalars.push(group.activation.clone());
                    }
                }
                NormSource::Histograms => {
                    let tags: Vec<String> = n.layers.iter().map(|l| l.tag.clone()).collect();
                    match histograms.iter_mut().find(|(_, t)| *t == tags) {
                        Some((names, _)) if names.contains(&group.activation) => {}
                        Some((names, _)) => names.push(group.activation.clone()),
                        None => histograms.push((vec![group.activation.clone()], tags)),
                    }
                }
            }
        }
    }
    let mut parts = Vec::new();
    if !scalars.is_empty() {
        parts.push(format!(
            "the `{}` scalars ({})",
            LayerDiagnostic::GradientNorm.tag("<layer>"),
            scalars.join(", ")
        ));
    }
    for (names, tags) in histograms {
        let shown = match &tags[..] {
            [] => String::new(),
            [only] => format!("`{only}`"),
            [first, .., last] => format!("`{first}` … `{last}` ({} tags)", tags.len()),
        };
        parts.push(format!(
            "sqrt(sum_squares) of the gradient histograms {shown} ({})",
            names.join(", ")
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summarize;

    fn log_curve(norms: &[(i64, f64)]) -> Vec<BandPoint> {
        norms
            .iter()
            .map(|&(step, norm)| BandPoint {
                step,
                summary: summarize(&[norm.log10()]).unwrap(),
            })
            .collect()
    }

    #[test]
    fn the_first_layer_is_held_against_the_largest_later_layer_at_its_last_step() {
        let curves = [
            ("conv1", log_curve(&[(0, 1e-3), (10, 1e-4)])),
            ("fc1", log_curve(&[(0, 1.0), (10, 0.03)])),
            ("fc2", log_curve(&[(0, 0.1), (10, 0.01), (20, 0.5)])),
        ];
        // At step 10, conv1's last: fc1 (0.03) is the largest later norm there.
        let (first, later, ratio) = first_layer_ratio(&curves).unwrap();
        assert_eq!((first, later), ("conv1", "fc1"));
        assert!((ratio - 1.0 / 300.0).abs() < 1e-12, "{ratio}");
        assert_eq!(first_layer_ratio(&curves[..1]), None);
    }

    #[test]
    fn a_deep_nets_legend_names_its_ends() {
        let names: Vec<String> = (0..40).map(|i| format!("layer{i}")).collect();
        let layers: Vec<&str> = names.iter().map(String::as_str).collect();
        let labels: Vec<String> = layer_legend(&layers).into_iter().map(|e| e.label).collect();
        assert_eq!(
            labels,
            [
                "layer0",
                "layer1",
                "layer2",
                "… 34 more …",
                "layer37",
                "layer38",
                "layer39"
            ]
        );
        let few = layer_legend(&layers[..MAX_LAYER_LEGEND]);
        assert_eq!(few.len(), MAX_LAYER_LEGEND);
        assert_eq!(few[5].color, ordered_color(5, MAX_LAYER_LEGEND));
    }

    #[test]
    fn layers_merge_in_the_order_of_every_run() {
        let runs = [
            vec!["conv1", "fc1", "fc2"],
            vec!["conv1", "conv2", "fc1", "fc2"],
            vec!["stem", "conv1"],
        ];
        assert_eq!(
            merged_order(runs.into_iter()),
            ["stem", "conv1", "conv2", "fc1", "fc2"]
        );
    }

    #[test]
    fn ratios_read_as_fractions_below_a_tenth() {
        let shown: Vec<String> = [1.0 / 300.0, 1.0 / 36.4, 1.0 / 2.5e6, 0.96, 42.0, 3e7]
            .into_iter()
            .map(ratio_text)
            .collect();
        assert_eq!(shown, ["1/300", "1/36", "1/2.5e6", "0.96", "42", "3.0e7"]);
    }
}
