//! The `train` command: flags, planning the runs, running them with progress bars, and the
//! final table.

use std::io::Write;
use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Parser, ValueEnum};

use crate::activation::{Activation, ActivationKind, DEFAULT_ELU_ALPHA, DEFAULT_LEAKY_SLOPE};
use crate::config::RunConfig;
use crate::data::{self, Dataset, LoadedData};
use crate::device::{self, DeviceChoice};
use crate::error::{Causes, StudyError};
use crate::heap;
use crate::interrupt::StopRequest;
use crate::limits::{self, Machine};
use crate::progress::RunProgress;
use crate::results::RunResults;
use crate::run_end::{RunEnd, RunStatus};
use crate::rundir;
use crate::sweep::{self, Pick, Task};
use crate::train;

/// An `--activations` value: `all`, or one of the five by its `study-spec` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationChoice {
    /// All five, in the study's order.
    All,
    /// One of them.
    One(ActivationKind),
}

/// `all`, then each activation in the study's order.
const ACTIVATION_CHOICES: [ActivationChoice; ActivationKind::ALL.len() + 1] = {
    let mut choices = [ActivationChoice::All; ActivationKind::ALL.len() + 1];
    let mut i = 0;
    while i < ActivationKind::ALL.len() {
        choices[i + 1] = ActivationChoice::One(ActivationKind::ALL[i]);
        i += 1;
    }
    choices
};

impl ValueEnum for ActivationChoice {
    fn value_variants<'a>() -> &'a [Self] {
        &ACTIVATION_CHOICES
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        match self {
            ActivationChoice::All => {
                Some(PossibleValue::new("all").help("All five, in the study's order"))
            }
            ActivationChoice::One(kind) => kind.to_possible_value(),
        }
    }
}

/// Train the MNIST or CIFAR-10 tutorial network once per activation function and log
/// everything to TensorBoard (`tensorboard --logdir logs`).
///
/// Without arguments: MNIST, all five activations, a short schedule of a few minutes on a
/// laptop CPU. `--steps 20000` is the tutorial's full MNIST schedule.
#[derive(Debug, Parser)]
#[command(name = "train", version)]
pub struct Args {
    /// Data set (and with it the network and the tutorial's optimiser settings).
    #[arg(long, value_enum, default_value_t = Dataset::Mnist)]
    pub dataset: Dataset,

    /// Activations to train, comma-separated; each is its own run.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "all")]
    pub activations: Vec<ActivationChoice>,

    /// Optimisation steps per run [default: MNIST 2000 (full: 20000), CIFAR-10 1000 (full: 100000)].
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    pub steps: Option<i64>,

    /// Mini-batch size [default: MNIST 50, CIFAR-10 128].
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    pub batch_size: Option<i64>,

    /// Learning rate [default: MNIST 1e-4 (Adam), CIFAR-10 0.1 (SGD)].
    #[arg(long, value_parser = positive_f64)]
    pub lr: Option<f64>,

    /// Seed of the weights, batch order, dropout and distortions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,

    /// Repeat each activation with this many seeds (seed, seed+1, ...); runs are then named
    /// `<activation>-seed<N>`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub seeds: u64,

    /// Data root holding mnist/ and cifar10-sample/ (and optionally
    /// cifar10/cifar-10-batches-bin/) [default: $ACTIVATION_STUDY_DATA, else
    /// ${ACTIVATION_STUDY_CACHE:-${XDG_CACHE_HOME:-~/.cache}/activation-study}/data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,

    /// Where runs go: `<logdir>/<dataset>/<activation>`, numbered (-2, -3, ...) if taken.
    #[arg(long, default_value = study_spec::layout::DEFAULT_LOG_DIR)]
    pub logdir: PathBuf,

    /// Training device; auto uses CUDA when libtorch sees a GPU.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,

    /// Steps between evaluations on the whole test set [default: 500].
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    pub eval_every: Option<i64>,

    /// Steps between histograms, sparsity/saturation and image summaries.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..))]
    pub hist_every: i64,

    /// Steps between scalar summaries (losses, accuracy) and progress updates.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(i64).range(1..))]
    pub log_every: i64,

    /// Slope a of leaky ReLU, max(a x, x), in [0, 1).
    #[arg(long, default_value_t = DEFAULT_LEAKY_SLOPE)]
    pub leaky_slope: f64,

    /// Alpha of ELU, alpha (e^x - 1) for x < 0.
    #[arg(long, default_value_t = DEFAULT_ELU_ALPHA)]
    pub elu_alpha: f64,

    /// Turn off the diagnosis: no gradient-flow, saturation, dead-unit and loss-plateau
    /// signals under diagnostics/, no findings (see the README's "Diagnostics").
    #[arg(long)]
    pub no_diagnostics: bool,

    /// libtorch CPU threads [default: libtorch's choice, usually one per core].
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..))]
    pub threads: Option<i32>,

    /// Print the grid these flags make, one task a line (index, data set, activation, seed,
    /// run directory), and exit; the line count is the job array's size.
    #[arg(long, conflicts_with = "task_index")]
    pub plan: bool,

    /// Run only task N of the grid (see --plan), in `<logdir>/<dataset>/<activation>-seed<N>`;
    /// a finished task is skipped, a died attempt moved to `<logdir>.attempts` [default:
    /// $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX, else every task].
    #[arg(long, value_name = "N")]
    pub task_index: Option<u64>,
}

impl ActivationChoice {
    /// The activation chosen, or `None` for `all`.
    pub fn kind(self) -> Option<ActivationKind> {
        match self {
            ActivationChoice::All => None,
            ActivationChoice::One(kind) => Some(kind),
        }
    }
}

fn positive_f64(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|e| format!("{s:?} is not a number: {e}"))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{s} must be a positive, finite number"))
    }
}

impl Args {
    /// The activations to run, in the study's order, without repeats.
    pub fn activation_kinds(&self) -> Vec<ActivationKind> {
        ActivationKind::ALL
            .into_iter()
            .filter(|kind| {
                self.activations
                    .iter()
                    .any(|choice| choice.kind().is_none_or(|k| k == *kind))
            })
            .collect()
    }

    /// The data root: `--data-dir`, else the default rule.
    pub fn data_root(&self) -> Result<PathBuf, StudyError> {
        match &self.data_dir {
            Some(dir) => Ok(dir.clone()),
            None => data::default_data_dir(|name| std::env::var_os(name)).ok_or_else(|| {
                StudyError::InvalidSetting(
                    "no data directory: none of ACTIVATION_STUDY_DATA, ACTIVATION_STUDY_CACHE, \
                     XDG_CACHE_HOME or HOME is set; pass --data-dir"
                        .into(),
                )
            }),
        }
    }
}

/// Runs the study `args` describes, without a way to stop it early; see [`run_until`].
pub fn run(
    args: &Args,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Vec<RunResults>, StudyError> {
    run_until(args, &StopRequest::new(), out, err)
}

/// Runs the study `args` describes until `stop` is asked for: every run, or with a task index
/// (flag or job array variable) one task of the grid, or with `--plan` only lists the grid on
/// `out`. Messages go to `err`, the table to `out`; progress goes to stderr (see
/// [`RunProgress`]). Returns every run's results, whatever its end (none for `--plan` and a
/// finished task); an error only when nothing could start (bad setting, task index, data,
/// device). Every setting is checked before anything is created. A stop ends the current run
/// after its step and skips the rest.
pub fn run_until(
    args: &Args,
    stop: &StopRequest,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Vec<RunResults>, StudyError> {
    let kinds = args.activation_kinds();
    let activations = kinds
        .iter()
        .copied()
        .map(|kind| Activation::new(kind, args.leaky_slope, args.elu_alpha))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StudyError::InvalidSetting(e.to_string()))?;
    let defaults = args.dataset.defaults();
    let machine = Machine::this_one();
    limits::check_settings(&settings(args, activations.len()), &machine)?;
    let grid = sweep::grid(args.dataset, &kinds, args.seed, args.seeds, &args.logdir);
    if args.plan {
        let _ = sweep::write_plan(&grid, out);
        return Ok(Vec::new());
    }
    let task = match sweep::pick(
        grid,
        args.task_index,
        |name| std::env::var_os(name),
        &args.logdir,
        err,
    )? {
        Pick::Whole => None,
        Pick::Finished => return Ok(Vec::new()),
        Pick::Task(task) => Some(task),
    };
    if let Some(threads) = args.threads {
        tch::set_num_threads(threads);
    }
    heap::reuse_freed_buffers();
    let device = device::resolve(args.device)?;
    let root = args.data_root()?;
    let data = data::load(args.dataset, &root, device)?;
    if let Some(warning) = &data.warning {
        let _ = writeln!(err, "warning: {warning}");
    }
    // A GPU's batch lives in its own memory, which libtorch does not report; running out of
    // it is an error of the run, not an abort.
    let memory = if device.is_cuda() {
        Machine {
            available_memory: None,
            ..machine
        }
    } else {
        machine
    };
    let (batch_size, warning) = limits::batch_size(
        args.batch_size,
        defaults.batch_size,
        args.dataset,
        data.train.len(),
        &memory,
    )?;
    if let Some(warning) = warning {
        let _ = writeln!(err, "warning: {warning}");
    }
    let steps = args.steps.unwrap_or(defaults.steps);
    let planned = if task.is_some() {
        1
    } else {
        activations.len() as u64 * args.seeds
    };
    let threads = tch::get_num_threads();
    let _ = writeln!(
        err,
        "{} on {}: {planned} run{} of {steps} steps ({} training / {} test images, {threads} thread{}); logs in {}",
        args.dataset,
        device::name(device),
        plural(planned == 1),
        data.train.len(),
        data.test.len(),
        plural(threads == 1),
        args.logdir.join(args.dataset.name()).display()
    );

    let plan = RunPlan {
        steps,
        batch_size,
        device,
        data: &data,
    };
    let mut outcomes = Vec::new();
    'grid: for activation in activations {
        for seed in (0..args.seeds).map(|k| args.seed + k) {
            if stop.requested().is_some() {
                break 'grid;
            }
            if task
                .as_ref()
                .is_some_and(|t| (t.activation, t.seed) != (activation.kind(), seed))
            {
                continue;
            }
            let results = run_one(args, &plan, activation, seed, task.as_ref(), stop, err);
            let interrupted = matches!(results.status.end, RunEnd::Interrupted { .. });
            outcomes.push(results);
            if interrupted {
                break 'grid;
            }
        }
    }
    let _ = write!(out, "{}", table(&outcomes));
    if let Some(signal) = stop.requested() {
        let skipped = planned - outcomes.len() as u64;
        let logs = args.logdir.join(args.dataset.name());
        let _ = if skipped == 0 {
            writeln!(
                err,
                "stopped by {}; logs in {}",
                signal.name(),
                logs.display()
            )
        } else {
            writeln!(
                err,
                "stopped by {}: skipped {skipped} of {planned} runs; logs in {}",
                signal.name(),
                logs.display()
            )
        };
    }
    Ok(outcomes)
}

/// The numeric settings of `args` with the data set's defaults, for [`limits::check_settings`].
fn settings(args: &Args, activations: usize) -> limits::Settings {
    let defaults = args.dataset.defaults();
    limits::Settings {
        steps: args.steps.unwrap_or(defaults.steps),
        eval_every: args.eval_every.unwrap_or(defaults.eval_every),
        hist_every: args.hist_every,
        log_every: args.log_every,
        lr: args.lr.unwrap_or(defaults.lr),
        threads: args.threads,
        seed: args.seed,
        seeds: args.seeds,
        activations,
    }
}

/// What every run of a study shares once the settings are checked and the data loaded.
struct RunPlan<'a> {
    steps: i64,
    batch_size: i64,
    device: tch::Device,
    data: &'a LoadedData,
}

/// Trains one run in `task`'s directory (made ready by [`sweep::pick`]) or, outside a sweep,
/// in a fresh directory, reporting an unsuccessful end on `err`; a run that cannot even start
/// is a failed run, so the grid goes on.
fn run_one(
    args: &Args,
    plan: &RunPlan<'_>,
    activation: Activation,
    seed: u64,
    task: Option<&Task>,
    stop: &StopRequest,
    err: &mut dyn Write,
) -> RunResults {
    let kind = activation.kind();
    let name = if args.seeds > 1 {
        study_spec::layout::seeded_run_name(kind, seed)
    } else {
        kind.to_string()
    };
    let parent = args.logdir.join(args.dataset.name());
    let run_dir = match task {
        Some(task) => Ok(task.run_dir.clone()),
        None => rundir::create_unique(&parent, &name),
    };
    let results = match run_dir {
        Ok(run_dir) => {
            let config = run_config(args, activation, seed, plan, run_dir);
            let progress = RunProgress::new(&config);
            let results = train::train(&config, plan.data, &progress, stop);
            match (&results.status.end, &results.metrics) {
                (RunEnd::Finished, Some(m)) => {
                    progress.finish(format!("test accuracy {:.4}", m.test_accuracy))
                }
                (end, _) => progress.fail(end.label().into()),
            }
            results
        }
        Err(e) => {
            let config = run_config(args, activation, seed, plan, parent.join(&name));
            let end = RunEnd::Failed {
                error: Causes(&e).to_string(),
            };
            RunResults {
                status: RunStatus::new(end, 0, kind.name(), config.lr),
                config,
                metrics: None,
                findings: Vec::new(),
            }
        }
    };
    let dir = results.config.run_dir.display();
    match &results.status.end {
        RunEnd::Finished => {}
        RunEnd::Interrupted { .. } => {
            let _ = writeln!(err, "{dir}: {}; its logs are there", results.status.reason);
        }
        _ => {
            let _ = writeln!(err, "error: run {dir}: {}", results.status.reason);
        }
    }
    results
}

fn run_config(
    args: &Args,
    activation: Activation,
    seed: u64,
    plan: &RunPlan<'_>,
    run_dir: PathBuf,
) -> RunConfig {
    let defaults = args.dataset.defaults();
    RunConfig {
        dataset: args.dataset,
        activation,
        leaky_slope: args.leaky_slope,
        elu_alpha: args.elu_alpha,
        steps: plan.steps,
        batch_size: plan.batch_size,
        lr: args.lr.unwrap_or(defaults.lr),
        optimizer: defaults.optimizer,
        seed,
        device: device::name(plan.device),
        threads: tch::get_num_threads(),
        eval_every: args.eval_every.unwrap_or(defaults.eval_every),
        hist_every: args.hist_every,
        log_every: args.log_every,
        diagnostics: !args.no_diagnostics,
        ema_decay: defaults.ema_decay,
        data: plan.data.source.clone(),
        train_examples: plan.data.train.len(),
        test_examples: plan.data.test.len(),
        run_dir,
    }
}

/// The final table: run | activation | status | test accuracy | final cross entropy | seconds.
pub fn table(outcomes: &[RunResults]) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "{:<24} | {:<10} | {:<11} | {:>13} | {:>19} | {:>7}\n",
        "run", "activation", "status", "test accuracy", "final cross entropy", "seconds"
    ));
    s.push_str(&format!(
        "{:-<24}-|-{:-<10}-|-{:-<11}-|-{:->13}-|-{:->19}-|-{:->7}\n",
        "", "", "", "", "", ""
    ));
    for o in outcomes {
        let run = o
            .config
            .run_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = o.config.activation_kind().name();
        let status = o.status.end.label();
        match &o.metrics {
            Some(m) => s.push_str(&format!(
                "{run:<24} | {kind:<10} | {status:<11} | {:>13.4} | {:>19.4} | {:>7.1}\n",
                m.test_accuracy, m.final_cross_entropy, m.seconds
            )),
            None => s.push_str(&format!(
                "{run:<24} | {kind:<10} | {status:<11} | {:>13} | {:>19} | {:>7}\n",
                "-", "-", "-"
            )),
        }
    }
    s
}

/// The ending of a counted noun in the start line: none for one thing, `s` for more.
fn plural(one: bool) -> &'static str {
    if one { "" } else { "s" }
}
