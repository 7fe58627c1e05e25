//! A hand-made Custom Scalars layout, as TensorBoard's own Custom Scalars plugin serves it to
//! its dashboard: the layout merged over the runs, and the lines each chart draws.

mod common;

use anyhow::Result;
use serde_json::json;
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::summary::custom_scalars::{CustomLayout, exact_tag_regex};

/// The per-layer layout both runs write: one chart per quantity, one line per layer.
fn per_layer_layout(layers: &[&str]) -> CustomLayout {
    let tags = |what: &str| -> Vec<String> {
        layers
            .iter()
            .map(|layer| exact_tag_regex(&format!("{what}/{layer}")))
            .collect()
    };
    CustomLayout::new()
        .multiline("per layer", "gradient norm", tags("grad_norm"))
        .multiline("per layer", "dead units", tags("dead"))
        .margin("bands", "loss band", [("loss", "loss/low", "loss/high")])
}

#[test]
fn tensorboards_custom_scalars_plugin_serves_a_hand_made_layout_with_its_lines() -> Result<()> {
    let Some(python) = common::python_or_skip("custom_scalars") else {
        return Ok(());
    };
    let logdir = tempfile::tempdir()?;
    let layers = ["conv1", "fc1.a"];
    for run in ["relu", "sigmoid"] {
        let writer = SummaryWriter::new(logdir.path().join(run))?;
        // A first layout is replaced by the second; add_scalars charts come after it.
        writer.add_custom_scalars(&CustomLayout::new().multiline("old", "gone", ["^x$"]))?;
        writer.add_scalars("acc", &[("train", 0.5), ("test", 0.4)], 1)?;
        writer.add_custom_scalars(&per_layer_layout(&layers))?;
        for step in 0..3 {
            for layer in layers {
                writer.add_scalar(&format!("grad_norm/{layer}"), 0.1 * step as f32, step)?;
                writer.add_scalar(&format!("dead/{layer}"), 0.5, step)?;
            }
            writer.add_scalar("loss", 1.0, step)?;
        }
        // A tag the regex of `fc1.a` must not match: the dot is not a wildcard.
        writer.add_scalar("grad_norm/fc1xa", 1.0, 0)?;
        writer.close()?;
    }

    let view = common::script_view(&python, "read_custom_scalars.py", logdir.path())?;
    let chart = |title: &str, tags: &[&str]| json!({"title": title, "multiline": {"tag": tags}});
    // The plugin's JSON spells out the proto's defaults (`closed`, `version`).
    assert_eq!(
        view["layout"],
        json!({"version": 0, "category": [
            {"title": "per layer", "closed": false, "chart": [
                chart("gradient norm", &["^grad_norm/conv1$", "^grad_norm/fc1\\.a$"]),
                chart("dead units", &["^dead/conv1$", "^dead/fc1\\.a$"]),
            ]},
            {"title": "bands", "closed": false, "chart": [{"title": "loss band", "margin": {
                "series": [{"value": "loss", "lower": "loss/low", "upper": "loss/high"}]}}]},
            {"title": "acc", "closed": false,
             "chart": [chart("acc", &["^acc/train$", "^acc/test$"])]},
        ]})
    );
    for (regex, tag) in [
        ("^grad_norm/conv1$", "grad_norm/conv1"),
        ("^grad_norm/fc1\\.a$", "grad_norm/fc1.a"),
        ("^dead/conv1$", "dead/conv1"),
        ("^acc/test$", "acc/test"),
    ] {
        assert_eq!(
            view["lines"][regex],
            json!({"relu": [tag], "sigmoid": [tag]}),
            "{regex}"
        );
    }
    Ok(())
}
