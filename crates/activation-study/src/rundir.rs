//! One fresh directory per run, so TensorBoard overlays runs and reruns never mix.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::error::StudyError;

/// Creates `<parent>/<name>`, or `<name>-2`, `<name>-3`, ... when that already exists, and
/// returns it. Creation is atomic, so two processes never get the same directory.
///
/// ```
/// let logs = tempfile::tempdir()?;
/// let parent = logs.path().join("mnist");
/// let first = activation_study::rundir::create_unique(&parent, "relu")?;
/// let again = activation_study::rundir::create_unique(&parent, "relu")?;
/// assert_eq!((first, again), (parent.join("relu"), parent.join("relu-2")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_unique(parent: &Path, name: &str) -> Result<PathBuf, StudyError> {
    std::fs::create_dir_all(parent).map_err(|source| StudyError::RunDir {
        path: parent.to_path_buf(),
        source,
    })?;
    let mut candidate = parent.join(name);
    for n in 2u32.. {
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                candidate = parent.join(study_spec::layout::rerun_name(name, n))
            }
            Err(source) => {
                return Err(StudyError::RunDir {
                    path: candidate,
                    source,
                });
            }
        }
    }
    unreachable!("u32 run suffixes exhausted under {}", parent.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reruns_get_numbered_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let parent = tmp.path().join("logs/mnist");
        assert_eq!(create_unique(&parent, "relu").unwrap(), parent.join("relu"));
        assert_eq!(
            create_unique(&parent, "relu").unwrap(),
            parent.join("relu-2")
        );
        assert_eq!(
            create_unique(&parent, "relu").unwrap(),
            parent.join("relu-3")
        );
        assert_eq!(create_unique(&parent, "elu").unwrap(), parent.join("elu"));
        assert!(parent.join("relu-2").is_dir());
    }

    #[test]
    fn an_unwritable_log_dir_is_named_in_the_error() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let err = create_unique(&file.join("mnist"), "relu")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not-a-dir") && err.contains("--logdir"),
            "{err}"
        );
    }
}
