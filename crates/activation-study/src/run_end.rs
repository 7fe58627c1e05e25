//! How a run ended (finished, no better than chance, diverged, failed, interrupted) and what
//! that means for its exit code, its table row and `results.json`.

use std::fmt;

use serde::{Deserialize, Serialize};
use tensorboard_logger::SessionStatus;

/// The signal that asked `train` to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopSignal {
    /// Ctrl-C.
    #[serde(rename = "SIGINT")]
    Interrupt,
    /// `kill` and service managers.
    #[serde(rename = "SIGTERM")]
    Terminate,
}

impl StopSignal {
    /// The signal's conventional name.
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Terminate => "SIGTERM",
        }
    }

    /// The exit code a shell expects of a process ended by the signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        match self {
            StopSignal::Interrupt => 130,
            StopSignal::Terminate => 143,
        }
    }
}

/// How a run ended. Only [`RunEnd::Finished`] is a success.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "end", rename_all = "snake_case")]
pub enum RunEnd {
    /// Every step ran and the net learned something.
    Finished,
    /// Every step ran, but the final test accuracy is within noise of answering the most
    /// frequent test label every time (see [`crate::health::ChanceLevel`]).
    NoBetterThanChance {
        /// The final test accuracy.
        test_accuracy: f64,
        /// The accuracy of always answering the most frequent test label.
        chance: f64,
        /// The accuracy a run must exceed to count as learning.
        threshold: f64,
    },
    /// The loss became NaN or infinite, or grew past its bound.
    Diverged {
        /// The first step whose loss was out of bounds.
        step: i64,
        /// Which quantity.
        what: String,
        /// Its value at that step (NaN and infinities are written as strings in JSON).
        #[serde(with = "float_text")]
        value: f64,
        /// The bound it passed.
        bound: f64,
    },
    /// An error stopped the run (message with its causes).
    Failed {
        /// The error and its causes, `: `-joined.
        error: String,
    },
    /// A signal stopped the run after its last step ([`RunStatus::last_step`]).
    Interrupted {
        /// Which signal.
        signal: StopSignal,
    },
}

impl RunEnd {
    /// Whether the run counts as a success.
    pub fn is_success(&self) -> bool {
        matches!(self, RunEnd::Finished)
    }

    /// The HParams session status TensorBoard shows for the run: success only for a run
    /// that finished, unknown for one that was stopped, failure for the rest.
    pub fn session_status(&self) -> SessionStatus {
        match self {
            RunEnd::Finished => SessionStatus::Success,
            RunEnd::Interrupted { .. } => SessionStatus::Unknown,
            RunEnd::NoBetterThanChance { .. } | RunEnd::Diverged { .. } | RunEnd::Failed { .. } => {
                SessionStatus::Failure
            }
        }
    }

    /// A short word or two for the final table.
    pub fn label(&self) -> &'static str {
        match self {
            RunEnd::Finished => "finished",
            RunEnd::NoBetterThanChance { .. } => "at chance",
            RunEnd::Diverged { .. } => "diverged",
            RunEnd::Failed { .. } => "failed",
            RunEnd::Interrupted { .. } => "interrupted",
        }
    }
}

/// A run's end with its reason in words and the last step that ran, as `results.json`
/// records it under `status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunStatus {
    /// How the run ended.
    #[serde(flatten)]
    pub end: RunEnd,
    /// Why, in words, with the activation and learning rate where they matter.
    pub reason: String,
    /// The last step that ran (0: none).
    pub last_step: i64,
}

impl RunStatus {
    /// The status of a run of `activation` at learning rate `lr` that ended as `end` after
    /// `last_step`.
    pub fn new(end: RunEnd, last_step: i64, activation: &str, lr: f64) -> Self {
        let reason = Reason {
            end: &end,
            last_step,
            activation,
            lr,
        }
        .to_string();
        RunStatus {
            end,
            reason,
            last_step,
        }
    }
}

struct Reason<'a> {
    end: &'a RunEnd,
    last_step: i64,
    activation: &'a str,
    lr: f64,
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (activation, lr, last_step) = (self.activation, self.lr, self.last_step);
        match self.end {
            RunEnd::Finished => write!(f, "all {last_step} steps ran"),
            RunEnd::NoBetterThanChance {
                test_accuracy,
                chance,
                threshold,
            } => write!(
                f,
                "{activation} (lr {lr:e}) learned nothing: test accuracy {test_accuracy:.4} after \
                 {last_step} steps is not above {threshold:.4}, the noise band of the {chance:.4} \
                 that always answering the most frequent label gets; train longer or change --lr"
            ),
            RunEnd::Diverged {
                step,
                what,
                value,
                bound,
            } => write!(
                f,
                "training diverged at step {step} ({activation}, lr {lr:e}): {what} is \
                 {value:.3e}, {}; try a smaller --lr",
                if value.is_finite() {
                    format!("past its bound {bound:.3e}")
                } else {
                    "not a finite number".to_string()
                }
            ),
            RunEnd::Failed { error } => write!(f, "failed after step {last_step}: {error}"),
            RunEnd::Interrupted { signal, .. } => {
                write!(f, "stopped by {} after step {last_step}", signal.name())
            }
        }
    }
}

/// Serde for an `f64` that may be NaN or infinite: JSON has no such numbers, so those are
/// written as the strings `"NaN"`, `"inf"` and `"-inf"`.
mod float_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() {
            s.serialize_f64(*value)
        } else {
            s.serialize_str(&value.to_string())
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Finite(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Number::deserialize(d)? {
            Number::Finite(v) => Ok(v),
            Number::Text(t) => t
                .parse()
                .map_err(|_| D::Error::custom(format!("{t:?} is not a number"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nan_divergence_round_trips_through_json_with_its_reason() {
        let end = RunEnd::Diverged {
            step: 7,
            what: "the total loss".into(),
            value: f64::NAN,
            bound: 2.3e4,
        };
        let status = RunStatus::new(end, 7, "relu", 1e6);
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(json["end"], "diverged");
        assert_eq!(json["value"], "NaN");
        assert_eq!(json["last_step"], 7);
        assert_eq!(
            json["reason"],
            "training diverged at step 7 (relu, lr 1e6): the total loss is NaN, not a finite \
             number; try a smaller --lr"
        );
        let back: RunStatus = serde_json::from_value(json).unwrap();
        assert!(matches!(back.end, RunEnd::Diverged { value, step: 7, .. } if value.is_nan()));
    }

    #[test]
    fn only_a_finished_run_is_a_success() {
        let interrupted = RunEnd::Interrupted {
            signal: StopSignal::Terminate,
        };
        assert!(RunEnd::Finished.is_success());
        assert!(!interrupted.is_success());
        let status = RunStatus::new(interrupted, 3, "elu", 1e-4);
        assert_eq!(status.reason, "stopped by SIGTERM after step 3");
        assert_eq!(serde_json::to_value(&status).unwrap()["signal"], "SIGTERM");
    }
}
