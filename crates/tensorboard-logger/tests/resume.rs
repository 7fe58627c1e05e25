//! A run resumed from a checkpoint with `purge_step`: the real TensorBoard and our reader
//! both show one clean series, the earlier attempt's values up to the checkpoint and the
//! resumed attempt's from there; `filename_suffix` ends the new file's name.

mod common;

use anyhow::Result;
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::reader;

#[test]
fn a_resumed_run_shows_one_series() -> Result<()> {
    let logdir = tempfile::tempdir()?;
    let run_dir = logdir.path().join("resumed");
    // The first attempt logs steps 0 to 9 and crashes after a checkpoint at step 6.
    let first = SummaryWriter::new(&run_dir)?;
    for step in 0..10 {
        first.add_scalar("loss", 100.0 + step as f32, step)?;
        first.add_histogram("weights", &[step as f32][..], step)?;
    }
    first.close()?;
    // The second resumes from the checkpoint and logs steps 6 to 14.
    let second = SummaryWriter::builder(&run_dir)
        .purge_step(6)
        .filename_suffix(".attempt2")
        .build()?;
    assert!(second.event_file().to_string_lossy().ends_with(".attempt2"));
    for step in 6..15 {
        second.add_scalar("loss", 200.0 + step as f32, step)?;
        second.add_histogram("weights", &[-(step as f32)][..], step)?;
    }
    second.close()?;

    let expected: Vec<(i64, f64)> = (0..15)
        .map(|step| (step, if step < 6 { 100.0 } else { 200.0 } + step as f64))
        .collect();
    let run = reader::read_run(&run_dir, &mut Vec::new())?;
    assert_eq!(run.scalars("loss").unwrap().collect::<Vec<_>>(), expected);
    let histogram_mins: Vec<(i64, f64)> = run
        .histograms("weights")
        .unwrap()
        .map(|(step, h)| (step, h.min))
        .collect();
    let expected_mins: Vec<(i64, f64)> = (0..15)
        .map(|step| (step, if step < 6 { step as f64 } else { -step as f64 }))
        .collect();
    assert_eq!(histogram_mins, expected_mins);

    let Some(_) = common::python_or_skip("a_resumed_run_shows_one_series") else {
        return Ok(());
    };
    let view = common::tensorboard_view(logdir.path())?;
    let seen: Vec<(i64, f64)> = common::scalars(&view, "resumed", "loss")
        .into_iter()
        .map(|(step, _, value)| (step, value))
        .collect();
    assert_eq!(seen, expected);
    let histogram_steps: Vec<i64> = view["runs"]["resumed"]["histograms"]["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| point[0].as_i64().unwrap())
        .collect();
    assert_eq!(histogram_steps, (0..15).collect::<Vec<_>>());
    Ok(())
}

#[test]
fn without_purge_step_tensorboard_shows_both_attempts() -> Result<()> {
    // The control: the same two attempts without purge_step overlap in TensorBoard,
    // so the test above sees the purge and not some other deduplication.
    let logdir = tempfile::tempdir()?;
    let run_dir = logdir.path().join("overlapping");
    for (attempt, steps) in [(100.0, 0..10), (200.0, 6..15)] {
        let writer = SummaryWriter::new(&run_dir)?;
        for step in steps {
            writer.add_scalar("loss", attempt + step as f32, step)?;
        }
        writer.close()?;
    }
    let Some(_) = common::python_or_skip("without_purge_step_tensorboard_shows_both") else {
        return Ok(());
    };
    let view = common::tensorboard_view(logdir.path())?;
    assert_eq!(common::scalars(&view, "overlapping", "loss").len(), 19);
    Ok(())
}
