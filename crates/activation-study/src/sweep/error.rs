//! What can stop a sweep task before it trains.

use std::path::PathBuf;

/// A task that cannot be chosen or whose run directory cannot be prepared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// A job array variable holds something other than a task index.
    #[error(
        "${variable} is {value:?}, not a task index (a whole number from 0); unset it or \
         pass --task-index"
    )]
    BadIndexVariable {
        /// The environment variable.
        variable: &'static str,
        /// What it holds.
        value: String,
    },
    /// The task index is past the end of the grid.
    #[error(
        "task index {index} ({from}) is out of range: this grid has {size} tasks, 0 to {last}; \
         `train --plan` with the same flags lists them, and the job array must be \
         --array=0-{last}",
        last = size.saturating_sub(1)
    )]
    OutOfRange {
        /// The index asked for.
        index: u64,
        /// Where it came from: `--task-index` or a variable.
        from: String,
        /// The number of tasks in the grid.
        size: u64,
    },
    /// A task's run directory could not be checked, moved aside or created.
    #[error("cannot {action} {}; check that --logdir is writable", path.display())]
    RunDir {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A died attempt could not be moved aside.
    #[error(
        "cannot move the died attempt {} to {}; move or delete it by hand and rerun the task",
        from.display(),
        to.display()
    )]
    MoveAside {
        /// The run directory.
        from: PathBuf,
        /// Where it was to go.
        to: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Earlier attempts go beside the log directory, which the root directory has not.
    #[error(
        "--logdir {} has no parent directory to keep died attempts beside it; choose a \
         --logdir below it",
        logdir.display()
    )]
    NoAttemptsPlace {
        /// The log directory.
        logdir: PathBuf,
    },
    /// The run directory appeared between checking it and creating it.
    #[error(
        "{} appeared while task {index} was starting: the same task is running twice; \
         run each index once",
        path.display()
    )]
    RunningTwice {
        /// The task index.
        index: u64,
        /// The run directory.
        path: PathBuf,
    },
}
