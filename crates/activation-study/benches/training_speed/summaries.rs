//! Proof that both logging runs did the same work: their event files hold the same tags, of the
//! same kinds, at the same steps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use tensorboard_logger::reader::{self, value};

/// Every summary of a run as `(step, kind, tag)`.
pub type Summaries = BTreeSet<(i64, String, String)>;

/// Reads the summaries of the event files in `dir` with the logger's typed reader; a value
/// it had to skip voids the comparison.
pub fn read(dir: &Path) -> Result<Summaries> {
    let mut warnings = Vec::new();
    let run = reader::read_run(dir, &mut warnings)
        .with_context(|| format!("reading the event files in {}", dir.display()))?;
    if let Some(warning) = warnings.first() {
        bail!("{warning} ({} warnings in all)", warnings.len());
    }
    let mut out = Summaries::new();
    for (tag, series) in &run.series {
        let kind = kind(&series.plugin);
        for point in &series.points {
            out.insert((point.step, kind.clone(), tag.clone()));
        }
    }
    Ok(out)
}

/// What a tag's values are, whichever of TensorBoard's encodings the writer chose (a plain
/// field or a tensor tagged with its plugin): the reader names the plugin either way.
fn kind(plugin: &str) -> String {
    match plugin {
        value::SCALARS_PLUGIN => "scalar".to_owned(),
        value::HISTOGRAMS_PLUGIN => "histogram".to_owned(),
        value::IMAGES_PLUGIN => "image".to_owned(),
        other => format!("tensor ({other})"),
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
