//! A real sweep through a real Slurm: scripts/slurm-local.sh starts a one-node cluster, and
//! scripts/slurm-sweep.sh --wait runs the MNIST grid of 5 activations × 2 seeds as a 10-task
//! job array; the real TensorBoard and `report` then read the 10 runs.
//!
//! Needs root (to install and run Slurm and MUNGE); where Slurm cannot be set up, the test
//! says why and passes without running, as there is no Slurm to test against.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use activation_study::activation::ActivationKind;
use activation_study::results::{RESULTS_FILE, RunResults};
use activation_study::sweep::INDEX_VARIABLES;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn slurm_local(action: &str) -> Output {
    Command::new(repo().join("scripts/slurm-local.sh"))
        .arg(action)
        .output()
        .expect("run scripts/slurm-local.sh")
}

/// The one-node cluster; stopped when dropped, also when an assertion failed, unless it was
/// running before the test.
struct Cluster {
    started_here: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.started_here {
            let out = slurm_local("stop");
            eprintln!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
}

/// Starts the cluster, or `None` (and why on stderr) where Slurm cannot run here.
fn start_cluster() -> Option<Cluster> {
    let out = slurm_local("start");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => Some(Cluster {
            started_here: !stdout.contains("already running"),
        }),
        Some(3) => {
            eprintln!("SKIPPED: no Slurm to test against: {stderr}");
            None
        }
        _ => panic!(
            "scripts/slurm-local.sh start failed ({}):\n{stdout}{stderr}",
            out.status
        ),
    }
}

/// `scripts/slurm-sweep.sh --wait`, run in `dir`, on this build's `train`, with no job array
/// variable inherited from whatever runs the tests; `train`'s flags follow.
fn slurm_sweep(dir: &Path) -> Command {
    let mut sweep = Command::new(repo().join("scripts/slurm-sweep.sh"));
    sweep
        .current_dir(dir)
        .args([
            "--wait",
            "--cpus-per-task",
            "1",
            "--output-dir",
            "out",
            "--train",
        ])
        .arg(env!("CARGO_BIN_EXE_train"))
        .arg("--");
    for variable in INDEX_VARIABLES {
        sweep.env_remove(variable);
    }
    sweep
}

/// The `report` binary of this build's profile, built first if this test run did not build
/// it (it may live in another package of the workspace).
fn report_binary() -> PathBuf {
    let profile_dir = Path::new(env!("CARGO_BIN_EXE_train")).parent().unwrap();
    let report = profile_dir.join("report");
    if !report.is_file() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build.current_dir(repo()).args(["build", "--bin", "report"]);
        if profile_dir.file_name() == Some("release".as_ref()) {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build --bin report");
        assert!(status.success(), "cargo build --bin report failed");
    }
    report
}

#[test]
fn a_ten_task_array_on_a_one_node_slurm_makes_ten_runs_that_tensorboard_and_report_read() {
    let Some(_cluster) = start_cluster() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");

    // Tasks that fail (no data where they look) fail the sweep, each one named.
    let out = slurm_sweep(tmp.path())
        .args(["--activations", "relu,elu", "--data-dir"])
        .arg(tmp.path().join("no-data"))
        .arg("--logdir")
        .arg(tmp.path().join("failing"))
        .output()
        .expect("run scripts/slurm-sweep.sh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let job = String::from_utf8_lossy(&out.stdout).trim().to_string();
    for (index, activation) in [(0, "relu"), (1, "elu")] {
        assert!(
            stderr.contains(&format!(
                "task {index} (mnist {activation} seed 0): FAILED (exit 1:0), no results.json in "
            )),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains(&format!("job {job}: 2 of 2 tasks failed")),
        "{stderr}"
    );

    let data = common::data_root();
    let out = slurm_sweep(tmp.path())
        .args([
            "--seeds",
            "2",
            "--steps",
            "60",
            "--eval-every",
            "30",
            "--hist-every",
            "30",
            "--device",
            "cpu",
            "--logdir",
        ])
        .arg(&logdir)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .expect("run scripts/slurm-sweep.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let job = stdout.trim();
    assert!(
        job.parse::<u64>().is_ok(),
        "the job id on stdout: {stdout:?}"
    );
    // After 60 steps sigmoid may still be at chance accuracy, which train records as a failed
    // run and exits 1 for; the sweep must then say which tasks failed and exit 1 too. So the
    // test asks each task's state to agree with how its results.json says the run ended.
    let mut unfinished = 0;
    for (index, activation, seed) in (0..10).map(|i| (i, ActivationKind::ALL[i / 2].name(), i % 2))
    {
        let run_dir = logdir.join(format!("mnist/{activation}-seed{seed}"));
        let results: RunResults =
            serde_json::from_slice(&std::fs::read(run_dir.join(RESULTS_FILE)).unwrap()).unwrap();
        let end = serde_json::to_value(&results.status.end).unwrap()["end"]
            .as_str()
            .unwrap()
            .to_owned();
        let state = if results.status.end.is_success() {
            "COMPLETED (exit 0:0)"
        } else {
            unfinished += 1;
            "FAILED (exit 1:0)"
        };
        let line = format!(
            "task {index} (mnist {activation} seed {seed}): {state}, ended {end} in {}",
            run_dir.display()
        );
        assert!(stderr.contains(&line), "{line}\n{stderr}");
        if activation != "sigmoid" {
            assert!(results.status.end.is_success(), "{line}");
        }
    }
    let summary = match unfinished {
        0 => format!("job {job}: all 10 tasks completed"),
        n => format!("job {job}: {n} of 10 tasks failed"),
    };
    assert!(stderr.contains(&summary), "{summary}\n{stderr}");
    assert_eq!(out.status.success(), unfinished == 0, "{stderr}");

    // Every task ran its own run and left its output file, progress lines included.
    let mut by_activation: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for index in 0..10 {
        let output = std::fs::read_to_string(tmp.path().join(format!("out/{job}_{index}.out")))
            .unwrap_or_else(|e| panic!("output file of task {index}: {e}"));
        // The job script passes $SLURM_ARRAY_TASK_ID as --task-index.
        assert!(
            output.contains(&format!("task {index} of 10 (from --task-index)")),
            "{output}"
        );
        assert!(output.contains(": step 60/60, cross entropy "), "{output}");
    }
    for entry in std::fs::read_dir(logdir.join("mnist")).unwrap() {
        let dir = entry.unwrap().path();
        let results: RunResults =
            serde_json::from_slice(&std::fs::read(dir.join(RESULTS_FILE)).unwrap()).unwrap();
        assert_eq!(results.config.run_dir, dir);
        assert_eq!((results.config.steps, results.config.threads), (60, 1));
        by_activation
            .entry(results.config.activation_kind().to_string())
            .or_default()
            .push(results.config.seed);
    }
    for seeds in by_activation.values_mut() {
        seeds.sort();
    }
    let expected: BTreeMap<String, Vec<u64>> = ActivationKind::ALL
        .iter()
        .map(|a| (a.name().to_string(), vec![0, 1]))
        .collect();
    assert_eq!(by_activation, expected);

    // The real TensorBoard sees the 10 runs, each with its whole test accuracy series.
    let seen = common::tensorboard_view(&logdir);
    let runs = seen["runs"].as_object().unwrap();
    assert_eq!(runs.len(), 10, "{:?}", runs.keys().collect::<Vec<_>>());
    for (name, run) in runs {
        let steps: Vec<i64> = run["scalars"]["test/accuracy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[0].as_i64().unwrap())
            .collect();
        assert_eq!(steps, [30, 60], "{name}");
    }

    // The report groups them: 5 activations of 2 runs each.
    let report = Command::new(report_binary())
        .arg(&logdir)
        .arg("--out")
        .arg(tmp.path().join("report"))
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&report.stdout);
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>())
        .filter(|cells| cells.len() > 4 && cells[1] == "mnist")
        .collect();
    let groups: Vec<(&str, &str)> = rows.iter().map(|c| (c[2], c[4])).collect();
    assert_eq!(
        groups,
        [
            ("sigmoid", "2"),
            ("tanh", "2"),
            ("relu", "2"),
            ("leaky_relu", "2"),
            ("elu", "2")
        ],
        "activation and runs of each row:\n{table}"
    );
}
