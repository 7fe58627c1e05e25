//! Audio clips, mono and multi-channel, played back from what the real TensorBoard's
//! Audio dashboard serves: the WAV it sends decodes to our samples, channels and rate.

mod common;

use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::summary::audio::Audio;

#[test]
fn tensorboard_serves_the_clips_we_wrote() -> Result<()> {
    // A 440 Hz tone, with values beyond [-1, 1] that are clipped as torch clips them.
    let mono: Vec<f32> = (0..800)
        .map(|i| 1.2 * (i as f32 * 440.0 / 8000.0 * std::f32::consts::TAU).sin())
        .collect();
    // Three channels: a ramp, its negation and silence, interleaved.
    let three: Vec<f32> = (0..300)
        .flat_map(|i| {
            let ramp = i as f32 / 299.0;
            [ramp, -ramp, 0.0]
        })
        .collect();
    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("run"))?;
    writer.add_audio("tone", Audio::new(mono.clone(), 1, 8000)?, 0)?;
    writer.add_audio("tone", Audio::new(mono[..400].to_vec(), 1, 8000)?, 1)?;
    writer.add_audio("three", Audio::new(three.clone(), 3, 44_100)?, 2)?;
    writer.close()?;

    let Some(python) = common::python_or_skip("tensorboard_serves_the_clips_we_wrote") else {
        return Ok(());
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/read_audio.py");
    let output = Command::new(python)
        .arg(script)
        .arg(logdir.path())
        .output()
        .context("running read_audio.py")?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr));
    }
    let view: Value = serde_json::from_slice(&output.stdout)?;
    let clip = |step: i64, channels: u16, rate: u32, samples: &[f32]| {
        json!({
            "step": step,
            "content_type": "audio/wav",
            "channels": channels,
            "sample_rate": rate,
            "sample_width": 2,
            "samples": samples.iter().map(|s| Audio::pcm(*s)).collect::<Vec<_>>(),
        })
    };
    assert_eq!(
        view["run"]["tone"],
        json!([clip(0, 1, 8000, &mono), clip(1, 1, 8000, &mono[..400])])
    );
    assert_eq!(view["run"]["three"], json!([clip(2, 3, 44_100, &three)]));
    // The clipping shows: the tone's peaks are full scale.
    assert_eq!(view["run"]["tone"][0]["samples"][5], 32767);
    Ok(())
}
