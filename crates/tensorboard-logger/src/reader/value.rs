//! Decoding one summary value into a typed [`Value`], the way TensorBoard's `data_compat` reads it.
//!
//! TensorBoard files every value under a plugin: legacy values by their kind
//! (`simple_value` → `scalars`, `histo` → `histograms`, `image` → `images`), tensors by
//! the plugin named in their metadata. The first value of a tag fixes the plugin of the
//! whole series, since later values usually carry no metadata; [`decode`] reads a value
//! as data of the plugin it is given, which is that first plugin (see
//! [`Run`](super::Run)).
//!
//! ```
//! use tensorboard_logger::reader::value::{self, Value};
//! use tensorboard_logger::summary;
//!
//! let written = summary::scalar::value("loss", 0.25);
//! let plugin = value::declared_plugin(&written).unwrap();
//! assert_eq!(plugin, "scalars");
//! assert_eq!(value::decode(&written, plugin)?, Value::Scalar(0.25));
//! # Ok::<(), tensorboard_logger::reader::value::ValueError>(())
//! ```

use std::collections::BTreeMap;

use prost::Message;

use crate::proto::google::protobuf::value::Kind;
use crate::proto::tensorboard::hparams::{self as hparams_proto, h_params_plugin_data::Data};
use crate::proto::tensorboard::summary::{self, value::Value as Kind0};
use crate::proto::tensorboard::{DataType, HistogramProto, TensorProto};
use crate::summary::histogram::HistogramData;
use crate::summary::hparams::{HParamValue, SessionStatus};

/// Plugin of scalars (legacy `simple_value`, or rank-0 numeric tensors).
pub const SCALARS_PLUGIN: &str = "scalars";
/// Plugin of histograms (legacy `HistogramProto`, or `[k, 3]` tensors).
pub const HISTOGRAMS_PLUGIN: &str = "histograms";
/// Plugin of images (legacy `Summary.Image`, or `[width, height, image...]` string tensors).
pub const IMAGES_PLUGIN: &str = "images";
/// Plugin of markdown text.
pub const TEXT_PLUGIN: &str = crate::summary::text::PLUGIN_NAME;
/// Plugin of hyperparameters.
pub const HPARAMS_PLUGIN: &str = crate::summary::hparams::PLUGIN_NAME;

/// One summary value, decoded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A scalar: a legacy `simple_value` (an `f32`, converted exactly), or a rank-0 tensor
    /// of a float kind (`DT_FLOAT`, `DT_DOUBLE`, `DT_HALF`, `DT_BFLOAT16`, converted
    /// exactly) or an integer kind (converted to the nearest `f64`).
    Scalar(f64),
    /// A histogram, in the bucket convention documented on [`HistogramData`]. From a
    /// legacy `HistogramProto` every field is as written (`non_finite` is 0: the proto has
    /// no place for it). From the `histograms` plugin's `[k, 3]` (left, right, count)
    /// tensor, `bucket_limits` are the right edges, `min` is the first left edge, `max`
    /// the last right edge and `num` the sum of the counts; that form keeps no sums, so
    /// `sum` and `sum_squares` are NaN (0 for a histogram with no buckets).
    Histogram(HistogramData),
    /// Encoded images (PNG as written by this crate and torch), one per image of the
    /// value: a legacy `Summary.Image`, or the `images` plugin's string tensor
    /// `[width, height, image...]`.
    Images(Vec<EncodedImage>),
    /// The strings of a `text` plugin tensor, flattened in row-major order (markdown
    /// each; bytes that are not UTF-8 are replaced by U+FFFD).
    Text(Vec<String>),
    /// An hparams plugin record.
    HParams(HParamsInfo),
    /// A tensor of any other plugin, as written. TensorBoard itself ignores tensors
    /// whose metadata names no plugin; they are kept here with an empty `plugin`.
    Tensor {
        /// The plugin of the tag.
        plugin: String,
        /// The tensor, boxed: it is many times the size of the other variants, and every
        /// point of a series is as large as the largest variant.
        tensor: Box<TensorProto>,
    },
}

/// One encoded image of an [`Value::Images`] value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedImage {
    /// Width in pixels, as recorded next to the image.
    pub width: u32,
    /// Height in pixels, as recorded next to the image.
    pub height: u32,
    /// The encoded image: PNG from this crate and torch; the images plugin also accepts
    /// other formats its browser can show.
    pub png: Vec<u8>,
}

/// What an hparams plugin value holds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HParamsInfo {
    /// The experiment description: hparam names with their types, and metric tags.
    Experiment {
        /// Each hparam's name and declared type, in the order written.
        hparams: Vec<(String, HParamType)>,
        /// The metrics' tags (a metric's group, the subdirectory holding the tag, is
        /// not kept; this crate and torch write none).
        metrics: Vec<String>,
    },
    /// A session's hparam values. Values that are not a bool, string or number (which no
    /// TensorBoard writer produces) are left out.
    SessionStart {
        /// The values by name.
        hparams: BTreeMap<String, HParamValue>,
    },
    /// How a session ended.
    SessionEnd {
        /// The end status.
        status: SessionStatus,
    },
}

/// The type an experiment declares for an hparam (the hparams `DataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HParamType {
    /// Not declared.
    Unset,
    /// A string.
    String,
    /// A bool.
    Bool,
    /// A number.
    Float64,
}

/// Why a summary value could not be read as data of its tag's plugin.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The value holds nothing (no `simple_value`, histogram, image or tensor).
    #[error("the value holds no data")]
    Empty,
    /// The value is of a kind the tag's plugin has no reading for, e.g. an image under a
    /// tag whose first value was a scalar.
    #[error(
        "a {found} value cannot be read as {plugin:?} data, the plugin the tag's first value fixed"
    )]
    WrongKind {
        /// The tag's plugin.
        plugin: String,
        /// The kind of the value.
        found: &'static str,
    },
    /// A tensor of a shape the plugin does not read.
    #[error("a tensor of shape {shape:?} cannot be read as {plugin:?} data; expected {expected}")]
    Shape {
        /// The tag's plugin.
        plugin: String,
        /// The tensor's shape.
        shape: Vec<i64>,
        /// The shape the plugin reads.
        expected: &'static str,
    },
    /// A tensor of an element type the plugin does not read.
    #[error("a tensor of dtype {dtype} cannot be read as {plugin:?} data; expected {expected}")]
    Dtype {
        /// The tag's plugin.
        plugin: String,
        /// The tensor's dtype number (TensorFlow's `DataType`).
        dtype: i32,
        /// The dtypes the plugin reads.
        expected: &'static str,
    },
    /// A tensor whose values do not fill its shape.
    #[error("a tensor of shape {shape:?} holds {found} values; its shape needs {needed}")]
    Count {
        /// The tensor's shape.
        shape: Vec<i64>,
        /// Elements the shape needs.
        needed: u64,
        /// Elements present (bytes of `tensor_content` divided by the element size, or
        /// entries of the typed field).
        found: u64,
    },
    /// An image's recorded width or height is not a size.
    #[error("image {what} {text:?} is not a size in pixels")]
    ImageSize {
        /// `"width"` or `"height"`.
        what: &'static str,
        /// The recorded text (or number).
        text: String,
    },
    /// The hparams plugin's content does not decode.
    #[error("hparams plugin content is not an HParamsPluginData message ({message})")]
    HParams {
        /// The protobuf decoder's message.
        message: String,
    },
}

/// The plugin TensorBoard files `value` under when it is the first of its tag: the
/// metadata's plugin name, or for legacy values the plugin of their kind. `None` for a
/// value that holds neither data nor a plugin name.
pub fn declared_plugin(value: &summary::Value) -> Option<&str> {
    let named = value
        .metadata
        .as_ref()
        .and_then(|m| m.plugin_data.as_ref())
        .map(|p| p.plugin_name.as_str())
        .filter(|name| !name.is_empty());
    match value.value.as_ref() {
        Some(Kind0::SimpleValue(_)) => Some(SCALARS_PLUGIN),
        Some(Kind0::Histo(_)) => Some(HISTOGRAMS_PLUGIN),
        Some(Kind0::Image(_)) => Some(IMAGES_PLUGIN),
        Some(Kind0::Tensor(_)) => Some(named.unwrap_or("")),
        // torch's hparams values carry only their metadata.
        None => named,
        Some(Kind0::ObsoleteOldStyleHistogram(_)) => None,
    }
}

/// Reads `value` as data of `plugin`, the plugin of its tag's first value.
///
/// A value whose kind the plugin has no reading for is an error
/// ([`ValueError::WrongKind`]); TensorBoard drops such values too.
pub fn decode(value: &summary::Value, plugin: &str) -> Result<Value, ValueError> {
    if plugin == HPARAMS_PLUGIN {
        // The data is the metadata's content, whatever the value holds (TensorBoard's
        // writers put an empty tensor there, torch's nothing).
        return hparams(value).map(Value::HParams);
    }
    let kind = value.value.as_ref().ok_or(ValueError::Empty)?;
    let wrong_kind = |found| ValueError::WrongKind {
        plugin: plugin.to_owned(),
        found,
    };
    match (plugin, kind) {
        (SCALARS_PLUGIN, Kind0::SimpleValue(v)) => Ok(Value::Scalar(f64::from(*v))),
        (SCALARS_PLUGIN, Kind0::Tensor(t)) => scalar(t, plugin).map(Value::Scalar),
        (HISTOGRAMS_PLUGIN, Kind0::Histo(h)) => Ok(Value::Histogram(from_proto(h))),
        (HISTOGRAMS_PLUGIN, Kind0::Tensor(t)) => histogram(t, plugin).map(Value::Histogram),
        (IMAGES_PLUGIN, Kind0::Image(image)) => Ok(Value::Images(vec![EncodedImage {
            width: size("width", image.width)?,
            height: size("height", image.height)?,
            png: image.encoded_image_string.clone(),
        }])),
        (IMAGES_PLUGIN, Kind0::Tensor(t)) => images(t, plugin).map(Value::Images),
        (TEXT_PLUGIN, Kind0::Tensor(t)) => text(t, plugin).map(Value::Text),
        (SCALARS_PLUGIN | HISTOGRAMS_PLUGIN | IMAGES_PLUGIN | TEXT_PLUGIN, _) => {
            Err(wrong_kind(kind_name(kind)))
        }
        (_, Kind0::Tensor(t)) => Ok(Value::Tensor {
            plugin: plugin.to_owned(),
            tensor: Box::new(t.clone()),
        }),
        (_, _) => Err(wrong_kind(kind_name(kind))),
    }
}

fn kind_name(kind: &Kind0) -> &'static str {
    match kind {
        Kind0::SimpleValue(_) => "simple_value",
        Kind0::Histo(_) => "legacy histogram",
        Kind0::Image(_) => "legacy image",
        Kind0::Tensor(_) => "tensor",
        Kind0::ObsoleteOldStyleHistogram(_) => "obsolete old-style histogram",
    }
}

fn size(what: &'static str, value: i32) -> Result<u32, ValueError> {
    u32::try_from(value).map_err(|_| ValueError::ImageSize {
        what,
        text: value.to_string(),
    })
}

/// A legacy histogram as written (see [`HistogramData`] for its buckets).
fn from_proto(h: &HistogramProto) -> HistogramData {
    HistogramData {
        min: h.min,
        max: h.max,
        num: h.num,
        sum: h.sum,
        sum_squares: h.sum_squares,
        bucket_limits: h.bucket_limit.clone(),
        bucket_counts: h.bucket.clone(),
        non_finite: 0,
    }
}

/// The tensor's dimensions; `None` when one is negative or the element count overflows.
fn shape(t: &TensorProto) -> (Vec<i64>, Option<u64>) {
    let dims: Vec<i64> = t
        .tensor_shape
        .as_ref()
        .map(|s| s.dim.iter().map(|d| d.size).collect())
        .unwrap_or_default();
    let elements = dims.iter().try_fold(1u64, |n, &d| {
        u64::try_from(d).ok().and_then(|d| n.checked_mul(d))
    });
    (dims, elements)
}

const FLOAT_KINDS: &str = "a float or integer dtype";

/// The tensor's elements as `f64`, checked against its shape.
///
/// Typed fields holding fewer values than the shape needs repeat their last value, as
/// TensorFlow's `make_ndarray` reads them.
fn numbers(t: &TensorProto, plugin: &str) -> Result<(Vec<i64>, Vec<f64>), ValueError> {
    let (dims, elements) = shape(t);
    let Some(needed) = elements else {
        return Err(ValueError::Shape {
            plugin: plugin.to_owned(),
            shape: dims,
            expected: "non-negative dimensions",
        });
    };
    let dtype_error = || ValueError::Dtype {
        plugin: plugin.to_owned(),
        dtype: t.dtype,
        expected: FLOAT_KINDS,
    };
    let dtype = DataType::try_from(t.dtype).map_err(|_| dtype_error())?;
    let raw = &t.tensor_content;
    let width = match dtype {
        DataType::DtInt8 | DataType::DtUint8 => 1,
        DataType::DtInt16 | DataType::DtUint16 | DataType::DtHalf | DataType::DtBfloat16 => 2,
        DataType::DtFloat | DataType::DtInt32 | DataType::DtUint32 => 4,
        DataType::DtDouble | DataType::DtInt64 | DataType::DtUint64 => 8,
        _ => return Err(dtype_error()),
    };
    let count_error = |found: u64| ValueError::Count {
        shape: dims.clone(),
        needed,
        found,
    };
    if !raw.is_empty() {
        let found = (raw.len() / width) as u64;
        if !raw.len().is_multiple_of(width) || found != needed {
            return Err(count_error(found));
        }
        let values = raw.chunks_exact(width).map(|b| from_le(dtype, b)).collect();
        return Ok((dims, values));
    }
    let typed: Vec<f64> = match dtype {
        DataType::DtFloat => t.float_val.iter().map(|&v| f64::from(v)).collect(),
        DataType::DtDouble => t.double_val.clone(),
        DataType::DtHalf => t.half_val.iter().map(|&v| f16_to_f64(v as u16)).collect(),
        DataType::DtBfloat16 => t.half_val.iter().map(|&v| bf16_to_f64(v as u16)).collect(),
        DataType::DtInt64 => t.int64_val.iter().map(|&v| v as f64).collect(),
        DataType::DtUint32 => t.uint32_val.iter().map(|&v| f64::from(v)).collect(),
        DataType::DtUint64 => t.uint64_val.iter().map(|&v| v as f64).collect(),
        _ => t.int_val.iter().map(|&v| f64::from(v)).collect(),
    };
    let found = typed.len() as u64;
    match typed.last() {
        _ if found == needed => Ok((dims, typed)),
        Some(&last) if found < needed => {
            // The shape comes from the file: a few values must not inflate into a
            // huge allocation.
            if needed > MAX_REPEATED_ELEMENTS {
                return Err(count_error(found));
            }
            let mut values = typed;
            values.resize(needed as usize, last);
            Ok((dims, values))
        }
        _ => Err(count_error(found)),
    }
}

/// The most elements a tensor may declare when its typed field holds fewer values and the
/// last one is repeated; more is treated as corrupt rather than allocated.
const MAX_REPEATED_ELEMENTS: u64 = 1 << 20;

fn from_le(dtype: DataType, b: &[u8]) -> f64 {
    let u16_of = |b: &[u8]| u16::from_le_bytes([b[0], b[1]]);
    let u32_of = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let u64_of = |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    match dtype {
        DataType::DtInt8 => f64::from(b[0] as i8),
        DataType::DtUint8 => f64::from(b[0]),
        DataType::DtInt16 => f64::from(u16_of(b) as i16),
        DataType::DtUint16 => f64::from(u16_of(b)),
        DataType::DtHalf => f16_to_f64(u16_of(b)),
        DataType::DtBfloat16 => bf16_to_f64(u16_of(b)),
        DataType::DtFloat => f64::from(f32::from_bits(u32_of(b))),
        DataType::DtInt32 => f64::from(u32_of(b) as i32),
        DataType::DtUint32 => f64::from(u32_of(b)),
        DataType::DtDouble => f64::from_bits(u64_of(b)),
        DataType::DtInt64 => u64_of(b) as i64 as f64,
        _ => u64_of(b) as f64,
    }
}

/// An IEEE 754 half-precision float, exactly.
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let mantissa = f64::from(bits & 0x3ff);
    sign * match exponent {
        0 => mantissa * 2f64.powi(-24),
        0x1f if mantissa == 0.0 => f64::INFINITY,
        0x1f => f64::NAN,
        e => (1.0 + mantissa / 1024.0) * 2f64.powi(e - 15),
    }
}

/// A bfloat16, exactly: the top half of an `f32`.
fn bf16_to_f64(bits: u16) -> f64 {
    f64::from(f32::from_bits(u32::from(bits) << 16))
}

fn scalar(t: &TensorProto, plugin: &str) -> Result<f64, ValueError> {
    let (dims, values) = numbers(t, plugin)?;
    match (dims.is_empty(), values.first()) {
        (true, Some(&v)) => Ok(v),
        _ => Err(ValueError::Shape {
            plugin: plugin.to_owned(),
            shape: dims,
            expected: "a rank-0 tensor",
        }),
    }
}

fn histogram(t: &TensorProto, plugin: &str) -> Result<HistogramData, ValueError> {
    let (dims, rows) = numbers(t, plugin)?;
    if dims.len() != 2 || dims[1] != 3 {
        return Err(ValueError::Shape {
            plugin: plugin.to_owned(),
            shape: dims,
            expected: "[k, 3] (left edge, right edge, count)",
        });
    }
    let rows: Vec<&[f64]> = rows.chunks_exact(3).collect();
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(HistogramData {
            min: 0.0,
            max: 0.0,
            num: 0.0,
            sum: 0.0,
            sum_squares: 0.0,
            bucket_limits: Vec::new(),
            bucket_counts: Vec::new(),
            non_finite: 0,
        });
    };
    let bucket_counts: Vec<f64> = rows.iter().map(|r| r[2]).collect();
    Ok(HistogramData {
        min: first[0],
        max: last[1],
        num: bucket_counts.iter().sum(),
        sum: f64::NAN,
        sum_squares: f64::NAN,
        bucket_limits: rows.iter().map(|r| r[1]).collect(),
        bucket_counts,
        non_finite: 0,
    })
}

fn strings<'t>(t: &'t TensorProto, plugin: &str) -> Result<(Vec<i64>, &'t [Vec<u8>]), ValueError> {
    if t.dtype != DataType::DtString as i32 {
        return Err(ValueError::Dtype {
            plugin: plugin.to_owned(),
            dtype: t.dtype,
            expected: "DT_STRING",
        });
    }
    let (dims, elements) = shape(t);
    let found = t.string_val.len() as u64;
    if elements != Some(found) {
        return Err(ValueError::Count {
            shape: dims,
            needed: elements.unwrap_or(u64::MAX),
            found,
        });
    }
    Ok((dims, &t.string_val))
}

fn images(t: &TensorProto, plugin: &str) -> Result<Vec<EncodedImage>, ValueError> {
    let (dims, values) = strings(t, plugin)?;
    let [width, height, pngs @ ..] = values else {
        return Err(ValueError::Shape {
            plugin: plugin.to_owned(),
            shape: dims,
            expected: "[n + 2] (width, height, then n images)",
        });
    };
    let parse = |what, bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        text.parse::<u32>().map_err(|_| ValueError::ImageSize {
            what,
            text: text.into_owned(),
        })
    };
    let (width, height) = (parse("width", width)?, parse("height", height)?);
    Ok(pngs
        .iter()
        .map(|png| EncodedImage {
            width,
            height,
            png: png.clone(),
        })
        .collect())
}

fn text(t: &TensorProto, plugin: &str) -> Result<Vec<String>, ValueError> {
    let (_, values) = strings(t, plugin)?;
    Ok(values
        .iter()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect())
}

fn hparams(value: &summary::Value) -> Result<HParamsInfo, ValueError> {
    let content = value
        .metadata
        .as_ref()
        .and_then(|m| m.plugin_data.as_ref())
        .filter(|p| p.plugin_name == HPARAMS_PLUGIN)
        .map(|p| &p.content[..])
        .unwrap_or_default();
    let decoded =
        hparams_proto::HParamsPluginData::decode(content).map_err(|e| ValueError::HParams {
            message: e.to_string(),
        })?;
    match decoded.data {
        Some(Data::Experiment(e)) => Ok(HParamsInfo::Experiment {
            hparams: e
                .hparam_infos
                .into_iter()
                .map(|info| (info.name, HParamType::from_proto(info.r#type)))
                .collect(),
            metrics: e
                .metric_infos
                .into_iter()
                .map(|m| m.name.map(|n| n.tag).unwrap_or_default())
                .collect(),
        }),
        Some(Data::SessionStartInfo(start)) => Ok(HParamsInfo::SessionStart {
            hparams: start
                .hparams
                .into_iter()
                .filter_map(|(name, v)| {
                    let value = match v.kind? {
                        Kind::BoolValue(b) => HParamValue::Bool(b),
                        Kind::StringValue(s) => HParamValue::String(s),
                        Kind::NumberValue(n) => HParamValue::Number(n),
                        _ => return None,
                    };
                    Some((name, value))
                })
                .collect(),
        }),
        Some(Data::SessionEndInfo(end)) => Ok(HParamsInfo::SessionEnd {
            status: SessionStatus::from_proto(end.status),
        }),
        None => Err(ValueError::HParams {
            message: "no experiment, session start or session end in it".to_owned(),
        }),
    }
}

impl HParamType {
    fn from_proto(value: i32) -> Self {
        match hparams_proto::DataType::try_from(value) {
            Ok(hparams_proto::DataType::String) => Self::String,
            Ok(hparams_proto::DataType::Bool) => Self::Bool,
            Ok(hparams_proto::DataType::Float64) => Self::Float64,
            _ => Self::Unset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tensorboard::summary::Image;
    use crate::proto::tensorboard::{TensorShapeProto, tensor_shape_proto::Dim};
    use crate::summary::{self as write, hparams as write_hparams};

    fn tensor(dtype: DataType, dims: &[i64]) -> TensorProto {
        TensorProto {
            dtype: dtype.into(),
            tensor_shape: Some(TensorShapeProto {
                dim: dims
                    .iter()
                    .map(|&size| Dim {
                        size,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn tensor_value(plugin: &str, t: TensorProto) -> summary::Value {
        summary::Value {
            tag: "t".into(),
            metadata: Some(write::plugin_metadata(plugin, Vec::new())),
            value: Some(Kind0::Tensor(t)),
            ..Default::default()
        }
    }

    #[test]
    fn half_and_bfloat16_decode_exactly() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x7bff), 65504.0);
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x3555), 0.333251953125);
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
        assert!(f16_to_f64(0x7e00).is_nan());
        assert_eq!(bf16_to_f64(0x3f80), 1.0);
        assert_eq!(bf16_to_f64(0x3eab), 0.333984375);
    }

    #[test]
    fn rank_zero_tensors_of_every_numeric_kind_are_scalars() {
        let cases: [(DataType, Vec<u8>, f64); 7] = [
            (
                DataType::DtFloat,
                0.1f32.to_le_bytes().to_vec(),
                f64::from(0.1f32),
            ),
            (DataType::DtDouble, 0.1f64.to_le_bytes().to_vec(), 0.1),
            (
                DataType::DtHalf,
                0x3555u16.to_le_bytes().to_vec(),
                0.333251953125,
            ),
            (
                DataType::DtBfloat16,
                0x3eabu16.to_le_bytes().to_vec(),
                0.333984375,
            ),
            (DataType::DtInt8, vec![0xff], -1.0),
            (DataType::DtInt64, (-7i64).to_le_bytes().to_vec(), -7.0),
            (DataType::DtUint16, 65535u16.to_le_bytes().to_vec(), 65535.0),
        ];
        for (dtype, bytes, expected) in cases {
            let mut t = tensor(dtype, &[]);
            t.tensor_content = bytes;
            let value = tensor_value(SCALARS_PLUGIN, t);
            assert_eq!(
                decode(&value, SCALARS_PLUGIN),
                Ok(Value::Scalar(expected)),
                "{dtype:?}"
            );
        }
        let mut typed = tensor(DataType::DtHalf, &[]);
        typed.half_val = vec![0x3c00];
        assert_eq!(
            decode(&tensor_value(SCALARS_PLUGIN, typed), SCALARS_PLUGIN),
            Ok(Value::Scalar(1.0))
        );
    }

    #[test]
    fn a_scalar_tensor_of_the_wrong_shape_or_dtype_is_an_error_saying_so() {
        let mut t = tensor(DataType::DtFloat, &[2]);
        t.float_val = vec![1.0, 2.0];
        let error = decode(&tensor_value(SCALARS_PLUGIN, t), SCALARS_PLUGIN).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a tensor of shape [2] cannot be read as \"scalars\" data; expected a rank-0 tensor"
        );
        let mut s = tensor(DataType::DtString, &[]);
        s.string_val = vec![b"x".to_vec()];
        let error = decode(&tensor_value(SCALARS_PLUGIN, s), SCALARS_PLUGIN).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a tensor of dtype 7 cannot be read as \"scalars\" data; expected a float or integer dtype"
        );
    }

    #[test]
    fn a_huge_declared_shape_is_not_allocated() {
        let mut t = tensor(DataType::DtFloat, &[1 << 40, 3]);
        t.float_val = vec![1.0];
        let error = decode(&tensor_value(HISTOGRAMS_PLUGIN, t), HISTOGRAMS_PLUGIN).unwrap_err();
        assert!(
            matches!(error, ValueError::Count { found: 1, .. }),
            "{error:?}"
        );
        let t = tensor(DataType::DtFloat, &[i64::MAX, 3]);
        let error = decode(&tensor_value(HISTOGRAMS_PLUGIN, t), HISTOGRAMS_PLUGIN).unwrap_err();
        assert!(matches!(error, ValueError::Shape { .. }), "{error:?}");
    }

    #[test]
    fn histogram_tensor_rows_become_right_edges() {
        let mut t = tensor(DataType::DtDouble, &[2, 3]);
        t.double_val = vec![-1.0, 0.5, 3.0, 0.5, 2.0, 1.0];
        let Ok(Value::Histogram(h)) =
            decode(&tensor_value(HISTOGRAMS_PLUGIN, t), HISTOGRAMS_PLUGIN)
        else {
            panic!("not a histogram");
        };
        assert_eq!((h.min, h.max, h.num), (-1.0, 2.0, 4.0));
        assert_eq!(h.bucket_limits, [0.5, 2.0]);
        assert_eq!(h.bucket_counts, [3.0, 1.0]);
        assert!(h.sum.is_nan() && h.sum_squares.is_nan());
    }

    #[test]
    fn legacy_values_decode_as_written() {
        let h = [0.5_f32, 2.0, -1.0].to_vec();
        let data = crate::HistogramInput::to_histogram(&h).unwrap();
        let value = write::histogram_value("h", &data);
        assert_eq!(declared_plugin(&value), Some(HISTOGRAMS_PLUGIN));
        assert_eq!(
            decode(&value, HISTOGRAMS_PLUGIN),
            Ok(Value::Histogram(data))
        );

        let image = summary::Value {
            tag: "i".into(),
            value: Some(Kind0::Image(Image {
                height: 2,
                width: 3,
                colorspace: 1,
                encoded_image_string: b"png".to_vec(),
            })),
            ..Default::default()
        };
        assert_eq!(declared_plugin(&image), Some(IMAGES_PLUGIN));
        assert_eq!(
            decode(&image, IMAGES_PLUGIN),
            Ok(Value::Images(vec![EncodedImage {
                width: 3,
                height: 2,
                png: b"png".to_vec()
            }]))
        );
        let error = decode(&image, SCALARS_PLUGIN).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a legacy image value cannot be read as \"scalars\" data, \
             the plugin the tag's first value fixed"
        );
    }

    #[test]
    fn text_and_hparams_round_trip() {
        let value = write::text::value("notes", "**hi**");
        assert_eq!(declared_plugin(&value), Some(TEXT_PLUGIN));
        assert_eq!(
            decode(&value, TEXT_PLUGIN),
            Ok(Value::Text(vec!["**hi**".to_owned()]))
        );
        let hparams = [("lr", HParamValue::from(0.5)), ("relu", true.into())];
        let start = write_hparams::session_start_value(&hparams, 1.0);
        let Ok(Value::HParams(HParamsInfo::SessionStart { hparams: read })) =
            decode(&start, HPARAMS_PLUGIN)
        else {
            panic!("not a session start");
        };
        assert_eq!(read["lr"], HParamValue::Number(0.5));
        assert_eq!(read["relu"], HParamValue::Bool(true));
        let experiment = write_hparams::experiment_value(&hparams, &["acc"], 1.0);
        assert_eq!(
            decode(&experiment, HPARAMS_PLUGIN),
            Ok(Value::HParams(HParamsInfo::Experiment {
                hparams: vec![
                    ("lr".into(), HParamType::Float64),
                    ("relu".into(), HParamType::Bool)
                ],
                metrics: vec!["acc".into()],
            }))
        );
        let end = write_hparams::session_end_value(SessionStatus::Failure, 2.0);
        assert_eq!(
            decode(&end, HPARAMS_PLUGIN),
            Ok(Value::HParams(HParamsInfo::SessionEnd {
                status: SessionStatus::Failure
            }))
        );
    }

    #[test]
    fn image_tensors_give_one_image_per_entry() {
        let mut t = tensor(DataType::DtString, &[4]);
        t.string_val = vec![b"3".to_vec(), b"2".to_vec(), b"a".to_vec(), b"b".to_vec()];
        let Ok(Value::Images(images)) = decode(&tensor_value(IMAGES_PLUGIN, t), IMAGES_PLUGIN)
        else {
            panic!("not images");
        };
        assert_eq!(images.len(), 2);
        assert_eq!((images[1].width, images[1].height), (3, 2));
        assert_eq!(images[1].png, b"b");
        let mut bad = tensor(DataType::DtString, &[3]);
        bad.string_val = vec![b"-3".to_vec(), b"2".to_vec(), b"a".to_vec()];
        assert_eq!(
            decode(&tensor_value(IMAGES_PLUGIN, bad), IMAGES_PLUGIN)
                .unwrap_err()
                .to_string(),
            "image width \"-3\" is not a size in pixels"
        );
    }
}
