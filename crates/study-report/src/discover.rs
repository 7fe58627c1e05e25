//! Finding the runs of a log directory: every directory under it that holds event files, named like TensorBoard names it.

use std::path::{Path, PathBuf};

use tensorboard_logger::reader;

use crate::error::{ReportError, Warning};

/// Deeper than any real log layout; stops a symlink loop.
const MAX_DEPTH: usize = 64;

/// A directory holding event files.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDir {
    /// Its path relative to the log directory, `/`-separated (`.` for the log
    /// directory itself), as TensorBoard names the run.
    pub name: String,
    /// Its path.
    pub dir: PathBuf,
    /// Its event files, in name order.
    pub files: Vec<PathBuf>,
}

/// The runs under `log_dir`, in name order. Directories that cannot be listed are
/// skipped with a warning.
pub fn find_runs(
    log_dir: &Path,
    warn: &mut dyn FnMut(Warning),
) -> Result<Vec<RunDir>, ReportError> {
    match std::fs::metadata(log_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReportError::MissingLogDir {
                path: log_dir.to_owned(),
            });
        }
        Err(source) => {
            return Err(ReportError::ListLogDir {
                path: log_dir.to_owned(),
                source,
            });
        }
        Ok(meta) if !meta.is_dir() => {
            return Err(ReportError::NotADirectory {
                path: log_dir.to_owned(),
            });
        }
        Ok(_) => {}
    }
    if let Err(source) = std::fs::read_dir(log_dir) {
        return Err(ReportError::ListLogDir {
            path: log_dir.to_owned(),
            source,
        });
    }
    let mut runs = Vec::new();
    let mut pending = vec![(log_dir.to_owned(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        match reader::event_files(&dir) {
            Ok(files) if !files.is_empty() => runs.push(RunDir {
                name: run_name(log_dir, &dir),
                dir: dir.clone(),
                files,
            }),
            Ok(_) => {}
            Err(error) => {
                warn(Warning::UnreadableDir {
                    path: dir,
                    error: error.to_string(),
                });
                continue;
            }
        }
        if depth < MAX_DEPTH {
            match subdirectories(&dir) {
                Ok(subdirs) => pending.extend(subdirs.into_iter().rev().map(|d| (d, depth + 1))),
                Err(error) => warn(Warning::UnreadableDir {
                    path: dir,
                    error: error.to_string(),
                }),
            }
        }
    }
    runs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(runs)
}

fn subdirectories(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut subdirs = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        // `Path::is_dir` follows symlinks, as TensorBoard does for linked runs.
        if path.is_dir() {
            subdirs.push(path);
        }
    }
    subdirs.sort();
    Ok(subdirs)
}

fn run_name(log_dir: &Path, dir: &Path) -> String {
    let relative = dir.strip_prefix(log_dir).unwrap_or(dir);
    let parts: Vec<_> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_directories_with_event_files_named_by_relative_path() {
        let root = tempfile::tempdir().unwrap();
        for dir in [
            "mnist/relu/seed-1",
            "mnist/relu/seed-2",
            "mnist/elu",
            "empty/inner",
        ] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        for file in [
            "mnist/relu/seed-1/events.out.tfevents.1.h.1.0",
            "mnist/relu/seed-2/events.out.tfevents.1.h.2.0",
            "mnist/elu/events.out.tfevents.2.h.1.0",
            "mnist/elu/events.out.tfevents.1.h.1.0",
            "empty/inner/notes.txt",
        ] {
            std::fs::write(root.path().join(file), b"").unwrap();
        }
        let runs = find_runs(root.path(), &mut |w| panic!("{w}")).unwrap();
        let names: Vec<_> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["mnist/elu", "mnist/relu/seed-1", "mnist/relu/seed-2"]
        );
        let elu: Vec<_> = runs[0]
            .files
            .iter()
            .map(|f| f.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(
            elu,
            ["events.out.tfevents.1.h.1.0", "events.out.tfevents.2.h.1.0"]
        );
    }

    #[test]
    fn a_missing_log_dir_says_to_run_train() {
        let error = find_runs(Path::new("/nonexistent/logs"), &mut |_| {}).unwrap_err();
        assert_eq!(
            error.to_string(),
            "log directory /nonexistent/logs does not exist; run `train` first (it writes to `logs`), \
             or pass the directory that holds the runs"
        );
    }

    #[test]
    fn a_file_is_not_a_log_dir() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let error = find_runs(file.path(), &mut |_| {}).unwrap_err();
        assert!(
            matches!(error, ReportError::NotADirectory { .. }),
            "{error}"
        );
    }
}
