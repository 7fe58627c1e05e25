//! Text: markdown strings for the text plugin.
//!
//! Stored like TensorBoard's own `text_pb`: plugin `text`, a rank-0 `DT_STRING` tensor
//! with the UTF-8 text in `string_val` (TensorBoard does not decode strings from
//! `tensor_content`). TensorBoard renders the text as markdown.

use super::{plugin_metadata, string_scalar_tensor};
use crate::proto::tensorboard::summary::{Value, value};

/// The plugin that shows text.
pub const PLUGIN_NAME: &str = "text";

/// The summary value of a markdown text.
///
/// ```
/// let value = tensorboard_logger::summary::text::value("notes", "**bold** start");
/// assert_eq!(value.metadata.unwrap().plugin_data.unwrap().plugin_name, "text");
/// ```
pub fn value(tag: &str, markdown: &str) -> Value {
    Value {
        tag: tag.to_owned(),
        // TextPluginData{version: 0} encodes as no bytes.
        metadata: Some(plugin_metadata(PLUGIN_NAME, Vec::new())),
        value: Some(value::Value::Tensor(string_scalar_tensor(
            markdown.as_bytes().to_vec(),
        ))),
        ..Default::default()
    }
}
