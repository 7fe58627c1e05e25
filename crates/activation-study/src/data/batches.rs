//! Shuffled mini-batches, reshuffled every epoch, reproducible from a seed.

use tch::{TchError, Tensor};

use super::ImageSet;

/// SplitMix64 (S. Vigna, public domain reference `splitmix64.c`): a small, fast generator of
/// our own, so the batch order depends only on the seed and not on libtorch's generator state
/// or on the device.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (multiply-shift; the bias is below 2^-40 for our sizes).
    pub fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }
}

/// Endless mini-batches over `len` examples: each epoch visits every example once in a fresh
/// random order, and a batch that runs past the end of an epoch continues into the next, so
/// any batch size works, even one larger than the data set.
///
/// ```
/// use activation_study::data::batches::ShuffledBatches;
///
/// let mut batches = ShuffledBatches::new(5, 2, 42);
/// let mut seen: Vec<i64> = (0..3).flat_map(|_| batches.next_indices().to_vec()).collect();
/// seen.truncate(5);
/// seen.sort();
/// assert_eq!(seen, [0, 1, 2, 3, 4]); // the first epoch visits each example once
/// ```
#[derive(Debug)]
pub struct ShuffledBatches {
    order: Vec<i64>,
    next: usize,
    batch: Vec<i64>,
    rng: SplitMix64,
    epoch: u64,
}

impl ShuffledBatches {
    /// Batches of `batch_size` indices into `0..len`, ordered by `seed`.
    pub fn new(len: usize, batch_size: usize, seed: u64) -> Self {
        let mut batches = ShuffledBatches {
            order: (0..len as i64).collect(),
            next: 0,
            batch: Vec::with_capacity(batch_size),
            rng: SplitMix64::new(seed),
            epoch: 0,
        };
        batches.batch.resize(batch_size, 0);
        batches.shuffle();
        batches
    }

    fn shuffle(&mut self) {
        for i in (1..self.order.len()).rev() {
            let j = self.rng.below(i + 1);
            self.order.swap(i, j);
        }
    }

    /// The indices of the next batch (the returned slice is reused by the next call).
    pub fn next_indices(&mut self) -> &[i64] {
        for slot in 0..self.batch.len() {
            if self.next == self.order.len() {
                self.shuffle();
                self.next = 0;
                self.epoch += 1;
            }
            self.batch[slot] = self.order[self.next];
            self.next += 1;
        }
        &self.batch
    }

    /// Completed passes over the data.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The next batch of `set` as `(u8 images, i64 labels)` on the set's device.
    pub fn next_batch(&mut self, set: &ImageSet) -> Result<(Tensor, Tensor), TchError> {
        let device = set.images.device();
        let index = Tensor::f_from_slice(self.next_indices())?.f_to_device(device)?;
        Ok((
            set.images.f_index_select(0, &index)?,
            set.labels.f_index_select(0, &index)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_output() {
        // Seed and first outputs of the reference splitmix64.c as pinned by Apache Commons
        // Math's `SplitMix64Test::testReferenceCode`.
        let mut rng = SplitMix64::new(0x1a2b_3c4d_5e6f_7531);
        let want = [
            0x4141_3027_68c9_e9d0u64,
            0x64df_48c4_eab5_1b1a,
            0x4e72_3b53_dbd9_01b3,
            0xead8_3944_09dd_6454,
        ];
        for w in want {
            assert_eq!(rng.next_u64(), w);
        }
    }

    #[test]
    fn every_epoch_is_a_permutation_and_epochs_differ() {
        let mut b = ShuffledBatches::new(10, 5, 3);
        let mut first: Vec<i64> = [b.next_indices().to_vec(), b.next_indices().to_vec()].concat();
        let mut second: Vec<i64> = [b.next_indices().to_vec(), b.next_indices().to_vec()].concat();
        assert_eq!(b.epoch(), 1);
        assert_ne!(first, second, "reshuffled every epoch");
        first.sort();
        second.sort();
        assert_eq!(first, (0..10).collect::<Vec<_>>());
        assert_eq!(second, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn the_same_seed_gives_the_same_batches_and_another_seed_does_not() {
        let take = |seed| {
            let mut b = ShuffledBatches::new(100, 7, seed);
            (0..30)
                .flat_map(|_| b.next_indices().to_vec())
                .collect::<Vec<_>>()
        };
        assert_eq!(take(1), take(1));
        assert_ne!(take(1), take(2));
    }

    #[test]
    fn a_batch_larger_than_the_data_set_spans_epochs() {
        let mut b = ShuffledBatches::new(3, 7, 0);
        let batch = b.next_indices().to_vec();
        assert_eq!(batch.len(), 7);
        assert_eq!(b.epoch(), 2);
        let mut first_epoch = batch[..3].to_vec();
        first_epoch.sort();
        assert_eq!(first_epoch, [0, 1, 2]);
    }
}
