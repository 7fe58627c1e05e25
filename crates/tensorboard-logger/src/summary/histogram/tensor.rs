//! Tensors: a CPU tensor is bucketed by the slice path reading the tensor's own memory; on
//! any other device (CUDA) the histogram is computed there with tch ops, so only the
//! per-key counts and four statistics (one small `f64` tensor) reach the host.
//!
//! The device does what the CPU slice path does with the same tables: it takes each value's
//! key from its bits, looks up the key's threshold, and counts `(key, value >= threshold)`
//! pairs with `bincount`. The host then adds each pair's count to bucket
//! `base[key] + (value >= threshold)`. Every op used (bit views and shifts, `take`, `ge`,
//! `bincount`, `nan_to_num`, reductions) runs on CUDA as on the CPU, and no result depends
//! on the order of floating-point sums except `sum` and `sum_squares`.

use tch::kind::Element;
use tch::{Device, Kind, Tensor};

use super::buckets::{F32_KEY_SHIFT, F32_KEYS, F64_KEY_SHIFT, NON_FINITE_SLOT, SLOTS, TABLES};
use super::slice::{self, Sample};
use super::{HistogramData, HistogramError, HistogramInput, Moments};

impl HistogramInput for Tensor {
    fn to_histogram(&self) -> Result<HistogramData, HistogramError> {
        let (values, width) = prepare(self)?;
        if values.device() == Device::Cpu {
            // On the CPU the slice path is several times faster than the tch ops; for a
            // contiguous `f32`/`f64` tensor it reads the tensor's memory without a copy.
            let values = values.f_contiguous()?.f_resolve_neg()?;
            let on_host = match width {
                Width::F32 => in_place(&values, slice::histogram::<f32>),
                Width::F64 => in_place(&values, slice::histogram::<f64>),
            };
            if let Some(histogram) = on_host {
                return histogram;
            }
        }
        on_device(&values, width)
    }
}

/// How a tensor kind is bucketed.
#[derive(Debug, Clone, Copy)]
enum Width {
    /// Converted to `f32` on the device (exact for these kinds), then the `f32` tables.
    F32,
    /// Converted to `f64` on the device (exact for these kinds), then the `f64` tables.
    F64,
}

/// The tensor's values, detached (no autograd graph is built), flattened (a view when
/// contiguous) and converted on its device to the kind its width buckets (no copy when it
/// has that kind already).
fn prepare(tensor: &Tensor) -> Result<(Tensor, Width), HistogramError> {
    if !tensor.defined() {
        return Err(HistogramError::UndefinedTensor);
    }
    let kind = tensor.f_kind()?;
    let (width, wide_kind) = match kind {
        Kind::Float
        | Kind::Half
        | Kind::BFloat16
        | Kind::Float8e5m2
        | Kind::Float8e4m3fn
        | Kind::Float8e5m2fnuz
        | Kind::Float8e4m3fnuz => (Width::F32, Kind::Float),
        Kind::Double
        | Kind::Uint8
        | Kind::Int8
        | Kind::Int16
        | Kind::Int
        | Kind::Int64
        | Kind::Bool => (Width::F64, Kind::Double),
        Kind::ComplexHalf
        | Kind::ComplexFloat
        | Kind::ComplexDouble
        | Kind::QInt8
        | Kind::QUInt8
        | Kind::QInt32 => return Err(HistogramError::UnsupportedKind { kind }),
    };
    if tensor.size().contains(&0) {
        return Err(HistogramError::Empty);
    }
    let values = tensor.f_detach()?.f_reshape([-1])?.f_to_kind(wide_kind)?;
    Ok((values, width))
}

/// Runs `histogram` on the memory of a flat CPU tensor of `T`'s kind, without copying it;
/// `None` when the tensor is not plain contiguous CPU memory of that kind.
#[allow(unsafe_code)] // Reading the tensor's memory in place spares a copy of all its values.
fn in_place<T: Element + Sample, R>(
    values: &Tensor,
    histogram: impl FnOnce(&[T]) -> R,
) -> Option<R> {
    // The order matters: `is_contiguous` fails on sparse tensors.
    let plain = values.device() == Device::Cpu
        && !values.is_sparse()
        && !values.is_mkldnn()
        && values.is_contiguous()
        && !values.is_neg()
        && values.f_kind().ok() == Some(T::KIND);
    if !plain {
        return None;
    }
    let len = usize::try_from(values.size1().ok()?).ok()?;
    let data = values.data_ptr().cast::<T>().cast_const();
    if len == 0 || data.is_null() || !data.is_aligned() {
        return None;
    }
    // SAFETY: `values` is a dense, contiguous, one-dimensional CPU tensor of `len` elements
    // of `T`'s kind without a lazy negation (all checked above), so `data` points to `len`
    // initialized, aligned `T`s in its storage. The storage lives as long as `values`,
    // which is borrowed for this whole call, and the slice does not leave the call.
    // Nothing writes through the shared borrow; an in-place op on another handle of the
    // same storage, run on another thread meanwhile, would race with libtorch's own
    // kernels reading it just the same.
    let slice = unsafe { std::slice::from_raw_parts(data, len) };
    Some(histogram(slice))
}

/// The histogram computed on the tensor's device with tch ops: what a CUDA tensor gets.
fn on_device(values: &Tensor, width: Width) -> Result<HistogramData, HistogramError> {
    let (host, slots_from) = match width {
        Width::F32 => (device_counts_f32(values)?, slots_f32 as fn(&[f64]) -> _),
        Width::F64 => (device_counts_f64(values)?, slots_f64 as fn(&[f64]) -> _),
    };
    let (stats, counts) = host.split_at(4);
    let slots = slots_from(counts);
    HistogramData::from_slots(
        &slots,
        Moments {
            min: stats[0],
            max: stats[1],
            sum: stats[2],
            sum_squares: stats[3],
        },
    )
}

/// `[min, max, sum, sum of squares]` of the finite values, then the counts (in one host
/// copy: a single device synchronization).
fn finish(values: &Tensor, counts: &Tensor) -> Result<Vec<f64>, HistogramError> {
    let inf = f64::INFINITY;
    let min = values.f_nan_to_num(inf, inf, inf)?.f_min()?;
    let max = values.f_nan_to_num(-inf, -inf, -inf)?.f_max()?;
    let finite = values
        .f_nan_to_num(0.0, 0.0, 0.0)?
        .f_to_kind(Kind::Double)?;
    let sum = finite.f_sum(Kind::Double)?;
    let sum_squares = finite.f_dot(&finite)?;
    let stats = Tensor::f_stack(
        &[
            min.f_to_kind(Kind::Double)?,
            max.f_to_kind(Kind::Double)?,
            sum,
            sum_squares,
        ],
        0,
    )?;
    let all = Tensor::f_cat(&[stats, counts.f_to_kind(Kind::Double)?], 0)?;
    Ok(Vec::<f64>::try_from(all.f_to_device(Device::Cpu)?)?)
}

/// Counts of `2·key + (value >= threshold)` for an `f32` tensor; the `f32` keys already set
/// NaN and ±Inf apart (their threshold is NaN, so they always count under `2·key`).
fn device_counts_f32(values: &Tensor) -> Result<Vec<f64>, HistogramError> {
    let thresholds =
        Tensor::f_from_slice(&TABLES.f32_thresholds())?.f_to_device(values.device())?;
    // An arithmetic shift of the signed bits; the mask keeps the 13 key bits. Keys stay
    // `i32` (index_select and bincount take them; `i64` would double the memory traffic)
    // and later steps work in place: on the CPU, fresh buffers cost more than the math.
    let mut keys = values
        .f_view_dtype(Kind::Int)?
        .f_bitwise_right_shift_tensor_scalar(i64::from(F32_KEY_SHIFT))?;
    let mut keys = keys.f_bitwise_and_(F32_KEYS as i64 - 1)?;
    let above = values
        .f_ge_tensor(&thresholds.f_index_select(0, &keys)?)?
        .f_to_kind(Kind::Int)?;
    let mut pairs = keys.f_mul_scalar_(2)?;
    let pairs = pairs.f_add_(&above)?;
    let counts = pairs.f_bincount::<Tensor>(None, 2 * F32_KEYS as i64)?;
    finish(values, &counts)
}

/// Counts of `2·key + (value >= threshold)` for an `f64` tensor, with one extra count at
/// the end for NaN and ±Inf (the clamped `f64` keys do not tell them apart).
fn device_counts_f64(values: &Tensor) -> Result<Vec<f64>, HistogramError> {
    let tables = &*TABLES;
    let per_sign = tables.f64_keys_per_sign() as i64;
    let thresholds =
        Tensor::f_from_slice(&tables.f64_thresholds())?.f_to_device(values.device())?;
    let bits = values.f_view_dtype(Kind::Int64)?;
    let magnitude = bits
        .f_bitwise_and(i64::MAX)?
        .f_bitwise_right_shift_tensor_scalar(i64::from(F64_KEY_SHIFT))?
        .f_clamp(tables.f64_lo as i64, tables.f64_hi as i64)?;
    let negative = bits.f_lt(0)?.f_to_kind(Kind::Int64)?;
    let mut keys = magnitude.f_sub_scalar(tables.f64_lo as i64)?;
    let keys = keys.f_add_(&negative.f_mul_scalar(per_sign)?)?;
    let above = values
        .f_ge_tensor(&thresholds.f_index_select(0, &keys)?)?
        .f_to_kind(Kind::Int64)?;
    let not_finite = values.f_isfinite()?.f_logical_not()?;
    let non_finite_pair = 4 * per_sign;
    let mut pairs = keys.f_mul_scalar(2)?;
    let mut pairs = pairs.f_add_(&above)?;
    let pairs = pairs.f_masked_fill_(&not_finite, non_finite_pair)?;
    let counts = pairs.f_bincount::<Tensor>(None, non_finite_pair + 1)?;
    finish(values, &counts)
}

/// Adds each `(key, above)` count to its slot.
fn add_pairs(slots: &mut [u64; SLOTS], pair_counts: &[f64], base: impl Fn(usize) -> usize) {
    for (pair, &count) in pair_counts.iter().enumerate() {
        if count > 0.0 {
            slots[base(pair / 2) + pair % 2] += count as u64;
        }
    }
}

fn slots_f32(pair_counts: &[f64]) -> [u64; SLOTS] {
    let mut slots = [0u64; SLOTS];
    add_pairs(&mut slots, pair_counts, |key| TABLES.f32[key].base as usize);
    slots
}

fn slots_f64(pair_counts: &[f64]) -> [u64; SLOTS] {
    let mut slots = [0u64; SLOTS];
    let (pairs, non_finite) = pair_counts.split_at(pair_counts.len() - 1);
    add_pairs(&mut slots, pairs, |key| TABLES.f64[key].base as usize);
    slots[NON_FINITE_SLOT] += non_finite[0] as u64;
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values meant to break bucketing: specials, zeros of both signs, denormals, the
    /// extremes, every edge and its f32 neighbours, every f32 key boundary, and a spread of
    /// ordinary values.
    fn hard_f32_values() -> Vec<f32> {
        let mut v = vec![
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            0.0,
            -0.0,
            1e-45,
            -1e-45,
            1e-40,
            -1e-40,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            f32::MAX,
            f32::MIN,
            1e20,
            -1e20,
            1e-12,
            -1e-12,
        ];
        for &edge in &TABLES.edges {
            let e = edge as f32;
            v.extend([e, e.next_up(), e.next_down(), -e]);
        }
        for key in (0..F32_KEYS as u32).step_by(3) {
            v.push(f32::from_bits(key << F32_KEY_SHIFT));
        }
        let mut state = 0x853c_49e6_748f_ea9b_u64;
        for _ in 0..50_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let unit = (state >> 40) as f32 / (1u64 << 24) as f32;
            v.push((unit - 0.5) * 0.2);
        }
        v
    }

    /// The histogram by both paths: `to_histogram` (on the CPU, the slice path reading the
    /// tensor's memory) and the tch ops that other devices run, forced here on the CPU.
    fn both_paths(tensor: &Tensor) -> [HistogramData; 2] {
        let (values, width) = prepare(tensor).unwrap();
        [
            tensor.to_histogram().unwrap(),
            on_device(&values, width).unwrap(),
        ]
    }

    /// Same buckets, counts and extremes, bit for bit.
    fn assert_same_buckets(tensor: &HistogramData, slice: &HistogramData) {
        assert_eq!(tensor.bucket_limits, slice.bucket_limits);
        assert_eq!(tensor.bucket_counts, slice.bucket_counts);
        assert_eq!(tensor.non_finite, slice.non_finite);
        assert_eq!(tensor.num, slice.num);
        assert_eq!(tensor.min.to_bits(), slice.min.to_bits());
        assert_eq!(tensor.max.to_bits(), slice.max.to_bits());
    }

    /// Same buckets, and sums equal up to rounding: the two paths add in different orders,
    /// so they may differ by a few ulps of the sum of magnitudes.
    fn assert_same<T: Copy + Into<f64>>(
        tensor: &HistogramData,
        slice: &HistogramData,
        values: &[T],
    ) {
        assert_same_buckets(tensor, slice);
        let finite = values
            .iter()
            .map(|&v| v.into())
            .filter(|v: &f64| v.is_finite());
        let (magnitudes, squares) = finite.fold((0.0, 0.0), |(m, s), v| (m + v.abs(), s + v * v));
        assert!(
            magnitudes.is_finite() && squares.is_finite(),
            "test values too large"
        );
        let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-12 * scale;
        assert!(
            close(tensor.sum, slice.sum, magnitudes),
            "{} vs {}",
            tensor.sum,
            slice.sum
        );
        assert!(
            close(tensor.sum_squares, slice.sum_squares, squares),
            "{} vs {}",
            tensor.sum_squares,
            slice.sum_squares
        );
    }

    #[test]
    fn f32_tensor_matches_slice() {
        let values = hard_f32_values();
        let from_slice = values.to_histogram().unwrap();
        for from_tensor in both_paths(&Tensor::from_slice(&values)) {
            assert_same(&from_tensor, &from_slice, &values);
        }
        let non_finite = values.iter().filter(|v| !v.is_finite()).count();
        assert_eq!(from_slice.non_finite, non_finite as u64);
        assert!(non_finite >= 4);
    }

    #[test]
    fn f64_tensor_matches_slice() {
        let mut values: Vec<f64> = hard_f32_values().into_iter().map(f64::from).collect();
        values.extend([5e-324, -5e-324, 1e-300, -1e-300]);
        for &edge in &TABLES.edges {
            values.extend([edge, edge.next_up(), edge.next_down()]);
        }
        for from_tensor in both_paths(&Tensor::from_slice(&values)) {
            assert_same(&from_tensor, &values.to_histogram().unwrap(), &values);
        }
        // Values whose sums overflow: only the buckets and extremes can be compared.
        values.extend([1e300, -1e300, f64::MAX, f64::MIN]);
        for from_tensor in both_paths(&Tensor::from_slice(&values)) {
            assert_same_buckets(&from_tensor, &values.to_histogram().unwrap());
        }
    }

    #[test]
    fn half_precision_and_integer_tensors_match_their_exact_values() {
        let values = hard_f32_values();
        for kind in [Kind::Half, Kind::BFloat16] {
            let t = Tensor::from_slice(&values).to_kind(kind);
            // Both half kinds widen to f32 exactly, so this is the tensor's own values.
            let exact = Vec::<f32>::try_from(t.to_kind(Kind::Float)).unwrap();
            for from_tensor in both_paths(&t) {
                assert_same(&from_tensor, &exact.to_histogram().unwrap(), &exact);
            }
        }
        let ints: Vec<i64> = (-500..500).map(|i| i * i * i).collect();
        let wide: Vec<f64> = ints.iter().map(|&i| i as f64).collect();
        for from_tensor in both_paths(&Tensor::from_slice(&ints)) {
            assert_same(&from_tensor, &wide.to_histogram().unwrap(), &wide);
        }
        for h in both_paths(&Tensor::from_slice(&[true, false, true])) {
            assert_eq!((h.min, h.max, h.num, h.sum), (0.0, 1.0, 3.0, 2.0));
        }
    }

    #[test]
    fn layout_and_autograd_do_not_matter() {
        let values: Vec<f32> = (0..600).map(|i| (i as f32 - 300.0) / 7.0).collect();
        let t = Tensor::from_slice(&values)
            .reshape([20, 30])
            .transpose(0, 1)
            .set_requires_grad(true);
        assert!(!t.is_contiguous());
        for from_tensor in both_paths(&t) {
            assert_same(&from_tensor, &values.to_histogram().unwrap(), &values);
        }
        for h in both_paths(&Tensor::from(2.5_f32)) {
            assert_eq!(h.bucket_counts, vec![1.0]);
        }
    }

    #[test]
    fn cpu_tensors_are_read_in_place() {
        let values: Vec<f32> = (0..1000).map(|i| (i as f32).sin()).collect();
        let t = Tensor::from_slice(&values);
        let read_at = in_place(&t, |v: &[f32]| (v.as_ptr(), v.len()));
        assert_eq!(read_at, Some((t.data_ptr().cast_const().cast(), 1000)));
        // Not plain memory of the asked kind: another kind, a strided view, a lazy negation.
        assert_eq!(in_place(&t, |v: &[f64]| v.len()), None);
        let every_other = t.slice(0, 0, 1000, 2);
        assert_eq!(in_place(&every_other, |v: &[f32]| v.len()), None);
        let negated = t.f_internal_neg_view().unwrap();
        assert!(negated.is_neg());
        assert_eq!(in_place(&negated, |v: &[f32]| v.len()), None);
        // Each still gets the histogram of its own values.
        let odd: Vec<f32> = values.iter().copied().step_by(2).collect();
        let minus: Vec<f32> = values.iter().map(|v| -v).collect();
        for (tensor, expected) in [(every_other, odd), (negated, minus)] {
            assert_same(
                &tensor.to_histogram().unwrap(),
                &expected.to_histogram().unwrap(),
                &expected,
            );
        }
    }

    #[test]
    fn tensor_errors_name_the_problem() {
        let empty = Tensor::zeros([3, 0], (Kind::Float, Device::Cpu));
        assert!(matches!(
            empty.to_histogram().unwrap_err(),
            HistogramError::Empty
        ));
        let nan = Tensor::from_slice(&[f32::NAN, f32::INFINITY]);
        let (values, width) = prepare(&nan).unwrap();
        for error in [
            nan.to_histogram().unwrap_err(),
            on_device(&values, width).unwrap_err(),
        ] {
            assert_eq!(
                error.to_string(),
                "histogram input has no finite values: all 2 values are NaN or infinite \
                 (a diverged model or a bad learning rate is the usual cause)"
            );
        }
        let complex = Tensor::zeros([2], (Kind::ComplexFloat, Device::Cpu));
        assert_eq!(
            complex.to_histogram().unwrap_err().to_string(),
            "cannot histogram a tensor of kind ComplexFloat; \
             give a real (float, integer or bool) tensor"
        );
        assert_eq!(
            Tensor::new().to_histogram().unwrap_err().to_string(),
            "cannot histogram an undefined tensor (one that holds no data)"
        );
    }

    /// Run on a machine with a GPU: `cargo test -p tensorboard-logger --features tch --
    /// --ignored cuda`.
    #[test]
    #[ignore = "needs a CUDA device"]
    fn cuda_tensor_matches_slice() {
        assert!(
            tch::Cuda::is_available(),
            "no CUDA device is visible to libtorch"
        );
        let values = hard_f32_values();
        let on_gpu = Tensor::from_slice(&values).to_device(Device::Cuda(0));
        assert_same(
            &on_gpu.to_histogram().unwrap(),
            &values.to_histogram().unwrap(),
            &values,
        );
        let wide: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
        let on_gpu = Tensor::from_slice(&wide).to_device(Device::Cuda(0));
        assert_same(
            &on_gpu.to_histogram().unwrap(),
            &wide.to_histogram().unwrap(),
            &wide,
        );
    }
}
