//! Batch preprocessing on the training device: MNIST scaling, and the CIFAR-10 tutorial's
//! distortions (random crop, flip, brightness, contrast) and per-image standardisation.

use tch::{Device, Kind, TchError, Tensor};

/// Side of the CIFAR-10 crops the network sees.
pub const CROP: i64 = 24;
/// Side of a CIFAR-10 image.
const SIDE: i64 = 32;
/// Largest brightness shift, as a fraction of the pixel range (the tutorial's 63 of 255).
pub const MAX_BRIGHTNESS_DELTA: f64 = 63.0 / 255.0;
/// Range of the random contrast factor.
pub const CONTRAST_RANGE: (f64, f64) = (0.2, 1.8);

/// A batch preprocessing: `u8` images in, the network's float input out.
pub type Preprocess = fn(&Tensor) -> Result<Tensor, TchError>;

/// MNIST: `u8` pixels to floats in `[0, 1]`.
pub fn mnist(images: &Tensor) -> Result<Tensor, TchError> {
    images.f_to_kind(Kind::Float)?.f_div_scalar(255.0)
}

/// Crops every image of a `u8` batch `[B, 3, 32, 32]` to 24x24 at per-image offsets
/// `rows`/`cols` (`i64 [B, 1]`), mirrored left-right where `flip` (`i64 [B, 1]`, 0 or 1) is 1,
/// in one gather; returns floats in `[0, 1]`.
fn crop_and_flip(
    images: &Tensor,
    rows: &Tensor,
    cols: &Tensor,
    flip: &Tensor,
) -> Result<Tensor, TchError> {
    let b = images.size()[0];
    let device = images.device();
    let span = Tensor::f_arange(CROP, (Kind::Int64, device))?.f_unsqueeze(0)?;
    let row_index = rows.f_add(&span)?;
    // A flipped crop reads column CROP-1-c where the plain one reads c.
    let mirrored = span.f_mul_scalar(-2)?.f_add_scalar(CROP - 1)?;
    let col_index = cols.f_add(&span)?.f_add(&flip.f_mul(&mirrored)?)?;
    let flat = row_index
        .f_unsqueeze(2)?
        .f_mul_scalar(SIDE)?
        .f_add(&col_index.f_unsqueeze(1)?)?;
    let flat = flat
        .f_reshape([b, 1, CROP * CROP])?
        .f_expand([b, 3, CROP * CROP], false)?;
    images
        .f_reshape([b, 3, SIDE * SIDE])?
        .f_gather(2, &flat, false)?
        .f_reshape([b, 3, CROP, CROP])?
        .f_to_kind(Kind::Float)?
        .f_div_scalar(255.0)
}

/// `tf.image.per_image_standardization`: zero mean and unit variance per image, the standard
/// deviation floored at `1/sqrt(pixels)` so uniform images do not divide by zero.
pub fn standardize(images: &Tensor) -> Result<Tensor, TchError> {
    let size = images.size();
    let pixels: i64 = size[1..].iter().product();
    let (std, mean) = images.f_std_mean_dim([1i64, 2, 3].as_slice(), false, true)?;
    let floor = 1.0 / (pixels as f64).sqrt();
    images.f_sub(&mean)?.f_div(&std.f_clamp_min(floor)?)
}

fn uniform(shape: &[i64], lo: f64, hi: f64, device: Device) -> Result<Tensor, TchError> {
    Tensor::f_rand(shape, (Kind::Float, device))?
        .f_mul_scalar(hi - lo)?
        .f_add_scalar(lo)
}

/// CIFAR-10 training input: random 24x24 crop, random left-right flip, random brightness
/// shift in `+-63/255`, random contrast factor in `[0.2, 1.8]` (about each channel's mean),
/// then per-image standardisation. Draws from libtorch's generator on the batch's device.
pub fn cifar_train(images: &Tensor) -> Result<Tensor, TchError> {
    let b = images.size()[0];
    let device = images.device();
    let offsets = (Kind::Int64, device);
    let rows = Tensor::f_randint_low(0, SIDE - CROP + 1, [b, 1], offsets)?;
    let cols = Tensor::f_randint_low(0, SIDE - CROP + 1, [b, 1], offsets)?;
    let flip = Tensor::f_randint_low(0, 2, [b, 1], offsets)?;
    let x = crop_and_flip(images, &rows, &cols, &flip)?;
    let x = x.f_add(&uniform(
        &[b, 1, 1, 1],
        -MAX_BRIGHTNESS_DELTA,
        MAX_BRIGHTNESS_DELTA,
        device,
    )?)?;
    let (lo, hi) = CONTRAST_RANGE;
    let channel_mean = x.f_mean_dim([2i64, 3].as_slice(), true, Kind::Float)?;
    let x = x
        .f_sub(&channel_mean)?
        .f_mul(&uniform(&[b, 1, 1, 1], lo, hi, device)?)?
        .f_add(&channel_mean)?;
    standardize(&x)
}

/// CIFAR-10 test input: the central 24x24 crop, standardised.
pub fn cifar_test(images: &Tensor) -> Result<Tensor, TchError> {
    let b = images.size()[0];
    let device = images.device();
    let centre = Tensor::f_full([b, 1], (SIDE - CROP) / 2, (Kind::Int64, device))?;
    let no_flip = Tensor::f_zeros([b, 1], (Kind::Int64, device))?;
    standardize(&crop_and_flip(images, &centre, &centre, &no_flip)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two images whose pixel values follow their position (channel, row, column, image),
    /// truncated to a byte.
    fn coded_batch() -> (Tensor, Vec<u8>) {
        let px: Vec<u8> = (0..2 * 3 * 32 * 32)
            .map(|i| ((i % 3072 / 1024) * 1000 + i % 1024 + i / 3072 * 7) as u8)
            .collect();
        (Tensor::from_slice(&px).reshape([2, 3, 32, 32]), px)
    }

    #[test]
    fn crop_and_flip_read_the_right_pixels() {
        let (images, px) = coded_batch();
        let rows = Tensor::from_slice(&[0i64, 8]).reshape([2, 1]);
        let cols = Tensor::from_slice(&[5i64, 2]).reshape([2, 1]);
        let flip = Tensor::from_slice(&[0i64, 1]).reshape([2, 1]);
        let got = crop_and_flip(&images, &rows, &cols, &flip).unwrap();
        assert_eq!(got.size(), [2, 3, 24, 24]);
        let at = |b: usize, c: usize, y: usize, x: usize| {
            f64::from(px[b * 3072 + c * 1024 + y * 32 + x]) / 255.0
        };
        let got_at = |b: i64, c: i64, y: i64, x: i64| got.double_value(&[b, c, y, x]);
        for (c, y, x) in [
            (0usize, 0usize, 0usize),
            (1, 3, 17),
            (2, 23, 23),
            (0, 11, 0),
        ] {
            assert!((got_at(0, c as i64, y as i64, x as i64) - at(0, c, y, 5 + x)).abs() < 1e-6);
            // Flipped: column x of the crop is column 2 + 23 - x of the image.
            assert!(
                (got_at(1, c as i64, y as i64, x as i64) - at(1, c, 8 + y, 2 + 23 - x)).abs()
                    < 1e-6
            );
        }
    }

    #[test]
    fn test_input_is_the_standardised_central_crop() {
        let (images, _) = coded_batch();
        let got = cifar_test(&images).unwrap();
        let centre = Tensor::from_slice(&[4i64, 4]).reshape([2, 1]);
        let manual = crop_and_flip(
            &images,
            &centre,
            &centre,
            &Tensor::zeros([2, 1], (Kind::Int64, Device::Cpu)),
        )
        .unwrap();
        let manual = manual.narrow(0, 0, 1);
        let mean = manual.mean(Kind::Float).double_value(&[]);
        let std = manual.std(false).double_value(&[]);
        let want = (manual - mean) / std;
        assert!(got.narrow(0, 0, 1).allclose(&want, 1e-5, 1e-5, false));
    }

    #[test]
    fn standardize_gives_zero_mean_unit_std_and_floors_the_std() {
        tch::manual_seed(0);
        let x = Tensor::rand([4, 3, 24, 24], (Kind::Float, Device::Cpu)) * 3.0 + 1.0;
        let s = standardize(&x).unwrap();
        let (std, mean) = s.std_mean_dim([1i64, 2, 3].as_slice(), false, false);
        assert!(mean.abs().max().double_value(&[]) < 1e-5);
        assert!((std - 1.0).abs().max().double_value(&[]) < 1e-4);
        // A uniform image has std 0: it is divided by 1/sqrt(1728), not by zero.
        let flat = standardize(&Tensor::full(
            [1, 3, 24, 24],
            0.5,
            (Kind::Float, Device::Cpu),
        ))
        .unwrap();
        assert_eq!(flat.abs().max().double_value(&[]), 0.0);
    }

    #[test]
    fn training_input_is_standardised_and_distorted_per_image() {
        tch::manual_seed(1);
        let (images, _) = coded_batch();
        let images = images.repeat([64, 1, 1, 1]);
        let x = cifar_train(&images).unwrap();
        assert_eq!(x.size(), [128, 3, 24, 24]);
        let (std, mean) = x.std_mean_dim([1i64, 2, 3].as_slice(), false, false);
        assert!(mean.abs().max().double_value(&[]) < 1e-5);
        assert!((std - 1.0).abs().max().double_value(&[]) < 1e-3);
        // Different images of the batch got different crops/distortions.
        assert!(
            !x.narrow(0, 0, 1)
                .allclose(&x.narrow(0, 2, 1), 1e-3, 1e-3, false)
        );
    }
}
