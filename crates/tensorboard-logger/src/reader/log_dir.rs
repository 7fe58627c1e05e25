//! Finding and reading every run of a log directory, following symbolic links as TensorBoard does.
//!
//! A run is a directory holding at least one file whose name contains `tfevents`, named
//! by its path relative to the log directory with `/` between components (`mnist/relu`).
//! The log directory itself, when it holds event files, is the run named `""`
//! (TensorBoard shows it as `.`).
//!
//! Symbolic links to files and to directories are followed, as TensorBoard follows
//! them, so an event file reached through a link is read. Each real directory is read
//! once (told apart by device and inode on Unix, by canonical path elsewhere): a link
//! that leads back to a directory already walked (`ln -s .. loop`, or a second link to
//! one directory) is skipped with one [`ReadWarning::SymlinkLoop`] per directory reached
//! again, so the walk ends and no run is counted twice.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::run::Run;
use super::value::Value;
use super::warning::ReadWarning;
use crate::error::Error;

/// A run directory found by [`find_runs`], not read yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    /// The run's name (see the [module docs](self)).
    pub name: String,
    /// The directory, as reached from the log directory (possibly through links).
    pub dir: PathBuf,
    /// Its event files, in name order.
    pub files: Vec<PathBuf>,
}

/// The runs of a log directory, and what the walk skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovery {
    /// The runs, in name order.
    pub runs: Vec<RunDir>,
    /// Directories skipped: links leading back to a directory already walked, entries
    /// that could not be listed.
    pub warnings: Vec<ReadWarning>,
}

/// A log directory read back.
#[derive(Debug, Clone, PartialEq)]
pub struct LogDir {
    /// The runs, in name order.
    pub runs: Vec<Run>,
    /// Everything skipped, in the order met: first the walk's, then the files'.
    pub warnings: Vec<ReadWarning>,
}

/// Reported before each event file is read, for progress display.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct FileProgress<'a> {
    /// The run the file belongs to.
    pub run: &'a str,
    /// The event file.
    pub path: &'a Path,
    /// How many files were read before this one.
    pub index: usize,
    /// How many files this read covers in all.
    pub count: usize,
}

/// One point with the run and tag it belongs to; see [`LogDir::points`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaggedPoint<'a> {
    /// The run's name.
    pub run: &'a str,
    /// The tag.
    pub tag: &'a str,
    /// The tag's plugin.
    pub plugin: &'a str,
    /// The step.
    pub step: i64,
    /// Seconds since the Unix epoch when the value was logged.
    pub wall_time: f64,
    /// The value.
    pub value: &'a Value,
}

impl LogDir {
    /// The run named `name`.
    pub fn run(&self, name: &str) -> Option<&Run> {
        self.runs.iter().find(|run| run.name == name)
    }

    /// Every point of every run, flat: runs in name order, tags in name order, points in
    /// step order.
    pub fn points(&self) -> impl Iterator<Item = TaggedPoint<'_>> {
        self.runs.iter().flat_map(|run| {
            run.series.iter().flat_map(move |(tag, series)| {
                series.points.iter().map(move |point| TaggedPoint {
                    run: &run.name,
                    tag,
                    plugin: &series.plugin,
                    step: point.step,
                    wall_time: point.wall_time,
                    value: &point.value,
                })
            })
        })
    }
}

impl RunDir {
    /// Reads this run's event files, in name order, calling `on_file` before each; what
    /// was skipped goes to `warnings` (see [`Run::read_file`]).
    pub fn read(
        &self,
        warnings: &mut Vec<ReadWarning>,
        on_file: &mut dyn FnMut(FileProgress),
    ) -> Run {
        self.read_counted(0, self.files.len(), warnings, on_file)
    }

    fn read_counted(
        &self,
        first: usize,
        count: usize,
        warnings: &mut Vec<ReadWarning>,
        on_file: &mut dyn FnMut(FileProgress),
    ) -> Run {
        let mut run = Run::new(self.name.clone(), self.dir.clone());
        for (i, path) in self.files.iter().enumerate() {
            on_file(FileProgress {
                run: &self.name,
                path,
                index: first + i,
                count,
            });
            run.read_file(path, warnings);
        }
        run.finish();
        run
    }
}

/// Finds the runs under `root` (see the [module docs](self) for names and links).
///
/// Fails only when `root` is not a directory that can be listed; anything below it that
/// cannot be is skipped with a warning.
pub fn find_runs(root: impl AsRef<Path>) -> Result<Discovery, Error> {
    let root = root.as_ref();
    let meta = fs::metadata(root).map_err(|cause| Error::ReadLogDir {
        path: root.to_owned(),
        cause,
    })?;
    if !meta.is_dir() {
        return Err(Error::LogDirNotADirectory {
            path: root.to_owned(),
        });
    }
    fs::read_dir(root).map_err(|cause| Error::ReadLogDir {
        path: root.to_owned(),
        cause,
    })?;

    let mut warnings = Vec::new();
    // Each real directory walked, with the path it was first reached by.
    let mut walked: HashMap<DirId, PathBuf> = HashMap::new();
    // Directories already reported as reached again.
    let mut reported: HashSet<DirId> = HashSet::new();
    let mut files: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut walk = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().unwrap_or(root).to_owned();
                match error.loop_ancestor() {
                    Some(ancestor) => {
                        if let Ok(id) = dir_id(ancestor)
                            && reported.insert(id)
                        {
                            warnings.push(ReadWarning::SymlinkLoop {
                                path,
                                target: ancestor.to_owned(),
                            });
                        }
                    }
                    None => warnings.push(ReadWarning::UnreadableEntry {
                        reason: io_reason(error.io_error()),
                        path,
                    }),
                }
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_dir() {
            let id = match dir_id(path) {
                Ok(id) => id,
                Err(error) => {
                    warnings.push(ReadWarning::UnreadableEntry {
                        path: path.to_owned(),
                        reason: error.to_string(),
                    });
                    walk.skip_current_dir();
                    continue;
                }
            };
            if let Some(first) = walked.get(&id) {
                if reported.insert(id) {
                    warnings.push(ReadWarning::SymlinkLoop {
                        path: path.to_owned(),
                        target: first.clone(),
                    });
                }
                walk.skip_current_dir();
                continue;
            }
            walked.insert(id, path.to_owned());
        } else if entry.file_type().is_file()
            && entry.file_name().to_string_lossy().contains("tfevents")
            && let Some(dir) = path.parent()
        {
            files
                .entry(dir.to_owned())
                .or_default()
                .push(path.to_owned());
        }
    }

    let mut runs: Vec<RunDir> = files
        .into_iter()
        .map(|(dir, mut files)| {
            files.sort();
            RunDir {
                name: run_name(root, &dir),
                dir,
                files,
            }
        })
        .collect();
    runs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Discovery { runs, warnings })
}

/// Finds and reads every run under `root`, calling `on_file` before each event file.
///
/// ```
/// use tensorboard_logger::{SummaryWriter, reader};
///
/// let logs = tempfile::tempdir()?;
/// for (run, loss) in [("relu", 0.5), ("tanh", 0.75)] {
///     let writer = SummaryWriter::new(logs.path().join("mnist").join(run))?;
///     writer.add_scalar("loss", loss, 1)?;
///     writer.close()?;
/// }
/// let mut files = 0;
/// let log_dir = reader::read_log_dir(logs.path(), &mut |_| files += 1)?;
/// assert_eq!(files, 2);
/// let names: Vec<&str> = log_dir.runs.iter().map(|r| r.name.as_str()).collect();
/// assert_eq!(names, ["mnist/relu", "mnist/tanh"]);
/// let losses: Vec<(&str, f64)> = log_dir
///     .points()
///     .filter_map(|p| match p.value {
///         reader::Value::Scalar(v) => Some((p.run, *v)),
///         _ => None,
///     })
///     .collect();
/// assert_eq!(losses, [("mnist/relu", 0.5), ("mnist/tanh", 0.75)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_log_dir(
    root: impl AsRef<Path>,
    on_file: &mut dyn FnMut(FileProgress),
) -> Result<LogDir, Error> {
    let Discovery {
        runs: found,
        mut warnings,
    } = find_runs(root)?;
    let count = found.iter().map(|run| run.files.len()).sum();
    let mut first = 0;
    let mut runs = Vec::with_capacity(found.len());
    for run_dir in &found {
        runs.push(run_dir.read_counted(first, count, &mut warnings, on_file));
        first += run_dir.files.len();
    }
    Ok(LogDir { runs, warnings })
}

/// The run name of `dir`, a directory at or below `root`.
fn run_name(root: &Path, dir: &Path) -> String {
    let relative = dir.strip_prefix(root).unwrap_or(dir);
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

fn io_reason(error: Option<&io::Error>) -> String {
    error.map_or_else(|| "cannot be read".to_owned(), io::Error::to_string)
}

#[cfg(unix)]
type DirId = (u64, u64);

/// What tells two paths to one directory apart from two directories.
#[cfg(unix)]
fn dir_id(path: &Path) -> io::Result<DirId> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(path)?;
    Ok((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
type DirId = PathBuf;

/// What tells two paths to one directory apart from two directories.
#[cfg(not(unix))]
fn dir_id(path: &Path) -> io::Result<DirId> {
    fs::canonicalize(path)
}
