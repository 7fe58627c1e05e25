//! The post's CIFAR-10 finding in miniature, on the 20 real CIFAR-10 test images of the
//! sample: with ReLU the tutorial net drives the training cross entropy far down, with
//! sigmoid it learns nothing beyond the label frequencies (ln 10 for balanced labels).

mod common;

use std::path::Path;

use activation_study::cli;
use activation_study::data::cifar;
use activation_study::run_end::RunEnd;
use activation_study::summaries::CROSS_ENTROPY;
use tensorboard_logger::reader;

/// Steps of each run.
const STEPS: usize = 300;
/// The training cross entropy is averaged over this many final steps: single batches of
/// randomly distorted images at the tutorial's learning rate scatter widely.
const LAST: usize = 50;

/// Mean of the last `LAST` logged `cross_entropy` values of a run, read from its event file.
fn late_cross_entropy(run_dir: &Path) -> f64 {
    let mut warnings = Vec::new();
    let run = reader::read_run(run_dir, &mut warnings).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let values: Vec<f64> = run
        .scalars(CROSS_ENTROPY)
        .expect("a cross_entropy scalar")
        .map(|(_, value)| value)
        .collect();
    assert_eq!(values.len(), STEPS, "one value per step");
    values[STEPS - LAST..].iter().sum::<f64>() / LAST as f64
}

#[test]
fn on_20_real_images_relu_fits_and_sigmoid_stays_at_the_label_entropy() {
    let tmp = tempfile::tempdir().unwrap();
    common::sample_only_data_root(&tmp.path().join("data"));
    let steps = STEPS.to_string();
    let args = common::args(&[
        "--dataset",
        "cifar10",
        "--activations",
        "sigmoid,relu",
        "--steps",
        &steps,
        "--batch-size",
        "20",
        "--eval-every",
        &steps,
        "--hist-every",
        &steps,
        "--log-every",
        "1",
        "--device",
        "cpu",
        "--data-dir",
        tmp.path().join("data").to_str().unwrap(),
        "--logdir",
        tmp.path().join("logs").to_str().unwrap(),
    ]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcomes = cli::run(&args, &mut out, &mut err).unwrap();
    let warning = String::from_utf8(err).unwrap();
    assert!(warning.contains("smoke-test sample"), "{warning}");

    // The lowest cross entropy a network that ignores its input can reach is the entropy of
    // the labels: ln 10 for balanced classes, less for the sample's 20 (two classes appear
    // four times, six twice, two never).
    let (labels, _, _) = cifar::load(&tmp.path().join("data")).unwrap();
    let mut counts = [0f64; 10];
    for &l in &labels.labels {
        counts[l as usize] += 1.0;
    }
    let n = labels.len() as f64;
    let label_entropy: f64 = counts
        .iter()
        .filter(|&&c| c > 0.0)
        .map(|c| -(c / n) * (c / n).ln())
        .sum();
    assert!((label_entropy - 2.025).abs() < 1e-3, "{label_entropy}");

    let late = |kind: &str| {
        let o = outcomes
            .iter()
            .find(|o| o.config.activation_kind().name() == kind)
            .unwrap();
        assert!(o.metrics.is_some(), "{kind}: {:?}", o.status);
        (late_cross_entropy(&o.config.run_dir), &o.status.end)
    };
    let ((sigmoid, sigmoid_end), (relu, relu_end)) = (late("sigmoid"), late("relu"));
    // What the table and results.json say of each: sigmoid learned nothing.
    assert!(
        matches!(sigmoid_end, RunEnd::NoBetterThanChance { .. }),
        "{sigmoid_end:?}"
    );
    assert_eq!(relu_end, &RunEnd::Finished);
    // ReLU fits the images: far below ln 10 (2.30) and below a quarter of the label entropy.
    assert!(relu < label_entropy / 4.0, "ReLU cross entropy {relu}");
    // Sigmoid learns at most the label frequencies: no better than ignoring the images.
    assert!(
        sigmoid > label_entropy - 0.05,
        "sigmoid cross entropy {sigmoid}"
    );
    assert!(
        sigmoid < 10f64.ln() + 0.05,
        "sigmoid cross entropy {sigmoid}"
    );
}
