//! Tunes glibc's allocator so that libtorch's large per-step buffers are reused from the heap
//! instead of being handed back to the kernel and faulted in afresh on every step.
//!
//! libtorch allocates CPU tensors with `posix_memalign`. A training step frees and reallocates
//! the same multi-megabyte buffers (Adam's temporaries for the MNIST net's 3.2M-weight `fc1`,
//! gradients, activations). By default glibc returns such memory to the kernel once more than
//! 2× its mmap threshold sits free at the top of the heap, so the next step touches fresh
//! pages, each one a page fault and a kernel zeroing. On the MNIST net (batch 50, 2 threads)
//! that moved the optimizer phase between about 6 and 12 ms per step depending on heap layout;
//! with these settings it stays near 6 ms.
//!
//! PyTorch users get the same effect with `MALLOC_MMAP_THRESHOLD_=33554432
//! MALLOC_TRIM_THRESHOLD_=1073741824` in the environment.

/// Blocks up to this size come from the heap, where a freed block is reused: the ceiling
/// glibc itself gives its dynamic threshold on 64-bit (`DEFAULT_MMAP_THRESHOLD_MAX`, 32 MiB);
/// some glibc versions refuse larger values. Fixing it also stops glibc from adjusting it.
pub const MMAP_THRESHOLD: i32 = 32 << 20;

/// Free memory at the top of the heap that glibc keeps rather than returns to the kernel.
/// This allocates nothing more: the process keeps, for its next step, up to this much of what
/// it freed.
pub const TRIM_THRESHOLD: i32 = 1 << 30;

/// Applies [`MMAP_THRESHOLD`] and [`TRIM_THRESHOLD`] to this process's allocator. Returns
/// whether they took: false on platforms other than Linux with glibc, where nothing changes.
/// Safe to call more than once and from any thread.
pub fn reuse_freed_buffers() -> bool {
    glibc::set(MMAP_THRESHOLD, TRIM_THRESHOLD)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    #[allow(unsafe_code)] // `mallopt` is a foreign function; it has no safe wrapper.
    pub fn set(mmap_threshold: i32, trim_threshold: i32) -> bool {
        // SAFETY: `mallopt` only changes allocator parameters, under the arena lock glibc takes
        // itself; it reads no memory of ours, and any thread may call it at any time.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, mmap_threshold) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, trim_threshold) == 1
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod glibc {
    pub fn set(_mmap_threshold: i32, _trim_threshold: i32) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_accepts_the_settings() {
        assert!(super::reuse_freed_buffers());
    }
}
