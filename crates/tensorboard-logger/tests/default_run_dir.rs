//! Torch's default run directory: a writer made with `builder_in_runs` writes into
//! `runs/<Mon><DD>_<HH>-<MM>-<SS>_<host><comment>` below the working directory, named as
//! Python names it, and TensorBoard, pointed at `runs`, shows that run.

mod common;

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use tensorboard_logger::SummaryWriter;

#[test]
fn a_writer_without_a_directory_starts_a_run_as_torch_names_it() -> Result<()> {
    let dir = tempfile::tempdir()?;
    // This binary holds this one test, so no other test sees the working directory move.
    std::env::set_current_dir(dir.path())?;
    let started = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let writer = SummaryWriter::builder_in_runs("_relu").build()?;
    let finished = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    writer.add_scalar("loss", 0.25, 3)?;
    let log_dir = writer.log_dir().to_owned();
    writer.close()?;
    let name = log_dir
        .strip_prefix("runs")?
        .to_str()
        .context("a UTF-8 name")?
        .to_owned();
    assert!(dir.path().join(&log_dir).is_dir());

    let Some(python) =
        common::python_or_skip("a_writer_without_a_directory_starts_a_run_as_torch_names_it")
    else {
        return Ok(());
    };
    // Torch's rule, in UTC: strftime("%b%d_%H-%M-%S") + "_" + socket.gethostname() + comment.
    let script = "import datetime, socket, sys\n\
                  for t in sys.argv[1:]:\n\
                  \x20   at = datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc)\n\
                  \x20   print(at.strftime('%b%d_%H-%M-%S') + '_' + socket.gethostname() + '_relu')\n";
    let output = Command::new(&python)
        .args(["-c", script])
        .args([started.to_string(), finished.to_string()])
        .output()
        .context("running Python")?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr));
    }
    let expected = String::from_utf8(output.stdout)?;
    assert!(
        expected.lines().any(|line| line == name),
        "{name} is none of {expected}"
    );
    let view = common::tensorboard_view(&dir.path().join("runs"))?;
    assert_eq!(common::scalars(&view, &name, "loss")[0].2, 0.25);
    Ok(())
}
