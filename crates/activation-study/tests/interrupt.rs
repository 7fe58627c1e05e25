//! Ctrl-C and SIGTERM on the real `train` binary during a long MNIST run: it finishes the
//! step, closes its event file, writes `results.json` with status `interrupted`, says where
//! the logs are, skips the remaining runs and exits 130 or 143.
//!
//! The child needs no help to receive the signals: `train` installs its own handlers with
//! `sigaction`, which replaces a SIG_IGN it may inherit from a background test harness (and
//! `pre_exec` to reset the disposition would need `unsafe`, denied in this workspace).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use activation_study::results::{RESULTS_FILE, RunResults};
use activation_study::run_end::{RunEnd, StopSignal};

/// Waits until the run directory's event file holds the first step's summaries (tens of
/// kilobytes: histograms and images), so that training is under way.
fn wait_for_steps(run_dir: &Path, child: &mut std::process::Child) {
    let started = Instant::now();
    loop {
        let size = std::fs::read_dir(run_dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("events.out"))
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum::<u64>();
        if size > 20_000 {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("train ended before training: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "no steps logged after 3 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn stop_a_long_run(signal: &str, expected: StopSignal) {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    let mut child = Command::new(env!("CARGO_BIN_EXE_train"))
        .args(["--activations", "relu,elu", "--steps", "100000"])
        .args([
            "--eval-every",
            "100000",
            "--hist-every",
            "100000",
            "--log-every",
            "1",
        ])
        .args(["--device", "cpu", "--logdir"])
        .arg(&logdir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let run_dir = logdir.join("mnist/relu");
    wait_for_steps(&run_dir, &mut child);
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stopped promptly"
    );
    assert_eq!(
        out.status.code(),
        Some(i32::from(expected.exit_code())),
        "{}\n{stderr}",
        out.status
    );

    let results: RunResults =
        serde_json::from_slice(&std::fs::read(run_dir.join(RESULTS_FILE)).unwrap()).unwrap();
    let RunEnd::Interrupted { signal } = results.status.end else {
        panic!("{:?}", results.status);
    };
    assert_eq!(signal, expected);
    let last_step = results.status.last_step;
    assert!(last_step >= 1, "{last_step}");
    assert!(results.metrics.is_none());
    let dir = run_dir.display().to_string();
    assert!(
        stderr.contains(&format!(
            "{dir}: stopped by {} after step {last_step}; its logs are there",
            expected.name()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(": skipped 1 of 2 runs; logs in"),
        "{stderr}"
    );
    assert!(!logdir.join("mnist/elu").exists(), "elu never started");
    assert!(stdout.contains("| interrupted"), "{stdout}");

    // The event file is closed and whole: the logger's reader sees no torn record, and every
    // step up to the last one is in it.
    let events = tensorboard_logger::reader::read_run_dir(&run_dir).unwrap();
    let steps: Vec<i64> = events
        .iter()
        .filter(|e| {
            matches!(&e.what, Some(tensorboard_logger::proto::tensorboard::event::What::Summary(s))
                if s.value.iter().any(|v| v.tag == "cross_entropy"))
        })
        .map(|e| e.step)
        .collect();
    assert_eq!(steps, (1..=last_step).collect::<Vec<_>>());
    // TensorBoard's HParams dashboard shows the run as neither a success nor a failure.
    assert_eq!(
        common::tensorboard_end(&run_dir)["status"],
        "STATUS_UNKNOWN"
    );
}

#[test]
fn ctrl_c_stops_after_the_step_with_status_interrupted_and_exit_130() {
    let _one_at_a_time = common::train_alone();
    stop_a_long_run("-INT", StopSignal::Interrupt);
}

#[test]
fn sigterm_stops_after_the_step_with_status_interrupted_and_exit_143() {
    let _one_at_a_time = common::train_alone();
    stop_a_long_run("-TERM", StopSignal::Terminate);
}

/// With an evaluation of the 10,000 test images after every step, the first Ctrl-C waits for
/// the step to end; a second one a tenth of a second later ends the process at once, without
/// results.
///
/// The first signal can land just before a step ends, and then the run stops cleanly before
/// the second arrives: that attempt shows nothing and is repeated. A second Ctrl-C that did
/// not exit at once would stop cleanly on every attempt.
#[test]
fn a_second_ctrl_c_exits_at_once() {
    let _one_at_a_time = common::train_alone();
    for attempt in 1..=5 {
        let tmp = tempfile::tempdir().unwrap();
        let logdir = tmp.path().join("logs");
        let mut child = Command::new(env!("CARGO_BIN_EXE_train"))
            .args([
                "--activations",
                "relu",
                "--steps",
                "1000",
                "--eval-every",
                "1",
            ])
            .args(["--device", "cpu", "--logdir"])
            .arg(&logdir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let run_dir = logdir.join("mnist/relu");
        wait_for_steps(&run_dir, &mut child);
        let pid = child.id().to_string();
        let ctrl_c = || {
            assert!(
                Command::new("kill")
                    .args(["-INT", &pid])
                    .status()
                    .unwrap()
                    .success()
            );
        };
        ctrl_c();
        std::thread::sleep(Duration::from_millis(100));
        ctrl_c();
        let second = Instant::now();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(130), "{stderr}");
        if stderr.contains("stopped by") {
            eprintln!("attempt {attempt}: the step ended before the second Ctrl-C; again");
            continue;
        }
        assert!(second.elapsed() < Duration::from_secs(5), "exited at once");
        assert!(!run_dir.join(RESULTS_FILE).exists());
        return;
    }
    panic!("5 runs stopped cleanly after a second Ctrl-C instead of exiting at once");
}
