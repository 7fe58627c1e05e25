//! Error types of the library: one enum for data sets, one for everything a training run can
//! hit. Policy: a variant's message says what failed, where, and the fix; the underlying
//! error is its [`source`](std::error::Error::source), never repeated in the message.

use std::error::Error;
use std::fmt;
use std::path::PathBuf;

/// How to get the data sets; appended to every data error.
pub const DATA_HINT: &str = "run ./scripts/setup.sh to fetch MNIST and the 20-image CIFAR-10 sample, \
     run ./scripts/download-cifar10.sh for the full CIFAR-10, or point --data-dir \
     (or $ACTIVATION_STUDY_DATA) at a directory that holds them";

/// Something wrong with a data set file or directory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A file the data set needs is not there.
    #[error("{dataset} file {} is missing; {DATA_HINT}", path.display())]
    Missing {
        /// Which data set the file belongs to.
        dataset: &'static str,
        /// The path that was looked up.
        path: PathBuf,
    },
    /// A file exists but could not be read.
    #[error("cannot read {dataset} file {}; {DATA_HINT}", path.display())]
    Read {
        /// Which data set the file belongs to.
        dataset: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A file exists but its contents are not what the format says.
    #[error("{dataset} file {} is malformed: {problem}; {DATA_HINT}", path.display())]
    Malformed {
        /// Which data set the file belongs to.
        dataset: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: FormatError,
    },
    /// Images and labels of one split disagree in number.
    #[error("{dataset}: {} holds {images} images but {} holds {labels} labels; {DATA_HINT}", images_path.display(), labels_path.display())]
    CountMismatch {
        /// Which data set.
        dataset: &'static str,
        /// The image file.
        images_path: PathBuf,
        /// Number of images in it.
        images: usize,
        /// The label file.
        labels_path: PathBuf,
        /// Number of labels in it.
        labels: usize,
    },
    /// Copying the data onto the training device failed.
    #[error("cannot move the {dataset} data onto the device")]
    Tensor {
        /// Which data set.
        dataset: &'static str,
        /// The libtorch error.
        source: tch::TchError,
    },
}

/// What is wrong with the bytes of a data file (the file's name is added by [`DataError`]).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    /// The stream ended before the header was complete.
    #[error("it is {len} bytes long, shorter than its {header}-byte header")]
    ShortHeader {
        /// Bytes read.
        len: usize,
        /// Bytes the header needs.
        header: usize,
    },
    /// The IDX magic number is not the expected one.
    #[error("its magic number is {found:#010x}, expected {expected:#010x}")]
    BadMagic {
        /// The magic number that was expected.
        expected: u32,
        /// The magic number in the file.
        found: u32,
    },
    /// The header's dimensions are not the ones of the data set.
    #[error("its header gives the shape {found}, expected {expected}")]
    BadDimensions {
        /// What the data set needs.
        expected: String,
        /// What the header says.
        found: String,
    },
    /// The payload length does not match the header.
    #[error("its header promises {expected} data bytes but {found} follow")]
    BadLength {
        /// Bytes the header promises.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// A label is outside 0..=9.
    #[error("record {index} has label {label}, outside 0..=9")]
    BadLabel {
        /// Index of the record.
        index: usize,
        /// The label found.
        label: u8,
    },
    /// A CIFAR-10 binary file that is not a whole number of records.
    #[error("it is {len} bytes long, not a positive multiple of the {record}-byte CIFAR-10 record")]
    NotWholeRecords {
        /// File length in bytes.
        len: usize,
        /// Record length in bytes.
        record: usize,
    },
    /// Reading the stream failed.
    #[error("reading it failed: {0}")]
    Io(String),
}

/// Anything that stops a training run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// A data set could not be loaded.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A libtorch operation failed (its C++ stack trace dropped, see [`without_cpp_trace`]).
    #[error("a libtorch operation failed")]
    Tch(#[source] tch::TchError),
    /// The TensorBoard logger failed.
    #[error("TensorBoard logging for run {} failed", run_dir.display())]
    Log {
        /// The run directory being written.
        run_dir: PathBuf,
        /// The logger's error.
        source: tensorboard_logger::Error,
    },
    /// A run directory could not be created or written.
    #[error("cannot write run directory {}; choose a writable --logdir", path.display())]
    RunDir {
        /// The path that failed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `results.json` could not be serialised.
    #[error("cannot serialise the results of {}", path.display())]
    Json {
        /// The file being written.
        path: PathBuf,
        /// The serde error.
        source: serde_json::Error,
    },
    /// CUDA was requested but libtorch sees no CUDA device.
    #[error(
        "--device cuda was requested but libtorch reports no usable CUDA device \
         (no GPU, no driver, or a CPU-only libtorch); use --device auto or --device cpu"
    )]
    CudaUnavailable,
    /// `results.json` could not be written; nothing was left at its path.
    #[error(
        "cannot write {}, so the run's results are only in its event file; free some space or \
         choose another --logdir",
        path.display()
    )]
    Results {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// A sweep task could not be chosen or its run directory prepared.
    #[error(transparent)]
    Sweep(#[from] crate::sweep::SweepError),
}

impl From<tch::TchError> for StudyError {
    fn from(error: tch::TchError) -> Self {
        StudyError::Tch(without_cpp_trace(error))
    }
}

/// libtorch's message of `error` without the C++ stack trace libtorch appends to every
/// error (`Exception raised from ... frame #0: ...`), which reads like a crash and says
/// nothing to a user; kept when `TORCH_SHOW_CPP_STACKTRACES=1`, PyTorch's own switch for it.
pub fn without_cpp_trace(error: tch::TchError) -> tch::TchError {
    let keep = std::env::var_os("TORCH_SHOW_CPP_STACKTRACES").is_some_and(|v| v == "1");
    match error {
        tch::TchError::Torch(message) if !keep => {
            let cut = message
                .find("\nException raised from")
                .unwrap_or(message.len());
            tch::TchError::Torch(message[..cut].to_owned())
        }
        other => other,
    }
}

/// The causes of `error`, outermost first, without one whose text its parent's message
/// already holds (an error that both prints its cause and returns it as `source`).
pub fn causes<'a>(
    error: &'a (dyn Error + 'static),
) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    let mut parent = error.to_string();
    std::iter::successors(error.source(), |e| Error::source(*e)).filter(move |cause| {
        let text = cause.to_string();
        let repeated = parent.contains(&text);
        parent = text;
        !repeated
    })
}

/// An error with its causes on one line, `: `-joined.
///
/// ```
/// use activation_study::error::{Causes, StudyError};
/// let error = StudyError::RunDir {
///     path: "logs/mnist".into(),
///     source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
/// };
/// assert_eq!(
///     Causes(&error).to_string(),
///     "cannot write run directory logs/mnist; choose a writable --logdir: permission denied"
/// );
/// ```
#[derive(Debug)]
pub struct Causes<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        for cause in causes(self.0) {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_libtorch_error_reads_as_its_message_without_the_cpp_stack_trace() {
        let t = tch::Tensor::from_slice(&[1.0f32, 2.0]);
        let error = StudyError::from(t.f_view([3]).unwrap_err());
        let text = Causes(&error).to_string();
        assert_eq!(
            text,
            "a libtorch operation failed: Internal torch error: shape '[3]' is invalid for \
             input of size 2"
        );
    }
}
