//! Numbers over seeds: mean and sample standard deviation, curves averaged step by step, and TensorBoard's smoothing.

use std::collections::BTreeMap;

/// Mean and spread of one quantity over runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The mean.
    pub mean: f64,
    /// The sample standard deviation (`n - 1` in the denominator); `None` for one run.
    pub std: Option<f64>,
    /// How many runs.
    pub n: usize,
}

/// Mean and sample standard deviation of `values`; `None` when there are none.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let std = (n > 1).then(|| {
        let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
        (squares / (n - 1) as f64).sqrt()
    });
    Some(Summary { mean, std, n })
}

/// One step of a curve averaged over runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandPoint {
    /// The step.
    pub step: i64,
    /// Mean and spread of the runs that have a point at this step.
    pub summary: Summary,
}

/// The runs' curves averaged step by step; a step counts the runs that logged it.
/// Non-finite values are left out.
pub fn band(curves: &[Vec<(i64, f64)>]) -> Vec<BandPoint> {
    let mut by_step: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for curve in curves {
        for &(step, value) in curve {
            if value.is_finite() {
                by_step.entry(step).or_default().push(value);
            }
        }
    }
    by_step
        .into_iter()
        .filter_map(|(step, values)| summarize(&values).map(|summary| BandPoint { step, summary }))
        .collect()
}

/// TensorBoard's scalar smoothing: an exponential moving average with weight
/// `weight` in `[0, 1)`, debiased so the first points are not pulled towards zero.
/// Non-finite points pass through unchanged and do not disturb the average.
pub fn smooth(points: &[(i64, f64)], weight: f64) -> Vec<(i64, f64)> {
    if weight <= 0.0 {
        return points.to_vec();
    }
    let mut last = 0.0;
    let mut count = 0;
    points
        .iter()
        .map(|&(step, value)| {
            if !value.is_finite() {
                return (step, value);
            }
            last = last * weight + (1.0 - weight) * value;
            count += 1;
            (step, last / (1.0 - weight.powi(count)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_has_no_spread() {
        assert_eq!(
            summarize(&[0.5]),
            Some(Summary {
                mean: 0.5,
                std: None,
                n: 1
            })
        );
        assert_eq!(summarize(&[]), None);
    }

    #[test]
    fn spread_is_the_sample_standard_deviation() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, 32/7 over n-1.
        let s = summarize(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(s.mean, 5.0);
        assert!((s.std.unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.n, 8);
    }

    #[test]
    fn the_band_averages_the_runs_that_logged_each_step() {
        let band = band(&[vec![(0, 1.0), (10, 3.0)], vec![(0, 3.0), (20, f64::NAN)]]);
        let listed: Vec<_> = band
            .iter()
            .map(|p| (p.step, p.summary.mean, p.summary.n))
            .collect();
        assert_eq!(listed, [(0, 2.0, 2), (10, 3.0, 1)]);
    }

    #[test]
    fn smoothing_is_a_debiased_moving_average() {
        let smoothed = smooth(&[(0, 1.0), (1, 3.0), (2, f64::INFINITY)], 0.5);
        // Step 1: (0.5 * 0.5 * 1 + 0.5 * 3) / (1 - 0.25) = 1.75 / 0.75.
        assert_eq!(smoothed[0], (0, 1.0));
        assert!((smoothed[1].1 - 1.75 / 0.75).abs() < 1e-12);
        assert_eq!(smoothed[2], (2, f64::INFINITY));
        assert_eq!(smooth(&[(0, 2.0)], 0.0), [(0, 2.0)]);
    }
}
