//! Finding runs in a log directory: symbolic links to files and directories are followed,
//! loops end with one warning per directory reached again, and no run is counted twice.
#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::Path;

use anyhow::Result;
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::reader::{self, ReadWarning};

fn write_run(dir: &Path, value: f32) -> Result<()> {
    let writer = SummaryWriter::new(dir)?;
    writer.add_scalar("loss", value, 1)?;
    writer.close()?;
    Ok(())
}

fn loop_warnings(warnings: &[ReadWarning]) -> Vec<(&Path, &Path)> {
    warnings
        .iter()
        .map(|w| match w {
            ReadWarning::SymlinkLoop { path, target } => (path.as_path(), target.as_path()),
            other => panic!("unexpected warning: {other}"),
        })
        .collect()
}

#[test]
fn symlink_loops_end_with_one_run_and_one_warning_per_directory_reached_again() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let run = tmp.path().join("run");
    write_run(&run, 0.5)?;
    symlink(".", run.join("a"))?;
    symlink(".", run.join("b"))?;
    symlink("..", run.join("loop"))?;

    // `a` and `b` both lead back to `run`: one warning, for `a`. `loop` leads to the
    // parent, which holds `run`: a second directory, a second warning.
    for root in [run.as_path(), tmp.path()] {
        let log_dir = reader::read_log_dir(root, &mut |_| {})?;
        assert_eq!(log_dir.runs.len(), 1, "from {}", root.display());
        let expected_name = if root == run { "" } else { "run" };
        assert_eq!(log_dir.runs[0].name, expected_name);
        assert_eq!(
            log_dir.runs[0].scalars("loss").unwrap().collect::<Vec<_>>(),
            [(1, 0.5)]
        );
        assert_eq!(
            loop_warnings(&log_dir.warnings),
            [(&*run.join("a"), &*run), (&*run.join("loop"), tmp.path()),],
            "from {}",
            root.display()
        );
    }
    let discovery = reader::find_runs(&run)?;
    assert_eq!(
        discovery.warnings[0].to_string(),
        format!(
            "skipped {}: it leads to {}, which is read already (a symbolic link loop or a \
             second link to one directory)",
            run.join("a").display(),
            run.display()
        )
    );
    Ok(())
}

#[test]
fn event_files_reached_through_links_are_read_once_per_directory() -> Result<()> {
    let outside = tempfile::tempdir()?;
    write_run(&outside.path().join("kept"), 0.25)?;
    let logs = tempfile::tempdir()?;
    // A linked directory is a run, named by the link.
    symlink(outside.path().join("kept"), logs.path().join("linked_dir"))?;
    // A linked file makes its directory a run.
    let file_run = logs.path().join("file_run");
    std::fs::create_dir(&file_run)?;
    let event_file = reader::event_files(outside.path().join("kept"))?.remove(0);
    symlink(&event_file, file_run.join("events.out.tfevents.linked"))?;
    // A second link to the directory already read is not a second run.
    symlink(outside.path().join("kept"), logs.path().join("z_again"))?;

    let log_dir = reader::read_log_dir(logs.path(), &mut |_| {})?;
    let runs: Vec<(&str, Vec<(i64, f64)>)> = log_dir
        .runs
        .iter()
        .map(|r| (r.name.as_str(), r.scalars("loss").unwrap().collect()))
        .collect();
    assert_eq!(
        runs,
        [
            ("file_run", vec![(1, 0.25)]),
            ("linked_dir", vec![(1, 0.25)])
        ]
    );
    assert_eq!(
        loop_warnings(&log_dir.warnings),
        [(
            &*logs.path().join("z_again"),
            &*logs.path().join("linked_dir")
        )]
    );
    Ok(())
}

#[test]
fn progress_counts_every_file_of_every_run() -> Result<()> {
    let logs = tempfile::tempdir()?;
    for (run, value) in [("b", 2.0), ("a", 1.0), ("a/deeper", 3.0)] {
        write_run(&logs.path().join(run), value)?;
    }
    write_run(&logs.path().join("a"), 4.0)?;
    let mut seen = Vec::new();
    let log_dir = reader::read_log_dir(logs.path(), &mut |p| {
        seen.push((p.run.to_owned(), p.index, p.count))
    })?;
    let expected: Vec<(String, usize, usize)> = [("a", 0), ("a", 1), ("a/deeper", 2), ("b", 3)]
        .into_iter()
        .map(|(run, i)| (run.to_owned(), i, 4))
        .collect();
    assert_eq!(seen, expected);
    // Both files of `a` are read (their order depends on the writers' file names).
    let mut a: Vec<(i64, f64)> = log_dir.run("a").unwrap().scalars("loss").unwrap().collect();
    a.sort_by(|x, y| x.1.total_cmp(&y.1));
    assert_eq!(a, [(1, 1.0), (1, 4.0)]);
    Ok(())
}

#[test]
fn a_missing_or_non_directory_root_is_an_error_saying_so() -> Result<()> {
    let error = reader::find_runs("/nonexistent/logs").unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot read log directory /nonexistent/logs: No such file or directory (os error 2); \
         give an existing, readable directory"
    );
    let file = tempfile::NamedTempFile::new()?;
    let error = reader::read_log_dir(file.path(), &mut |_| {}).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "log directory {} is not a directory; give the directory that holds the runs",
            file.path().display()
        )
    );
    Ok(())
}
