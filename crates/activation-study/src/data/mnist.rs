//! MNIST in the IDX format of its four official files, checked against the format and sizes.
//!
//! Format (Y. LeCun, C. Cortes, C. Burges, "THE MNIST DATABASE of handwritten digits"): a
//! big-endian `u32` magic `0x00000803` (unsigned bytes, 3 dimensions) for images or
//! `0x00000801` (1 dimension) for labels, one big-endian `u32` per dimension, then the data.

use std::io::Read;
use std::path::Path;

use super::{RawImages, open};
use crate::error::{DataError, FormatError};

/// Magic number of an IDX file of unsigned bytes with three dimensions.
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with one dimension.
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// Side of an MNIST image in pixels.
pub const SIDE: usize = 28;
/// Images in the training split.
pub const TRAIN_LEN: usize = 60_000;
/// Images in the test split.
pub const TEST_LEN: usize = 10_000;

const DATASET: &str = "MNIST";

fn read_all(mut reader: impl Read) -> Result<Vec<u8>, FormatError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| FormatError::Io(e.to_string()))?;
    Ok(bytes)
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Splits an IDX stream into its payload after checking magic, dimensions and length.
fn parse_idx(
    bytes: &[u8],
    magic: u32,
    expected_tail: &[usize],
) -> Result<(usize, usize), FormatError> {
    let header = 4 + 4 * (1 + expected_tail.len());
    if bytes.len() < header {
        return Err(FormatError::ShortHeader {
            len: bytes.len(),
            header,
        });
    }
    let found = be_u32(bytes, 0);
    if found != magic {
        return Err(FormatError::BadMagic {
            expected: magic,
            found,
        });
    }
    let count = be_u32(bytes, 4) as usize;
    let tail: Vec<usize> = (0..expected_tail.len())
        .map(|i| be_u32(bytes, 8 + 4 * i) as usize)
        .collect();
    if tail != expected_tail {
        return Err(FormatError::BadDimensions {
            expected: format!("N x {expected_tail:?}"),
            found: format!("{count} x {tail:?}"),
        });
    }
    let expected = count * expected_tail.iter().product::<usize>();
    let present = bytes.len() - header;
    if present != expected {
        return Err(FormatError::BadLength {
            expected,
            found: present,
        });
    }
    Ok((header, count))
}

/// Reads an IDX image file of 28x28 images; returns the pixels (row-major) and the count.
pub fn read_images(reader: impl Read) -> Result<(Vec<u8>, usize), FormatError> {
    let mut bytes = read_all(reader)?;
    let (header, count) = parse_idx(&bytes, IMAGES_MAGIC, &[SIDE, SIDE])?;
    bytes.drain(..header);
    Ok((bytes, count))
}

/// Reads an IDX label file and checks every label is a digit.
pub fn read_labels(reader: impl Read) -> Result<Vec<u8>, FormatError> {
    let mut bytes = read_all(reader)?;
    let (header, _) = parse_idx(&bytes, LABELS_MAGIC, &[])?;
    bytes.drain(..header);
    if let Some((index, &label)) = bytes.iter().enumerate().find(|(_, l)| **l > 9) {
        return Err(FormatError::BadLabel { index, label });
    }
    Ok(bytes)
}

/// Loads one split from its image and label files, requiring `expected_len` examples.
fn load_split(
    dir: &Path,
    images_name: &str,
    labels_name: &str,
    expected_len: usize,
) -> Result<RawImages, DataError> {
    let images_path = dir.join(images_name);
    let labels_path = dir.join(labels_name);
    let malformed = |path: &Path| {
        let path = path.to_path_buf();
        move |problem| DataError::Malformed {
            dataset: DATASET,
            path,
            problem,
        }
    };
    let (pixels, images) =
        read_images(open(DATASET, &images_path)?).map_err(malformed(&images_path))?;
    let labels = read_labels(open(DATASET, &labels_path)?).map_err(malformed(&labels_path))?;
    if images != labels.len() {
        return Err(DataError::CountMismatch {
            dataset: DATASET,
            images_path,
            images,
            labels_path,
            labels: labels.len(),
        });
    }
    if images != expected_len {
        return Err(DataError::Malformed {
            dataset: DATASET,
            path: images_path,
            problem: FormatError::BadDimensions {
                expected: format!("{expected_len} images"),
                found: format!("{images} images"),
            },
        });
    }
    Ok(RawImages {
        pixels,
        labels,
        shape: [1, SIDE, SIDE],
    })
}

/// Loads the training (60,000) and test (10,000) splits from `dir`.
pub fn load(dir: &Path) -> Result<(RawImages, RawImages), DataError> {
    let train = load_split(
        dir,
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        TRAIN_LEN,
    )?;
    let test = load_split(
        dir,
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
        TEST_LEN,
    )?;
    Ok((train, test))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IDX image file built by hand after the format description cited in the module doc.
    fn idx_images(count: u32, rows: u32, cols: u32, payload: usize) -> Vec<u8> {
        let mut v = vec![0x00, 0x00, 0x08, 0x03];
        for d in [count, rows, cols] {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend((0..payload).map(|i| i as u8));
        v
    }

    #[test]
    fn reads_images_from_a_buffer() {
        let bytes = idx_images(2, 28, 28, 2 * 784);
        let (pixels, count) = read_images(&bytes[..]).unwrap();
        assert_eq!(count, 2);
        assert_eq!(pixels.len(), 2 * 784);
        assert_eq!(pixels[..3], [0, 1, 2]);
    }

    #[test]
    fn rejects_bad_magic_dimensions_length_and_short_header() {
        let mut wrong_magic = idx_images(1, 28, 28, 784);
        wrong_magic[3] = 0x01;
        assert_eq!(
            read_images(&wrong_magic[..]),
            Err(FormatError::BadMagic {
                expected: 0x803,
                found: 0x801
            })
        );
        assert!(matches!(
            read_images(&idx_images(1, 32, 32, 1024)[..]),
            Err(FormatError::BadDimensions { .. })
        ));
        assert_eq!(
            read_images(&idx_images(2, 28, 28, 784)[..]),
            Err(FormatError::BadLength {
                expected: 2 * 784,
                found: 784
            })
        );
        assert_eq!(
            read_images(&[0u8, 0, 8][..]),
            Err(FormatError::ShortHeader { len: 3, header: 16 })
        );
        let msg = FormatError::BadMagic {
            expected: 0x803,
            found: 0x801,
        }
        .to_string();
        assert_eq!(msg, "its magic number is 0x00000801, expected 0x00000803");
    }

    #[test]
    fn reads_labels_and_rejects_a_label_above_nine() {
        let mut bytes = vec![0x00, 0x00, 0x08, 0x01, 0, 0, 0, 3, 7, 0, 9];
        assert_eq!(read_labels(&bytes[..]).unwrap(), [7, 0, 9]);
        bytes[9] = 10;
        assert_eq!(
            read_labels(&bytes[..]),
            Err(FormatError::BadLabel {
                index: 1,
                label: 10
            })
        );
    }
}
