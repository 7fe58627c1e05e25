//! Bad input and failing disks give clear errors, and nothing already given is lost.

use std::time::{Duration, Instant};

use anyhow::Result;
use tensorboard_logger::proto::tensorboard::event::What;
use tensorboard_logger::proto::tensorboard::summary::value;
use tensorboard_logger::{Error, HistogramData, SummaryWriter, reader};

fn scalar_steps(run: &std::path::Path, tag: &str) -> Result<Vec<(i64, f32)>> {
    Ok(reader::read_run_dir(run)?
        .into_iter()
        .filter_map(|e| match e.what {
            Some(What::Summary(s)) => Some((e.step, s.value)),
            _ => None,
        })
        .flat_map(|(step, values)| values.into_iter().map(move |v| (step, v)))
        .filter(|(_, v)| v.tag == tag)
        .filter_map(|(step, v)| match v.value {
            Some(value::Value::SimpleValue(x)) => Some((step, x)),
            _ => None,
        })
        .collect())
}

#[test]
fn an_unwritable_log_dir_is_an_error_naming_it() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"")?;
    let run = file.join("run");
    let error = SummaryWriter::new(&run).unwrap_err();
    assert!(matches!(error, Error::CreateLogDir { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "cannot create log directory {}: Not a directory (os error 20); choose a writable directory",
            run.display()
        )
    );
    Ok(())
}

#[test]
fn removing_the_run_directory_while_writing_is_reported() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let run = dir.path().join("run");
    let writer = SummaryWriter::new(&run)?;
    writer.add_scalar("loss", 1.0, 0)?;
    writer.flush()?;
    std::fs::remove_dir_all(&run)?;
    writer.add_scalar("loss", 2.0, 1)?;
    let error = writer.flush().unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "event file {} was removed while the writer was running; \
             events given after this point were not written",
            writer.event_file().display()
        )
    );
    let again = writer.add_scalar("loss", 3.0, 2).unwrap_err();
    assert!(matches!(again, Error::EventFileRemoved { .. }), "{again:?}");
    assert!(matches!(
        writer.close(),
        Err(Error::EventFileRemoved { .. })
    ));
    Ok(())
}

#[test]
fn invalid_tags_are_rejected_with_a_valid_suggestion() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    let error = writer.add_scalar("train loss", 1.0, 0).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid tag \"train loss\": character ' ' at byte 5 is not allowed \
         (allowed: ASCII letters, digits, '_', '-', '.', '/'); \
         use a tag like \"train_loss\" (tensorboard_logger::tag::sanitize)"
    );
    let error = writer
        .add_scalars("acc", &[("ok", 1.0), ("top 1", 2.0)], 0)
        .unwrap_err();
    assert!(
        error.to_string().starts_with("invalid tag \"top 1\""),
        "{error}"
    );
    let error = writer.add_text("", "x", 0).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid tag \"\": a tag must not be empty"),
        "{error}"
    );
    let error = writer
        .add_hparams(&[("lr", 0.1.into())], &["_hparams_/experiment"])
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("tags starting with \"_hparams_/\" are reserved"),
        "{error}"
    );
    let error = writer.add_scalars("acc", &[], 0).unwrap_err();
    assert_eq!(
        error.to_string(),
        "add_scalars(\"acc\") was given no (key, value) pairs"
    );
    // The rejected add_scalars call wrote nothing, not even its valid key.
    writer.close()?;
    assert!(scalar_steps(dir.path(), "acc/ok")?.is_empty());
    Ok(())
}

#[test]
fn bad_histograms_are_errors_naming_the_tag() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    let error = writer.add_histogram("w", &[] as &[f32], 0).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("histogram \"w\": histogram input is empty"),
        "{error}"
    );
    let bad = HistogramData {
        min: 0.0,
        max: 1.0,
        num: 1.0,
        sum: 0.5,
        sum_squares: 0.25,
        bucket_limits: vec![1.0, 2.0],
        bucket_counts: vec![1.0],
        non_finite: 0,
    };
    let error = writer.add_histogram_raw("raw", bad, 0).unwrap_err();
    assert!(
        error.to_string().starts_with(
            "histogram \"raw\": histogram data has 2 bucket limits but 1 bucket counts"
        ),
        "{error}"
    );
    writer.close()?;
    Ok(())
}

#[test]
fn a_zero_queue_capacity_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let error = SummaryWriter::builder(dir.path())
        .queue_capacity(0)
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the writer's queue capacity must be at least 1"
    );
}

#[test]
fn nan_and_infinite_scalars_are_written_as_given() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    for (step, value) in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.0]
        .into_iter()
        .enumerate()
    {
        writer.add_scalar("loss", value, step as i64)?;
    }
    writer.close()?;
    let values = scalar_steps(dir.path(), "loss")?;
    assert_eq!(values.len(), 4);
    assert!(values[0].1.is_nan());
    assert_eq!(values[1].1, f32::INFINITY);
    assert_eq!(values[2].1, f32::NEG_INFINITY);
    assert!(values[3].1 == 0.0 && values[3].1.is_sign_negative());
    Ok(())
}

#[test]
fn a_full_queue_waits_instead_of_dropping() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::builder(dir.path())
        .queue_capacity(1)
        .build()?;
    for step in 0..20_000 {
        writer.add_scalar("x", step as f32, step)?;
    }
    writer.close()?;
    let steps: Vec<i64> = scalar_steps(dir.path(), "x")?.iter().map(|s| s.0).collect();
    assert_eq!(steps, (0..20_000).collect::<Vec<_>>());
    Ok(())
}

#[test]
fn drop_writes_everything_given() -> Result<()> {
    let dir = tempfile::tempdir()?;
    {
        let writer = SummaryWriter::new(dir.path())?;
        for step in 0..100 {
            writer.add_scalar("x", step as f32, step)?;
        }
    }
    assert_eq!(scalar_steps(dir.path(), "x")?.len(), 100);
    Ok(())
}

#[test]
fn data_reaches_the_file_without_flush_or_close() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::builder(dir.path())
        .flush_interval(Duration::from_millis(50))
        .build()?;
    writer.add_scalar("x", 1.0, 0)?;
    // The periodic flush, not a call, must bring it to the file; wait for it with a
    // generous deadline for slow machines.
    let deadline = Instant::now() + Duration::from_secs(30);
    while scalar_steps(dir.path(), "x")?.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the scalar never reached the file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.close()?;
    Ok(())
}
