//! The figures of one data set: which series each plots, how curves are averaged over seeds, and what they are called.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use study_spec::tags::{CROSS_ENTROPY, LayerSummary, TOTAL_LOSS};
use tensorboard_logger::reader::value::SCALARS_PLUGIN;

use crate::error::ReportError;
use crate::group::Group;
use crate::plot::heatmap::{self, HeatPanel};
use crate::plot::lines::{self, Curve, Panel, YAxis};
use crate::plot::{LegendEntry, Size, color_for};
use crate::series::{Histogram, histogram_points, scalar_points};
use crate::stats::{band, smooth};

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
