//! The heap a fit allocates beyond its input, and the allocator every binary of ours
//! runs on: [`Counting`], a counting global allocator over mimalloc that a binary
//! installs (`#[global_allocator] static ALLOC: Counting = Counting;` — the `ladder` CLI
//! and every bench do), and [`peak_during`], which measures one call.
//!
//! The allocator forwards every call to mimalloc and counts only while a measurement
//! runs (one relaxed load of a flag no one writes, and a branch, otherwise), so that it
//! costs the timed samples nothing; it keeps `alloc_zeroed` and `realloc` the
//! allocator's own (lazy zero pages, in-place growth), where counting crates such as
//! `peak_alloc` zero and copy by hand. Allocations from every thread count (a rayon
//! fit's workers too).
//!
//! Why mimalloc and not the system's: the fits that skip work read the points out of
//! order (the `pruned` rung fetches only the rows whose bounds fail), and there the
//! placement of a large block matters. glibc hands one out 16 bytes past a page
//! boundary, so a row of 16 features straddles three cache lines instead of two, and
//! returns it to the system when freed, so that the next fit faults its bounds in
//! afresh; mimalloc aligns large blocks to their pages and reuses freed memory. Its
//! transparent huge pages are left off (the `no_thp` feature): they took another fifth
//! off repeated 1M-point fits here (fewer TLB misses on scattered rows), but the
//! kernel's compaction for them stalled the first touch of a large input by up to half
//! a second, and a one-off `ladder fit` is what most runs are. Measured on this
//! project's workloads (2-vCPU Xeon, 2026-12-01, interleaved `--repeat` medians of
//! 20-pass `pruned` fits against the system's allocator): 200k × 64 7 % faster, 1M × 16
//! 3 %, the seed run 8 %, 1M × 2 the same within the noise (0–5 % slower); a one-off fit
//! of 1M × 16, reading included, 0.2–0.5 s faster.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

use mimalloc::MiMalloc;

/// Counting is on (a measurement runs). Otherwise nothing is written: a store on every
/// allocation would bounce one cache line between the threads of a fit.
static COUNTING: AtomicBool = AtomicBool::new(false);
/// Bytes allocated minus bytes freed since the measurement began (frees of older
/// blocks make it negative).
static LIVE: AtomicIsize = AtomicIsize::new(0);
/// The largest `LIVE` since the measurement began.
static PEAK: AtomicIsize = AtomicIsize::new(0);
/// One measurement at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The counting allocator: mimalloc, counted during [`peak_during`].
pub struct Counting;

fn grew(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        let live = LIVE.fetch_add(bytes as isize, Ordering::Relaxed) + bytes as isize;
        PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

fn shrank(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_sub(bytes as isize, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to mimalloc; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { MiMalloc.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { MiMalloc.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            grew(new_size);
            shrank(layout.size());
        }
        p
    }
}

/// Whether this binary counts its allocations (installed [`Counting`]): one allocation
/// counted, or not.
pub fn installed() -> bool {
    let (_, peak) = counted(|| drop(std::hint::black_box(Box::new(0u64))));
    peak > 0
}

/// Runs `f`; with [`Counting`] installed, also the most bytes it (and any thread while
/// it ran) held allocated at once beyond what was allocated before it began.
pub fn peak_during<T>(f: impl FnOnce() -> T) -> (T, Option<u64>) {
    if !installed() {
        return (f(), None);
    }
    let (out, peak) = counted(f);
    (out, Some(peak))
}

/// `f`'s result and the peak of its count (zero when nothing counts).
fn counted<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::SeqCst);
    let out = f();
    COUNTING.store(false, Ordering::SeqCst);
    (out, PEAK.load(Ordering::Relaxed).max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_the_allocator_nothing_is_claimed() {
        // The test binary does not install it.
        let (n, peak) = peak_during(|| vec![0u8; 1 << 20].len());
        assert_eq!(n, 1 << 20);
        assert_eq!(peak, None);
    }
}
