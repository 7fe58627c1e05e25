//! Embeddings, read back through the real TensorBoard Projector plugin's HTTP routes:
//! the config lists each one, and its tensor and labels come back exactly.

mod common;

use anyhow::Result;
use serde_json::json;
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::summary::image::{Image, Layout};

#[test]
fn the_projector_serves_our_embeddings() -> Result<()> {
    // Values that need every digit of an f32 to come back bit for bit.
    let points: Vec<f32> = (0..12 * 3)
        .map(|i| (i as f32 * 0.731).sin() * 10f32.powi(i % 7 - 3))
        .collect();
    let labels: Vec<String> = (0..12).map(|i| format!("digit {i}")).collect();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("run"))?;
    writer.add_embedding("hidden", &points, 3, Some(&labels), 0)?;
    writer.add_embedding("hidden", &points[..6], 3, None, 10)?;
    writer.add_embedding("layer/out", &points, 4, None, 10)?;
    let error = writer
        .add_embedding("bad", &points, 5, None, 0)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "embedding \"bad\": 36 values do not make whole points of dimension 5; give points x \
         dim values, row by row"
    );
    writer.close()?;

    let Some(python) = common::python_or_skip("the_projector_serves_our_embeddings") else {
        return Ok(());
    };
    let view = common::script_view(&python, "read_projector.py", logdir.path())?;
    let values = |v: &[f32]| v.iter().map(|x| f64::from(*x)).collect::<Vec<_>>();
    assert_eq!(view["runs"], json!(["run"]));
    assert_eq!(
        view["run"],
        json!({
            "hidden:00000": {
                "shape": [12, 3],
                "values": values(&points),
                "metadata": labels.join("\n") + "\n",
                "sprite": null,
            },
            "hidden:00010": {
                "shape": [2, 3], "values": values(&points[..6]), "metadata": null, "sprite": null,
            },
            "layer/out:00010": {
                "shape": [9, 4], "values": values(&points), "metadata": null, "sprite": null,
            },
        })
    );
    Ok(())
}

#[test]
fn the_projector_shows_each_digit_as_its_thumbnail() -> Result<()> {
    // 20 MNIST test digits, embedded as their 784 pixels: a 5x5 sprite of 28x28 cells,
    // the last 5 cells black.
    let digits = common::mnist_images(20)?;
    let labels: Vec<String> = common::mnist_labels(20)?
        .iter()
        .map(u8::to_string)
        .collect();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    let points: Vec<f32> = digits
        .iter()
        .flat_map(|d| d.pixels().iter().map(|&p| f32::from(p) / 255.0))
        .collect();
    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("run"))?;
    writer.add_embedding_with_images("digits", &points, 784, Some(&labels), &digits, 4)?;
    let rgb = Image::from_u8(vec![200; 3 * 28 * 28], 3, 28, 28, Layout::Chw)?;
    let error = writer
        .add_embedding_with_images(
            "mixed",
            &points[..2 * 784],
            784,
            None,
            &[digits[0].clone(), rgb],
            4,
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "embedding \"mixed\": sprite: image 1 is 3x28x28 but image 0 is 1x28x28 (channels x \
         height x width); all images in a grid must have the same size and channels"
    );
    let error = writer
        .add_embedding_with_images("few", &points, 784, None, &digits[..3], 4)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "embedding \"few\": 3 images for 20 points; give one image per point"
    );
    writer.close()?;

    let Some(python) = common::python_or_skip("the_projector_shows_each_digit_as_its_thumbnail")
    else {
        return Ok(());
    };
    let view = common::script_view(&python, "read_projector.py", logdir.path())?;
    let embedding = &view["run"]["digits:00004"];
    assert_eq!(embedding["shape"], json!([20, 784]));
    assert_eq!(embedding["metadata"], labels.join("\n") + "\n");
    let sprite = &embedding["sprite"];
    assert_eq!(sprite["single_image_dim"], json!([28, 28]));
    assert_eq!(sprite["mime"], "image/png");
    assert_eq!(sprite["mode"], "L");
    assert_eq!(sprite["size"], json!([140, 140]));
    let mut expected = vec![0u8; 140 * 140];
    for (i, digit) in digits.iter().enumerate() {
        let (top, left) = ((i / 5) * 28, (i % 5) * 28);
        for (y, row) in digit.pixels().chunks_exact(28).enumerate() {
            let start = (top + y) * 140 + left;
            expected[start..start + 28].copy_from_slice(row);
        }
    }
    assert_eq!(sprite["pixels"], json!(expected));
    Ok(())
}
