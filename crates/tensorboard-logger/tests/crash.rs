//! A training process killed with SIGKILL keeps everything it flushed: the test runs a
//! writer in a child process (this test binary itself, running the ignored test
//! `crash_child`), kills it while it is still writing, and reads the file back with our
//! reader and with the real TensorBoard.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tensorboard_logger::proto::tensorboard::event::What;
use tensorboard_logger::{SummaryWriter, reader};

const LOGDIR_VAR: &str = "TENSORBOARD_LOGGER_CRASH_LOGDIR";
const FLUSHED: i64 = 5_000;
const FLUSHED_LINE: &str = "crash-child: flushed";
/// The child gives up (and the test fails) if it was not killed after this many more
/// scalars, which bounds its file to a few megabytes.
const UNFLUSHED_LIMIT: i64 = 200_000;

#[test]
#[ignore = "child process of everything_flushed_survives_sigkill; needs its environment"]
fn crash_child() -> Result<()> {
    let logdir = std::env::var(LOGDIR_VAR).context("run by everything_flushed_survives_sigkill")?;
    let writer = SummaryWriter::builder(logdir)
        .flush_interval(Duration::from_secs(3600))
        .build()?;
    for step in 0..FLUSHED {
        writer.add_scalar("loss", step as f32, step)?;
    }
    writer.flush()?;
    println!("{FLUSHED_LINE}");
    std::io::stdout().flush()?;
    // Keep writing without flushing until killed, so the kill lands mid-stream.
    for step in FLUSHED..FLUSHED + UNFLUSHED_LIMIT {
        writer.add_scalar("loss", step as f32, step)?;
        if step % 100 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    bail!("crash_child was not killed")
}

#[test]
fn everything_flushed_survives_sigkill() -> Result<()> {
    let logdir = tempfile::tempdir()?;
    let run = logdir.path().join("killed");
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "crash_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(LOGDIR_VAR, &run)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let stdout = child.stdout.take().context("child stdout")?;
    // libtest prints "test crash_child ... " before the test's own output, on one line.
    let flushed = BufReader::new(stdout)
        .lines()
        .any(|line| line.is_ok_and(|l| l.contains(FLUSHED_LINE)));
    if !flushed {
        let status = child.wait()?;
        bail!("the child ended ({status}) before it flushed");
    }
    // Let it write (unflushed) for a moment, then SIGKILL it.
    std::thread::sleep(Duration::from_millis(200));
    child.kill()?;
    let status = child.wait()?;
    assert!(
        !status.success(),
        "the child was killed, not finished: {status}"
    );

    let files = reader::event_files(&run)?;
    assert_eq!(files.len(), 1);
    let mut events = reader::EventFileReader::open(&files[0])?;
    let steps: Vec<i64> = events
        .by_ref()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|e| matches!(e.what, Some(What::Summary(_))))
        .map(|e| e.step)
        .collect();
    assert!(
        steps.len() as i64 >= FLUSHED,
        "only {} of the {FLUSHED} flushed scalars survived",
        steps.len()
    );
    assert!(steps.iter().enumerate().all(|(i, &s)| s == i as i64));
    eprintln!(
        "read {} scalars after SIGKILL; truncated tail at {:?}",
        steps.len(),
        events.truncated_tail()
    );

    let view = common::tensorboard_view(logdir.path())?;
    let points = common::scalars(&view, "killed", "loss");
    assert_eq!(
        points.len(),
        steps.len(),
        "TensorBoard and our reader disagree"
    );
    Ok(())
}
