//! Custom scalar layouts: the charts that show several scalar series together.
//!
//! A layout made by hand ([`CustomLayout`], written by
//! [`SummaryWriter::add_custom_scalars`](crate::SummaryWriter::add_custom_scalars)) names
//! categories of charts, each chart a multiline chart of tag regexes or a margin chart, as
//! torch's `add_custom_scalars` does. Its categories come first in the run's layout,
//! followed by those `add_scalars` keeps:
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
use crate::proto::tensorboard::margin_chart_content::Series;
use crate::proto::tensorboard::summary::{Value, value};
use crate::proto::tensorboard::{
    Category, Chart, Layout, MarginChartContent, MultilineChartContent, chart,
};
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

/// A hand-made custom scalars layout: categories, in the order first named, each holding
/// charts in the order added. Torch's `{category: {title: ["Multiline", tags]}}` reads
/// `CustomLayout::new().multiline(category, title, tags)`.
///
/// Multiline tags and margin tags are regular expressions (Python's `re`, matched at the
/// start of a tag), as TensorBoard reads them; [`exact_tag_regex`] matches one tag exactly.
///
/// ```
/// use tensorboard_logger::summary::custom_scalars::{CustomLayout, exact_tag_regex};
///
/// let layout = CustomLayout::new()
///     .multiline("losses", "train and test", ["^loss/train$", "^loss/test$"])
///     .multiline("losses", "every layer's gradient norm", [r"^grad_norm/"])
///     .margin("accuracy", "test, with its bounds", [("acc", "acc/low", "acc/high")])
///     .multiline("accuracy", "train", [exact_tag_regex("acc/train.top1")]);
/// let proto = layout.to_proto();
/// assert_eq!(proto.category.len(), 2);
/// assert_eq!(proto.category[0].chart.len(), 2);
/// assert_eq!(proto.category[1].chart[1].title, "train");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomLayout {
    categories: Vec<Category>,
}

impl CustomLayout {
    /// An empty layout.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds to `category` a chart titled `title` with one line per scalar tag of a run that
    /// matches one of the regular expressions `tags`.
    pub fn multiline<T: Into<String>>(
        self,
        category: &str,
        title: &str,
        tags: impl IntoIterator<Item = T>,
    ) -> Self {
        let content = chart::Content::Multiline(MultilineChartContent {
            tag: tags.into_iter().map(Into::into).collect(),
        });
        self.chart(category, title, content)
    }

    /// Adds to `category` a chart titled `title` with one band per `(value, lower, upper)`
    /// triple of tags: the line `value` between `lower` and `upper`.
    pub fn margin<'a>(
        self,
        category: &str,
        title: &str,
        series: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Self {
        let content = chart::Content::Margin(MarginChartContent {
            series: series
                .into_iter()
                .map(|(value, lower, upper)| Series {
                    value: value.to_owned(),
                    lower: lower.to_owned(),
                    upper: upper.to_owned(),
                })
                .collect(),
        });
        self.chart(category, title, content)
    }

    fn chart(mut self, category: &str, title: &str, content: chart::Content) -> Self {
        let chart = Chart {
            title: title.to_owned(),
            content: Some(content),
        };
        match self.categories.iter_mut().find(|c| c.title == category) {
            Some(existing) => existing.chart.push(chart),
            None => self.categories.push(Category {
                title: category.to_owned(),
                chart: vec![chart],
                ..Default::default()
            }),
        }
        self
    }

    /// The layout as TensorBoard's `Layout` message.
    pub fn to_proto(&self) -> Layout {
        Layout {
            category: self.categories.clone(),
            ..Default::default()
        }
    }
}

/// The layout of a run: the hand-made categories of `custom`, then those of `grouped`.
pub(crate) fn merged(custom: Option<&Layout>, grouped: Layout) -> Layout {
    match custom {
        Some(custom) => Layout {
            category: custom
                .category
                .iter()
                .cloned()
                .chain(grouped.category)
                .collect(),
            ..grouped
        },
        None => grouped,
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
///
/// ```
/// use tensorboard_logger::summary::custom_scalars::exact_tag_regex;
///
/// assert_eq!(exact_tag_regex("acc/val.top1"), r"^acc/val\.top1$");
/// ```
pub fn exact_tag_regex(tag: &str) -> String {
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

    #[test]
    fn hand_made_categories_come_first_and_keep_their_order() {
        let custom = CustomLayout::new()
            .multiline("b", "one", ["^x$"])
            .margin("a", "band", [("v", "lo", "hi")])
            .multiline("b", "two", ["^y/", "^z/"])
            .to_proto();
        let titles = |l: &Layout| -> Vec<(String, Vec<String>)> {
            l.category
                .iter()
                .map(|c| {
                    (
                        c.title.clone(),
                        c.chart.iter().map(|ch| ch.title.clone()).collect(),
                    )
                })
                .collect()
        };
        let grouped = layout([("loss", ["train"].as_slice())]);
        let all = merged(Some(&custom), grouped.clone());
        assert_eq!(
            titles(&all),
            [
                ("b".to_owned(), vec!["one".to_owned(), "two".to_owned()]),
                ("a".to_owned(), vec!["band".to_owned()]),
                ("loss".to_owned(), vec!["loss".to_owned()]),
            ]
        );
        let Some(chart::Content::Margin(band)) = &all.category[1].chart[0].content else {
            panic!("expected a margin chart");
        };
        assert_eq!(
            (
                &band.series[0].value[..],
                &band.series[0].lower[..],
                &band.series[0].upper[..]
            ),
            ("v", "lo", "hi")
        );
        assert_eq!(merged(None, grouped.clone()), grouped);
    }
}
