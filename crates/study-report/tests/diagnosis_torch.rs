//! The gradient-flow figure and the Diagnosis on a run that `torch.utils.tensorboard` wrote (the real one, from the setup venv) while training a small sigmoid net: the norms come from its `<name>.grad` histograms and equal torch's own `grad.norm()`, and the Diagnosis says which signals the run lacks.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use study_report::ReportOptions;
use study_report::diagnosis::Agreement;
use study_report::gradients::{NormSource, gradient_norms};
use study_report::load::load_runs;
use study_spec::diagnosis::FindingKind;

/// Trains a four-layer sigmoid net on fixed random data with SGD, logging each
/// parameter's gradient histogram as `<name>.grad` and the loss as `Loss/train` every
/// `every` steps; prints torch's own gradient norms as JSON `{name: [[step, norm]...]}`.
const TORCH_TRAINER: &str = r#"
import json, sys
import torch
from torch import nn
from torch.utils.tensorboard import SummaryWriter

log_dir, steps, every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.manual_seed(0)
net = nn.Sequential(
    nn.Linear(32, 64), nn.Sigmoid(),
    nn.Linear(64, 64), nn.Sigmoid(),
    nn.Linear(64, 64), nn.Sigmoid(),
    nn.Linear(64, 10),
)
x = torch.randn(256, 32)
y = torch.randint(0, 10, (256,))
opt = torch.optim.SGD(net.parameters(), lr=0.5)
writer = SummaryWriter(log_dir)
norms = {}
for step in range(steps + 1):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    if step % every == 0:
        writer.add_scalar("Loss/train", loss.item(), step)
        for name, p in net.named_parameters():
            writer.add_histogram(name + ".grad", p.grad, step)
            norms.setdefault(name, []).append([step, p.grad.norm().item()])
    opt.step()
writer.close()
json.dump(norms, sys.stdout)
"#;

const STEPS: i64 = 300;
const EVERY: i64 = 5;

fn python() -> Result<String> {
    std::env::var("ACTIVATION_STUDY_PYTHON").context(
        "ACTIVATION_STUDY_PYTHON is not set; run ./scripts/setup.sh (it writes .cargo/config.toml)",
    )
}

/// Trains and logs into `run_dir`; returns torch's gradient norms by parameter name.
fn train_with_torch(run_dir: &Path) -> Result<BTreeMap<String, Vec<(i64, f64)>>> {
    let output = Command::new(python()?)
        .args(["-c", TORCH_TRAINER])
        .arg(run_dir)
        .args([STEPS.to_string(), EVERY.to_string()])
        .output()?;
    if !output.status.success() {
        bail!(
            "the torch trainer failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

#[test]
fn a_torch_run_gives_its_gradient_norms_and_says_what_it_lacks() -> Result<()> {
    let (root, logs) = common::temp_logs()?;
    let torch_norms = train_with_torch(&logs.join("blobs/sigmoid"))?;

    // Each weight's `<name>.grad` histogram gives torch's norm; biases are left out.
    let runs = load_runs(&logs, &mut |_| {}, &mut |w| panic!("{w}"))?;
    let norms = gradient_norms(&runs[0]).map_err(|missing| anyhow::anyhow!("{missing}"))?;
    assert_eq!(norms.source, NormSource::Histograms);
    let layers: Vec<&str> = norms.layers.iter().map(|l| l.layer.as_str()).collect();
    assert_eq!(layers, ["0", "2", "4", "6"]);
    for layer in &norms.layers {
        let expected = &torch_norms[&format!("{}.weight", layer.layer)];
        assert_eq!(layer.points.len(), expected.len(), "{}", layer.layer);
        for (&(step, norm), &(torch_step, torch_norm)) in layer.points.iter().zip(expected) {
            assert_eq!(step, torch_step);
            // torch sums the squares of the float32 gradient in float64; `norm()` in float32.
            assert!(
                (norm - torch_norm).abs() <= 1e-5 * torch_norm,
                "{} at step {step}: {norm} vs torch's {torch_norm}",
                layer.tag
            );
        }
    }

    let mut options = ReportOptions::new(&logs, root.path().join("out"));
    (options.width, options.height) = (800, 500);
    let report = study_report::run(&options, &mut |_| {}, &mut |_| {})?;
    assert!(
        report
            .pngs
            .iter()
            .any(|p| p.ends_with("blobs-gradient-flow.png")),
        "{:?}",
        report.pngs
    );
    let page = std::fs::read_to_string(&report.page)?;
    assert!(
        page.contains(
            "sqrt(sum_squares) of the gradient histograms `0.weight.grad` … `6.weight.grad` \
             (4 tags) (sigmoid)"
        ),
        "{page}"
    );

    // The Diagnosis replays every logged point. The net stalls on its random labels: the
    // loss plateaus (it stays near ln 10 = 2.30), while the first layer's gradient, 1/600
    // of the last's at step 0, catches up within a few points, too few for a finding.
    let [diagnosis] = &report.diagnoses[..] else {
        bail!("one run, one diagnosis: {:?}", report.diagnoses);
    };
    assert_eq!(
        (diagnosis.points, diagnosis.steps),
        ((STEPS / EVERY + 1) as usize, Some((0, STEPS)))
    );
    let kinds: Vec<FindingKind> = diagnosis.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [FindingKind::LossPlateau],
        "{:?}",
        diagnosis.findings
    );
    assert_eq!(
        diagnosis.sources,
        [
            "gradient norms from sqrt(sum_squares) of the histograms `0.weight.grad`, \
             `2.weight.grad`, `4.weight.grad`, `6.weight.grad`",
            "loss from `Loss/train`, averaged over the steps since the previous point"
        ]
    );
    // What torch's writer did not log, it says: no saturation for a sigmoid net.
    assert_eq!(
        diagnosis.not_checked,
        ["saturation: no `diagnostics/saturation/<layer>` or `<layer>/saturation` scalars"]
    );
    assert_eq!(diagnosis.agreement, Agreement::NoSummary);
    assert!(
        page.contains("Not checked:\n\n- saturation: no `diagnostics/saturation/<layer>`"),
        "{page}"
    );
    Ok(())
}
