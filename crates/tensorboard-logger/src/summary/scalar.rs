//! Scalars: one `f32` per tag and step, stored as `simple_value`.
//!
//! `simple_value` is what TensorFlow 1, torch and tensorboardX write; TensorBoard files it
//! under the scalars plugin. NaN and ±∞ are stored as given (TensorBoard stores and
//! plots them; torch writes them too): a diverging loss must stay visible.

use prost::encoding::{encode_varint, encoded_len_varint};

use crate::proto::tensorboard::summary::{Value, value};

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
}
