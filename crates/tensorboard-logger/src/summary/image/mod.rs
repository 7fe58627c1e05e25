//! Images: pixel buffers in CHW or HWC, grids of images, and PNG encoding.
//!
//! An [`Image`] holds 8-bit pixels row by row with the channels of each pixel together
//! (HWC), which is what PNG stores, so encoding needs no reordering. It is built from bytes,
//! from floats in `[0, 1]`, or (with the `tch` feature) from a tensor on any device, and
//! several images of one size become one picture with [`Image::grid`].

mod encode;
mod grid;
pub(crate) use grid::ceil_sqrt;
#[cfg(feature = "tch")]
mod tensor;

#[cfg(feature = "tch")]
pub use tensor::DataFormat;

use std::fmt;

/// Where the channel axis is in a pixel buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Channel planes one after the other (`[channels, height, width]`), as torch stores images.
    Chw,
    /// Each pixel's channels together (`[height, width, channels]`), as PNG and numpy images do.
    Hwc,
}

/// An 8-bit image with 1 (grayscale), 3 (RGB) or 4 (RGBA) channels.
///
/// ```
/// use tensorboard_logger::summary::image::{Image, Layout};
///
/// // A 2x2 RGB image given as three channel planes.
/// let planes = vec![255, 0, 0, 255, /* green: */ 0, 255, 0, 255, /* blue: */ 0, 0, 255, 255];
/// let image = Image::from_u8(planes, 3, 2, 2, Layout::Chw)?;
/// assert_eq!(image.pixels()[..6], [255, 0, 0, 0, 255, 0]); // red, then green
/// let png = image.encode_png()?;
/// assert_eq!(png[1..4], *b"PNG");
///
/// let digits = Image::grid(&[image.clone(), image.clone(), image])?;
/// assert_eq!((digits.height(), digits.width()), (10, 10)); // 2x2 cells, 2-pixel padding
/// # Ok::<(), tensorboard_logger::summary::image::ImageError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    pixels: Vec<u8>,
    channels: usize,
    height: usize,
    width: usize,
}

/// Why an image could not be made or encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// A channel count PNG cannot hold.
    #[error("image has {channels} channels; expected 1 (grayscale), 3 (RGB) or 4 (RGBA)")]
    BadChannels {
        /// The channel count given.
        channels: usize,
    },
    /// A zero height or width.
    #[error("image is {height}x{width} pixels; height and width must be at least 1")]
    ZeroSize {
        /// The height given.
        height: usize,
        /// The width given.
        width: usize,
    },
    /// Sizes beyond what PNG or memory allows.
    #[error(
        "image of {channels}x{height}x{width} is too large; PNG allows at most {max} pixels \
         per side"
    )]
    TooLarge {
        /// The channel count.
        channels: usize,
        /// The height.
        height: usize,
        /// The width.
        width: usize,
        /// The largest side PNG allows.
        max: usize,
    },
    /// Pixel data whose length does not match the shape.
    #[error("image data has {len} {unit}, expected {channels}x{height}x{width} = {expected}")]
    DataLength {
        /// Length of the data given.
        len: usize,
        /// What the data counts: "bytes" or "values".
        unit: &'static str,
        /// The channel count given.
        channels: usize,
        /// The height given.
        height: usize,
        /// The width given.
        width: usize,
        /// `channels * height * width`.
        expected: usize,
    },
    /// A NaN or infinite float pixel.
    #[error(
        "image value {value} at index {index} is not a number in [0, 1]; float pixels must be \
         finite (values outside [0, 1] are clamped)"
    )]
    NotFinite {
        /// Index of the first such value in the data as given.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A grid of no images.
    #[error("cannot make a grid of zero images")]
    EmptyGrid,
    /// Images of different sizes in one grid.
    #[error(
        "image {index} is {got} but image 0 is {expected} (channels x height x width); all \
         images in a grid must have the same size and channels"
    )]
    GridMismatch {
        /// Index of the first image that differs from image 0.
        index: usize,
        /// Shape of image 0.
        expected: String,
        /// Shape of image `index`.
        got: String,
    },
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(png::EncodingError),
    /// A tensor of a kind that is not an image.
    #[cfg(feature = "tch")]
    #[error(
        "cannot make an image from a tensor of kind {kind:?}; use Uint8 (0 to 255) or a float \
         kind (0 to 1)"
    )]
    UnsupportedKind {
        /// The tensor's kind.
        kind: tch::Kind,
    },
    /// A tensor whose shape is not an image (or a batch of images).
    #[cfg(feature = "tch")]
    #[error("image tensor has shape {shape:?}; expected {expected}")]
    BadTensorShape {
        /// The tensor's shape.
        shape: Vec<i64>,
        /// The shapes that would have worked.
        expected: &'static str,
    },
    /// A tensor whose channel axis, in the format given, has a count no image has, while
    /// the other layout of that rank would be an image.
    #[cfg(feature = "tch")]
    #[error(
        "image tensor of shape {shape:?} read as {given:?} has {} channels, but as {likely:?} \
         it is an image; pass DataFormat::{likely:?} (Image::from_tensor_with_format, \
         SummaryWriter::add_image_tensor)",
        given.channel_count(shape)
    )]
    WrongFormat {
        /// The tensor's shape.
        shape: Vec<i64>,
        /// The format it was read in.
        given: DataFormat,
        /// The format that fits it.
        likely: DataFormat,
    },
    /// A batch format given where one image is made.
    #[cfg(feature = "tch")]
    #[error(
        "DataFormat::{format:?} is a batch of images; use Image::batch_from_tensor_with_format, \
         or SummaryWriter::add_image_tensor to log it as one grid"
    )]
    BatchFormat {
        /// The format given.
        format: DataFormat,
    },
    /// An undefined tensor (`Tensor::new()`).
    #[cfg(feature = "tch")]
    #[error("cannot make an image from an undefined tensor (one that holds no data)")]
    UndefinedTensor,
    /// A tch operation failed.
    #[cfg(feature = "tch")]
    #[error("converting an image tensor failed: {0}")]
    Tensor(tch::TchError),
}

// By hand rather than `#[from]`, which would also return the cause from `source()`
// while the message already holds it.
impl From<png::EncodingError> for ImageError {
    fn from(error: png::EncodingError) -> Self {
        Self::Png(error)
    }
}

#[cfg(feature = "tch")]
impl From<tch::TchError> for ImageError {
    fn from(error: tch::TchError) -> Self {
        Self::Tensor(error)
    }
}

/// PNG stores each side as a 31-bit number.
const MAX_SIDE: usize = (1 << 31) - 1;

/// Checks a shape and returns its number of values.
fn checked_len(channels: usize, height: usize, width: usize) -> Result<usize, ImageError> {
    if !matches!(channels, 1 | 3 | 4) {
        return Err(ImageError::BadChannels { channels });
    }
    if height == 0 || width == 0 {
        return Err(ImageError::ZeroSize { height, width });
    }
    let too_large = ImageError::TooLarge {
        channels,
        height,
        width,
        max: MAX_SIDE,
    };
    if height > MAX_SIDE || width > MAX_SIDE {
        return Err(too_large);
    }
    channels
        .checked_mul(height)
        .and_then(|n| n.checked_mul(width))
        .ok_or(too_large)
}

/// Checks a shape, and that `len` pixel values (counted in `unit`) fill it exactly.
fn check_data_len(
    len: usize,
    unit: &'static str,
    channels: usize,
    height: usize,
    width: usize,
) -> Result<(), ImageError> {
    let expected = checked_len(channels, height, width)?;
    if len != expected {
        return Err(ImageError::DataLength {
            len,
            unit,
            channels,
            height,
            width,
            expected,
        });
    }
    Ok(())
}

impl Image {
    /// An image from 8-bit values in the given layout.
    ///
    /// `data` must hold exactly `channels * height * width` bytes; `channels` is 1, 3 or 4.
    pub fn from_u8(
        data: Vec<u8>,
        channels: usize,
        height: usize,
        width: usize,
        layout: Layout,
    ) -> Result<Image, ImageError> {
        check_data_len(data.len(), "bytes", channels, height, width)?;
        let pixels = match layout {
            Layout::Hwc => data,
            Layout::Chw if channels == 1 => data,
            Layout::Chw => chw_to_hwc(&data, channels, height * width),
        };
        Ok(Image {
            pixels,
            channels,
            height,
            width,
        })
    }

    /// An image from floats in `[0, 1]` in the given layout.
    ///
    /// Values are clamped to `[0, 1]` and scaled to `0..=255` rounding to nearest (as
    /// torchvision's `save_image` does). NaN and ±Inf are an error, since they mean the
    /// picture is broken rather than slightly out of range.
    pub fn from_f32(
        data: &[f32],
        channels: usize,
        height: usize,
        width: usize,
        layout: Layout,
    ) -> Result<Image, ImageError> {
        check_data_len(data.len(), "values", channels, height, width)?;
        if let Some((index, &value)) = data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(ImageError::NotFinite {
                index,
                value: f64::from(value),
            });
        }
        let bytes = data.iter().map(|&v| to_u8(v)).collect();
        Image::from_u8(bytes, channels, height, width, layout)
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Channels per pixel: 1 (grayscale), 3 (RGB) or 4 (RGBA).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The pixels, row by row, each pixel's channels together (HWC).
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// `channels x height x width`, as error messages name a shape.
    fn shape_text(&self) -> String {
        format!("{}x{}x{}", self.channels, self.height, self.width)
    }
}

impl fmt::Debug for Image {
    /// The shape only: the pixels would drown any message that prints an image.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("channels", &self.channels)
            .field("height", &self.height)
            .field("width", &self.width)
            .finish_non_exhaustive()
    }
}

/// A float in `[0, 1]` (clamped) as a byte, rounding to nearest.
fn to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

/// Interleaves channel planes into pixels.
fn chw_to_hwc(planes: &[u8], channels: usize, pixel_count: usize) -> Vec<u8> {
    let mut pixels = vec![0u8; planes.len()];
    for (c, plane) in planes.chunks_exact(pixel_count).enumerate() {
        for (pixel, &value) in pixels[c..].iter_mut().step_by(channels).zip(plane) {
            *pixel = value;
        }
    }
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chw_planes_become_interleaved_pixels() {
        // 3 channels, 2x2: planes R = 0..4, G = 10..14, B = 20..24; HWC takes one value
        // from each plane per pixel, in raster order.
        let planes = vec![0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23];
        let image = Image::from_u8(planes, 3, 2, 2, Layout::Chw).unwrap();
        assert_eq!(image.pixels(), [0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 13, 23]);
        assert_eq!((image.channels(), image.height(), image.width()), (3, 2, 2));
        let same = Image::from_u8(image.pixels().to_vec(), 3, 2, 2, Layout::Hwc).unwrap();
        assert_eq!(same, image);
        // A single channel is the same in both layouts.
        let gray = Image::from_u8(vec![1, 2, 3, 4, 5, 6], 1, 2, 3, Layout::Chw).unwrap();
        assert_eq!(gray.pixels(), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn floats_are_clamped_and_rounded() {
        // v * 255 + 0.5, truncated: 0.5 -> 128.0 -> 128; 0.002 -> 1.01 -> 1;
        // 0.998 -> 254.99 -> 254; -0.2 and 1.7 clamp to 0 and 1 first.
        let data = [0.0, 1.0, 0.5, 0.002, 0.998, -0.2, 1.7];
        let image = Image::from_f32(&data, 1, 1, 7, Layout::Hwc).unwrap();
        assert_eq!(image.pixels(), [0, 255, 128, 1, 254, 0, 255]);
    }

    #[test]
    fn errors_name_the_problem() {
        let message = |r: Result<Image, ImageError>| r.unwrap_err().to_string();
        assert_eq!(
            message(Image::from_u8(vec![0; 100], 3, 28, 28, Layout::Chw)),
            "image data has 100 bytes, expected 3x28x28 = 2352"
        );
        assert_eq!(
            message(Image::from_f32(&[0.0; 5], 1, 2, 2, Layout::Hwc)),
            "image data has 5 values, expected 1x2x2 = 4"
        );
        assert_eq!(
            message(Image::from_u8(vec![0; 8], 2, 2, 2, Layout::Chw)),
            "image has 2 channels; expected 1 (grayscale), 3 (RGB) or 4 (RGBA)"
        );
        assert_eq!(
            message(Image::from_u8(vec![], 1, 0, 5, Layout::Chw)),
            "image is 0x5 pixels; height and width must be at least 1"
        );
        assert_eq!(
            message(Image::from_u8(vec![], 4, 1 << 31, 1, Layout::Hwc)),
            "image of 4x2147483648x1 is too large; PNG allows at most 2147483647 pixels per side"
        );
        assert_eq!(
            message(Image::from_f32(&[0.5, f32::NAN, 0.5], 3, 1, 1, Layout::Chw)),
            "image value NaN at index 1 is not a number in [0, 1]; float pixels must be finite \
             (values outside [0, 1] are clamped)"
        );
        assert!(message(Image::from_f32(&[f32::INFINITY], 1, 1, 1, Layout::Chw)).contains("inf"));
    }

    #[test]
    fn debug_shows_the_shape_not_the_pixels() {
        let image = Image::from_u8(vec![7; 12], 3, 2, 2, Layout::Hwc).unwrap();
        assert_eq!(
            format!("{image:?}"),
            "Image { channels: 3, height: 2, width: 2, .. }"
        );
    }
}
