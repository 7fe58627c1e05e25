//! The `train` binary as a sweep task: `--plan`, task indices from the flag, Slurm and
//! Kubernetes, finished tasks skipped, and a killed attempt moved aside and rerun, read back
//! by the real TensorBoard.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use activation_study::sweep::INDEX_VARIABLES;

/// The `train` binary, with no job array variable inherited from whatever runs the tests.
fn train(flags: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_train"));
    command.args(flags);
    for variable in INDEX_VARIABLES {
        command.env_remove(variable);
    }
    command
}

/// Runs `command`; returns whether it succeeded, its stdout and its stderr.
fn run(command: &mut Command) -> (bool, String, String) {
    let output = command.output().expect("start train");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    (output.status.success(), stdout, stderr)
}

/// Runs `command`, which must succeed; returns its stdout and stderr.
fn run_ok(command: &mut Command) -> (String, String) {
    let (ok, stdout, stderr) = run(command);
    assert!(ok, "{stderr}");
    (stdout, stderr)
}

/// Runs `command`, which must fail; returns its stderr.
fn run_failing(command: &mut Command) -> String {
    let (ok, _, stderr) = run(command);
    assert!(!ok, "{stderr}");
    stderr
}

/// Asserts that `stderr` holds `expected`, showing all of it where it does not.
fn assert_says(stderr: &str, expected: &str) {
    assert!(stderr.contains(expected), "{expected:?} not in:\n{stderr}");
}

/// Flags of a short CPU run on the real MNIST into `logdir`.
fn short_run(logdir: &Path, steps: &str) -> Vec<String> {
    [
        "--steps",
        steps,
        "--eval-every",
        steps,
        "--hist-every",
        "10",
        "--device",
        "cpu",
        "--threads",
        "1",
        "--logdir",
        logdir.to_str().unwrap(),
        "--data-dir",
        common::data_root().to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn plan_lists_the_default_grid_in_study_order() {
    let (stdout, stderr) = run_ok(&mut train(&["--plan"]));
    assert_eq!(
        stdout,
        "0 mnist sigmoid 0 logs/mnist/sigmoid-seed0\n\
         1 mnist tanh 0 logs/mnist/tanh-seed0\n\
         2 mnist relu 0 logs/mnist/relu-seed0\n\
         3 mnist leaky_relu 0 logs/mnist/leaky_relu-seed0\n\
         4 mnist elu 0 logs/mnist/elu-seed0\n"
    );
    assert_eq!(stderr, "");
}

#[test]
fn plan_varies_the_seed_fastest() {
    let (stdout, _) = run_ok(&mut train(&[
        "--activations",
        "relu,elu",
        "--seeds",
        "3",
        "--dataset",
        "cifar10",
        "--plan",
    ]));
    assert_eq!(
        stdout,
        "0 cifar10 relu 0 logs/cifar10/relu-seed0\n\
         1 cifar10 relu 1 logs/cifar10/relu-seed1\n\
         2 cifar10 relu 2 logs/cifar10/relu-seed2\n\
         3 cifar10 elu 0 logs/cifar10/elu-seed0\n\
         4 cifar10 elu 1 logs/cifar10/elu-seed1\n\
         5 cifar10 elu 2 logs/cifar10/elu-seed2\n"
    );
}

#[test]
fn an_index_past_the_grid_names_its_size_and_where_it_came_from() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    let logdir_flag = ["--logdir", logdir.to_str().unwrap()];
    let cases: [(Command, &str); 3] = [
        (
            {
                let mut c = train(&logdir_flag);
                c.args(["--task-index", "5"]);
                c
            },
            "task index 5 (from --task-index) is out of range: this grid has 5 tasks, 0 to 4; \
             `train --plan` with the same flags lists them, and the job array must be --array=0-4",
        ),
        (
            {
                let mut c = train(&logdir_flag);
                c.args(["--seeds", "2"]).env("SLURM_ARRAY_TASK_ID", "10");
                c
            },
            "task index 10 (from $SLURM_ARRAY_TASK_ID) is out of range: this grid has 10 tasks, 0 to 9",
        ),
        (
            {
                let mut c = train(&logdir_flag);
                c.args(["--activations", "relu"])
                    .env("JOB_COMPLETION_INDEX", "1");
                c
            },
            "task index 1 (from $JOB_COMPLETION_INDEX) is out of range: this grid has 1 tasks, 0 to 0",
        ),
    ];
    for (mut command, expected) in cases {
        let stderr = run_failing(&mut command);
        assert_says(&stderr, expected);
    }
    let stderr = run_failing(train(&logdir_flag).env("SLURM_ARRAY_TASK_ID", "x"));
    assert_says(&stderr, "$SLURM_ARRAY_TASK_ID is \"x\", not a task index");
    assert!(!logdir.exists(), "nothing written");
}

#[test]
fn a_kubernetes_task_runs_once_then_is_skipped_under_slurm() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    let mut flags = short_run(&logdir, "20");
    flags.extend(["--activations", "relu,elu"].map(String::from));
    let run_dir = logdir.join("mnist/elu-seed0");

    let (stdout, stderr) = run_ok(train(&strs(&flags)).env("JOB_COMPLETION_INDEX", "1"));
    assert_says(
        &stderr,
        &format!(
            "task 1 of 2 (from $JOB_COMPLETION_INDEX): elu with seed 0 in {}",
            run_dir.display()
        ),
    );
    assert!(run_dir.join("results.json").is_file());
    let runs: Vec<_> = std::fs::read_dir(logdir.join("mnist"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(runs, ["elu-seed0"], "only the task's run");
    let table_rows: Vec<&str> = stdout.lines().skip(2).collect();
    assert_eq!(table_rows.len(), 1, "{stdout}");
    assert!(table_rows[0].starts_with("elu-seed0 "), "{stdout}");
    // stderr is a pipe here, so progress comes as plain lines, the last one at the run's end.
    assert_says(&stderr, "mnist/elu-seed0: step 20/20, cross entropy ");
    let results_before = std::fs::read(run_dir.join("results.json")).unwrap();

    let (stdout, stderr) = run_ok(train(&strs(&flags)).env("SLURM_ARRAY_TASK_ID", "1"));
    assert_says(
        &stderr,
        &format!(
            "task 1: {} has ended (finished, as its results.json says); skipping it",
            run_dir.display()
        ),
    );
    assert_eq!(stdout, "", "no table: nothing ran");
    assert_eq!(
        std::fs::read(run_dir.join("results.json")).unwrap(),
        results_before
    );
    assert_eq!(
        std::fs::read_dir(&run_dir).unwrap().count(),
        2,
        "results and one event file"
    );
}

/// Waits until `dir` holds an event file of at least `bytes`, so the run is well under way.
fn wait_for_events(dir: &Path, bytes: u64, child: &mut std::process::Child) {
    let started = Instant::now();
    loop {
        let size: u64 = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("tfevents"))
            .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
            .sum();
        if size >= bytes {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("train ended ({status}) before writing {bytes} bytes of events");
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "no {bytes} bytes of events in {} after 180 s",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_killed_attempt_is_moved_aside_and_tensorboard_sees_one_clean_run() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    let run_dir = logdir.join("mnist/relu-seed0");

    // A long attempt, killed without warning once it has logged a few hundred steps' worth.
    let mut long = short_run(&logdir, "100000");
    long.extend(
        [
            "--activations",
            "relu",
            "--task-index",
            "0",
            "--log-every",
            "1",
        ]
        .map(String::from),
    );
    let mut child = train(&strs(&long))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_events(&run_dir, 20_000, &mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    let died: Vec<PathBuf> = std::fs::read_dir(&run_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        died.len(),
        1,
        "one event file and no results.json: {died:?}"
    );

    let mut rerun = short_run(&logdir, "30");
    rerun.extend(["--activations", "relu", "--task-index", "0"].map(String::from));
    let (_, stderr) = run_ok(&mut train(&strs(&rerun)));
    let aside = tmp.path().join("logs.attempts/mnist/relu-seed0.1");
    assert_says(
        &stderr,
        &format!(
            "task 0: an earlier attempt in {} died (no results file); moved it to {}, starting again",
            run_dir.display(),
            aside.display()
        ),
    );
    let kept = aside.join(died[0].file_name().unwrap());
    assert!(kept.is_file(), "the died attempt's events are kept");
    assert!(run_dir.join("results.json").is_file());

    // The real TensorBoard, loading the log directory as `tensorboard --logdir` does.
    let seen = common::tensorboard_view(&logdir);
    let runs: Vec<&String> = seen["runs"].as_object().unwrap().keys().collect();
    assert_eq!(runs, ["mnist/relu-seed0"]);
    let steps: Vec<i64> = seen["runs"]["mnist/relu-seed0"]["scalars"]["cross_entropy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| point[0].as_i64().unwrap())
        .collect();
    assert_eq!(steps, [1, 10, 20, 30], "one series, from the rerun only");
}
