//! `study-report` on logs from a short real `train` run with two seeds: the table's numbers are those of each run's `results.json`, and every PNG decodes at the size asked for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;
use study_report::ReportOptions;

/// What a run's `results.json` says.
#[derive(Debug)]
struct RunResult {
    dir: PathBuf,
    dataset: String,
    activation: String,
    seed: u64,
    steps: i64,
    test_accuracy: f64,
}

fn results(log_dir: &Path) -> Result<Vec<RunResult>> {
    let mut found = Vec::new();
    let mut pending = vec![log_dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == "results.json") {
                let json: Value = serde_json::from_slice(&std::fs::read(&path)?)?;
                let text = |v: &Value| v.as_str().map(str::to_owned).context("a string");
                found.push(RunResult {
                    dir: dir.clone(),
                    dataset: text(&json["config"]["dataset"])?,
                    activation: text(&json["config"]["activation"]["kind"])?,
                    seed: json["config"]["seed"].as_u64().context("seed")?,
                    steps: json["config"]["steps"].as_i64().context("steps")?,
                    test_accuracy: json["metrics"]["test_accuracy"]
                        .as_f64()
                        .context("test_accuracy")?,
                });
            }
        }
    }
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(found)
}

/// The cells of each body row of a markdown table.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn the_table_matches_results_json_and_every_png_decodes() -> Result<()> {
    let root = tempfile::tempdir()?;
    let logs = root.path().join("logs");
    let train = Command::new(env!("CARGO_BIN_EXE_train"))
        // One evaluation per run (at the last step) keeps the test short: each reads
        // the whole MNIST test set.
        // Tanh rather than sigmoid: 20 steps leave sigmoid at chance accuracy, which `train`
        // reports as a failed run.
        .args([
            "--activations",
            "tanh,relu",
            "--seeds",
            "2",
            "--steps",
            "20",
        ])
        .args([
            "--eval-every",
            "20",
            "--hist-every",
            "10",
            "--log-every",
            "5",
        ])
        .arg("--logdir")
        .arg(&logs)
        .output()?;
    if !train.status.success() {
        bail!("train failed: {}", String::from_utf8_lossy(&train.stderr));
    }

    // The `report` binary is `study-report`'s; its library is what the binary runs.
    let out = root.path().join("report");
    let mut options = ReportOptions::new(&logs, &out);
    (options.width, options.height) = (640, 480);
    let report = study_report::run(&options, &mut |_| {}, &mut |_| {})?;
    ensure!(
        report.warnings.is_empty(),
        "a clean run gives no warning: {:?}",
        report.warnings
    );
    let stdout = report.table;

    let runs = results(&logs)?;
    ensure!(runs.len() == 4, "two activations by two seeds: {runs:?}");
    let mut groups: BTreeMap<(String, String), Vec<&RunResult>> = BTreeMap::new();
    for run in &runs {
        groups
            .entry((run.dataset.clone(), run.activation.clone()))
            .or_default()
            .push(run);
    }

    // The post's table: one row per activation, mean ± sample std of the runs' results.
    let table = rows(&stdout);
    assert_eq!(table.len(), groups.len(), "{stdout}");
    for ((dataset, activation), members) in &groups {
        let row = table
            .iter()
            .find(|r| r[0] == *dataset && r[1] == *activation)
            .with_context(|| format!("no row for {dataset}/{activation} in\n{stdout}"))?;
        let values: Vec<f64> = members.iter().map(|r| r.test_accuracy).collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
            / (values.len() - 1) as f64)
            .sqrt();
        let (shown_mean, shown_std) = row[2].split_once(" ± ").context("mean ± std")?;
        // The table rounds to 4 decimals; the event file holds the accuracy as f32.
        let close = |shown: &str, exact: f64| {
            shown
                .parse::<f64>()
                .is_ok_and(|v| (v - exact).abs() <= 0.5e-4 + 1e-6)
        };
        assert!(
            close(shown_mean, mean),
            "{activation}: mean {shown_mean} vs {mean}"
        );
        assert!(
            close(shown_std, std),
            "{activation}: std {shown_std} vs {std}"
        );
        assert_eq!(row[3], members.len().to_string());
        assert_eq!(row[4], members[0].steps.to_string());
    }

    // Every run in report.md, with its seed and its own accuracy.
    let page = std::fs::read_to_string(out.join("report.md"))?;
    let per_run = rows(
        page.split("### Every run")
            .nth(1)
            .context("the per-run table")?,
    );
    for run in &runs {
        let name = run.dir.strip_prefix(&logs)?.to_string_lossy().into_owned();
        let row = per_run
            .iter()
            .find(|r| r[0] == format!("`{name}`"))
            .with_context(|| format!("no row for {name}"))?;
        assert_eq!(
            row[1..],
            [
                run.dataset.clone(),
                run.activation.clone(),
                run.seed.to_string(),
                format!("{:.4}", run.test_accuracy),
                run.steps.to_string()
            ]
        );
    }

    // The five figures of the data set, each a PNG of the size asked for.
    for name in [
        "test-accuracy",
        "cross-entropy",
        "total-loss",
        "conv1-weights-gradients",
        "sparsity",
    ] {
        let path = out.join(format!("mnist-{name}.png"));
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&path)
                .with_context(|| format!("{} was not written", path.display()))?,
        ));
        let mut reader = decoder.read_info()?;
        let mut pixels = vec![0; reader.output_buffer_size().context("buffer size")?];
        let frame = reader.next_frame(&mut pixels)?;
        assert_eq!(
            (frame.width, frame.height),
            (640, 480),
            "{}",
            path.display()
        );
        assert!(
            page.contains(&format!("](mnist-{name}.png)")),
            "report.md links {name}"
        );
    }
    Ok(())
}
