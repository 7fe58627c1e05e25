//! Proof that both logging runs did the same work: their event files hold the same tags, of the
//! same kinds, at the same steps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use tensorboard_logger::proto::tensorboard::event::What;
use tensorboard_logger::proto::tensorboard::summary::{self, value::Value as Payload};
use tensorboard_logger::reader;

/// Every summary of a run as `(step, kind, tag)`.
pub type Summaries = BTreeSet<(i64, String, String)>;

/// Reads the summaries of the event files in `dir`.
pub fn read(dir: &Path) -> Result<Summaries> {
    let events = reader::read_run_dir(dir)
        .with_context(|| format!("reading the event files in {}", dir.display()))?;
    let mut out = Summaries::new();
    for event in events {
        if let Some(What::Summary(s)) = event.what {
            for value in s.value {
                out.insert((event.step, kind(&value), value.tag));
            }
        }
    }
    Ok(out)
}

/// What a summary value is, whichever of TensorBoard's encodings the writer chose (a plain
/// field or a tensor tagged with its plugin).
fn kind(value: &summary::Value) -> String {
    match &value.value {
        Some(Payload::SimpleValue(_)) => "scalar".to_owned(),
        Some(Payload::Histo(_)) => "histogram".to_owned(),
        Some(Payload::Image(_)) => "image".to_owned(),
        Some(Payload::Tensor(_)) => {
            let plugin = value
                .metadata
                .as_ref()
                .and_then(|m| m.plugin_data.as_ref())
                .map_or("", |p| p.plugin_name.as_str());
            match plugin {
                "scalars" => "scalar".to_owned(),
                "histograms" => "histogram".to_owned(),
                "images" => "image".to_owned(),
                other => format!("tensor ({other})"),
            }
        }
        Some(_) => "other".to_owned(),
        None => "empty".to_owned(),
    }
}

/// Summaries in one set and not the other, described for the user (at most `limit` of each).
pub fn differences(ours: &Summaries, peer: &Summaries, limit: usize) -> Vec<String> {
    let only = |a: &Summaries, b: &Summaries, side: &str| {
        a.difference(b)
            .take(limit)
            .map(|(step, kind, tag)| format!("only {side}: step {step} {kind} {tag}"))
            .collect::<Vec<_>>()
    };
    [only(ours, peer, "ours"), only(peer, ours, "PyTorch")].concat()
}

/// Counts by kind of the summaries at `step`, e.g. `5 scalar`.
pub fn counts_at(summaries: &Summaries, step: i64) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, kind, _) in summaries.iter().filter(|(s, _, _)| *s == step) {
        *counts.entry(kind.as_str()).or_default() += 1;
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    parts.join(", ")
}
