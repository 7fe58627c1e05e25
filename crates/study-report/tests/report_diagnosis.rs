//! The gradient-flow figure and the Diagnosis on event files of known series, written with our logger: per-layer gradient norms from `diagnostics/gradient_norm/<layer>` scalars or from gradient histograms.

mod common;

use std::path::Path;

use anyhow::{Context, Result};
use study_report::ReportOptions;
use study_report::diagnosis::Agreement;
use study_spec::diagnosis::{Detector, FindingKind, StepSignals, Thresholds, findings_markdown};
use tensorboard_logger::SummaryWriter;

/// Steps of the summary points, every `EVERY` steps up to `LAST`.
const EVERY: i64 = 10;
const LAST: i64 = 600;

/// Gradient values whose L2 norm is `norm`: 100 values of `±norm / 10`.
fn values_of_norm(norm: f64) -> Vec<f32> {
    (0..100)
        .map(|i| if i % 2 == 0 { norm / 10.0 } else { -norm / 10.0 } as f32)
        .collect()
}

/// The sigmoid run's weight gradient norms: conv1's is 1/300 of the largest later layer's
/// (fc2) throughout; fc1's is 1/6 of fc2's, healthy.
const VANISHING_NORMS: [(&str, f64); 3] = [("conv1", 1e-4), ("fc1", 5e-3), ("fc2", 3e-2)];

/// The sigmoid run, as another writer logs it: gradient histograms (weights and biases) of
/// [`VANISHING_NORMS`] and a flat cross entropy.
fn write_vanishing_run(dir: &Path) -> Result<()> {
    let writer = SummaryWriter::new(dir)?;
    for step in (0..=LAST).step_by(EVERY as usize) {
        for (layer, norm) in VANISHING_NORMS {
            writer.add_histogram(
                &format!("{layer}/weights/gradients"),
                &values_of_norm(norm)[..],
                step,
            )?;
            writer.add_histogram(
                &format!("{layer}/biases/gradients"),
                &values_of_norm(1.0)[..],
                step,
            )?;
        }
        writer.add_scalar("cross_entropy", 2.3, step)?;
    }
    writer.close()?;
    Ok(())
}

/// The ReLU run: `diagnostics/gradient_norm/<layer>` scalars of one size in every layer,
/// logged in forward order.
fn write_healthy_run(dir: &Path) -> Result<()> {
    let writer = SummaryWriter::new(dir)?;
    for step in (0..=LAST).step_by(EVERY as usize) {
        for (i, layer) in ["conv1", "conv2", "fc1", "fc2"].into_iter().enumerate() {
            let norm = 0.05 * (1.0 + 0.1 * i as f32);
            writer.add_scalar(&format!("diagnostics/gradient_norm/{layer}"), norm, step)?;
        }
        writer.add_scalar("cross_entropy", 2.3 / (1.0 + step as f32 / 100.0), step)?;
    }
    writer.close()?;
    Ok(())
}

/// A run logged as `train` logs its diagnostics: at each point the
/// `diagnostics/gradient_norm/<layer>` of `norms`, the `diagnostics/<fraction_kind>/<layer>`
/// of `fractions` (all layers but the last) and a falling `diagnostics/loss`, fed as `f32`
/// values (what the device gives) to the shared detector; at the end its findings as the
/// `diagnostics/findings` text, passed through `edit`.
fn write_diagnostics_run(
    dir: &Path,
    norms: [f32; 4],
    fraction_kind: &str,
    fractions: [f32; 3],
    edit: impl FnOnce(String) -> String,
) -> Result<()> {
    let writer = SummaryWriter::new(dir)?;
    let layers = ["conv1", "conv2", "fc1", "fc2"];
    let mut detector = Detector::new(layers, Thresholds::default());
    let mut signals = StepSignals::new(layers.len());
    for step in (0..=LAST).step_by(EVERY as usize) {
        for (i, (layer, norm)) in layers.iter().zip(norms).enumerate() {
            writer.add_scalar(&format!("diagnostics/gradient_norm/{layer}"), norm, step)?;
            signals.gradient_norms[i] = Some(f64::from(norm));
        }
        for (i, (layer, fraction)) in layers.iter().zip(fractions).enumerate() {
            writer.add_scalar(
                &format!("diagnostics/{fraction_kind}/{layer}"),
                fraction,
                step,
            )?;
            let slot = match fraction_kind {
                "saturation" => &mut signals.saturation,
                _ => &mut signals.dead_units,
            };
            slot[i] = Some(f64::from(fraction));
        }
        let loss = 2.3 * 0.95f32.powi((step / EVERY) as i32);
        writer.add_scalar("diagnostics/loss", loss, step)?;
        signals.loss = Some(f64::from(loss));
        detector.observe(step, &signals);
    }
    let logged = edit(findings_markdown(detector.findings()));
    writer.add_text("diagnostics/findings", &logged, LAST)?;
    writer.close()?;
    Ok(())
}

/// What `train` writes for a run without findings.
const NO_FINDING: &str = "No finding: no diagnostic rule held.\n";

#[test]
fn the_diagnosis_replays_each_run_and_checks_it_against_the_runs_own_summary() -> Result<()> {
    let (root, logs) = common::temp_logs()?;
    write_vanishing_run(&logs.join("mnist/sigmoid"))?;
    // conv1 and conv2 at 1/300 and 1/30 of fc2, the first two layers saturated.
    write_diagnostics_run(
        &logs.join("mnist/tanh"),
        [1e-4, 1e-3, 1e-2, 3e-2],
        "saturation",
        [0.9, 0.6, 0.2],
        |summary| summary,
    )?;
    write_diagnostics_run(
        &logs.join("mnist/relu"),
        [0.05, 0.06, 0.07, 0.08],
        "dead_units",
        [0.0, 0.1, 0.2],
        |summary| summary,
    )?;
    // A summary whose evidence rounds differently, as an f64 loss logged as f32 can.
    write_diagnostics_run(
        &logs.join("mnist/leaky_relu"),
        [1e-4, 1e-3, 1e-2, 3e-2],
        "dead_units",
        [0.9, 0.6, 0.2],
        |summary| summary.replace("1/300", "1/299"),
    )?;
    // A summary that says what the signals do not show.
    let elu_summary = "- **dead units** (steps 0-600): dead units in conv1\n";
    write_diagnostics_run(
        &logs.join("mnist/elu"),
        [0.05, 0.06, 0.07, 0.08],
        "dead_units",
        [0.1, 0.1, 0.1],
        |_| elu_summary.to_owned(),
    )?;

    let options = ReportOptions::new(&logs, root.path().join("out"));
    let report = study_report::run(&options, &mut |_| {}, &mut |_| {})?;
    let by_run = |name: &str| {
        report
            .diagnoses
            .iter()
            .find(|d| d.run == name)
            .with_context(|| format!("no diagnosis of {name}"))
    };

    // 1/300 for 61 points: vanishing gradients in conv1 only, from the first point; the
    // flat cross entropy is a plateau.
    let sigmoid = by_run("mnist/sigmoid")?;
    let kinds: Vec<FindingKind> = sigmoid.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [FindingKind::VanishingGradients, FindingKind::LossPlateau]
    );
    let vanishing = &sigmoid.findings[0];
    assert_eq!(vanishing.layers, ["conv1"]);
    assert_eq!((vanishing.first_step, vanishing.last_step), (0, LAST));
    assert!(
        (vanishing.values[0] - 1.0 / 300.0).abs() < 1e-6,
        "{:?}",
        vanishing.values
    );
    assert_eq!(
        (sigmoid.points, sigmoid.steps),
        ((LAST / EVERY + 1) as usize, Some((0, LAST)))
    );
    assert_eq!(sigmoid.agreement, Agreement::NoSummary);
    assert_eq!(
        sigmoid.not_checked,
        ["saturation: no `diagnostics/saturation/<layer>` or `<layer>/saturation` scalars"]
    );

    // The trainer's runs: the same findings as their summaries, word for word.
    let tanh = by_run("mnist/tanh")?;
    assert_eq!(tanh.agreement, Agreement::Same, "{tanh:#?}");
    let found: Vec<(FindingKind, Vec<String>, i64, i64)> = tanh
        .findings
        .iter()
        .map(|f| (f.kind, f.layers.clone(), f.first_step, f.last_step))
        .collect();
    let layers = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found,
        [
            (
                FindingKind::VanishingGradients,
                layers(&["conv1", "conv2"]),
                0,
                LAST
            ),
            (
                FindingKind::Saturation,
                layers(&["conv1", "conv2"]),
                0,
                LAST
            ),
        ]
    );
    let relu = by_run("mnist/relu")?;
    assert!(relu.findings.is_empty(), "{:?}", relu.findings);
    assert_eq!(relu.agreement, Agreement::Same);
    assert!(relu.not_checked.is_empty(), "{:?}", relu.not_checked);
    let leaky = by_run("mnist/leaky_relu")?;
    let kinds: Vec<FindingKind> = leaky.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [FindingKind::VanishingGradients, FindingKind::DeadUnits]
    );
    let replayed = findings_markdown(&leaky.findings);
    assert_eq!(
        leaky.agreement,
        Agreement::SameFindings {
            logged: replayed.replace("1/300", "1/299"),
            replayed
        }
    );
    let elu = by_run("mnist/elu")?;
    assert!(elu.findings.is_empty(), "{:?}", elu.findings);
    assert_eq!(
        elu.agreement,
        Agreement::Differs {
            logged: elu_summary.to_owned(),
            replayed: NO_FINDING.to_owned()
        }
    );

    // The binary sums them up on stderr.
    let binary = std::process::Command::new(env!("CARGO_BIN_EXE_report"))
        .arg(&logs)
        .arg("--out")
        .arg(root.path().join("binary-out"))
        .output()?;
    let stderr = String::from_utf8(binary.stderr)?;
    assert!(binary.status.success(), "{stderr}");
    assert!(
        stderr.contains("diagnosis: 6 findings in 3 of 5 runs (report.md lists them)\n"),
        "{stderr}"
    );

    // The page shows each finding with its evidence, the agreement and what was missing.
    let page = std::fs::read_to_string(&report.page)?;
    let section = page
        .split_once("### Diagnosis\n")
        .context("a Diagnosis section")?
        .1;
    let tanh_summary = findings_markdown(&tanh.findings);
    for expected in [
        "#### sigmoid\n",
        "`mnist/sigmoid`: 61 diagnostics points, steps 0–600; gradient norms from \
         sqrt(sum_squares) of the histograms `conv1/weights/gradients`, `fc1/weights/gradients`, \
         `fc2/weights/gradients`; loss from `cross_entropy`, averaged over the steps since the \
         previous point.",
        "conv1 at most 1/300 of fc2's",
        "points, steps 0-40",
        "- saturation: no `diagnostics/saturation/<layer>` or `<layer>/saturation` scalars\n",
        &tanh_summary,
        "conv1 at most 1/300 of fc2's, conv2 at most 1/30 of fc2's",
        "saturated outputs now: conv1 90%, conv2 60%",
        "The run's own `diagnostics/findings` summary says the same, word for word.",
        "The run's own `diagnostics/findings` summary lists the same findings over the same \
         steps; a number in their wording differs (the event file keeps 32-bit values). It \
         reads:\n\n> - **vanishing gradients** (steps 0-600): vanishing gradients: weight \
         gradient norm conv1 at most 1/299 of fc2's",
        "**Mismatch**: the run's own `diagnostics/findings` summary differs; it reads:\n\n\
         > - **dead units** (steps 0-600): dead units in conv1\n",
    ] {
        assert!(section.contains(expected), "{expected}\nnot in\n{section}");
    }
    Ok(())
}

/// The figure's pixels: width, height and RGB rows.
fn decode(png: &Path) -> Result<(usize, usize, Vec<u8>)> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png)?));
    let mut reader = decoder.read_info()?;
    let mut pixels = vec![0; reader.output_buffer_size().context("buffer size")?];
    let frame = reader.next_frame(&mut pixels)?;
    Ok((frame.width as usize, frame.height as usize, pixels))
}

/// The mean row of the pixels of exactly `color` with `x` in `columns` and `y` below
/// `top`, and how many there are.
fn rows_of(
    (width, height, pixels): &(usize, usize, Vec<u8>),
    color: [u8; 3],
    columns: std::ops::Range<usize>,
    top: usize,
) -> (f64, usize) {
    let mut sum = 0.0;
    let mut count = 0;
    for y in top..*height {
        for x in columns.clone() {
            let i = (y * width + x) * 3;
            if pixels[i..i + 3] == color {
                sum += y as f64;
                count += 1;
            }
        }
    }
    (sum / count.max(1) as f64, count)
}

#[test]
fn the_gradient_flow_figure_draws_one_line_per_layer_for_each_activation() -> Result<()> {
    let (root, logs) = common::temp_logs()?;
    write_vanishing_run(&logs.join("mnist/sigmoid"))?;
    write_healthy_run(&logs.join("mnist/relu"))?;

    let mut options = ReportOptions::new(&logs, root.path().join("out"));
    (options.width, options.height) = (1200, 600);
    let report = study_report::run(&options, &mut |_| {}, &mut |_| {})?;
    let figure = report
        .pngs
        .iter()
        .find(|p| p.ends_with("mnist-gradient-flow.png"))
        .with_context(|| format!("no gradient-flow figure in {:?}", report.pngs))?;
    let page = std::fs::read_to_string(&report.page)?;
    assert!(
        page.contains("### Gradient flow\n\n![Gradient flow](mnist-gradient-flow.png)"),
        "{page}"
    );
    for source in [
        "the `diagnostics/gradient_norm/<layer>` scalars (relu)",
        "sqrt(sum_squares) of the gradient histograms `conv1/weights/gradients` … \
         `fc2/weights/gradients` (3 tags) (sigmoid)",
    ] {
        assert!(page.contains(source), "{source} not in\n{page}");
    }

    // Two panels side by side, sigmoid (first in the study's order) on the left. The
    // layers of both runs merge into conv1, conv2, fc1, fc2, coloured dark to light.
    let pixels = decode(figure)?;
    assert_eq!((pixels.0, pixels.1), (1200, 600));
    let color = |index| {
        let c = study_report::plot::ordered_color(index, 4);
        [c.0, c.1, c.2]
    };
    // Below the title and legend.
    let top = 80;
    let (left, right) = (0..600, 600..1200);
    let (conv1_row, conv1_pixels) = rows_of(&pixels, color(0), left.clone(), top);
    let (fc1_row, fc1_pixels) = rows_of(&pixels, color(2), left.clone(), top);
    let (fc2_row, fc2_pixels) = rows_of(&pixels, color(3), left.clone(), top);
    let (_, conv2_pixels) = rows_of(&pixels, color(1), left, top);
    assert!(
        conv1_pixels > 300 && fc1_pixels > 300 && fc2_pixels > 300,
        "the sigmoid panel draws conv1, fc1 and fc2: {conv1_pixels}, {fc1_pixels}, {fc2_pixels} pixels"
    );
    assert_eq!(conv2_pixels, 0, "the sigmoid run logged no conv2");
    // On a log axis the lines lie as far apart as the logs of their norms, conv1 lowest.
    assert!(
        conv1_row > fc1_row && fc1_row > fc2_row,
        "rows: conv1 {conv1_row}, fc1 {fc1_row}, fc2 {fc2_row}"
    );
    let gap = |a: f64, b: f64| a - b;
    let (low, high) = (gap(conv1_row, fc1_row), gap(fc1_row, fc2_row));
    let [(_, conv1), (_, fc1), (_, fc2)] = VANISHING_NORMS;
    let expected = (fc1 / conv1).log10() / (fc2 / fc1).log10();
    assert!(
        (low / high - expected).abs() < 0.1,
        "log spacing: {low} over {high} pixels, expected ratio {expected}"
    );
    for index in 0..4 {
        let (_, count) = rows_of(&pixels, color(index), right.clone(), top);
        assert!(
            count > 300,
            "the relu panel draws layer {index}: {count} pixels"
        );
    }
    Ok(())
}
