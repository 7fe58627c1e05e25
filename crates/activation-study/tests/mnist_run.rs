//! A short real MNIST run through the `train` command's code, read back by the real
//! TensorBoard (`EventAccumulator` from the venv's `tensorboard` package).

mod common;

use std::collections::BTreeSet;

use activation_study::cli;
use activation_study::results::{RESULTS_FILE, RunResults};
use activation_study::run_end::RunEnd;
use study_spec::diagnosis::LayerDiagnostic;

/// Loads a run directory with TensorBoard's own reader and prints, as JSON, its tags by
/// kind, the hparams of its session start, its config text and its last test accuracy.
const READ_BACK: &str = r#"
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2
ea = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
ea.Reload()
tags = ea.Tags()
hparams = {}
for tag, content in ea.PluginTagToContent("hparams").items():
    data = plugin_data_pb2.HParamsPluginData.FromString(content)
    if data.HasField("session_start_info"):
        for name, value in data.session_start_info.hparams.items():
            hparams[name] = value.WhichOneof("kind")
text = [t.tensor_proto.string_val[0].decode() for t in ea.Tensors("config")] if "config" in tags["tensors"] else []
images = {t: [(i.width, i.height) for i in ea.Images(t)] for t in tags["images"]}
print(json.dumps({
    "scalars": tags["scalars"], "histograms": tags["histograms"], "images": images,
    "tensors": tags["tensors"], "hparams": hparams, "text": text,
    "test_accuracy": [s.value for s in ea.Scalars("test/accuracy")],
    "histogram_steps": [h.step for h in ea.Histograms("conv1/weights/gradients")],
}))
"#;

fn strings(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_200_step_mnist_run_reaches_90_percent_and_tensorboard_reads_every_tag() {
    let _one_at_a_time = common::train_alone();
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    let (outcomes, table, _) = common::run_mnist(
        &logdir,
        &[
            "--steps",
            "200",
            "--activations",
            "relu,sigmoid",
            "--eval-every",
            "100",
            "--hist-every",
            "100",
        ],
    );
    assert_eq!(outcomes.len(), 2);

    for outcome in &outcomes {
        assert_eq!(outcome.status.end, RunEnd::Finished, "{:?}", outcome.status);
        assert_eq!(outcome.status.last_step, 200);
        let metrics = outcome.metrics.as_ref().unwrap();
        let kind = outcome.config.activation_kind().name();
        let run_dir = logdir.join("mnist").join(kind);
        assert_eq!(outcome.config.run_dir, run_dir);
        assert!(
            table.lines().any(
                |l| l.starts_with(kind) && l.contains(&format!("{:.4}", metrics.test_accuracy))
            ),
            "{table}"
        );

        // results.json holds exactly the run's configuration, status and metrics (compared as
        // text: serde_json's default float parsing may differ from the printed value in the
        // last bit).
        let file = std::fs::read(run_dir.join(RESULTS_FILE)).unwrap();
        let saved: RunResults = serde_json::from_slice(&file).unwrap();
        assert_eq!(saved.config, outcome.config);
        let mut expected = serde_json::to_vec_pretty(outcome).unwrap();
        expected.push(b'\n');
        assert_eq!(file, expected);

        let tb = common::tensorboard_json(&["-c", READ_BACK], &run_dir);
        // Only a finished run is a success in TensorBoard's HParams dashboard.
        assert_eq!(
            common::tensorboard_end(&run_dir)["status"],
            "STATUS_SUCCESS"
        );
        let accuracies: Vec<f64> = tb["test_accuracy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(accuracies.len(), 2, "evaluated at steps 100 and 200");
        assert!((accuracies[1] - metrics.test_accuracy).abs() < 1e-6);
        if kind == "relu" {
            assert!(
                metrics.test_accuracy >= 0.90,
                "ReLU after 200 steps: {}",
                metrics.test_accuracy
            );
        }

        let mut scalars: BTreeSet<String> = [
            "cross_entropy",
            "regularization_loss",
            "total_loss",
            "train/accuracy",
            "test/accuracy",
            "learning_rate",
        ]
        .map(String::from)
        .into();
        let mut histograms = BTreeSet::new();
        for layer in ["conv1", "conv2", "fc1"] {
            scalars.insert(format!("{layer}/sparsity"));
            if kind == "sigmoid" {
                scalars.insert(format!("{layer}/saturation"));
            }
            histograms.insert(format!("{layer}/activations"));
        }
        // The diagnosis (on by default): per weight layer its gradient norm and flow, per
        // activated layer its saturation (sigmoid) or dead units (ReLU), and the mean loss.
        scalars.insert(study_spec::diagnosis::LOSS.to_string());
        for layer in ["conv1", "conv2", "fc1", "fc2"] {
            for diagnostic in [LayerDiagnostic::GradientNorm, LayerDiagnostic::GradientFlow] {
                scalars.insert(diagnostic.tag(layer));
            }
        }
        for layer in ["conv1", "conv2", "fc1"] {
            let per_layer = if kind == "sigmoid" {
                LayerDiagnostic::Saturation
            } else {
                LayerDiagnostic::DeadUnits
            };
            scalars.insert(per_layer.tag(layer));
        }
        for layer in ["conv1", "conv2", "fc1", "fc2"] {
            for var in ["weights", "biases"] {
                histograms.insert(format!("{layer}/{var}"));
                histograms.insert(format!("{layer}/{var}/gradients"));
                scalars.insert(format!("{layer}/{var}/gradient_norm"));
            }
        }
        assert_eq!(strings(&tb["scalars"]), scalars, "{kind}");
        assert_eq!(strings(&tb["histograms"]), histograms, "{kind}");
        // Histograms at the first step, every 100 steps and the last.
        assert_eq!(tb["histogram_steps"], serde_json::json!([1, 100, 200]));

        let images = tb["images"].as_object().unwrap();
        assert_eq!(
            images.keys().collect::<Vec<_>>(),
            ["conv1/filters", "input"]
        );
        // 32 filters of 5x5 magnified 4x and 16 inputs of 28x28, laid out as grids.
        assert!(images["conv1/filters"][0][0].as_i64().unwrap() >= 20);
        assert!(images["input"][0][0].as_i64().unwrap() >= 28);

        assert!(strings(&tb["tensors"]).contains("config"));
        let text = tb["text"][0].as_str().unwrap();
        assert!(
            text.contains(&format!("\"kind\": \"{kind}\"")) && text.contains("\"lr\": 0.0001"),
            "{text}"
        );

        let hparams = tb["hparams"].as_object().unwrap();
        let names: BTreeSet<&str> = hparams.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "activation",
                "batch_size",
                "dataset",
                "device",
                "elu_alpha",
                "leaky_slope",
                "lr",
                "seed",
                "steps"
            ]
            .into()
        );
        assert_eq!(hparams["activation"], "string_value");
        assert_eq!(hparams["lr"], "number_value");
    }
}

#[test]
fn a_second_run_of_the_same_activation_gets_its_own_directory() {
    let _one_at_a_time = common::train_alone();
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().to_str().unwrap().to_string();
    let root = common::data_root();
    let flags = [
        "--steps",
        "3",
        "--activations",
        "elu",
        "--eval-every",
        "3",
        "--logdir",
        &logdir,
        "--data-dir",
        root.to_str().unwrap(),
    ];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let first = cli::run(&common::args(&flags), &mut out, &mut err).unwrap();
    let second = cli::run(&common::args(&flags), &mut out, &mut err).unwrap();
    assert_eq!(first[0].config.run_dir, tmp.path().join("mnist/elu"));
    assert_eq!(second[0].config.run_dir, tmp.path().join("mnist/elu-2"));
    assert!(tmp.path().join("mnist/elu/results.json").is_file());
    assert!(tmp.path().join("mnist/elu-2/results.json").is_file());
}

#[test]
fn seeds_repeat_an_activation_with_consecutive_seeds_in_named_runs() {
    let _one_at_a_time = common::train_alone();
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().to_str().unwrap().to_string();
    let root = common::data_root();
    let flags = [
        "--steps",
        "2",
        "--activations",
        "tanh",
        "--seeds",
        "2",
        "--seed",
        "7",
        "--eval-every",
        "2",
        "--logdir",
        &logdir,
        "--data-dir",
        root.to_str().unwrap(),
    ];
    let outcomes = cli::run(&common::args(&flags), &mut Vec::new(), &mut Vec::new()).unwrap();
    let runs: Vec<_> = outcomes
        .iter()
        .map(|o| (o.config.run_dir.clone(), o.config.seed))
        .collect();
    assert_eq!(
        runs,
        [
            (tmp.path().join("mnist/tanh-seed7"), 7),
            (tmp.path().join("mnist/tanh-seed8"), 8)
        ]
    );
    // Different seeds, different initial weights: the first losses differ.
    let losses: Vec<f64> = outcomes
        .iter()
        .map(|o| o.metrics.as_ref().unwrap().final_cross_entropy)
        .collect();
    assert_ne!(losses[0], losses[1]);
    // The same seed again repeats the run: weights, batch order and dropout.
    let again = [
        "--steps",
        "2",
        "--activations",
        "tanh",
        "--seed",
        "7",
        "--eval-every",
        "2",
        "--logdir",
        &logdir,
        "--data-dir",
        root.to_str().unwrap(),
    ];
    let repeat = cli::run(&common::args(&again), &mut Vec::new(), &mut Vec::new()).unwrap();
    let metrics = repeat[0].metrics.as_ref().unwrap();
    assert_eq!(metrics.final_cross_entropy, losses[0]);
    assert_eq!(
        metrics.test_accuracy,
        outcomes[0].metrics.as_ref().unwrap().test_accuracy
    );
}
