//! Training throughput of our tch step loop against the same MNIST training in PyTorch, each with
//! and without TensorBoard logging, measured in one run on one machine; prints images/s and ratios.

mod machine;
mod ours;
mod peer;
mod phases;
mod summaries;
mod windows;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use activation_study::data;
use activation_study::device::{self, DeviceChoice};
use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use tch::Device;

use crate::ours::Ours;
use crate::peer::Peer;

/// Images per step, the tutorial's batch size.
pub const BATCH: usize = 50;
/// Adam's learning rate, the tutorial's.
pub const LEARNING_RATE: f64 = 1e-4;
/// Training losses averaged for the reported final training loss.
pub const LAST_LOSSES: usize = 50;

/// The tch release this benchmark is built with: the workspace's, unless the build says
/// otherwise (`scripts/gpu-bundle.sh` builds with tch 0.24 for libtorch 2.11).
const TCH_VERSION: &str = match option_env!("ACTIVATION_STUDY_TCH") {
    Some(version) => version,
    None => "0.26",
};
/// Share of the CPU time used by other processes above which the numbers are suspect.
const BUSY_SHARE: f64 = 0.05;
/// Target: our images/s at least this multiple of PyTorch's, without logging.
const SPEED_TARGET: f64 = 1.0;
/// Target: logging slows our training by at most this fraction (without the diagnosis, which
/// PyTorch's side does not do).
const OVERHEAD_TARGET: f64 = 0.03;
/// Largest relative difference between the two stacks' final test losses that counts as
/// "the same training" (same weights, data order and dropout seed; only float rounding and
/// the optimisers' arithmetic order differ).
const LOSS_TOLERANCE: f64 = 0.05;

/// Trains the MNIST net with our tch step loop and with PyTorch, each without logging and with
/// what the `train` binary logs (scalars every step; histograms, layer scalars and images every
/// `--histogram-every` steps), from the same weights, data order and seed, and prints the
/// images/s of each and the ratios.
#[derive(Parser, Debug)]
struct Args {
    /// Timed training steps per run (batch 50), a multiple of --histogram-every.
    #[arg(long, default_value_t = 300)]
    steps: usize,
    /// Untimed steps before the timed ones (allocator, kernel selection, page faults), a
    /// multiple of --histogram-every.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Rounds; each runs every configuration once (alternating their order), and each
    /// configuration's best round is reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Intra-op threads on both sides.
    #[arg(long, default_value_t = 2)]
    threads: i32,
    /// Where both sides train (`train`'s choices; auto takes CUDA when libtorch sees it).
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    device: DeviceChoice,
    /// Seed of the initial weights, the batch order and dropout.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Steps between histogram summaries in the logging runs, and the length of the windows
    /// whose median time gives the throughput.
    #[arg(long, default_value_t = 10)]
    histogram_every: usize,
    /// Test images for the final loss check.
    #[arg(long, default_value_t = 2000)]
    test_images: usize,
    /// Also time each phase of the step (batching, forward, backward, optimiser, each kind of
    /// summary) on both sides and print where the time goes. On CUDA this synchronises after
    /// every phase, so take the images/s from a run without it.
    #[arg(long)]
    phases: bool,
    /// Which side runs with glibc's heap tuned as the `train` binary tunes it
    /// (`activation_study::heap`): by default ours, as `train` runs, and PyTorch as installed.
    #[arg(long, value_enum, default_value_t = HeapArg::Ours)]
    heap: HeapArg,
    /// Run only these configurations (comma-separated), e.g. to profile one; each ratio needs
    /// the two configurations it compares.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Config>,
    /// The Python with torch and tensorboard [default: $ACTIVATION_STUDY_PYTHON, set by ./scripts/setup.sh].
    #[arg(long)]
    python: Option<PathBuf>,
    /// The data root holding mnist/ [default: $ACTIVATION_STUDY_DATA, else the setup's cache].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The PyTorch side's script [default: benches/pytorch/mnist_speed.py in the sources this
    /// benchmark was built from].
    #[arg(long)]
    peer_script: Option<PathBuf>,
    /// Ignored: `cargo bench` passes it to every benchmark binary.
    #[arg(long, hide = true)]
    bench: bool,
}

/// Which side gets the tuned heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum HeapArg {
    /// Ours only, as the `train` binary runs.
    Ours,
    /// Both sides, to compare the stacks with the allocator equal.
    Both,
    /// Neither: glibc's defaults on both sides.
    Neither,
}

/// What one run is told, on either side.
pub struct Settings {
    /// Timed steps.
    pub steps: usize,
    /// Untimed steps before them.
    pub warmup: usize,
    /// Intra-op threads.
    pub threads: i32,
    /// Seed of the batch order and dropout.
    pub seed: u64,
    /// `cpu` or `cuda`.
    pub device_name: &'static str,
    /// Steps between histogram summaries.
    pub histogram_every: usize,
    /// Test images for the final loss.
    pub test_images: usize,
    /// Whether to time the phases of each step.
    pub phases: bool,
}

/// What one run measured.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    /// Training images per second from the median window of `--histogram-every` steps, the
    /// writer's close spread over the windows.
    pub images_per_s: f64,
    /// Training images per second over all timed steps and the close.
    pub mean_images_per_s: f64,
    /// Mean training cross entropy of the last 50 steps.
    pub train_loss_last50: f64,
    /// Cross entropy on the first `--test-images` test images, after training.
    pub test_loss: f64,
    /// Accuracy on the same images.
    pub test_accuracy: f64,
    /// Seconds per phase over the timed steps, with `--phases`.
    pub phases: Option<phases::Spent>,
}

/// The five configurations, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Config {
    /// Our step loop without logging.
    Ours,
    /// Our step loop logging through tensorboard-logger.
    OursLogging,
    /// Our step loop logging through tensorboard-logger with `train`'s diagnosis on, as
    /// `train` runs by default.
    OursDiagnostics,
    /// The PyTorch script without logging.
    Pytorch,
    /// The PyTorch script logging through torch.utils.tensorboard.
    PytorchLogging,
}

impl Config {
    const ALL: [Config; 5] = [
        Config::Ours,
        Config::OursLogging,
        Config::OursDiagnostics,
        Config::Pytorch,
        Config::PytorchLogging,
    ];

    fn label(self) -> &'static str {
        match self {
            Config::Ours => "ours (tch), no logging",
            Config::OursLogging => "ours (tch) + tensorboard-logger",
            Config::OursDiagnostics => "ours + logger + diagnostics",
            Config::Pytorch => "PyTorch, no logging",
            Config::PytorchLogging => "PyTorch + torch.utils.tensorboard",
        }
    }

    fn logging(self) -> bool {
        matches!(
            self,
            Config::OursLogging | Config::OursDiagnostics | Config::PytorchLogging
        )
    }
}

/// Every round's measurement of each configuration that ran.
struct Results(Vec<(Config, Vec<Measured>)>);

impl Results {
    /// The best round of `config`, if it ran.
    fn best(&self, config: Config) -> Option<Measured> {
        let (_, runs) = self.0.iter().find(|(c, _)| *c == config)?;
        runs.iter()
            .copied()
            .max_by(|a, b| a.images_per_s.total_cmp(&b.images_per_s))
    }
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("training_speed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the comparison; `Ok(false)` when the two stacks did not train or log alike.
fn run(args: Args) -> Result<bool> {
    if args.rounds == 0 || args.threads <= 0 || args.histogram_every == 0 {
        bail!("--rounds, --threads and --histogram-every must be positive");
    }
    if args.steps < LAST_LOSSES
        || !args.steps.is_multiple_of(args.histogram_every)
        || !args.warmup.is_multiple_of(args.histogram_every)
    {
        bail!(
            "--steps ({}) must be at least {LAST_LOSSES} (the final loss averages that many steps), \
             and --steps and --warmup ({}) multiples of --histogram-every ({}): throughput is \
             timed in windows of that many steps",
            args.steps,
            args.warmup,
            args.histogram_every
        );
    }
    let device = device::resolve(args.device)?;
    // The PyTorch script's `--device`.
    let device_name = match device {
        Device::Cpu => "cpu",
        Device::Cuda(_) => "cuda",
        other => bail!("the benchmark runs on the CPU or CUDA, not {other:?}"),
    };
    tch::set_num_threads(args.threads);
    let data_root = match args.data_dir {
        Some(dir) => dir,
        None => data::default_data_dir(|name| std::env::var_os(name))
            .context("no --data-dir, $ACTIVATION_STUDY_DATA or $HOME; run ./scripts/setup.sh")?,
    };
    let Some(python) = args
        .python
        .or_else(|| std::env::var_os("ACTIVATION_STUDY_PYTHON").map(PathBuf::from))
    else {
        bail!(
            "no --python and no $ACTIVATION_STUDY_PYTHON; run ./scripts/setup.sh, which sets it for cargo"
        );
    };
    let configs: Vec<Config> = Config::ALL
        .into_iter()
        .filter(|c| args.only.is_empty() || args.only.contains(c))
        .collect();
    let settings = Settings {
        steps: args.steps,
        warmup: args.warmup,
        threads: args.threads,
        seed: args.seed,
        device_name,
        histogram_every: args.histogram_every,
        test_images: args.test_images,
        phases: args.phases,
    };

    let ours_tuned = args.heap != HeapArg::Neither && activation_study::heap::reuse_freed_buffers();
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let ours = Ours::new(&data_root, device, args.seed)?;
    let inputs = scratch.path().join("inputs.npz");
    ours.export_inputs(&inputs, args.warmup + args.steps, args.seed)?;
    let peer = Peer {
        python,
        script: args
            .peer_script
            .unwrap_or_else(|| PathBuf::from(peer::SCRIPT)),
        mnist_dir: data_root.join("mnist"),
        inputs,
        tuned_heap: args.heap == HeapArg::Both,
    };
    let torch = peer.torch()?;

    let machine = machine::Machine::probe();
    println!(
        "training speed: MNIST net (relu), batch {BATCH}, {} timed steps after {} warm-up, {device_name}, {} threads, best of {} rounds",
        args.steps, args.warmup, args.threads, args.rounds
    );
    println!("machine: {}; {}", machine.describe(), machine::date_utc());
    println!("PyTorch: torch {} at {}", torch.version, torch.location);
    println!(
        "ours: tch {TCH_VERSION} on LIBTORCH={}",
        std::env::var("LIBTORCH").unwrap_or_else(|_| "(unset)".to_owned())
    );
    let describe = |tuned: bool| {
        if tuned {
            "tuned as train tunes it"
        } else {
            "glibc defaults"
        }
    };
    println!(
        "heap: ours {}, PyTorch {}",
        describe(ours_tuned),
        describe(peer.tuned_heap)
    );
    println!("load average at start: {}", machine::load_average());
    let cpu_at_start = machine::CpuTimes::now();

    let logdir =
        |round: usize, config: Config| scratch.path().join(format!("round{round}-{config:?}"));
    let mut results = Results(configs.iter().map(|&c| (c, Vec::new())).collect());
    for round in 0..args.rounds {
        // Alternating the order cancels a slow drift of the machine's speed between configurations.
        let mut order: Vec<usize> = (0..configs.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let config = configs[i];
            let dir = logdir(round, config);
            let dir = config.logging().then_some(dir.as_path());
            let measured = match config {
                Config::Ours | Config::OursLogging => ours.run(&settings, dir, false),
                Config::OursDiagnostics => ours.run(&settings, dir, true),
                Config::Pytorch | Config::PytorchLogging => peer.run(&settings, dir),
            }
            .with_context(|| format!("round {}: {}", round + 1, config.label()))?;
            println!(
                "round {}/{}: {:<34} {:>8.1} images/s  test loss {:.4}",
                round + 1,
                args.rounds,
                config.label(),
                measured.images_per_s,
                measured.test_loss
            );
            std::io::stdout().flush()?;
            results.0[i].1.push(measured);
        }
    }
    println!("load average at end: {}", machine::load_average());
    if let (Some(start), Some(end)) = (cpu_at_start, machine::CpuTimes::now()) {
        let others = start.others_share(&end);
        println!(
            "other processes used {:.1}% of the CPU time during the runs",
            100.0 * others
        );
        if others > BUSY_SHARE {
            println!(
                "warning: the machine was busy: other work competes with libtorch's threads, whose \
                 barriers then wait on descheduled threads; rates can drop several-fold and the \
                 ratios get noisy. Rerun on an idle machine."
            );
        }
    }

    let same_logs =
        if configs.contains(&Config::OursLogging) && configs.contains(&Config::PytorchLogging) {
            compare_logs(
                &logdir(0, Config::OursLogging),
                &logdir(0, Config::PytorchLogging),
                settings.histogram_every as i64,
            )?
        } else {
            true
        };
    let same_training = report(&results);
    if args.phases {
        report_phases(&results, args.steps);
    }
    Ok(same_logs && same_training)
}

/// Checks that both logging runs wrote the same summaries and says what they were; false when
/// they differ.
fn compare_logs(ours_dir: &Path, peer_dir: &Path, every: i64) -> Result<bool> {
    let ours = summaries::read(ours_dir)?;
    let peer = summaries::read(peer_dir)?;
    let differences = summaries::differences(&ours, &peer, 10);
    if differences.is_empty() {
        println!(
            "logged by both, tag for tag: {} summaries; every step {}; at steps 1, {every}, {}, ... and the last, all of: {}",
            ours.len(),
            summaries::counts_at(&ours, 2),
            2 * every,
            summaries::counts_at(&ours, every)
        );
        return Ok(true);
    }
    println!("LOGS DIFFER, the logging comparison is void:");
    for line in differences {
        println!("  {line}");
    }
    Ok(false)
}

/// Prints the table, the ratios against the targets and the loss check; false when the two
/// stacks did not reach the same loss.
fn report(results: &Results) -> bool {
    println!();
    println!(
        "images/s: median window of --histogram-every steps, best round (every round's in brackets); \
         mean: all timed steps, same round"
    );
    println!(
        "| configuration | images/s | mean images/s | test loss | test acc. | train loss (last 50) |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (config, runs) in &results.0 {
        let Some(b) = results.best(*config) else {
            continue;
        };
        let rounds: Vec<String> = runs
            .iter()
            .map(|m| format!("{:.0}", m.images_per_s))
            .collect();
        println!(
            "| {} | {:.1} ({}) | {:.1} | {:.4} | {:.4} | {:.4} |",
            config.label(),
            b.images_per_s,
            rounds.join(", "),
            b.mean_images_per_s,
            b.test_loss,
            b.test_accuracy,
            b.train_loss_last50
        );
    }
    println!();
    let verdict = |ok: bool| if ok { "meets target" } else { "BELOW TARGET" };
    let overhead =
        |plain: Measured, logging: Measured| plain.images_per_s / logging.images_per_s - 1.0;
    let [ours, ours_log, ours_diagnostics, peer, peer_log] = Config::ALL.map(|c| results.best(c));
    if let (Some(ours), Some(peer)) = (ours, peer) {
        let speed = ours.images_per_s / peer.images_per_s;
        println!(
            "ours / PyTorch, no logging:   {speed:.3}x  (target >= {SPEED_TARGET:.2}x: {})",
            verdict(speed >= SPEED_TARGET)
        );
    }
    if let (Some(plain), Some(logging)) = (ours, ours_log) {
        let o = overhead(plain, logging);
        println!(
            "logging overhead, ours:       {:+.1}%  (target <= {:.0}%: {})",
            100.0 * o,
            100.0 * OVERHEAD_TARGET,
            verdict(o <= OVERHEAD_TARGET)
        );
    }
    if let (Some(logging), Some(diagnosing)) = (ours_log, ours_diagnostics) {
        println!(
            "diagnostics overhead, ours:   {:+.1}%  (logging with the diagnosis against without)",
            100.0 * overhead(logging, diagnosing)
        );
    }
    if let (Some(plain), Some(logging)) = (peer, peer_log) {
        println!(
            "logging overhead, PyTorch:    {:+.1}%",
            100.0 * overhead(plain, logging)
        );
    }
    if let (Some(ours), Some(peer)) = (ours_log, peer_log) {
        println!(
            "ours / PyTorch, both logging: {:.3}x",
            ours.images_per_s / peer.images_per_s
        );
    }

    // Any two configurations that ran trained alike (logging must not change the training).
    let ran: Vec<(Config, Measured)> = Config::ALL
        .iter()
        .filter_map(|&c| Some((c, results.best(c)?)))
        .collect();
    let (lo, hi) = ran
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, m)| {
            (lo.min(m.test_loss), hi.max(m.test_loss))
        });
    let spread = (hi - lo) / hi.abs().max(f64::MIN_POSITIVE);
    let same = spread <= LOSS_TOLERANCE;
    let losses: Vec<String> = ran
        .iter()
        .map(|(c, m)| format!("{c:?} {:.4}", m.test_loss))
        .collect();
    println!(
        "loss check: test losses {} ({:.2}% apart, tolerance {:.0}%): {}",
        losses.join(", "),
        100.0 * spread,
        100.0 * LOSS_TOLERANCE,
        if same {
            "same training"
        } else {
            "DIFFERENT TRAINING, the comparison is void"
        }
    );
    same
}

/// Prints milliseconds per timed step in each phase, for each configuration's best round.
fn report_phases(results: &Results, steps: usize) {
    let ran: Vec<(Config, phases::Spent)> = Config::ALL
        .iter()
        .filter_map(|&c| Some((c, results.best(c)?.phases?)))
        .collect();
    println!();
    println!(
        "where the time goes, ms per step (best round; summaries are amortised over all steps):"
    );
    let header: Vec<&str> = ran.iter().map(|(c, _)| c.label()).collect();
    println!("| phase | {} |", header.join(" | "));
    println!("|---|{}", "---:|".repeat(ran.len()));
    let per_step = |s: f64| 1e3 * s / steps as f64;
    for (i, phase) in phases::PHASES.iter().enumerate() {
        let cells: Vec<String> = ran
            .iter()
            .map(|(_, spent)| format!("{:.2}", per_step(spent[i])))
            .collect();
        println!("| {} | {} |", phase.name(), cells.join(" | "));
    }
    let totals: Vec<String> = ran
        .iter()
        .map(|(_, spent)| format!("{:.2}", per_step(spent.iter().sum())))
        .collect();
    println!("| total | {} |", totals.join(" | "));
}
