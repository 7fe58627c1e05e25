//! Scalars: one `f32` per tag and step, stored as `simple_value`.
//!
//! `simple_value` is what TensorFlow 1, torch and tensorboardX write; TensorBoard files it
//! under the scalars plugin. NaN and ±∞ are stored as given (TensorBoard stores and
//! plots them; torch writes them too): a diverging loss must stay visible.

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
