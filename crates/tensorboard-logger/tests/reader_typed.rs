//! The typed reader against files written by this crate's writer, by
//! torch.utils.tensorboard and by TensorBoard's own Python writer: every kind of summary,
//! exact values (f32 scalars bit for bit after conversion to f64).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{Context, Result, ensure};
use serde_json::Value as Json;
use tensorboard_logger::reader::{self, HParamType, HParamsInfo, LogDir, Run, Value};
use tensorboard_logger::{
    HParamValue, HistogramData, HistogramInput, Image, Layout, SessionStatus, SummaryWriter,
};

fn bits_equal(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

fn read(logdir: &Path) -> Result<LogDir> {
    let mut files = Vec::new();
    let log_dir = reader::read_log_dir(logdir, &mut |p| files.push(p.path.to_owned()))?;
    ensure!(!files.is_empty(), "no event file was reported");
    Ok(log_dir)
}

#[test]
fn reads_back_every_kind_our_writer_writes() -> Result<()> {
    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("mnist/relu"))?;
    let at = |secs: f64| UNIX_EPOCH + Duration::from_secs_f64(secs);
    let scalars = [0.1_f32, f32::NAN, f32::NEG_INFINITY, -3.5e-9, 1.0 / 3.0];
    for (step, &v) in scalars.iter().enumerate() {
        writer
            .with_wall_time(at(1_700_000_000.25 + step as f64))
            .add_scalar("loss", v, step as i64)?;
    }
    writer.with_wall_time(at(1_700_000_010.0)).add_scalars(
        "acc",
        &[("train", 0.75), ("test", 0.5)],
        7,
    )?;
    let values: Vec<f32> = (0..1000)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.013)
        .collect();
    let expected_histogram = values.to_histogram()?;
    writer
        .with_wall_time(at(1_700_000_020.0))
        .add_histogram("weights", &values[..], 3)?;
    let raw = HistogramData {
        min: -1.0,
        max: 4.0,
        num: 3.0,
        sum: 3.5,
        sum_squares: 17.25,
        bucket_limits: vec![0.0, 2.0, 4.0],
        bucket_counts: vec![1.0, 0.0, 2.0],
        non_finite: 0,
    };
    writer
        .with_wall_time(at(1_700_000_021.0))
        .add_histogram_raw("raw", raw.clone(), 4)?;
    let pixels: Vec<u8> = (0..3 * 4 * 5).map(|i| (i * 7 % 256) as u8).collect();
    let image = Image::from_u8(pixels, 3, 4, 5, Layout::Chw)?;
    let png = image.encode_png()?;
    writer
        .with_wall_time(at(1_700_000_030.0))
        .add_image("input", image, 5)?;
    writer
        .with_wall_time(at(1_700_000_040.0))
        .add_text("notes", "**bold** ünïcode", 6)?;
    writer.add_hparams(
        &[
            ("activation", HParamValue::from("relu")),
            ("lr", 1e-3.into()),
            ("dropout", true.into()),
        ],
        &["loss"],
    )?;
    writer.close_with_status(SessionStatus::Failure)?;

    let log_dir = read(logdir.path())?;
    assert!(log_dir.warnings.is_empty(), "{:?}", log_dir.warnings);
    assert_eq!(log_dir.runs.len(), 1);
    let run = &log_dir.runs[0];
    assert_eq!(run.name, "mnist/relu");

    let loss: Vec<&reader::Point> = run.series["loss"].points.iter().collect();
    assert_eq!(loss.len(), scalars.len());
    for (step, (point, &v)) in loss.iter().zip(&scalars).enumerate() {
        assert_eq!(point.step, step as i64);
        assert!(bits_equal(point.wall_time, 1_700_000_000.25 + step as f64));
        let Value::Scalar(got) = point.value else {
            panic!("not a scalar: {:?}", point.value);
        };
        assert!(bits_equal(got, f64::from(v)), "step {step}: {got} vs {v}");
    }
    assert_eq!(
        run.scalars("acc/train").unwrap().collect::<Vec<_>>(),
        [(7, 0.75)]
    );
    assert_eq!(
        run.scalars("acc/test").unwrap().collect::<Vec<_>>(),
        [(7, 0.5)]
    );
    assert_eq!(
        run.histograms("weights").unwrap().collect::<Vec<_>>(),
        [(3, &expected_histogram)]
    );
    assert_eq!(
        run.histograms("raw").unwrap().collect::<Vec<_>>(),
        [(4, &raw)]
    );
    let images = &run.series["input"];
    assert_eq!(images.plugin, "images");
    assert_eq!(
        images.points[0].value,
        Value::Images(vec![reader::EncodedImage {
            width: 5,
            height: 4,
            png
        }])
    );
    assert_eq!(
        run.series["notes"].points[0].value,
        Value::Text(vec!["**bold** ünïcode".to_owned()])
    );
    let hparams = run.hparams().context("no hparams")?;
    assert_eq!(
        hparams,
        &BTreeMap::from([
            ("activation".to_owned(), HParamValue::from("relu")),
            ("dropout".to_owned(), HParamValue::Bool(true)),
            ("lr".to_owned(), HParamValue::Number(1e-3)),
        ])
    );
    assert_eq!(
        experiment(run),
        Some((
            vec![
                ("activation".to_owned(), HParamType::String),
                ("lr".to_owned(), HParamType::Float64),
                ("dropout".to_owned(), HParamType::Bool),
            ],
            vec!["loss".to_owned()]
        ))
    );
    assert_eq!(run.session_status(), Some(SessionStatus::Failure));
    // The custom scalars layout of `add_scalars` is a tensor of its own plugin.
    assert_eq!(
        run.series["custom_scalars__config__"].plugin,
        "custom_scalars"
    );

    let flat: Vec<(&str, &str, i64)> = log_dir
        .points()
        .filter(|p| p.tag.starts_with("acc/"))
        .map(|p| (p.run, p.tag, p.step))
        .collect();
    assert_eq!(
        flat,
        [
            ("mnist/relu", "acc/test", 7),
            ("mnist/relu", "acc/train", 7)
        ]
    );
    Ok(())
}

/// The hparams (names and types) and metrics of a run's experiment record.
type Experiment = (Vec<(String, HParamType)>, Vec<String>);

fn experiment(run: &Run) -> Option<Experiment> {
    run.series["_hparams_/experiment"]
        .points
        .iter()
        .find_map(|p| match &p.value {
            Value::HParams(HParamsInfo::Experiment { hparams, metrics }) => {
                Some((hparams.clone(), metrics.clone()))
            }
            _ => None,
        })
}

/// Runs `write_peers.py KIND` into a fresh log directory; `None` (with a message) when
/// the setup's Python is missing.
fn peer_files(kind: &str) -> Result<Option<(tempfile::TempDir, Json)>> {
    let Some(python) = common::python_or_skip(&format!("reading {kind} files")) else {
        return Ok(None);
    };
    let logdir = tempfile::tempdir()?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/write_peers.py");
    let output = std::process::Command::new(python)
        .arg(&script)
        .arg(kind)
        .arg(logdir.path())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    ensure!(
        output.status.success(),
        "write_peers.py {kind} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(Some((logdir, serde_json::from_slice(&output.stdout)?)))
}

fn float(value: &Json) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

/// Compares a run with what the peer script says it wrote, exactly.
fn check_run(run: &Run, expected: &Json) {
    let name = &run.name;
    let tags_of = |plugin: &str| -> Vec<&str> {
        run.series
            .iter()
            .filter(|(_, s)| s.plugin == plugin)
            .map(|(t, _)| t.as_str())
            .collect()
    };
    let keys = |kind: &str| -> Vec<&str> {
        let mut keys: Vec<&str> = expected[kind]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys
    };
    assert_eq!(tags_of("scalars"), keys("scalars"), "scalar tags of {name}");
    assert_eq!(
        tags_of("histograms"),
        keys("histograms"),
        "histogram tags of {name}"
    );
    assert_eq!(tags_of("images"), keys("images"), "image tags of {name}");
    assert_eq!(tags_of("text"), keys("text"), "text tags of {name}");

    for (tag, points) in expected["scalars"].as_object().unwrap() {
        let got = &run.series[tag].points;
        let points = points.as_array().unwrap();
        assert_eq!(got.len(), points.len(), "{name}/{tag}");
        for (p, e) in got.iter().zip(points) {
            assert_eq!(p.step, e[0].as_i64().unwrap(), "{name}/{tag}");
            if !e[1].is_null() {
                assert!(
                    bits_equal(p.wall_time, float(&e[1])),
                    "{name}/{tag} wall time"
                );
            }
            let Value::Scalar(v) = p.value else {
                panic!("{name}/{tag}: not a scalar: {:?}", p.value)
            };
            assert!(
                bits_equal(v, float(&e[2])),
                "{name}/{tag} step {}: read {v:e}, written {:e}",
                p.step,
                float(&e[2])
            );
        }
    }
    for (tag, points) in expected["histograms"].as_object().unwrap() {
        let got: Vec<(i64, &HistogramData)> = run.histograms(tag).unwrap().collect();
        let points = points.as_array().unwrap();
        assert_eq!(got.len(), points.len(), "{name}/{tag}");
        for ((step, h), e) in got.into_iter().zip(points) {
            assert_eq!(step, e[0].as_i64().unwrap());
            let e = &e[1];
            let list =
                |key: &str| -> Vec<f64> { e[key].as_array().unwrap().iter().map(float).collect() };
            assert_eq!(h.bucket_limits, list("limits"), "{name}/{tag} limits");
            assert_eq!(h.bucket_counts, list("counts"), "{name}/{tag} counts");
            assert!(bits_equal(h.min, float(&e["min"])), "{name}/{tag} min");
            assert!(bits_equal(h.max, float(&e["max"])), "{name}/{tag} max");
            assert!(bits_equal(h.num, float(&e["num"])), "{name}/{tag} num");
            match (e.get("sum"), e.get("sum_squares")) {
                (Some(sum), Some(squares)) => {
                    assert!(bits_equal(h.sum, float(sum)), "{name}/{tag} sum");
                    assert!(bits_equal(h.sum_squares, float(squares)), "{name}/{tag}");
                }
                // The tensor form keeps no sums.
                _ => assert!(h.sum.is_nan() && h.sum_squares.is_nan(), "{h:?}"),
            }
        }
    }
    for (tag, points) in expected["images"].as_object().unwrap() {
        let got = &run.series[tag].points;
        let points = points.as_array().unwrap();
        assert_eq!(got.len(), points.len());
        for (p, e) in got.iter().zip(points) {
            assert_eq!(p.step, e[0].as_i64().unwrap());
            let Value::Images(images) = &p.value else {
                panic!("{name}/{tag}: not images")
            };
            let expected: Vec<(u64, u64, String)> = e[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i[0].as_u64().unwrap(),
                        i[1].as_u64().unwrap(),
                        i[2].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            let got: Vec<(u64, u64, String)> = images
                .iter()
                .map(|i| {
                    let hex = i.png.iter().map(|b| format!("{b:02x}")).collect();
                    (u64::from(i.width), u64::from(i.height), hex)
                })
                .collect();
            assert_eq!(got, expected, "{name}/{tag}");
        }
    }
    for (tag, points) in expected["text"].as_object().unwrap() {
        let got: Vec<(i64, &Value)> = run.series[tag]
            .points
            .iter()
            .map(|p| (p.step, &p.value))
            .collect();
        let points = points.as_array().unwrap();
        assert_eq!(got.len(), points.len());
        for ((step, value), e) in got.into_iter().zip(points) {
            assert_eq!(step, e[0].as_i64().unwrap());
            let strings = e[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect();
            assert_eq!(value, &Value::Text(strings), "{name}/{tag}");
        }
    }
    if let Some(hparams) = expected.get("hparams") {
        let values: BTreeMap<String, HParamValue> = hparams
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Json::Bool(b) => HParamValue::Bool(*b),
                    Json::String(s) => HParamValue::String(s.clone()),
                    n => HParamValue::Number(float(n)),
                };
                (k.clone(), v)
            })
            .collect();
        assert_eq!(run.hparams(), Some(&values), "hparams of {name}");
        let (types, metrics) = experiment(run).expect("an experiment");
        let expected_metrics: Vec<String> = expected["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(metrics, expected_metrics, "metrics of {name}");
        if let Some(expected_types) = expected.get("hparam_types") {
            let types: BTreeMap<String, String> = types
                .into_iter()
                .map(|(n, t)| (n, format!("{t:?}")))
                .collect();
            let expected_types: BTreeMap<String, String> = expected_types
                .as_object()
                .unwrap()
                .iter()
                .map(|(n, t)| (n.clone(), t.as_str().unwrap().to_owned()))
                .collect();
            assert_eq!(types, expected_types, "hparam types of {name}");
        }
        let status = run.session_status().map(|s| format!("{s:?}"));
        assert_eq!(
            status.as_deref(),
            expected["status"].as_str(),
            "status of {name}"
        );
    }
}

fn check_log_dir(kind: &str) -> Result<()> {
    let Some((logdir, expected)) = peer_files(kind)? else {
        return Ok(());
    };
    let log_dir = read(logdir.path())?;
    assert!(log_dir.warnings.is_empty(), "{:?}", log_dir.warnings);
    let expected = expected["runs"].as_object().unwrap();
    let names: Vec<&str> = log_dir.runs.iter().map(|r| r.name.as_str()).collect();
    let mut expected_names: Vec<&str> = expected.keys().map(String::as_str).collect();
    expected_names.sort_unstable();
    assert_eq!(names, expected_names);
    for run in &log_dir.runs {
        check_run(run, &expected[&run.name]);
    }
    Ok(())
}

#[test]
fn reads_torch_files_exactly() -> Result<()> {
    check_log_dir("torch")
}

#[test]
fn reads_tensorboard_python_files_exactly() -> Result<()> {
    check_log_dir("tensorboard")
}
