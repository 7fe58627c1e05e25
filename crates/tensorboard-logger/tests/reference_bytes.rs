//! Our bytes are TensorBoard's bytes.
//!
//! Source of the expected bytes: `tests/data/reference.tfevents`, written by
//! `tests/data/make_reference.py` with TensorBoard 2.21's own Python `RecordWriter` (its
//! pure-Python masked CRC32C), its `text_pb` and `hparams_pb` summary helpers and its
//! custom scalar layout proto, for fixed wall times, steps and values.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use tensorboard_logger::event_file::EventWriter;
use tensorboard_logger::summary::{custom_scalars, hparams, scalar, text};
use tensorboard_logger::{HParamValue, SummaryWriter};

const REFERENCE: &[u8] = include_bytes!("data/reference.tfevents");

/// Splits framed records by their length fields (independently of our reader).
fn records(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let (record, rest) = bytes.split_at(12 + len + 4);
        out.push(record);
        bytes = rest;
    }
    out
}

fn at(secs: f64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs_f64(secs)
}

#[test]
fn each_layer_writes_tensorboards_bytes() -> Result<()> {
    let mut writer = EventWriter::new(Vec::new(), 1_700_000_000.5)?;
    writer.write_summary(1_700_000_001.25, 42, scalar::value("loss", 0.5))?;
    writer.write_summary(1_700_000_002.0, 7, text::value("notes", "**hello** world"))?;
    let hparams: [(&str, HParamValue); 3] = [
        ("activation", "relu".into()),
        ("dropout", true.into()),
        ("lr", 0.001.into()),
    ];
    for (i, hparam) in hparams.into_iter().enumerate() {
        let time = 1_700_000_003.0 + i as f64;
        writer.write_summary(time, 0, hparams::session_start_value(&[hparam], time))?;
    }
    let layout = custom_scalars::layout([("loss", ["train", "test"].as_slice())]);
    writer.write_summary(1_700_000_006.0, 0, custom_scalars::value(&layout))?;
    let ours = writer.into_inner();

    let (ours, reference) = (records(&ours), records(REFERENCE));
    assert_eq!(ours.len(), reference.len());
    for (i, (ours, reference)) in ours.iter().zip(&reference).enumerate() {
        assert_eq!(ours, reference, "record {i} differs");
    }
    Ok(())
}

#[test]
fn the_summary_writer_writes_tensorboards_bytes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    writer
        .with_wall_time(at(1_700_000_001.25))
        .add_scalar("loss", 0.5, 42)?;
    writer
        .with_wall_time(at(1_700_000_002.0))
        .add_text("notes", "**hello** world", 7)?;
    writer
        .with_wall_time(at(1_700_000_003.0))
        .add_hparams(&[("activation", HParamValue::from("relu"))], &[] as &[&str])?;
    let path = writer.event_file().to_owned();
    writer.close()?;

    let bytes = std::fs::read(path)?;
    let ours = records(&bytes);
    let reference = records(REFERENCE);
    // ours: file_version (stamped now), scalar, text, experiment, session start info,
    // and the session end info written by close().
    assert_eq!(ours.len(), 6);
    assert_eq!(ours[1], reference[1], "scalar record");
    assert_eq!(ours[2], reference[2], "text record");
    assert_eq!(ours[4], reference[3], "hparams session start record");
    // The file_version record differs from the reference only in its wall time.
    assert_eq!(ours[0].len(), reference[0].len());
    Ok(())
}
