//! A task's run directory across attempts: a finished run is kept, a died attempt is moved
//! out of TensorBoard's way, and the task starts afresh.
//!
//! Died attempts go to `<logdir>.attempts/<dataset>/<activation>-seed<N>.<n>`, beside the
//! log directory rather than in it: TensorBoard (2.21) loads every directory under
//! `--logdir` that holds event files, hidden ones included, so an attempt kept inside would
//! show up as one more run (`.attempts/mnist/relu-seed0.1`) and `report` would count it too.
//! Beside the log directory it is on the same file system in all but odd mounts, so moving
//! it is a rename.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::error::SweepError;
use super::grid::Task;
use crate::results::RESULTS_FILE;
use crate::run_end::{RunEnd, RunStatus};

/// What [`start`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskStart {
    /// The run finished before (its `results.json` is there): nothing to do.
    Finished,
    /// The run directory is created and empty; `moved_aside` is where a died attempt went.
    Fresh {
        /// The died attempt's new place, if there was one.
        moved_aside: Option<PathBuf>,
    },
}

/// Where died attempts of runs under `logdir` go: `<logdir>.attempts`, beside it (the log
/// directory must exist).
pub fn attempts_root(logdir: &Path) -> Result<PathBuf, SweepError> {
    let logdir = std::fs::canonicalize(logdir).map_err(|source| SweepError::RunDir {
        action: "find",
        path: logdir.to_path_buf(),
        source,
    })?;
    match (logdir.parent(), logdir.file_name()) {
        (Some(parent), Some(name)) => {
            let mut name = name.to_os_string();
            name.push(".attempts");
            Ok(parent.join(name))
        }
        _ => Err(SweepError::NoAttemptsPlace { logdir }),
    }
}

/// Prepares `task`'s run directory under `logdir`: finished runs are left alone; a directory
/// without `results.json` holds an attempt that died, which is moved under
/// [`attempts_root`]; then the directory is created afresh. Says what it did on `err`.
pub fn start(task: &Task, logdir: &Path, err: &mut dyn Write) -> Result<TaskStart, SweepError> {
    let dir = &task.run_dir;
    let results = dir.join(RESULTS_FILE);
    let exists = results.try_exists().map_err(|source| SweepError::RunDir {
        action: "check",
        path: results.clone(),
        source,
    })?;
    // Why the attempt in `dir`, if any, must be run again, in words.
    let rerun_because = if exists {
        match recorded_end(&results) {
            Some(RunEnd::Interrupted { .. }) => "was interrupted",
            Some(RunEnd::Failed { .. }) => "failed",
            Some(end) => {
                let _ = writeln!(
                    err,
                    "task {}: {} has ended ({}, as its {RESULTS_FILE} says); skipping it",
                    task.index,
                    dir.display(),
                    end.label()
                );
                return Ok(TaskStart::Finished);
            }
            None => "left an unreadable results file",
        }
    } else {
        "died (no results file)"
    };
    let is_empty = match std::fs::read_dir(dir) {
        Ok(mut entries) => Some(entries.next().is_none()),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(source) => {
            return Err(SweepError::RunDir {
                action: "read",
                path: dir.clone(),
                source,
            });
        }
    };
    let moved_aside = match is_empty {
        None => None,
        Some(true) => {
            // Left empty by an attempt that died before it wrote anything: nothing to keep.
            std::fs::remove_dir(dir).map_err(|source| SweepError::RunDir {
                action: "remove the empty",
                path: dir.clone(),
                source,
            })?;
            None
        }
        Some(false) => {
            let to = move_aside(task, logdir)?;
            let _ = writeln!(
                err,
                "task {}: an earlier attempt in {} {rerun_because}; moved it to {}, starting again",
                task.index,
                dir.display(),
                to.display()
            );
            Some(to)
        }
    };
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|source| SweepError::RunDir {
            action: "create",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => Ok(TaskStart::Fresh { moved_aside }),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(SweepError::RunningTwice {
            index: task.index,
            path: dir.clone(),
        }),
        Err(source) => Err(SweepError::RunDir {
            action: "create",
            path: dir.clone(),
            source,
        }),
    }
}

/// How the run whose `results.json` is at `path` ended; `None` when the file cannot be read
/// or parsed, as a crash while writing it would leave it.
fn recorded_end(path: &Path) -> Option<RunEnd> {
    /// The part of `results.json` that says how the run ended.
    #[derive(serde::Deserialize)]
    struct Recorded {
        status: RunStatus,
    }
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice::<Recorded>(&bytes)
        .ok()
        .map(|r| r.status.end)
}

/// Moves `task`'s run directory to the first free `<name>.<n>` under the attempts root.
fn move_aside(task: &Task, logdir: &Path) -> Result<PathBuf, SweepError> {
    let parent = attempts_root(logdir)?.join(task.dataset.name());
    std::fs::create_dir_all(&parent).map_err(|source| SweepError::RunDir {
        action: "create",
        path: parent.clone(),
        source,
    })?;
    let name = study_spec::layout::seeded_run_name(task.activation, task.seed);
    for n in 1u32.. {
        let slot = parent.join(format!("{name}.{n}"));
        // Claiming the slot with create_dir is atomic; renaming a directory onto an empty one
        // replaces it, so two reruns never take the same slot.
        match std::fs::create_dir(&slot) {
            Ok(()) => {
                return std::fs::rename(&task.run_dir, &slot)
                    .map(|()| slot.clone())
                    .map_err(|source| SweepError::MoveAside {
                        from: task.run_dir.clone(),
                        to: slot,
                        source,
                    });
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(source) => {
                return Err(SweepError::RunDir {
                    action: "create",
                    path: slot,
                    source,
                });
            }
        }
    }
    unreachable!("u32 attempt numbers exhausted under {}", parent.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::ActivationKind;
    use crate::data::Dataset;

    fn task(logdir: &Path) -> Task {
        crate::sweep::grid(Dataset::Mnist, &[ActivationKind::Elu], 3, 1, logdir).remove(0)
    }

    #[test]
    fn died_attempts_are_numbered_beside_the_logdir_and_finished_runs_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let logdir = tmp.path().join("logs");
        let task = task(&logdir);
        let mut messages = Vec::new();
        let fresh = start(&task, &logdir, &mut messages).unwrap();
        assert_eq!(fresh, TaskStart::Fresh { moved_aside: None });
        assert!(task.run_dir.is_dir() && messages.is_empty());

        let attempts = tmp.path().join("logs.attempts/mnist");
        for n in 1..=2 {
            std::fs::write(task.run_dir.join("events.out.tfevents.1.vm"), b"x").unwrap();
            let again = start(&task, &logdir, &mut messages).unwrap();
            let to = attempts.join(format!("elu-seed3.{n}"));
            assert_eq!(
                again,
                TaskStart::Fresh {
                    moved_aside: Some(to.clone())
                }
            );
            assert!(to.join("events.out.tfevents.1.vm").is_file());
            assert_eq!(std::fs::read_dir(&task.run_dir).unwrap().count(), 0);
        }
        let said = String::from_utf8(messages).unwrap();
        assert!(
            said.contains(&format!(
                "task 0: an earlier attempt in {} died (no results file); moved it to {}",
                task.run_dir.display(),
                attempts.join("elu-seed3.2").display()
            )),
            "{said}"
        );

        // A preempted task wrote its results as interrupted: it runs again.
        let interrupted = r#"{"status": {"end": "interrupted", "signal": "SIGTERM", "reason": "stopped", "last_step": 7}}"#;
        std::fs::write(task.run_dir.join(RESULTS_FILE), interrupted).unwrap();
        let mut messages = Vec::new();
        let again = start(&task, &logdir, &mut messages).unwrap();
        let to = attempts.join("elu-seed3.3");
        assert_eq!(
            again,
            TaskStart::Fresh {
                moved_aside: Some(to.clone())
            }
        );
        assert!(
            String::from_utf8(messages)
                .unwrap()
                .contains("an earlier attempt in ")
        );

        let finished = r#"{"status": {"end": "finished", "reason": "finished", "last_step": 60}}"#;
        std::fs::write(task.run_dir.join(RESULTS_FILE), finished).unwrap();
        let mut messages = Vec::new();
        assert_eq!(
            start(&task, &logdir, &mut messages).unwrap(),
            TaskStart::Finished
        );
        assert!(task.run_dir.join(RESULTS_FILE).is_file());
        assert_eq!(
            String::from_utf8(messages).unwrap(),
            format!(
                "task 0: {} has ended (finished, as its results.json says); skipping it\n",
                task.run_dir.display()
            )
        );
    }

    #[test]
    fn an_empty_directory_is_reused_without_a_move() {
        let tmp = tempfile::tempdir().unwrap();
        let logdir = tmp.path().join("logs");
        let task = task(&logdir);
        std::fs::create_dir_all(&task.run_dir).unwrap();
        let fresh = start(&task, &logdir, &mut Vec::new()).unwrap();
        assert_eq!(fresh, TaskStart::Fresh { moved_aside: None });
        assert!(!tmp.path().join("logs.attempts").exists());
    }

    #[test]
    fn an_unwritable_logdir_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let task = task(&file);
        let err = start(&task, &file, &mut Vec::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot check {}; check that --logdir is writable",
                task.run_dir.join(RESULTS_FILE).display()
            )
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}
