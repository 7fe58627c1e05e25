//! A bounded fuzz run of the record reader and the typed event decoding: valid event
//! files, mutated by a seeded PRNG (bit flips, truncations, lengths near `u64::MAX` with
//! valid CRCs, random protobuf payloads in valid framing), must be read without a panic.
//!
//! Runs in the test profile, where overflow checks are on, so an unchecked length
//! arithmetic panics here. Bounded by iterations (about half a minute on one core of the
//! development machine); `FUZZ_ITERATIONS` and `FUZZ_SEED` change the run, and the
//! iteration count and time are printed (`cargo test --test fuzz_reader -- --nocapture`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use prost::Message;
use tensorboard_logger::crc::masked_crc32c;
use tensorboard_logger::event_file::EventWriter;
use tensorboard_logger::proto::tensorboard::summary::{self, value::Value as Kind};
use tensorboard_logger::proto::tensorboard::summary_metadata::PluginData;
use tensorboard_logger::proto::tensorboard::tensor_shape_proto::Dim;
use tensorboard_logger::proto::tensorboard::{
    Event, HistogramProto, Summary, SummaryMetadata, TensorProto, TensorShapeProto, event::What,
};
use tensorboard_logger::reader::{EventFileReader, ReadWarning, Run};
use tensorboard_logger::record::RecordReader;
use tensorboard_logger::summary::{self as write, hparams};
use tensorboard_logger::{HParamValue, HistogramInput, SessionStatus};

const DEFAULT_ITERATIONS: u64 = 100_000;

/// xorshift64*: small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }

    /// Random bytes, fewer than `n`.
    fn bytes_below(&mut self, n: usize) -> Vec<u8> {
        let len = self.below(n);
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// A number that is often an edge case.
    fn edgy_i64(&mut self) -> i64 {
        match self.below(6) {
            0 => 0,
            1 => -1,
            2 => i64::MAX - self.below(3) as i64,
            3 => i64::MIN,
            4 => self.below(5) as i64,
            _ => self.next() as i64,
        }
    }
}

/// Frames `payload` as a record with correct CRCs.
fn frame(payload: &[u8], out: &mut Vec<u8>) {
    let len = (payload.len() as u64).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&masked_crc32c(payload).to_le_bytes());
}

/// A header declaring `len` payload bytes, with a correct length CRC.
fn header(len: u64, out: &mut Vec<u8>) {
    let len = len.to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
}

fn random_tensor(rng: &mut Rng) -> TensorProto {
    let rank = rng.below(4);
    let dim = (0..rank)
        .map(|_| Dim {
            size: match rng.below(4) {
                0 => rng.edgy_i64(),
                _ => rng.below(5) as i64,
            },
            ..Default::default()
        })
        .collect();
    let n = rng.below(8);
    TensorProto {
        // Known dtypes mostly, unknown ones sometimes.
        dtype: match rng.below(10) {
            0 => rng.next() as i32,
            _ => [1, 2, 3, 4, 5, 6, 7, 9, 10, 14, 17, 19, 22, 23][rng.below(14)],
        },
        tensor_shape: Some(TensorShapeProto {
            dim,
            unknown_rank: rng.chance(10),
        }),
        tensor_content: if rng.chance(2) {
            rng.bytes_below(40)
        } else {
            Vec::new()
        },
        float_val: (0..n).map(|_| f32::from_bits(rng.next() as u32)).collect(),
        double_val: (0..rng.below(8))
            .map(|_| f64::from_bits(rng.next()))
            .collect(),
        int_val: (0..rng.below(8)).map(|_| rng.next() as i32).collect(),
        string_val: (0..rng.below(6))
            .map(|_| match rng.below(3) {
                0 => rng.below(100).to_string().into_bytes(),
                _ => rng.bytes_below(12),
            })
            .collect(),
        int64_val: (0..rng.below(4)).map(|_| rng.edgy_i64()).collect(),
        half_val: (0..rng.below(4)).map(|_| rng.next() as i32).collect(),
        uint64_val: (0..rng.below(3)).map(|_| rng.next()).collect(),
        ..Default::default()
    }
}

const PLUGINS: [&str; 8] = [
    "scalars",
    "histograms",
    "images",
    "text",
    "hparams",
    "custom_scalars",
    "",
    "pr_curves",
];

/// A structurally valid `Summary.Value` with random contents, under one of a few tags so
/// that later values meet a plugin fixed by an earlier one.
fn random_value(rng: &mut Rng) -> summary::Value {
    let plugin = PLUGINS[rng.below(PLUGINS.len())];
    let content = match (plugin, rng.below(3)) {
        ("hparams", 0) => write::hparams::session_end_value(SessionStatus::Running, 1.0)
            .metadata
            .and_then(|m| m.plugin_data)
            .map(|p| p.content)
            .unwrap_or_default(),
        _ => rng.bytes_below(16),
    };
    let value = match rng.below(6) {
        0 => Some(Kind::SimpleValue(f32::from_bits(rng.next() as u32))),
        1 => Some(Kind::Histo(HistogramProto {
            min: f64::from_bits(rng.next()),
            max: f64::from_bits(rng.next()),
            num: rng.below(10) as f64,
            sum: 0.0,
            sum_squares: 0.0,
            bucket_limit: (0..rng.below(5)).map(|_| rng.next() as f64).collect(),
            bucket: (0..rng.below(5)).map(|_| rng.below(9) as f64).collect(),
        })),
        2 => Some(Kind::Image(summary::Image {
            height: rng.edgy_i64() as i32,
            width: rng.below(100) as i32,
            colorspace: 3,
            encoded_image_string: rng.bytes_below(20),
        })),
        3 => None,
        _ => Some(Kind::Tensor(random_tensor(rng))),
    };
    summary::Value {
        tag: ["a", "b", "c", "_hparams_/session_end_info"][rng.below(4)].to_owned(),
        metadata: rng.chance(2).then(|| SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: plugin.to_owned(),
                content,
            }),
            ..Default::default()
        }),
        value,
        ..Default::default()
    }
}

fn random_event(rng: &mut Rng) -> Event {
    Event {
        wall_time: f64::from_bits(rng.next()),
        step: rng.edgy_i64(),
        what: Some(What::Summary(Summary {
            value: (0..1 + rng.below(3)).map(|_| random_value(rng)).collect(),
        })),
    }
}

/// A valid event file with every kind this crate writes.
fn valid_file(rng: &mut Rng) -> Vec<u8> {
    let mut writer = EventWriter::new(Vec::new(), 1.0).expect("writing to a Vec");
    let values: Vec<f32> = (0..50).map(|i| (i as f32 - 20.0) * 0.37).collect();
    let histogram = values.to_histogram().expect("finite values");
    let hp = [("lr", HParamValue::from(0.5)), ("act", "relu".into())];
    let summaries = [
        write::scalar::value("loss", 0.25),
        write::histogram_value("weights", &histogram),
        write::text::value("notes", "hello"),
        hparams::experiment_value(&hp, &["loss"], 1.0),
        hparams::session_start_value(&hp, 1.0),
        hparams::session_end_value(SessionStatus::Success, 2.0),
        summary::Value {
            tag: "img".into(),
            value: Some(Kind::Image(summary::Image {
                height: 2,
                width: 2,
                colorspace: 1,
                encoded_image_string: vec![0x89, b'P', b'N', b'G'],
            })),
            ..Default::default()
        },
    ];
    for (step, value) in summaries.into_iter().enumerate() {
        writer
            .write_summary(2.0, step as i64, value)
            .expect("writing to a Vec");
    }
    let mut bytes = writer.into_inner();
    for _ in 0..rng.below(3) {
        frame(&random_event(rng).encode_to_vec(), &mut bytes);
    }
    bytes
}

/// The offsets of the records of a well-framed file.
fn record_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at: usize = 0;
    while at.checked_add(12).is_some_and(|end| end <= bytes.len()) {
        offsets.push(at);
        let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        let Some(next) = usize::try_from(len)
            .ok()
            .and_then(|len| at.checked_add(16)?.checked_add(len))
        else {
            break;
        };
        at = next;
    }
    offsets
}

fn mutate(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(3) {
        match rng.below(7) {
            // Bit flips anywhere.
            0 => {
                for _ in 0..1 + rng.below(8) {
                    if !bytes.is_empty() {
                        let i = rng.below(bytes.len());
                        bytes[i] ^= 1 << rng.below(8);
                    }
                }
            }
            // Truncation.
            1 => {
                let cut = rng.below(bytes.len() + 1);
                bytes.truncate(cut);
            }
            // A record's length replaced by one near u64::MAX, with a valid CRC.
            2 => {
                let offsets = record_offsets(&bytes);
                if let Some(&at) = offsets.get(rng.below(offsets.len())) {
                    let len = match rng.below(4) {
                        0 => u64::MAX - rng.below(64) as u64,
                        1 => u64::MAX / 2 + rng.below(64) as u64,
                        2 => u64::MAX - at as u64 - rng.below(32) as u64,
                        _ => rng.next(),
                    };
                    let mut fixed = Vec::new();
                    header(len, &mut fixed);
                    bytes[at..at + 12].copy_from_slice(&fixed);
                }
            }
            // A record with a random payload, validly framed, inserted at a boundary.
            3 | 4 => {
                let offsets = record_offsets(&bytes);
                let at = offsets.get(rng.below(offsets.len())).copied().unwrap_or(0);
                let payload = if rng.chance(2) {
                    rng.bytes_below(64)
                } else {
                    random_event(rng).encode_to_vec()
                };
                let mut record = Vec::new();
                frame(&payload, &mut record);
                bytes.splice(at..at, record);
            }
            // A payload byte changed, then the record re-framed with valid CRCs, so the
            // damage reaches the protobuf decoder and the typed decoding.
            5 => {
                let offsets = record_offsets(&bytes);
                if let Some(&at) = offsets.get(rng.below(offsets.len())) {
                    let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
                    if let Some(end) = usize::try_from(len)
                        .ok()
                        .and_then(|l| l.checked_add(at + 12))
                        && end.checked_add(4).is_some_and(|e| e <= bytes.len())
                    {
                        let mut payload = bytes[at + 12..end].to_vec();
                        if !payload.is_empty() {
                            let i = rng.below(payload.len());
                            payload[i] = rng.next() as u8;
                        }
                        let mut record = Vec::new();
                        frame(&payload, &mut record);
                        bytes.splice(at..end + 4, record);
                    }
                }
            }
            // Random garbage appended.
            _ => {
                let tail = rng.bytes_below(32);
                bytes.extend(tail);
            }
        }
    }
    bytes
}

/// Reads `bytes` every way the library reads event files.
fn read_every_way(bytes: &[u8]) {
    let mut records = RecordReader::new(bytes);
    while let Ok(Some(_)) = records.read_record() {}

    let mut run = Run::new("fuzz", "fuzz");
    let mut warnings: Vec<ReadWarning> = Vec::new();
    let path = Path::new("fuzz");
    let mut events = EventFileReader::new(bytes, path);
    for event in events.by_ref() {
        match event {
            Ok(event) => run.add_event(event, path, &mut warnings),
            Err(error) => {
                // Messages must format without a panic too.
                let _ = error.to_string();
                break;
            }
        }
    }
    let _ = events.truncated_tail();
    run.finish();
    for warning in &warnings {
        let _ = warning.to_string();
    }
    let _ = run.hparams();
    let _ = run.session_status();
    for tag in run.series.keys() {
        if let Some(points) = run.scalars(tag) {
            points.for_each(drop);
        }
        if let Some(points) = run.histograms(tag) {
            points.for_each(drop);
        }
    }
}

#[test]
fn mutated_event_files_never_panic_the_reader() {
    let iterations = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_ITERATIONS);
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x5eed_f0ca_11ed_u64);
    let mut rng = Rng(seed | 1);
    let started = Instant::now();
    let mut bytes_read = 0usize;
    for iteration in 0..iterations {
        let valid = valid_file(&mut rng);
        let input = mutate(&mut rng, valid);
        bytes_read += input.len();
        if catch_unwind(AssertUnwindSafe(|| read_every_way(&input))).is_err() {
            let saved =
                std::env::temp_dir().join(format!("fuzz_reader_{seed}_{iteration}.tfevents"));
            let _ = std::fs::write(&saved, &input);
            panic!(
                "iteration {iteration} (FUZZ_SEED={seed}) panicked; its input is in {}",
                saved.display()
            );
        }
    }
    // The file-level path once, on a mutated file in a run directory.
    let dir = tempfile::tempdir().expect("a temp dir");
    let valid = valid_file(&mut rng);
    let input = mutate(&mut rng, valid);
    std::fs::write(dir.path().join("events.out.tfevents.fuzz"), &input).expect("writing");
    tensorboard_logger::reader::read_run(dir.path(), &mut Vec::new()).expect("a readable dir");
    println!(
        "fuzz_reader: {iterations} iterations ({bytes_read} bytes) in {:.1} s, seed {seed}",
        started.elapsed().as_secs_f64()
    );
}
