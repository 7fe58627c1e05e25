//! Data sets: where they live, loading them onto the training device, batching and
//! preprocessing.

pub mod augment;
pub mod batches;
pub mod cifar;
pub mod mnist;

use std::ffi::OsString;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::error::DataError;

pub use study_spec::Dataset;

/// Images and labels as read from disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawImages {
    /// Pixels, image after image, each `shape` in CHW order.
    pub pixels: Vec<u8>,
    /// One label in 0..=9 per image.
    pub labels: Vec<u8>,
    /// `[channels, height, width]` of one image.
    pub shape: [usize; 3],
}

impl RawImages {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Moves the data onto `device`: `u8` images `[N, C, H, W]` and `i64` labels `[N]`.
    pub fn to_device(&self, device: Device) -> Result<ImageSet, tch::TchError> {
        let [c, h, w] = self.shape.map(|d| d as i64);
        let n = self.len() as i64;
        let images = Tensor::f_from_slice(&self.pixels)?
            .f_reshape([n, c, h, w])?
            .f_to_device(device)?;
        let labels = Tensor::f_from_slice(&self.labels)?
            .f_to_kind(Kind::Int64)?
            .f_to_device(device)?;
        Ok(ImageSet { images, labels })
    }
}

/// One split on the training device.
#[derive(Debug)]
pub struct ImageSet {
    /// `u8` images `[N, C, H, W]`; preprocessing turns batches into floats.
    pub images: Tensor,
    /// `i64` labels `[N]`.
    pub labels: Tensor,
}

impl ImageSet {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.size()[0] as usize
    }

    /// Whether the split is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where the data came from, recorded with each run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSource {
    /// The files' directory.
    pub path: PathBuf,
    /// Whether this is the 20-image CIFAR-10 smoke-test sample standing in for the full set.
    pub smoke_test_sample: bool,
}

/// A data set loaded onto the training device.
#[derive(Debug)]
pub struct LoadedData {
    /// The training split.
    pub train: ImageSet,
    /// The test split.
    pub test: ImageSet,
    /// Where it came from.
    pub source: DataSource,
    /// A warning for the user (the CIFAR-10 sample fallback), if any.
    pub warning: Option<String>,
}

/// Opens a data file, naming it in the error.
pub(crate) fn open(dataset: &'static str, path: &Path) -> Result<BufReader<File>, DataError> {
    match File::open(path) {
        Ok(f) => Ok(BufReader::new(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(DataError::Missing {
            dataset,
            path: path.to_path_buf(),
        }),
        Err(source) => Err(DataError::Read {
            dataset,
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The default data root, by the rule `scripts/setup.sh` uses: `$ACTIVATION_STUDY_DATA`, else
/// `${ACTIVATION_STUDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/activation-study}/data`.
/// `env` looks variables up (empty values count as unset, as in the shell's `:-`); `None` when
/// not even `HOME` is set.
pub fn default_data_dir(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(data) = var("ACTIVATION_STUDY_DATA") {
        return Some(data);
    }
    let cache = match var("ACTIVATION_STUDY_CACHE") {
        Some(cache) => cache,
        None => var("XDG_CACHE_HOME")
            .or_else(|| var("HOME").map(|h| h.join(".cache")))?
            .join("activation-study"),
    };
    Some(cache.join("data"))
}

/// Loads `dataset` from the data root `root` onto `device`.
pub fn load(dataset: Dataset, root: &Path, device: Device) -> Result<LoadedData, DataError> {
    let name = match dataset {
        Dataset::Mnist => "MNIST",
        Dataset::Cifar10 => "CIFAR-10",
    };
    let (train, test, source, warning) = match dataset {
        Dataset::Mnist => {
            let dir = root.join("mnist");
            let (train, test) = mnist::load(&dir)?;
            (
                train,
                test,
                DataSource {
                    path: dir,
                    smoke_test_sample: false,
                },
                None,
            )
        }
        Dataset::Cifar10 => match cifar::load(root)? {
            (train, test, cifar::Cifar10Source::Full(dir)) => (
                train,
                test,
                DataSource {
                    path: dir,
                    smoke_test_sample: false,
                },
                None,
            ),
            (train, test, cifar::Cifar10Source::Sample(file)) => {
                let warning = format!(
                    "the full CIFAR-10 is not in {}; training AND testing on the {}-image smoke-test \
                     sample {} instead, so the accuracies mean nothing. Run \
                     ./scripts/download-cifar10.sh to get the full data set.",
                    root.join(cifar::FULL_DIR).display(),
                    train.len(),
                    file.display()
                );
                (
                    train,
                    test,
                    DataSource {
                        path: file,
                        smoke_test_sample: true,
                    },
                    Some(warning),
                )
            }
        },
    };
    let to_device = |raw: &RawImages| {
        raw.to_device(device).map_err(|source| DataError::Tensor {
            dataset: name,
            source: crate::error::without_cpp_trace(source),
        })
    };
    Ok(LoadedData {
        train: to_device(&train)?,
        test: to_device(&test)?,
        source,
        warning,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn default_data_dir_follows_the_setup_script_rule() {
        let all = [
            ("ACTIVATION_STUDY_DATA", "/d"),
            ("ACTIVATION_STUDY_CACHE", "/c"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(default_data_dir(env(&all)), Some(PathBuf::from("/d")));
        assert_eq!(
            default_data_dir(env(&all[1..])),
            Some(PathBuf::from("/c/data"))
        );
        assert_eq!(
            default_data_dir(env(&all[2..])),
            Some(PathBuf::from("/x/activation-study/data"))
        );
        assert_eq!(
            default_data_dir(env(&all[3..])),
            Some(PathBuf::from("/h/.cache/activation-study/data"))
        );
        assert_eq!(
            default_data_dir(env(&[("ACTIVATION_STUDY_DATA", ""), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.cache/activation-study/data"))
        );
        assert_eq!(default_data_dir(env(&[])), None);
    }
}
