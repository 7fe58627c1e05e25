//! Histograms: bucketing values (slices, and tch tensors on their own device) into sparse buckets.
//!
//! Every histogram uses the same fixed bucket edges, TensorFlow's legacy default (`0` and
//! `±1e-12·1.1^k` up to `1e20`, 1549 edges), filled by the bucket rule stated on
//! [`HistogramData`]. So histograms of one tag line up step after step, they match torch.utils.tensorboard's bucket for bucket, and a
//! slice on the CPU and a tensor on a GPU give the same counts for the same values. Only the span from the first to the last non-empty bucket is kept, and each run
//! of empty buckets inside it becomes one empty bucket (as TensorFlow's own encoder does),
//! so an event holds a few hundred numbers rather than 1550 buckets.
//!
//! NaN and ±Inf are data, not errors: the finite values are histogrammed and
//! [`HistogramData::non_finite`] says how many others there were. Only an empty input, or
//! one with no finite value at all, is an error.

mod buckets;
mod helpers;
mod slice;
#[cfg(feature = "tch")]
mod tensor;

use crate::proto::tensorboard::HistogramProto;
use buckets::{BUCKETS, NON_FINITE_SLOT, SLOTS, TABLES};

/// A histogram ready to be written: TensorBoard's legacy histogram plus a count of the
/// values that were left out for not being finite.
///
/// # Buckets
///
/// The one bucket rule of this crate, for its writer and its [reader](crate::reader):
/// bucket `i` counts the values `v` with `bucket_limits[i-1] <= v < bucket_limits[i]`,
/// and bucket 0 those below `bucket_limits[0]`. This is how TensorFlow fills a legacy
/// `HistogramProto` (its `Histogram::Add` picks the bucket with `upper_bound`) and how
/// torch.utils.tensorboard fills it (`np.histogram` bins are closed on the left); the two
/// differ only for a value exactly on a limit. Every value lies in `[min, max]`, so
/// readers, TensorBoard's `data_compat` among them, draw bucket 0 from `min` and the last
/// bucket up to `max`, each other bucket `i` from `bucket_limits[i-1]` to
/// `bucket_limits[i]`.
///
/// ```
/// use tensorboard_logger::summary::histogram::HistogramInput;
///
/// let h = [0.25_f32, -1.0, 0.0, 0.0, 3.5, f32::NAN].to_histogram()?;
/// assert_eq!((h.min, h.max, h.num, h.sum), (-1.0, 3.5, 5.0, 2.75));
/// assert_eq!(h.non_finite, 1);
/// assert_eq!(h.bucket_counts.iter().sum::<f64>(), 5.0);
/// # Ok::<(), tensorboard_logger::summary::histogram::HistogramError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramData {
    /// Smallest finite value.
    pub min: f64,
    /// Largest finite value.
    pub max: f64,
    /// Number of finite values (the sum of `bucket_counts`).
    pub num: f64,
    /// Sum of the finite values.
    pub sum: f64,
    /// Sum of the squares of the finite values.
    pub sum_squares: f64,
    /// Right edge of each bucket, increasing.
    pub bucket_limits: Vec<f64>,
    /// Number of values in each bucket.
    pub bucket_counts: Vec<f64>,
    /// Number of NaN and ±Inf values seen and left out of everything above. TensorBoard's
    /// histogram has no place for it; the writer may report it separately.
    pub non_finite: u64,
}

/// Why a histogram could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistogramError {
    /// There were no values at all.
    #[error("histogram input is empty: there are no values to bucket")]
    Empty,
    /// Every value was NaN or infinite, so there is nothing to draw.
    #[error(
        "histogram input has no finite values: all {count} values are NaN or infinite \
         (a diverged model or a bad learning rate is the usual cause)"
    )]
    NoFiniteValues {
        /// How many values there were.
        count: u64,
    },
    /// Hand-made histogram data without buckets.
    #[error("histogram data has no buckets; give at least one bucket limit and count")]
    NoBuckets,
    /// Hand-made histogram data whose limits and counts differ in length.
    #[error(
        "histogram data has {limits} bucket limits but {counts} bucket counts; \
         there must be one limit per count"
    )]
    LengthMismatch {
        /// Length of `bucket_limits`.
        limits: usize,
        /// Length of `bucket_counts`.
        counts: usize,
    },
    /// Hand-made histogram data whose limits do not increase.
    #[error(
        "histogram bucket limit {index} ({value}) is not above the limit before it; \
         bucket limits must increase strictly"
    )]
    LimitsNotIncreasing {
        /// Index of the offending limit.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// Hand-made histogram data with a negative or non-finite count.
    #[error("histogram bucket count {index} is {value}; counts must be finite and not negative")]
    InvalidCount {
        /// Index of the offending count.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// Hand-made histogram data whose `min`/`max` are not finite or out of order.
    #[error("histogram min {min} and max {max} must be finite with min <= max")]
    InvalidRange {
        /// The given `min`.
        min: f64,
        /// The given `max`.
        max: f64,
    },
    /// A tensor of a kind that has no histogram (complex numbers).
    #[cfg(feature = "tch")]
    #[error(
        "cannot histogram a tensor of kind {kind:?}; give a real (float, integer or bool) tensor"
    )]
    UnsupportedKind {
        /// The tensor's kind.
        kind: tch::Kind,
    },
    /// An undefined tensor (`Tensor::new()`), which has no values or shape.
    #[cfg(feature = "tch")]
    #[error("cannot histogram an undefined tensor (one that holds no data)")]
    UndefinedTensor,
    /// A tch operation failed while computing on the tensor's device.
    #[cfg(feature = "tch")]
    #[error("computing a histogram on the tensor's device failed: {0}")]
    Tensor(tch::TchError),
}

// By hand rather than `#[from]`, which would also return the cause from `source()`
// while the message already holds it.
#[cfg(feature = "tch")]
impl From<tch::TchError> for HistogramError {
    fn from(error: tch::TchError) -> Self {
        Self::Tensor(error)
    }
}

/// Anything that can be turned into a histogram: slices and vectors of `f32`/`f64` and,
/// with the `tch` feature, any real-valued `tch::Tensor` (computed on its own device).
pub trait HistogramInput {
    /// Buckets the values. Fails only if there are no values, or none is finite.
    fn to_histogram(&self) -> Result<HistogramData, HistogramError>;
}

impl HistogramInput for [f32] {
    fn to_histogram(&self) -> Result<HistogramData, HistogramError> {
        slice::histogram(self)
    }
}

impl HistogramInput for [f64] {
    fn to_histogram(&self) -> Result<HistogramData, HistogramError> {
        slice::histogram(self)
    }
}

impl<const N: usize> HistogramInput for [f32; N] {
    fn to_histogram(&self) -> Result<HistogramData, HistogramError> {
        slice::histogram(self.as_slice())
    }
}

impl<const N: usize> HistogramInput for [f64; N] {
    fn to_histogram(&self) -> Result<HistogramData, HistogramError> {
        slice::histogram(self.as_slice())
    }
}

impl HistogramInput for Vec<f32> {
    fn to_histogram(&self) -> Result<HistogramData, HistogramError> {
        slice::histogram(self)
    }
}

impl HistogramInput for Vec<f64> {
    fn to_histogram(&self) -> Result<HistogramData, HistogramError> {
        slice::histogram(self)
    }
}

/// Statistics of the finite values, gathered next to the bucket counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Moments {
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub sum_squares: f64,
}

impl HistogramData {
    /// Builds the sparse histogram from the count of every slot (buckets, then non-finite).
    pub(crate) fn from_slots(slots: &[u64; SLOTS], m: Moments) -> Result<Self, HistogramError> {
        let non_finite = slots[NON_FINITE_SLOT];
        let buckets = &slots[..BUCKETS];
        let (Some(first), Some(last)) = (
            buckets.iter().position(|&c| c > 0),
            buckets.iter().rposition(|&c| c > 0),
        ) else {
            return Err(if non_finite > 0 {
                HistogramError::NoFiniteValues { count: non_finite }
            } else {
                HistogramError::Empty
            });
        };
        let mut bucket_limits = Vec::new();
        let mut bucket_counts = Vec::new();
        let mut num = 0u64;
        for bucket in first..=last {
            let count = buckets[bucket];
            // An empty bucket followed by another empty one is folded into it: the pair reads
            // back as one empty bucket spanning both.
            if count == 0 && buckets[bucket + 1] == 0 {
                continue;
            }
            num += count;
            bucket_limits.push(TABLES.right_limit(bucket));
            bucket_counts.push(count as f64);
        }
        Ok(HistogramData {
            min: m.min,
            max: m.max,
            num: num as f64,
            sum: m.sum,
            sum_squares: m.sum_squares,
            bucket_limits,
            bucket_counts,
            non_finite,
        })
    }

    /// The legacy `HistogramProto` that TensorBoard reads (`non_finite` has no field there).
    pub fn to_proto(&self) -> HistogramProto {
        // Every field is set, so there is nothing for `..Default::default()` to fill.
        HistogramProto {
            min: self.min,
            max: self.max,
            num: self.num,
            sum: self.sum,
            sum_squares: self.sum_squares,
            bucket_limit: self.bucket_limits.clone(),
            bucket: self.bucket_counts.clone(),
        }
    }

    /// Checks hand-made data (see `add_histogram_raw`) for what TensorBoard cannot draw:
    /// no buckets, mismatched lengths, limits that do not increase, negative or non-finite
    /// counts, and a `min`/`max` that is not finite or out of order.
    pub fn validate(&self) -> Result<(), HistogramError> {
        if self.bucket_limits.len() != self.bucket_counts.len() {
            return Err(HistogramError::LengthMismatch {
                limits: self.bucket_limits.len(),
                counts: self.bucket_counts.len(),
            });
        }
        if self.bucket_limits.is_empty() {
            return Err(HistogramError::NoBuckets);
        }
        if !(self.min.is_finite() && self.max.is_finite() && self.min <= self.max) {
            return Err(HistogramError::InvalidRange {
                min: self.min,
                max: self.max,
            });
        }
        if let Some(index) = (1..self.bucket_limits.len()).find(|&i| {
            self.bucket_limits[i]
                .partial_cmp(&self.bucket_limits[i - 1])
                .is_none_or(|o| o.is_le())
        }) {
            return Err(HistogramError::LimitsNotIncreasing {
                index,
                value: self.bucket_limits[index],
            });
        }
        if let Some((index, &value)) = self
            .bucket_counts
            .iter()
            .enumerate()
            .find(|(_, c)| !(c.is_finite() && **c >= 0.0))
        {
            return Err(HistogramError::InvalidCount { index, value });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a histogram back the way TensorBoard does (`_migrate_histogram_value` in
    /// tensorboard/data_compat.py): `(left, right, count)` with the first left edge
    /// replaced by `min` and the last right edge by `max`.
    fn as_tensorboard_reads_it(p: &HistogramProto) -> Vec<(f64, f64, f64)> {
        let k = p.bucket.len();
        (0..k)
            .map(|i| {
                let left = if i == 0 { p.min } else { p.bucket_limit[i - 1] };
                let right = if i == k - 1 { p.max } else { p.bucket_limit[i] };
                (left, right, p.bucket[i])
            })
            .collect()
    }

    #[test]
    fn small_input_by_hand() {
        // Bucket edges by hand: the positive edges are p_k = 1e-12 * 1.1^k, so a value v > 0
        // has k = floor(log(v / 1e-12) / log(1.1)) edges p_0..p_k at or below it.
        //   v = 0.5:  log(5e11)/log(1.1) = 282.6  -> in [p_282, p_283) = [0.4707, 0.5178)
        //   v = 2.0:  log(2e12)/log(1.1) = 297.2  -> in [p_297, p_298) = [1.9651, 2.1616)
        //   v = -1.0: log(1e12)/log(1.1) = 289.9  -> in [-p_290, -p_289) = [-1.0095, -0.9177)
        //   v = 0.0:  in [0, p_0) = [0, 1e-12)
        // Limits are right edges: -p_289, then the empty stretch up to 0, then p_0, ...
        let values = [0.5_f32, 2.0, -1.0, 0.0, 0.0, f32::NAN, f32::INFINITY];
        let h = values.to_histogram().unwrap();
        let p = |k: i32| 1e-12 * 1.1_f64.powi(k);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
        assert_eq!(h.min, -1.0);
        assert_eq!(h.max, 2.0);
        assert_eq!(h.num, 5.0);
        assert_eq!(h.sum, 1.5);
        assert_eq!(h.sum_squares, 0.25 + 4.0 + 1.0);
        assert_eq!(h.non_finite, 2);
        assert_eq!(h.bucket_counts, vec![1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 1.0]);
        let expected_limits = [-p(289), 0.0, p(0), p(282), p(283), p(297), p(298)];
        assert_eq!(h.bucket_limits.len(), expected_limits.len());
        for (got, want) in h.bucket_limits.iter().zip(expected_limits) {
            assert!(close(*got, want), "limit {got} vs {want}");
        }
    }

    #[test]
    fn proto_reads_back_with_min_and_max_as_outer_edges() {
        let values = [0.5_f64, 2.0, -1.0, 0.0, 0.0, 0.75];
        let h = values.to_histogram().unwrap();
        let proto = h.to_proto();
        assert_eq!(proto.bucket_limit, h.bucket_limits);
        assert_eq!(proto.bucket, h.bucket_counts);
        assert_eq!((proto.min, proto.max, proto.num), (-1.0, 2.0, 6.0));
        assert_eq!((proto.sum, proto.sum_squares), (2.25, 5.8125));
        let read = as_tensorboard_reads_it(&proto);
        assert_eq!(read.first().unwrap().0, -1.0);
        assert_eq!(read.last().unwrap().1, 2.0);
        // No backwards bucket, and every value sits in a bucket that counts it.
        assert!(read.iter().all(|&(l, r, _)| l <= r));
        for v in values {
            let holding = read
                .iter()
                .find(|&&(l, r, c)| c > 0.0 && l <= v && (v < r || r == proto.max))
                .unwrap_or_else(|| panic!("{v} is in no non-empty bucket of {read:?}"));
            assert!(holding.2 >= 1.0);
        }
        assert_eq!(read.iter().map(|b| b.2).sum::<f64>(), 6.0);
    }

    #[test]
    fn single_value_is_one_bucket() {
        let h = [3.0_f32; 10].to_histogram().unwrap();
        assert_eq!(h.bucket_counts, vec![10.0]);
        assert_eq!((h.min, h.max, h.num), (3.0, 3.0, 10.0));
        let read = as_tensorboard_reads_it(&h.to_proto());
        assert_eq!(read, vec![(3.0, 3.0, 10.0)]);
    }

    #[test]
    fn extremes_land_in_the_open_outer_buckets() {
        let h = vec![f64::MAX, -f64::MAX, 1e30].to_histogram().unwrap();
        assert_eq!(h.bucket_counts, vec![1.0, 0.0, 2.0]);
        assert_eq!(h.bucket_limits[0], -TABLES.edges[BUCKETS - 2]);
        assert_eq!(h.bucket_limits[2], f64::MAX);
        assert_eq!(h.sum_squares, f64::INFINITY);
    }

    #[test]
    fn empty_input_is_an_error() {
        let err = Vec::<f32>::new().to_histogram().unwrap_err();
        assert!(matches!(err, HistogramError::Empty));
        assert_eq!(
            err.to_string(),
            "histogram input is empty: there are no values to bucket"
        );
    }

    #[test]
    fn all_non_finite_is_an_error_naming_the_count() {
        let err = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY]
            .to_histogram()
            .unwrap_err();
        assert!(matches!(err, HistogramError::NoFiniteValues { count: 3 }));
        assert_eq!(
            err.to_string(),
            "histogram input has no finite values: all 3 values are NaN or infinite \
             (a diverged model or a bad learning rate is the usual cause)"
        );
    }

    #[test]
    fn f32_and_f64_slices_agree() {
        // Values exactly representable in f32, so both widths see the same numbers.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let values: Vec<f32> = (0..100_000)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let v = f32::from_bits(state as u32);
                if i % 10 == 0 {
                    v
                } else {
                    (v.to_bits() % 1000) as f32 * 0.01 - 5.0
                }
            })
            .collect();
        let wide: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
        let (a, b) = (values.to_histogram().unwrap(), wide.to_histogram().unwrap());
        assert_eq!(a.bucket_limits, b.bucket_limits);
        assert_eq!(a.bucket_counts, b.bucket_counts);
        assert_eq!(
            (a.min, a.max, a.num, a.non_finite),
            (b.min, b.max, b.num, b.non_finite)
        );
    }

    #[test]
    fn validate_names_the_problem() {
        let good = HistogramData {
            min: 1.0,
            max: 2.0,
            num: 2.0,
            sum: 3.0,
            sum_squares: 5.0,
            bucket_limits: vec![1.5, 2.5],
            bucket_counts: vec![1.0, 1.0],
            non_finite: 0,
        };
        good.validate().unwrap();
        [1.0_f32, 2.0].to_histogram().unwrap().validate().unwrap();
        let check = |h: HistogramData, message: &str| {
            assert_eq!(h.validate().unwrap_err().to_string(), message);
        };
        check(
            HistogramData {
                bucket_counts: vec![1.0],
                ..good.clone()
            },
            "histogram data has 2 bucket limits but 1 bucket counts; \
             there must be one limit per count",
        );
        check(
            HistogramData {
                bucket_limits: vec![],
                bucket_counts: vec![],
                ..good.clone()
            },
            "histogram data has no buckets; give at least one bucket limit and count",
        );
        check(
            HistogramData {
                bucket_limits: vec![1.0, 1.0],
                ..good.clone()
            },
            "histogram bucket limit 1 (1) is not above the limit before it; \
             bucket limits must increase strictly",
        );
        check(
            HistogramData {
                bucket_counts: vec![1.0, -1.0],
                ..good.clone()
            },
            "histogram bucket count 1 is -1; counts must be finite and not negative",
        );
        check(
            HistogramData {
                min: f64::NAN,
                ..good
            },
            "histogram min NaN and max 2 must be finite with min <= max",
        );
    }
}
