//! The fixed bucket edges and the lookup tables that find a value's bucket from its bits.
//!
//! The edges are TensorFlow's legacy default (also torch.utils.tensorboard's `default_bins`):
//! `0`, and `±1e-12·1.1^k` for every `k` with `1e-12·1.1^k < 1e20`, each power built by
//! repeated multiplication in `f64` exactly as those two libraries build it (774 positive
//! edges, 1549 in all). Bucket `b` holds the values `v` with `edge[b-1] <= v < edge[b]`
//! (TensorFlow's `upper_bound` rule), so bucket 0 is everything below `-edge`, bucket 775 is
//! `[0, 1e-12)` and bucket 1549 is everything from the largest edge up.
//!
//! Finding a bucket by binary search over 1549 edges costs ~11 dependent comparisons per
//! value. Instead the top bits of a float (sign, exponent and the first four mantissa bits)
//! pick a *key*: the keyed range of magnitudes spans a factor of at most 17/16 < 1.1, so it
//! holds at most one edge, and one comparison against that edge finishes the job:
//! `bucket = base[key] + (value >= threshold[key])`. The CPU slice path and the tch tensor
//! path both use these same tables and comparisons, which is why they agree bucket for bucket.
//!
//! For `f32` the CPU path reads a packed form of the same table: one `u32` per key holding the
//! base and the comparison moved into the integer domain (`low bits >= cut`), so a lookup is
//! one 4-byte load and integer operations, which the compiler turns into vector gathers.

use std::sync::LazyLock;

/// Number of positive edges (`1e-12·1.1^k < 1e20`).
pub(crate) const POSITIVE_EDGES: usize = 774;
/// Number of edges: the negatives, zero and the positives.
pub(crate) const EDGES: usize = 2 * POSITIVE_EDGES + 1;
/// Number of buckets: one more than edges, the outermost two being open-ended.
pub(crate) const BUCKETS: usize = EDGES + 1;
/// The count slot after the buckets, where NaN and ±Inf are counted.
pub(crate) const NON_FINITE_SLOT: usize = BUCKETS;
/// Count slots: every bucket, plus the non-finite slot.
pub(crate) const SLOTS: usize = BUCKETS + 1;

/// Bucket of `+0.0` (and `-0.0`): the number of edges `<= 0`.
const ZERO_BUCKET: usize = POSITIVE_EDGES + 1;

/// `f32` keys: `bits >> 19` is sign, exponent and 4 mantissa bits, 8192 keys; the keys with
/// an all-ones exponent are the non-finite values.
pub(crate) const F32_KEY_SHIFT: u32 = 19;
/// Number of `f32` keys.
pub(crate) const F32_KEYS: usize = 1 << (32 - F32_KEY_SHIFT);
/// The bits of an `f32` below its key.
const F32_LOW_MASK: u32 = (1 << F32_KEY_SHIFT) - 1;
/// Where a packed `f32` entry keeps its base bucket; the bits below hold the cut.
const PACKED_BASE_SHIFT: u32 = F32_KEY_SHIFT + 1;
/// The cut of a packed `f32` entry: `0..=1 << F32_KEY_SHIFT`, the last meaning "never".
const PACKED_CUT_MASK: u32 = (1 << PACKED_BASE_SHIFT) - 1;

/// `f64` keys: magnitude bits `>> 48` (exponent and 4 mantissa bits), clamped to the range
/// that matters, plus the sign; non-finite values are told apart by a separate check.
pub(crate) const F64_KEY_SHIFT: u32 = 48;

/// One key's entry: a value `v` with this key lies in bucket `base + (v >= threshold)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry<T> {
    pub threshold: T,
    pub base: u32,
}

/// The edges and both key tables, built once.
pub(crate) struct Tables {
    /// All 1549 edges, increasing.
    pub edges: Vec<f64>,
    /// `f32` entries indexed by `bits >> 19`: the tensor path's thresholds and bases (the
    /// slice path reads [`Tables::f32_packed`]).
    #[cfg(any(feature = "tch", test))]
    pub f32: Box<[Entry<f32>; F32_KEYS]>,
    /// The same `f32` entries packed for the CPU path, see [`packed_entry`].
    pub f32_packed: Box<[u32; F32_KEYS]>,
    /// `f64` entries indexed by [`Tables::f64_key`].
    pub f64: Vec<Entry<f64>>,
    /// Smallest magnitude key in the `f64` table; smaller magnitudes clamp to it.
    pub f64_lo: u64,
    /// Largest magnitude key in the `f64` table; larger finite magnitudes clamp to it.
    pub f64_hi: u64,
}

/// The shared tables.
pub(crate) static TABLES: LazyLock<Tables> = LazyLock::new(Tables::build);

/// The positive edges, built like TensorFlow and torch build them.
fn positive_edges() -> Vec<f64> {
    let mut edges = Vec::with_capacity(POSITIVE_EDGES);
    let mut v = 1e-12_f64;
    while v < 1e20 {
        edges.push(v);
        v *= 1.1;
    }
    edges
}

/// The entry for magnitudes in `[start, end)` (`start >= 0`) with the given sign.
///
/// `positive` holds the positive edges; `n0` below is how many of them lie under `start`.
/// The next one, if any, is the only one that can lie in the range.
fn entry(positive: &[f64], negative: bool, start: f64) -> Entry<f64> {
    let n0 = positive.partition_point(|&p| p < start);
    let n = positive.len();
    if !negative {
        // Non-negative v: bucket = 775 + #(positive edges <= v).
        let threshold = positive.get(n0).copied().unwrap_or(f64::INFINITY);
        return Entry {
            threshold,
            base: (ZERO_BUCKET + n0) as u32,
        };
    }
    if start == 0.0 {
        // The range holding -0.0 (which equals 0 and belongs to the zero bucket) and
        // negatives too small to reach -1e-12 (the bucket just below zero).
        return Entry {
            threshold: -0.0,
            base: (ZERO_BUCKET - 1) as u32,
        };
    }
    if n0 == n {
        // Below the most negative edge: bucket 0, whatever the comparison says.
        return Entry {
            threshold: f64::INFINITY,
            base: 0,
        };
    }
    // Negative v = -a: bucket = #(edges <= v) = 774 - #(p < a)
    //                        = 773 - n0 + (v >= -p[n0]).
    Entry {
        threshold: -positive[n0],
        base: (ZERO_BUCKET - 2 - n0) as u32,
    }
}

/// The smallest `f32` that is `>= x`: for an `f32` value `v`, `v >= x` exactly when
/// `v >= round_up_f32(x)`, so `f32` values compare against `f64` edges without widening.
fn round_up_f32(x: f64) -> f32 {
    let r = x as f32;
    if f64::from(r) < x { r.next_up() } else { r }
}

/// The low bits of an `f32`, flipped for negative values: among the values that share a key
/// (one sign), a larger value has larger flipped low bits.
#[inline(always)]
fn ordered_low(bits: u32) -> u32 {
    (bits ^ ((bits as i32 >> 31) as u32)) & F32_LOW_MASK
}

/// The packed form of key `key`'s entry: `base << PACKED_BASE_SHIFT | cut`, where `cut` is the
/// smallest [`ordered_low`] at which a value with this key reaches the threshold (`1 << 19`
/// when none does: NaN keys and keys wholly below their threshold).
///
/// `value >= threshold` can only turn from false to true as the ordered low bits grow, so the
/// cut is found by bisection over the key's own values and is exact by construction.
fn packed_entry(key: u32, entry: Entry<f32>) -> u32 {
    let flip = if key >> (31 - F32_KEY_SHIFT) == 1 {
        F32_LOW_MASK
    } else {
        0
    };
    let reaches =
        |low: u32| f32::from_bits((key << F32_KEY_SHIFT) | (low ^ flip)) >= entry.threshold;
    let (mut lo, mut hi) = (0, 1 << F32_KEY_SHIFT);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if reaches(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    (entry.base << PACKED_BASE_SHIFT) | lo
}

impl Tables {
    fn build() -> Tables {
        let positive = positive_edges();
        debug_assert_eq!(positive.len(), POSITIVE_EDGES);
        let mut edges: Vec<f64> = positive.iter().rev().map(|&p| -p).collect();
        edges.push(0.0);
        edges.extend_from_slice(&positive);

        let f32_entries: Vec<Entry<f32>> = (0..F32_KEYS as u32)
            .map(|key| {
                let magnitude_key = key & (F32_KEYS as u32 / 2 - 1);
                let negative = key != magnitude_key;
                let start = f32::from_bits(magnitude_key << F32_KEY_SHIFT);
                if !start.is_finite() {
                    return Entry {
                        threshold: f32::NAN,
                        base: NON_FINITE_SLOT as u32,
                    };
                }
                let e = entry(&positive, negative, f64::from(start));
                Entry {
                    threshold: round_up_f32(e.threshold),
                    base: e.base,
                }
            })
            .collect();
        let f32_packed = (0..F32_KEYS as u32)
            .zip(&f32_entries)
            .map(|(key, &entry)| packed_entry(key, entry))
            .collect::<Vec<u32>>()
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("exactly F32_KEYS entries were packed"));
        #[cfg(any(feature = "tch", test))]
        let f32 = f32_entries
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("exactly F32_KEYS entries were built"));

        // The f64 key range: one key wholly below the smallest edge, one wholly above the
        // largest; everything outside clamps onto those two, which bucket it correctly.
        let f64_lo = (positive[0].to_bits() >> F64_KEY_SHIFT) - 1;
        let f64_hi = (positive[POSITIVE_EDGES - 1].to_bits() >> F64_KEY_SHIFT) + 1;
        let per_sign = (f64_hi - f64_lo + 1) as usize;
        let mut f64_entries = Vec::with_capacity(2 * per_sign);
        for negative in [false, true] {
            for magnitude_key in f64_lo..=f64_hi {
                // The lowest key stands for every smaller magnitude, zero included.
                let start = if magnitude_key == f64_lo {
                    0.0
                } else {
                    f64::from_bits(magnitude_key << F64_KEY_SHIFT)
                };
                f64_entries.push(entry(&positive, negative, start));
            }
        }
        Tables {
            edges,
            #[cfg(any(feature = "tch", test))]
            f32,
            f32_packed,
            f64: f64_entries,
            f64_lo,
            f64_hi,
        }
    }

    /// Number of `f64` keys per sign.
    pub(crate) fn f64_keys_per_sign(&self) -> u64 {
        self.f64_hi - self.f64_lo + 1
    }

    /// The `f64` table index of a finite value's bits.
    #[inline(always)]
    pub(crate) fn f64_key(&self, bits: u64) -> usize {
        let magnitude = (bits & !(1 << 63)) >> F64_KEY_SHIFT;
        let sign = bits >> 63;
        (magnitude.clamp(self.f64_lo, self.f64_hi) - self.f64_lo + sign * self.f64_keys_per_sign())
            as usize
    }

    /// The `f32` thresholds alone, in key order, to upload to a tensor's device.
    #[cfg(feature = "tch")]
    pub(crate) fn f32_thresholds(&self) -> Vec<f32> {
        self.f32.iter().map(|e| e.threshold).collect()
    }

    /// The `f64` thresholds alone, in key order, to upload to a tensor's device.
    #[cfg(feature = "tch")]
    pub(crate) fn f64_thresholds(&self) -> Vec<f64> {
        self.f64.iter().map(|e| e.threshold).collect()
    }

    /// The right edge of bucket `b`; the last bucket is open, TensorFlow writes `f64::MAX`.
    pub(crate) fn right_limit(&self, bucket: usize) -> f64 {
        self.edges.get(bucket).copied().unwrap_or(f64::MAX)
    }

    /// The count slot of an `f32` value: its bucket, or [`NON_FINITE_SLOT`].
    #[inline(always)]
    pub(crate) fn slot_f32(&self, v: f32) -> usize {
        let bits = v.to_bits();
        let packed = self.f32_packed[(bits >> F32_KEY_SHIFT) as usize];
        (packed >> PACKED_BASE_SHIFT) as usize
            + usize::from(ordered_low(bits) >= packed & PACKED_CUT_MASK)
    }

    /// The count slot of an `f64` value: its bucket, or [`NON_FINITE_SLOT`].
    #[inline(always)]
    pub(crate) fn slot_f64(&self, v: f64) -> usize {
        if !v.is_finite() {
            return NON_FINITE_SLOT;
        }
        let e = self.f64[self.f64_key(v.to_bits())];
        e.base as usize + usize::from(v >= e.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: the number of edges `<= v` (C++ `std::upper_bound`, as TensorFlow's
    /// `Histogram::Add` finds a bucket).
    fn reference_slot(v: f64) -> usize {
        if !v.is_finite() {
            return NON_FINITE_SLOT;
        }
        TABLES.edges.partition_point(|&e| e <= v)
    }

    /// A small deterministic generator (xorshift64*), so failures reproduce.
    fn random_bits(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    #[test]
    fn edges_match_tensorflow_default() {
        let edges = &TABLES.edges;
        assert_eq!(edges.len(), EDGES);
        // The middle edge is zero and the smallest positive is exactly 1e-12.
        assert_eq!(edges[POSITIVE_EDGES], 0.0);
        assert_eq!(edges[POSITIVE_EDGES + 1], 1e-12);
        assert_eq!(edges[POSITIVE_EDGES - 1], -1e-12);
        // The loop stops below 1e20: the largest edge is within one factor 1.1 of it.
        let largest = edges[EDGES - 1];
        assert!(largest < 1e20 && largest * 1.1 >= 1e20, "{largest}");
        assert_eq!(edges[0], -largest);
        assert!(edges.windows(2).all(|w| w[0] < w[1]));
        // From running torch.utils.tensorboard's bin loop in Python 3.11 (`v = 1e-12`,
        // `v *= 1.1` while `v < 1e20`, negatives reversed, zero, positives):
        // `len(bins) == 1549`, `bins[875] == 1.3780612339822385e-08`,
        // `bins[-1] == 9.920775621859783e+19`.
        assert_eq!(edges[875], 1.378_061_233_982_238_5e-8);
        assert_eq!(largest, 9.920_775_621_859_783e19);
    }

    #[test]
    fn key_ranges_hold_at_most_one_edge() {
        // The premise of the one-comparison lookup, checked for every f32 key and every f64
        // magnitude key in the table.
        let positive = &TABLES.edges[POSITIVE_EDGES + 1..];
        let edges_in = |start: f64, end: f64| {
            positive.partition_point(|&p| p < end) - positive.partition_point(|&p| p < start)
        };
        // Finite f32 magnitudes: keys below the all-ones exponent (0xFF << 4).
        for key in 0..0xFF0_u32 {
            let start = f64::from(f32::from_bits(key << F32_KEY_SHIFT));
            let end = f64::from(f32::from_bits((key + 1) << F32_KEY_SHIFT));
            assert!(edges_in(start, end) <= 1, "f32 key {key}");
        }
        for key in TABLES.f64_lo..=TABLES.f64_hi {
            let start = f64::from_bits(key << F64_KEY_SHIFT);
            let end = f64::from_bits((key + 1) << F64_KEY_SHIFT);
            assert!(edges_in(start, end) <= 1, "f64 key {key}");
        }
        // And the ranges holding -0.0 lie wholly above -1e-12, as `entry` assumes.
        assert!(f64::from(f32::from_bits(1 << F32_KEY_SHIFT)) < 1e-12);
        assert!(f64::from_bits(TABLES.f64_lo << F64_KEY_SHIFT) < 1e-12);
    }

    #[test]
    fn f32_slots_match_binary_search() {
        let mut checked = 0usize;
        let mut check = |v: f32| {
            assert_eq!(
                TABLES.slot_f32(v),
                reference_slot(f64::from(v)),
                "value {v:e}"
            );
            checked += 1;
        };
        // Every edge, rounded both ways to f32, and three neighbours each side.
        for &edge in &TABLES.edges {
            for start in [round_up_f32(edge), edge as f32] {
                let (mut up, mut down) = (start, start);
                for _ in 0..4 {
                    check(up);
                    check(down);
                    up = up.next_up();
                    down = down.next_down();
                }
            }
        }
        // Every key boundary and its neighbours.
        for key in 0..F32_KEYS as u32 {
            let start = f32::from_bits(key << F32_KEY_SHIFT);
            check(start);
            check(start.next_up());
            check(start.next_down());
        }
        for v in [0.0, -0.0, 1e-45, -1e-45, 1e-40, -1e-40, f32::MIN, f32::MAX] {
            check(v);
        }
        for v in [f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            check(v);
        }
        let mut state = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            check(f32::from_bits(random_bits(&mut state) as u32));
        }
        assert!(checked > 200_000);
    }

    #[test]
    fn packed_f32_entries_decide_like_the_thresholds() {
        // Within a key both rules are monotone in the ordered low bits (the packed one is a
        // step at the cut), so agreeing on each side of the cut proves them equal on every
        // value of the key: 2^32 values in 8192 pairs.
        let mut steps = 0;
        for key in 0..F32_KEYS as u32 {
            let entry = TABLES.f32[key as usize];
            let packed = TABLES.f32_packed[key as usize];
            assert_eq!(packed >> PACKED_BASE_SHIFT, entry.base, "base of key {key}");
            let cut = packed & PACKED_CUT_MASK;
            assert!(cut <= 1 << F32_KEY_SHIFT, "cut {cut} of key {key}");
            let flip = if key >= F32_KEYS as u32 / 2 {
                F32_LOW_MASK
            } else {
                0
            };
            let value = |low: u32| f32::from_bits((key << F32_KEY_SHIFT) | (low ^ flip));
            for low in [0, cut.wrapping_sub(1), cut, F32_LOW_MASK] {
                if low <= F32_LOW_MASK {
                    let v = value(low);
                    assert_eq!(ordered_low(v.to_bits()), low, "key {key}");
                    assert_eq!(
                        TABLES.slot_f32(v),
                        entry.base as usize + usize::from(v >= entry.threshold),
                        "key {key}, value {v:e}"
                    );
                }
            }
            if (1..=F32_LOW_MASK).contains(&cut) {
                steps += 1;
            }
        }
        // One key per edge (each edge lies in exactly one f32 key's range), plus the key
        // holding -0.0, whose step is -0.0 itself.
        assert_eq!(steps, EDGES, "keys whose bucket changes inside the key");
    }

    #[test]
    fn f64_slots_match_binary_search() {
        let check = |v: f64| {
            assert_eq!(TABLES.slot_f64(v), reference_slot(v), "value {v:e}");
        };
        for &edge in &TABLES.edges {
            let (mut up, mut down) = (edge, edge);
            for _ in 0..4 {
                check(up);
                check(down);
                up = up.next_up();
                down = down.next_down();
            }
        }
        for magnitude_key in TABLES.f64_lo..=TABLES.f64_hi + 1 {
            for sign in [0, 1u64 << 63] {
                let start = f64::from_bits((magnitude_key << F64_KEY_SHIFT) | sign);
                check(start);
                check(start.next_up());
                check(start.next_down());
            }
        }
        for v in [
            0.0,
            -0.0,
            5e-324,
            -5e-324,
            1e-300,
            -1e-300,
            f64::MIN,
            f64::MAX,
        ] {
            check(v);
        }
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            check(v);
        }
        let mut state = 0x0123_4567_89ab_cdef;
        for _ in 0..200_000 {
            check(f64::from_bits(random_bits(&mut state)));
        }
        // Random values in the range where the edges are dense.
        for _ in 0..200_000 {
            let unit = (random_bits(&mut state) >> 11) as f64 / (1u64 << 53) as f64;
            let v = 10f64.powf(unit * 34.0 - 13.0);
            check(v);
            check(-v);
        }
    }

    #[test]
    fn zero_buckets() {
        // +0 and -0 are equal, so both land in [0, 1e-12); the smallest negative denormal
        // lands in [-1e-12, 0).
        assert_eq!(TABLES.slot_f32(0.0), ZERO_BUCKET);
        assert_eq!(TABLES.slot_f32(-0.0), ZERO_BUCKET);
        assert_eq!(TABLES.slot_f32(-1e-45), ZERO_BUCKET - 1);
        assert_eq!(TABLES.slot_f64(-0.0), ZERO_BUCKET);
        assert_eq!(TABLES.slot_f64(-5e-324), ZERO_BUCKET - 1);
        assert_eq!(TABLES.right_limit(ZERO_BUCKET), 1e-12);
        assert_eq!(TABLES.right_limit(BUCKETS - 1), f64::MAX);
    }
}
