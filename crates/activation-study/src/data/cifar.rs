//! CIFAR-10 in its binary format: the full release, or the 20-image sample as a fallback.
//!
//! Format (A. Krizhevsky, "The CIFAR-10 dataset", binary version): records of 3073 bytes, one
//! label byte (0..=9) then 1024 red, 1024 green and 1024 blue bytes, each plane row-major 32x32.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{RawImages, open};
use crate::error::{DataError, FormatError};

/// Bytes per record: label plus a 3x32x32 image.
pub const RECORD_LEN: usize = 1 + 3 * 32 * 32;
/// Side of a CIFAR-10 image in pixels.
pub const SIDE: usize = 32;
/// Class names, indexed by label.
pub const CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// The full release's directory under the data root.
pub const FULL_DIR: &str = "cifar10/cifar-10-batches-bin";
/// The sample's file under the data root.
pub const SAMPLE_FILE: &str = "cifar10-sample/test_batch.bin";
/// The full release's training files.
pub const TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
/// The full release's test file.
pub const TEST_FILE: &str = "test_batch.bin";

const DATASET: &str = "CIFAR-10";

/// Reads any positive whole number of records; appends pixels (CHW per image) and labels.
pub fn read_records(mut reader: impl Read, into: &mut RawImages) -> Result<usize, FormatError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| FormatError::Io(e.to_string()))?;
    if bytes.is_empty() || bytes.len() % RECORD_LEN != 0 {
        return Err(FormatError::NotWholeRecords {
            len: bytes.len(),
            record: RECORD_LEN,
        });
    }
    if let Some((index, record)) = bytes
        .chunks_exact(RECORD_LEN)
        .enumerate()
        .find(|(_, r)| r[0] > 9)
    {
        return Err(FormatError::BadLabel {
            index,
            label: record[0],
        });
    }
    let count = bytes.len() / RECORD_LEN;
    into.pixels.reserve(count * (RECORD_LEN - 1));
    into.labels.reserve(count);
    for record in bytes.chunks_exact(RECORD_LEN) {
        into.labels.push(record[0]);
        into.pixels.extend_from_slice(&record[1..]);
    }
    Ok(count)
}

fn load_files(paths: &[PathBuf]) -> Result<RawImages, DataError> {
    let mut raw = RawImages {
        pixels: Vec::new(),
        labels: Vec::new(),
        shape: [3, SIDE, SIDE],
    };
    for path in paths {
        read_records(open(DATASET, path)?, &mut raw).map_err(|problem| DataError::Malformed {
            dataset: DATASET,
            path: path.clone(),
            problem,
        })?;
    }
    Ok(raw)
}

/// Which CIFAR-10 files were loaded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cifar10Source {
    /// The full release: 50,000 training and 10,000 test images.
    Full(PathBuf),
    /// The 20-image sample, used for both training and testing.
    Sample(PathBuf),
}

/// Loads the full release from `<root>/cifar10/cifar-10-batches-bin/` when that directory
/// exists (every file must then be there), else the 20-image sample for both splits.
pub fn load(root: &Path) -> Result<(RawImages, RawImages, Cifar10Source), DataError> {
    let full = root.join(FULL_DIR);
    if full.is_dir() {
        let train: Vec<PathBuf> = TRAIN_FILES.iter().map(|f| full.join(f)).collect();
        let train = load_files(&train)?;
        let test = load_files(&[full.join(TEST_FILE)])?;
        return Ok((train, test, Cifar10Source::Full(full)));
    }
    let sample = root.join(SAMPLE_FILE);
    let raw = load_files(std::slice::from_ref(&sample))?;
    Ok((raw.clone(), raw, Cifar10Source::Sample(sample)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(label: u8, fill: u8) -> Vec<u8> {
        let mut r = vec![label];
        r.extend(std::iter::repeat_n(fill, RECORD_LEN - 1));
        r
    }

    #[test]
    fn reads_any_whole_number_of_records() {
        for n in [1usize, 3] {
            let bytes: Vec<u8> = (0..n).flat_map(|i| record(i as u8, 10 * i as u8)).collect();
            let mut raw = RawImages {
                pixels: vec![],
                labels: vec![],
                shape: [3, 32, 32],
            };
            assert_eq!(read_records(&bytes[..], &mut raw).unwrap(), n);
            assert_eq!(raw.labels, (0..n as u8).collect::<Vec<_>>());
            assert_eq!(raw.pixels.len(), n * 3072);
            assert_eq!(raw.pixels[3072 * (n - 1)], 10 * (n as u8 - 1));
        }
    }

    #[test]
    fn rejects_partial_records_empty_input_and_bad_labels() {
        let mut raw = RawImages {
            pixels: vec![],
            labels: vec![],
            shape: [3, 32, 32],
        };
        let partial = &record(1, 0)[..3000];
        assert_eq!(
            read_records(partial, &mut raw),
            Err(FormatError::NotWholeRecords {
                len: 3000,
                record: 3073
            })
        );
        assert_eq!(
            read_records(&[][..], &mut raw),
            Err(FormatError::NotWholeRecords {
                len: 0,
                record: 3073
            })
        );
        let bad: Vec<u8> = [record(3, 0), record(12, 0)].concat();
        assert_eq!(
            read_records(&bad[..], &mut raw),
            Err(FormatError::BadLabel {
                index: 1,
                label: 12
            })
        );
    }
}
