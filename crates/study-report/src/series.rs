//! What the report takes from a run read back: scalar curves, histograms as buckets with quantiles, and hparams as text.

use tensorboard_logger::HParamValue;
use tensorboard_logger::HistogramData;
use tensorboard_logger::reader::Run;

/// The `(step, value)` points of the scalar `tag`, in step order, one per step: of points
/// logged at one step, the one read last (a step logged again replaces it). `None` when
/// the run has no such scalar.
pub fn scalar_points(run: &Run, tag: &str) -> Option<Vec<(i64, f64)>> {
    let mut points: Vec<(i64, f64)> = Vec::new();
    for (step, value) in run.scalars(tag)? {
        match points.last_mut() {
            Some(last) if last.0 == step => last.1 = value,
            _ => points.push((step, value)),
        }
    }
    Some(points)
}

/// The last point of the scalar `tag`: its highest step.
pub fn last_scalar(run: &Run, tag: &str) -> Option<(i64, f64)> {
    scalar_points(run, tag)?.last().copied()
}

/// The histograms of `tag` as buckets, in step order, one per step as for
/// [`scalar_points`]. `None` when the run has no such histogram.
pub fn histogram_points(run: &Run, tag: &str) -> Option<Vec<(i64, Histogram)>> {
    let mut points: Vec<(i64, Histogram)> = Vec::new();
    for (step, data) in run.histograms(tag)? {
        let histogram = Histogram::from_data(data);
        match points.last_mut() {
            Some(last) if last.0 == step => last.1 = histogram,
            _ => points.push((step, histogram)),
        }
    }
    Some(points)
}

/// The run's hparam `name` as the HParams dashboard shows it; numbers without a trailing
/// `.0` when whole (seeds and sizes arrive as `f64`).
pub fn hparam_text(run: &Run, name: &str) -> Option<String> {
    Some(match run.hparams()?.get(name)? {
        HParamValue::String(text) => text.clone(),
        HParamValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => (*n as i64).to_string(),
        HParamValue::Number(n) => n.to_string(),
        HParamValue::Bool(b) => b.to_string(),
    })
}

/// One bucket of a histogram: `count` values in `(left, right]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// Left edge.
    pub left: f64,
    /// Right edge.
    pub right: f64,
    /// How many values fell in it.
    pub count: f64,
}

/// A distribution of values at one step, as `(left, right, count)` buckets in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// The buckets, left to right.
    pub buckets: Vec<Bucket>,
}

impl Histogram {
    /// The buckets of a histogram read back, the way TensorBoard draws them: bucket `i`
    /// spans `(limit[i-1], limit[i]]`, with the outer edges replaced by the recorded min
    /// and max.
    pub fn from_data(data: &HistogramData) -> Self {
        let n = data.bucket_counts.len().min(data.bucket_limits.len());
        let buckets = (0..n)
            .map(|i| Bucket {
                left: if i == 0 {
                    data.min
                } else {
                    data.bucket_limits[i - 1]
                },
                right: if i + 1 == n {
                    data.max
                } else {
                    data.bucket_limits[i]
                },
                count: data.bucket_counts[i],
            })
            .collect();
        Histogram { buckets }
    }

    /// How many values the histogram counts.
    pub fn total(&self) -> f64 {
        self.buckets.iter().map(|b| b.count).sum()
    }

    /// The value below which a fraction `q` of the counted values lie, taking values
    /// as spread evenly over their bucket. `None` for an empty histogram.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total <= 0.0 {
            return None;
        }
        let target = q.clamp(0.0, 1.0) * total;
        let mut below = 0.0;
        for bucket in &self.buckets {
            if bucket.count > 0.0 && below + bucket.count >= target {
                let within = ((target - below) / bucket.count).clamp(0.0, 1.0);
                return Some(bucket.left + within * (bucket.right - bucket.left));
            }
            below += bucket.count;
        }
        self.buckets.last().map(|b| b.right)
    }

    /// How many values lie in `[lo, hi)`, taking values as spread evenly over their
    /// bucket (a bucket of zero width counts wholly where its edge lies).
    pub fn mass_in(&self, lo: f64, hi: f64) -> f64 {
        self.buckets
            .iter()
            .map(|b| {
                let width = b.right - b.left;
                if width <= 0.0 {
                    if (lo..hi).contains(&b.left) {
                        b.count
                    } else {
                        0.0
                    }
                } else {
                    let overlap = b.right.min(hi) - b.left.max(lo);
                    if overlap > 0.0 {
                        b.count * overlap / width
                    } else {
                        0.0
                    }
                }
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_runs::run_of;

    #[test]
    fn a_step_logged_again_replaces_the_earlier_point() {
        let run = run_of(|w| {
            for (step, value) in [(0, 1.0), (10, 2.0), (20, 3.0), (10, 4.0)] {
                w.add_scalar("loss", value, step).unwrap();
            }
        });
        assert_eq!(
            scalar_points(&run, "loss").unwrap(),
            [(0, 1.0), (10, 4.0), (20, 3.0)]
        );
        assert_eq!(last_scalar(&run, "loss"), Some((20, 3.0)));
        assert_eq!(scalar_points(&run, "accuracy"), None);
    }

    #[test]
    fn histograms_take_min_and_max_as_outer_edges() {
        let data = HistogramData {
            min: -0.5,
            max: 2.5,
            num: 6.0,
            sum: 0.0,
            sum_squares: 0.0,
            bucket_limits: vec![0.0, 1.0, f64::MAX],
            bucket_counts: vec![1.0, 2.0, 3.0],
            non_finite: 0,
        };
        let edges: Vec<_> = Histogram::from_data(&data)
            .buckets
            .iter()
            .map(|b| (b.left, b.right, b.count))
            .collect();
        assert_eq!(edges, [(-0.5, 0.0, 1.0), (0.0, 1.0, 2.0), (1.0, 2.5, 3.0)]);
    }

    #[test]
    fn a_written_histogram_comes_back_with_its_count_and_extremes() {
        let values = [-1.5f32, 0.25, 0.5, 3.0];
        let run = run_of(|w| w.add_histogram("h", &values[..], 7).unwrap());
        let points = histogram_points(&run, "h").unwrap();
        assert_eq!(points.len(), 1);
        let (step, histogram) = &points[0];
        assert_eq!(*step, 7);
        assert_eq!(histogram.total(), 4.0);
        assert_eq!(histogram.buckets.first().unwrap().left, -1.5);
        assert_eq!(histogram.buckets.last().unwrap().right, 3.0);
    }

    #[test]
    fn hparams_read_as_the_dashboard_shows_them() {
        let run = run_of(|w| {
            w.add_hparams(
                &[
                    ("activation", HParamValue::from("elu")),
                    ("seed", HParamValue::from(3.0)),
                    ("lr", HParamValue::from(0.5)),
                    ("dropout", HParamValue::from(true)),
                ],
                &["loss"],
            )
            .unwrap();
        });
        let text = |name| hparam_text(&run, name);
        assert_eq!(text("activation").as_deref(), Some("elu"));
        assert_eq!(text("seed").as_deref(), Some("3"));
        assert_eq!(text("lr").as_deref(), Some("0.5"));
        assert_eq!(text("dropout").as_deref(), Some("true"));
        assert_eq!(text("momentum"), None);
    }

    fn two_buckets() -> Histogram {
        Histogram {
            buckets: vec![
                Bucket {
                    left: 0.0,
                    right: 1.0,
                    count: 1.0,
                },
                Bucket {
                    left: 1.0,
                    right: 3.0,
                    count: 3.0,
                },
            ],
        }
    }

    #[test]
    fn quantiles_interpolate_within_buckets() {
        let h = two_buckets();
        assert_eq!(h.total(), 4.0);
        assert_eq!(h.quantile(0.0), Some(0.0));
        assert_eq!(h.quantile(0.25), Some(1.0));
        assert_eq!(h.quantile(0.625), Some(2.0));
        assert_eq!(h.quantile(1.0), Some(3.0));
        assert_eq!(Histogram::default().quantile(0.5), None);
    }

    #[test]
    fn mass_is_shared_by_overlap() {
        let h = two_buckets();
        assert_eq!(h.mass_in(0.5, 2.0), 0.5 + 1.5);
        assert_eq!(h.mass_in(-1.0, 10.0), 4.0);
        let spike = Histogram {
            buckets: vec![Bucket {
                left: 2.0,
                right: 2.0,
                count: 7.0,
            }],
        };
        assert_eq!(spike.mass_in(1.0, 3.0), 7.0);
        assert_eq!(spike.mass_in(2.5, 3.0), 0.0);
    }
}
