//! The CPU path: bucketing an `f32`/`f64` slice with the key tables, one pass for counts
//! and one vectorizable pass for min, max, sum and sum of squares.

use super::buckets::{NON_FINITE_SLOT, SLOTS, TABLES, Tables};
use super::{HistogramData, HistogramError, Moments};

/// A float type the slice path can bucket.
pub(crate) trait Sample: Copy {
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

/// The histogram of a slice.
pub(crate) fn histogram<T: Sample>(values: &[T]) -> Result<HistogramData, HistogramError> {
    if values.is_empty() {
        return Err(HistogramError::Empty);
    }
    let slots = count(values);
    // Without NaN and ±Inf (the usual case, known from the counts) the moments need no
    // masking, which makes that pass about twice as fast.
    let moments = if slots[NON_FINITE_SLOT] == 0 {
        moments::<T, false>(values)
    } else {
        moments::<T, true>(values)
    };
    HistogramData::from_slots(&slots, moments)
}

/// Counts per slot.
fn count<T: Sample>(values: &[T]) -> [u64; SLOTS] {
    let tables = &*TABLES;
    let mut totals = [0u64; SLOTS];
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
