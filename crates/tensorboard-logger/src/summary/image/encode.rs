//! PNG encoding with fast settings, cheap enough to run on the writer thread.

use super::{Image, ImageError};

impl Image {
    /// The image as a PNG file (8 bits per channel; grayscale, RGB or RGBA).
    ///
    /// Uses the `png` crate's `Fast` compression (its own deflate tuned for PNG), which
    /// costs a fraction of the default level for slightly larger files.
    pub fn encode_png(&self) -> Result<Vec<u8>, ImageError> {
        let color = match self.channels {
            1 => png::ColorType::Grayscale,
            3 => png::ColorType::Rgb,
            _ => png::ColorType::Rgba,
        };
        // Sides are at most 2^31 - 1, checked when the image was made.
        let (width, height) = (self.width as u32, self.height as u32);
        let mut out = Vec::with_capacity(self.pixels.len() / 2 + 128);
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.pixels)?;
        writer.finish()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Layout;
    use super::*;

    /// Decodes with the `png` crate's decoder; `tests/image_png.rs` checks the same files
    /// with an independent decoder (Pillow).
    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        pixels.truncate(info.buffer_size());
        (info, pixels)
    }

    #[test]
    fn png_round_trips_every_channel_count() {
        for (channels, color) in [
            (1, png::ColorType::Grayscale),
            (3, png::ColorType::Rgb),
            (4, png::ColorType::Rgba),
        ] {
            let (height, width) = (7, 5);
            let data: Vec<u8> = (0..channels * height * width)
                .map(|i| (i * 37 % 256) as u8)
                .collect();
            let image = Image::from_u8(data, channels, height, width, Layout::Chw).unwrap();
            let bytes = image.encode_png().unwrap();
            // The PNG signature (PNG specification, section 5.2).
            assert_eq!(bytes[..8], [137, 80, 78, 71, 13, 10, 26, 10]);
            let (info, pixels) = decode(&bytes);
            assert_eq!((info.width, info.height), (5, 7));
            assert_eq!(info.color_type, color);
            assert_eq!(info.bit_depth, png::BitDepth::Eight);
            assert_eq!(pixels, image.pixels());
        }
    }
}
