//! Custom scalar layouts: the charts that show several scalar series together.
//!
//! [`SummaryWriter::add_scalars`](crate::SummaryWriter::add_scalars) writes its series as
//! tags `<main>/<key>` of the same run, so the Scalars dashboard shows them in the
//! section `<main>`, one chart per key. To see them in one chart, it also keeps a layout
//! for the Custom Scalars dashboard up to date: a category titled `<main>` holding one
//! multiline chart whose lines are exactly the `<main>/<key>` tags. TensorBoard merges
//! the layouts of all runs, so the chart compares runs as well.
//!
//! The layout is stored under the tag `custom_scalars__config__` (plugin
//! `custom_scalars`) as a rank-0 `DT_STRING` tensor holding the encoded `Layout`, as
//! TensorBoard's own `custom_scalar.summary.pb` writes it. TensorBoard uses the latest
//! layout of a run.

use prost::Message;

use super::{plugin_metadata, string_scalar_tensor};
use crate::proto::tensorboard::summary::{Value, value};
use crate::proto::tensorboard::{Category, Chart, Layout, MultilineChartContent, chart};
use crate::tag::CUSTOM_SCALARS_CONFIG;

/// The plugin that shows custom scalar layouts.
pub const PLUGIN_NAME: &str = "custom_scalars";

/// A layout with one category per main tag, each holding one multiline chart of the
/// tags `<main>/<key>`.
///
/// ```
/// use tensorboard_logger::summary::custom_scalars::layout;
/// let layout = layout([("loss", ["train", "test"].as_slice())]);
/// assert_eq!(layout.category[0].title, "loss");
/// ```
pub fn layout<'a, M, K>(groups: impl IntoIterator<Item = (M, &'a [K])>) -> Layout
where
    M: AsRef<str>,
    K: AsRef<str> + 'a,
{
    let category = groups
        .into_iter()
        .map(|(main, keys)| {
            let main = main.as_ref();
            Category {
                title: main.to_owned(),
                chart: vec![Chart {
                    title: main.to_owned(),
                    content: Some(chart::Content::Multiline(MultilineChartContent {
                        tag: keys
                            .iter()
                            .map(|key| exact_tag_regex(&format!("{main}/{}", key.as_ref())))
                            .collect(),
                    })),
                }],
                ..Default::default()
            }
        })
        .collect();
    Layout {
        category,
        ..Default::default()
    }
}

/// The summary value holding a layout.
pub fn value(layout: &Layout) -> Value {
    Value {
        tag: CUSTOM_SCALARS_CONFIG.to_owned(),
        metadata: Some(plugin_metadata(PLUGIN_NAME, Vec::new())),
        value: Some(value::Value::Tensor(string_scalar_tensor(
            layout.encode_to_vec(),
        ))),
        ..Default::default()
    }
}

/// A regular expression matching exactly `tag`. Valid tags hold no regex syntax other
/// than `.` (see [`crate::tag`]).
fn exact_tag_regex(tag: &str) -> String {
    format!("^{}$", tag.replace('.', r"\."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_match_exactly_their_tags() {
        let layout = layout([
            ("loss", ["train", "test"].as_slice()),
            ("lr", ["group.0"].as_slice()),
        ]);
        assert_eq!(layout.category.len(), 2);
        let Some(chart::Content::Multiline(lines)) = &layout.category[1].chart[0].content else {
            panic!("expected a multiline chart");
        };
        assert_eq!(lines.tag, [r"^lr/group\.0$"]);
        let Some(chart::Content::Multiline(lines)) = &layout.category[0].chart[0].content else {
            panic!("expected a multiline chart");
        };
        assert_eq!(lines.tag, ["^loss/train$", "^loss/test$"]);
    }
}
