//! Bounds on every numeric setting of `train`, from the data set and the machine, checked
//! before anything is created, so a bad number is an error naming its flag instead of a
//! panic, an abort or a half-made run directory.

use std::num::NonZeroUsize;

use crate::data::Dataset;
use crate::error::StudyError;

/// The most steps a run may have: at the few milliseconds a step takes on a GPU this is
/// weeks of training, and it keeps every step count, and steps times batch size (images
/// seen), far inside `i64`.
pub const MAX_STEPS: i64 = 1_000_000_000;

/// The most runs one command may plan (activations times seeds): each is a directory, a
/// table row and a full training; more is a mistake in `--seeds`.
pub const MAX_RUNS: u64 = 10_000;

/// What the machine offers, as far as the settings care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Machine {
    /// CPU cores this process may use.
    pub cores: usize,
    /// Memory that can be had without swapping (`MemAvailable`), when known.
    pub available_memory: Option<u64>,
}

impl Machine {
    /// This machine: the cores the scheduler gives this process and Linux's `MemAvailable`
    /// (unknown elsewhere, where the memory check is skipped).
    pub fn this_one() -> Self {
        Machine {
            cores: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            available_memory: std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|text| mem_available(&text)),
        }
    }
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
///
/// ```
/// use activation_study::limits::mem_available;
/// let meminfo = "MemTotal:       24576000 kB\nMemAvailable:   20000000 kB\n";
/// assert_eq!(mem_available(meminfo), Some(20_000_000 * 1024));
/// ```
pub fn mem_available(meminfo: &str) -> Option<u64> {
    meminfo.lines().find_map(|line| {
        let rest = line.strip_prefix("MemAvailable:")?;
        let kib: u64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
        kib.checked_mul(1024)
    })
}

/// Host memory one training example of a batch costs during a CPU step, in bytes: the
/// activations the forward pass keeps for the backward pass, their gradients, and the
/// batch's gathered and preprocessed copies. MNIST is measured: the peak resident memory of
/// a 3-step ReLU run grew by 1.79 GiB from batch 50 to batch 4,000, 474 KiB per example;
/// this allows a quarter more. CIFAR-10 (no full data set here to measure) scales that by
/// the ratio of the nets' per-example activations counted from their layer shapes, about 1.6.
pub fn bytes_per_example(dataset: Dataset) -> u64 {
    match dataset {
        Dataset::Mnist => 600_000,
        Dataset::Cifar10 => 1_000_000,
    }
}

/// The numeric settings of a planned study, after defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// `--steps`.
    pub steps: i64,
    /// `--eval-every`.
    pub eval_every: i64,
    /// `--hist-every`.
    pub hist_every: i64,
    /// `--log-every`.
    pub log_every: i64,
    /// `--lr`.
    pub lr: f64,
    /// `--threads`, if given.
    pub threads: Option<i32>,
    /// `--seed`.
    pub seed: u64,
    /// `--seeds`.
    pub seeds: u64,
    /// Number of activations chosen.
    pub activations: usize,
}

fn invalid(message: String) -> StudyError {
    StudyError::InvalidSetting(message)
}

/// Checks the settings that do not depend on the data.
pub fn check_settings(s: &Settings, machine: &Machine) -> Result<(), StudyError> {
    for (flag, value) in [
        ("--steps", s.steps),
        ("--eval-every", s.eval_every),
        ("--hist-every", s.hist_every),
        ("--log-every", s.log_every),
    ] {
        if !(1..=MAX_STEPS).contains(&value) {
            return Err(invalid(format!(
                "{flag} {value} is outside 1..={MAX_STEPS}; pass a number of steps in that range"
            )));
        }
    }
    // The weights and the optimiser's update are f32: a smaller rate rounds every update to
    // nothing, a larger one is infinite.
    let lr_range = f64::from(f32::MIN_POSITIVE)..=f64::from(f32::MAX);
    if !lr_range.contains(&s.lr) {
        return Err(invalid(format!(
            "--lr {:e} is outside what the f32 weights can use ({:e} to {:e}); pass a rate \
             such as 1e-4",
            s.lr,
            lr_range.start(),
            lr_range.end()
        )));
    }
    if let Some(threads) = s.threads
        && (threads < 1 || threads as usize > machine.cores)
    {
        return Err(invalid(format!(
            "--threads {threads} is more than the {} CPU cores this process may use; pass \
             --threads {} or fewer, or leave it out",
            machine.cores, machine.cores
        )));
    }
    if s.seeds == 0 || s.seed.checked_add(s.seeds - 1).is_none() {
        return Err(invalid(format!(
            "--seed {} with --seeds {} runs past the largest seed {}; pass a smaller --seed or \
             fewer --seeds",
            s.seed,
            s.seeds,
            u64::MAX
        )));
    }
    let runs = (s.activations as u64).saturating_mul(s.seeds);
    if runs > MAX_RUNS {
        return Err(invalid(format!(
            "{} activations times --seeds {} is {runs} runs, more than {MAX_RUNS}; pass fewer \
             --seeds or --activations",
            s.activations, s.seeds
        )));
    }
    Ok(())
}

/// The batch size a study uses: `--batch-size` if given, else the data set's default; either
/// must fit the training split (a default larger than a small split, such as the 20-image
/// CIFAR-10 sample, shrinks to the split) and the memory the machine has.
///
/// Returns the batch size and, when a default was shrunk, a warning saying so.
pub fn batch_size(
    requested: Option<i64>,
    default: i64,
    dataset: Dataset,
    train_examples: usize,
    machine: &Machine,
) -> Result<(i64, Option<String>), StudyError> {
    let split = i64::try_from(train_examples).unwrap_or(i64::MAX);
    let (batch, warning) = match requested {
        Some(batch) if batch < 1 || batch > split => {
            return Err(invalid(format!(
                "--batch-size {batch} is outside 1..={split}, the {dataset} training split's \
                 size; pass --batch-size {split} or less"
            )));
        }
        Some(batch) => (batch, None),
        None if default > split => (
            split,
            Some(format!(
                "the default batch size {default} is larger than the {split} training images; \
                 using batches of {split}"
            )),
        ),
        None => (default, None),
    };
    let per_example = bytes_per_example(dataset);
    let needed = per_example.saturating_mul(batch as u64);
    if let Some(available) = machine.available_memory
        && needed > available
    {
        let fits = (available / per_example).max(1);
        return Err(invalid(format!(
            "--batch-size {batch} needs about {} of memory per step ({} per {dataset} example) \
             but {} is available; pass --batch-size {fits} or less",
            gib(needed),
            kib(per_example),
            gib(available)
        )));
    }
    Ok((batch, warning))
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

fn kib(bytes: u64) -> String {
    format!("{} KiB", bytes / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MACHINE: Machine = Machine {
        cores: 2,
        available_memory: Some(8 << 30),
    };

    fn settings() -> Settings {
        Settings {
            steps: 30,
            eval_every: 500,
            hist_every: 100,
            log_every: 10,
            lr: 1e-4,
            threads: None,
            seed: 0,
            seeds: 1,
            activations: 5,
        }
    }

    fn refused(s: Settings) -> String {
        check_settings(&s, &MACHINE).unwrap_err().to_string()
    }

    #[test]
    fn the_defaults_pass_and_intervals_past_the_last_step_are_allowed() {
        check_settings(&settings(), &MACHINE).unwrap();
    }

    #[test]
    fn each_out_of_range_number_names_its_flag_and_the_fix() {
        let msg = refused(Settings {
            steps: i64::MAX,
            ..settings()
        });
        assert!(
            msg.contains("--steps 9223372036854775807") && msg.contains("1..="),
            "{msg}"
        );
        let msg = refused(Settings {
            hist_every: MAX_STEPS + 1,
            ..settings()
        });
        assert!(msg.contains("--hist-every"), "{msg}");
        let msg = refused(Settings {
            threads: Some(64),
            ..settings()
        });
        assert!(
            msg.contains("--threads 64") && msg.contains("--threads 2 or fewer"),
            "{msg}"
        );
        let msg = refused(Settings {
            lr: 1e300,
            ..settings()
        });
        assert!(msg.contains("--lr 1e300"), "{msg}");
        let msg = refused(Settings {
            lr: 1e-300,
            ..settings()
        });
        assert!(msg.contains("--lr"), "{msg}");
        let msg = refused(Settings {
            seed: u64::MAX,
            seeds: 2,
            ..settings()
        });
        assert!(msg.contains("--seeds 2") && msg.contains("--seed"), "{msg}");
        let msg = refused(Settings {
            seeds: u64::MAX,
            ..settings()
        });
        assert!(msg.contains("runs, more than 10000"), "{msg}");
    }

    #[test]
    fn a_batch_must_fit_the_split_and_the_memory() {
        let msg = batch_size(Some(i64::MAX), 50, Dataset::Mnist, 60_000, &MACHINE)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("--batch-size 9223372036854775807 is outside 1..=60000")
                && msg.contains("--batch-size 60000 or less"),
            "{msg}"
        );
        let msg = batch_size(Some(60_000), 50, Dataset::Mnist, 60_000, &MACHINE)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("GiB is available"), "{msg}");
        let fits: i64 = msg
            .rsplit("--batch-size ")
            .next()
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert_eq!(
            batch_size(Some(fits), 50, Dataset::Mnist, 60_000, &MACHINE).unwrap(),
            (fits, None)
        );
        let (batch, warning) = batch_size(None, 128, Dataset::Cifar10, 20, &MACHINE).unwrap();
        assert_eq!(batch, 20);
        assert!(warning.unwrap().contains("default batch size 128"));
    }
}
