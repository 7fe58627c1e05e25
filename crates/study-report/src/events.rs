//! Turning events into a run's series: scalars (simple values or rank-0 tensors), histograms (legacy protos or `[k, 3]` tensors) and hparams.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use prost::Message;
use tensorboard_logger::proto::google::protobuf::value::Kind;
use tensorboard_logger::proto::tensorboard::event::What;
use tensorboard_logger::proto::tensorboard::hparams::HParamsPluginData;
use tensorboard_logger::proto::tensorboard::hparams::h_params_plugin_data::Data;
use tensorboard_logger::proto::tensorboard::summary::value::Value as Kinded;
use tensorboard_logger::proto::tensorboard::{DataType, Event, HistogramProto, TensorProto};

use crate::series::{Bucket, Histogram, Series};

/// The tag under which the hparams plugin stores a run's hparam values.
const SESSION_START_TAG: &str = "_hparams_/session_start_info";

/// One hparam value, as the HParams dashboard shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum HParam {
    /// A string.
    Text(String),
    /// A number (torch writes integers and bools as numbers too).
    Number(f64),
    /// A bool.
    Bool(bool),
}

impl fmt::Display for HParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HParam::Text(text) => f.write_str(text),
            // Seeds and sizes arrive as f64; print them without a trailing ".0".
            HParam::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => write!(f, "{}", *n as i64),
            HParam::Number(n) => write!(f, "{n}"),
            HParam::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// Everything a report uses from one run's events.
#[derive(Debug, Clone, Default)]
pub struct RunData {
    /// Scalar series by tag.
    pub scalars: BTreeMap<String, Series<f64>>,
    /// Histogram series by tag.
    pub histograms: BTreeMap<String, Series<Histogram>>,
    /// The run's hparams (from the hparams plugin's session start info).
    pub hparams: BTreeMap<String, HParam>,
    /// The plugin each tag was first declared with: later values of a tag usually
    /// carry no metadata, and TensorBoard keeps the first.
    plugins: HashMap<String, String>,
}

impl RunData {
    /// Adds the scalars, histograms and hparams `event` holds; other summaries (images,
    /// text) are not reported and are skipped. Fails only on hparams that do not decode.
    pub fn ingest(&mut self, event: &Event) -> Result<(), prost::DecodeError> {
        let Some(What::Summary(summary)) = &event.what else {
            return Ok(());
        };
        for value in &summary.value {
            if let Some(plugin) = value.metadata.as_ref().and_then(|m| m.plugin_data.as_ref()) {
                if !self.plugins.contains_key(&value.tag) {
                    self.plugins
                        .insert(value.tag.clone(), plugin.plugin_name.clone());
                }
                if plugin.plugin_name == "hparams" && value.tag == SESSION_START_TAG {
                    self.read_hparams(&plugin.content)?;
                    continue;
                }
            }
            match &value.value {
                Some(Kinded::SimpleValue(v)) => {
                    self.push_scalar(&value.tag, event.step, f64::from(*v))
                }
                Some(Kinded::Histo(histo)) => {
                    self.push_histogram(&value.tag, event.step, from_proto(histo))
                }
                Some(Kinded::Tensor(tensor)) => {
                    match self.plugins.get(&value.tag).map(String::as_str) {
                        Some("scalars") => {
                            if let Some(v) = scalar_of(tensor) {
                                self.push_scalar(&value.tag, event.step, v);
                            }
                        }
                        Some("histograms") => {
                            if let Some(h) = histogram_of(tensor) {
                                self.push_histogram(&value.tag, event.step, h);
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Adds `other`'s hparams, and the series of tags this run lacks. Used to fold the
    /// subdirectory that `torch.utils.tensorboard`'s `add_hparams` writes back into its run.
    pub fn absorb(&mut self, other: RunData) {
        self.hparams.extend(other.hparams);
        for (tag, series) in other.scalars {
            self.scalars.entry(tag).or_insert(series);
        }
        for (tag, series) in other.histograms {
            self.histograms.entry(tag).or_insert(series);
        }
    }

    fn push_scalar(&mut self, tag: &str, step: i64, value: f64) {
        match self.scalars.get_mut(tag) {
            Some(series) => series.push(step, value),
            None => self
                .scalars
                .entry(tag.to_owned())
                .or_default()
                .push(step, value),
        }
    }

    fn push_histogram(&mut self, tag: &str, step: i64, value: Histogram) {
        match self.histograms.get_mut(tag) {
            Some(series) => series.push(step, value),
            None => self
                .histograms
                .entry(tag.to_owned())
                .or_default()
                .push(step, value),
        }
    }

    fn read_hparams(&mut self, content: &[u8]) -> Result<(), prost::DecodeError> {
        let data = HParamsPluginData::decode(content)?;
        if let Some(Data::SessionStartInfo(info)) = data.data {
            for (name, value) in info.hparams {
                let value = match value.kind {
                    Some(Kind::StringValue(s)) => HParam::Text(s),
                    Some(Kind::NumberValue(n)) => HParam::Number(n),
                    Some(Kind::BoolValue(b)) => HParam::Bool(b),
                    _ => continue,
                };
                self.hparams.insert(name, value);
            }
        }
        Ok(())
    }
}

/// A legacy histogram as `(left, right, count)` buckets, the way TensorBoard reads it:
/// bucket `i` spans `(limit[i-1], limit[i]]`, with the outer edges replaced by the
/// recorded min and max.
fn from_proto(histo: &HistogramProto) -> Histogram {
    let n = histo.bucket.len().min(histo.bucket_limit.len());
    let buckets = (0..n)
        .map(|i| Bucket {
            left: if i == 0 {
                histo.min
            } else {
                histo.bucket_limit[i - 1]
            },
            right: if i + 1 == n {
                histo.max
            } else {
                histo.bucket_limit[i]
            },
            count: histo.bucket[i],
        })
        .collect();
    Histogram { buckets }
}

/// The numbers of a float or integer tensor, from its typed field or its raw
/// little-endian `tensor_content`.
fn numbers_of(tensor: &TensorProto) -> Option<Vec<f64>> {
    fn chunks<const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> f64) -> Vec<f64> {
        bytes
            .chunks_exact(N)
            .map(|c| f(c.try_into().expect("chunks_exact yields N bytes")))
            .collect()
    }
    let raw = &tensor.tensor_content[..];
    let numbers = match DataType::try_from(tensor.dtype).ok()? {
        DataType::DtFloat if raw.is_empty() => {
            tensor.float_val.iter().map(|&v| f64::from(v)).collect()
        }
        DataType::DtFloat => chunks(raw, |b| f64::from(f32::from_le_bytes(b))),
        DataType::DtDouble if raw.is_empty() => tensor.double_val.clone(),
        DataType::DtDouble => chunks(raw, f64::from_le_bytes),
        DataType::DtInt32 if raw.is_empty() => {
            tensor.int_val.iter().map(|&v| f64::from(v)).collect()
        }
        DataType::DtInt32 => chunks(raw, |b| f64::from(i32::from_le_bytes(b))),
        // Counts and steps logged as int64 are far below 2^53, where f64 is exact.
        DataType::DtInt64 if raw.is_empty() => tensor.int64_val.iter().map(|&v| v as f64).collect(),
        DataType::DtInt64 => chunks(raw, |b| i64::from_le_bytes(b) as f64),
        _ => return None,
    };
    Some(numbers)
}

fn shape_of(tensor: &TensorProto) -> Vec<i64> {
    tensor
        .tensor_shape
        .as_ref()
        .map(|s| s.dim.iter().map(|d| d.size).collect())
        .unwrap_or_default()
}

/// The value of a rank-0 tensor of the `scalars` plugin.
fn scalar_of(tensor: &TensorProto) -> Option<f64> {
    if !shape_of(tensor).is_empty() {
        return None;
    }
    numbers_of(tensor)?.first().copied()
}

/// The buckets of a `[k, 3]` (left, right, count) tensor of the `histograms` plugin.
fn histogram_of(tensor: &TensorProto) -> Option<Histogram> {
    let shape = shape_of(tensor);
    if shape.len() != 2 || shape[1] != 3 {
        return None;
    }
    let numbers = numbers_of(tensor)?;
    if numbers.len() as i64 != shape[0] * 3 {
        return None;
    }
    let buckets = numbers
        .chunks_exact(3)
        .map(|c| Bucket {
            left: c[0],
            right: c[1],
            count: c[2],
        })
        .collect();
    Some(Histogram { buckets })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tensorboard_logger::proto::google::protobuf::Value as PbValue;
    use tensorboard_logger::proto::tensorboard::hparams::SessionStartInfo;
    use tensorboard_logger::proto::tensorboard::summary::Value;
    use tensorboard_logger::proto::tensorboard::summary_metadata::PluginData;
    use tensorboard_logger::proto::tensorboard::tensor_shape_proto::Dim;
    use tensorboard_logger::proto::tensorboard::{Summary, SummaryMetadata, TensorShapeProto};

    fn event(step: i64, values: Vec<Value>) -> Event {
        Event {
            step,
            what: Some(What::Summary(Summary { value: values })),
            ..Default::default()
        }
    }

    fn metadata(plugin: &str, content: Vec<u8>) -> Option<SummaryMetadata> {
        Some(SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: plugin.into(),
                content,
            }),
            ..Default::default()
        })
    }

    fn shape(dims: &[i64]) -> Option<TensorShapeProto> {
        Some(TensorShapeProto {
            dim: dims
                .iter()
                .map(|&size| Dim {
                    size,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
    }

    #[test]
    fn scalars_come_from_simple_values_and_from_rank0_tensors_of_the_scalars_plugin() {
        let mut run = RunData::default();
        let simple = |v| Value {
            tag: "a".into(),
            value: Some(Kinded::SimpleValue(v)),
            ..Default::default()
        };
        let tensor = |metadata, content: Vec<u8>| Value {
            tag: "b".into(),
            metadata,
            value: Some(Kinded::Tensor(TensorProto {
                dtype: DataType::DtFloat as i32,
                tensor_shape: shape(&[]),
                tensor_content: content,
                ..Default::default()
            })),
            ..Default::default()
        };
        run.ingest(&event(
            1,
            vec![
                simple(0.25),
                tensor(metadata("scalars", vec![]), 0.5f32.to_le_bytes().to_vec()),
            ],
        ))
        .unwrap();
        run.ingest(&event(
            2,
            vec![simple(0.75), tensor(None, 1.5f32.to_le_bytes().to_vec())],
        ))
        .unwrap();
        assert_eq!(run.scalars["a"].points(), &[(1, 0.25), (2, 0.75)]);
        assert_eq!(run.scalars["b"].points(), &[(1, 0.5), (2, 1.5)]);
    }

    #[test]
    fn a_tensor_of_another_plugin_is_not_a_scalar() {
        let mut run = RunData::default();
        let value = Value {
            tag: "t".into(),
            metadata: metadata("text", vec![]),
            value: Some(Kinded::Tensor(TensorProto {
                dtype: DataType::DtFloat as i32,
                float_val: vec![1.0],
                ..Default::default()
            })),
            ..Default::default()
        };
        run.ingest(&event(0, vec![value])).unwrap();
        assert!(run.scalars.is_empty());
    }

    #[test]
    fn legacy_histograms_take_min_and_max_as_outer_edges() {
        let mut run = RunData::default();
        let histo = HistogramProto {
            min: -0.5,
            max: 2.5,
            num: 6.0,
            bucket_limit: vec![0.0, 1.0, f64::MAX],
            bucket: vec![1.0, 2.0, 3.0],
            ..Default::default()
        };
        let value = Value {
            tag: "h".into(),
            value: Some(Kinded::Histo(histo)),
            ..Default::default()
        };
        run.ingest(&event(3, vec![value])).unwrap();
        let (step, h) = &run.histograms["h"].points()[0];
        assert_eq!(*step, 3);
        let edges: Vec<_> = h
            .buckets
            .iter()
            .map(|b| (b.left, b.right, b.count))
            .collect();
        assert_eq!(edges, [(-0.5, 0.0, 1.0), (0.0, 1.0, 2.0), (1.0, 2.5, 3.0)]);
    }

    #[test]
    fn tensor_histograms_are_k_by_3() {
        let mut run = RunData::default();
        let value = Value {
            tag: "h".into(),
            metadata: metadata("histograms", vec![]),
            value: Some(Kinded::Tensor(TensorProto {
                dtype: DataType::DtDouble as i32,
                tensor_shape: shape(&[2, 3]),
                double_val: vec![0.0, 1.0, 4.0, 1.0, 2.0, 6.0],
                ..Default::default()
            })),
            ..Default::default()
        };
        run.ingest(&event(5, vec![value])).unwrap();
        assert_eq!(run.histograms["h"].points()[0].1.total(), 10.0);
    }

    #[test]
    fn hparams_come_from_the_session_start_info() {
        let info = SessionStartInfo {
            hparams: [
                ("activation", Kind::StringValue("elu".into())),
                ("seed", Kind::NumberValue(3.0)),
                ("dropout", Kind::BoolValue(true)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), PbValue { kind: Some(v) }))
            .collect(),
            ..Default::default()
        };
        let content = HParamsPluginData {
            version: 0,
            data: Some(Data::SessionStartInfo(info)),
        }
        .encode_to_vec();
        let value = Value {
            tag: SESSION_START_TAG.into(),
            metadata: metadata("hparams", content),
            value: Some(Kinded::Tensor(TensorProto::default())),
            ..Default::default()
        };
        let mut run = RunData::default();
        run.ingest(&event(0, vec![value])).unwrap();
        assert_eq!(run.hparams["activation"], HParam::Text("elu".into()));
        assert_eq!(run.hparams["seed"].to_string(), "3");
        assert_eq!(run.hparams["dropout"], HParam::Bool(true));
    }

    #[test]
    fn undecodable_hparams_are_an_error() {
        let value = Value {
            tag: SESSION_START_TAG.into(),
            metadata: metadata("hparams", vec![0xff, 0xff]),
            ..Default::default()
        };
        assert!(RunData::default().ingest(&event(0, vec![value])).is_err());
    }
}
