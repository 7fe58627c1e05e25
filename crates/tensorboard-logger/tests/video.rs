//! Videos, read back from what the real TensorBoard serves its Images dashboard: an
//! animated GIF whose frames, size, rate and looping are those we wrote; grayscale
//! frames exactly, color frames within GIF's quantisation.

mod common;

use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::summary::image::{Image, Layout};
use tensorboard_logger::summary::video::Video;

#[test]
fn tensorboard_serves_the_frames_we_wrote() -> Result<()> {
    // A bright bar moving down a 12x10 grayscale frame, over every gray level.
    let gray: Vec<Image> = (0..6)
        .map(|t| {
            let pixels = (0..12 * 10)
                .map(|i| {
                    if i / 10 == t * 2 {
                        255
                    } else {
                        (i * 2 + t * 7) as u8
                    }
                })
                .collect();
            Image::from_u8(pixels, 1, 12, 10, Layout::Chw)
        })
        .collect::<Result<_, _>>()?;
    // Red, green and blue halves swapping sides.
    let color: Vec<Image> = (0..3)
        .map(|t| {
            let pixels = (0..8 * 8)
                .flat_map(|i| {
                    let left = (i % 8 < 4) == (t % 2 == 0);
                    if left { [200, 20, 20] } else { [20, 20, 200] }
                })
                .collect();
            Image::from_u8(pixels, 3, 8, 8, Layout::Hwc)
        })
        .collect::<Result<_, _>>()?;
    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("run"))?;
    writer.add_video("bar", Video::new(gray.clone(), 4.0)?, 3)?;
    writer.add_video("halves", Video::new(color.clone(), 10.0)?, 3)?;
    writer.close()?;

    let Some(python) = common::python_or_skip("tensorboard_serves_the_frames_we_wrote") else {
        return Ok(());
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/read_video.py");
    let output = Command::new(python)
        .arg(script)
        .arg(logdir.path())
        .output()
        .context("running read_video.py")?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr));
    }
    let view: Value = serde_json::from_slice(&output.stdout)?;
    let bar = &view["run"]["bar"][0];
    assert_eq!(
        (
            &bar["step"],
            &bar["width"],
            &bar["height"],
            &bar["format"],
            &bar["loop"]
        ),
        (&3.into(), &10.into(), &12.into(), &"GIF".into(), &0.into())
    );
    let frames = bar["frames"].as_array().context("frames")?;
    assert_eq!(frames.len(), 6);
    for (frame, image) in frames.iter().zip(&gray) {
        assert_eq!(frame["duration"], 250);
        assert_eq!(frame["pixels_l"], serde_json::json!(image.pixels()));
    }
    let halves = view["run"]["halves"][0]["frames"]
        .as_array()
        .context("frames")?;
    assert_eq!(halves.len(), 3);
    for (frame, image) in halves.iter().zip(&color) {
        assert_eq!(frame["duration"], 100);
        let decoded = frame["pixels_rgb"].as_array().context("pixels")?;
        let worst = decoded
            .iter()
            .zip(image.pixels())
            .map(|(d, p)| (d.as_i64().unwrap() - i64::from(*p)).abs())
            .max();
        assert!(worst <= Some(8), "a color moved by {worst:?}");
    }
    Ok(())
}
