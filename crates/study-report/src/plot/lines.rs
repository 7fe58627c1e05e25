//! Line charts of scalars against step: one curve per activation, the mean over its seeds with a ±1 standard deviation band.

use std::path::Path;

use plotters::prelude::*;

use super::{Area, Canvas, LegendEntry, Scale, Size, render_panels};
use crate::error::ReportError;
use crate::stats::BandPoint;

/// One activation's curve.
#[derive(Debug, Clone)]
pub struct Curve {
    /// The line colour.
    pub color: RGBColor,
    /// Mean and spread over seeds, step by step.
    pub points: Vec<BandPoint>,
}

/// How the value axis of a line chart spans its data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum YAxis {
    /// The data's range, padded.
    Auto,
    /// The data's range, padded, but never outside `(lo, hi)` (for fractions).
    Clamped(f64, f64),
    /// Always `(lo, hi)` (and a sliver), so charts of different runs compare at a glance.
    Fixed(f64, f64),
    /// The range of every panel's data, padded, of values that are `log10` of the
    /// quantity shown: a log axis whose ticks name the quantity (`1e-3`), shared so that
    /// the panels compare at a glance.
    Log10,
}

/// One chart of a figure.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Its caption, for figures of several charts.
    pub caption: Option<String>,
    /// Its curves.
    pub curves: Vec<Curve>,
}

/// Writes a figure of `panels` sharing one title and legend to `path`.
pub fn figure(
    path: &Path,
    size: Size,
    title: &str,
    y_label: &str,
    y_axis: YAxis,
    legend: &[LegendEntry],
    panels: &[Panel],
) -> Result<(), ReportError> {
    let shared = match y_axis {
        YAxis::Log10 => value_range(panels.iter().flat_map(|p| &p.curves)),
        _ => None,
    };
    render_panels(path, size, title, legend, panels, |canvas, cell, panel| {
        draw_panel(canvas, cell, y_label, (y_axis, shared), panel)
    })
}

/// The lowest and highest value of `curves`, with their ±1 standard deviation bands;
/// `None` when they have no point.
fn value_range<'a>(curves: impl Iterator<Item = &'a Curve>) -> Option<(f64, f64)> {
    let (lo, hi) =
        curves
            .flat_map(|c| &c.points)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                let spread = p.summary.std.unwrap_or(0.0);
                (
                    lo.min(p.summary.mean - spread),
                    hi.max(p.summary.mean + spread),
                )
            });
    (lo <= hi).then_some((lo, hi))
}

fn draw_panel<'a>(
    canvas: &Canvas<'a>,
    area: &Area<'a>,
    y_label: &str,
    (y_axis, shared): (YAxis, Option<(f64, f64)>),
    panel: &Panel,
) -> Result<(), String> {
    let points = || panel.curves.iter().flat_map(|c| &c.points);
    let (mut x0, mut x1) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p.step as f64), hi.max(p.step as f64))
    });
    let (mut y0, mut y1) = shared
        .or_else(|| value_range(panel.curves.iter()))
        .unwrap_or((f64::INFINITY, f64::NEG_INFINITY));
    if !x0.is_finite() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad = if y1 > y0 {
        (y1 - y0) * 0.05
    } else {
        y0.abs().max(1.0) * 0.1
    };
    (y0, y1) = match y_axis {
        YAxis::Auto | YAxis::Log10 => (y0 - pad, y1 + pad),
        YAxis::Clamped(lo, hi) => ((y0 - pad).max(lo), (y1 + pad).min(hi)),
        // A sliver of room so lines along an edge are not half hidden by the axis.
        YAxis::Fixed(lo, hi) => (lo - (hi - lo) * 0.02, hi + (hi - lo) * 0.02),
    };

    let mut chart = canvas.chart(area, x0..x1, y0..y1, panel.caption.is_some())?;
    let caption = panel.caption.as_deref().map(|c| (c, BLACK));
    let scale = match y_axis {
        YAxis::Log10 => Scale::Log10,
        _ => Scale::Linear,
    };
    canvas.axes(&mut chart, true, caption, "step", (y_label, scale))?;

    for curve in &panel.curves {
        let spread: Vec<&BandPoint> = curve
            .points
            .iter()
            .filter(|p| p.summary.std.is_some())
            .collect();
        if spread.len() > 1 {
            let outline: Vec<(f64, f64)> = spread
                .iter()
                .map(|p| (p.step as f64, p.summary.mean + p.summary.std.unwrap_or(0.0)))
                .chain(
                    spread
                        .iter()
                        .rev()
                        .map(|p| (p.step as f64, p.summary.mean - p.summary.std.unwrap_or(0.0))),
                )
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    curve.color.mix(0.2).filled(),
                )))
                .map_err(|e| e.to_string())?;
        }
    }
    for curve in &panel.curves {
        let line = curve.points.iter().map(|p| (p.step as f64, p.summary.mean));
        let stroke = curve.color.stroke_width(2);
        if curve.points.len() == 1 {
            chart
                .draw_series(line.map(|xy| Circle::new(xy, 4, curve.color.filled())))
                .map_err(|e| e.to_string())?;
        } else {
            chart
                .draw_series(LineSeries::new(line, stroke))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
