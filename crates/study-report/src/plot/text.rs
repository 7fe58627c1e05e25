//! Plot text set with ab_glyph and the bundled DejaVu Sans: plotters' own ab_glyph renderer drops each glyph's side bearing, which spaces words unevenly.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;

use super::Area;
use crate::error::ReportError;

/// Where a label sits relative to its anchor point, along one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// The anchor is at the label's left (or top) edge.
    Start,
    /// The anchor is at its middle.
    Center,
    /// The anchor is at its right (or bottom) edge.
    End,
}

/// One line of text to draw.
#[derive(Debug, Clone)]
pub struct Label<'a> {
    /// The text.
    pub text: &'a str,
    /// Its size in pixels.
    pub size: f64,
    /// Its colour.
    pub color: RGBColor,
    /// The anchor, in pixels of the figure.
    pub at: (i32, i32),
    /// Alignment along the text.
    pub along: Align,
    /// Alignment across the text.
    pub across: Align,
    /// Whether it reads upwards (a y-axis label) instead of left to right.
    pub upright: bool,
}

/// Lays out and draws labels.
#[derive(Debug, Clone)]
pub struct Typesetter {
    font: FontRef<'static>,
}

impl Typesetter {
    /// A typesetter of DejaVu Sans.
    pub fn new() -> Result<Self, ReportError> {
        let font =
            FontRef::try_from_slice(dejavu::sans::regular()).map_err(|_| ReportError::Font)?;
        Ok(Self { font })
    }

    /// The advance width of `text` at `size` pixels.
    pub fn width(&self, text: &str, size: f64) -> f64 {
        let font = self.font.as_scaled(PxScale::from(size as f32));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = previous {
                width += font.kern(p, id);
            }
            width += font.h_advance(id);
            previous = Some(id);
        }
        f64::from(width)
    }

    /// Draws `label` on `root`, the figure's whole area (anchors are figure pixels).
    pub fn draw(&self, root: &Area<'_>, label: &Label<'_>) -> Result<(), String> {
        let scale = PxScale::from(label.size as f32);
        let font = self.font.as_scaled(scale);
        let width = self.width(label.text, label.size) as f32;
        let x0 = match label.along {
            Align::Start => 0.0,
            Align::Center => -width / 2.0,
            Align::End => -width,
        };
        let (ascent, descent) = (font.ascent(), font.descent());
        let baseline = match label.across {
            Align::Start => ascent,
            Align::Center => (ascent + descent) / 2.0,
            Align::End => descent,
        };
        let mut pen = x0;
        let mut previous = None;
        let mut failure = None;
        for c in label.text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = previous {
                pen += font.kern(p, id);
            }
            previous = Some(id);
            let glyph = id.with_scale_and_position(scale, point(pen, baseline));
            pen += font.h_advance(id);
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let (x, y) = (
                    bounds.min.x as i32 + gx as i32,
                    bounds.min.y as i32 + gy as i32,
                );
                let pixel = if label.upright {
                    (label.at.0 + y, label.at.1 - x)
                } else {
                    (label.at.0 + x, label.at.1 + y)
                };
                if let Err(e) = root.draw_pixel(pixel, &label.color.mix(f64::from(coverage))) {
                    failure.get_or_insert(e.to_string());
                }
            });
        }
        failure.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_grow_with_text_and_size() {
        let t = Typesetter::new().unwrap();
        assert_eq!(t.width("", 12.0), 0.0);
        assert!(t.width("relu", 12.0) < t.width("leaky_relu", 12.0));
        assert!((t.width("relu", 24.0) - 2.0 * t.width("relu", 12.0)).abs() < 0.5);
    }
}
