//! Histograms: bucketing values (slices, and tch tensors on their own device) into sparse buckets.
