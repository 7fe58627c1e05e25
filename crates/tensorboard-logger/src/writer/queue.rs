//! The bounded queue from the callers to the writer thread. The thread takes whole batches
//! and is woken only when there is work worth waking for, so a caller logging every step
//! pays for a short lock and a push, not for waking a thread per event.
//!
//! A caller wakes the thread when it queues something urgent (a flush, the close), when
//! the queue reaches its wake length, or when the thread sleeps with nothing to flush.
//! Otherwise the items wait for the thread's flush deadline: they would not reach the
//! file before it anyway.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The writer thread has ended; nothing takes items any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ended;

/// How long the writer thread lets queued items wait before taking them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// It has nothing to flush: it takes the first item that comes.
    ForFirstItem,
    /// Until its flush deadline (`None`: none), unless the queue reaches its wake length
    /// or holds something urgent.
    Until(Option<Instant>),
}

/// A bounded queue of `T` with one taker, the writer thread.
pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
    /// The writer thread waits here for work.
    work: Condvar,
    /// Callers wait here for room.
    room: Condvar,
    capacity: usize,
    /// Queue length at which a caller wakes the writer thread.
    wake_at: usize,
}

struct State<T> {
    items: Vec<T>,
    /// Something queued must not wait.
    urgent: bool,
    /// How the writer thread waits; `None` while it works or has been woken.
    waiting: Option<Wait>,
    /// Callers waiting for room.
    waiting_for_room: usize,
    ended: bool,
}

impl<T> std::fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("capacity", &self.capacity)
            .field("wake_at", &self.wake_at)
            .finish_non_exhaustive()
    }
}

impl<T> Queue<T> {
    /// A queue holding at most `capacity` items (at least 1) that wakes its taker at
    /// `wake_at` items (clamped to `1..=capacity`).
    pub(crate) fn new(capacity: usize, wake_at: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            state: Mutex::new(State {
                items: Vec::new(),
                urgent: false,
                waiting: None,
                waiting_for_room: 0,
                ended: false,
            }),
            work: Condvar::new(),
            room: Condvar::new(),
            capacity,
            wake_at: wake_at.clamp(1, capacity),
        }
    }

    /// Queues `item`, first waiting for room while the queue is full.
    pub(crate) fn push(&self, item: T, urgent: bool) -> Result<(), Ended> {
        let mut state = self.lock();
        while state.items.len() >= self.capacity && !state.ended {
            // A full queue is past the wake length, so the thread is awake or being
            // woken; waking it here only guards against a lost wake-up.
            self.wake(&mut state);
            state.waiting_for_room += 1;
            state = self
                .room
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.waiting_for_room -= 1;
        }
        if state.ended {
            return Err(Ended);
        }
        state.items.push(item);
        state.urgent |= urgent;
        let wake = match state.waiting {
            None => false,
            Some(Wait::ForFirstItem) => true,
            Some(Wait::Until(_)) => state.urgent || state.items.len() >= self.wake_at,
        };
        if wake {
            self.wake(&mut state);
        }
        Ok(())
    }

    /// Waits as `wait` says, then moves every queued item into the empty `batch`.
    pub(crate) fn take(&self, batch: &mut Vec<T>, wait: Wait) {
        debug_assert!(batch.is_empty(), "the last batch was not drained");
        let mut state = self.lock();
        loop {
            let ready = state.urgent
                || state.items.len() >= self.wake_at
                || (wait == Wait::ForFirstItem && !state.items.is_empty());
            if ready {
                break;
            }
            state.waiting = Some(wait);
            state = match wait {
                Wait::ForFirstItem | Wait::Until(None) => self
                    .work
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Wait::Until(Some(deadline)) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left == Duration::ZERO {
                        break;
                    }
                    let waited = self.work.wait_timeout(state, left);
                    waited.unwrap_or_else(PoisonError::into_inner).0
                }
            };
        }
        state.waiting = None;
        state.urgent = false;
        std::mem::swap(&mut state.items, batch);
        if state.waiting_for_room > 0 {
            self.room.notify_all();
        }
    }

    /// Marks the taker gone: queued items are dropped (a waiting `flush` learns so from
    /// its dropped answer channel) and every later `push` fails.
    pub(crate) fn end(&self) {
        let mut state = self.lock();
        state.ended = true;
        state.items.clear();
        self.room.notify_all();
    }

    /// Wakes the writer thread if it waits, once: later pushes see it woken.
    fn wake(&self, state: &mut State<T>) {
        if state.waiting.take().is_some() {
            self.work.notify_one();
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::thread;

    /// Longer than any wait a test expects to end by a wake-up: a lost wake-up fails the
    /// test after it, rather than hanging.
    const PATIENCE: Duration = Duration::from_secs(60);

    /// Takes batches until it has `total` items, as the writer thread would, on another
    /// thread; returns them, or panics if that takes longer than `PATIENCE`.
    fn taker(queue: &Arc<Queue<u32>>, total: usize, wait: Wait) -> impl FnOnce() -> Vec<u32> {
        let (done, result) = std::sync::mpsc::channel();
        let queue = queue.clone();
        thread::spawn(move || {
            let (mut all, mut batch) = (Vec::new(), Vec::new());
            while all.len() < total {
                queue.take(&mut batch, wait);
                all.append(&mut batch);
            }
            let _ = done.send(all);
        });
        move || {
            result
                .recv_timeout(PATIENCE)
                .expect("the taker was not woken")
        }
    }

    #[test]
    fn items_arrive_in_order_through_a_tiny_queue() {
        let queue = Arc::new(Queue::new(3, 2));
        let taken = taker(&queue, 10_000, Wait::Until(None));
        for i in 0..10_000 {
            // The last one must be urgent: the taker waits for wake-ups only.
            queue.push(i, i == 9_999).unwrap();
        }
        assert_eq!(taken(), (0..10_000).collect::<Vec<_>>());
    }

    #[test]
    fn below_the_wake_length_items_wait_for_the_deadline() {
        let queue = Queue::new(8, 4);
        queue.push(1, false).unwrap();
        let mut batch = Vec::new();
        let start = Instant::now();
        queue.take(
            &mut batch,
            Wait::Until(Some(start + Duration::from_millis(50))),
        );
        assert!(start.elapsed() >= Duration::from_millis(50));
        assert_eq!(batch, [1]);
    }

    #[test]
    fn an_urgent_item_or_the_wake_length_wakes_the_taker() {
        let queue = Arc::new(Queue::new(8, 4));
        for (pushes, urgent_last) in [(1, true), (4, false)] {
            let taken = taker(&queue, pushes, Wait::Until(None));
            for i in 0..pushes {
                queue
                    .push(i as u32, urgent_last && i + 1 == pushes)
                    .unwrap();
            }
            assert_eq!(taken().len(), pushes);
        }
    }

    #[test]
    fn an_idle_taker_takes_the_first_item() {
        let queue = Arc::new(Queue::new(8, 4));
        let taken = taker(&queue, 1, Wait::ForFirstItem);
        queue.push(7, false).unwrap();
        assert_eq!(taken(), [7]);
    }

    #[test]
    fn after_the_end_pushes_fail_and_waiting_callers_return() {
        let queue = Arc::new(Queue::new(1, 1));
        queue.push(1, false).unwrap();
        let blocked = {
            let queue = queue.clone();
            thread::spawn(move || queue.push(2, false))
        };
        while queue.lock().waiting_for_room == 0 {
            thread::yield_now();
        }
        queue.end();
        assert_eq!(blocked.join().unwrap(), Err(Ended));
        assert_eq!(queue.push(3, true), Err(Ended));
        assert!(queue.lock().items.is_empty());
    }
}
