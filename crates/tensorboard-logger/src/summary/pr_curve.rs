//! Precision–recall curves: the `pr_curves` plugin's `[6, thresholds]` float tensor.
//!
//! Rows, in order: true positives, false positives, true negatives, false negatives,
//! precision, recall, each at thresholds `i / (thresholds - 1)`. A prediction counts as
//! positive at threshold `i` when `floor(prediction * (thresholds - 1)) >= i`, bucketed as
//! torch's `compute_curve` and TensorBoard's own `pr_curve` summary bucket it, so the
//! same inputs give the same tensor. A curve computed elsewhere ([`RawPrCurve`]) is
//! stored as given, once checked.

use crate::proto::tensorboard::summary::{Value, value};
use crate::proto::tensorboard::{DataType, PrCurvePluginData, TensorProto};
use prost::Message;

/// The plugin that shows precision–recall curves.
pub const PLUGIN_NAME: &str = "pr_curves";

/// Thresholds torch and TensorBoard use by default.
pub const DEFAULT_THRESHOLDS: usize = 127;

/// Precision and recall divide by at least this, as TensorBoard's summary does, so that a
/// threshold with no positives has precision 0 instead of NaN.
const MINIMUM_COUNT: f64 = 1e-7;

/// Why a curve could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrCurveError {
    /// Labels and predictions of different lengths.
    #[error("{labels} labels but {predictions} predictions; give one label per prediction")]
    LengthMismatch {
        /// Number of labels.
        labels: usize,
        /// Number of predictions.
        predictions: usize,
    },
    /// A prediction outside `[0, 1]`, or NaN.
    #[error(
        "prediction {value} at index {index} is not a probability in [0, 1]; apply a sigmoid \
         or softmax first"
    )]
    BadPrediction {
        /// Index of the first such prediction.
        index: usize,
        /// Its value.
        value: f32,
    },
    /// Fewer than two thresholds.
    #[error("a PR curve needs at least 2 thresholds, got {thresholds}")]
    TooFewThresholds {
        /// The number given.
        thresholds: usize,
    },
    /// A row of a raw curve without one value per threshold.
    #[error("{row} has {len} values for {thresholds} thresholds; give one value per threshold")]
    RowLength {
        /// The row, by torch's argument name.
        row: &'static str,
        /// Its length.
        len: usize,
        /// The number of thresholds given.
        thresholds: usize,
    },
    /// A count of a raw curve that is negative, NaN or infinite (the dashboard shows
    /// counts as integers).
    #[error("{row}[{index}] is {value}; a count must be finite and at least 0")]
    BadCount {
        /// The row, by torch's argument name.
        row: &'static str,
        /// Index of the first such value.
        index: usize,
        /// The value.
        value: f32,
    },
    /// A precision or recall of a raw curve outside `[0, 1]`, or NaN.
    #[error("{row}[{index}] is {value}; a {row} must be in [0, 1]")]
    BadRatio {
        /// The row, by torch's argument name.
        row: &'static str,
        /// Index of the first such value.
        index: usize,
        /// The value.
        value: f32,
    },
}

/// A curve computed elsewhere, as torch's `add_pr_curve_raw` takes it: one value per
/// threshold in each row, thresholds evenly spaced from 0 to 1. Counts may be fractional
/// (weighted).
///
/// ```
/// use tensorboard_logger::summary::pr_curve::{self, RawPrCurve};
///
/// let curve = RawPrCurve {
///     true_positive_counts: &[2.0, 1.0, 0.0],
///     false_positive_counts: &[1.0, 1.0, 0.0],
///     true_negative_counts: &[0.0, 0.0, 1.0],
///     false_negative_counts: &[0.0, 1.0, 2.0],
///     precision: &[2.0 / 3.0, 0.5, 0.0],
///     recall: &[1.0, 0.5, 0.0],
/// };
/// let value = pr_curve::raw_value("is_seven", &curve, 3)?;
/// assert_eq!(value.tag, "is_seven");
/// # Ok::<(), pr_curve::PrCurveError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RawPrCurve<'a> {
    /// True positives at each threshold.
    pub true_positive_counts: &'a [f32],
    /// False positives at each threshold.
    pub false_positive_counts: &'a [f32],
    /// True negatives at each threshold.
    pub true_negative_counts: &'a [f32],
    /// False negatives at each threshold.
    pub false_negative_counts: &'a [f32],
    /// Precision at each threshold, in `[0, 1]`.
    pub precision: &'a [f32],
    /// Recall at each threshold, in `[0, 1]`.
    pub recall: &'a [f32],
}

impl RawPrCurve<'_> {
    /// The rows in the tensor's order, with torch's argument names.
    fn rows(&self) -> [(&'static str, &[f32]); 6] {
        [
            ("true_positive_counts", self.true_positive_counts),
            ("false_positive_counts", self.false_positive_counts),
            ("true_negative_counts", self.true_negative_counts),
            ("false_negative_counts", self.false_negative_counts),
            ("precision", self.precision),
            ("recall", self.recall),
        ]
    }

    /// Checks that every row has `thresholds` values, counts are counts and ratios are
    /// ratios.
    pub fn validate(&self, thresholds: usize) -> Result<(), PrCurveError> {
        if thresholds < 2 {
            return Err(PrCurveError::TooFewThresholds { thresholds });
        }
        for (i, (row, values)) in self.rows().into_iter().enumerate() {
            if values.len() != thresholds {
                return Err(PrCurveError::RowLength {
                    row,
                    len: values.len(),
                    thresholds,
                });
            }
            let is_count = i < 4;
            let fits = |v: &f32| {
                if is_count {
                    v.is_finite() && *v >= 0.0
                } else {
                    (0.0..=1.0).contains(v)
                }
            };
            if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !fits(v)) {
                return Err(if is_count {
                    PrCurveError::BadCount { row, index, value }
                } else {
                    PrCurveError::BadRatio { row, index, value }
                });
            }
        }
        Ok(())
    }
}

/// The `[6, thresholds]` rows of the curve (see the module docs), as `f64`.
///
/// ```
/// use tensorboard_logger::summary::pr_curve;
///
/// let rows = pr_curve::curve(&[true, false, true], &[0.9, 0.6, 0.2], 3)?;
/// // Thresholds 0, 0.5, 1: all three predicted positive, then the two above 0.5, then none.
/// assert_eq!(rows[0], [2.0, 1.0, 0.0]); // true positives
/// assert_eq!(rows[1], [1.0, 1.0, 0.0]); // false positives
/// assert_eq!(rows[5], [1.0, 0.5, 0.0]); // recall
/// # Ok::<(), pr_curve::PrCurveError>(())
/// ```
pub fn curve(
    labels: &[bool],
    predictions: &[f32],
    thresholds: usize,
) -> Result<[Vec<f64>; 6], PrCurveError> {
    if labels.len() != predictions.len() {
        return Err(PrCurveError::LengthMismatch {
            labels: labels.len(),
            predictions: predictions.len(),
        });
    }
    if thresholds < 2 {
        return Err(PrCurveError::TooFewThresholds { thresholds });
    }
    if let Some((index, &value)) = predictions
        .iter()
        .enumerate()
        .find(|(_, p)| !(0.0..=1.0).contains(*p))
    {
        return Err(PrCurveError::BadPrediction { index, value });
    }
    let mut positive = vec![0.0_f64; thresholds];
    let mut negative = vec![0.0_f64; thresholds];
    // The index is computed in f32, as numpy multiplies a float32 array by an integer.
    // numpy's histogram of the indices then has one bin per index: `thresholds` bins of
    // width `(thresholds - 1) / thresholds` over `[0, thresholds - 1]`.
    let scale = (thresholds - 1) as f32;
    for (&label, &prediction) in labels.iter().zip(predictions) {
        let bucket = (prediction * scale).floor() as usize;
        if label {
            positive[bucket] += 1.0;
        } else {
            negative[bucket] += 1.0;
        }
    }
    // Counts at a threshold: every bucket at or above it.
    let reverse_sum = |counts: &[f64]| {
        let mut sums: Vec<f64> = counts
            .iter()
            .rev()
            .scan(0.0, |sum, c| {
                *sum += c;
                Some(*sum)
            })
            .collect();
        sums.reverse();
        sums
    };
    let tp = reverse_sum(&positive);
    let fp = reverse_sum(&negative);
    let tn: Vec<f64> = fp.iter().map(|f| fp[0] - f).collect();
    let fn_: Vec<f64> = tp.iter().map(|t| tp[0] - t).collect();
    let precision = tp
        .iter()
        .zip(&fp)
        .map(|(t, f)| t / (t + f).max(MINIMUM_COUNT))
        .collect();
    let recall = tp
        .iter()
        .zip(&fn_)
        .map(|(t, f)| t / (t + f).max(MINIMUM_COUNT))
        .collect();
    Ok([tp, fp, tn, fn_, precision, recall])
}

/// The summary value of a curve: a `DT_FLOAT` tensor `[6, thresholds]` with the
/// `pr_curves` plugin's metadata, as TensorBoard's and torch's `pr_curve` write it.
pub fn value(
    tag: &str,
    labels: &[bool],
    predictions: &[f32],
    thresholds: usize,
) -> Result<Value, PrCurveError> {
    let rows = curve(labels, predictions, thresholds)?;
    Ok(tensor_value(
        tag,
        thresholds,
        rows.iter().flatten().map(|&v| v as f32).collect(),
    ))
}

/// The summary value of a curve computed elsewhere, after
/// [`validate`](RawPrCurve::validate): the same tensor as [`value()`], holding the rows as
/// given, as torch's `add_pr_curve_raw` writes it.
pub fn raw_value(tag: &str, curve: &RawPrCurve, thresholds: usize) -> Result<Value, PrCurveError> {
    curve.validate(thresholds)?;
    let values = curve
        .rows()
        .iter()
        .flat_map(|(_, row)| row.iter().copied())
        .collect();
    Ok(tensor_value(tag, thresholds, values))
}

/// A `[6, thresholds]` float tensor of `values`, row by row, with the plugin's metadata.
fn tensor_value(tag: &str, thresholds: usize, values: Vec<f32>) -> Value {
    let content = PrCurvePluginData {
        version: 0,
        num_thresholds: thresholds as u32,
    }
    .encode_to_vec();
    Value {
        tag: tag.to_owned(),
        metadata: Some(super::plugin_metadata(PLUGIN_NAME, content)),
        value: Some(value::Value::Tensor(TensorProto {
            dtype: DataType::DtFloat.into(),
            tensor_shape: Some(super::tensor_shape([6, thresholds as i64])),
            float_val: values,
            ..Default::default()
        })),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_problem() {
        let message = |r: Result<[Vec<f64>; 6], PrCurveError>| r.unwrap_err().to_string();
        assert_eq!(
            message(curve(&[true], &[0.5, 0.5], 127)),
            "1 labels but 2 predictions; give one label per prediction"
        );
        assert_eq!(
            message(curve(&[true, false], &[0.5, 1.5], 127)),
            "prediction 1.5 at index 1 is not a probability in [0, 1]; apply a sigmoid or \
             softmax first"
        );
        assert_eq!(
            message(curve(&[true], &[f32::NAN], 127)),
            "prediction NaN at index 0 is not a probability in [0, 1]; apply a sigmoid or \
             softmax first"
        );
        assert_eq!(
            message(curve(&[], &[], 1)),
            "a PR curve needs at least 2 thresholds, got 1"
        );
    }

    #[test]
    fn raw_curve_errors_name_the_row_and_value() {
        let good = [1.0, 0.0];
        let curve = RawPrCurve {
            true_positive_counts: &good,
            false_positive_counts: &good,
            true_negative_counts: &good,
            false_negative_counts: &good,
            precision: &good,
            recall: &good,
        };
        assert!(curve.validate(2).is_ok());
        let message = |curve: RawPrCurve, n| curve.validate(n).unwrap_err().to_string();
        assert_eq!(
            message(curve, 3),
            "true_positive_counts has 2 values for 3 thresholds; give one value per threshold"
        );
        assert_eq!(
            message(curve, 1),
            "a PR curve needs at least 2 thresholds, got 1"
        );
        let short = RawPrCurve {
            recall: &[1.0],
            ..curve
        };
        assert_eq!(
            message(short, 2),
            "recall has 1 values for 2 thresholds; give one value per threshold"
        );
        let negative = RawPrCurve {
            false_negative_counts: &[1.0, -1.0],
            ..curve
        };
        assert_eq!(
            message(negative, 2),
            "false_negative_counts[1] is -1; a count must be finite and at least 0"
        );
        let infinite = RawPrCurve {
            false_positive_counts: &[f32::INFINITY, 0.0],
            ..curve
        };
        assert_eq!(
            message(infinite, 2),
            "false_positive_counts[0] is inf; a count must be finite and at least 0"
        );
        let nan = RawPrCurve {
            precision: &[0.5, f32::NAN],
            ..curve
        };
        assert_eq!(
            message(nan, 2),
            "precision[1] is NaN; a precision must be in [0, 1]"
        );
        let above = RawPrCurve {
            recall: &[1.5, 0.0],
            ..curve
        };
        assert_eq!(
            message(above, 2),
            "recall[0] is 1.5; a recall must be in [0, 1]"
        );
    }
}
