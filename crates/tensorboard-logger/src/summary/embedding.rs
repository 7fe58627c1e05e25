//! Embeddings for TensorBoard's Projector: files in the run directory, not events.
//!
//! As torch's `add_embedding` lays them out: `<step, 5 digits>/<tag>/tensors.tsv` (one
//! row of tab-separated values per point), `metadata.tsv` next to it (one label per
//! line), and `projector_config.pbtxt` in the run directory listing every embedding as
//! `<tag>:<step, 5 digits>`. The Projector reads the config of each run.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why an embedding could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmbeddingError {
    /// Values that do not fill whole rows, or rows of no values.
    #[error(
        "{values} values do not make whole points of dimension {dim}; give points x dim \
         values, row by row"
    )]
    Shape {
        /// Values given.
        values: usize,
        /// The dimension given.
        dim: usize,
    },
    /// Labels of a different count than points.
    #[error("{labels} labels for {points} points; give one label per point")]
    LabelCount {
        /// Labels given.
        labels: usize,
        /// Points given.
        points: usize,
    },
    /// A label holding a tab or line break, which would break the TSV file.
    #[error("label {index} ({label:?}) holds a tab or line break; the metadata file is TSV")]
    BadLabel {
        /// Index of the label.
        index: usize,
        /// The label.
        label: String,
    },
    /// A file could not be written.
    #[error("cannot write {}: {cause}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
}

/// One embedding listed in the projector config.
#[derive(Debug, Clone)]
pub(crate) struct ConfigEntry {
    tensor_name: String,
    directory: String,
    has_metadata: bool,
}

impl ConfigEntry {
    /// The name the Projector lists it under, `<tag>:<step:05>`.
    pub(crate) fn name(&self) -> &str {
        &self.tensor_name
    }
}

/// The directory of an embedding below the run directory: `<step:05>/<tag>`, the tag's
/// `/` written `%2F` as torch's URL-quoting writes it, so it stays one component.
fn directory(tag: &str, step: i64) -> String {
    format!("{step:05}/{}", tag.replace('/', "%2F"))
}

/// Writes the TSV files of one embedding into the run directory `run_dir` and returns
/// its config entry. `values` holds `points x dim` values row by row.
pub(crate) fn write_files(
    run_dir: &Path,
    tag: &str,
    values: &[f32],
    dim: usize,
    labels: Option<&[&str]>,
    step: i64,
) -> Result<ConfigEntry, EmbeddingError> {
    if dim == 0 || values.is_empty() || !values.len().is_multiple_of(dim) {
        return Err(EmbeddingError::Shape {
            values: values.len(),
            dim,
        });
    }
    let points = values.len() / dim;
    if let Some(labels) = labels {
        if labels.len() != points {
            return Err(EmbeddingError::LabelCount {
                labels: labels.len(),
                points,
            });
        }
        if let Some(index) = labels.iter().position(|l| l.contains(['\t', '\n', '\r'])) {
            return Err(EmbeddingError::BadLabel {
                index,
                label: labels[index].to_owned(),
            });
        }
    }
    let directory = directory(tag, step);
    let dir = run_dir.join(&directory);
    std::fs::create_dir_all(&dir).map_err(|cause| EmbeddingError::Write {
        path: dir.clone(),
        cause,
    })?;
    let mut tsv = String::with_capacity(values.len() * 12);
    for row in values.chunks_exact(dim) {
        for (i, value) in row.iter().enumerate() {
            let separator = if i + 1 == dim { '\n' } else { '\t' };
            // Rust prints the shortest text that parses back to the same f32.
            let _ = write!(tsv, "{value}{separator}");
        }
    }
    write_file(&dir.join("tensors.tsv"), tsv.as_bytes())?;
    if let Some(labels) = labels {
        let mut text = labels.join("\n");
        text.push('\n');
        write_file(&dir.join("metadata.tsv"), text.as_bytes())?;
    }
    Ok(ConfigEntry {
        tensor_name: format!("{tag}:{step:05}"),
        directory,
        has_metadata: labels.is_some(),
    })
}

/// Rewrites `projector_config.pbtxt` in `run_dir` with every entry, in protobuf text
/// format as torch writes it.
pub(crate) fn write_config(run_dir: &Path, entries: &[ConfigEntry]) -> Result<(), EmbeddingError> {
    let mut text = String::new();
    for entry in entries {
        let _ = writeln!(text, "embeddings {{");
        let _ = writeln!(text, "  tensor_name: {:?}", entry.tensor_name);
        let _ = writeln!(text, "  tensor_path: \"{}/tensors.tsv\"", entry.directory);
        if entry.has_metadata {
            let _ = writeln!(
                text,
                "  metadata_path: \"{}/metadata.tsv\"",
                entry.directory
            );
        }
        let _ = writeln!(text, "}}");
    }
    write_file(&run_dir.join("projector_config.pbtxt"), text.as_bytes())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), EmbeddingError> {
    std::fs::File::create(path)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(|cause| EmbeddingError::Write {
            path: path.to_owned(),
            cause,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_laid_out_as_torch_lays_them_out() {
        let dir = tempfile::tempdir().unwrap();
        let entry = write_files(
            dir.path(),
            "layer/out",
            &[0.1, -2.0, 3.5, 1e-8],
            2,
            Some(&["a", "b"]),
            7,
        )
        .unwrap();
        let sub = dir.path().join("00007/layer%2Fout");
        assert_eq!(
            std::fs::read_to_string(sub.join("tensors.tsv")).unwrap(),
            "0.1\t-2\n3.5\t0.00000001\n"
        );
        assert_eq!(
            std::fs::read_to_string(sub.join("metadata.tsv")).unwrap(),
            "a\nb\n"
        );
        write_config(dir.path(), &[entry]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("projector_config.pbtxt")).unwrap(),
            "embeddings {\n  tensor_name: \"layer/out:00007\"\n  tensor_path: \
             \"00007/layer%2Fout/tensors.tsv\"\n  metadata_path: \
             \"00007/layer%2Fout/metadata.tsv\"\n}\n"
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let message = |values: &[f32], dim, labels: Option<&[&str]>| {
            write_files(dir.path(), "e", values, dim, labels, 0)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            message(&[1.0; 3], 2, None),
            "3 values do not make whole points of dimension 2; give points x dim values, row \
             by row"
        );
        assert_eq!(
            message(&[1.0; 4], 2, Some(&["a"])),
            "1 labels for 2 points; give one label per point"
        );
        assert_eq!(
            message(&[1.0; 2], 2, Some(&["a\tb"])),
            "label 0 (\"a\\tb\") holds a tab or line break; the metadata file is TSV"
        );
    }
}
