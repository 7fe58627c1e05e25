//! Writing an output file all or nothing: into a temporary file beside it, then renamed over it, so a full disk or a failed encoder never leaves a partial or empty PNG or report.md.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::error::ReportError;

/// Writes `path` with `write`, atomically: the bytes go to a temporary file in the same
/// directory, which replaces `path` by a rename only once every byte is written and synced.
/// On any error the temporary file is removed and an existing `path` is left as it was.
///
/// `write` reports its own failures (naming `path`); the creation, flush, sync and rename
/// failures here are [`ReportError::WriteFile`] naming `path`.
///
/// ```
/// use std::io::Write;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("report.md");
/// study_report::output::write_atomically(&path, |out| {
///     out.write_all(b"# Report\n")
///         .map_err(|cause| study_report::ReportError::WriteFile { path: path.clone(), cause })
/// })?;
/// assert_eq!(std::fs::read_to_string(&path)?, "# Report\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let io_error = |cause| ReportError::WriteFile {
        path: path.to_owned(),
        cause,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A hidden name that says whose it is, should a crash leave it behind.
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        // What `File::create` gives (0666 less the umask), not tempfile's private 0600: the
        // rename keeps the temporary file's mode.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temporary = builder.tempfile_in(dir).map_err(io_error)?;
    let (file, temporary_path) = temporary.into_parts();
    let mut out = BufWriter::new(file);
    write(&mut out)?;
    let file = out
        .into_inner()
        .map_err(|error| io_error(error.into_error()))?;
    // A full disk can surface only when the data reaches it.
    file.sync_all().map_err(io_error)?;
    drop(file);
    temporary_path
        .persist(path)
        .map_err(|error| io_error(error.error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{self, Write};

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failing_writer_leaves_no_file_and_the_old_one_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.png");
        let old = dir.path().join("old.md");
        std::fs::write(&old, "the earlier report\n").unwrap();
        for path in [&new, &old] {
            let error = write_atomically(path, |out| {
                out.write_all(&[7; 100_000]).unwrap();
                Err(ReportError::WriteFile {
                    path: path.clone(),
                    cause: io::Error::from(io::ErrorKind::StorageFull),
                })
            })
            .unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("cannot write {}: no storage space", path.display())
            );
        }
        assert_eq!(names_in(dir.path()), ["old.md"]);
        assert_eq!(
            std::fs::read_to_string(&old).unwrap(),
            "the earlier report\n"
        );
    }

    #[test]
    fn a_written_file_replaces_the_old_one_with_the_usual_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, |out| {
            out.write_all(b"new")
                .map_err(|cause| ReportError::WriteFile {
                    path: path.clone(),
                    cause,
                })
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(names_in(dir.path()), ["report.md"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let fresh = dir.path().join("fresh");
            std::fs::File::create(&fresh).unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), mode(&fresh));
        }
    }

    #[test]
    fn a_missing_directory_is_named_as_the_file_that_could_not_be_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone/report.md");
        let error = write_atomically(&path, |_| Ok(())).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot write {}: ", path.display())),
            "{error}"
        );
    }
}
