//! Ctrl-C and SIGTERM: the first asks the running study to stop after the current step,
//! a second one ends the process at once.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

use crate::run_end::StopSignal;

const INTERRUPT: usize = 1;
const TERMINATE: usize = 2;

/// Whether a stop was asked for, and by which signal. Clones share the request.
#[derive(Clone, Debug, Default)]
pub struct StopRequest {
    signal: Arc<AtomicUsize>,
}

impl StopRequest {
    /// A request nothing sets but [`StopRequest::request`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A request set by the first SIGINT or SIGTERM this process receives; a second one
    /// exits the process at once with the signal's code (130 or 143). Replaces the default
    /// actions of both signals for the rest of the process.
    pub fn from_signals() -> io::Result<Self> {
        let request = Self::new();
        let armed = Arc::new(AtomicBool::new(false));
        for (signal, stop) in [
            (SIGINT, StopSignal::Interrupt),
            (SIGTERM, StopSignal::Terminate),
        ] {
            // Handlers run in the order registered: the exit fires only when an earlier
            // signal has armed it.
            signal_hook::flag::register_conditional_shutdown(
                signal,
                i32::from(stop.exit_code()),
                Arc::clone(&armed),
            )?;
            signal_hook::flag::register(signal, Arc::clone(&armed))?;
            signal_hook::flag::register_usize(signal, Arc::clone(&request.signal), code(stop))?;
        }
        Ok(request)
    }

    /// Asks for a stop, as the signal would.
    pub fn request(&self, signal: StopSignal) {
        self.signal.store(code(signal), Ordering::Relaxed);
    }

    /// The signal that asked for a stop, if any; one atomic load, cheap enough for every step.
    pub fn requested(&self) -> Option<StopSignal> {
        match self.signal.load(Ordering::Relaxed) {
            INTERRUPT => Some(StopSignal::Interrupt),
            TERMINATE => Some(StopSignal::Terminate),
            _ => None,
        }
    }
}

fn code(signal: StopSignal) -> usize {
    match signal {
        StopSignal::Interrupt => INTERRUPT,
        StopSignal::Terminate => TERMINATE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_request() {
        let request = StopRequest::new();
        let seen_by_the_loop = request.clone();
        assert_eq!(seen_by_the_loop.requested(), None);
        request.request(StopSignal::Terminate);
        assert_eq!(seen_by_the_loop.requested(), Some(StopSignal::Terminate));
    }
}
