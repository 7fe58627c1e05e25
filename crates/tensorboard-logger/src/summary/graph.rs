//! Graphs for TensorBoard's Graphs dashboard: a `GraphDef` in the event's `graph_def`.
//!
//! [`variables_graph`] makes the graph of a model's variables: one `VariableV2` node per
//! variable, named by its path, so the dashboard groups the nodes by name scope
//! (`fc1/weight` and `fc1/bias` inside `fc1`) and shows each one's shape and type.

use crate::proto::tensorboard::{AttrValue, DataType, GraphDef, NodeDef, VersionDef, attr_value};

/// The GraphDef producer version torch writes.
const PRODUCER: i32 = 22;

/// A variable of a model: its `/`-separated path, shape and element type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable<'a> {
    /// The path, scopes separated by `/`.
    pub name: &'a str,
    /// The shape.
    pub shape: &'a [i64],
    /// The element type.
    pub dtype: DataType,
}

/// The graph of `variables`, in the order given.
///
/// ```
/// use tensorboard_logger::proto::tensorboard::DataType;
/// use tensorboard_logger::summary::graph::{Variable, variables_graph};
///
/// let graph = variables_graph([
///     Variable { name: "fc1/weight", shape: &[128, 784], dtype: DataType::DtFloat },
///     Variable { name: "fc1/bias", shape: &[128], dtype: DataType::DtFloat },
/// ]);
/// assert_eq!(graph.node[0].name, "fc1/weight");
/// assert_eq!(graph.node[0].op, "VariableV2");
/// ```
pub fn variables_graph<'a>(variables: impl IntoIterator<Item = Variable<'a>>) -> GraphDef {
    let node = variables
        .into_iter()
        .map(|variable| {
            let shape = super::tensor_shape(variable.shape.iter().copied());
            let attr = |value| AttrValue { value: Some(value) };
            NodeDef {
                name: variable.name.to_owned(),
                op: "VariableV2".to_owned(),
                attr: [
                    (
                        "dtype",
                        attr(attr_value::Value::Type(variable.dtype.into())),
                    ),
                    (
                        "_output_shapes",
                        attr(attr_value::Value::List(attr_value::ListValue {
                            shape: vec![shape.clone()],
                            ..Default::default()
                        })),
                    ),
                    ("shape", attr(attr_value::Value::Shape(shape))),
                ]
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect(),
                ..Default::default()
            }
        })
        .collect();
    GraphDef {
        node,
        versions: Some(VersionDef {
            producer: PRODUCER,
            ..Default::default()
        }),
    }
}
