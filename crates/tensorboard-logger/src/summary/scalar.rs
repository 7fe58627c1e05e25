//! Scalars: one `f32` per tag and step, stored as `simple_value`; [`ScalarValue`] is what
//! `add_scalar` takes (`f32`, `f64`, and with the `tch` feature a one-value tensor).
//!
//! `simple_value` is what TensorFlow 1, torch and tensorboardX write; TensorBoard files it
//! under the scalars plugin. NaN and ±∞ are stored as given (TensorBoard stores and
//! plots them; torch writes them too): a diverging loss must stay visible.

use prost::encoding::{encode_varint, encoded_len_varint};

use crate::proto::tensorboard::summary::{Value, value};

/// A value [`SummaryWriter::add_scalar`](crate::SummaryWriter::add_scalar) takes: `f32`,
/// `f64` (rounded to the nearest `f32`, which is what `simple_value` stores, as torch
/// does), references to these, and with the `tch` feature a `tch::Tensor` holding one
/// value of any shape (a 0-d loss, or `[1]`), read with one copy to the host.
///
/// ```
/// use tensorboard_logger::summary::scalar::ScalarValue;
///
/// assert_eq!(0.5_f32.to_f32()?, 0.5);
/// assert_eq!(0.1_f64.to_f32()?, 0.1_f32);
/// # Ok::<(), tensorboard_logger::summary::scalar::ScalarError>(())
/// ```
pub trait ScalarValue {
    /// The value as the `f32` that is written.
    fn to_f32(&self) -> Result<f32, ScalarError>;
}

impl ScalarValue for f32 {
    fn to_f32(&self) -> Result<f32, ScalarError> {
        Ok(*self)
    }
}

impl ScalarValue for f64 {
    fn to_f32(&self) -> Result<f32, ScalarError> {
        Ok(*self as f32)
    }
}

impl<T: ScalarValue + ?Sized> ScalarValue for &T {
    fn to_f32(&self) -> Result<f32, ScalarError> {
        (**self).to_f32()
    }
}

#[cfg(feature = "tch")]
impl ScalarValue for tch::Tensor {
    fn to_f32(&self) -> Result<f32, ScalarError> {
        if !self.defined() {
            return Err(ScalarError::UndefinedTensor);
        }
        let count = self.numel();
        if count != 1 {
            return Err(ScalarError::NotOneValue {
                shape: self.size(),
                count,
            });
        }
        // Reshaping a one-value tensor is a view; `double_value` copies that value alone.
        Ok(self.f_reshape([1])?.f_double_value(&[0])? as f32)
    }
}

/// Why a value could not be logged as a scalar. Without the `tch` feature every value is
/// accepted and this enum has no variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScalarError {
    /// A tensor with other than one value.
    #[cfg(feature = "tch")]
    #[error(
        "a scalar tensor must hold one value, but this one has shape {shape:?} ({count} \
         values); reduce it first (e.g. .mean()) or log it with add_histogram"
    )]
    NotOneValue {
        /// The tensor's shape.
        shape: Vec<i64>,
        /// Its number of values.
        count: usize,
    },
    /// An undefined tensor (`Tensor::new()`).
    #[cfg(feature = "tch")]
    #[error("cannot log an undefined tensor (one that holds no data) as a scalar")]
    UndefinedTensor,
    /// A tch operation failed.
    #[cfg(feature = "tch")]
    #[error("reading a scalar tensor failed: {0}")]
    Tensor(tch::TchError),
}

// By hand rather than `#[from]`: the message already holds the cause (see `crate::error`).
#[cfg(feature = "tch")]
impl From<tch::TchError> for ScalarError {
    fn from(error: tch::TchError) -> Self {
        Self::Tensor(error)
    }
}

/// The summary value of a scalar.
///
/// ```
/// let value = tensorboard_logger::summary::scalar::value("loss", 0.5);
/// assert_eq!(value.tag, "loss");
/// ```
pub fn value(tag: &str, scalar: f32) -> Value {
    Value {
        tag: tag.to_owned(),
        value: Some(value::Value::SimpleValue(scalar)),
        ..Default::default()
    }
}

/// Appends to `buf` the encoded `Event` holding one scalar: the bytes prost writes for
/// `Event { wall_time, step, summary: Summary { value: [value(tag, scalar)] } }`,
/// without allocating the message. Scalars are most of what a run logs, and this keeps
/// the writer thread ahead of callers that log every step.
///
/// ```
/// use prost::Message;
/// use tensorboard_logger::proto::tensorboard::{Event, Summary, event::What};
/// use tensorboard_logger::summary::scalar;
///
/// let mut buf = Vec::new();
/// scalar::encode_event(1.5, 7, "loss", 0.25, &mut buf);
/// let event = Event {
///     wall_time: 1.5,
///     step: 7,
///     what: Some(What::Summary(Summary { value: vec![scalar::value("loss", 0.25)] })),
/// };
/// assert_eq!(buf, event.encode_to_vec());
/// ```
pub fn encode_event(wall_time: f64, step: i64, tag: &str, scalar: f32, buf: &mut Vec<u8>) {
    // Keys are (field number << 3) | wire type, as in event.proto and summary.proto.
    const WALL_TIME: u8 = 1 << 3 | 1; // double
    const STEP: u8 = 2 << 3; // int64, varint
    const SUMMARY: u8 = 5 << 3 | 2; // message
    const VALUE: u8 = 1 << 3 | 2; // repeated message
    const TAG: u8 = 1 << 3 | 2; // string
    const SIMPLE_VALUE: u8 = 2 << 3 | 5; // float

    // proto3 leaves out fields holding their default, except oneof members
    // (`simple_value`, `summary`).
    let tag_len = if tag.is_empty() {
        0
    } else {
        1 + encoded_len_varint(tag.len() as u64) + tag.len()
    };
    let value_len = tag_len + 1 + 4;
    let summary_len = 1 + encoded_len_varint(value_len as u64) + value_len;
    if wall_time != 0.0 {
        buf.push(WALL_TIME);
        buf.extend_from_slice(&wall_time.to_le_bytes());
    }
    if step != 0 {
        buf.push(STEP);
        encode_varint(step as u64, buf);
    }
    buf.push(SUMMARY);
    encode_varint(summary_len as u64, buf);
    buf.push(VALUE);
    encode_varint(value_len as u64, buf);
    if !tag.is_empty() {
        buf.push(TAG);
        encode_varint(tag.len() as u64, buf);
        buf.extend_from_slice(tag.as_bytes());
    }
    buf.push(SIMPLE_VALUE);
    buf.extend_from_slice(&scalar.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tensorboard::{Event, Summary, event::What};
    use prost::Message;

    #[test]
    fn encode_event_matches_prost_for_edge_values() {
        let long_tag = "t".repeat(300);
        let mut buf = Vec::new();
        for wall_time in [0.0, -0.0, 1.5, 1.7e9, f64::NAN, -3.0] {
            for step in [0, 1, -1, 300, i64::MAX, i64::MIN] {
                for tag in ["", "loss", long_tag.as_str()] {
                    for scalar in [0.0, -0.0, 0.5, f32::NAN, f32::NEG_INFINITY] {
                        buf.clear();
                        encode_event(wall_time, step, tag, scalar, &mut buf);
                        let event = Event {
                            wall_time,
                            step,
                            what: Some(What::Summary(Summary {
                                value: vec![value(tag, scalar)],
                            })),
                        };
                        assert_eq!(
                            buf,
                            event.encode_to_vec(),
                            "{wall_time} {step} {tag:?} {scalar}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn floats_of_both_widths_are_scalars() {
        assert_eq!(0.25_f32.to_f32().unwrap(), 0.25);
        assert_eq!(ScalarValue::to_f32(&&0.1_f64).unwrap(), 0.1_f32);
        assert!(f64::NAN.to_f32().unwrap().is_nan());
        assert_eq!(1e300_f64.to_f32().unwrap(), f32::INFINITY);
    }

    #[cfg(feature = "tch")]
    #[test]
    fn one_value_tensors_are_scalars_and_others_are_errors() {
        use tch::{Device, Kind, Tensor};
        let loss = Tensor::from_slice(&[0.5_f64, 1.5]).mean(Kind::Double);
        assert_eq!(loss.size(), Vec::<i64>::new());
        assert_eq!(loss.to_f32().unwrap(), 1.0);
        let one = Tensor::from_slice(&[3_i64]).reshape([1, 1]);
        assert_eq!(ScalarValue::to_f32(&&one).unwrap(), 3.0);
        let many = Tensor::zeros([2, 3], (Kind::Float, Device::Cpu));
        assert_eq!(
            many.to_f32().unwrap_err().to_string(),
            "a scalar tensor must hold one value, but this one has shape [2, 3] (6 values); \
             reduce it first (e.g. .mean()) or log it with add_histogram"
        );
        assert_eq!(
            Tensor::new().to_f32().unwrap_err().to_string(),
            "cannot log an undefined tensor (one that holds no data) as a scalar"
        );
    }
}
