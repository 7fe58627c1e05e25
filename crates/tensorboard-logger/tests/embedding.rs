//! Embeddings, read back through the real TensorBoard Projector plugin's HTTP routes:
//! the config lists each one, and its tensor and labels come back exactly.

mod common;

use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use tensorboard_logger::SummaryWriter;

#[test]
fn the_projector_serves_our_embeddings() -> Result<()> {
    // Values that need every digit of an f32 to come back bit for bit.
    let points: Vec<f32> = (0..12 * 3)
        .map(|i| (i as f32 * 0.731).sin() * 10f32.powi(i % 7 - 3))
        .collect();
    let labels: Vec<String> = (0..12).map(|i| format!("digit {i}")).collect();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("run"))?;
    writer.add_embedding("hidden", &points, 3, Some(&labels), 0)?;
    writer.add_embedding("hidden", &points[..6], 3, None, 10)?;
    writer.add_embedding("layer/out", &points, 4, None, 10)?;
    let error = writer
        .add_embedding("bad", &points, 5, None, 0)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "embedding \"bad\": 36 values do not make whole points of dimension 5; give points x \
         dim values, row by row"
    );
    writer.close()?;

    let Some(python) = common::python_or_skip("the_projector_serves_our_embeddings") else {
        return Ok(());
    };
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/common/read_projector.py"
    );
    let output = Command::new(python)
        .arg(script)
        .arg(logdir.path())
        .output()
        .context("running read_projector.py")?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr));
    }
    let view: Value = serde_json::from_slice(&output.stdout)?;
    let values = |v: &[f32]| v.iter().map(|x| f64::from(*x)).collect::<Vec<_>>();
    assert_eq!(view["runs"], json!(["run"]));
    assert_eq!(
        view["run"],
        json!({
            "hidden:00000": {
                "shape": [12, 3],
                "values": values(&points),
                "metadata": labels.join("\n") + "\n",
            },
            "hidden:00010": {"shape": [2, 3], "values": values(&points[..6]), "metadata": null},
            "layer/out:00010": {"shape": [9, 4], "values": values(&points), "metadata": null},
        })
    );
    Ok(())
}
