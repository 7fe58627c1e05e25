//! Sweeps as numbered tasks: the study's grid, the task a process runs, and task run
//! directories that a rerun can pick up.
//!
//! A grid is one data set's runs: each activation (in the study's order: sigmoid, tanh,
//! relu, leaky_relu, elu) with each seed. Task `i` is activation `i / seeds` of those chosen,
//! with seed `first_seed + i % seeds`; so the order is data set, then activation, then seed.
//! A task's run directory is `<logdir>/<dataset>/<activation>-seed<N>`: it depends only on
//! the grid, so the tasks of a job array never race for names on shared storage.
//!
//! ```
//! use activation_study::activation::ActivationKind;
//! use activation_study::data::Dataset;
//! use activation_study::sweep;
//!
//! let kinds = [ActivationKind::Relu, ActivationKind::Elu];
//! let grid = sweep::grid(Dataset::Cifar10, &kinds, 0, 3, "logs".as_ref());
//! assert_eq!(grid.len(), 6);
//! assert_eq!(grid[4].to_string(), "4 cifar10 elu 1 logs/cifar10/elu-seed1");
//! ```

mod attempt;
mod error;
mod grid;
mod task_index;

pub use attempt::{TaskStart, attempts_root, start};
pub use error::SweepError;
pub use grid::{Task, grid, write_plan};
pub use task_index::{INDEX_VARIABLES, IndexSource, chosen_index, select};

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

/// What a `train` process does with the grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    /// No task index: every run of the grid, in directories numbered when taken.
    Whole,
    /// The chosen task finished before; nothing to run.
    Finished,
    /// The chosen task, its run directory created afresh.
    Task(Task),
}

/// Picks the task that `flag` or the job array's variable in `env` names (see
/// [`chosen_index`]) from `grid`, and prepares its run directory under `logdir` with
/// [`start`]; messages go to `err`.
pub fn pick(
    grid: Vec<Task>,
    flag: Option<u64>,
    env: impl Fn(&str) -> Option<OsString>,
    logdir: &Path,
    err: &mut dyn Write,
) -> Result<Pick, SweepError> {
    let Some((index, source)) = chosen_index(flag, env)? else {
        return Ok(Pick::Whole);
    };
    let size = grid.len();
    let task = select(grid, index, source)?;
    let _ = writeln!(
        err,
        "task {index} of {size} ({source}): {} with seed {} in {}",
        task.activation,
        task.seed,
        task.run_dir.display()
    );
    Ok(match start(&task, logdir, err)? {
        TaskStart::Finished => Pick::Finished,
        TaskStart::Fresh { .. } => Pick::Task(task),
    })
}
