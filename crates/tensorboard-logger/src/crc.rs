//! Masked CRC32C, the checksum of TFRecord framing.
