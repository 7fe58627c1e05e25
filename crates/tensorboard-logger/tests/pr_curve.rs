//! PR curves, read back by the real TensorBoard's PR Curves plugin and compared value for
//! value with the tensor torch's `add_pr_curve` computes from the same inputs.

mod common;

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::reader::{self, Value as Read};
use tensorboard_logger::summary::pr_curve::{self, RawPrCurve};

/// Labels and predictions with every edge: 0, 1, values on and next to bucket edges of
/// 127 and 10 thresholds, and a spread from a fixed-seed generator.
fn inputs() -> (Vec<bool>, Vec<f32>) {
    let mut predictions = vec![0.0_f32, 1.0, 0.5, 1.0 / 126.0, 63.0 / 126.0, 1.0 / 9.0];
    predictions.push(f32::from_bits((1.0_f32 / 9.0).to_bits() - 1));
    predictions.push(f32::from_bits(1.0_f32.to_bits() - 1));
    let mut state = 0x9e37_79b9_u32;
    for _ in 0..2000 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        predictions.push((state >> 8) as f32 / (1 << 24) as f32);
    }
    // Labels that correlate with the predictions, so the curve is not flat.
    let labels = predictions
        .iter()
        .enumerate()
        .map(|(i, p)| (p * 7.0 + (i % 5) as f32 * 0.4) > 4.0)
        .collect();
    (labels, predictions)
}

/// What `common/read_pr_curves.py` reports for the run in `run_dir` given `inputs`.
fn read_pr_curves(python: &Path, run_dir: &Path, inputs: &Value) -> Result<Value> {
    let inputs_path = run_dir.with_extension("inputs.json");
    std::fs::write(&inputs_path, serde_json::to_vec(inputs)?)?;
    common::script_view_with(
        python,
        "read_pr_curves.py",
        run_dir,
        &[inputs_path.as_path()],
    )
}

#[test]
fn tensorboard_reads_the_curve_torch_computes() -> Result<()> {
    let (labels, predictions) = inputs();
    let logdir = tempfile::tempdir()?;
    let run_dir = logdir.path().join("run");
    let writer = SummaryWriter::new(&run_dir)?;
    writer.add_pr_curve(
        "default",
        &labels,
        &predictions,
        pr_curve::DEFAULT_THRESHOLDS,
        5,
    )?;
    writer.add_pr_curve("ten", &labels, &predictions, 10, 5)?;
    let error = writer
        .add_pr_curve("bad", &labels[..2], &predictions, 10, 5)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "PR curve \"bad\": 2 labels but 2008 predictions; give one label per prediction"
    );
    writer.close()?;

    // Our reader sees the plugin's [6, n] tensor.
    let run = reader::read_run(&run_dir, &mut Vec::new())?;
    let series = &run.series["default"];
    assert_eq!(series.plugin, "pr_curves");
    let Read::Tensor { tensor, .. } = &series.points[0].value else {
        bail!("not a tensor: {:?}", series.points[0].value);
    };
    let dims: Vec<i64> = tensor
        .tensor_shape
        .as_ref()
        .unwrap()
        .dim
        .iter()
        .map(|d| d.size)
        .collect();
    assert_eq!(dims, [6, 127]);
    let positives = labels.iter().filter(|l| **l).count() as f32;
    assert_eq!(tensor.float_val[0], positives); // TP at threshold 0: every positive

    let Some(python) = common::python_or_skip("tensorboard_reads_the_curve_torch_computes") else {
        return Ok(());
    };
    let inputs = json!({
        "labels": labels,
        "predictions": predictions,
        "thresholds": {"default": 127, "ten": 10},
    });
    let view = read_pr_curves(&python, &run_dir, &inputs)?;
    for (tag, n) in [("default", 127), ("ten", 10)] {
        assert_eq!(
            view[tag]["tensor_equals_torch"], true,
            "{tag}: {}",
            view[tag]
        );
        assert_eq!(view[tag]["shape"], json!([6, n]));
        let entry = &view[tag]["entry"];
        assert_eq!(entry["step"], 5);
        assert_eq!(entry["true_positives"][0], positives as u64);
        assert_eq!(entry["thresholds"][0], 0.0);
    }
    Ok(())
}

#[test]
fn a_raw_curve_reads_back_as_given_and_as_torchs() -> Result<()> {
    // Weighted counts (a quarter per example) from a real curve, so they are fractional.
    let (labels, predictions) = inputs();
    let rows = pr_curve::curve(&labels, &predictions, 10)?;
    let counts: Vec<Vec<f32>> = rows[..4]
        .iter()
        .map(|row| row.iter().map(|&c| (c * 0.25) as f32).collect())
        .collect();
    let ratio = |row: &[f64]| row.iter().map(|&v| v as f32).collect::<Vec<_>>();
    let (precision, recall) = (ratio(&rows[4]), ratio(&rows[5]));
    let curve = RawPrCurve {
        true_positive_counts: &counts[0],
        false_positive_counts: &counts[1],
        true_negative_counts: &counts[2],
        false_negative_counts: &counts[3],
        precision: &precision,
        recall: &recall,
    };
    let logdir = tempfile::tempdir()?;
    let run_dir = logdir.path().join("run");
    let writer = SummaryWriter::new(&run_dir)?;
    writer.add_pr_curve_raw("weighted", &curve, 10, 3)?;
    let error = writer.add_pr_curve_raw("bad", &curve, 127, 3).unwrap_err();
    assert_eq!(
        error.to_string(),
        "PR curve \"bad\": true_positive_counts has 10 values for 127 thresholds; give one \
         value per threshold"
    );
    writer.close()?;

    let Some(python) = common::python_or_skip("a_raw_curve_reads_back_as_given_and_as_torchs")
    else {
        return Ok(());
    };
    let inputs = json!({
        "thresholds": {"weighted": 10},
        "raw": {"weighted": {
            "tp": counts[0], "fp": counts[1], "tn": counts[2], "fn": counts[3],
            "precision": precision, "recall": recall,
        }},
    });
    let view = read_pr_curves(&python, &run_dir, &inputs)?;
    let weighted = &view["weighted"];
    assert_eq!(weighted["tensor_equals_torch"], true, "{weighted}");
    assert_eq!(weighted["shape"], json!([6, 10]));
    let entry = &weighted["entry"];
    assert_eq!(entry["step"], 3);
    // The dashboard drops the thresholds with no predicted positive at the end.
    let shown = entry["precision"].as_array().context("precision")?.len();
    assert!((1..=10).contains(&shown), "{entry}");
    let as_f64 = |row: &[f32]| {
        row[..shown]
            .iter()
            .map(|&v| f64::from(v))
            .collect::<Vec<_>>()
    };
    assert_eq!(entry["precision"], json!(as_f64(&precision)));
    assert_eq!(entry["recall"], json!(as_f64(&recall)));
    // Counts are shown as integers, truncated.
    let truncated: Vec<i64> = counts[0][..shown].iter().map(|&c| c as i64).collect();
    assert_eq!(entry["true_positives"], json!(truncated));
    Ok(())
}
