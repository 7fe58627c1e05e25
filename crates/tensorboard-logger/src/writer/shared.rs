//! What the writer thread reports back to the callers: the errors it met.
//!
//! An I/O failure is final: the thread stops writing and every later call returns it.
//! A failure to encode one image is reported once, by the next call, and writing goes on.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;
use crate::summary::image::ImageError;

/// An error met on the writer thread, kept until a caller collects it.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    Write {
        path: PathBuf,
        cause: Arc<io::Error>,
    },
    Removed {
        path: PathBuf,
    },
    EncodeImage {
        tag: Arc<str>,
        step: i64,
        cause: Arc<ImageError>,
    },
}

impl Failure {
    fn to_error(&self) -> Error {
        match self {
            Self::Write { path, cause } => Error::Write {
                path: path.clone(),
                cause: cause.clone(),
            },
            Self::Removed { path } => Error::EventFileRemoved { path: path.clone() },
            Self::EncodeImage { tag, step, cause } => Error::EncodeImage {
                tag: tag.to_string(),
                step: *step,
                cause: cause.clone(),
            },
        }
    }

    fn is_final(&self) -> bool {
        !matches!(self, Self::EncodeImage { .. })
    }
}

/// State shared by the writer's handle and its thread.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Set when `state` holds something, so the common case costs one atomic load.
    news: AtomicBool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    final_failure: Option<Failure>,
    final_reported: bool,
    once: Option<Failure>,
}

impl Shared {
    /// Records a failure of the writer thread.
    pub(crate) fn fail(&self, failure: Failure) {
        let mut state = self.lock();
        if failure.is_final() {
            if state.final_failure.is_none() {
                state.final_failure = Some(failure);
            }
        } else if state.once.is_none() {
            state.once = Some(failure);
        }
        self.news.store(true, Ordering::Release);
    }

    /// The error a caller should get now, if any: a pending one-time failure first, then
    /// the final failure (every time).
    pub(crate) fn check(&self) -> Result<(), Error> {
        self.collect().map_or(Ok(()), |(error, _)| Err(error))
    }

    /// Like [`check`](Self::check), also saying whether the error is new to the caller.
    pub(crate) fn collect(&self) -> Option<(Error, bool)> {
        if !self.news.load(Ordering::Acquire) {
            return None;
        }
        let mut state = self.lock();
        if let Some(failure) = state.once.take() {
            if state.final_failure.is_none() {
                self.news.store(false, Ordering::Release);
            }
            return Some((failure.to_error(), true));
        }
        let error = state.final_failure.as_ref()?.to_error();
        let first = !std::mem::replace(&mut state.final_reported, true);
        Some((error, first))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_final_failure_is_returned_every_time_and_new_only_once() {
        let shared = Shared::default();
        assert!(shared.check().is_ok());
        shared.fail(Failure::Removed {
            path: "run/f".into(),
        });
        let (error, first) = shared.collect().unwrap();
        assert!(first);
        assert_eq!(
            error.to_string(),
            "event file run/f was removed while the writer was running; \
             events given after this point were not written"
        );
        let (_, first) = shared.collect().unwrap();
        assert!(!first);
    }
}
