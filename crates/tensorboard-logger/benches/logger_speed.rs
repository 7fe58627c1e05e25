//! Speed of the logger next to its peers, all measured in this one run on this machine:
//! scalars per second against tensorboard-rs, one histogram of 1M `f32` against
//! torch.utils.tensorboard (on all cores and on one), the bytes a histogram event takes on
//! disk, and image encoding.
//!
//! `cargo bench -p tensorboard-logger --features tch --bench logger_speed` (the tensor rows
//! need the `tch` feature; torch.utils.tensorboard runs in the setup's Python, so run
//! `./scripts/setup.sh` first).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::summary::histogram::HistogramInput;
use tensorboard_logger::summary::image::{Image, Layout};

const SCALARS: usize = 1_000_000;
const HISTOGRAM_VALUES: usize = 1_000_000;
/// Histogram events written to measure their size on disk.
const SIZE_EVENTS: usize = 20;
/// Set in the child process that times the slice histogram on one core.
const ONE_CORE_ENV: &str = "LOGGER_SPEED_ONE_CORE";

fn main() -> Result<()> {
    let python = std::env::var_os("ACTIVATION_STUDY_PYTHON")
        .map(PathBuf::from)
        .context("ACTIVATION_STUDY_PYTHON is not set; run ./scripts/setup.sh")?;
    let values = normal_values(HISTOGRAM_VALUES);
    if std::env::var_os(ONE_CORE_ENV).is_some() {
        let (median, min) = time_each(30, || {
            black_box(values.to_histogram()?);
            Ok(())
        })?;
        println!("{} {} {}", cpus(), median.as_nanos(), min.as_nanos());
        return Ok(());
    }
    println!(
        "tensorboard-logger speed, one run ({} logical CPUs)\n",
        cpus()
    );

    scalars()?;
    histograms(&values, &python)?;
    images()?;
    Ok(())
}

/// Writes `SCALARS` scalars with each writer, including closing (flushing) the file.
fn scalars() -> Result<()> {
    let tag = "train/loss";
    let ours = median_of(3, || {
        let dir = tempfile::tempdir()?;
        let start = Instant::now();
        let writer = SummaryWriter::new(dir.path())?;
        for step in 0..SCALARS {
            writer.add_scalar(tag, step as f32 * 1e-6, step as i64)?;
        }
        writer.close()?;
        Ok(start.elapsed())
    })?;
    let peer = median_of(3, || {
        let dir = tempfile::tempdir()?;
        let start = Instant::now();
        let mut writer = tensorboard_rs::summary_writer::SummaryWriter::new(dir.path());
        for step in 0..SCALARS {
            writer.add_scalar(tag, step as f32 * 1e-6, step);
        }
        writer.flush();
        drop(writer);
        Ok(start.elapsed())
    })?;
    let rate = |d: Duration| SCALARS as f64 / d.as_secs_f64();
    println!("Scalars: {SCALARS} add_scalar calls then close (median of 3)");
    println!("  {:<34} {:>10} {:>16}", "writer", "time", "scalars/s");
    for (name, d) in [("tensorboard-logger", ours), ("tensorboard-rs 0.5.9", peer)] {
        println!("  {name:<34} {:>10} {:>16.0}", ms(d), rate(d));
    }
    println!(
        "  ratio tensorboard-logger / tensorboard-rs: {:.1}x (target >= 3x and >= 1M scalars/s)\n",
        rate(ours) / rate(peer)
    );
    Ok(())
}

fn histograms(values: &[f32], python: &Path) -> Result<()> {
    println!("Histogram of {HISTOGRAM_VALUES} f32 values on the CPU (median of 30; min)");
    println!("  {:<46} {:>10} {:>10}", "what", "median", "min");
    let row = |name: &str, (median, min): (Duration, Duration)| {
        println!("  {name:<46} {:>10} {:>10}", ms(median), ms(min));
    };
    let slice = time_each(30, || {
        black_box(values.to_histogram()?);
        Ok(())
    })?;
    row("slice: to_histogram", slice);
    match one_core_slice()? {
        Some(one_core) => row("slice: to_histogram, one core", one_core),
        None => println!("  (no one-core row: `taskset` is not on PATH)"),
    }

    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    let mut step = 0;
    let add_slice = time_each(30, || {
        step += 1;
        writer.add_histogram("weights", values, step)?;
        Ok(())
    })?;
    row("slice: SummaryWriter::add_histogram", add_slice);
    writer.close()?;

    #[cfg(feature = "tch")]
    {
        // A CPU tensor is bucketed by the slice path on its own memory; a half-precision
        // one is first widened to f32 by libtorch.
        let tensor = tch::Tensor::from_slice(values);
        let half = tensor.to_kind(tch::Kind::Half);
        row(
            "tensor (CPU, f32): to_histogram",
            time_each(30, || {
                black_box(tensor.to_histogram()?);
                Ok(())
            })?,
        );
        row(
            "tensor (CPU, f16): to_histogram",
            time_each(30, || {
                black_box(half.to_histogram()?);
                Ok(())
            })?,
        );
        let dir = tempfile::tempdir()?;
        let writer = SummaryWriter::new(dir.path())?;
        let mut step = 0;
        row(
            "tensor (CPU, f32): add_histogram",
            time_each(30, || {
                step += 1;
                writer.add_histogram("weights", &tensor, step)?;
                Ok(())
            })?,
        );
        writer.close()?;
    }
    #[cfg(not(feature = "tch"))]
    println!("  (tensor rows need --features tch)");

    let torch = torch_peer(values, python)?;
    row(
        "torch.utils.tensorboard make_histogram",
        (torch.median, torch.min),
    );
    println!(
        "  ratio torch / slice to_histogram (median): {:.1}x (target: slice <= 2 ms)\n",
        torch.median.as_secs_f64() / slice.0.as_secs_f64()
    );

    let ours = histogram_event_bytes(values)?;
    println!("Bytes per histogram event on disk (record framing included; {SIZE_EVENTS} events)");
    println!("  {:<46} {:>10}", "tensorboard-logger", ours);
    println!(
        "  {:<46} {:>10}\n",
        "torch.utils.tensorboard", torch.event_bytes
    );
    Ok(())
}

/// The `slice: to_histogram` row timed again in a child process pinned to one core with
/// `taskset` (the histogram asks once how many cores it may use); `None` without `taskset`.
fn one_core_slice() -> Result<Option<(Duration, Duration)>> {
    let exe = std::env::current_exe()?;
    let output = match Command::new("taskset")
        .args(["--cpu-list", "0"])
        .arg(exe)
        .env(ONE_CORE_ENV, "1")
        .output()
    {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error).context("running taskset"),
    };
    if !output.status.success() {
        bail!(
            "the one-core run failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = String::from_utf8(output.stdout)?;
    let fields: Vec<u64> = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("unexpected one-core output {text:?}"))?;
    ensure!(
        fields.len() == 3 && fields[0] == 1,
        "the one-core run saw {text:?}; expected one CPU and two times"
    );
    Ok(Some((
        Duration::from_nanos(fields[1]),
        Duration::from_nanos(fields[2]),
    )))
}

/// Size on disk of `SIZE_EVENTS` histogram events, per event.
fn histogram_event_bytes(values: &[f32]) -> Result<u64> {
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    writer.flush()?;
    let file = writer.event_file().to_path_buf();
    let before = std::fs::metadata(&file)?.len();
    for step in 0..SIZE_EVENTS {
        writer.add_histogram("weights", values, step as i64)?;
    }
    writer.close()?;
    Ok((std::fs::metadata(&file)?.len() - before) / SIZE_EVENTS as u64)
}

struct TorchPeer {
    median: Duration,
    min: Duration,
    event_bytes: u64,
}

/// Times torch.utils.tensorboard's `make_histogram` with its writer's default bins on the
/// same values, and measures the size of its histogram events.
fn torch_peer(values: &[f32], python: &Path) -> Result<TorchPeer> {
    let dir = tempfile::tempdir()?;
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.path().join("values.f32"), bytes)?;
    let script = format!(
        "import sys, os, time, glob, numpy as np\n\
         from torch.utils.tensorboard import SummaryWriter\n\
         from torch.utils.tensorboard.summary import make_histogram\n\
         d = sys.argv[1]\n\
         v = np.fromfile(os.path.join(d, 'values.f32'), '<f4')\n\
         w = SummaryWriter(log_dir=os.path.join(d, 'run'))\n\
         times = []\n\
         for _ in range(31):\n\
         \x20   t = time.perf_counter(); make_histogram(v, w.default_bins)\n\
         \x20   times.append(time.perf_counter() - t)\n\
         times = sorted(times[1:])\n\
         w.flush()\n\
         f = glob.glob(os.path.join(d, 'run', '*tfevents*'))[0]\n\
         before = os.path.getsize(f)\n\
         for step in range({SIZE_EVENTS}):\n\
         \x20   w.add_histogram('weights', v, step)\n\
         w.close()\n\
         print(times[len(times) // 2], times[0], (os.path.getsize(f) - before) // {SIZE_EVENTS})\n"
    );
    let output = Command::new(python)
        .args(["-c", &script])
        .arg(dir.path())
        .output()
        .context("running the setup's Python; run ./scripts/setup.sh")?;
    if !output.status.success() {
        bail!("torch failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let text = String::from_utf8(output.stdout)?;
    let fields: Vec<&str> = text.split_whitespace().collect();
    ensure!(fields.len() == 3, "unexpected torch output {text:?}");
    Ok(TorchPeer {
        median: Duration::from_secs_f64(fields[0].parse()?),
        min: Duration::from_secs_f64(fields[1].parse()?),
        event_bytes: fields[2].parse()?,
    })
}

/// Grid and PNG of real MNIST digits and CIFAR-10 pictures, as `add_images` does them.
fn images() -> Result<()> {
    let data = std::env::var_os("ACTIVATION_STUDY_DATA")
        .map(PathBuf::from)
        .context("ACTIVATION_STUDY_DATA is not set; run ./scripts/setup.sh")?;
    let mnist = std::fs::read(data.join("mnist/t10k-images-idx3-ubyte"))
        .context("reading MNIST; run ./scripts/setup.sh")?;
    let digits = mnist[16..]
        .chunks_exact(28 * 28)
        .take(64)
        .map(|p| Image::from_u8(p.to_vec(), 1, 28, 28, Layout::Chw))
        .collect::<Result<Vec<_>, _>>()?;
    let cifar = std::fs::read(data.join("cifar10-sample/test_batch.bin"))
        .context("reading the CIFAR-10 sample; run ./scripts/setup.sh")?;
    let pictures = cifar
        .chunks_exact(3073)
        .map(|r| Image::from_u8(r[1..].to_vec(), 3, 32, 32, Layout::Chw))
        .collect::<Result<Vec<_>, _>>()?;

    println!("Images: grid + PNG encoding (median of 50; min)");
    println!(
        "  {:<46} {:>10} {:>10} {:>10}",
        "what", "median", "min", "PNG bytes"
    );
    for (name, batch) in [
        ("64 MNIST digits -> 242x242 gray", &digits),
        ("20 CIFAR-10 images -> 172x138 RGB", &pictures),
    ] {
        let png_len = Image::grid(batch)?.encode_png()?.len();
        let (median, min) = time_each(50, || {
            black_box(Image::grid(batch)?.encode_png()?);
            Ok(())
        })?;
        println!(
            "  {name:<46} {:>10} {:>10} {png_len:>10}",
            ms(median),
            ms(min)
        );
    }
    Ok(())
}

/// Median and minimum of `runs` timed calls, after one untimed warm-up call.
fn time_each(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<(Duration, Duration)> {
    f()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok((times[runs / 2], times[0]))
}

/// Median of `runs` calls that time themselves.
fn median_of(runs: usize, mut f: impl FnMut() -> Result<Duration>) -> Result<Duration> {
    let mut times = (0..runs).map(|_| f()).collect::<Result<Vec<_>>>()?;
    times.sort();
    Ok(times[runs / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Standard normal values scaled like weights (sigma 0.1), from a fixed-seed xorshift
/// generator and the Box-Muller transform.
fn normal_values(n: usize) -> Vec<f32> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut unit = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        ((state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (u, v) = (unit(), unit());
            ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos() * 0.1) as f32
        })
        .collect()
}
