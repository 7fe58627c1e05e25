//! Threads that help a long histogram pass when they are free, and that it never waits on.
//!
//! A pass split over threads spawned for it waits for the last of them to start, and an idle
//! core of a virtual machine can take a quarter of a millisecond to wake: on the development
//! machine about half of the 1M-value histograms ran no faster on two threads than on one.
//! Here the calling thread takes pieces of the work from a shared counter like any helper,
//! so a helper that wakes late finds nothing left to take, and the caller waits only for
//! pieces already under way. The helpers are started once, one per other core, and sleep
//! between passes.

use std::sync::{Condvar, LazyLock, Mutex, MutexGuard, PoisonError};

/// Most helper threads, whatever the core count.
const MAX_HELPERS: usize = 7;

/// Work that takes pieces until none are left; every thread that joins runs it.
pub(crate) type Work<'a> = &'a (dyn Fn() + Sync);

/// The posted work, its lifetime erased: it is only called while [`State::job`] holds it or
/// by a helper counted in [`State::active`], and the poster waits for both to end first.
#[derive(Clone, Copy)]
struct Posted(*const (dyn Fn() + Sync + 'static));

// SAFETY: the pointee is `Sync`, so calling it from another thread is sound; how long it
// lives is the poster's promise, kept by `Withdraw`.
#[allow(unsafe_code)] // Sending a pointer to `Sync` work to the helpers.
unsafe impl Send for Posted {}

struct State {
    /// The work helpers may join now.
    job: Option<Posted>,
    /// Counts the posted jobs, so that a helper joins each one at most once.
    generation: u64,
    /// Helpers running the posted work.
    active: usize,
}

struct Pool {
    state: Mutex<State>,
    /// Wakes the helpers for a new job.
    posted: Condvar,
    /// Wakes the poster when the last active helper is done.
    idle: Condvar,
    /// How many helper threads were started.
    helpers: usize,
}

static POOL: LazyLock<Pool> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // A helper that cannot be started is one fewer helper, not an error.
    let helpers = (1..cores.min(MAX_HELPERS + 1))
        .filter(|n| {
            std::thread::Builder::new()
                .name(format!("histogram-helper-{n}"))
                .spawn(help)
                .is_ok()
        })
        .count();
    Pool {
        state: Mutex::new(State {
            job: None,
            generation: 0,
            active: 0,
        }),
        posted: Condvar::new(),
        idle: Condvar::new(),
        helpers,
    }
});

/// Runs `work` on this thread, with whichever helpers are free to join it, and returns when
/// every thread that joined is done. Another thread's pass in progress, or helpers still
/// finishing one, keep the helpers, and this one then runs alone: so the helpers that a
/// caller waits for are always its own.
pub(crate) fn run(work: Work<'_>) {
    let pool = &*POOL;
    if pool.helpers == 0 {
        work();
        return;
    }
    {
        let mut state = lock(pool);
        if state.job.is_some() || state.active > 0 {
            drop(state);
            work();
            return;
        }
        state.job = Some(erase(work));
        state.generation += 1;
    }
    pool.posted.notify_all();
    let _withdraw = Withdraw(pool);
    work();
}

/// Takes the posted work back and waits for the helpers running it, also when the
/// caller's own share panics.
struct Withdraw(&'static Pool);

impl Drop for Withdraw {
    fn drop(&mut self) {
        let mut state = lock(self.0);
        state.job = None;
        while state.active > 0 {
            state = self
                .0
                .idle
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Leaves the active count when a helper's share ends, also by a panic.
struct Leave(&'static Pool);

impl Drop for Leave {
    fn drop(&mut self) {
        let mut state = lock(self.0);
        state.active -= 1;
        if state.active == 0 {
            self.0.idle.notify_all();
        }
    }
}

/// A helper thread: joins each posted job once, for as long as it is posted.
fn help() {
    let pool = &*POOL;
    let mut seen = 0;
    let mut state = lock(pool);
    loop {
        let job = loop {
            match state.job {
                Some(job) if state.generation != seen => break job,
                _ => {
                    state = pool
                        .posted
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner)
                }
            }
        };
        seen = state.generation;
        state.active += 1;
        drop(state);
        let leave = Leave(pool);
        call(job);
        drop(leave);
        state = lock(pool);
    }
}

#[allow(unsafe_code)] // Erasing the work's lifetime; `Withdraw` outlives every use.
fn erase(work: Work<'_>) -> Posted {
    // SAFETY: only the lifetime changes. The pointer is called by helpers that joined while
    // it was posted, and `run` withdraws it and waits for them before `work` goes away.
    Posted(unsafe {
        std::mem::transmute::<*const (dyn Fn() + Sync + '_), *const (dyn Fn() + Sync + 'static)>(
            work,
        )
    })
}

#[allow(unsafe_code)] // Calling posted work, alive while this helper is counted as active.
fn call(job: Posted) {
    // SAFETY: the caller counted itself in `active` while the job was posted; the poster
    // does not return, and the work stays alive, until `active` is back to zero.
    unsafe { (*job.0)() }
}

/// The pool's state, whether or not a thread panicked while holding it: every change to it
/// is a single assignment, so it is never left half-made.
fn lock(pool: &Pool) -> MutexGuard<'_, State> {
    pool.state.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_piece_is_taken_once_and_the_caller_returns_after_the_helpers() {
        for _ in 0..200 {
            let pieces: Vec<AtomicUsize> = (0..16).map(|_| AtomicUsize::new(0)).collect();
            let next = AtomicUsize::new(0);
            // Threads inside this job's work; other tests share the pool meanwhile.
            let inside = AtomicUsize::new(0);
            run(&|| {
                inside.fetch_add(1, Ordering::SeqCst);
                while let Some(piece) = pieces.get(next.fetch_add(1, Ordering::Relaxed)) {
                    std::hint::black_box((0..2_000).sum::<u64>());
                    piece.fetch_add(1, Ordering::Relaxed);
                }
                inside.fetch_sub(1, Ordering::SeqCst);
            });
            assert_eq!(inside.load(Ordering::SeqCst), 0);
            let taken: Vec<usize> = pieces.iter().map(|p| p.load(Ordering::Relaxed)).collect();
            assert_eq!(taken, vec![1; 16]);
        }
    }

    #[test]
    fn passes_on_several_threads_at_once_all_finish() {
        let total = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..100 {
                        let next = AtomicUsize::new(0);
                        run(&|| {
                            while next.fetch_add(1, Ordering::Relaxed) < 8 {
                                total.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                    }
                });
            }
        });
        assert_eq!(total.load(Ordering::Relaxed), 4 * 100 * 8);
    }
}
