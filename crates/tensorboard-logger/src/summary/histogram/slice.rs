//! The CPU path: one pass over an `f32`/`f64` slice that buckets every value with the key
//! tables and gathers min, max, sum and sum of squares beside it, in pieces shared with the
//! helper threads for large slices.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use super::buckets::{NON_FINITE_SLOT, SLOTS, TABLES, Tables};
use super::helpers;
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
/// Distance between lanes: one cache line more than their length, so that the same slot in
/// two lanes is not 8 KiB apart (addresses equal modulo 4 KiB make the CPU wait on false
/// store-to-load dependencies; the padding took counting alone from 0.39 to 0.31 ns a value).
const LANE_STRIDE: usize = LANE_LEN + 16;
/// Values per group in [`grouped_pass`]: their slots fit a small buffer, and short groups let
/// the out-of-order core overlap one group's lookups with the previous group's increments
/// (64 was fastest of 32 to 1024 on the development machine).
#[cfg(any(target_arch = "x86_64", test))]
const GROUP: usize = 64;
/// Values a thread counts between drains of its lane counters: a `u32` lane counter cannot
/// overflow in that many.
const BLOCK: usize = 1 << 30;
/// Accumulators for the moments pass, wide enough for the compiler to vectorize.
const WIDTH: usize = 8;

/// Values per piece when a long slice is split between threads. Fixed rather than taken
/// from the core count, so that a slice's sums are added in one order, and come out the same
/// to the last bit, on every machine; small enough that a helper joining late still finds
/// pieces to take.
const PIECE: usize = 1 << 17;

/// The histogram of a slice.
///
/// A training loop waits for its summaries, so a long slice (a fully connected layer's weights
/// or gradients) is split into pieces that this thread and the [`helpers`] take in turn; a
/// helper whose core is busy (libtorch's OpenMP worker spin-waits after each operation) joins
/// late or not at all, and this thread takes what is left. Each thread counts its pieces into
/// its own [`Counter`] (counts add up the same in any order); the moments are kept per piece
/// and added in the pieces' order.
pub(crate) fn histogram<T: Sample>(values: &[T]) -> Result<HistogramData, HistogramError> {
    if values.is_empty() {
        return Err(HistogramError::Empty);
    }
    let pieces: Vec<&[T]> = values.chunks(PIECE).collect();
    let (totals, moments) = if pieces.len() == 1 {
        alone(&pieces)
    } else {
        shared(&pieces).unwrap_or_else(|| alone(&pieces))
    };
    let mut moments = moments.into_iter();
    let first = moments.next().ok_or(HistogramError::Empty)?;
    let whole = moments.fold(first, |a, b| Moments {
        min: a.min.min(b.min),
        max: a.max.max(b.max),
        sum: a.sum + b.sum,
        sum_squares: a.sum_squares + b.sum_squares,
    });
    HistogramData::from_slots(&totals, whole)
}

/// Every piece counted on this thread, in order.
fn alone<T: Sample>(pieces: &[&[T]]) -> (Box<[u64; SLOTS]>, Vec<Moments>) {
    let mut counter = Counter::new();
    let moments = pieces.iter().map(|piece| counter.count(piece)).collect();
    (counter.into_totals(), moments)
}

/// The pieces counted by this thread and the helpers that join; `None` if a helper's share
/// was lost to a panic (`Counter::count` does not panic on any input).
fn shared<T: Sample>(pieces: &[&[T]]) -> Option<(Box<[u64; SLOTS]>, Vec<Moments>)> {
    let moments: Vec<OnceLock<Moments>> = pieces.iter().map(|_| OnceLock::new()).collect();
    let counters = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    helpers::run(&|| {
        let mut counter = None;
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let (Some(piece), Some(cell)) = (pieces.get(i), moments.get(i)) else {
                break;
            };
            // Each index is taken once, so the cell is always empty here.
            let _ = cell.set(counter.get_or_insert_with(Counter::new).count(piece));
        }
        if let Some(counter) = counter {
            let totals = counter.into_totals();
            counters
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(totals);
        }
    });
    let moments = moments
        .into_iter()
        .map(OnceLock::into_inner)
        .collect::<Option<Vec<_>>>()?;
    let mut counters = counters
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter();
    let mut totals = counters.next()?;
    for other in counters {
        for (total, count) in totals.iter_mut().zip(other.iter()) {
            *total += count;
        }
    }
    Some((totals, moments))
}

/// One thread's counts: lane counters, drained into 64-bit totals before they could overflow.
struct Counter {
    lanes: Box<CountLanes>,
    totals: Box<[u64; SLOTS]>,
    /// Values counted into the lanes since they were last drained.
    pending: usize,
}

impl Counter {
    fn new() -> Counter {
        Counter {
            lanes: Box::new([[0; LANE_STRIDE]; LANES]),
            totals: Box::new([0; SLOTS]),
            pending: 0,
        }
    }

    /// Counts a piece (at most [`BLOCK`] values) and returns the moments of its finite values.
    ///
    /// The pass gathers moments without looking at finiteness, which keeps their lanes free
    /// of masking; in the rare piece that holds NaN or ±Inf (known from the non-finite count
    /// growing) they are gathered again by [`finite_moments`].
    fn count<T: Sample>(&mut self, piece: &[T]) -> Moments {
        self.count_with(piece, pass_dispatch)
    }

    /// [`Counter::count`] with the given pass (the tests run each build of it).
    #[inline(always)]
    fn count_with<T: Sample>(
        &mut self,
        piece: &[T],
        pass: fn(&[T], &mut CountLanes) -> Lanes,
    ) -> Moments {
        if self.pending + piece.len() > BLOCK {
            self.drain();
        }
        self.pending += piece.len();
        let non_finite = self.non_finite();
        let lanes_moments = pass(piece, &mut self.lanes);
        if self.non_finite() == non_finite {
            lanes_moments.total()
        } else {
            finite_moments(piece)
        }
    }

    /// Non-finite values in the lanes now.
    fn non_finite(&self) -> u64 {
        self.lanes
            .iter()
            .map(|lane| u64::from(lane[NON_FINITE_SLOT]))
            .sum()
    }

    /// Adds the lane counters into the totals and clears them.
    fn drain(&mut self) {
        for lane in self.lanes.iter_mut() {
            for (total, count) in self.totals.iter_mut().zip(lane.iter_mut()) {
                *total += u64::from(*count);
                *count = 0;
            }
        }
        self.pending = 0;
    }

    fn into_totals(mut self) -> Box<[u64; SLOTS]> {
        self.drain();
        self.totals
    }
}

/// Lane counters, [`LANES`] of them, each [`LANE_STRIDE`] long.
type CountLanes = [[u32; LANE_STRIDE]; LANES];

/// The histogram pass compiled for the CPU at hand: [`grouped_pass`] with AVX2 where the CPU
/// has it (the moments' conversions, minima and maxima then take four `f64` lanes per
/// instruction, and the `f32` key lookups become vector gathers), else [`one_pass`] for the
/// baseline x86-64 or the target's own default (without gathers, grouping only adds work).
#[allow(unsafe_code)] // Calling the AVX2 build is sound only after detecting AVX2 at run time.
fn pass_dispatch<T: Sample>(values: &[T], lanes: &mut CountLanes) -> Lanes {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has just been found to support AVX2, the one feature that
        // `pass_avx2` is compiled for.
        return unsafe { pass_avx2(values, lanes) };
    }
    one_pass(values, lanes)
}

/// [`grouped_pass`] compiled with AVX2; the arithmetic is the same IEEE operations in the
/// same order as [`one_pass`], so its results are bit for bit those of the baseline build.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn pass_avx2<T: Sample>(values: &[T], lanes: &mut CountLanes) -> Lanes {
    grouped_pass(values, lanes)
}

/// Counts every value into the lanes and gathers the moments lanes, reading each value once.
#[inline(always)]
fn one_pass<T: Sample>(values: &[T], lanes: &mut CountLanes) -> Lanes {
    let tables = &*TABLES;
    let mut lanes_moments = Lanes::new();
    let [a, b, c, d] = lanes;
    let mut chunks = values.chunks_exact(WIDTH);
    for chunk in &mut chunks {
        lanes_moments.add_all(chunk);
        a[chunk[0].slot(tables) & LANE_MASK] += 1;
        b[chunk[1].slot(tables) & LANE_MASK] += 1;
        c[chunk[2].slot(tables) & LANE_MASK] += 1;
        d[chunk[3].slot(tables) & LANE_MASK] += 1;
        a[chunk[4].slot(tables) & LANE_MASK] += 1;
        b[chunk[5].slot(tables) & LANE_MASK] += 1;
        c[chunk[6].slot(tables) & LANE_MASK] += 1;
        d[chunk[7].slot(tables) & LANE_MASK] += 1;
    }
    for (i, &v) in chunks.remainder().iter().enumerate() {
        lanes_moments.add(i, v.widen());
        a[v.slot(tables) & LANE_MASK] += 1;
    }
    lanes_moments
}

/// [`one_pass`] in groups of [`GROUP`] values: for each group the moments, then every slot
/// into a buffer (a loop of independent lookups, which the compiler vectorizes with gathers
/// when AVX2 is enabled), then the increments from the buffer. Same counts and the same
/// moments lanes and order as [`one_pass`].
#[cfg(any(target_arch = "x86_64", test))]
#[inline(always)]
fn grouped_pass<T: Sample>(values: &[T], lanes: &mut CountLanes) -> Lanes {
    let tables = &*TABLES;
    let mut lanes_moments = Lanes::new();
    let mut group_slots = [0u32; GROUP];
    // `GROUP` is a multiple of `WIDTH`, so every group starts at lane 0.
    let mut groups = values.chunks_exact(GROUP);
    for group in &mut groups {
        for chunk in group.chunks_exact(WIDTH) {
            lanes_moments.add_all(chunk);
        }
        for (slot, v) in group_slots.iter_mut().zip(group) {
            // Slots are below `SLOTS`, far below `u32::MAX`.
            *slot = v.slot(tables) as u32;
        }
        let [a, b, c, d] = &mut *lanes;
        for four in group_slots.chunks_exact(LANES) {
            a[four[0] as usize & LANE_MASK] += 1;
            b[four[1] as usize & LANE_MASK] += 1;
            c[four[2] as usize & LANE_MASK] += 1;
            d[four[3] as usize & LANE_MASK] += 1;
        }
    }
    for (i, &v) in groups.remainder().iter().enumerate() {
        lanes_moments.add(i % WIDTH, v.widen());
        lanes[0][v.slot(tables) & LANE_MASK] += 1;
    }
    lanes_moments
}

/// `WIDTH` running minima, maxima, sums and sums of squares (`f64`), value `i` of every
/// `WIDTH` going to lane `i`: independent lanes, which the compiler keeps in vector
/// registers, and one fixed order of additions for both passes.
struct Lanes {
    min: [f64; WIDTH],
    max: [f64; WIDTH],
    sum: [f64; WIDTH],
    sum_squares: [f64; WIDTH],
}

impl Lanes {
    fn new() -> Lanes {
        Lanes {
            min: [f64::INFINITY; WIDTH],
            max: [f64::NEG_INFINITY; WIDTH],
            sum: [0.0; WIDTH],
            sum_squares: [0.0; WIDTH],
        }
    }

    /// Adds `WIDTH` values, value `i` to lane `i`.
    #[inline(always)]
    fn add_all<T: Sample>(&mut self, chunk: &[T]) {
        for (i, v) in chunk.iter().enumerate().take(WIDTH) {
            self.add(i, v.widen());
        }
    }

    /// Adds one value to lane `i`. A NaN never replaces a minimum or maximum (the
    /// comparisons are false), but it and ±Inf do reach the sums, so the caller only keeps
    /// these totals when every value was finite.
    #[inline(always)]
    fn add(&mut self, i: usize, v: f64) {
        self.sum[i] += v;
        self.sum_squares[i] += v * v;
        self.min[i] = if v < self.min[i] { v } else { self.min[i] };
        self.max[i] = if v > self.max[i] { v } else { self.max[i] };
    }

    fn total(&self) -> Moments {
        Moments {
            min: self.min.into_iter().fold(f64::INFINITY, f64::min),
            max: self.max.into_iter().fold(f64::NEG_INFINITY, f64::max),
            sum: self.sum.into_iter().sum(),
            sum_squares: self.sum_squares.into_iter().sum(),
        }
    }
}

/// The moments of the finite values alone, NaN and ±Inf replaced by zero in the sums and
/// left out of min and max: the slower pass for stretches that hold them, adding in the
/// same lanes and order as [`one_pass`].
fn finite_moments<T: Sample>(values: &[T]) -> Moments {
    let mut lanes = Lanes::new();
    for chunk in values.chunks(WIDTH) {
        // Skipping a value is adding zero to the sums: a lane's sum starts at +0.0 and so is
        // never -0.0, the one number that adding +0.0 would change.
        for (i, v) in chunk.iter().enumerate() {
            let v = v.widen();
            if v.is_finite() {
                lanes.add(i, v);
            }
        }
    }
    lanes.total()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stretch's counts and moments.
    struct Part {
        slots: Box<[u64; SLOTS]>,
        moments: Moments,
    }

    /// A stretch counted as a one-piece histogram counts it, with the given pass.
    fn part_by<T: Sample>(pass: fn(&[T], &mut CountLanes) -> Lanes, values: &[T]) -> Part {
        let mut counter = Counter::new();
        let moments = counter.count_with(values, pass);
        Part {
            slots: counter.into_totals(),
            moments,
        }
    }

    /// The algorithm before the one pass, kept as the reference: each value's bucket by
    /// binary search over the edges (the number of edges `<= v`, TensorFlow's
    /// `upper_bound`), then a second pass over the values for the moments, NaN and ±Inf
    /// masked out, value `i` added to lane `i % WIDTH`.
    fn reference_part<T: Sample>(values: &[T]) -> Part {
        let mut slots = Box::new([0u64; SLOTS]);
        for v in values {
            let v = v.widen();
            let slot = if v.is_finite() {
                TABLES.edges.partition_point(|&e| e <= v)
            } else {
                NON_FINITE_SLOT
            };
            slots[slot] += 1;
        }
        let mut sum = [0.0f64; WIDTH];
        let mut sum_squares = [0.0f64; WIDTH];
        let mut min = [f64::INFINITY; WIDTH];
        let mut max = [f64::NEG_INFINITY; WIDTH];
        for (index, v) in values.iter().enumerate() {
            let (i, v) = (index % WIDTH, v.widen());
            let finite = v.is_finite();
            let z = if finite { v } else { 0.0 };
            sum[i] += z;
            sum_squares[i] += z * z;
            if finite && v < min[i] {
                min[i] = v;
            }
            if finite && v > max[i] {
                max[i] = v;
            }
        }
        let moments = Moments {
            min: min.into_iter().fold(f64::INFINITY, f64::min),
            max: max.into_iter().fold(f64::NEG_INFINITY, f64::max),
            sum: sum.into_iter().sum(),
            sum_squares: sum_squares.into_iter().sum(),
        };
        Part { slots, moments }
    }

    /// The reference over the same pieces as [`histogram`], added in their order.
    fn reference_histogram<T: Sample>(values: &[T]) -> Result<HistogramData, HistogramError> {
        let mut parts = values.chunks(PIECE).map(reference_part);
        let mut whole = parts.next().ok_or(HistogramError::Empty)?;
        for part in parts {
            for (total, count) in whole.slots.iter_mut().zip(part.slots.iter()) {
                *total += count;
            }
            let (a, b) = (&mut whole.moments, &part.moments);
            a.min = a.min.min(b.min);
            a.max = a.max.max(b.max);
            a.sum += b.sum;
            a.sum_squares += b.sum_squares;
        }
        HistogramData::from_slots(&whole.slots, whole.moments)
    }

    /// Every count, and min, max, sum and sum of squares bit for bit.
    fn assert_same_part(got: &Part, expected: &Part, what: &str) {
        for (slot, (g, e)) in got.slots.iter().zip(expected.slots.iter()).enumerate() {
            assert_eq!(g, e, "{what}: count of slot {slot}");
        }
        let bits = |m: &Moments| [m.min, m.max, m.sum, m.sum_squares].map(f64::to_bits);
        assert_eq!(
            bits(&got.moments),
            bits(&expected.moments),
            "{what}: [min, max, sum, sum of squares] {:?} vs {:?}",
            got.moments,
            expected.moments
        );
    }

    /// The one pass against the reference on a stretch, on every build the CPU runs
    /// (AVX2 and baseline) and as a whole histogram, in pieces.
    fn check<T: Sample>(values: &[T], what: &str) {
        let expected = reference_part(values);
        assert_same_part(&part_by(pass_dispatch, values), &expected, what);
        assert_same_part(&part_by(one_pass, values), &expected, what);
        assert_same_part(&part_by(grouped_pass, values), &expected, what);
        let histogram = histogram(values);
        let reference = reference_histogram(values);
        match (histogram, reference) {
            (Ok(h), Ok(r)) => {
                assert_eq!(h.bucket_limits, r.bucket_limits, "{what}");
                assert_eq!(h.bucket_counts, r.bucket_counts, "{what}");
                assert_eq!(h.non_finite, r.non_finite, "{what}");
                let bits = |h: &HistogramData| {
                    [h.min, h.max, h.num, h.sum, h.sum_squares].map(f64::to_bits)
                };
                assert_eq!(bits(&h), bits(&r), "{what}");
            }
            (Err(h), Err(r)) => assert_eq!(h.to_string(), r.to_string(), "{what}"),
            (h, r) => panic!("{what}: {h:?} vs the reference's {r:?}"),
        }
    }

    /// A small deterministic generator (xorshift64*), so failures reproduce.
    fn random_bits(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// The values that bucketing and the moments could get wrong, as `f32`.
    fn special_f32() -> Vec<f32> {
        let mut v = vec![
            f32::NAN,
            -f32::NAN,
            f32::from_bits(0x7fc0_1234),
            f32::from_bits(0xff80_0001),
            f32::INFINITY,
            f32::NEG_INFINITY,
            0.0,
            -0.0,
            f32::from_bits(1),
            -f32::from_bits(1),
            f32::from_bits(0x007f_ffff),
            -f32::from_bits(0x007f_ffff),
            1e-40,
            -1e-40,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            f32::MAX,
            f32::MIN,
            1e30,
            -1e30,
            1e20,
            -1e20,
            1e-12,
            -1e-12,
        ];
        // Every bucket limit rounded to f32 both ways, and its neighbours.
        for &edge in &TABLES.edges {
            let e = edge as f32;
            for x in [e, e.next_up(), e.next_down()] {
                v.extend([x, -x]);
            }
        }
        v
    }

    #[test]
    fn grouped_pass_matches_the_reference_with_special_values_anywhere_in_a_group() {
        // Two whole groups and a remainder; each special value once at every position.
        let len = 2 * GROUP + 3;
        let special = special_f32();
        let mut values: Vec<f32> = (0..len).map(|i| (i as f32 - 60.0) * 0.013).collect();
        for (n, &x) in special.iter().enumerate() {
            let at = n % len;
            let before = std::mem::replace(&mut values[at], x);
            check(&values, &format!("{x:e} at position {at} of {len}"));
            values[at] = before;
        }
    }

    #[test]
    fn one_pass_matches_the_reference_on_special_f32_values() {
        let special = special_f32();
        check(&special, "special f32 values");
        // Each special value alone, in a run of ordinary values, at every lane position
        // and in the remainder after the last whole lane group.
        for (n, &x) in special.iter().enumerate() {
            let mut values: Vec<f32> = (0..19).map(|i| (i as f32 - 9.0) * 0.37).collect();
            values[n % 19] = x;
            check(&values, &format!("{x:e} among ordinary values"));
        }
        // Only non-finite values: the error, from both.
        check(
            &[f32::NAN, f32::INFINITY, f32::NEG_INFINITY],
            "only non-finite",
        );
        check(&[-0.0_f32; 11], "only -0.0");
    }

    #[test]
    fn one_pass_matches_the_reference_on_special_f64_values() {
        let mut values: Vec<f64> = special_f32().into_iter().map(f64::from).collect();
        values.extend([
            5e-324,
            -5e-324,
            f64::MIN_POSITIVE,
            f64::from_bits(0x000f_ffff_ffff_ffff),
            1e-300,
            -1e-300,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::from_bits(0x7ff8_0000_0000_0001),
        ]);
        // Values exactly on every bucket limit, and their neighbours.
        for &edge in &TABLES.edges {
            values.extend([edge, edge.next_up(), edge.next_down(), -edge]);
        }
        check(&values, "special f64 values");
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        check(&finite, "finite special f64 values");
    }

    #[test]
    fn one_pass_matches_the_reference_on_millions_of_random_values() {
        let mut state = 0x5851_f42d_4c95_7f2d_u64;
        // Any bit pattern: every exponent, NaN and ±Inf included.
        let any: Vec<f32> = (0..2_000_003)
            .map(|_| f32::from_bits(random_bits(&mut state) as u32))
            .collect();
        check(&any, "random f32 bits");
        // Weights and activations: normal around zero, log-uniform magnitudes, ReLU zeros.
        let typical: Vec<f32> = (0..3_000_001)
            .map(|i| {
                let r = random_bits(&mut state);
                let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
                match i % 3 {
                    0 => ((unit - 0.5) * 0.2) as f32,
                    1 => {
                        (10f64.powf(unit * 34.0 - 13.0) * if r & 1 == 0 { 1.0 } else { -1.0 })
                            as f32
                    }
                    _ => (unit - 0.5).max(0.0) as f32,
                }
            })
            .collect();
        check(&typical, "typical f32 values");
        let wide: Vec<f64> = (0..1_000_001)
            .map(|i| {
                let r = random_bits(&mut state);
                if i % 2 == 0 {
                    f64::from_bits(r)
                } else {
                    let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
                    10f64.powf(unit * 34.0 - 13.0) * if r & 1 == 0 { 1.0 } else { -1.0 }
                }
            })
            .collect();
        check(&wide, "random f64 values");
        let finite: Vec<f64> = wide.iter().copied().filter(|v| v.is_finite()).collect();
        check(&finite, "random finite f64 values");
    }

    #[test]
    fn a_slice_split_into_pieces_counts_like_one_pass_and_the_same_every_time() {
        // Enough values for several pieces, with NaN and Inf near the end, in the last one.
        let n = 5 * PIECE + 123;
        let mut values: Vec<f32> = (0..n)
            .map(|i| ((i as f32) * 0.618_034).sin() * (1.0 + (i % 97) as f32))
            .collect();
        values[n - 2] = f32::NAN;
        values[n - 1] = f32::INFINITY;
        let one_pass = part_by(pass_dispatch, &values);
        let split = histogram(&values).expect("finite values present");
        // Which thread takes which piece varies from run to run; the result may not.
        for _ in 0..50 {
            assert_eq!(histogram(&values).expect("finite values present"), split);
        }
        check(&values, "pieces with NaN and Inf in the last");
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
