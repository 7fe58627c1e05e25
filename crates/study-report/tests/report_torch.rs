//! `report` on event files written by `torch.utils.tensorboard` (the real one, from the setup venv): the numbers it was given come back in the table, grouped by the hparams torch wrote into a subdirectory.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::json;
use study_report::ReportOptions;
use study_report::load::load_runs;
use study_report::series::{histogram_points, scalar_points};

/// Writes the runs described on stdin (JSON) with torch's SummaryWriter: scalars in all
/// three of its encodings (simple value, float tensor, double tensor), histograms, and
/// hparams through `add_hparams`, which puts them in a subdirectory of the run.
const TORCH_WRITER: &str = r#"
import json, sys
import numpy as np
from torch.utils.tensorboard import SummaryWriter

spec = json.load(sys.stdin)
for run in spec["runs"]:
    w = SummaryWriter(log_dir=run["dir"])
    style = run["style"]
    for tag, points in run["scalars"].items():
        for step, value in points:
            w.add_scalar(tag, value, step, new_style=style != "simple", double_precision=style == "double")
    for step, values in run["histogram"]:
        w.add_histogram("conv1/weights/gradients", np.array(values, dtype=np.float64), step)
    w.add_hparams(run["hparams"], {"hparam/final": run["scalars"]["test/accuracy"][-1][1]})
    w.close()
"#;

fn python() -> Result<String> {
    std::env::var("ACTIVATION_STUDY_PYTHON").context(
        "ACTIVATION_STUDY_PYTHON is not set; run ./scripts/setup.sh (it writes .cargo/config.toml)",
    )
}

const ACTIVATIONS: [&str; 2] = ["relu", "elu"];
const SEEDS: [u32; 3] = [1, 2, 3];
const STEPS: [i64; 3] = [0, 50, 100];

/// The accuracy a run logs at a step: distinct per activation, seed and step.
fn accuracy(activation: usize, seed: u32, step: i64) -> f64 {
    0.6 + 0.002 * step as f64 + 0.0173 * f64::from(seed) * (activation as f64 + 1.0)
}

/// The gradient values a run logs at a step: a spread that shrinks over training.
fn gradients(seed: u32, step: i64) -> Vec<f64> {
    let scale = 1e-3 / (1.0 + step as f64 / 50.0) * f64::from(seed);
    (0..200)
        .map(|i| scale * (f64::from(i) - 99.5) / 99.5)
        .collect()
}

/// How a run's scalars are encoded by torch, in turn.
fn style(index: usize) -> &'static str {
    ["simple", "float", "double"][index % 3]
}

/// Mean and sample standard deviation, written out here rather than taken from the crate.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// What torch stores for a value: f32 unless written in double precision.
fn as_stored(value: f64, style: &str) -> f64 {
    if style == "double" {
        value
    } else {
        f64::from(value as f32)
    }
}

fn write_torch_logs(log_dir: &Path) -> Result<()> {
    let mut runs = Vec::new();
    for (a, activation) in ACTIVATIONS.iter().enumerate() {
        for &seed in &SEEDS {
            let index = runs.len();
            let scalars = json!({
                "test/accuracy": STEPS.iter().map(|&s| json!([s, accuracy(a, seed, s)])).collect::<Vec<_>>(),
                "cross_entropy": (0..=100).map(|s| json!([s, 2.3 / (1.0 + f64::from(s) / 20.0)])).collect::<Vec<_>>(),
                "total_loss": (0..=100).map(|s| json!([s, 2.5 / (1.0 + f64::from(s) / 20.0)])).collect::<Vec<_>>(),
                "conv1/sparsity": (0..=100).map(|s| json!([s, 0.1 * a as f64 + f64::from(s) / 400.0])).collect::<Vec<_>>(),
                "fc1/sparsity": (0..=100).map(|s| json!([s, 0.2 * a as f64 + f64::from(s) / 300.0])).collect::<Vec<_>>(),
            });
            runs.push(json!({
                // Names that say nothing: only the hparams can group these runs.
                "dir": log_dir.join(format!("torch-run-{index}")),
                "style": style(index),
                "scalars": scalars,
                "histogram": STEPS.iter().map(|&s| json!([s, gradients(seed, s)])).collect::<Vec<_>>(),
                "hparams": {"activation": activation, "seed": seed, "dataset": "mnist"},
            }));
        }
    }
    let mut child = Command::new(python()?)
        .args(["-c", TORCH_WRITER])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .context("python's stdin")?
        .write_all(json!({ "runs": runs }).to_string().as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "torch writer failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

#[test]
fn torch_written_runs_give_back_their_numbers() -> Result<()> {
    let (root, logs) = common::temp_logs()?;
    write_torch_logs(&logs)?;

    let mut options = ReportOptions::new(&logs, root.path().join("out"));
    (options.width, options.height) = (900, 600);
    let report = study_report::run(&options, &mut |_| {}, &mut |w| {
        panic!("unexpected warning: {w}")
    })?;

    // Grouped by the hparams (the run names say nothing), in the post's order.
    let groups: Vec<_> = report
        .rows
        .iter()
        .map(|r| (r.dataset.as_str(), r.activation.as_str()))
        .collect();
    assert_eq!(groups, [("mnist", "relu"), ("mnist", "elu")]);
    for (a, row) in report.rows.iter().enumerate() {
        let finals: Vec<f64> = (0..SEEDS.len())
            .map(|k| {
                let index = a * SEEDS.len() + k;
                as_stored(accuracy(a, SEEDS[k], *STEPS.last().unwrap()), style(index))
            })
            .collect();
        let (mean, std) = mean_std(&finals);
        let got = row.accuracy.context("an accuracy")?;
        assert!(
            (got.mean - mean).abs() < 1e-12,
            "{}: {} vs {mean}",
            row.activation,
            got.mean
        );
        assert!((got.std.context("a spread")? - std).abs() < 1e-12);
        assert_eq!((got.n, row.runs, row.steps), (3, 3, Some((100, 100))));
        let line = format!(
            "| mnist    | {:<10} | {mean:.4} ± {std:.4} |    3 |   100 |",
            row.activation
        );
        assert!(report.table.contains(&line), "{line}\n{}", report.table);
    }
    // Each seed is read from torch's hparams too.
    let seeds: Vec<Option<String>> = report.runs.iter().map(|r| r.seed.clone()).collect();
    let expected: Vec<Option<String>> = ACTIVATIONS
        .iter()
        .flat_map(|_| SEEDS.map(|s| Some(s.to_string())))
        .collect();
    assert_eq!(seeds, expected);

    // Histograms come back with their counts and extremes; every scalar encoding reads.
    let runs = load_runs(&logs, &mut |_| {}, &mut |w| panic!("{w}"))?;
    assert_eq!(
        runs.len(),
        ACTIVATIONS.len() * SEEDS.len(),
        "the hparams subdirectories fold into their runs"
    );
    for (index, run) in runs.iter().enumerate() {
        let seed = SEEDS[index % SEEDS.len()];
        let histograms = histogram_points(run, "conv1/weights/gradients").context("histograms")?;
        assert_eq!(
            histograms.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            STEPS
        );
        for (step, histogram) in &histograms {
            let values = gradients(seed, *step);
            assert_eq!(histogram.total(), values.len() as f64);
            assert_eq!(histogram.buckets.first().unwrap().left, values[0]);
            assert_eq!(
                histogram.buckets.last().unwrap().right,
                values[values.len() - 1]
            );
        }
        let sparsity = scalar_points(run, "fc1/sparsity").context("sparsity")?;
        assert_eq!(sparsity.len(), 101);
        let a = index / SEEDS.len();
        assert_eq!(
            sparsity[100].1,
            as_stored(0.2 * a as f64 + 100.0 / 300.0, style(index))
        );
    }

    // Six figures for the one data set, each a PNG of the size asked for; the gradient
    // flow is drawn from the `conv1/weights/gradients` histograms.
    let names: Vec<String> = report
        .pngs
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "mnist-test-accuracy.png",
            "mnist-cross-entropy.png",
            "mnist-total-loss.png",
            "mnist-conv1-weights-gradients.png",
            "mnist-sparsity.png",
            "mnist-gradient-flow.png"
        ]
    );
    for png in &report.pngs {
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png)?));
        let mut reader = decoder.read_info()?;
        let mut pixels = vec![0; reader.output_buffer_size().context("buffer size")?];
        let frame = reader.next_frame(&mut pixels)?;
        assert_eq!((frame.width, frame.height), (900, 600), "{}", png.display());
        // Not blank: a plot has many colours.
        let distinct: std::collections::HashSet<&[u8]> = pixels.chunks(3).collect();
        assert!(distinct.len() > 20, "{} looks blank", png.display());
    }
    let page = std::fs::read_to_string(&report.page)?;
    for name in &names {
        assert!(
            page.contains(&format!("]({name})")),
            "report.md links {name}"
        );
    }
    Ok(())
}
