//! The grid of runs, numbered in a fixed order so that one index names one run.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::activation::ActivationKind;
use crate::data::Dataset;

/// One run of the grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// Its place in the grid, from 0: the job array index that runs it.
    pub index: u64,
    /// The data set.
    pub dataset: Dataset,
    /// The activation.
    pub activation: ActivationKind,
    /// The seed.
    pub seed: u64,
    /// `<logdir>/<dataset>/<activation>-seed<N>`.
    pub run_dir: PathBuf,
}

/// `--plan`'s line: index, data set, activation, seed and run directory, space-separated.
impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {}",
            self.index,
            self.dataset,
            self.activation,
            self.seed,
            self.run_dir.display()
        )
    }
}

/// The grid of `dataset` with `activations` (in the order given; the command passes the
/// study's order) and the seeds `first_seed`, `first_seed + 1`, ..., `seeds` of them.
pub fn grid(
    dataset: Dataset,
    activations: &[ActivationKind],
    first_seed: u64,
    seeds: u64,
    logdir: &Path,
) -> Vec<Task> {
    let parent = logdir.join(dataset.name());
    activations
        .iter()
        .flat_map(|&activation| (0..seeds).map(move |k| (activation, first_seed + k)))
        .zip(0..)
        .map(|((activation, seed), index)| Task {
            index,
            dataset,
            activation,
            seed,
            run_dir: parent.join(study_spec::layout::seeded_run_name(activation, seed)),
        })
        .collect()
}

/// Writes the grid one task a line, as `train --plan` prints it; the line count is the job
/// array's size.
pub fn write_plan(tasks: &[Task], out: &mut dyn Write) -> io::Result<()> {
    for task in tasks {
        writeln!(out, "{task}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_vary_fastest_then_activations() {
        let kinds = [ActivationKind::Tanh, ActivationKind::LeakyRelu];
        let tasks = grid(Dataset::Mnist, &kinds, 5, 2, Path::new("/shared/logs"));
        let mut plan = Vec::new();
        write_plan(&tasks, &mut plan).unwrap();
        assert_eq!(
            String::from_utf8(plan).unwrap(),
            "0 mnist tanh 5 /shared/logs/mnist/tanh-seed5\n\
             1 mnist tanh 6 /shared/logs/mnist/tanh-seed6\n\
             2 mnist leaky_relu 5 /shared/logs/mnist/leaky_relu-seed5\n\
             3 mnist leaky_relu 6 /shared/logs/mnist/leaky_relu-seed6\n"
        );
    }
}
