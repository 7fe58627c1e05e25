//! Our histogram against torch.utils.tensorboard's, for the same values: both use
//! TensorFlow's default bucket edges and put a value `v` in the bucket `[left, right)`
//! holding it, so every non-empty bucket must match exactly.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use tensorboard_logger::summary::histogram::HistogramInput;

fn env_path(name: &str) -> Result<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .with_context(|| format!("{name} is not set; run ./scripts/setup.sh"))
}

/// Values over the whole range the edges cover (|v| from 1e-13 to 1e19), zeros of both
/// signs, and a dense normal-like cluster, from a fixed-seed generator.
fn values() -> Vec<f32> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut unit = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..200_000)
        .map(|i| match i % 4 {
            0 => {
                let magnitude = 10f64.powf(unit() * 32.0 - 13.0);
                (if unit() < 0.5 { -magnitude } else { magnitude }) as f32
            }
            1 => ((unit() + unit() + unit() - 1.5) * 0.1) as f32,
            2 if i % 40 == 2 => -0.0,
            2 => 0.0,
            _ => (unit() * 2.0 - 1.0) as f32,
        })
        .collect()
}

/// torch.utils.tensorboard's histogram, with its writer's own default bins.
struct Torch {
    stats: [f64; 5],
    limits: Vec<f64>,
    counts: Vec<f64>,
}

/// Runs torch on the values in `dir/values.f32` (raw little-endian f32); the script
/// writes the proto's numbers back as raw little-endian f64, so nothing is lost in text.
fn torch_histogram(dir: &Path) -> Result<Torch> {
    let script = "import sys, os, numpy as np\n\
                  from torch.utils.tensorboard import SummaryWriter\n\
                  from torch.utils.tensorboard.summary import make_histogram\n\
                  d = sys.argv[1]\n\
                  w = SummaryWriter(log_dir=os.path.join(d, 'run'))\n\
                  h = make_histogram(np.fromfile(os.path.join(d, 'values.f32'), '<f4'), \
                  w.default_bins)\n\
                  w.close()\n\
                  np.array([h.min, h.max, h.num, h.sum, h.sum_squares], '<f8')\
                  .tofile(os.path.join(d, 'stats.f64'))\n\
                  np.array(h.bucket_limit, '<f8').tofile(os.path.join(d, 'limits.f64'))\n\
                  np.array(h.bucket, '<f8').tofile(os.path.join(d, 'counts.f64'))\n";
    let output = Command::new(env_path("ACTIVATION_STUDY_PYTHON")?)
        .args(["-c", script])
        .arg(dir)
        .output()
        .context("running the setup's Python; run ./scripts/setup.sh")?;
    if !output.status.success() {
        bail!("torch failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let read = |name: &str| -> Result<Vec<f64>> {
        Ok(std::fs::read(dir.join(name))?
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect())
    };
    Ok(Torch {
        stats: read("stats.f64")?
            .try_into()
            .map_err(|v| anyhow::anyhow!("expected 5 statistics, got {v:?}"))?,
        limits: read("limits.f64")?,
        counts: read("counts.f64")?,
    })
}

#[test]
fn buckets_match_torch_utils_tensorboard() -> Result<()> {
    let values = values();
    let dir = tempfile::tempdir()?;
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.path().join("values.f32"), bytes)?;
    let torch = torch_histogram(dir.path())?;
    let ours = values.to_histogram()?;

    // torch writes every bucket of the span, plus one empty bucket in front; we fold runs
    // of empty buckets. The non-empty buckets, named by their right edge, must be equal.
    let non_empty = |limits: &[f64], counts: &[f64]| -> Vec<(f64, f64)> {
        limits
            .iter()
            .zip(counts)
            .filter(|(_, c)| **c > 0.0)
            .map(|(l, c)| (*l, *c))
            .collect()
    };
    let theirs = non_empty(&torch.limits, &torch.counts);
    assert!(theirs.len() > 1000, "the values should fill most buckets");
    assert_eq!(non_empty(&ours.bucket_limits, &ours.bucket_counts), theirs);
    assert!(ours.bucket_limits.len() < torch.limits.len());

    // torch's f32 sum of squares overflows to inf for these magnitudes (it gave inf here),
    // so ours is checked against a plain f64 sum below instead.
    let [min, max, num, sum, _] = torch.stats;
    assert_eq!((ours.min, ours.max, ours.num), (min, max, num));
    assert_eq!(ours.non_finite, 0);
    // torch sums in f32, we in f64: allow f32 rounding, relative to the sum of magnitudes.
    let magnitudes: f64 = values.iter().map(|v| f64::from(v.abs())).sum();
    assert!(
        (ours.sum - sum).abs() <= 1e-5 * magnitudes,
        "{} vs {sum}",
        ours.sum
    );
    let squares: f64 = values.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    assert!(
        (ours.sum_squares - squares).abs() <= 1e-12 * squares,
        "{} vs {squares}",
        ours.sum_squares
    );
    Ok(())
}
