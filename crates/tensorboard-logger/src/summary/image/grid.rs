//! Several images of one size as one picture, laid out like torchvision's `make_grid`.

use super::{Image, ImageError, checked_len};

/// Pixels between cells and around the border, as `make_grid` pads by default.
pub(crate) const PADDING: usize = 2;

impl Image {
    /// Tiles images into one near-square grid: `ceil(sqrt(n))` columns, as many rows as
    /// needed, row-major, with a 2-pixel black (all channels 0) border between and around
    /// cells, like torchvision's `make_grid(padding=2)`. One image is returned as it is.
    ///
    /// All images must have the same height, width and channels.
    pub fn grid(images: &[Image]) -> Result<Image, ImageError> {
        match images {
            [] => Err(ImageError::EmptyGrid),
            [only] => Ok(only.clone()),
            _ => {
                let columns = ceil_sqrt(images.len());
                Image::tile(images, columns, images.len().div_ceil(columns), PADDING)
            }
        }
    }

    /// Tiles images (at least one, all of one height, width and channel count) row-major,
    /// `columns` to a row, into `rows` rows (enough for all of them), with `padding` black
    /// pixels between and around the cells: [`Image::grid`], and the Projector's sprite.
    pub(crate) fn tile(
        images: &[Image],
        columns: usize,
        rows: usize,
        padding: usize,
    ) -> Result<Image, ImageError> {
        let first = images.first().ok_or(ImageError::EmptyGrid)?;
        if let Some((index, other)) = images.iter().enumerate().find(|(_, image)| {
            (image.channels, image.height, image.width)
                != (first.channels, first.height, first.width)
        }) {
            return Err(ImageError::GridMismatch {
                index,
                expected: first.shape_text(),
                got: other.shape_text(),
            });
        }
        let (channels, cell_height, cell_width) = (first.channels, first.height, first.width);
        // Saturating: a side too large for usize is also too large for PNG, which
        // `checked_len` reports.
        let side = |cells: usize, cell: usize| {
            cell.saturating_add(padding)
                .saturating_mul(cells)
                .saturating_add(padding)
        };
        let (height, width) = (side(rows, cell_height), side(columns, cell_width));
        let len = checked_len(channels, height, width)?;

        let mut pixels = vec![0u8; len];
        let row_bytes = width * channels;
        let cell_row_bytes = cell_width * channels;
        for (i, image) in images.iter().enumerate() {
            let top = padding + (i / columns) * (cell_height + padding);
            let left = (padding + (i % columns) * (cell_width + padding)) * channels;
            for (y, source) in image.pixels.chunks_exact(cell_row_bytes).enumerate() {
                let start = (top + y) * row_bytes + left;
                pixels[start..start + cell_row_bytes].copy_from_slice(source);
            }
        }
        Ok(Image {
            pixels,
            channels,
            height,
            width,
        })
    }
}

/// The smallest `c` with `c * c >= n` (for `n >= 1`).
pub(crate) fn ceil_sqrt(n: usize) -> usize {
    let mut c = (n as f64).sqrt() as usize;
    while c * c < n {
        c += 1;
    }
    while c > 1 && (c - 1) * (c - 1) >= n {
        c -= 1;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::super::Layout;
    use super::*;

    fn filled(value: u8, channels: usize, height: usize, width: usize) -> Image {
        Image::from_u8(
            vec![value; channels * height * width],
            channels,
            height,
            width,
            Layout::Hwc,
        )
        .unwrap()
    }

    #[test]
    fn columns_are_the_ceiling_of_the_square_root() {
        let cases = [
            (1, 1),
            (2, 2),
            (4, 2),
            (5, 3),
            (9, 3),
            (10, 4),
            (64, 8),
            (65, 9),
        ];
        for (n, columns) in cases {
            assert_eq!(ceil_sqrt(n), columns, "n = {n}");
        }
    }

    #[test]
    fn three_images_fill_a_two_by_two_grid() {
        // Cells of 2x3 pixels, 2 columns and 2 rows: height 2 + 2*(2+2) = 10,
        // width 2 + 2*(3+2) = 12. Image k starts at row 2 + (k/2)*4, column 2 + (k%2)*5.
        let images = [filled(1, 1, 2, 3), filled(2, 1, 2, 3), filled(3, 1, 2, 3)];
        let grid = Image::grid(&images).unwrap();
        assert_eq!((grid.channels(), grid.height(), grid.width()), (1, 10, 12));
        let at = |y: usize, x: usize| grid.pixels()[y * 12 + x];
        let mut expected = [[0u8; 12]; 10];
        for (k, value) in [1u8, 2, 3].into_iter().enumerate() {
            let (top, left) = (2 + (k / 2) * 4, 2 + (k % 2) * 5);
            for row in expected.iter_mut().skip(top).take(2) {
                row[left..left + 3].fill(value);
            }
        }
        for (y, row) in expected.iter().enumerate() {
            for (x, &want) in row.iter().enumerate() {
                assert_eq!(at(y, x), want, "pixel ({y}, {x})");
            }
        }
    }

    #[test]
    fn rgb_cells_keep_their_channels() {
        let red = Image::from_u8(vec![255, 0, 0], 3, 1, 1, Layout::Hwc).unwrap();
        let blue = Image::from_u8(vec![0, 0, 255], 3, 1, 1, Layout::Hwc).unwrap();
        let grid = Image::grid(&[red, blue]).unwrap();
        // 1x2 cells of 1x1: height 2 + 1*3 = 5, width 2 + 2*3 = 8.
        assert_eq!((grid.height(), grid.width()), (5, 8));
        let pixel = |y: usize, x: usize| &grid.pixels()[(y * 8 + x) * 3..][..3];
        assert_eq!(pixel(2, 2), [255, 0, 0]);
        assert_eq!(pixel(2, 5), [0, 0, 255]);
        assert_eq!(pixel(2, 3), [0, 0, 0]);
    }

    #[test]
    fn one_image_is_returned_unpadded() {
        let image = filled(9, 4, 3, 5);
        assert_eq!(Image::grid(std::slice::from_ref(&image)).unwrap(), image);
    }

    #[test]
    fn grid_errors_name_the_problem() {
        assert_eq!(
            Image::grid(&[]).unwrap_err().to_string(),
            "cannot make a grid of zero images"
        );
        let err = Image::grid(&[
            filled(0, 1, 28, 28),
            filled(0, 1, 28, 28),
            filled(0, 3, 28, 28),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "image 2 is 3x28x28 but image 0 is 1x28x28 (channels x height x width); all images \
             in a grid must have the same size and channels"
        );
    }
}
