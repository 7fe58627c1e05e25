//! Drawing the report's PNGs: plotters on an in-memory bitmap, text in the bundled DejaVu Sans (no system fonts), encoded with `png`.

pub mod heatmap;
pub mod lines;
pub mod text;

use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::BoldPoints;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use study_spec::ActivationKind;

use text::{Align, Label, Typesetter};

use crate::error::ReportError;

/// The font family plotters is given; registered from the `dejavu` crate.
const FONT: &str = "sans-serif";

/// A drawing area of a report figure.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Width and height of every PNG, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Size {
    /// Font size for plot text of `role`, scaled to the figure.
    fn font(self, role: Text) -> f64 {
        let base = f64::from(self.width.min(self.height * 3 / 2)) / 100.0;
        base * match role {
            Text::Title => 2.4,
            Text::Legend => 1.7,
            Text::Caption => 1.7,
            Text::Axis => 1.6,
            Text::Tick => 1.45,
        }
    }
}

/// What a piece of text is, for its size.
#[derive(Debug, Clone, Copy)]
enum Text {
    Title,
    Legend,
    Caption,
    Axis,
    Tick,
}

/// An activation's line colour: fixed for the study's five, so every figure agrees;
/// other names take the next colour of a ten-colour palette by `index`.
pub fn color_for(activation: &str, index: usize) -> RGBColor {
    const OTHERS: [RGBColor; 5] = [
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    match ActivationKind::from_name(activation) {
        Some(ActivationKind::Sigmoid) => RGBColor(214, 39, 40),
        Some(ActivationKind::Tanh) => RGBColor(255, 127, 14),
        Some(ActivationKind::Relu) => RGBColor(31, 119, 180),
        Some(ActivationKind::LeakyRelu) => RGBColor(44, 160, 44),
        Some(ActivationKind::Elu) => RGBColor(148, 103, 189),
        None => OTHERS[index % OTHERS.len()],
    }
}

/// One entry of a figure's legend.
#[derive(Debug, Clone)]
pub struct LegendEntry {
    /// The text.
    pub label: String,
    /// The line colour.
    pub color: RGBColor,
}

/// Ticks per axis (plotters picks round values, at most this many).
const TICKS: usize = 7;

/// How a chart's values map to its value axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The values as they are.
    Linear,
    /// The values are `log10` of the quantity shown; the ticks name the quantity.
    Log10,
}

/// A colour for line `index` of `count` lines that run in an order (layers, first to
/// last): from dark blue through teal to green, so the order reads off the shade.
pub fn ordered_color(index: usize, count: usize) -> RGBColor {
    // Viridis, sampled from 0 to 0.85: its last stretch is too pale on white.
    const ANCHORS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (53.0, 183.0, 121.0),
        (144.0, 215.0, 67.0),
    ];
    let t = if count > 1 {
        index.min(count - 1) as f64 / (count - 1) as f64
    } else {
        0.0
    };
    let position = t * (ANCHORS.len() - 1) as f64;
    let i = (position.floor() as usize).min(ANCHORS.len() - 2);
    let f = position - i as f64;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A figure being drawn: its whole area, size and text.
pub struct Canvas<'a> {
    /// The whole figure.
    pub root: Area<'a>,
    /// Its size.
    pub size: Size,
    text: Typesetter,
}

/// A chart of step against value.
pub type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl<'a> Canvas<'a> {
    /// Draws one line of text of `role` at figure pixel `at`.
    fn label(
        &self,
        text: &str,
        role: Text,
        color: RGBColor,
        at: (i32, i32),
        align: (Align, Align),
        upright: bool,
    ) -> Result<(), String> {
        let (along, across) = align;
        self.text.draw(
            &self.root,
            &Label {
                text,
                size: self.size.font(role),
                color,
                at,
                along,
                across,
                upright,
            },
        )
    }

    /// Draws the title and a one-line legend across the top; returns the area below.
    pub fn header(&self, title: &str, legend: &[LegendEntry]) -> Result<Area<'a>, String> {
        let size = self.size;
        let title_height = (size.font(Text::Title) * 1.8) as u32;
        self.label(
            title,
            Text::Title,
            BLACK,
            (size.width as i32 / 2, (size.font(Text::Title) * 0.5) as i32),
            (Align::Center, Align::Start),
            false,
        )?;
        let legend_height = (size.font(Text::Legend) * 2.0) as u32;
        let (_, rest) = self.root.split_vertically(title_height);
        let (strip, body) = rest.split_vertically(legend_height);
        self.legend(&strip, legend)?;
        Ok(body)
    }

    /// The legend entries side by side, centred in `strip`; a legend too wide for it
    /// shrinks to fit (down to 60%).
    fn legend(&self, strip: &Area<'_>, legend: &[LegendEntry]) -> Result<(), String> {
        let (x_range, y_range) = strip.get_pixel_range();
        let room = f64::from(x_range.end - x_range.start);
        let full = self.size.font(Text::Legend);
        let widths_at = |em: f64| -> Vec<i32> {
            let (swatch, gap) = ((em * 2.0) as i32, (em * 0.5) as i32);
            legend
                .iter()
                .map(|entry| swatch + gap + self.text.width(&entry.label, em) as i32 + 3 * gap)
                .collect()
        };
        let natural: i32 = widths_at(full).iter().sum();
        let em = (full * room / f64::from(natural.max(1))).clamp(full * 0.6, full);
        let widths = widths_at(em);
        let total: i32 = widths.iter().sum();
        let (swatch, gap) = ((em * 2.0) as i32, (em * 0.5) as i32);
        let mut x = x_range.start + (x_range.end - x_range.start - total).max(0) / 2;
        let y = (y_range.start + y_range.end) / 2;
        for (entry, width) in legend.iter().zip(widths) {
            self.root
                .draw(&PathElement::new(
                    vec![(x, y), (x + swatch, y)],
                    entry.color.stroke_width(4),
                ))
                .map_err(|e| e.to_string())?;
            self.text.draw(
                &self.root,
                &Label {
                    text: &entry.label,
                    size: em,
                    color: BLACK,
                    at: (x + swatch + gap, y),
                    along: Align::Start,
                    across: Align::Center,
                    upright: false,
                },
            )?;
            x += width;
        }
        Ok(())
    }

    /// A chart on `area` over `x` and `y`, with room for a caption when there is one,
    /// tick labels and axis names.
    pub fn chart<'c>(
        &self,
        area: &'c Area<'a>,
        x: Range<f64>,
        y: Range<f64>,
        captioned: bool,
    ) -> Result<Chart<'c, 'a>, String> {
        let tick = self.size.font(Text::Tick);
        let margin = tick as u32;
        let top = if captioned {
            (self.size.font(Text::Caption) * 1.8) as u32
        } else {
            margin
        };
        ChartBuilder::on(area)
            .margin(margin)
            .margin_top(top)
            .margin_right(margin * 2)
            .x_label_area_size((tick * 3.6) as u32)
            .y_label_area_size((tick * 6.4) as u32)
            .build_cartesian_2d(x, y)
            .map_err(|e| e.to_string())
    }

    /// Draws the chart's grid (when `grid`) and axes, then its caption, tick labels
    /// and axis names.
    pub fn axes(
        &self,
        chart: &mut Chart<'_, '_>,
        grid: bool,
        caption: Option<(&str, RGBColor)>,
        x_desc: &str,
        (y_desc, y_scale): (&str, Scale),
    ) -> Result<(), String> {
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(TICKS)
            .y_labels(TICKS)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04));
        if !grid {
            mesh.disable_mesh();
        }
        mesh.draw().map_err(|e| e.to_string())?;

        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let x_spec = chart.as_coord_spec().x_spec();
        let y_spec = chart.as_coord_spec().y_spec();
        let (x_range, y_range) = (x_spec.range(), y_spec.range());
        let tick = self.size.font(Text::Tick);
        let gap = (tick * 0.5) as i32;
        for x in x_spec.key_points(BoldPoints(TICKS)) {
            let (px, _) = chart.backend_coord(&(x, y_range.start));
            self.label(
                &format_step(&x),
                Text::Tick,
                BLACK,
                (px, ys.end + gap),
                (Align::Center, Align::Start),
                false,
            )?;
        }
        let linear = value_formatter(y_range.start, y_range.end);
        let format = |y: &f64| match y_scale {
            Scale::Linear => linear(y),
            Scale::Log10 => power_of_ten(*y),
        };
        for y in y_spec.key_points(BoldPoints(TICKS)) {
            let (_, py) = chart.backend_coord(&(x_range.start, y));
            self.label(
                &format(&y),
                Text::Tick,
                BLACK,
                (xs.start - gap, py),
                (Align::End, Align::Center),
                false,
            )?;
        }
        let middle = ((xs.start + xs.end) / 2, (ys.start + ys.end) / 2);
        self.label(
            x_desc,
            Text::Axis,
            BLACK,
            (middle.0, ys.end + (tick * 2.0) as i32),
            (Align::Center, Align::Start),
            false,
        )?;
        self.label(
            y_desc,
            Text::Axis,
            BLACK,
            (xs.start - (tick * 5.2) as i32, middle.1),
            (Align::Center, Align::Start),
            true,
        )?;
        if let Some((caption, color)) = caption {
            // A long caption over a narrow panel shrinks to fit (down to 70%).
            let full = self.size.font(Text::Caption);
            let room = f64::from(xs.end - xs.start);
            let size =
                (full * room / self.text.width(caption, full).max(1.0)).clamp(full * 0.7, full);
            self.text.draw(
                &self.root,
                &Label {
                    text: caption,
                    size,
                    color,
                    at: (middle.0, ys.start - gap),
                    along: Align::Center,
                    across: Align::End,
                    upright: false,
                },
            )?;
        }
        Ok(())
    }
}

/// Draws `draw`'s figure on a white `size` bitmap and writes it to `path` as an RGB PNG,
/// all or nothing.
pub fn render(
    path: &Path,
    size: Size,
    draw: impl FnOnce(&Canvas<'_>) -> Result<(), String>,
) -> Result<(), ReportError> {
    register_font()?;
    let text = Typesetter::new()?;
    let mut pixels = vec![0u8; size.width as usize * size.height as usize * 3];
    {
        let root =
            BitMapBackend::with_buffer(&mut pixels, (size.width, size.height)).into_drawing_area();
        let canvas = Canvas {
            root: root.clone(),
            size,
            text,
        };
        let drawn = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(&canvas))
            .and_then(|()| root.present().map_err(|e| e.to_string()));
        drawn.map_err(|message| ReportError::Draw {
            path: path.to_owned(),
            message,
        })?;
    }
    crate::output::write_atomically(path, |out| {
        encode_png(out, size, &pixels).map_err(|error| match error {
            // A full disk or a failed write says so, naming the file.
            png::EncodingError::IoError(cause) => ReportError::WriteFile {
                path: path.to_owned(),
                cause,
            },
            cause => ReportError::EncodePng {
                path: path.to_owned(),
                cause,
            },
        })
    })
}

/// Encodes `pixels`, `size` rows of RGB bytes, as an 8-bit RGB PNG into `out`.
pub fn encode_png(out: impl Write, size: Size, pixels: &[u8]) -> Result<(), png::EncodingError> {
    let mut encoder = png::Encoder::new(out, size.width, size.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()
}

/// Draws a figure of `panels` under one title and legend, each panel in a cell of a grid
/// as square as the figure allows, and writes it to `path` (see [`render`]).
pub fn render_panels<P>(
    path: &Path,
    size: Size,
    title: &str,
    legend: &[LegendEntry],
    panels: &[P],
    draw_panel: impl for<'a> Fn(&Canvas<'a>, &Area<'a>, &P) -> Result<(), String>,
) -> Result<(), ReportError> {
    render(path, size, |canvas| {
        let body = canvas.header(title, legend)?;
        for (cell, panel) in grid(&body, panels.len()).iter().zip(panels) {
            draw_panel(canvas, cell, panel)?;
        }
        Ok(())
    })
}

/// plotters needs a registered font even though every visible label is set by
/// [`Typesetter`]: its mesh lays out the (empty) tick labels.
fn register_font() -> Result<(), ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    if ok { Ok(()) } else { Err(ReportError::Font) }
}

/// Splits `area` into a grid of at least `n` cells, as square as the figure allows;
/// returns the first `n` cells, row by row.
pub fn grid<'a>(area: &Area<'a>, n: usize) -> Vec<Area<'a>> {
    let n = n.max(1);
    let (width, height) = area.dim_in_pixel();
    let aspect = f64::from(width) / f64::from(height.max(1));
    let columns = ((n as f64 * aspect).sqrt().round() as usize).clamp(1, n);
    let rows = n.div_ceil(columns);
    let mut cells = area.split_evenly((rows, columns));
    cells.truncate(n);
    cells
}

/// Step ticks without a fractional part.
pub fn format_step(step: &f64) -> String {
    format!("{}", step.round() as i64)
}

/// Tick labels for values in `lo..hi`: as many decimals as the tick spacing needs,
/// scientific notation for axes of tiny (gradients) or huge values.
pub fn value_formatter(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let span = (hi - lo).abs();
    let largest = lo.abs().max(hi.abs());
    let scientific = largest > 0.0 && !(1e-2..1e5).contains(&largest);
    let decimals = if span > 0.0 {
        (-(span / 10.0).log10().floor()).max(0.0) as usize
    } else {
        2
    };
    move |v: &f64| {
        // Key points are computed in floating point: zero can come out as -1e-17.
        if v.abs() <= span * 1e-9 {
            "0".to_owned()
        } else if scientific {
            format!("{v:.1e}")
        } else {
            format!("{v:.decimals$}")
        }
    }
}

/// The tick label of `exponent` on a log axis: `10^exponent` in [`two_digits`].
pub fn power_of_ten(exponent: f64) -> String {
    let rounded = exponent.round();
    if (exponent - rounded).abs() < 1e-9 {
        // A whole power: `0.01` to `1000` as they are, others as `1e-3`.
        if (-2.0..=3.0).contains(&rounded) {
            let decimals = (-rounded).max(0.0) as usize;
            format!("{:.decimals$}", 10f64.powf(rounded))
        } else {
            format!("1e{}", rounded as i64)
        }
    } else {
        two_digits(10f64.powf(exponent))
    }
}

/// A positive value with two significant digits: plain from 0.01 to 10,000 (`0.032`,
/// `3.2`, `320`), in scientific notation outside (`3.2e-3`).
pub fn two_digits(value: f64) -> String {
    if !(value.is_finite() && value > 0.0) {
        return format!("{value}");
    }
    if !(0.01..1e4).contains(&value) {
        return format!("{value:.1e}");
    }
    let digits = value.log10().floor() as i32;
    if digits >= 1 {
        let unit = 10f64.powi(digits - 1);
        format!("{}", ((value / unit).round() * unit) as i64)
    } else {
        let decimals = (1 - digits) as usize;
        format!("{value:.decimals$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_name_the_power_of_ten() {
        let shown: Vec<String> = [-3.0, -2.0, 0.0, 2.0 + 1e-12, 5.0, -2.5, -0.5, 1.3]
            .into_iter()
            .map(power_of_ten)
            .collect();
        assert_eq!(
            shown,
            ["1e-3", "0.01", "1", "100", "1e5", "3.2e-3", "0.32", "20"]
        );
    }

    #[test]
    fn ordered_colours_run_from_the_first_anchor_to_the_last() {
        assert_eq!(ordered_color(0, 4), RGBColor(68, 1, 84));
        assert_eq!(ordered_color(3, 4), RGBColor(144, 215, 67));
        assert_eq!(ordered_color(0, 1), RGBColor(68, 1, 84));
        let middle = ordered_color(1, 3);
        assert_eq!(middle, RGBColor(33, 145, 140));
    }

    #[test]
    fn value_ticks_follow_the_axis_scale() {
        let show = |lo, hi, values: &[f64]| {
            values
                .iter()
                .map(value_formatter(lo, hi))
                .collect::<Vec<_>>()
        };
        assert_eq!(show(0.1, 1.0, &[0.1, 0.55, 1.0]), ["0.10", "0.55", "1.00"]);
        assert_eq!(show(0.0, 2.5, &[0.0, 0.5, 2.5]), ["0", "0.5", "2.5"]);
        assert_eq!(show(-3e-3, 3e-3, &[-3e-3, 1.5e-3]), ["-3.0e-3", "1.5e-3"]);
        assert_eq!(show(0.0, 2e5, &[1e5]), ["1.0e5"]);
        assert_eq!(show(-0.4, 0.4, &[-2.7e-17]), ["0"]);
    }

    #[test]
    fn a_png_encodes_into_any_writer_and_decodes_back() {
        let size = Size {
            width: 3,
            height: 2,
        };
        let pixels: Vec<u8> = (0..18).map(|i| i * 14).collect();
        let mut bytes = Vec::new();
        encode_png(&mut bytes, size, &pixels).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut decoded = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut decoded).unwrap();
        assert_eq!((frame.width, frame.height), (3, 2));
        assert_eq!(decoded, pixels);
    }

    #[test]
    fn the_five_activations_have_distinct_colours() {
        let mut colours: Vec<_> = ActivationKind::ALL
            .iter()
            .map(|kind| kind.name())
            .chain(["swish"])
            .enumerate()
            .map(|(i, a)| color_for(a, i))
            .map(|c| (c.0, c.1, c.2))
            .collect();
        colours.dedup();
        colours.sort();
        colours.dedup();
        assert_eq!(colours.len(), 6);
    }
}
