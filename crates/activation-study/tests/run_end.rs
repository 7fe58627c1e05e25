//! How real MNIST runs end when they go wrong: divergence, a net that learns nothing, a run
//! that cannot start in the middle of a grid, a full disk under `results.json`; each end is
//! in `results.json`, the table and (read back by the real TensorBoard) the event file.

mod common;

use std::path::Path;
use std::process::Command;

use activation_study::results::{RESULTS_FILE, RunResults};
use activation_study::run_end::RunEnd;

fn saved(run_dir: &Path) -> RunResults {
    let file = std::fs::read(run_dir.join(RESULTS_FILE)).expect("results.json written");
    serde_json::from_slice(&file).expect("results.json parses")
}

/// `--lr 1e6` makes Adam move every weight by about a million in the first step, so the
/// loss of the second is about 1e32. Histograms and images are due every 5 steps but
/// scalars only every 100. The old check, for NaN and infinity at scalar steps only, ran all
/// 30 steps and called the run a success (final cross entropy 8.3e30, exit 0, TensorBoard
/// status success); where the loss turned NaN, the image summary failed first.
#[test]
fn a_diverging_run_stops_at_its_first_bad_step_and_is_no_success_anywhere() {
    let _one_at_a_time = common::train_alone();
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    let (outcomes, table, err) = common::run_mnist(
        &logdir,
        &[
            "--activations",
            "relu",
            "--lr",
            "1e6",
            "--steps",
            "30",
            "--eval-every",
            "30",
            "--hist-every",
            "5",
            "--log-every",
            "100",
        ],
    );
    let run_dir = logdir.join("mnist/relu");

    let outcome = &outcomes[0];
    let RunEnd::Diverged { step, ref what, .. } = outcome.status.end else {
        panic!("not diverged: {:?}\n{err}", outcome.status);
    };
    assert_eq!((step, what.as_str()), (2, "the total loss"));
    assert_eq!(outcome.status.last_step, 2, "stopped at once on the CPU");
    assert!(outcome.metrics.is_none());
    let reason = &outcome.status.reason;
    assert!(
        reason.contains("diverged at step 2") && reason.contains("(relu, lr 1e6)"),
        "{reason}"
    );
    assert!(!err.contains("image value"), "{err}");
    assert!(err.contains(reason.as_str()), "{err}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("relu") && l.contains("| diverged")),
        "{table}"
    );
    assert_eq!(&saved(&run_dir), outcome);

    let tb = common::tensorboard_end(&run_dir);
    assert_eq!(tb["steps"], serde_json::json!([1]), "{tb}");
    assert_eq!(tb["status"], "STATUS_FAILURE", "{tb}");
}

/// At a learning rate of 1e-30 no weight moves, so the net stays at its initial guess; the
/// old code called that a success.
#[test]
fn a_run_that_learns_nothing_ends_as_no_better_than_chance() {
    let _one_at_a_time = common::train_alone();
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    let (outcomes, table, _) = common::run_mnist(
        &logdir,
        &[
            "--activations",
            "sigmoid",
            "--lr",
            "1e-30",
            "--steps",
            "5",
            "--eval-every",
            "5",
            "--hist-every",
            "5",
        ],
    );
    let outcome = &outcomes[0];
    let RunEnd::NoBetterThanChance {
        test_accuracy,
        chance,
        threshold,
    } = outcome.status.end
    else {
        panic!("{:?}", outcome.status);
    };
    // MNIST's test split: 1135 of its 10,000 labels are ones.
    assert_eq!(chance, 0.1135);
    assert!(
        test_accuracy <= threshold && threshold < 0.124,
        "{threshold}"
    );
    let metrics = outcome.metrics.as_ref().expect("all steps ran");
    assert_eq!(metrics.test_accuracy, test_accuracy);
    assert!(
        outcome.status.reason.contains("learned nothing"),
        "{}",
        outcome.status.reason
    );
    assert!(table.contains("| at chance"), "{table}");
    let run_dir = logdir.join("mnist/sigmoid");
    assert_eq!(saved(&run_dir).status, outcome.status);
    assert_eq!(
        common::tensorboard_end(&run_dir)["status"],
        "STATUS_FAILURE"
    );
}

/// Mounts a tmpfs of `options` at `dir`; `None`, with the reason printed, where this process
/// may not mount (mounting needs root, or CAP_SYS_ADMIN in a container).
fn tmpfs(dir: &Path, options: &str) -> Option<Mounted> {
    std::fs::create_dir_all(dir).unwrap();
    let out = Command::new("mount")
        .args(["-t", "tmpfs", "-o", options, "tmpfs"])
        .arg(dir)
        .output();
    match out {
        Ok(out) if out.status.success() => Some(Mounted(dir.to_owned())),
        Ok(out) => {
            eprintln!(
                "skipped: this test needs a small tmpfs and `mount` refused: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
        Err(e) => {
            eprintln!("skipped: this test needs a small tmpfs and `mount` did not run: {e}");
            None
        }
    }
}

/// Unmounts on drop, also when the test fails.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A tmpfs with room for six inodes (its root, logs/, mnist/, the first run's directory, its
/// event file and its results.json): the second run's directory cannot be created. The old
/// code returned that error from `cli::run` and never tried the third.
#[test]
fn a_run_that_cannot_start_fails_alone_and_the_grid_goes_on() {
    let _one_at_a_time = common::train_alone();
    let tmp = tempfile::tempdir().unwrap();
    let mount = tmp.path().join("small");
    let Some(_mounted) = tmpfs(&mount, "size=16m,nr_inodes=6") else {
        return;
    };
    let logdir = mount.join("logs");
    let (outcomes, table, err) = common::run_mnist(
        &logdir,
        &[
            "--activations",
            "relu,elu,tanh",
            "--steps",
            "2",
            "--eval-every",
            "2",
        ],
    );
    let ends: Vec<&str> = outcomes.iter().map(|o| o.status.end.label()).collect();
    assert_eq!(outcomes.len(), 3, "{err}");
    assert_ne!(ends[0], "failed", "{:?}", outcomes[0].status);
    assert_eq!(ends[1..], ["failed", "failed"], "{err}");
    // The study's order: tanh, relu, elu.
    let relu = logdir.join("mnist/relu").display().to_string();
    assert!(
        outcomes[1].status.reason.contains(&relu)
            && outcomes[1]
                .status
                .reason
                .contains("No space left on device"),
        "{:?}",
        outcomes[1].status
    );
    assert!(err.contains(&format!("error: run {relu}")), "{err}");
    assert_eq!(table.lines().count(), 5, "{table}");
}

/// A tmpfs nearly filled: `results.json` cannot be written. The old code's `fs::write` left
/// a 0-byte file; now nothing is left, and the error names the file.
#[test]
fn a_full_disk_leaves_no_partial_results_file_and_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mount = tmp.path().join("full");
    let Some(_mounted) = tmpfs(&mount, "size=64k") else {
        return;
    };
    let run_dir = mount.join("relu");
    std::fs::create_dir(&run_dir).unwrap();
    // Fill the file system to its last byte.
    let mut filler = std::fs::File::create(mount.join("filler")).unwrap();
    let block = [0u8; 4096];
    while std::io::Write::write_all(&mut filler, &block).is_ok() {}
    drop(filler);

    let results = RunResults {
        config: common::run_config(run_dir.clone()),
        status: activation_study::run_end::RunStatus::new(RunEnd::Finished, 3, "relu", 1e-4),
        metrics: None,
        findings: Vec::new(),
    };
    let err = activation_study::results::write_results(&results).unwrap_err();
    let msg = activation_study::error::Causes(&err).to_string();
    let path = run_dir.join(RESULTS_FILE).display().to_string();
    assert!(
        msg.starts_with(&format!("cannot write {path}")) && msg.contains("No space left"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_dir(&run_dir).unwrap().count(),
        0,
        "nothing left"
    );
}

/// A tmpfs with room for five inodes (its root, logs/, mnist/, the run's directory and its
/// event file): `results.json` cannot be created. The run is then a failure in the table and
/// in TensorBoard alike; the old code had closed the event file as a success first.
#[test]
fn a_run_whose_results_cannot_be_written_is_a_failure_in_tensorboard_too() {
    let _one_at_a_time = common::train_alone();
    let tmp = tempfile::tempdir().unwrap();
    let mount = tmp.path().join("small");
    let Some(_mounted) = tmpfs(&mount, "size=16m,nr_inodes=5") else {
        return;
    };
    let logdir = mount.join("logs");
    let (outcomes, _, _) = common::run_mnist(
        &logdir,
        &["--activations", "relu", "--steps", "2", "--eval-every", "2"],
    );
    let status = &outcomes[0].status;
    let run_dir = logdir.join("mnist/relu");
    assert!(
        status.reason.contains(&format!(
            "cannot write {}",
            run_dir.join(RESULTS_FILE).display()
        )),
        "{status:?}"
    );
    assert!(!run_dir.join(RESULTS_FILE).exists());
    assert_eq!(
        common::tensorboard_end(&run_dir)["status"],
        "STATUS_FAILURE"
    );
}
