//! Videos, read back from what the real TensorBoard serves its Images dashboard: an
//! animated GIF whose frames, size, rate and looping are those we wrote; grayscale
//! frames exactly, color frames within GIF's quantisation.

mod common;

use anyhow::{Context, Result};
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
    let view = common::script_view(&python, "read_video.py", logdir.path())?;
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

/// An MNIST digit rolled `shift` pixels to the right (wrapping), as `[28 * 28]` bytes.
#[cfg(feature = "tch")]
fn rolled(digit: &Image, shift: usize) -> Vec<u8> {
    let pixels = digit.pixels();
    (0..28 * 28)
        .map(|i| pixels[i / 28 * 28 + (i % 28 + 28 - shift % 28) % 28])
        .collect()
}

#[cfg(feature = "tch")]
#[test]
fn video_tensors_play_frame_by_frame_side_by_side() -> Result<()> {
    use tch::{Device, Kind, Tensor};

    // Two videos of 6 frames, [2, 6, 1, 28, 28] bytes: two MNIST digits sliding right.
    let digits = common::mnist_images(2)?;
    let bytes: Vec<u8> = digits
        .iter()
        .flat_map(|digit| (0..6).flat_map(move |t| rolled(digit, 2 * t)))
        .collect();
    let slides = Tensor::from_slice(&bytes).view([2, 6, 1, 28, 28]);
    // One float video [1, 4, 1, 8, 8] holding every byte value k as k / 255.
    let ramp = (Tensor::arange(256, (Kind::Float, Device::Cpu)) / 255.0).view([1, 4, 1, 8, 8]);
    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("run"))?;
    writer.add_video_tensor("slides", &slides, 4.0, 2)?;
    writer.add_video_tensor("ramp", &ramp, 2.0, 2)?;
    let error = writer
        .add_video_tensor("flat", &slides.view([12, 1, 28, 28]), 4.0, 2)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "video \"flat\": video tensor has shape [12, 1, 28, 28]; expected [batch, frames, \
         channels, height, width] (torch's add_video layout): batch and frames at least 1, \
         channels 1, 3 or 4"
    );
    writer.close()?;

    let Some(python) = common::python_or_skip("video_tensors_play_frame_by_frame_side_by_side")
    else {
        return Ok(());
    };
    let view = common::script_view(&python, "read_video.py", logdir.path())?;
    let slides = &view["run"]["slides"][0];
    // Each frame is a one-row grid of the two videos: 2 + 2 * (28 + 2) wide, 2 + 28 + 2 high.
    assert_eq!(
        (&slides["step"], &slides["width"], &slides["height"]),
        (&2.into(), &62.into(), &32.into())
    );
    let frames = slides["frames"].as_array().context("frames")?;
    assert_eq!(frames.len(), 6);
    for (t, frame) in frames.iter().enumerate() {
        let cells = digits
            .iter()
            .map(|digit| Image::from_u8(rolled(digit, 2 * t), 1, 28, 28, Layout::Chw))
            .collect::<Result<Vec<_>, _>>()?;
        let expected = Image::grid(&cells)?;
        assert_eq!(frame["duration"], 250);
        assert_eq!(
            frame["pixels_l"],
            serde_json::json!(expected.pixels()),
            "frame {t}"
        );
    }
    let ramp = view["run"]["ramp"][0]["frames"]
        .as_array()
        .context("frames")?;
    assert_eq!(ramp.len(), 4);
    for (t, frame) in ramp.iter().enumerate() {
        let expected: Vec<u32> = (t as u32 * 64..(t as u32 + 1) * 64).collect();
        assert_eq!(frame["duration"], 500);
        assert_eq!(frame["pixels_l"], serde_json::json!(expected), "frame {t}");
    }
    Ok(())
}
