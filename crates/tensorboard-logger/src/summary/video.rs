//! Videos: animated GIFs in an image summary, as torch's `add_video` writes them.
//!
//! TensorBoard's Images dashboard shows the GIF, and the browser animates it. Grayscale
//! frames keep their exact values (a palette of the 256 grays); color frames are
//! quantised to a 256-color palette per frame, as any GIF is.

use crate::proto::tensorboard::summary::{self, Value, value};
use crate::summary::image::Image;

/// Frames of one size shown at a rate.
///
/// ```
/// use tensorboard_logger::summary::image::{Image, Layout};
/// use tensorboard_logger::summary::video::Video;
///
/// let frames = (0..4u8).map(|t| Image::from_u8(vec![t * 60; 8 * 8], 1, 8, 8, Layout::Chw)).collect::<Result<_, _>>()?;
/// let video = Video::new(frames, 4.0)?;
/// assert_eq!(&video.encode_gif()?[..6], b"GIF89a");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Video {
    frames: Vec<Image>,
    fps: f32,
}

/// Why a video could not be made or encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VideoError {
    /// No frames.
    #[error("a video needs at least one frame")]
    NoFrames,
    /// Frames of different sizes.
    #[error(
        "frame {index} is {got:?} but frame 0 is {expected:?} (channels, height, width); all \
         frames must have one size"
    )]
    FrameMismatch {
        /// Index of the first frame that differs.
        index: usize,
        /// Shape of frame 0.
        expected: (usize, usize, usize),
        /// Shape of that frame.
        got: (usize, usize, usize),
    },
    /// A frame rate that is not positive, or too fast or slow for GIF's delays.
    #[error("{fps} frames per second is not a GIF rate; give a rate from 0.002 to 100")]
    BadRate {
        /// The rate given.
        fps: f32,
    },
    /// A side beyond GIF's 65535 pixels.
    #[error("frames of {height}x{width} pixels are too large for GIF (at most 65535 per side)")]
    TooLarge {
        /// Height.
        height: usize,
        /// Width.
        width: usize,
    },
    /// The GIF encoder failed.
    #[error("GIF encoding failed: {0}")]
    Gif(gif::EncodingError),
    /// A tensor that is not `[batch, frames, channels, height, width]`.
    #[cfg(feature = "tch")]
    #[error(
        "video tensor has shape {shape:?}; expected [batch, frames, channels, height, width] \
         (torch's add_video layout): batch and frames at least 1, channels 1, 3 or 4"
    )]
    TensorShape {
        /// The tensor's shape.
        shape: Vec<i64>,
    },
    /// The frames of a tensor could not be made into images.
    #[cfg(feature = "tch")]
    #[error("video frames: {0}")]
    Frames(crate::summary::image::ImageError),
}

// By hand rather than `#[from]`: the message already holds the cause (see `crate::error`).
impl From<gif::EncodingError> for VideoError {
    fn from(error: gif::EncodingError) -> Self {
        Self::Gif(error)
    }
}

/// The shape of a frame, for messages.
fn shape(image: &Image) -> (usize, usize, usize) {
    (image.channels(), image.height(), image.width())
}

impl Video {
    /// A video of `frames` (all of one size and channel count) at `fps` frames per
    /// second; GIF stores the delay between frames in hundredths of a second, so the
    /// rate is rounded to one of those.
    pub fn new(frames: Vec<Image>, fps: f32) -> Result<Self, VideoError> {
        let first = frames.first().ok_or(VideoError::NoFrames)?;
        if let Some((index, frame)) = frames
            .iter()
            .enumerate()
            .find(|(_, f)| shape(f) != shape(first))
        {
            return Err(VideoError::FrameMismatch {
                index,
                expected: shape(first),
                got: shape(frame),
            });
        }
        if !(0.002..=100.0).contains(&fps) {
            return Err(VideoError::BadRate { fps });
        }
        if first.height() > usize::from(u16::MAX) || first.width() > usize::from(u16::MAX) {
            return Err(VideoError::TooLarge {
                height: first.height(),
                width: first.width(),
            });
        }
        Ok(Self { frames, fps })
    }

    /// The delay between frames, in hundredths of a second.
    pub fn delay_centiseconds(&self) -> u16 {
        (100.0 / self.fps).round().max(1.0) as u16
    }

    /// The frames.
    pub fn frames(&self) -> &[Image] {
        &self.frames
    }

    /// The video as an animated GIF that loops forever.
    pub fn encode_gif(&self) -> Result<Vec<u8>, VideoError> {
        let first = &self.frames[0];
        // Sides fit in u16: `new` checked them.
        let (height, width) = (first.height() as u16, first.width() as u16);
        let grays: Vec<u8> = (0..=255u8).flat_map(|g| [g, g, g]).collect();
        let global_palette: &[u8] = if first.channels() == 1 { &grays } else { &[] };
        let mut gif = Vec::new();
        {
            let mut encoder = gif::Encoder::new(&mut gif, width, height, global_palette)?;
            encoder.set_repeat(gif::Repeat::Infinite)?;
            for image in &self.frames {
                let mut frame = match image.channels() {
                    1 => gif::Frame::from_indexed_pixels(width, height, image.pixels(), None),
                    3 => gif::Frame::from_rgb_speed(width, height, image.pixels(), 10),
                    _ => {
                        let mut rgba = image.pixels().to_vec();
                        gif::Frame::from_rgba_speed(width, height, &mut rgba, 10)
                    }
                };
                frame.delay = self.delay_centiseconds();
                encoder.write_frame(&frame)?;
            }
        }
        Ok(gif)
    }
}

#[cfg(feature = "tch")]
impl Video {
    /// A video from a `[batch, frames, channels, height, width]` tensor, torch's
    /// `add_video` layout, at `fps` frames per second (torch's default is 4). Pixels as
    /// for image tensors (`Image::from_tensor`): `Uint8` as they are, floats in `[0, 1]`
    /// (scaled by 255 and rounded; torch truncates). The tensor may be on any device;
    /// its 8-bit pixels are copied to the host once. The videos of a batch play side by
    /// side, each frame a grid as [`Image::grid`] lays out images (torch pads the batch
    /// to a power of two and leaves no border).
    ///
    /// ```
    /// use tch::{Device, Kind, Tensor};
    /// use tensorboard_logger::summary::video::Video;
    ///
    /// let clips = Tensor::rand([4, 10, 3, 16, 16], (Kind::Float, Device::Cpu));
    /// let video = Video::from_tensor(&clips, 4.0)?;
    /// assert_eq!(video.frames().len(), 10);
    /// assert_eq!(video.frames()[0].width(), 2 + 2 * (16 + 2)); // a 2x2 grid
    /// # Ok::<(), tensorboard_logger::summary::video::VideoError>(())
    /// ```
    pub fn from_tensor(tensor: &tch::Tensor, fps: f32) -> Result<Self, VideoError> {
        use crate::summary::image::ImageError;

        if !tensor.defined() {
            return Err(VideoError::Frames(ImageError::UndefinedTensor));
        }
        let shape = tensor.size();
        let [batch, frames, channels, height, width] = shape[..] else {
            return Err(VideoError::TensorShape { shape });
        };
        if batch < 1 || frames < 1 || !matches!(channels, 1 | 3 | 4) {
            return Err(VideoError::TensorShape { shape });
        }
        // Frame by frame, each frame's videos together: the images of one frame's grid
        // are neighbours.
        let images = tensor
            .f_transpose(0, 1)
            .and_then(|t| t.f_reshape([frames * batch, channels, height, width]))
            .map_err(|cause| VideoError::Frames(ImageError::from(cause)))
            .and_then(|t| Image::batch_from_tensor(&t).map_err(VideoError::Frames))?;
        let frames = images
            .chunks(batch as usize)
            .map(Image::grid)
            .collect::<Result<_, _>>()
            .map_err(VideoError::Frames)?;
        Self::new(frames, fps)
    }
}

/// The summary value of an encoded GIF: an image summary, as torch writes videos.
pub fn value(tag: &str, video: &Video, gif: Vec<u8>) -> Value {
    let first = &video.frames[0];
    Value {
        tag: tag.to_owned(),
        value: Some(value::Value::Image(summary::Image {
            height: first.height() as i32,
            width: first.width() as i32,
            colorspace: first.channels() as i32,
            encoded_image_string: gif,
        })),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::image::Layout;

    fn gray(value: u8, height: usize) -> Image {
        Image::from_u8(vec![value; height * 4], 1, height, 4, Layout::Chw).unwrap()
    }

    #[test]
    fn errors_name_the_problem() {
        let message = |r: Result<Video, VideoError>| r.unwrap_err().to_string();
        assert_eq!(
            message(Video::new(vec![], 4.0)),
            "a video needs at least one frame"
        );
        assert_eq!(
            message(Video::new(vec![gray(0, 2), gray(0, 3)], 4.0)),
            "frame 1 is (1, 3, 4) but frame 0 is (1, 2, 4) (channels, height, width); all \
             frames must have one size"
        );
        assert_eq!(
            message(Video::new(vec![gray(0, 2)], 0.0)),
            "0 frames per second is not a GIF rate; give a rate from 0.002 to 100"
        );
    }

    #[test]
    fn the_delay_is_the_rate_in_hundredths() {
        assert_eq!(
            Video::new(vec![gray(0, 1)], 4.0)
                .unwrap()
                .delay_centiseconds(),
            25
        );
        assert_eq!(
            Video::new(vec![gray(0, 1)], 30.0)
                .unwrap()
                .delay_centiseconds(),
            3
        );
    }
}
