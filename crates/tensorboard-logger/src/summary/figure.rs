//! Figures drawn with plotters, logged as images, as torch's `add_figure` logs a rendered
//! matplotlib figure.
//!
//! [`render`] hands the drawing code a plotters drawing area over an RGB bitmap; text in
//! the `"sans-serif"` family is drawn in DejaVu Sans, which this crate registers.

use std::fmt::Display;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, IntoDrawingArea};
use plotters::style::FontStyle;

use crate::summary::image::{Image, ImageError, Layout};

/// The area figures are drawn on.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FigureError {
    /// The drawing code returned an error.
    #[error("drawing the figure failed: {message}")]
    Draw {
        /// The error, as text (plotters' errors borrow the bitmap).
        message: String,
    },
    /// The font could not be registered with plotters.
    #[error("registering DejaVu Sans as plotters' \"sans-serif\" font failed")]
    Font,
    /// The bitmap is not an image (a zero or too large side).
    #[error("{0}")]
    Image(ImageError),
}

/// Draws a `width` x `height` figure with `draw` and returns it as an RGB image, on a
/// white background.
///
/// ```
/// use plotters::prelude::*;
/// use tensorboard_logger::summary::figure;
///
/// let image = figure::render(200, 100, |area| {
///     let mut chart = ChartBuilder::on(area).caption("loss", ("sans-serif", 14)).build_cartesian_2d(0..10, 0.0..1.0)?;
///     chart.draw_series(LineSeries::new((0..10).map(|x| (x, 1.0 / (x + 1) as f64)), &RED))?;
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// assert_eq!((image.height(), image.width(), image.channels()), (100, 200, 3));
/// # Ok::<(), figure::FigureError>(())
/// ```
pub fn render<E: Display>(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Area<'_>) -> Result<(), E>,
) -> Result<Image, FigureError> {
    register_font()?;
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        draw(&area).map_err(|error| FigureError::Draw {
            message: error.to_string(),
        })?;
        area.present().map_err(|error| FigureError::Draw {
            message: error.to_string(),
        })?;
    }
    Image::from_u8(pixels, 3, height as usize, width as usize, Layout::Hwc)
        .map_err(FigureError::Image)
}

fn register_font() -> Result<(), FigureError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let registered = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .is_ok()
    });
    if registered {
        Ok(())
    } else {
        Err(FigureError::Font)
    }
}
