//! Masked CRC32C, the checksum of TFRecord framing.
//!
//! TFRecord stores CRC32C (Castagnoli polynomial, hardware accelerated by the `crc32c`
//! crate where the CPU has SSE 4.2 or the ARMv8 CRC extension) in a "masked" form: rotated
//! right by 15 bits plus a constant, because a CRC of data that itself contains CRCs is
//! weak.

/// The constant TFRecord adds after rotating a CRC.
const MASK_DELTA: u32 = 0xa282_ead8;

/// CRC32C of `data`, unmasked.
///
/// ```
/// // RFC 3720, appendix B.4: 32 bytes of zeros.
/// assert_eq!(tensorboard_logger::crc::crc32c(&[0u8; 32]), 0x8a91_36aa);
/// ```
pub fn crc32c(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
}

/// Masks a CRC the way TFRecord stores it: rotate right by 15 bits, then add a constant.
pub fn mask(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// Undoes [`mask`].
pub fn unmask(masked: u32) -> u32 {
    masked.wrapping_sub(MASK_DELTA).rotate_left(15)
}

/// The masked CRC32C of `data`, as written after a TFRecord length and payload.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    mask(crc32c(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test vectors from RFC 3720 (iSCSI), appendix B.4 "CRC Examples".
    #[test]
    fn rfc3720_b4_vectors() {
        assert_eq!(crc32c(&[0u8; 32]), 0x8a91_36aa);
        assert_eq!(crc32c(&[0xffu8; 32]), 0x62a8_ab43);
        let ascending: Vec<u8> = (0..32).collect();
        assert_eq!(crc32c(&ascending), 0x46dd_794e);
        let descending: Vec<u8> = (0..32).rev().collect();
        assert_eq!(crc32c(&descending), 0x113f_db5c);
    }

    #[test]
    #[allow(clippy::manual_rotate)] // Spelled out as TensorFlow's crc32c.h writes the mask.
    fn mask_matches_the_tfrecord_formula_and_round_trips() {
        for crc in [0u32, 1, 0x8a91_36aa, 0xffff_ffff, 0x1234_5678] {
            let expected = ((crc >> 15) | (crc << 17)).wrapping_add(0xa282_ead8);
            assert_eq!(mask(crc), expected);
            assert_eq!(unmask(mask(crc)), crc);
        }
    }
}
