//! `report` on damaged or incomplete logs: a missing or empty log directory, a run with no accuracy yet, a truncated file and a file with a flipped byte each give a clear message, and the rest is still reported.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;
use study_report::{ReportOptions, Warning};
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::proto::tensorboard::event::What;
use tensorboard_logger::reader::{EventFileReader, ReadWarning};
use tensorboard_logger::record::RecordReader;

/// The accuracies a run logs: a different curve per run, so no two runs agree.
fn accuracies(run: usize) -> Vec<(i64, f32)> {
    (0..5)
        .map(|i| (i * 10, 0.5 + 0.08 * i as f32 + 0.01 * run as f32))
        .collect()
}

/// Writes `mnist/<activation>` runs with our writer; returns each run's event file.
fn write_runs(log_dir: &Path, activations: &[&str]) -> Result<Vec<PathBuf>> {
    activations
        .iter()
        .enumerate()
        .map(|(i, activation)| {
            let losses = accuracies(i).iter().map(|&(s, v)| (s, 2.0 - v)).collect();
            common::write_run(
                &log_dir.join("mnist").join(activation),
                &[("activation", activation), ("dataset", "mnist")],
                &[("test/accuracy", accuracies(i)), ("cross_entropy", losses)],
            )
        })
        .collect()
}

/// Byte range of the record holding the last `test/accuracy` point: each record holds
/// one event, so the reader's events and the framing's offsets go in step.
fn last_accuracy_record(bytes: &[u8]) -> Result<(u64, u64)> {
    let mut records = RecordReader::new(bytes);
    let mut events = EventFileReader::new(bytes, "in memory");
    let mut found = None;
    loop {
        let start = records.offset();
        if records.read_record()?.is_none() {
            break;
        }
        let event = events
            .next()
            .ok_or_else(|| anyhow::anyhow!("a record without an event"))??;
        let is_accuracy = match event.what {
            Some(What::Summary(summary)) => summary.value.iter().any(|v| v.tag == "test/accuracy"),
            _ => false,
        };
        if is_accuracy {
            found = Some((start, records.offset()));
        }
    }
    found.ok_or_else(|| anyhow::anyhow!("no test/accuracy record"))
}

fn report_bin(args: &[&Path]) -> Result<(bool, String, String)> {
    let output = Command::new(env!("CARGO_BIN_EXE_report"))
        .args(args)
        .output()?;
    Ok((
        output.status.success(),
        String::from_utf8(output.stdout)?,
        String::from_utf8(output.stderr)?,
    ))
}

#[test]
fn a_missing_log_directory_is_an_error_that_says_to_run_train() -> Result<()> {
    let root = tempfile::tempdir()?;
    let missing = root.path().join("logs");
    let (ok, stdout, stderr) =
        report_bin(&[&missing, Path::new("--out"), &root.path().join("out")])?;
    assert!(!ok);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr.trim(),
        format!(
            "error: log directory {} does not exist; run `train` first (it writes to `logs`), \
             or pass the directory that holds the runs",
            missing.display()
        )
    );
    Ok(())
}

#[test]
fn an_empty_log_directory_is_an_error_that_names_it() -> Result<()> {
    let root = tempfile::tempdir()?;
    std::fs::create_dir_all(root.path().join("logs/mnist/relu"))?;
    std::fs::write(
        root.path().join("logs/mnist/relu/notes.txt"),
        "not an event file",
    )?;
    let logs = root.path().join("logs");
    let (ok, _, stderr) = report_bin(&[&logs, Path::new("--out"), &root.path().join("out")])?;
    assert!(!ok);
    assert_eq!(
        stderr.trim(),
        format!(
            "error: no TensorBoard event files (names containing `tfevents`) under {}; \
             run `train` first, or pass the log directory it wrote",
            logs.display()
        )
    );
    Ok(())
}

#[test]
fn a_bad_flag_value_names_the_fix() -> Result<()> {
    let output = Command::new(env!("CARGO_BIN_EXE_report"))
        .args(["--smoothing", "1.5"])
        .output()?;
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr)?;
    assert!(
        stderr.contains("1.5 is outside [0, 1); use 0 for raw curves"),
        "{stderr}"
    );
    Ok(())
}

#[test]
fn a_run_with_no_accuracy_yet_is_named_and_shown_as_such() -> Result<()> {
    let (root, logs) = common::temp_logs()?;
    write_runs(&logs, &["relu"])?;
    let writer = SummaryWriter::new(logs.join("mnist/tanh"))?;
    writer.add_scalar("cross_entropy", 2.3, 0)?;
    writer.close()?;

    let (ok, stdout, stderr) = report_bin(&[&logs, Path::new("--out"), &root.path().join("out")])?;
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("warning: run mnist/tanh has no `test/accuracy` scalar yet; it is left out of the accuracy table"),
        "{stderr}"
    );
    let tanh = stdout
        .lines()
        .find(|l| l.contains("| tanh"))
        .expect("a tanh row");
    assert!(tanh.contains("no accuracy yet"), "{stdout}");
    let relu = stdout
        .lines()
        .find(|l| l.contains("| relu"))
        .expect("a relu row");
    let last = accuracies(0).last().unwrap().1;
    assert!(relu.contains(&format!("{last:.4}")), "{stdout}");
    Ok(())
}

#[test]
fn a_truncated_file_and_a_flipped_byte_are_warnings_and_the_rest_is_reported() -> Result<()> {
    let (root, logs) = common::temp_logs()?;
    let files = write_runs(&logs, &["relu", "tanh", "elu"])?;

    // relu: cut inside the record of its last accuracy point, as a killed writer leaves it.
    let bytes = std::fs::read(&files[0])?;
    let (start, _) = last_accuracy_record(&bytes)?;
    std::fs::write(&files[0], &bytes[..start as usize + 20])?;
    // tanh: one flipped bit in the payload of that record (its 4-byte CRC is last).
    let mut bytes = std::fs::read(&files[1])?;
    let (_, end) = last_accuracy_record(&bytes)?;
    bytes[end as usize - 6] ^= 0x10;
    std::fs::write(&files[1], &bytes)?;

    let options = ReportOptions::new(&logs, root.path().join("out"));
    let mut heard = Vec::new();
    let report = study_report::run(&options, &mut |_| {}, &mut |w| heard.push(w.clone()))?;
    assert_eq!(heard, report.warnings);

    let truncated: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| {
            matches!(w, Warning::Read(ReadWarning::TruncatedTail { path, .. }) if *path == files[0])
        })
        .collect();
    assert_eq!(truncated.len(), 1, "{:?}", report.warnings);
    let corrupt: Vec<String> = report
        .warnings
        .iter()
        .filter(|w| {
            matches!(w, Warning::Read(ReadWarning::CorruptRecord { path, .. }) if *path == files[1])
        })
        .map(ToString::to_string)
        .collect();
    assert_eq!(corrupt.len(), 1, "{:?}", report.warnings);
    assert!(
        corrupt[0].starts_with(&format!(
            "event file {}: corrupt record payload at byte",
            files[1].display()
        )),
        "{}",
        corrupt[0]
    );
    assert!(
        corrupt[0].ends_with("the rest of this file was skipped"),
        "{}",
        corrupt[0]
    );

    // Every run is still in the table: elu whole, relu and tanh up to their damage.
    let last = |run: &str| {
        report
            .runs
            .iter()
            .find(|r| r.activation == run)
            .and_then(|r| r.last)
    };
    let whole = accuracies(2);
    assert_eq!(last("elu"), whole.last().map(|&(s, v)| (s, f64::from(v))));
    for (run, index) in [("relu", 0), ("tanh", 1)] {
        let written = accuracies(index);
        let (step, value) =
            last(run).unwrap_or_else(|| panic!("{run} lost all its accuracy points"));
        let at = written
            .iter()
            .position(|&(s, _)| s == step)
            .expect("a written step");
        assert_eq!(value, f64::from(written[at].1));
        assert!(
            at + 1 < written.len(),
            "{run}: the damaged last record was read"
        );
    }

    // The page lists what was skipped.
    let page = std::fs::read_to_string(&report.page)?;
    assert!(page.contains("## Skipped"), "{page}");
    assert!(page.contains(&files[1].display().to_string()), "{page}");
    Ok(())
}
