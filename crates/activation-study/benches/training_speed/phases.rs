//! Where a step's time goes (`--phases`): wall time per phase of the loop, summed over the timed
//! steps, measured the same way on both sides.

use std::time::Instant;

use tch::Device;

/// A phase of one training step; the PyTorch script reports the same ones under the same names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Picking the batch and preprocessing it.
    Batch,
    /// Forward pass and losses.
    Forward,
    /// Backward pass.
    Backward,
    /// Zeroing the gradients and the Adam update.
    Optimizer,
    /// The per-step scalars (accuracy, the host copy, the writer calls).
    Scalars,
    /// Layer histograms and sparsity.
    Layers,
    /// Variable and gradient histograms and gradient norms.
    Parameters,
    /// The diagnosis: logging its signals and judging them (ours only; PyTorch has none).
    Diagnostics,
    /// Input and filter image grids.
    Images,
    /// Closing the writer (draining its queue to disk).
    Close,
}

/// Every phase, in reporting order.
pub const PHASES: [Phase; 10] = [
    Phase::Batch,
    Phase::Forward,
    Phase::Backward,
    Phase::Optimizer,
    Phase::Scalars,
    Phase::Layers,
    Phase::Parameters,
    Phase::Diagnostics,
    Phase::Images,
    Phase::Close,
];

impl Phase {
    /// The name in the report and in the script's JSON.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Batch => "batch",
            Phase::Forward => "forward",
            Phase::Backward => "backward",
            Phase::Optimizer => "optimizer",
            Phase::Scalars => "scalars",
            Phase::Layers => "layers",
            Phase::Parameters => "parameters",
            Phase::Diagnostics => "diagnostics",
            Phase::Images => "images",
            Phase::Close => "close",
        }
    }
}

/// Seconds spent in each phase, in the order of [`PHASES`].
pub type Spent = [f64; PHASES.len()];

/// A stopwatch that charges the time since its last lap to a phase; does nothing when off.
pub struct Clock {
    device: Device,
    on: bool,
    last: Instant,
    spent: Spent,
}

impl Clock {
    /// A clock for work on `device`; `on` false makes every call free of effects.
    pub fn new(on: bool, device: Device) -> Self {
        Clock {
            device,
            on,
            last: Instant::now(),
            spent: [0.0; PHASES.len()],
        }
    }

    /// Forgets what was charged and starts timing now.
    pub fn restart(&mut self) {
        self.spent = [0.0; PHASES.len()];
        self.last = Instant::now();
    }

    /// Charges the time since the last lap to `phase`. On CUDA it first waits for the queued
    /// work, which slows the run: there, take images/s from runs without `--phases`.
    pub fn lap(&mut self, phase: Phase) {
        if !self.on {
            return;
        }
        if let Device::Cuda(index) = self.device {
            tch::Cuda::synchronize(index as i64);
        }
        let now = Instant::now();
        self.spent[phase as usize] += (now - self.last).as_secs_f64();
        self.last = now;
    }

    /// The seconds per phase when the clock was on.
    pub fn spent(&self) -> Option<Spent> {
        self.on.then_some(self.spent)
    }
}
