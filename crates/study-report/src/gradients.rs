//! Per-layer gradient norms of a run: its `diagnostics/gradient_norm/<layer>` scalars when it logged them, else the L2 norms its gradient histograms record.
//!
//! A histogram keeps the sum of the squares of its values, so the L2 norm of the
//! gradient it shows is `sqrt(sum_squares)`. Any writer's gradient histograms serve:
//! tags ending in `/gradients` (this project's `<layer>/weights/gradients`) or `.grad`
//! (torch users' `<name>.grad`). Bias gradients are left out: a layer's norm is that of
//! its weights, as the trainer's diagnostics measure it.

use std::cmp::Ordering;
use std::fmt;

use study_spec::diagnosis::LayerDiagnostic;
use tensorboard_logger::reader::Run;
use tensorboard_logger::reader::value::{HISTOGRAMS_PLUGIN, SCALARS_PLUGIN};

use crate::series::scalar_points;

/// The endings of the gradient histogram tags read when a run has no norm scalars.
pub const GRADIENT_SUFFIXES: [&str; 2] = ["/gradients", ".grad"];
/// Last parts of a parameter's name that mark a layer's weights (dropped from the layer
/// name: `conv1/weights/gradients` is layer `conv1`).
const WEIGHT_NAMES: [&str; 4] = ["weights", "weight", "kernel", "w"];
/// Last parts of a parameter's name that mark a bias (left out).
const BIAS_NAMES: [&str; 3] = ["biases", "bias", "b"];

/// Where a run's gradient norms come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormSource {
    /// The `diagnostics/gradient_norm/<layer>` scalars.
    Diagnostics,
    /// `sqrt(sum_squares)` of gradient histograms.
    Histograms,
}

/// One layer's gradient norm over steps.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerNorms {
    /// The layer.
    pub layer: String,
    /// The tag the norms were read from.
    pub tag: String,
    /// `(step, norm)` in step order.
    pub points: Vec<(i64, f64)>,
}

/// A run's gradient norms, layer by layer in the order the run first logged them (a
/// trainer logs its layers in forward order; ties in time go by name, digits by value).
#[derive(Debug, Clone, PartialEq)]
pub struct GradientNorms {
    /// Where they come from.
    pub source: NormSource,
    /// The layers, first to last.
    pub layers: Vec<LayerNorms>,
}

/// Why a run has no gradient norms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoGradientNorms {
    /// Gradient histograms that keep no sum of squares (the tensor form TensorFlow 2
    /// writes), so give no norm.
    pub without_sums: Vec<String>,
}

impl fmt::Display for NoGradientNorms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no {}", sources_looked_for())?;
        if !self.without_sums.is_empty() {
            let tags: Vec<String> = self.without_sums.iter().map(|t| format!("`{t}`")).collect();
            write!(
                f,
                " that record a sum of squares ({} keep none)",
                tags.join(", ")
            )?;
        }
        Ok(())
    }
}

/// What [`gradient_norms`] reads, in words: `` `diagnostics/gradient_norm/<layer>` scalars
/// or gradient histograms (tags ending in `/gradients` or `.grad`) ``.
pub fn sources_looked_for() -> String {
    format!(
        "`{}` scalars or gradient histograms (tags ending in `{}` or `{}`)",
        LayerDiagnostic::GradientNorm.tag("<layer>"),
        GRADIENT_SUFFIXES[0],
        GRADIENT_SUFFIXES[1]
    )
}

/// The run's gradient norms per layer: from `diagnostics/gradient_norm/<layer>` when it
/// has any such scalar, else from its gradient histograms.
pub fn gradient_norms(run: &Run) -> Result<GradientNorms, NoGradientNorms> {
    let from_scalars: Vec<LayerNorms> = run
        .series
        .iter()
        .filter(|(_, series)| series.plugin == SCALARS_PLUGIN)
        .filter_map(|(tag, _)| {
            let layer = LayerDiagnostic::GradientNorm.layer_of(tag)?;
            Some(LayerNorms {
                layer: layer.to_owned(),
                tag: tag.clone(),
                points: scalar_points(run, tag)?,
            })
        })
        .collect();
    if !from_scalars.is_empty() {
        return Ok(GradientNorms {
            source: NormSource::Diagnostics,
            layers: in_logged_order(run, from_scalars),
        });
    }
    let mut layers: Vec<LayerNorms> = Vec::new();
    let mut without_sums = Vec::new();
    for (tag, series) in &run.series {
        if series.plugin != HISTOGRAMS_PLUGIN {
            continue;
        }
        let Some(layer) = gradient_layer(tag) else {
            continue;
        };
        let Some(histograms) = run.histograms(tag) else {
            continue;
        };
        let mut points: Vec<(i64, f64)> = Vec::new();
        for (step, data) in histograms {
            // The tensor form of a histogram keeps no sums: NaN.
            if data.sum_squares.is_nan() {
                continue;
            }
            // A histogram leaves NaN and infinities out of its sums; a gradient that had
            // any has no finite norm.
            let norm = if data.non_finite > 0 {
                f64::NAN
            } else {
                data.sum_squares.max(0.0).sqrt()
            };
            match points.last_mut() {
                Some(last) if last.0 == step => last.1 = norm,
                _ => points.push((step, norm)),
            }
        }
        if points.is_empty() {
            without_sums.push(tag.clone());
        } else if !layers.iter().any(|l| l.layer == layer) {
            layers.push(LayerNorms {
                layer: layer.to_owned(),
                tag: tag.clone(),
                points,
            });
        }
    }
    if layers.is_empty() {
        return Err(NoGradientNorms { without_sums });
    }
    Ok(GradientNorms {
        source: NormSource::Histograms,
        layers: in_logged_order(run, layers),
    })
}

/// The layer a gradient histogram tag belongs to: the parameter's name without the
/// gradient ending and without a last part that marks weights; `None` for other tags and
/// for biases.
///
/// ```
/// use study_report::gradients::gradient_layer;
///
/// assert_eq!(gradient_layer("conv1/weights/gradients"), Some("conv1"));
/// assert_eq!(gradient_layer("features.0.weight.grad"), Some("features.0"));
/// assert_eq!(gradient_layer("fc1/biases/gradients"), None);
/// assert_eq!(gradient_layer("conv1/weights"), None);
/// ```
pub fn gradient_layer(tag: &str) -> Option<&str> {
    let param = GRADIENT_SUFFIXES
        .iter()
        .find_map(|suffix| tag.strip_suffix(suffix))
        .filter(|p| !p.is_empty())?;
    match param.rfind(['/', '.']) {
        Some(cut) => {
            let (layer, last) = (&param[..cut], &param[cut + 1..]);
            if BIAS_NAMES.contains(&last) {
                None
            } else if WEIGHT_NAMES.contains(&last) && !layer.is_empty() {
                Some(layer)
            } else {
                Some(param)
            }
        }
        None => Some(param),
    }
}

/// `layers` in the order the run first logged them: by the wall time of each tag's first
/// point, then by name with digits compared by value (`conv2` before `conv10`).
fn in_logged_order(run: &Run, mut layers: Vec<LayerNorms>) -> Vec<LayerNorms> {
    let first_time = |tag: &str| {
        run.series
            .get(tag)
            .and_then(|s| s.points.first())
            .map_or(f64::INFINITY, |p| p.wall_time)
    };
    layers.sort_by(|a, b| {
        first_time(&a.tag)
            .total_cmp(&first_time(&b.tag))
            .then_with(|| natural_cmp(&a.layer, &b.layer))
    });
    layers
}

/// Compares names with runs of digits compared as numbers.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.chars().next(), b.chars().next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let split = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
                let (da, db) = (&a[..split(a)], &b[..split(b)]);
                let (ta, tb) = (da.trim_start_matches('0'), db.trim_start_matches('0'));
                let order = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (&a[da.len()..], &b[db.len()..]);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(&y);
                }
                (a, b) = (&a[x.len_utf8()..], &b[y.len_utf8()..]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_runs::run_of;

    use std::time::{Duration, SystemTime};

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + seconds)
    }

    #[test]
    fn norm_scalars_come_first_in_the_order_they_were_logged() {
        let run = run_of(|w| {
            // Logged in forward order, which by name would put `fc1` before `local3`.
            for (i, layer) in ["local3", "fc1"].into_iter().enumerate() {
                w.with_wall_time(at(i as u64))
                    .add_scalar(&LayerDiagnostic::GradientNorm.tag(layer), 0.5, 0)
                    .unwrap();
            }
            w.add_histogram("conv1/weights/gradients", &[1.0f32, 2.0][..], 0)
                .unwrap();
        });
        let norms = gradient_norms(&run).unwrap();
        assert_eq!(norms.source, NormSource::Diagnostics);
        let layers: Vec<_> = norms.layers.iter().map(|l| l.layer.as_str()).collect();
        assert_eq!(layers, ["local3", "fc1"]);
        assert_eq!(norms.layers[0].points, [(0, 0.5)]);
    }

    #[test]
    fn histograms_give_the_l2_norm_of_their_values() {
        let run = run_of(|w| {
            for step in [0, 10] {
                let scale = 1.0 + step as f32;
                let weights = [3.0 * scale, 4.0 * scale];
                w.with_wall_time(at(step as u64))
                    .add_histogram("conv1/weights/gradients", &weights[..], step)
                    .unwrap();
                w.with_wall_time(at(step as u64 + 1))
                    .add_histogram("fc1/weights/gradients", &[1.0f32][..], step)
                    .unwrap();
                w.add_histogram("fc1/biases/gradients", &[9.0f32][..], step)
                    .unwrap();
                w.add_histogram("fc1/weights", &[9.0f32][..], step).unwrap();
            }
        });
        let norms = gradient_norms(&run).unwrap();
        assert_eq!(norms.source, NormSource::Histograms);
        let listed: Vec<_> = norms
            .layers
            .iter()
            .map(|l| (l.layer.as_str(), l.tag.as_str(), l.points.clone()))
            .collect();
        assert_eq!(
            listed,
            [
                (
                    "conv1",
                    "conv1/weights/gradients",
                    vec![(0, 5.0), (10, 55.0)]
                ),
                ("fc1", "fc1/weights/gradients", vec![(0, 1.0), (10, 1.0)]),
            ]
        );
    }

    #[test]
    fn a_run_without_gradients_says_what_it_lacks() {
        let run = run_of(|w| w.add_scalar("loss", 1.0, 0).unwrap());
        let missing = gradient_norms(&run).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "no `diagnostics/gradient_norm/<layer>` scalars or gradient histograms \
             (tags ending in `/gradients` or `.grad`)"
        );
        let without = NoGradientNorms {
            without_sums: vec!["dense.grad".into()],
        };
        assert!(
            without
                .to_string()
                .ends_with(" that record a sum of squares (`dense.grad` keep none)"),
            "{without}"
        );
    }

    #[test]
    fn layer_names_drop_the_weight_part_and_biases_are_left_out() {
        let cases = [
            ("conv1/weights/gradients", Some("conv1")),
            ("softmax_linear/weights/gradients", Some("softmax_linear")),
            (
                "model.layer1.0.conv1.weight.grad",
                Some("model.layer1.0.conv1"),
            ),
            ("dense/kernel/gradients", Some("dense")),
            ("fc.grad", Some("fc")),
            ("gradients", None),
            ("/gradients", None),
            ("fc2/bias/gradients", None),
            ("fc2.b.grad", None),
            ("cross_entropy", None),
        ];
        for (tag, layer) in cases {
            assert_eq!(gradient_layer(tag), layer, "{tag}");
        }
    }

    #[test]
    fn digits_sort_by_value() {
        let mut names = vec!["conv10", "fc1", "conv2", "conv1", "conv02x"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["conv1", "conv2", "conv02x", "conv10", "fc1"]);
    }
}
