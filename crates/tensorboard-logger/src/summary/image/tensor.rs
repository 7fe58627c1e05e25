//! Images from tch tensors in any of torch's `dataformats`: scaled to bytes and laid out as
//! HWC on the tensor's own device, so only the final 8-bit pixels are copied to the host.

use tch::{Device, Kind, Tensor};

use super::{Image, ImageError, checked_len};

const IMAGE_SHAPES: &str = "[channels, height, width] (CHW) or [height, width]";
const BATCH_SHAPES: &str = "[batch, channels, height, width] (NCHW)";

/// The order of an image tensor's axes, as torch's `dataformats` argument names it: `N`
/// batch, `C` channels, `H` height, `W` width.
///
/// ```
/// use tch::{Kind, Tensor};
/// use tensorboard_logger::summary::image::{DataFormat, Image};
///
/// let hwc = Tensor::rand([28, 28, 3], (Kind::Float, tch::Device::Cpu));
/// let image = Image::from_tensor_with_format(&hwc, DataFormat::Hwc)?;
/// assert_eq!((image.channels(), image.height(), image.width()), (3, 28, 28));
/// # Ok::<(), tensorboard_logger::summary::image::ImageError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataFormat {
    /// `[height, width]`: one grayscale image.
    Hw,
    /// `[channels, height, width]`: one image, as torch and torchvision store them
    /// (torch's default for `add_image`).
    Chw,
    /// `[height, width, channels]`: one image, as numpy, PIL and PNG store them.
    Hwc,
    /// `[batch, channels, height, width]`: a batch (torch's default for `add_images`).
    Nchw,
    /// `[batch, height, width, channels]`: a batch.
    Nhwc,
}

impl DataFormat {
    /// The shape this format expects, in words.
    fn expected(self) -> &'static str {
        match self {
            Self::Hw => "[height, width] (HW)",
            Self::Chw => "[channels, height, width] (CHW)",
            Self::Hwc => "[height, width, channels] (HWC)",
            Self::Nchw => BATCH_SHAPES,
            Self::Nhwc => "[batch, height, width, channels] (NHWC)",
        }
    }

    /// How many axes a tensor of this format has.
    fn rank(self) -> usize {
        match self {
            Self::Hw => 2,
            Self::Chw | Self::Hwc => 3,
            Self::Nchw | Self::Nhwc => 4,
        }
    }

    /// The index of the channel axis, if any.
    fn channel_axis(self) -> Option<usize> {
        match self {
            Self::Hw => None,
            Self::Chw | Self::Nchw => Some(self.rank() - 3),
            Self::Hwc | Self::Nhwc => Some(self.rank() - 1),
        }
    }

    /// The channel count of a tensor of `shape` read in this format (1 without a channel
    /// axis).
    pub(super) fn channel_count(self, shape: &[i64]) -> i64 {
        self.channel_axis()
            .and_then(|axis| shape.get(axis).copied())
            .unwrap_or(1)
    }

    /// The other format of the same rank.
    fn alternative(self) -> Option<Self> {
        match self {
            Self::Hw => None,
            Self::Chw => Some(Self::Hwc),
            Self::Hwc => Some(Self::Chw),
            Self::Nchw => Some(Self::Nhwc),
            Self::Nhwc => Some(Self::Nchw),
        }
    }

    /// `tensor` (checked to be of this rank) as an NCHW view.
    fn to_nchw(self, tensor: &Tensor) -> Result<Tensor, tch::TchError> {
        match self {
            Self::Hw => tensor.f_unsqueeze(0)?.f_unsqueeze(0),
            Self::Chw => tensor.f_unsqueeze(0),
            Self::Hwc => tensor.f_permute([2, 0, 1])?.f_unsqueeze(0),
            Self::Nchw => Ok(tensor.shallow_clone()),
            Self::Nhwc => tensor.f_permute([0, 3, 1, 2]),
        }
    }
}

/// Checks that `shape` fits `format`: its rank, and a channel count PNG can hold. When
/// the channels are wrong but the other layout of that rank would fit, the error says so.
fn check_format(shape: &[i64], format: DataFormat) -> Result<(), ImageError> {
    if shape.len() != format.rank() {
        return Err(ImageError::BadTensorShape {
            shape: shape.to_vec(),
            expected: format.expected(),
        });
    }
    let fits = |format: DataFormat| matches!(format.channel_count(shape), 1 | 3 | 4);
    if fits(format) {
        return Ok(());
    }
    match format.alternative().filter(|other| fits(*other)) {
        Some(likely) => Err(ImageError::WrongFormat {
            shape: shape.to_vec(),
            given: format,
            likely,
        }),
        // No layout fits: `checked_len` reports the channel count.
        None => Ok(()),
    }
}

impl Image {
    /// An image from a `[channels, height, width]` tensor (or `[height, width]` for
    /// grayscale) on any device.
    ///
    /// `Uint8` tensors are taken as they are; float tensors (any float kind) must hold
    /// values in `[0, 1]`, which are clamped and rounded like [`Image::from_f32`]. NaN or
    /// ±Inf is an error.
    ///
    /// This is torch's default `dataformats` for `add_image`; a tensor whose shape fits
    /// only HWC is an error that says so. A shape that fits both (`[3, 8, 4]`) is read as
    /// CHW, as torch reads it. For other layouts use
    /// [`from_tensor_with_format`](Self::from_tensor_with_format).
    pub fn from_tensor(tensor: &Tensor) -> Result<Image, ImageError> {
        let shape = defined_shape(tensor)?;
        let format = match shape.len() {
            2 => DataFormat::Hw,
            3 => DataFormat::Chw,
            _ => {
                return Err(ImageError::BadTensorShape {
                    shape,
                    expected: IMAGE_SHAPES,
                });
            }
        };
        Self::from_tensor_with_format(tensor, format)
    }

    /// An image from a tensor whose axes are in `format` (`Hw`, `Chw` or `Hwc`), on any
    /// device; pixel values as for [`from_tensor`](Self::from_tensor). A batch format is
    /// an error: use [`batch_from_tensor_with_format`](Self::batch_from_tensor_with_format),
    /// or `SummaryWriter::add_image_tensor`, which lays a batch out as a grid.
    pub fn from_tensor_with_format(
        tensor: &Tensor,
        format: DataFormat,
    ) -> Result<Image, ImageError> {
        if format.rank() == 4 {
            return Err(ImageError::BatchFormat { format });
        }
        let mut images = Self::batch_from_tensor_with_format(tensor, format)?;
        Ok(images.remove(0))
    }

    /// The images of a tensor whose axes are in `format`, converted together (one copy
    /// to the host); a format without `N` gives one image. Pixel values as for
    /// [`from_tensor`](Self::from_tensor).
    pub fn batch_from_tensor_with_format(
        tensor: &Tensor,
        format: DataFormat,
    ) -> Result<Vec<Image>, ImageError> {
        let shape = defined_shape(tensor)?;
        check_format(&shape, format)?;
        if shape[0] == 0 && format.rank() == 4 {
            return Ok(Vec::new());
        }
        convert_batch(&format.to_nchw(tensor)?)
    }

    /// The images of a `[batch, channels, height, width]` tensor on any device, converted
    /// together (one copy to the host). Pixel values as for [`Image::from_tensor`].
    pub fn batch_from_tensor(tensor: &Tensor) -> Result<Vec<Image>, ImageError> {
        Self::batch_from_tensor_with_format(tensor, DataFormat::Nchw)
    }
}

fn defined_shape(tensor: &Tensor) -> Result<Vec<i64>, ImageError> {
    if tensor.defined() {
        Ok(tensor.size())
    } else {
        Err(ImageError::UndefinedTensor)
    }
}

/// Converts a non-empty NCHW tensor.
fn convert_batch(nchw: &Tensor) -> Result<Vec<Image>, ImageError> {
    let shape = nchw.size();
    // Sizes of a defined tensor are never negative.
    let [count, channels, height, width] = [0, 1, 2, 3].map(|i| shape[i] as usize);
    let len = checked_len(channels, height, width)?;
    let bytes = match nchw.f_kind()? {
        Kind::Uint8 => nchw.f_detach()?,
        Kind::Float
        | Kind::Double
        | Kind::Half
        | Kind::BFloat16
        | Kind::Float8e5m2
        | Kind::Float8e4m3fn
        | Kind::Float8e5m2fnuz
        | Kind::Float8e4m3fnuz => float_to_bytes(&nchw.f_detach()?.f_to_kind(Kind::Float)?)?,
        kind => return Err(ImageError::UnsupportedKind { kind }),
    };
    let hwc = bytes
        .f_permute([0, 2, 3, 1])?
        .f_contiguous()?
        .f_to_device(Device::Cpu)?
        .f_reshape([-1])?;
    let all = Vec::<u8>::try_from(&hwc)?;
    Ok(all
        .chunks_exact(len)
        .take(count)
        .map(|pixels| Image {
            pixels: pixels.to_vec(),
            channels,
            height,
            width,
        })
        .collect())
}

/// Floats in `[0, 1]` to bytes, on the device, after checking that all are finite.
fn float_to_bytes(values: &Tensor) -> Result<Tensor, ImageError> {
    let not_finite = values.f_isfinite()?.f_logical_not()?.f_reshape([-1])?;
    if not_finite.f_any()?.f_int64_value(&[])? != 0 {
        // argmax takes no bools; on bytes it finds the first 1, the first bad value.
        let index = not_finite
            .f_to_kind(Kind::Uint8)?
            .f_argmax(0, false)?
            .f_int64_value(&[])?;
        let value = values.f_reshape([-1])?.f_double_value(&[index])?;
        return Err(ImageError::NotFinite {
            index: index as usize,
            value,
        });
    }
    // Same arithmetic as `to_u8`: clamp, scale, add one half, truncate.
    Ok(values
        .f_clamp(0.0, 1.0)?
        .f_mul_scalar(255.0)?
        .f_add_scalar(0.5)?
        .f_to_kind(Kind::Uint8)?)
}

#[cfg(test)]
mod tests {
    use super::super::Layout;
    use super::*;

    #[test]
    fn u8_tensor_matches_from_u8() {
        let data: Vec<u8> = (0..3 * 4 * 5).map(|i| (i * 7 % 256) as u8).collect();
        let tensor = Tensor::from_slice(&data).reshape([3, 4, 5]);
        let image = Image::from_tensor(&tensor).unwrap();
        assert_eq!(image, Image::from_u8(data, 3, 4, 5, Layout::Chw).unwrap());
    }

    #[test]
    fn float_tensor_matches_from_f32() {
        // Every 1/1000 step of [-0.1, 1.1]: rounding and clamping must agree with the
        // slice path value for value, for each float kind that holds them.
        let data: Vec<f32> = (0..1200).map(|i| i as f32 / 1000.0 - 0.1).collect();
        let expected = Image::from_f32(&data, 3, 20, 20, Layout::Chw).unwrap();
        let tensor = Tensor::from_slice(&data).reshape([3, 20, 20]);
        assert_eq!(Image::from_tensor(&tensor).unwrap(), expected);
        // A 2-D tensor is one grayscale image.
        let gray = Tensor::from_slice(&data[..400]).reshape([20, 20]);
        assert_eq!(
            Image::from_tensor(&gray).unwrap(),
            Image::from_f32(&data[..400], 1, 20, 20, Layout::Chw).unwrap()
        );
        let half = tensor.to_kind(Kind::Half);
        let exact = Vec::<f32>::try_from(half.to_kind(Kind::Float).reshape([-1])).unwrap();
        assert_eq!(
            Image::from_tensor(&half).unwrap(),
            Image::from_f32(&exact, 3, 20, 20, Layout::Chw).unwrap()
        );
    }

    #[test]
    fn every_format_gives_the_same_image() {
        // One 3x4x5 CHW image with distinct bytes, and the same pixels in each layout.
        let data: Vec<u8> = (0..3 * 4 * 5).map(|i| (i * 7 % 256) as u8).collect();
        let chw = Tensor::from_slice(&data).reshape([3, 4, 5]);
        let expected = Image::from_u8(data.clone(), 3, 4, 5, Layout::Chw).unwrap();
        let hwc = chw.permute([1, 2, 0]).contiguous();
        assert_eq!(
            Image::from_tensor_with_format(&hwc, DataFormat::Hwc).unwrap(),
            expected
        );
        assert_eq!(
            Image::from_tensor_with_format(&chw, DataFormat::Chw).unwrap(),
            expected
        );
        let nchw = Tensor::stack(&[&chw, &chw.flip([2])], 0);
        let nhwc = nchw.permute([0, 2, 3, 1]).contiguous();
        let from_nchw = Image::batch_from_tensor_with_format(&nchw, DataFormat::Nchw).unwrap();
        assert_eq!(from_nchw[0], expected);
        assert_eq!(
            Image::batch_from_tensor_with_format(&nhwc, DataFormat::Nhwc).unwrap(),
            from_nchw
        );
        let gray = chw.get(0);
        assert_eq!(
            Image::from_tensor_with_format(&gray, DataFormat::Hw).unwrap(),
            Image::from_u8(data[..20].to_vec(), 1, 4, 5, Layout::Chw).unwrap()
        );
    }

    #[test]
    fn batch_splits_into_images() {
        let data: Vec<u8> = (0..2 * 4 * 3 * 2).map(|i| i as u8).collect();
        let batch = Tensor::from_slice(&data).reshape([2, 4, 3, 2]);
        let images = Image::batch_from_tensor(&batch).unwrap();
        assert_eq!(images.len(), 2);
        for (i, image) in images.iter().enumerate() {
            let one = data[i * 24..(i + 1) * 24].to_vec();
            assert_eq!(*image, Image::from_u8(one, 4, 3, 2, Layout::Chw).unwrap());
        }
        let none = Tensor::zeros([0, 1, 28, 28], (Kind::Float, Device::Cpu));
        assert!(Image::batch_from_tensor(&none).unwrap().is_empty());
    }

    #[test]
    fn tensor_errors_name_the_problem() {
        let message = |r: Result<Image, ImageError>| r.unwrap_err().to_string();
        let batch = Tensor::zeros([2, 1, 4, 4], (Kind::Float, Device::Cpu));
        assert_eq!(
            message(Image::from_tensor(&batch)),
            "image tensor has shape [2, 1, 4, 4]; expected [channels, height, width] (CHW) or \
             [height, width]"
        );
        let chw = Tensor::zeros([1, 4, 4], (Kind::Float, Device::Cpu));
        assert_eq!(
            Image::batch_from_tensor(&chw).unwrap_err().to_string(),
            "image tensor has shape [1, 4, 4]; expected [batch, channels, height, width] (NCHW)"
        );
        let ints = Tensor::zeros([1, 4, 4], (Kind::Int64, Device::Cpu));
        assert_eq!(
            message(Image::from_tensor(&ints)),
            "cannot make an image from a tensor of kind Int64; use Uint8 (0 to 255) or a float \
             kind (0 to 1)"
        );
        let two_channels = Tensor::zeros([2, 4, 5], (Kind::Uint8, Device::Cpu));
        assert_eq!(
            message(Image::from_tensor(&two_channels)),
            "image has 2 channels; expected 1 (grayscale), 3 (RGB) or 4 (RGBA)"
        );
        let hwc = Tensor::zeros([28, 28, 3], (Kind::Float, Device::Cpu));
        assert_eq!(
            message(Image::from_tensor(&hwc)),
            "image tensor of shape [28, 28, 3] read as Chw has 28 channels, but as Hwc it is \
             an image; pass DataFormat::Hwc (Image::from_tensor_with_format, \
             SummaryWriter::add_image_tensor)"
        );
        let batch = Tensor::zeros([2, 3, 4, 4], (Kind::Float, Device::Cpu));
        assert_eq!(
            message(Image::from_tensor_with_format(&batch, DataFormat::Nchw)),
            "DataFormat::Nchw is a batch of images; use Image::batch_from_tensor_with_format, or \
             SummaryWriter::add_image_tensor to log it as one grid"
        );
        let mut with_nan = vec![0.5_f32; 12];
        with_nan[7] = f32::NAN;
        let nan = Tensor::from_slice(&with_nan).reshape([3, 2, 2]);
        assert_eq!(
            message(Image::from_tensor(&nan)),
            "image value NaN at index 7 is not a number in [0, 1]; float pixels must be finite \
             (values outside [0, 1] are clamped)"
        );
        assert_eq!(
            message(Image::from_tensor(&Tensor::new())),
            "cannot make an image from an undefined tensor (one that holds no data)"
        );
    }
}
