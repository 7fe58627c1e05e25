//! Hyperparameters for TensorBoard's HParams dashboard, written into the run itself.
//!
//! A run gets three values of plugin `hparams`, each an empty tensor whose metadata
//! carries an `HParamsPluginData` message, as TensorBoard's own `hparams` summaries do:
//! - `_hparams_/experiment`: the hparam names with their types (no domains, so values of
//!   other runs are never filtered out) and the metrics, which are scalar tags of the
//!   run (TensorBoard reads each metric's last value);
//! - `_hparams_/session_start_info`: the values, typed (bool, string, number);
//! - `_hparams_/session_end_info`: the [`SessionStatus`] when the writer closes.
//!
//! TensorBoard takes the experiment description from one run of the log directory, so
//! give every run of one study the same hparam names and metrics.

use prost::Message;

use crate::proto::google::protobuf::{self, value::Kind};
use crate::proto::tensorboard::hparams::{
    DataType as HParamType, Experiment, HParamInfo, HParamsPluginData, MetricInfo, MetricName,
    SessionEndInfo, SessionStartInfo, Status, h_params_plugin_data::Data,
};
use crate::proto::tensorboard::summary::{Value, value};
use crate::proto::tensorboard::{DataType, TensorProto};

/// The plugin that reads hparams.
pub const PLUGIN_NAME: &str = "hparams";
/// Tag of the experiment description.
pub const EXPERIMENT_TAG: &str = "_hparams_/experiment";
/// Tag of a session's hparam values.
pub const SESSION_START_INFO_TAG: &str = "_hparams_/session_start_info";
/// Tag of a session's end status.
pub const SESSION_END_INFO_TAG: &str = "_hparams_/session_end_info";

/// A typed hyperparameter value.
///
/// ```
/// use tensorboard_logger::HParamValue;
/// assert_eq!(HParamValue::from("relu"), HParamValue::String("relu".into()));
/// assert_eq!(HParamValue::from(1e-4), HParamValue::Number(1e-4));
/// assert_eq!(HParamValue::from(64_i64), HParamValue::Number(64.0));
/// assert_eq!(HParamValue::from(true), HParamValue::Bool(true));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum HParamValue {
    /// A flag; stays a bool in TensorBoard (shown as true/false, filtered by checkbox).
    Bool(bool),
    /// A string, such as an activation name.
    String(String),
    /// A number; TensorBoard stores every number as `f64`. Must be finite.
    Number(f64),
}

impl From<bool> for HParamValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<&str> for HParamValue {
    fn from(value: &str) -> Self {
        Self::String(value.to_owned())
    }
}

impl From<String> for HParamValue {
    fn from(value: String) -> Self {
        Self::String(value)
    }
}

macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl From<$t> for HParamValue {
            /// Stored as `f64`, like every hparam number in TensorBoard.
            fn from(value: $t) -> Self {
                Self::Number(value as f64)
            }
        }
    )*};
}
number_from!(f64, f32, i8, i16, i32, i64, u8, u16, u32, u64, usize);

impl HParamValue {
    fn data_type(&self) -> HParamType {
        match self {
            Self::Bool(_) => HParamType::Bool,
            Self::String(_) => HParamType::String,
            Self::Number(_) => HParamType::Float64,
        }
    }

    fn to_proto(&self) -> protobuf::Value {
        let kind = match self {
            Self::Bool(b) => Kind::BoolValue(*b),
            Self::String(s) => Kind::StringValue(s.clone()),
            Self::Number(n) => Kind::NumberValue(*n),
        };
        protobuf::Value { kind: Some(kind) }
    }
}

/// How a run (an hparams "session") ended, as the HParams dashboard shows it: the
/// hparams plugin's `Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    /// Unknown, e.g. the run was interrupted before it could say.
    Unknown,
    /// The run finished.
    Success,
    /// The run failed, e.g. it diverged or panicked.
    Failure,
    /// The run is still going.
    Running,
}

impl SessionStatus {
    fn to_proto(self) -> Status {
        match self {
            Self::Unknown => Status::Unknown,
            Self::Success => Status::Success,
            Self::Failure => Status::Failure,
            Self::Running => Status::Running,
        }
    }

    /// The status of a stored `Status` number; numbers this crate does not know read as
    /// [`Unknown`](Self::Unknown).
    pub(crate) fn from_proto(value: i32) -> Self {
        match Status::try_from(value) {
            Ok(Status::Success) => Self::Success,
            Ok(Status::Failure) => Self::Failure,
            Ok(Status::Running) => Self::Running,
            Ok(Status::Unknown) | Err(_) => Self::Unknown,
        }
    }
}

/// Why hparams were rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HParamError {
    /// An hparam name appears twice in one call.
    #[error("hparam {name:?} is given twice; give each hparam once")]
    Duplicate {
        /// The name.
        name: String,
    },
    /// An hparam name is empty.
    #[error("an hparam name must not be empty")]
    EmptyName,
    /// A numeric hparam is NaN or infinite, which TensorBoard's HParams dashboard cannot
    /// compare.
    #[error("hparam {name:?} is {value}; numeric hparams must be finite")]
    NonFinite {
        /// The name.
        name: String,
        /// The value.
        value: f64,
    },
}

/// Checks what TensorBoard needs of hparams: non-empty, distinct names and finite
/// numbers.
pub fn validate<S: AsRef<str>>(hparams: &[(S, HParamValue)]) -> Result<(), HParamError> {
    for (i, (name, value)) in hparams.iter().enumerate() {
        let name = name.as_ref();
        if name.is_empty() {
            return Err(HParamError::EmptyName);
        }
        if hparams[..i].iter().any(|(other, _)| other.as_ref() == name) {
            return Err(HParamError::Duplicate {
                name: name.to_owned(),
            });
        }
        if let HParamValue::Number(n) = value
            && !n.is_finite()
        {
            return Err(HParamError::NonFinite {
                name: name.to_owned(),
                value: *n,
            });
        }
    }
    Ok(())
}

/// The experiment description: hparam names and types, and the metric tags.
pub fn experiment_value<S: AsRef<str>, M: AsRef<str>>(
    hparams: &[(S, HParamValue)],
    metrics: &[M],
    time_created_secs: f64,
) -> Value {
    let experiment = Experiment {
        time_created_secs,
        hparam_infos: hparams
            .iter()
            .map(|(name, value)| HParamInfo {
                name: name.as_ref().to_owned(),
                r#type: value.data_type().into(),
                ..Default::default()
            })
            .collect(),
        metric_infos: metrics
            .iter()
            .map(|tag| MetricInfo {
                name: Some(MetricName {
                    group: String::new(),
                    tag: tag.as_ref().to_owned(),
                }),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    plugin_value(EXPERIMENT_TAG, Data::Experiment(experiment))
}

/// The values of this run's hparams.
pub fn session_start_value<S: AsRef<str>>(
    hparams: &[(S, HParamValue)],
    start_time_secs: f64,
) -> Value {
    let start = SessionStartInfo {
        hparams: hparams
            .iter()
            .map(|(name, value)| (name.as_ref().to_owned(), value.to_proto()))
            .collect(),
        start_time_secs,
        ..Default::default()
    };
    plugin_value(SESSION_START_INFO_TAG, Data::SessionStartInfo(start))
}

/// How this run ended.
pub fn session_end_value(status: SessionStatus, end_time_secs: f64) -> Value {
    let end = SessionEndInfo {
        status: status.to_proto().into(),
        end_time_secs,
    };
    plugin_value(SESSION_END_INFO_TAG, Data::SessionEndInfo(end))
}

fn plugin_value(tag: &str, data: Data) -> Value {
    let content = HParamsPluginData {
        version: 0,
        data: Some(data),
    }
    .encode_to_vec();
    Value {
        tag: tag.to_owned(),
        metadata: Some(super::plugin_metadata(PLUGIN_NAME, content)),
        value: Some(value::Value::Tensor(empty_float_tensor())),
        ..Default::default()
    }
}

/// The empty `DT_FLOAT` tensor of shape `[0]` TensorBoard's hparams summaries carry.
fn empty_float_tensor() -> TensorProto {
    TensorProto {
        dtype: DataType::DtFloat.into(),
        tensor_shape: Some(super::tensor_shape([0])),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_hparam() {
        let ok = [("lr", HParamValue::from(0.1)), ("act", "relu".into())];
        assert!(validate(&ok).is_ok());
        let dup = [("lr", HParamValue::from(0.1)), ("lr", 0.2.into())];
        assert_eq!(
            validate(&dup).unwrap_err().to_string(),
            "hparam \"lr\" is given twice; give each hparam once"
        );
        let nan = [("lr", HParamValue::from(f64::NAN))];
        assert_eq!(
            validate(&nan).unwrap_err().to_string(),
            "hparam \"lr\" is NaN; numeric hparams must be finite"
        );
        let empty = [("", HParamValue::from(true))];
        assert_eq!(
            validate(&empty).unwrap_err().to_string(),
            "an hparam name must not be empty"
        );
    }

    #[test]
    fn experiment_keeps_types_and_metrics() {
        let hparams = [
            ("act", HParamValue::from("relu")),
            ("dropout", true.into()),
            ("lr", 1e-4.into()),
        ];
        let value = experiment_value(&hparams, &["test/accuracy"], 5.0);
        let content = value.metadata.unwrap().plugin_data.unwrap().content;
        let Some(Data::Experiment(experiment)) =
            HParamsPluginData::decode(&content[..]).unwrap().data
        else {
            panic!("expected an experiment");
        };
        let types: Vec<(String, i32)> = experiment
            .hparam_infos
            .iter()
            .map(|info| (info.name.clone(), info.r#type))
            .collect();
        assert_eq!(
            types,
            [
                ("act".to_owned(), HParamType::String as i32),
                ("dropout".to_owned(), HParamType::Bool as i32),
                ("lr".to_owned(), HParamType::Float64 as i32),
            ]
        );
        assert!(experiment.hparam_infos.iter().all(|i| i.domain.is_none()));
        assert_eq!(
            experiment.metric_infos[0].name.as_ref().unwrap().tag,
            "test/accuracy"
        );
    }
}
