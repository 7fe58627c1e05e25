//! The CPU path: bucketing an `f32`/`f64` slice with the key tables, one pass for counts
//! and one vectorizable pass for min, max, sum and sum of squares, split over the cores for
//! large slices.

use std::sync::LazyLock;

use super::buckets::{NON_FINITE_SLOT, SLOTS, TABLES, Tables};
use super::{HistogramData, HistogramError, Moments};

/// A float type the slice path can bucket.
pub(crate) trait Sample: Copy + Sync {
    /// The count slot of the value (its bucket, or the non-finite slot).
    fn slot(self, tables: &Tables) -> usize;
    /// The value as `f64` (exact for both float widths).
    fn widen(self) -> f64;
}

impl Sample for f32 {
    #[inline(always)]
    fn slot(self, tables: &Tables) -> usize {
        tables.slot_f32(self)
    }
    #[inline(always)]
    fn widen(self) -> f64 {
        f64::from(self)
    }
}

impl Sample for f64 {
    #[inline(always)]
    fn slot(self, tables: &Tables) -> usize {
        tables.slot_f64(self)
    }
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
}

/// Independent count arrays, so runs of equal buckets (a ReLU's zeros) do not serialize on
/// one counter's load-add-store.
const LANES: usize = 4;
/// Lane length: the slots rounded up to a power of two, so that masking a slot (a no-op,
/// slots are below `SLOTS`) proves the index in bounds and the hot loop has no bounds check.
const LANE_LEN: usize = SLOTS.next_power_of_two();
const LANE_MASK: usize = LANE_LEN - 1;
/// Values per block: a `u32` lane counter cannot overflow within one block.
const BLOCK: usize = 1 << 30;
/// Accumulators for the moments pass, wide enough for the compiler to vectorize.
const WIDTH: usize = 8;

/// Values per thread below which another thread costs more (about 30 µs to start) than it
/// saves (about 1.5 ns per value).
const VALUES_PER_THREAD: usize = 1 << 18;
/// Most threads one histogram uses.
const MAX_THREADS: usize = 8;

/// The cores this process may use, asked once: the answer reads cgroup files on Linux.
static CORES: LazyLock<usize> =
    LazyLock::new(|| std::thread::available_parallelism().map_or(1, |n| n.get()));

/// The histogram of a slice.
///
/// A training loop waits for its summaries, and libtorch's own threads sit idle meanwhile, so a
/// large slice (a fully connected layer's weights or gradients) is split over the cores.
pub(crate) fn histogram<T: Sample>(values: &[T]) -> Result<HistogramData, HistogramError> {
    if values.is_empty() {
        return Err(HistogramError::Empty);
    }
    let threads = (values.len() / VALUES_PER_THREAD).clamp(1, (*CORES).min(MAX_THREADS));
    let whole = if threads == 1 {
        Part::of(values)
    } else {
        let chunk = values.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let others: Vec<_> = values
                .chunks(chunk)
                .skip(1)
                .map(|rest| scope.spawn(|| Part::of(rest)))
                .collect();
            let mut whole = Part::of(&values[..chunk]);
            for other in others {
                // Part::of does not panic on any input; should it ever, the panic carries on here.
                let part = other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                whole.add(&part);
            }
            whole
        })
    };
    HistogramData::from_slots(&whole.slots, whole.moments)
}

/// The counts and moments of one stretch of values.
struct Part {
    slots: Box<[u64; SLOTS]>,
    moments: Moments,
}

impl Part {
    fn of<T: Sample>(values: &[T]) -> Part {
        let slots = count(values);
        // Without NaN and ±Inf (the usual case, known from the counts) the moments need no
        // masking, which makes that pass about twice as fast.
        let moments = if slots[NON_FINITE_SLOT] == 0 {
            moments::<T, false>(values)
        } else {
            moments::<T, true>(values)
        };
        Part { slots, moments }
    }

    /// Adds another stretch's counts and moments to this one's.
    fn add(&mut self, other: &Part) {
        for (total, count) in self.slots.iter_mut().zip(other.slots.iter()) {
            *total += count;
        }
        let (a, b) = (&mut self.moments, &other.moments);
        a.min = a.min.min(b.min);
        a.max = a.max.max(b.max);
        a.sum += b.sum;
        a.sum_squares += b.sum_squares;
    }
}

/// Counts per slot.
fn count<T: Sample>(values: &[T]) -> Box<[u64; SLOTS]> {
    let tables = &*TABLES;
    let mut totals = Box::new([0u64; SLOTS]);
    let mut lanes = Box::new([[0u32; LANE_LEN]; LANES]);
    for block in values.chunks(BLOCK) {
        {
            let [a, b, c, d] = &mut *lanes;
            let mut quads = block.chunks_exact(LANES);
            for q in &mut quads {
                a[q[0].slot(tables) & LANE_MASK] += 1;
                b[q[1].slot(tables) & LANE_MASK] += 1;
                c[q[2].slot(tables) & LANE_MASK] += 1;
                d[q[3].slot(tables) & LANE_MASK] += 1;
            }
            for &v in quads.remainder() {
                a[v.slot(tables) & LANE_MASK] += 1;
            }
        }
        for lane in lanes.iter_mut() {
            for (total, count) in totals.iter_mut().zip(lane.iter_mut()) {
                *total += u64::from(*count);
                *count = 0;
            }
        }
    }
    totals
}

/// Min, max, sum and sum of squares of the finite values (`f64` accumulators); with
/// `MASK` false, every value must be finite.
fn moments<T: Sample, const MASK: bool>(values: &[T]) -> Moments {
    let mut sum = [0.0f64; WIDTH];
    let mut sum_squares = [0.0f64; WIDTH];
    let mut min = [f64::INFINITY; WIDTH];
    let mut max = [f64::NEG_INFINITY; WIDTH];
    let mut add = |i: usize, v: f64| {
        let finite = !MASK || v.is_finite();
        let z = if finite { v } else { 0.0 };
        sum[i] += z;
        sum_squares[i] += z * z;
        min[i] = if finite && v < min[i] { v } else { min[i] };
        max[i] = if finite && v > max[i] { v } else { max[i] };
    };
    let mut chunks = values.chunks_exact(WIDTH);
    for chunk in &mut chunks {
        for (i, v) in chunk.iter().enumerate() {
            add(i, v.widen());
        }
    }
    for (i, v) in chunks.remainder().iter().enumerate() {
        add(i, v.widen());
    }
    Moments {
        min: min.into_iter().fold(f64::INFINITY, f64::min),
        max: max.into_iter().fold(f64::NEG_INFINITY, f64::max),
        sum: sum.into_iter().sum(),
        sum_squares: sum_squares.into_iter().sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_split_over_threads_counts_like_one_pass() {
        // Enough values for several threads, with NaN and Inf near the end, in the last part.
        let n = 5 * VALUES_PER_THREAD + 123;
        let mut values: Vec<f32> = (0..n)
            .map(|i| ((i as f32) * 0.618_034).sin() * (1.0 + (i % 97) as f32))
            .collect();
        values[n - 2] = f32::NAN;
        values[n - 1] = f32::INFINITY;
        let one_pass = Part::of(&values);
        let split = histogram(&values).expect("finite values present");
        let expected = HistogramData::from_slots(&one_pass.slots, one_pass.moments)
            .expect("finite values present");
        assert_eq!(split.bucket_counts, expected.bucket_counts);
        assert_eq!(split.bucket_limits, expected.bucket_limits);
        assert_eq!(split.non_finite, 2);
        assert_eq!((split.min, split.max), (expected.min, expected.max));
        assert!((split.sum - expected.sum).abs() <= 1e-9 * expected.sum_squares);
        assert!((split.sum_squares / expected.sum_squares - 1.0).abs() < 1e-12);
    }
}
