//! Images from tch tensors: scaled to bytes and laid out as HWC on the tensor's own device,
//! so only the final 8-bit pixels are copied to the host.

use tch::{Device, Kind, Tensor};

use super::{Image, ImageError, checked_len};

const IMAGE_SHAPES: &str = "[channels, height, width] (CHW) or [height, width]";
const BATCH_SHAPES: &str = "[batch, channels, height, width] (NCHW)";

impl Image {
    /// An image from a `[channels, height, width]` tensor (or `[height, width]` for
    /// grayscale) on any device.
    ///
    /// `Uint8` tensors are taken as they are; float tensors (any float kind) must hold
    /// values in `[0, 1]`, which are clamped and rounded like [`Image::from_f32`]. NaN or
    /// ±Inf is an error.
    pub fn from_tensor(tensor: &Tensor) -> Result<Image, ImageError> {
        let shape = defined_shape(tensor)?;
        let batch = match shape.len() {
            2 => tensor.f_unsqueeze(0)?.f_unsqueeze(0)?,
            3 => tensor.f_unsqueeze(0)?,
            _ => {
                return Err(ImageError::BadTensorShape {
                    shape,
                    expected: IMAGE_SHAPES,
                });
            }
        };
        let mut images = convert_batch(&batch)?;
        Ok(images.remove(0))
    }

    /// The images of a `[batch, channels, height, width]` tensor on any device, converted
    /// together (one copy to the host). Pixel values as for [`Image::from_tensor`].
    pub fn batch_from_tensor(tensor: &Tensor) -> Result<Vec<Image>, ImageError> {
        let shape = defined_shape(tensor)?;
        if shape.len() != 4 {
            return Err(ImageError::BadTensorShape {
                shape,
                expected: BATCH_SHAPES,
            });
        }
        if shape[0] == 0 {
            return Ok(Vec::new());
        }
        convert_batch(tensor)
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
        let two_channels = Tensor::zeros([2, 4, 4], (Kind::Uint8, Device::Cpu));
        assert_eq!(
            message(Image::from_tensor(&two_channels)),
            "image has 2 channels; expected 1 (grayscale), 3 (RGB) or 4 (RGBA)"
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
