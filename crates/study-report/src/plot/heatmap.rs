//! A distribution over time as a heat map, one panel per activation: step across, value up, shade for how many values fall there.

use std::path::Path;

use plotters::prelude::*;

use super::{Area, Canvas, LegendEntry, Scale, Size, render_panels};
use crate::error::ReportError;
use crate::series::Histogram;

/// Most columns drawn per panel; longer runs are thinned evenly.
const MAX_COLUMNS: usize = 160;
/// Value bins per column.
const ROWS: usize = 50;
/// Share of the values that the shared value axis leaves out at each end, so a few
/// outliers do not squash every distribution into a line.
const TAIL: f64 = 0.005;

/// One activation's distribution over time.
#[derive(Debug, Clone)]
pub struct HeatPanel {
    /// Its caption.
    pub caption: String,
    /// The shade of its cells.
    pub color: RGBColor,
    /// Its histograms, pooled over seeds, in step order.
    pub histograms: Vec<(i64, Histogram)>,
}

/// The value range all panels share: from the lowest `TAIL` quantile to the highest
/// `1 - TAIL` quantile of any step.
pub fn shared_range(panels: &[HeatPanel]) -> Option<(f64, f64)> {
    let all = || panels.iter().flat_map(|p| &p.histograms).map(|(_, h)| h);
    let lo = all()
        .filter_map(|h| h.quantile(TAIL))
        .fold(f64::INFINITY, f64::min);
    let hi = all()
        .filter_map(|h| h.quantile(1.0 - TAIL))
        .fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    if hi > lo {
        Some((lo, hi))
    } else {
        let pad = lo.abs().max(1e-12) * 0.1;
        Some((lo - pad, hi + pad))
    }
}

/// Writes the heat maps of `panels`, on one shared value axis, to `path`.
pub fn figure(
    path: &Path,
    size: Size,
    title: &str,
    y_label: &str,
    legend: &[LegendEntry],
    panels: &[HeatPanel],
) -> Result<(), ReportError> {
    let value_axis = (y_label, shared_range(panels).unwrap_or((-1.0, 1.0)));
    render_panels(path, size, title, legend, panels, |canvas, cell, panel| {
        draw_panel(canvas, cell, panel, value_axis)
    })
}

/// Draws `panel` in `area` on the value axis (label, range) that all panels share.
fn draw_panel<'a>(
    canvas: &Canvas<'a>,
    area: &Area<'a>,
    panel: &HeatPanel,
    (y_label, (y0, y1)): (&str, (f64, f64)),
) -> Result<(), String> {
    let columns = thin(&panel.histograms);
    let steps: Vec<f64> = columns.iter().map(|(s, _)| *s as f64).collect();
    let (x0, x1) = match (steps.first(), steps.last()) {
        (Some(&first), Some(&last)) if last > first => {
            let half = (last - first) / (2.0 * (steps.len() - 1) as f64);
            (first - half, last + half)
        }
        (Some(&only), _) => (only - 0.5, only + 0.5),
        _ => (0.0, 1.0),
    };
    let mut chart = canvas.chart(area, x0..x1, y0..y1, true)?;

    let bin = (y1 - y0) / ROWS as f64;
    let mut cells = Vec::with_capacity(columns.len() * ROWS);
    for (i, (_, histogram)) in columns.iter().enumerate() {
        let left = if i == 0 {
            x0
        } else {
            (steps[i - 1] + steps[i]) / 2.0
        };
        let right = if i + 1 == steps.len() {
            x1
        } else {
            (steps[i] + steps[i + 1]) / 2.0
        };
        let masses: Vec<f64> = (0..ROWS)
            .map(|r| histogram.mass_in(y0 + r as f64 * bin, y0 + (r + 1) as f64 * bin))
            .collect();
        let peak = masses.iter().copied().fold(0.0, f64::max);
        if peak <= 0.0 {
            continue;
        }
        for (r, mass) in masses.iter().enumerate() {
            if *mass > 0.0 {
                let shade = shade(panel.color, mass / peak);
                let bottom = y0 + r as f64 * bin;
                cells.push(Rectangle::new(
                    [(left, bottom), (right, bottom + bin)],
                    shade.filled(),
                ));
            }
        }
    }
    chart.draw_series(cells).map_err(|e| e.to_string())?;

    let median: Vec<(f64, f64)> = columns
        .iter()
        .filter_map(|(step, h)| Some((*step as f64, h.quantile(0.5)?)))
        .collect();
    chart
        .draw_series(LineSeries::new(median, BLACK.mix(0.7).stroke_width(1)))
        .map_err(|e| e.to_string())?;

    canvas.axes(
        &mut chart,
        false,
        Some((caption(panel).as_str(), panel.color)),
        "step",
        (y_label, Scale::Linear),
    )
}

/// The panel's name and how far 98% of its last step's values spread, which a shared
/// axis can squash into a thin line.
fn caption(panel: &HeatPanel) -> String {
    let spread = panel.histograms.last().and_then(|(_, h)| {
        let (lo, hi) = (h.quantile(0.01)?, h.quantile(0.99)?);
        Some(lo.abs().max(hi.abs()))
    });
    match spread {
        Some(spread) => format!("{}: 98% within ±{}", panel.caption, short(spread)),
        None => panel.caption.clone(),
    }
}

/// Two significant digits, in scientific notation for small values.
fn short(value: f64) -> String {
    if value == 0.0 {
        "0".to_owned()
    } else if value < 0.01 {
        format!("{value:.1e}")
    } else {
        let decimals = (1 - value.log10().floor() as i32).max(0) as usize;
        format!("{value:.decimals$}")
    }
}

/// At most `MAX_COLUMNS` histograms, evenly spread, always keeping the last.
fn thin(histograms: &[(i64, Histogram)]) -> Vec<&(i64, Histogram)> {
    let n = histograms.len();
    if n <= MAX_COLUMNS {
        return histograms.iter().collect();
    }
    (0..MAX_COLUMNS)
        .map(|i| &histograms[i * (n - 1) / (MAX_COLUMNS - 1)])
        .collect()
}

/// White for nothing, the panel colour (darkened) for the step's densest bin; the
/// square root lifts the tails so they stay visible.
fn shade(color: RGBColor, density: f64) -> RGBColor {
    let t = density.clamp(0.0, 1.0).sqrt();
    let mix = |c: u8| {
        let target = f64::from(c) * 0.8;
        (255.0 + (target - 255.0) * t).round() as u8
    };
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Bucket;

    fn uniform(lo: f64, hi: f64) -> Histogram {
        Histogram {
            buckets: vec![Bucket {
                left: lo,
                right: hi,
                count: 1000.0,
            }],
        }
    }

    #[test]
    fn the_shared_range_spans_every_panel_without_the_far_tails() {
        let panel = |histograms| HeatPanel {
            caption: String::new(),
            color: BLACK,
            histograms,
        };
        let range = shared_range(&[
            panel(vec![(0, uniform(-1.0, 1.0))]),
            panel(vec![(0, uniform(0.0, 0.5)), (10, uniform(0.0, 3.0))]),
        ])
        .unwrap();
        assert!((range.0 - (-1.0 + 2.0 * TAIL)).abs() < 1e-12, "{range:?}");
        assert!((range.1 - 3.0 * (1.0 - TAIL)).abs() < 1e-12, "{range:?}");
        assert_eq!(shared_range(&[]), None);
    }

    #[test]
    fn thinning_keeps_the_first_and_last_step() {
        let many: Vec<(i64, Histogram)> = (0..1000).map(|s| (s, Histogram::default())).collect();
        let kept = thin(&many);
        assert_eq!(kept.len(), MAX_COLUMNS);
        assert_eq!((kept[0].0, kept[MAX_COLUMNS - 1].0), (0, 999));
    }

    #[test]
    fn spreads_are_shown_with_two_significant_digits() {
        let shown: Vec<String> = [0.0, 0.0123, 0.4567, 3.21, 0.00042]
            .into_iter()
            .map(short)
            .collect();
        assert_eq!(shown, ["0", "0.012", "0.46", "3.2", "4.2e-4"]);
    }

    #[test]
    fn shades_run_from_white_to_the_darkened_colour() {
        assert_eq!(shade(RGBColor(100, 200, 0), 0.0), RGBColor(255, 255, 255));
        assert_eq!(shade(RGBColor(100, 200, 0), 1.0), RGBColor(80, 160, 0));
    }
}
