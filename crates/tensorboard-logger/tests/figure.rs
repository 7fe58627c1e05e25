//! A figure drawn with plotters, read back by the real TensorBoard as the image we drew.

mod common;

use anyhow::Result;
use plotters::prelude::*;
use serde_json::json;
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::summary::figure;

fn draw(area: &figure::Area<'_>) -> Result<(), Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(area)
        .caption("loss", ("sans-serif", 16))
        .margin(8)
        .build_cartesian_2d(0..20, 0.0..1.0)?;
    chart.draw_series(LineSeries::new(
        (0..20).map(|x| (x, 1.0 / f64::from(x + 1))),
        &RED,
    ))?;
    Ok(())
}

#[test]
fn tensorboard_shows_the_figure_we_drew() -> Result<()> {
    let expected = figure::render(160, 120, draw)?;
    // The figure has a red line and dark caption text on white.
    let pixels = expected.pixels();
    assert!(pixels.chunks(3).any(|p| p == [255, 0, 0]));
    assert!(
        pixels
            .chunks(3)
            .any(|p| p[0] < 100 && p[1] < 100 && p[2] < 100)
    );

    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("run"))?;
    writer.add_figure("loss_curve", 160, 120, draw, 4)?;
    let error = writer
        .add_figure("broken", 10, 10, |_| Err("no data"), 4)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "figure \"broken\": drawing the figure failed: no data"
    );
    writer.close()?;

    let Some(_) = common::python_or_skip("tensorboard_shows_the_figure_we_drew") else {
        return Ok(());
    };
    let view = common::tensorboard_view(logdir.path())?;
    assert_eq!(
        view["runs"]["run"]["images"]["loss_curve"],
        json!([{
            "step": 4,
            "width": 160,
            "height": 120,
            "mode": "RGB",
            "size": [160, 120],
            "pixels": pixels,
        }])
    );
    Ok(())
}
