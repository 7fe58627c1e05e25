//! Which task a process runs: `--task-index`, else the job array index its scheduler set.

use std::ffi::OsString;
use std::fmt;

use super::error::SweepError;
use super::grid::Task;

/// The variables that carry a job array index, in the order they are looked up: Slurm's
/// array jobs, then Kubernetes' Indexed Jobs.
pub const INDEX_VARIABLES: [&str; 2] = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];

/// Where a task index came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexSource {
    /// The `--task-index` flag.
    Flag,
    /// An environment variable of [`INDEX_VARIABLES`].
    Variable(&'static str),
}

impl fmt::Display for IndexSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexSource::Flag => f.write_str("from --task-index"),
            IndexSource::Variable(name) => write!(f, "from ${name}"),
        }
    }
}

/// The task index: `flag` when given, else the first of [`INDEX_VARIABLES`] that `env` has
/// (an empty value counts as unset), else `None` (the whole grid runs).
///
/// ```
/// use activation_study::sweep::{IndexSource, chosen_index};
///
/// let env = |name: &str| (name == "JOB_COMPLETION_INDEX").then(|| "7".into());
/// assert_eq!(chosen_index(None, env)?, Some((7, IndexSource::Variable("JOB_COMPLETION_INDEX"))));
/// assert_eq!(chosen_index(Some(2), env)?, Some((2, IndexSource::Flag)));
/// # Ok::<(), activation_study::sweep::SweepError>(())
/// ```
pub fn chosen_index(
    flag: Option<u64>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<Option<(u64, IndexSource)>, SweepError> {
    if let Some(index) = flag {
        return Ok(Some((index, IndexSource::Flag)));
    }
    for variable in INDEX_VARIABLES {
        let Some(value) = env(variable).filter(|v| !v.is_empty()) else {
            continue;
        };
        let value = value.to_string_lossy();
        return match value.trim().parse::<u64>() {
            Ok(index) => Ok(Some((index, IndexSource::Variable(variable)))),
            Err(_) => Err(SweepError::BadIndexVariable {
                variable,
                value: value.into_owned(),
            }),
        };
    }
    Ok(None)
}

/// Task `index` of `grid`, or an error naming the grid's size.
pub fn select(grid: Vec<Task>, index: u64, source: IndexSource) -> Result<Task, SweepError> {
    let size = grid.len() as u64;
    grid.into_iter()
        .find(|task| task.index == index)
        .ok_or_else(|| SweepError::OutOfRange {
            index,
            from: source.to_string(),
            size,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::ActivationKind;
    use crate::data::Dataset;

    fn env<'a>(vars: &'a [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn slurm_comes_before_kubernetes_and_the_flag_before_both() {
        let both = [("SLURM_ARRAY_TASK_ID", "3"), ("JOB_COMPLETION_INDEX", "4")];
        assert_eq!(
            chosen_index(None, env(&both)).unwrap(),
            Some((3, IndexSource::Variable("SLURM_ARRAY_TASK_ID")))
        );
        assert_eq!(
            chosen_index(Some(0), env(&both)).unwrap(),
            Some((0, IndexSource::Flag))
        );
        let empty_slurm = [("SLURM_ARRAY_TASK_ID", ""), ("JOB_COMPLETION_INDEX", "4")];
        assert_eq!(
            chosen_index(None, env(&empty_slurm)).unwrap(),
            Some((4, IndexSource::Variable("JOB_COMPLETION_INDEX")))
        );
        assert_eq!(chosen_index(None, env(&[])).unwrap(), None);
    }

    #[test]
    fn a_variable_that_is_not_an_index_is_named() {
        let err = chosen_index(None, env(&[("SLURM_ARRAY_TASK_ID", "4294967294-x")]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "$SLURM_ARRAY_TASK_ID is \"4294967294-x\", not a task index (a whole number from 0); \
             unset it or pass --task-index"
        );
    }

    #[test]
    fn an_index_past_the_grid_names_its_size() {
        let grid = crate::sweep::grid(
            Dataset::Mnist,
            &[ActivationKind::Relu],
            0,
            2,
            "logs".as_ref(),
        );
        assert_eq!(select(grid.clone(), 1, IndexSource::Flag).unwrap(), grid[1]);
        let err = select(grid, 2, IndexSource::Variable("JOB_COMPLETION_INDEX"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "task index 2 (from $JOB_COMPLETION_INDEX) is out of range: this grid has 2 tasks, \
             0 to 1; `train --plan` with the same flags lists them, and the job array must be \
             --array=0-1"
        );
    }
}
