//! TFRecord framing: length, masked CRCs and payload, over any `Write`/`Read`.
//!
//! A record is `u64` little-endian length, the masked CRC32C of those 8 bytes (`u32` LE),
//! the payload, and the masked CRC32C of the payload (`u32` LE).
//!
//! ```
//! use tensorboard_logger::record::{RecordReader, RecordWriter};
//!
//! let mut writer = RecordWriter::new(Vec::new());
//! writer.write_record(b"hello")?;
//! let bytes = writer.into_inner();
//! assert_eq!(bytes.len(), 8 + 4 + 5 + 4);
//!
//! let mut reader = RecordReader::new(&bytes[..]);
//! assert_eq!(reader.read_record()?, Some(&b"hello"[..]));
//! assert_eq!(reader.read_record()?, None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, Read, Write};

use crate::crc::{masked_crc32c, unmask};

/// Bytes of framing before the payload: length and its CRC.
pub const HEADER_LEN: usize = 12;
/// Bytes of framing after the payload: its CRC.
pub const FOOTER_LEN: usize = 4;

/// Frames payloads as TFRecords into any [`Write`].
///
/// Each record is handed to the inner writer as three `write_all` calls (header, payload,
/// footer); wrap files in a [`std::io::BufWriter`].
#[derive(Debug)]
pub struct RecordWriter<W: Write> {
    inner: W,
}

impl<W: Write> RecordWriter<W> {
    /// Frames records into `inner`.
    pub fn new(inner: W) -> Self {
        Self { inner }
    }

    /// Writes one record holding `data`.
    pub fn write_record(&mut self, data: &[u8]) -> io::Result<()> {
        let mut header = [0u8; HEADER_LEN];
        let len = (data.len() as u64).to_le_bytes();
        header[..8].copy_from_slice(&len);
        header[8..].copy_from_slice(&masked_crc32c(&len).to_le_bytes());
        self.inner.write_all(&header)?;
        self.inner.write_all(data)?;
        self.inner.write_all(&masked_crc32c(data).to_le_bytes())
    }

    /// Flushes the inner writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably; writing to it directly breaks the framing.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Gives back the inner writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// What can go wrong reading one record. Offsets are of the record's first byte.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The underlying reader failed.
    #[error("I/O error at byte {offset}: {cause}")]
    Io {
        /// Offset of the record being read.
        offset: u64,
        /// The reader's error.
        cause: io::Error,
    },
    /// The input ends inside a record: a writer is still writing it, or was killed while
    /// writing it.
    #[error(
        "truncated record at byte {offset}: {available} of {needed} bytes present (a writer may still be writing it)"
    )]
    Truncated {
        /// Offset of the incomplete record.
        offset: u64,
        /// Bytes the record needs (header only, while the length is unknown).
        needed: u64,
        /// Bytes present.
        available: u64,
    },
    /// The length's checksum is wrong: the length cannot be trusted, and nothing after it
    /// can be located.
    #[error(
        "corrupt record length at byte {offset}: stored CRC {stored:#010x}, computed {computed:#010x}"
    )]
    LengthCrc {
        /// Offset of the record.
        offset: u64,
        /// The unmasked CRC stored in the file.
        stored: u32,
        /// The CRC of the length bytes.
        computed: u32,
    },
    /// The length passed its checksum but is too large to be real: the record would end
    /// past the largest offset a file can have. A corrupt or hostile file, not a
    /// truncated one.
    #[error(
        "record at byte {offset} declares a length of {len} bytes, more than the {} bytes a file can hold after the record's {} bytes of framing; the file is corrupt",
        u64::MAX.saturating_sub(*offset).saturating_sub(FRAMING_LEN),
        FRAMING_LEN
    )]
    TooLong {
        /// Offset of the record.
        offset: u64,
        /// The declared payload length.
        len: u64,
    },
    /// The payload's checksum is wrong.
    #[error(
        "corrupt record payload at byte {offset} ({len} bytes): stored CRC {stored:#010x}, computed {computed:#010x}"
    )]
    DataCrc {
        /// Offset of the record.
        offset: u64,
        /// Payload length.
        len: u64,
        /// The unmasked CRC stored in the file.
        stored: u32,
        /// The CRC of the payload.
        computed: u32,
    },
}

impl RecordError {
    /// Offset of the first byte of the record concerned.
    pub fn offset(&self) -> u64 {
        match self {
            Self::Io { offset, .. }
            | Self::Truncated { offset, .. }
            | Self::LengthCrc { offset, .. }
            | Self::TooLong { offset, .. }
            | Self::DataCrc { offset, .. } => *offset,
        }
    }
}

/// Bytes of framing around a payload.
const FRAMING_LEN: u64 = (HEADER_LEN + FOOTER_LEN) as u64;

/// Reads TFRecords from any [`Read`], checking both CRCs.
///
/// Wrap files in a [`std::io::BufReader`]. After an error the reader's position is
/// unspecified; stop reading.
#[derive(Debug)]
pub struct RecordReader<R: Read> {
    inner: R,
    offset: u64,
    buf: Vec<u8>,
}

impl<R: Read> RecordReader<R> {
    /// Reads records from `inner`, which is positioned at a record boundary.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            buf: Vec::new(),
        }
    }

    /// Bytes consumed by the records read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next record's payload, `None` at a clean end of input (a record boundary).
    ///
    /// The payload borrows an internal buffer that the next call reuses.
    pub fn read_record(&mut self) -> Result<Option<&[u8]>, RecordError> {
        let start = self.offset;
        let mut header = [0u8; HEADER_LEN];
        let got = read_full(&mut self.inner, &mut header).map_err(|cause| RecordError::Io {
            offset: start,
            cause,
        })?;
        if got == 0 {
            return Ok(None);
        }
        if got < HEADER_LEN {
            return Err(RecordError::Truncated {
                offset: start,
                needed: HEADER_LEN as u64,
                available: got as u64,
            });
        }
        let (len_bytes, len_crc) = header.split_at(8);
        let stored = unmask(u32::from_le_bytes(len_crc.try_into().expect("4 bytes")));
        let computed = crate::crc::crc32c(len_bytes);
        if stored != computed {
            return Err(RecordError::LengthCrc {
                offset: start,
                stored,
                computed,
            });
        }
        let len = u64::from_le_bytes(len_bytes.try_into().expect("8 bytes"));
        // The length comes from the file: a record must still end at an offset a file
        // can have, or the sums below would overflow.
        let needed = len
            .checked_add(FRAMING_LEN)
            .filter(|needed| start.checked_add(*needed).is_some())
            .ok_or(RecordError::TooLong { offset: start, len })?;

        // The length passed its CRC but may still be huge; `take` grows the buffer with
        // the bytes actually present instead of allocating `len` up front.
        self.buf.clear();
        let got_data = (&mut self.inner)
            .take(len)
            .read_to_end(&mut self.buf)
            .map_err(|cause| RecordError::Io {
                offset: start,
                cause,
            })? as u64;
        let mut footer = [0u8; FOOTER_LEN];
        let got_footer = if got_data == len {
            read_full(&mut self.inner, &mut footer).map_err(|cause| RecordError::Io {
                offset: start,
                cause,
            })?
        } else {
            0
        };
        if got_data < len || got_footer < FOOTER_LEN {
            return Err(RecordError::Truncated {
                offset: start,
                needed,
                available: HEADER_LEN as u64 + got_data + got_footer as u64,
            });
        }
        let stored = unmask(u32::from_le_bytes(footer));
        let computed = crate::crc::crc32c(&self.buf);
        if stored != computed {
            return Err(RecordError::DataCrc {
                offset: start,
                len,
                stored,
                computed,
            });
        }
        self.offset += needed;
        Ok(Some(&self.buf))
    }

    /// Gives back the inner reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

/// Fills `buf` as far as the input allows; returns how many bytes were read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(payloads: &[&[u8]]) -> Vec<u8> {
        let mut writer = RecordWriter::new(Vec::new());
        for payload in payloads {
            writer.write_record(payload).unwrap();
        }
        writer.into_inner()
    }

    fn read_all(bytes: &[u8]) -> (Vec<Vec<u8>>, Option<RecordError>) {
        let mut reader = RecordReader::new(bytes);
        let mut records = Vec::new();
        loop {
            match reader.read_record() {
                Ok(Some(record)) => records.push(record.to_vec()),
                Ok(None) => return (records, None),
                Err(e) => return (records, Some(e)),
            }
        }
    }

    #[test]
    fn round_trips_records_of_many_sizes() {
        let big = vec![0xabu8; 100_000];
        let payloads: Vec<&[u8]> = vec![b"", b"x", b"brain.Event:2", &big];
        let bytes = framed(&payloads);
        let expected_len: usize = payloads.iter().map(|p| p.len() + 16).sum();
        assert_eq!(bytes.len(), expected_len);
        let (records, error) = read_all(&bytes);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(records, payloads);
    }

    // Framing as defined by TensorFlow's tensorflow/core/lib/io/record_writer.cc:
    // length (u64 LE), masked CRC of the length, data, masked CRC of the data. The same
    // bytes are checked against TensorBoard's own Python writer in tests/reference_bytes.rs.
    #[test]
    fn layout_of_an_empty_record() {
        let bytes = framed(&[b""]);
        assert_eq!(&bytes[..8], &[0u8; 8]);
        assert_eq!(
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()),
            crate::crc::mask(crate::crc::crc32c(&[0u8; 8]))
        );
        assert_eq!(
            u32::from_le_bytes(bytes[12..16].try_into().unwrap()),
            crate::crc::mask(0)
        );
    }

    #[test]
    fn every_truncation_is_reported_as_truncated_after_the_whole_records() {
        let bytes = framed(&[b"first", b"second record"]);
        let first_len = 16 + 5;
        for cut in first_len + 1..bytes.len() {
            let (records, error) = read_all(&bytes[..cut]);
            assert_eq!(records, vec![b"first".to_vec()], "cut at {cut}");
            match error {
                Some(RecordError::Truncated {
                    offset,
                    needed,
                    available,
                }) => {
                    assert_eq!(offset, first_len as u64);
                    assert_eq!(available, (cut - first_len) as u64);
                    let full = if cut - first_len < HEADER_LEN {
                        12
                    } else {
                        16 + 13
                    };
                    assert_eq!(needed, full, "cut at {cut}");
                }
                other => panic!("cut at {cut}: expected Truncated, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_flipped_payload_bit_is_a_data_crc_error() {
        let mut bytes = framed(&[b"first", b"second"]);
        bytes[21 + 12 + 2] ^= 0x01;
        let (records, error) = read_all(&bytes);
        assert_eq!(records.len(), 1);
        let error = error.expect("an error");
        assert!(matches!(
            error,
            RecordError::DataCrc {
                offset: 21,
                len: 6,
                ..
            }
        ));
        assert!(
            error
                .to_string()
                .starts_with("corrupt record payload at byte 21 (6 bytes)"),
            "{error}"
        );
    }

    #[test]
    fn a_flipped_length_bit_is_a_length_crc_error() {
        let mut bytes = framed(&[b"first"]);
        bytes[0] ^= 0x40;
        let (records, error) = read_all(&bytes);
        assert!(records.is_empty());
        let error = error.expect("an error");
        assert!(
            matches!(error, RecordError::LengthCrc { offset: 0, .. }),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("corrupt record length at byte 0")
        );
    }

    #[test]
    fn a_huge_length_with_a_valid_crc_is_truncated_not_an_allocation() {
        let len = (u64::MAX / 2).to_le_bytes();
        let mut bytes = len.to_vec();
        bytes.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
        bytes.extend_from_slice(b"short");
        let (_, error) = read_all(&bytes);
        assert!(matches!(
            error,
            Some(RecordError::Truncated { available: 17, .. })
        ));
    }

    /// A header declaring `len` bytes, with a correct length CRC.
    fn header(len: u64) -> Vec<u8> {
        let len = len.to_le_bytes();
        let mut bytes = len.to_vec();
        bytes.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
        bytes
    }

    #[test]
    fn a_length_that_overflows_the_offset_is_too_long_not_a_panic() {
        for len in [u64::MAX, u64::MAX - 15, u64::MAX - 16 - 21 + 1] {
            let mut bytes = framed(&[b"first"]);
            bytes.extend(header(len));
            bytes.extend_from_slice(b"data");
            let (records, error) = read_all(&bytes);
            assert_eq!(records, [b"first".to_vec()]);
            let error = error.expect("an error");
            assert!(
                matches!(error, RecordError::TooLong { offset: 21, len: l } if l == len),
                "{error:?}"
            );
            assert_eq!(error.offset(), 21);
            assert_eq!(
                error.to_string(),
                format!(
                    "record at byte 21 declares a length of {len} bytes, more than the {} \
                     bytes a file can hold after the record's 16 bytes of framing; the file is \
                     corrupt",
                    u64::MAX - 21 - 16
                )
            );
        }
        // The largest length that still fits is only truncated.
        let mut bytes = framed(&[b"first"]);
        bytes.extend(header(u64::MAX - 16 - 21));
        assert!(matches!(
            read_all(&bytes).1,
            Some(RecordError::Truncated { offset: 21, .. })
        ));
    }

    #[test]
    fn io_errors_carry_the_record_offset() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let bytes = framed(&[b"ok"]);
        let mut reader = RecordReader::new(bytes.as_slice().chain(Failing));
        assert_eq!(reader.read_record().unwrap(), Some(&b"ok"[..]));
        let error = reader.read_record().unwrap_err();
        assert_eq!(error.to_string(), "I/O error at byte 18: disk on fire");
    }
}
