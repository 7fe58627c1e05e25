//! The tch conveniences of the writer, read back by our typed reader and by the real
//! TensorBoard: a whole `VarStore` in one call, `f64` and tensor scalars, and image
//! tensors in each of torch's `dataformats`.

mod common;

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde_json::json;
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};
use tensorboard_logger::reader::{self, Run, Value};
use tensorboard_logger::summary::image::{DataFormat, Layout};
use tensorboard_logger::{Image, SummaryWriter};

fn read(dir: &std::path::Path) -> Result<Run> {
    let mut warnings = Vec::new();
    let run = reader::read_run(dir, &mut warnings)?;
    assert!(warnings.is_empty(), "{warnings:?}");
    Ok(run)
}

/// Each tag's plugin and number of points.
fn tags_and_counts(run: &Run) -> BTreeMap<&str, (&str, usize)> {
    run.series
        .iter()
        .map(|(tag, s)| (tag.as_str(), (s.plugin.as_str(), s.points.len())))
        .collect()
}

#[test]
fn a_var_store_is_logged_in_one_call_with_gradients_and_norms() -> Result<()> {
    tch::manual_seed(7);
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    let vars = nn::VarStore::new(Device::Cpu);
    let root = vars.root();
    let net = nn::seq()
        .add(nn::linear(&root / "hidden", 4, 3, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(&root / "out", 3, 2, Default::default()));
    // A variable that never gets a gradient: logged without gradient tags.
    let frozen = root.zeros_no_train("frozen", &[5]);
    let mut optimizer = nn::Sgd::default().build(&vars, 0.1)?;
    let input = Tensor::rand([8, 4], (Kind::Float, Device::Cpu));

    // Step 0, before any backward: no variable has a gradient yet.
    writer.add_var_store(&vars, 0)?;
    let mut expected_norms = BTreeMap::new();
    for step in 1..=2 {
        optimizer.zero_grad();
        let loss = net.forward(&input).square().mean(Kind::Float);
        loss.backward();
        writer.add_var_store(&vars, step)?;
        writer.add_scalar("loss", &loss, step)?;
        for (name, var) in vars.variables() {
            if var.grad().defined() {
                let norm = var.grad().to_kind(Kind::Double).norm().double_value(&[]);
                expected_norms.insert((name.replace('.', "/"), step), norm as f32);
            }
        }
        optimizer.step();
    }
    writer.close()?;
    drop(frozen);

    let run = read(dir.path())?;
    let h = ("histograms", 3);
    let grads = ("histograms", 2);
    let norms = ("scalars", 2);
    assert_eq!(
        tags_and_counts(&run),
        BTreeMap::from([
            ("frozen", h),
            ("hidden/bias", h),
            ("hidden/bias/gradients", grads),
            ("hidden/bias/gradients/norm", norms),
            ("hidden/weight", h),
            ("hidden/weight/gradients", grads),
            ("hidden/weight/gradients/norm", norms),
            ("loss", ("scalars", 2)),
            ("out/bias", h),
            ("out/bias/gradients", grads),
            ("out/bias/gradients/norm", norms),
            ("out/weight", h),
            ("out/weight/gradients", grads),
            ("out/weight/gradients/norm", norms),
        ])
    );
    // Every value of each variable is counted; the norms are those of the gradients.
    for (tag, numel) in [("hidden/weight", 12.0), ("out/bias", 2.0), ("frozen", 5.0)] {
        for (_, histogram) in run.histograms(tag).context("histograms")? {
            assert_eq!(histogram.num, numel, "{tag}");
        }
    }
    for ((tag, step), norm) in &expected_norms {
        let logged: Vec<(i64, f64)> = run
            .scalars(&format!("{tag}/gradients/norm"))
            .unwrap()
            .collect();
        let at_step = logged.iter().find(|p| p.0 == *step).context("a norm")?;
        assert_eq!(at_step.1, f64::from(*norm), "{tag} at {step}");
    }
    assert_eq!(expected_norms.len(), 8);

    // The real TensorBoard sees the same histograms and norms.
    let Some(_) = common::python_or_skip("a_var_store_is_logged_in_one_call") else {
        return Ok(());
    };
    let view = common::tensorboard_view(dir.path())?;
    let run_view = &view["runs"]["."];
    let histogram_tags: Vec<&String> = run_view["histograms"]
        .as_object()
        .context("histograms")?
        .keys()
        .collect();
    assert_eq!(
        histogram_tags,
        [
            "frozen",
            "hidden/bias",
            "hidden/bias/gradients",
            "hidden/weight",
            "hidden/weight/gradients",
            "out/bias",
            "out/bias/gradients",
            "out/weight",
            "out/weight/gradients"
        ]
    );
    let norm = common::scalars(&view, ".", "out/weight/gradients/norm");
    assert_eq!(
        norm.iter().map(|p| (p.0, p.2 as f32)).collect::<Vec<_>>(),
        [1, 2].map(|step| (step, expected_norms[&("out/weight".to_owned(), step)]))
    );
    Ok(())
}

#[test]
fn var_store_errors_name_the_variable() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    let vars = nn::VarStore::new(Device::Cpu);
    let _ = vars.root().zeros("bad name", &[2]);
    let error = writer.add_var_store(&vars, 0).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid tag \"bad name\": character ' ' at byte 3 is not allowed (allowed: ASCII \
         letters, digits, '_', '-', '.', '/'); use a tag like \"bad_name\" \
         (tensorboard_logger::tag::sanitize)"
    );
    Ok(())
}

#[test]
fn f64_and_tensor_scalars_read_back() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    writer.add_scalar("lr", 0.1_f64, 0)?;
    writer.add_scalar("lr", 1e-3, 1)?;
    let loss = Tensor::from_slice(&[0.25_f32, 0.75, 1.0]).mean(Kind::Float);
    writer.add_scalar("loss", &loss, 0)?;
    writer.add_scalar("count", Tensor::from_slice(&[42_i64]), 0)?;
    let error = writer
        .add_scalar("loss", Tensor::zeros([3], (Kind::Float, Device::Cpu)), 1)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "scalar \"loss\": a scalar tensor must hold one value, but this one has shape [3] \
         (3 values); reduce it first (e.g. .mean()) or log it with add_histogram"
    );
    writer.close()?;

    let run = read(dir.path())?;
    let scalars = |tag| run.scalars(tag).unwrap().collect::<Vec<_>>();
    assert_eq!(
        scalars("lr"),
        [(0, f64::from(0.1_f32)), (1, f64::from(1e-3_f32))]
    );
    assert_eq!(scalars("loss"), [(0, f64::from(2.0_f32 / 3.0))]);
    assert_eq!(scalars("count"), [(0, 42.0)]);
    Ok(())
}

#[test]
fn image_tensors_in_every_layout_read_back_exactly() -> Result<()> {
    // One 3x4x5 RGB image with distinct bytes, as floats in [0, 1] (exact in 8 bits).
    let bytes: Vec<u8> = (0..3 * 4 * 5).map(|i| (i * 4) as u8).collect();
    let chw = Tensor::from_slice(&bytes)
        .reshape([3, 4, 5])
        .to_kind(Kind::Float)
        / 255.0;
    let rgb = Image::from_u8(bytes.clone(), 3, 4, 5, Layout::Chw)?;
    let gray = Image::from_u8(bytes[..20].to_vec(), 1, 4, 5, Layout::Chw)?;
    let flipped = Image::from_tensor(&chw.flip([2]))?;
    let nchw = Tensor::stack(&[&chw, &chw.flip([2])], 0);
    let cases = [
        ("hw", chw.get(0), DataFormat::Hw, gray.clone()),
        ("chw", chw.shallow_clone(), DataFormat::Chw, rgb.clone()),
        ("hwc", chw.permute([1, 2, 0]), DataFormat::Hwc, rgb.clone()),
        (
            "nchw",
            nchw.shallow_clone(),
            DataFormat::Nchw,
            Image::grid(&[rgb.clone(), flipped.clone()])?,
        ),
        (
            "nhwc",
            nchw.permute([0, 2, 3, 1]),
            DataFormat::Nhwc,
            Image::grid(&[rgb.clone(), flipped])?,
        ),
        ("one_of_nchw", chw.unsqueeze(0), DataFormat::Nchw, rgb),
    ];
    let dir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(dir.path())?;
    for (tag, tensor, format, _) in &cases {
        writer.add_image_tensor(tag, tensor, *format, 3)?;
    }
    let error = writer
        .add_image_tensor(
            "photo",
            &Tensor::zeros([5, 6, 3], (Kind::Float, Device::Cpu)),
            DataFormat::Chw,
            0,
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "image \"photo\": image tensor of shape [5, 6, 3] read as Chw has 5 channels, but as \
         Hwc it is an image; pass DataFormat::Hwc (Image::from_tensor_with_format, \
         SummaryWriter::add_image_tensor)"
    );
    writer.close()?;

    // Our reader: each PNG decodes to the expected pixels.
    let run = read(dir.path())?;
    for (tag, _, _, expected) in &cases {
        let series = &run.series[*tag];
        let [point] = &series.points[..] else {
            panic!("{tag}: {} points", series.points.len());
        };
        let Value::Images(images) = &point.value else {
            panic!("{tag}: {:?}", point.value);
        };
        let decoder = png::Decoder::new(std::io::Cursor::new(&images[0].png));
        let mut png = decoder.read_info()?;
        let mut pixels = vec![0; png.output_buffer_size().context("PNG size")?];
        let info = png.next_frame(&mut pixels)?;
        pixels.truncate(info.buffer_size());
        assert_eq!(
            (info.width as usize, info.height as usize, &pixels[..]),
            (expected.width(), expected.height(), expected.pixels()),
            "{tag}"
        );
    }

    // The real TensorBoard decodes the same pixels.
    let Some(_) = common::python_or_skip("image_tensors_in_every_layout") else {
        return Ok(());
    };
    let view = common::tensorboard_view(dir.path())?;
    for (tag, _, _, expected) in &cases {
        let mode = if expected.channels() == 1 { "L" } else { "RGB" };
        assert_eq!(
            view["runs"]["."]["images"][*tag],
            json!([{
                "step": 3,
                "width": expected.width(),
                "height": expected.height(),
                "mode": mode,
                "size": [expected.width(), expected.height()],
                "pixels": expected.pixels(),
            }]),
            "{tag}"
        );
    }
    Ok(())
}

#[test]
fn the_graphs_dashboard_shows_the_var_store() -> Result<()> {
    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("mlp"))?;
    let vars = nn::VarStore::new(Device::Cpu);
    let root = vars.root();
    let _hidden = nn::linear(&root / "hidden", 784, 128, Default::default());
    let _out = nn::linear(&root / "out", 128, 10, Default::default());
    let _steps = root.zeros_no_train("steps", &[]);
    writer.add_graph(&vars)?;
    writer.close()?;

    let Some(python) = common::python_or_skip("the_graphs_dashboard_shows_the_var_store") else {
        return Ok(());
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/read_graph.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(logdir.path())
        .output()
        .context("running read_graph.py")?;
    if !output.status.success() {
        anyhow::bail!("{}", String::from_utf8_lossy(&output.stderr));
    }
    let view: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let node = |name: &str, shape: &[i64]| json!({"name": name, "op": "VariableV2", "dtype": 1, "shape": shape, "output_shapes": [shape]});
    assert_eq!(
        view["mlp"],
        json!({
            "mime": "text/x-protobuf",
            "producer": 22,
            "nodes": [
                node("hidden/bias", &[128]),
                node("hidden/weight", &[128, 784]),
                node("out/bias", &[10]),
                node("out/weight", &[10, 128]),
                node("steps", &[]),
            ],
        })
    );
    Ok(())
}
