//! `report`'s Diagnosis of a short real `train` run on the 20 real CIFAR-10 images of the sample with sigmoid: the findings it replays from the event file are the ones `train` found, wrote to `results.json` and logged as the `diagnostics/findings` text, and they hold the post's lesson, vanishing gradients in conv1. Replayed from the run's other tags (its gradient histograms), the same findings come back.

mod common;

use anyhow::{Context, Result, bail, ensure};
use study_report::ReportOptions;
use study_report::diagnosis::{Agreement, diagnose};
use study_report::load::load_runs;
use study_spec::diagnosis::{Finding, FindingKind};

/// Steps of the run, and of its diagnostics cadence: 7 points (steps 1, 10, ..., 60), more
/// than the 5 in a row a finding needs.
const STEPS: &str = "60";
const EVERY: &str = "10";

#[test]
fn the_reports_diagnosis_of_a_real_sigmoid_run_is_what_train_found() -> Result<()> {
    let _alone = common::train_alone();
    // A data root holding only the sample, so a full CIFAR-10 in the user's data root is not used.
    let tmp = tempfile::tempdir()?;
    let sample = tmp.path().join("data/cifar10-sample/test_batch.bin");
    std::fs::create_dir_all(sample.parent().context("the sample's directory")?)?;
    std::fs::copy(
        common::data_root().join("cifar10-sample/test_batch.bin"),
        &sample,
    )?;
    let (data, logs) = (tmp.path().join("data"), tmp.path().join("logs"));
    let args = common::args(&[
        "--dataset",
        "cifar10",
        "--activations",
        "sigmoid",
        "--steps",
        STEPS,
        "--batch-size",
        "20",
        "--eval-every",
        STEPS,
        "--hist-every",
        EVERY,
        "--log-every",
        "1",
        "--device",
        "cpu",
        "--data-dir",
        data.to_str().context("a UTF-8 path")?,
        "--logdir",
        logs.to_str().context("a UTF-8 path")?,
    ]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcomes = activation_study::cli::run(&args, &mut out, &mut err)?;
    let [outcome] = &outcomes[..] else {
        bail!("one run: {outcomes:?}");
    };
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(outcome.config.run_dir.join("results.json"))?)?;
    let trained: Vec<Finding> = serde_json::from_value(results["findings"].clone())?;

    let mut options = ReportOptions::new(&logs, tmp.path().join("report"));
    (options.width, options.height) = (640, 480);
    let report = study_report::run(&options, &mut |_| {}, &mut |_| {})?;
    let [diagnosis] = &report.diagnoses[..] else {
        bail!("one run, one diagnosis: {:?}", report.diagnoses);
    };
    for finding in &diagnosis.findings {
        eprintln!("report: {}", finding.message);
    }

    // The same findings as results.json: kinds, layers and steps exactly; the evidence to
    // the f32 the event file keeps (`train` averages the loss in f64, so a plateau's
    // improvement can differ in its 7th digit).
    let heads = |findings: &[Finding]| -> Vec<(FindingKind, Vec<String>, i64, i64)> {
        findings
            .iter()
            .map(|f| (f.kind, f.layers.clone(), f.first_step, f.last_step))
            .collect()
    };
    assert_eq!(heads(&diagnosis.findings), heads(&trained));
    for (replayed, found) in diagnosis.findings.iter().zip(&trained) {
        ensure!(replayed.values.len() == found.values.len());
        for (a, b) in replayed.values.iter().zip(&found.values) {
            ensure!(
                (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                "{:?}: {a} vs {b}",
                found.kind
            );
        }
    }
    // The same as the run's own findings text, word for word, or but for a rounded digit.
    ensure!(
        matches!(
            diagnosis.agreement,
            Agreement::Same | Agreement::SameFindings { .. }
        ),
        "{:?}",
        diagnosis.agreement
    );
    // Sigmoid's first layer learns from a gradient that vanished on its way back.
    let vanishing = diagnosis
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::VanishingGradients)
        .context("no vanishing gradients found")?;
    ensure!(
        vanishing.layers.first().map(String::as_str) == Some("conv1"),
        "{vanishing:?}"
    );
    ensure!(
        diagnosis.not_checked.is_empty(),
        "a run of train has every signal: {:?}",
        diagnosis.not_checked
    );
    let page = std::fs::read_to_string(&report.page)?;
    ensure!(page.contains(&vanishing.message), "{page}");

    // Without its `diagnostics/...` scalars (a run trained with `--no-diagnostics`, or
    // before them), the run is replayed from its gradient histograms, `<layer>/saturation`
    // and `cross_entropy`, and is found with the same findings over the same steps.
    let mut runs = load_runs(&logs, &mut |_| {}, &mut |w| panic!("{w}"))?;
    let [run] = &mut runs[..] else {
        bail!("one run: {runs:?}");
    };
    run.series.retain(|tag, _| !tag.starts_with("diagnostics/"));
    let fallback = diagnose(run, "sigmoid");
    ensure!(
        fallback.sources[0].starts_with(
            "gradient norms from sqrt(sum_squares) of the histograms `conv1/weights/gradients`"
        ),
        "{:?}",
        fallback.sources
    );
    assert_eq!(heads(&fallback.findings), heads(&trained));
    ensure!(
        report
            .pngs
            .iter()
            .any(|p| p.ends_with("cifar10-gradient-flow.png")),
        "{:?}",
        report.pngs
    );
    Ok(())
}
