//! The real TensorBoard (Python, from the setup venv) reads what the writer writes:
//! exact counts and values per kind of summary, hparams through the hparams plugin's own
//! request handlers, and a long scalar series without sampling.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use anyhow::Result;
use serde_json::{Value, json};
use tensorboard_logger::proto::tensorboard::{event::What, summary::value};
use tensorboard_logger::{
    HParamValue, HistogramData, HistogramInput, Image, Layout, SummaryWriter, reader,
};

use common::{float, same_float, scalars, tensorboard_view};

/// The `[left, right, count]` rows TensorBoard derives from a legacy histogram: empty
/// outer buckets dropped, outer edges replaced by min and max, stored as `float32`
/// (TensorBoard's `data_compat` makes a float32 tensor).
fn expected_rows(h: &HistogramData) -> Vec<[f64; 3]> {
    let counts = &h.bucket_counts;
    let first = counts.iter().position(|&c| c > 0.0).unwrap();
    let last = counts.iter().rposition(|&c| c > 0.0).unwrap();
    (first..=last)
        .map(|i| {
            let left = if i == first {
                h.min
            } else {
                h.bucket_limits[i - 1]
            };
            let right = if i == last { h.max } else { h.bucket_limits[i] };
            [left, right, counts[i]].map(|x| x as f32 as f64)
        })
        .collect()
}

fn histogram_rows(view: &Value, run: &str, tag: &str) -> Vec<(i64, Vec<[f64; 3]>)> {
    view["runs"][run]["histograms"][tag]
        .as_array()
        .unwrap_or_else(|| panic!("no histograms {tag:?} in run {run:?}"))
        .iter()
        .map(|entry| {
            let rows = entry[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| [float(&r[0]), float(&r[1]), float(&r[2])])
                .collect();
            (entry[0].as_i64().unwrap(), rows)
        })
        .collect()
}

/// One run with every kind of summary, and a second run so that hparams are compared.
#[test]
fn tensorboard_reads_every_kind_of_summary() -> Result<()> {
    let logdir = tempfile::tempdir()?;
    let relu = SummaryWriter::new(logdir.path().join("mnist/relu"))?;
    let tanh = SummaryWriter::new(logdir.path().join("mnist/tanh"))?;

    // Scalars, including the non-finite values of a diverging run.
    let losses: Vec<f32> = (0..50)
        .map(|step| match step {
            10 => f32::NAN,
            11 => f32::INFINITY,
            12 => f32::NEG_INFINITY,
            _ => 1.0 / (step as f32 + 1.0),
        })
        .collect();
    for (step, &loss) in losses.iter().enumerate() {
        relu.add_scalar("train/loss", loss, step as i64)?;
    }
    let then = UNIX_EPOCH + Duration::from_secs_f64(1_600_000_000.5);
    relu.with_wall_time(then).add_scalar("timed", 3.0, 5)?;

    // Grouped scalars: a third key joins at step 5.
    for step in 0..10 {
        let mut values = vec![("train", step as f32), ("test", 2.0 * step as f32)];
        if step >= 5 {
            values.push(("val.top1", 3.0 * step as f32));
        }
        relu.add_scalars("acc", &values, step)?;
    }

    // Histograms: f32 slice and f64 Vec, then values with NaN and ±Inf.
    let weights_0: Vec<f32> = (0..1000).map(|i| (i as f32 - 500.0) / 100.0).collect();
    let weights_1: Vec<f64> = (0..777).map(|i| (i as f64).sin() * 3.0).collect();
    relu.add_histogram("weights", &weights_0[..], 0)?;
    relu.add_histogram("weights", &weights_1, 1)?;
    relu.add_histogram("grads", &[1.0_f32, 2.0, 2.5][..], 0)?;
    relu.add_histogram("grads", &[1.0_f32, f32::NAN, 2.0, f32::INFINITY][..], 1)?;
    relu.add_histogram("grads", &[f32::NAN, f32::NEG_INFINITY, f32::NAN][..], 2)?;
    relu.add_histogram("grads", &[0.5_f32][..], 3)?;
    let raw = HistogramData {
        min: -1.0,
        max: 4.0,
        num: 6.0,
        sum: 7.0,
        sum_squares: 23.0,
        bucket_limits: vec![0.0, 1.0, 5.0],
        bucket_counts: vec![1.0, 2.0, 3.0],
        non_finite: 0,
    };
    relu.add_histogram_raw("raw", raw.clone(), 4)?;

    // Images: RGB given as HWC, grayscale as CHW, and a batch as one grid.
    let rgb_pixels: Vec<u8> = (0..2 * 3 * 3).map(|i| (i * 13) as u8).collect();
    let rgb = Image::from_u8(rgb_pixels.clone(), 3, 2, 3, Layout::Hwc)?;
    relu.add_image("input/rgb", rgb.clone(), 0)?;
    let gray = Image::from_u8(
        (0..4 * 5).map(|i| (i * 12) as u8).collect(),
        1,
        4,
        5,
        Layout::Chw,
    )?;
    relu.add_image("input/gray", gray.clone(), 0)?;
    let batch: Vec<Image> = (0..3u8)
        .map(|k| Image::from_u8(vec![k * 80; 3 * 4 * 4], 3, 4, 4, Layout::Chw))
        .collect::<Result<_, _>>()?;
    relu.add_images("batch", &batch, 1)?;
    let grid = Image::grid(&batch)?;

    // Text, with markdown and non-ASCII characters.
    relu.add_text("notes", "**epoch 1**: loss ↓", 1)?;
    relu.add_text("notes", "| a | b |\n|---|---|\n| 1 | 2 |", 2)?;

    // HParams of both runs, with the metric logged as a scalar of each run.
    let add_hparams =
        |writer: &SummaryWriter, activation: &str, lr: f64, dropout: bool, batch: i64| {
            writer.add_hparams(
                &[
                    ("activation", HParamValue::from(activation)),
                    ("lr", lr.into()),
                    ("dropout", dropout.into()),
                    ("batch", batch.into()),
                ],
                &["test/accuracy"],
            )
        };
    add_hparams(&relu, "relu", 1e-3, true, 64)?;
    relu.add_scalar("test/accuracy", 0.5, 0)?;
    relu.add_scalar("test/accuracy", 0.9, 1)?;
    add_hparams(&tanh, "tanh", 1e-2, false, 32)?;
    tanh.add_scalar("test/accuracy", 0.8, 1)?;

    let relu_dir = relu.log_dir().to_owned();
    relu.close()?;
    tanh.close()?;

    let view = tensorboard_view(logdir.path())?;
    let run = "mnist/relu";

    // Scalars: every point, exact values, NaN and ±Inf kept.
    let loss = scalars(&view, run, "train/loss");
    assert_eq!(loss.len(), 50);
    for (step, (tb_step, _, value)) in loss.iter().enumerate() {
        assert_eq!(*tb_step, step as i64);
        assert!(
            same_float(*value, losses[step] as f64),
            "step {step}: {value} != {}",
            losses[step]
        );
    }
    assert_eq!(scalars(&view, run, "timed"), [(5, 1_600_000_000.5, 3.0)]);

    // Grouped scalars are tags of the same run, and one chart in the layout.
    let runs: Vec<&String> = view["runs"].as_object().unwrap().keys().collect();
    assert_eq!(runs, ["mnist/relu", "mnist/tanh"]);
    let values = |tag: &str| -> Vec<(i64, f64)> {
        scalars(&view, run, tag)
            .iter()
            .map(|p| (p.0, p.2))
            .collect()
    };
    assert_eq!(
        values("acc/train"),
        (0..10).map(|s| (s, s as f64)).collect::<Vec<_>>()
    );
    assert_eq!(
        values("acc/test"),
        (0..10).map(|s| (s, 2.0 * s as f64)).collect::<Vec<_>>()
    );
    let val: Vec<i64> = scalars(&view, run, "acc/val.top1")
        .iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(val, [5, 6, 7, 8, 9]);
    assert_eq!(
        view["runs"][run]["layout"],
        json!({"category": [{"title": "acc", "chart": [{"title": "acc", "multiline": {
            "tag": ["^acc/train$", "^acc/test$", "^acc/val\\.top1$"]}}]}]})
    );

    // Histograms: TensorBoard's rows are exactly those of our buckets.
    let weights = histogram_rows(&view, run, "weights");
    assert_eq!(weights.len(), 2);
    assert_eq!(weights[0], (0, expected_rows(&weights_0.to_histogram()?)));
    assert_eq!(weights[1], (1, expected_rows(&weights_1.to_histogram()?)));
    let total: f64 = weights[0].1.iter().map(|r| r[2]).sum();
    assert_eq!(total, 1000.0);
    // The outer edges are the extreme values, 499/100 computed in f32.
    let largest = (999.0_f32 - 500.0) / 100.0;
    assert_eq!(
        (weights[0].1[0][0], weights[0].1.last().unwrap()[1]),
        (-5.0, largest as f64)
    );
    assert_eq!(
        histogram_rows(&view, run, "raw"),
        [(4, expected_rows(&raw))]
    );

    // Non-finite histogram values: counted in <tag>/non_finite from the first step that
    // had any, on; a histogram with no finite value is only counted.
    let grads = histogram_rows(&view, run, "grads");
    assert_eq!(grads.iter().map(|g| g.0).collect::<Vec<_>>(), [0, 1, 3]);
    assert_eq!(grads[1].1.iter().map(|r| r[2]).sum::<f64>(), 2.0);
    let non_finite: Vec<(i64, f64)> = scalars(&view, run, "grads/non_finite")
        .iter()
        .map(|p| (p.0, p.2))
        .collect();
    assert_eq!(non_finite, [(1, 2.0), (2, 3.0), (3, 0.0)]);

    // Images: TensorBoard decodes our PNGs to exactly our pixels.
    let images = &view["runs"][run]["images"];
    let image_json = |image: &Image, mode: &str, step: i64| {
        json!([{
            "step": step,
            "width": image.width(),
            "height": image.height(),
            "mode": mode,
            "size": [image.width(), image.height()],
            "pixels": image.pixels(),
        }])
    };
    assert_eq!(images["input/rgb"], image_json(&rgb, "RGB", 0));
    assert_eq!(images["input/rgb"][0]["pixels"], json!(rgb_pixels));
    assert_eq!(images["input/gray"], image_json(&gray, "L", 0));
    assert_eq!(images["batch"], image_json(&grid, "RGB", 1));

    // Text.
    assert_eq!(
        view["runs"][run]["text"]["notes"],
        json!([
            [1, "**epoch 1**: loss ↓"],
            [2, "| a | b |\n|---|---|\n| 1 | 2 |"]
        ])
    );

    // HParams, through the plugin: typed values, the metric, one group per run.
    let experiment = &view["hparams"]["experiment"];
    let mut infos: Vec<(String, String)> = experiment["hparamInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().into(),
                i["type"].as_str().unwrap().into(),
            )
        })
        .collect();
    infos.sort();
    assert_eq!(
        infos,
        [
            ("activation".into(), "DATA_TYPE_STRING".into()),
            ("batch".into(), "DATA_TYPE_FLOAT64".into()),
            ("dropout".into(), "DATA_TYPE_BOOL".into()),
            ("lr".into(), "DATA_TYPE_FLOAT64".into()),
        ]
    );
    assert_eq!(
        experiment["metricInfos"],
        json!([{"name": {"tag": "test/accuracy"}}])
    );
    let groups = view["hparams"]["session_groups"]["sessionGroups"]
        .as_array()
        .unwrap();
    assert_eq!(groups.len(), 2);
    let group = |name: &str| {
        groups
            .iter()
            .find(|g| g["name"] == name)
            .unwrap_or_else(|| panic!("no session group {name}: {groups:?}"))
    };
    let relu_group = group("mnist/relu");
    assert_eq!(
        relu_group["hparams"],
        json!({"activation": "relu", "lr": 0.001, "dropout": true, "batch": 64.0})
    );
    assert_eq!(
        relu_group["metricValues"][0]["value"],
        json!(0.9_f32 as f64)
    );
    assert_eq!(relu_group["metricValues"][0]["trainingStep"], json!(1));
    assert_eq!(relu_group["sessions"][0]["status"], json!("STATUS_SUCCESS"));
    let tanh_group = group("mnist/tanh");
    assert_eq!(tanh_group["hparams"]["dropout"], json!(false));
    assert_eq!(
        tanh_group["metricValues"][0]["value"],
        json!(0.8_f32 as f64)
    );

    // Our own reader agrees on what is in the run.
    let events = reader::read_run_dir(&relu_dir)?;
    assert!(matches!(events[0].what, Some(What::FileVersion(_))));
    let simple_values = events
        .iter()
        .filter_map(|e| match &e.what {
            Some(What::Summary(s)) => Some(&s.value),
            _ => None,
        })
        .flatten()
        .filter(|v| v.tag == "train/loss" && matches!(v.value, Some(value::Value::SimpleValue(_))))
        .count();
    assert_eq!(simple_values, 50);
    Ok(())
}

#[test]
fn tensorboard_keeps_all_of_100k_scalars() -> Result<()> {
    const N: i64 = 100_000;
    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("long"))?;
    let value = |step: i64| (step as f32 * 0.001).sin();
    for step in 0..N {
        writer.add_scalar("loss", value(step), step)?;
    }
    writer.close()?;

    let view = tensorboard_view(logdir.path())?;
    let points = scalars(&view, "long", "loss");
    assert_eq!(points.len(), N as usize);
    for (i, (step, _, v)) in points.iter().enumerate() {
        assert_eq!(*step, i as i64);
        assert_eq!(*v, value(*step) as f64, "step {step}");
    }
    Ok(())
}

#[test]
fn two_writers_in_one_directory_in_the_same_second_both_complete() -> Result<()> {
    let logdir = tempfile::tempdir()?;
    let run = logdir.path().join("shared");
    let (a, b) = loop {
        let a = SummaryWriter::new(&run)?;
        let b = SummaryWriter::new(&run)?;
        // events.out.tfevents.<seconds>.<host>.<pid>.<counter>
        let second = |w: &SummaryWriter| {
            let name = w
                .event_file()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            name.split('.').nth(3).map(String::from)
        };
        if second(&a) == second(&b) {
            break (a, b);
        }
        // Started across a second boundary; try again so the test is about one second.
        a.close()?;
        b.close()?;
        for file in reader::event_files(&run)? {
            std::fs::remove_file(file)?;
        }
    };
    assert_ne!(a.event_file(), b.event_file());
    std::thread::scope(|s| -> Result<()> {
        let log_a = s.spawn(|| (0..1000).try_for_each(|step| a.add_scalar("a", step as f32, step)));
        let log_b = s.spawn(|| (0..1000).try_for_each(|step| b.add_scalar("b", step as f32, step)));
        log_a.join().expect("thread a")?;
        log_b.join().expect("thread b")?;
        Ok(())
    })?;
    a.close()?;
    b.close()?;

    let files = reader::event_files(&run)?;
    assert_eq!(files.len(), 2);
    for file in &files {
        let events = reader::EventFileReader::open(file)?.collect::<Result<Vec<_>, _>>()?;
        assert_eq!(events.len(), 1001, "{}", file.display());
    }
    let view = tensorboard_view(logdir.path())?;
    assert_eq!(scalars(&view, "shared", "a").len(), 1000);
    assert_eq!(scalars(&view, "shared", "b").len(), 1000);
    Ok(())
}
