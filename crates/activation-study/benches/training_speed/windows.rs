//! Throughput that a busy machine disturbs little: the timed steps are cut into windows of
//! `--histogram-every` steps (each holds exactly one summary step, so logging is charged in
//! full) and the rate comes from the median window, plus the writer's close spread over them.

use std::time::Instant;

use tch::Device;

/// Boundary times of the windows.
pub struct Windows {
    device: Device,
    marks: Vec<Instant>,
}

impl Windows {
    /// Room for `windows` windows on `device`; nothing is allocated while timing.
    pub fn new(device: Device, windows: usize) -> Self {
        Windows {
            device,
            marks: Vec::with_capacity(windows + 1),
        }
    }

    /// Marks a window boundary: the start of timing, then the end of every window. On CUDA
    /// it first waits for the queued work (once per window on both sides), so the boundary
    /// is where the device is, not where the host has queued to.
    pub fn mark(&mut self) {
        if let Device::Cuda(index) = self.device {
            tch::Cuda::synchronize(index as i64);
        }
        self.marks.push(Instant::now());
    }

    /// The rates in images/s: `(from the median window, from the whole time)`, where
    /// `close_seconds` (closing the writer after the last window) is spread over the windows.
    pub fn rates(&self, images_per_window: usize, close_seconds: f64) -> (f64, f64) {
        let mut seconds: Vec<f64> = self
            .marks
            .windows(2)
            .map(|w| (w[1] - w[0]).as_secs_f64())
            .collect();
        let n = seconds.len() as f64;
        let total: f64 = seconds.iter().sum::<f64>() + close_seconds;
        seconds.sort_by(f64::total_cmp);
        let mid = seconds.len() / 2;
        let median = if seconds.len().is_multiple_of(2) {
            (seconds[mid - 1] + seconds[mid]) / 2.0
        } else {
            seconds[mid]
        };
        let images = images_per_window as f64;
        (images / (median + close_seconds / n), n * images / total)
    }
}
