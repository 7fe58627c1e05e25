//! The diagnosis on real runs: the CIFAR-10 net with sigmoid on the 20 real images of the
//! sample has vanishing gradients and with ReLU nothing; a short MNIST ReLU run has no finding
//! and one at a learning rate that kills units has dead units. Each run's findings are the
//! same in its `results.json` and, read by the real TensorBoard, in its event file; `train`
//! prints each once.

mod common;

use std::path::Path;
use std::process::Command;

use activation_study::results::{RESULTS_FILE, RunResults};
use serde_json::Value;
use study_spec::diagnosis::{self, FINDINGS, Finding, FindingKind, LOSS, LayerDiagnostic};

/// Checks that `results.json` holds exactly what the run returned, its findings included
/// (compared as text: serde_json's default float parsing may differ from the printed value in
/// the last bit).
fn saved_as_returned(outcome: &RunResults) {
    let file = std::fs::read(outcome.config.run_dir.join(RESULTS_FILE)).unwrap();
    let mut expected = serde_json::to_vec_pretty(outcome).unwrap();
    expected.push(b'\n');
    assert_eq!(
        String::from_utf8(file).unwrap(),
        String::from_utf8(expected).unwrap()
    );
}

/// Checks what the run in `run_dir` left: the real TensorBoard (`view`, its read of the log
/// directory) finds the findings of its `results.json` as the `diagnostics/findings` text, the
/// diagnostics scalars at every diagnostics point, and the Custom Scalars layout that puts each
/// diagnostic's layers on one chart. Returns the run's `results.json`.
fn findings_everywhere(view: &Value, logdir: &Path, run_dir: &Path) -> RunResults {
    let saved: RunResults =
        serde_json::from_slice(&std::fs::read(run_dir.join(RESULTS_FILE)).unwrap()).unwrap();
    let run = run_dir
        .strip_prefix(logdir)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let seen = &view["runs"][&run];
    let last = saved.status.last_step;
    assert_eq!(
        seen["text"][FINDINGS],
        serde_json::json!([[last, diagnosis::findings_markdown(&saved.findings)]]),
        "{run}"
    );
    let hist_every = saved.config.hist_every;
    let points: Vec<i64> = std::iter::once(1)
        .chain((hist_every..=last).step_by(hist_every as usize))
        .collect();
    for tag in [LayerDiagnostic::GradientFlow.tag("conv1"), LOSS.to_string()] {
        let steps: Vec<i64> = seen["scalars"][&tag]
            .as_array()
            .unwrap_or_else(|| panic!("{run}: no {tag}"))
            .iter()
            .map(|p| p[0].as_i64().unwrap())
            .collect();
        assert_eq!(steps, points, "{run}: {tag}");
    }
    let charts = &seen["layout"]["category"][0]["chart"];
    assert_eq!(seen["layout"]["category"][0]["title"], "diagnostics");
    assert_eq!(
        charts[0]["title"],
        LayerDiagnostic::GradientNorm.chart_title()
    );
    assert_eq!(
        charts[0]["multiline"]["tag"][0],
        "^diagnostics/gradient_norm/conv1$"
    );
    saved
}

/// The kinds of `findings`, in order.
fn kinds(findings: &[Finding]) -> Vec<FindingKind> {
    findings.iter().map(|f| f.kind).collect()
}

#[test]
fn on_the_cifar_sample_sigmoid_has_vanishing_gradients_and_relu_no_finding() {
    let tmp = tempfile::tempdir().unwrap();
    common::sample_only_data_root(&tmp.path().join("data"));
    let logdir = tmp.path().join("logs");
    // The binary, so that what it prints can be read: stderr is a pipe, so progress comes as
    // plain lines and findings as lines of their own. It exits with 1: sigmoid learns nothing.
    let out = Command::new(env!("CARGO_BIN_EXE_train"))
        .args([
            "--dataset",
            "cifar10",
            "--activations",
            "sigmoid,relu",
            "--steps",
            "100",
            "--batch-size",
            "20",
            "--eval-every",
            "100",
            "--hist-every",
            "10",
            "--log-every",
            "1",
            "--device",
            "cpu",
        ])
        .arg("--data-dir")
        .arg(tmp.path().join("data"))
        .arg("--logdir")
        .arg(&logdir)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let view = common::tensorboard_view(&logdir);

    // Sigmoid: from the first step, conv1's and conv2's weight gradients stay below a tenth of
    // the largest later layer's (measured: at most 1/177 and 1/73 over steps 1-40).
    let sigmoid = findings_everywhere(&view, &logdir, &logdir.join("cifar10/sigmoid"));
    assert!(sigmoid.config.diagnostics);
    let found = &sigmoid.findings;
    let vanishing = &found[0];
    assert_eq!(vanishing.kind, FindingKind::VanishingGradients, "{found:?}");
    assert_eq!(vanishing.layers, ["conv1", "conv2"]);
    assert_eq!((vanishing.first_step, vanishing.last_step), (1, 100));
    assert!(vanishing.values.iter().all(|v| *v < 0.05), "{vanishing:?}");
    // Printed once, when established at the fifth point, on a line of its own.
    let printed: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("vanishing gradients"))
        .collect();
    assert_eq!(
        printed,
        [format!("cifar10/sigmoid: step 40: {}", vanishing.message)],
        "{stderr}"
    );
    // Its units are not saturated: sigmoid here sits in its linear middle (measured: at most
    // 0.0014% of conv1's outputs within 5% of an asymptote, none of the other layers'), so the
    // small slope of sigmoid, a quarter at most, shrinks the gradient layer by layer.
    assert!(
        !kinds(found).contains(&FindingKind::Saturation),
        "{found:?}"
    );
    let saturation =
        &view["runs"]["cifar10/sigmoid"]["scalars"][&LayerDiagnostic::Saturation.tag("conv2")];
    assert!(
        saturation
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p[2].as_f64().unwrap() < 0.01),
        "{saturation}"
    );

    // ReLU: the gradients reach conv1 (at least a third of the largest later layer's after
    // step 1, measured), and nothing else holds either; nothing is printed but progress.
    let relu = findings_everywhere(&view, &logdir, &logdir.join("cifar10/relu"));
    assert_eq!(relu.findings, []);
    let progress_line = |line: &str| {
        line.strip_prefix("cifar10/relu: step ")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(step, _)| step.parse::<u32>().is_ok())
    };
    assert!(
        stderr
            .lines()
            .filter(|l| l.starts_with("cifar10/relu: "))
            .all(progress_line),
        "{stderr}"
    );
}

#[test]
fn on_mnist_relu_has_no_finding_and_a_large_learning_rate_kills_units() {
    let _one_at_a_time = common::train_alone();
    let tmp = tempfile::tempdir().unwrap();
    let short = |logdir: &Path, more: &[&str]| {
        let mut flags = vec![
            "--activations",
            "relu",
            "--hist-every",
            "10",
            "--log-every",
            "1",
        ];
        flags.extend_from_slice(more);
        let (outcomes, _, _) = common::run_mnist(logdir, &flags);
        saved_as_returned(&outcomes[0]);
        let view = common::tensorboard_view(logdir);
        findings_everywhere(&view, logdir, &outcomes[0].config.run_dir).findings
    };

    // The tutorial's learning rate: 100 steps, 11 diagnostics points, nothing holds.
    let healthy = tmp.path().join("healthy");
    assert_eq!(
        short(&healthy, &["--steps", "100", "--eval-every", "100"]),
        []
    );

    // 30 times the tutorial's: by step 10, 56 of conv2's 64 channels output nothing positive
    // for any image of the batch, and 61 from step 20 on (measured), though the rest still
    // learn.
    let fast = tmp.path().join("fast");
    let found = short(
        &fast,
        &["--steps", "60", "--eval-every", "60", "--lr", "3e-3"],
    );
    let dead = found
        .iter()
        .find(|f| f.kind == FindingKind::DeadUnits)
        .unwrap_or_else(|| panic!("no dead units in {found:?}"));
    assert_eq!(dead.layers, ["conv2"]);
    assert_eq!((dead.first_step, dead.last_step), (10, 60));
    assert!(dead.values[0] >= 0.8, "{dead:?}");
    assert!(dead.message.starts_with("dead units in conv2: at least"));
}

#[test]
fn no_diagnostics_leaves_no_diagnostics_and_says_so_in_the_config() {
    let _one_at_a_time = common::train_alone();
    let tmp = tempfile::tempdir().unwrap();
    let (outcomes, _, _) = common::run_mnist(
        tmp.path(),
        &[
            "--activations",
            "elu",
            "--steps",
            "2",
            "--eval-every",
            "2",
            "--no-diagnostics",
        ],
    );
    let outcome = &outcomes[0];
    assert!(!outcome.config.diagnostics && outcome.findings.is_empty());
    let saved = std::fs::read_to_string(outcome.config.run_dir.join(RESULTS_FILE)).unwrap();
    assert!(saved.contains("\"diagnostics\": false"), "{saved}");
    let view = common::tensorboard_view(tmp.path());
    let run = &view["runs"]["mnist/elu"];
    let scalars = run["scalars"].as_object().unwrap();
    assert!(scalars.contains_key("conv1/sparsity"), "the summaries ran");
    assert!(
        !scalars.keys().any(|tag| tag.starts_with("diagnostics/")),
        "{:?}",
        scalars.keys()
    );
    assert!(run["text"].get(FINDINGS).is_none() && run["layout"].is_null());
}
