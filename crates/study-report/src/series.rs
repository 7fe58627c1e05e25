//! A run's values over steps: scalar and histogram series, with TensorBoard's rule for repeated steps.

/// The points of one tag, in step order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<T> {
    points: Vec<(i64, T)>,
}

impl<T> Default for Series<T> {
    fn default() -> Self {
        Self { points: Vec::new() }
    }
}

impl<T> Series<T> {
    /// Adds a point. As in TensorBoard's data server, a point at step `s` replaces every
    /// stored point at a step `>= s`: a restarted run overwrites its own future.
    pub fn push(&mut self, step: i64, value: T) {
        if self.points.last().is_some_and(|&(last, _)| last >= step) {
            let keep = self.points.partition_point(|&(s, _)| s < step);
            self.points.truncate(keep);
        }
        self.points.push((step, value));
    }

    /// The points, in increasing step order.
    pub fn points(&self) -> &[(i64, T)] {
        &self.points
    }

    /// The point with the highest step.
    pub fn last(&self) -> Option<&(i64, T)> {
        self.points.last()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
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

    #[test]
    fn a_repeated_step_drops_the_stored_future() {
        let mut series = Series::default();
        for (step, value) in [(0, 1.0), (10, 2.0), (20, 3.0), (10, 4.0), (15, 5.0)] {
            series.push(step, value);
        }
        assert_eq!(series.points(), &[(0, 1.0), (10, 4.0), (15, 5.0)]);
        assert_eq!(series.last(), Some(&(15, 5.0)));
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
