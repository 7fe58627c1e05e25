//! How a run ended, as the real TensorBoard's HParams plugin sees it: `close` is a
//! success, `close_with_status` records the status given, and a writer dropped without
//! `close` is never a success.

mod common;

use anyhow::Result;
use serde_json::{Value, json};
use tensorboard_logger::{HParamValue, SessionStatus, SummaryWriter, reader};

fn run_with_hparams(logdir: &std::path::Path, name: &str) -> Result<SummaryWriter> {
    let writer = SummaryWriter::new(logdir.join(name))?;
    writer.add_hparams(&[("run", HParamValue::from(name))], &["loss"])?;
    writer.add_scalar("loss", 0.5, 1)?;
    Ok(writer)
}

/// The status TensorBoard shows for each session, by run name (`MessageToDict` leaves
/// out the default, `STATUS_UNKNOWN`).
fn statuses(view: &Value) -> Vec<(String, Value)> {
    let mut statuses: Vec<(String, Value)> = view["hparams"]["session_groups"]["sessionGroups"]
        .as_array()
        .expect("session groups")
        .iter()
        .map(|group| {
            let session = &group["sessions"][0];
            let status = session
                .get("status")
                .cloned()
                .unwrap_or(json!("STATUS_UNKNOWN"));
            (group["name"].as_str().unwrap().to_owned(), status)
        })
        .collect();
    statuses.sort_by(|a, b| a.0.cmp(&b.0));
    statuses
}

#[test]
fn tensorboard_sees_how_each_run_ended() -> Result<()> {
    let logdir = tempfile::tempdir()?;
    run_with_hparams(logdir.path(), "closed")?.close()?;
    run_with_hparams(logdir.path(), "diverged")?.close_with_status(SessionStatus::Failure)?;
    run_with_hparams(logdir.path(), "interrupted")?.close_with_status(SessionStatus::Unknown)?;
    drop(run_with_hparams(logdir.path(), "dropped")?);
    let panicked = std::thread::spawn({
        let dir = logdir.path().to_owned();
        move || {
            let _writer = run_with_hparams(&dir, "panicked").expect("a writer");
            panic!("training failed (on purpose, for this test)");
        }
    })
    .join();
    assert!(panicked.is_err());

    // Our reader first: it needs no Python.
    let log_dir = reader::read_log_dir(logdir.path(), &mut |_| {})?;
    let ours: Vec<(&str, Option<SessionStatus>)> = log_dir
        .runs
        .iter()
        .map(|run| (run.name.as_str(), run.session_status()))
        .collect();
    assert_eq!(
        ours,
        [
            ("closed", Some(SessionStatus::Success)),
            ("diverged", Some(SessionStatus::Failure)),
            ("dropped", Some(SessionStatus::Unknown)),
            ("interrupted", Some(SessionStatus::Unknown)),
            ("panicked", Some(SessionStatus::Failure)),
        ]
    );

    if common::python_or_skip("the TensorBoard half of tensorboard_sees_how_each_run_ended")
        .is_none()
    {
        return Ok(());
    }
    let view = common::tensorboard_view(logdir.path())?;
    let expected: Vec<(String, Value)> = [
        ("closed", "STATUS_SUCCESS"),
        ("diverged", "STATUS_FAILURE"),
        ("dropped", "STATUS_UNKNOWN"),
        ("interrupted", "STATUS_UNKNOWN"),
        ("panicked", "STATUS_FAILURE"),
    ]
    .into_iter()
    .map(|(run, status)| (run.to_owned(), json!(status)))
    .collect();
    assert_eq!(statuses(&view), expected);
    Ok(())
}
