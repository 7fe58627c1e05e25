//! Summary values: what each kind of data becomes inside an event.
//!
//! Each function here builds one `Summary.Value` as TensorBoard's own writers do; the
//! [`SummaryWriter`](crate::SummaryWriter) stamps them with step and wall time and writes
//! them from its background thread.

pub mod audio;
pub mod custom_scalars;
pub mod embedding;
#[cfg(feature = "plotters")]
pub mod figure;
pub mod graph;
pub mod histogram;
pub mod hparams;
pub mod image;
pub mod mesh;
pub mod pr_curve;
pub mod scalar;
pub mod text;
pub mod video;

use crate::proto::tensorboard::summary_metadata::PluginData;
use crate::proto::tensorboard::{
    DataType, SummaryMetadata, TensorProto, TensorShapeProto, tensor_shape_proto,
};

/// Metadata naming the plugin that owns a value, with the plugin's own content bytes.
pub(crate) fn plugin_metadata(plugin_name: &str, content: Vec<u8>) -> SummaryMetadata {
    SummaryMetadata {
        plugin_data: Some(PluginData {
            plugin_name: plugin_name.to_owned(),
            content,
        }),
        ..Default::default()
    }
}

/// A tensor shape of the given sizes, outermost first.
pub(crate) fn tensor_shape(sizes: impl IntoIterator<Item = i64>) -> TensorShapeProto {
    TensorShapeProto {
        dim: sizes
            .into_iter()
            .map(|size| tensor_shape_proto::Dim {
                size,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// A rank-0 `DT_STRING` tensor holding `bytes`, as `tf.make_tensor_proto` builds it.
pub(crate) fn string_scalar_tensor(bytes: Vec<u8>) -> TensorProto {
    TensorProto {
        dtype: DataType::DtString.into(),
        tensor_shape: Some(TensorShapeProto::default()),
        string_val: vec![bytes],
        ..Default::default()
    }
}

/// The summary value of a histogram, in TensorBoard's legacy `HistogramProto` form.
pub fn histogram_value(
    tag: &str,
    data: &histogram::HistogramData,
) -> crate::proto::tensorboard::summary::Value {
    crate::proto::tensorboard::summary::Value {
        tag: tag.to_owned(),
        value: Some(crate::proto::tensorboard::summary::value::Value::Histo(
            data.to_proto(),
        )),
        ..Default::default()
    }
}

/// The summary value of an image already encoded as PNG, in TensorBoard's
/// `Summary.Image` form (colorspace = number of channels).
pub fn image_value(
    tag: &str,
    image: &image::Image,
    png: Vec<u8>,
) -> crate::proto::tensorboard::summary::Value {
    crate::proto::tensorboard::summary::Value {
        tag: tag.to_owned(),
        value: Some(crate::proto::tensorboard::summary::value::Value::Image(
            crate::proto::tensorboard::summary::Image {
                height: image.height() as i32,
                width: image.width() as i32,
                colorspace: image.channels() as i32,
                encoded_image_string: png,
            },
        )),
        ..Default::default()
    }
}
