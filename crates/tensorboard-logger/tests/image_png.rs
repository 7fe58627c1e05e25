//! Real images (MNIST and CIFAR-10 records from the setup's data directory) through
//! `Image`, `Image::grid` and `encode_png`, decoded back by Pillow, an independent decoder.

mod common;

use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use common::{env_path, mnist_images};
use tensorboard_logger::summary::image::{Image, Layout};

/// The CIFAR-10 records of the setup's sample: per record one label byte, then the red,
/// green and blue 32x32 planes.
fn cifar_records() -> Result<Vec<Vec<u8>>> {
    let path = env_path("ACTIVATION_STUDY_DATA")?.join("cifar10-sample/test_batch.bin");
    let bytes = std::fs::read(&path)
        .with_context(|| format!("reading {}; run ./scripts/setup.sh", path.display()))?;
    ensure!(
        bytes.len() % 3073 == 0,
        "{} is not whole CIFAR records",
        path.display()
    );
    Ok(bytes.chunks_exact(3073).map(|r| r[1..].to_vec()).collect())
}

/// Decodes a PNG file with Pillow; returns (mode, width, height, raw pixels).
fn pillow_decode(png: &[u8]) -> Result<(String, usize, usize, Vec<u8>)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("image.png");
    std::fs::write(&path, png)?;
    let script = "import sys\nfrom PIL import Image\n\
                  im = Image.open(sys.argv[1]); im.load()\n\
                  sys.stdout.buffer.write(f'{im.mode} {im.width} {im.height}\\n'.encode())\n\
                  sys.stdout.buffer.write(im.tobytes())\n";
    let output = Command::new(env_path("ACTIVATION_STUDY_PYTHON")?)
        .args(["-c", script])
        .arg(&path)
        .output()
        .context("running the setup's Python; run ./scripts/setup.sh")?;
    if !output.status.success() {
        bail!("Pillow failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let newline = output
        .stdout
        .iter()
        .position(|&b| b == b'\n')
        .context("no header")?;
    let header = String::from_utf8(output.stdout[..newline].to_vec())?;
    let fields: Vec<&str> = header.split(' ').collect();
    Ok((
        fields[0].to_owned(),
        fields[1].parse()?,
        fields[2].parse()?,
        output.stdout[newline + 1..].to_vec(),
    ))
}

#[test]
fn mnist_grid_decodes_with_pillow() -> Result<()> {
    let digits = mnist_images(64)?;
    let grid = Image::grid(&digits)?;
    // 8x8 cells of 28 pixels with 2-pixel padding: 2 + 8 * 30 = 242.
    assert_eq!(
        (grid.channels(), grid.height(), grid.width()),
        (1, 242, 242)
    );
    let (mode, width, height, pixels) = pillow_decode(&grid.encode_png()?)?;
    assert_eq!((mode.as_str(), width, height), ("L", 242, 242));
    assert_eq!(pixels, grid.pixels());
    // Digit 9 (row 1, column 1) starts at pixel (32, 32); its rows are the source's rows.
    for y in 0..28 {
        let start = (32 + y) * 242 + 32;
        assert_eq!(
            pixels[start..start + 28],
            digits[9].pixels()[y * 28..(y + 1) * 28]
        );
    }
    Ok(())
}

#[test]
fn cifar_planes_decode_as_rgb_pixels() -> Result<()> {
    let records = cifar_records()?;
    ensure!(records.len() >= 20, "the CIFAR sample has 20 records");
    let images = records
        .iter()
        .map(|planes| Image::from_u8(planes.clone(), 3, 32, 32, Layout::Chw))
        .collect::<Result<Vec<_>, _>>()?;
    let (mode, width, height, pixels) = pillow_decode(&images[3].encode_png()?)?;
    assert_eq!((mode.as_str(), width, height), ("RGB", 32, 32));
    // Each decoded pixel is (red, green, blue) taken from the record's three planes.
    for (i, rgb) in pixels.chunks_exact(3).enumerate() {
        let planes = &records[3];
        assert_eq!(
            rgb,
            [planes[i], planes[1024 + i], planes[2048 + i]],
            "pixel {i}"
        );
    }
    let grid = Image::grid(&images)?;
    // 20 images: 5 columns, 4 rows of 32-pixel cells: 2 + 4 * 34 = 138 by 2 + 5 * 34 = 172.
    let (mode, width, height, pixels) = pillow_decode(&grid.encode_png()?)?;
    assert_eq!((mode.as_str(), width, height), ("RGB", 172, 138));
    assert_eq!(pixels, grid.pixels());
    Ok(())
}
