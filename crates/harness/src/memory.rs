//! The heap a fit allocates beyond its input: a counting global allocator that a binary
//! installs (`#[global_allocator] static ALLOC: Counting = Counting;` — the ladder
//! bench does), and [`peak_during`], which measures one call.
//!
//! The allocator forwards every call to the system's and counts only while a
//! measurement runs (one relaxed load of a flag no one writes, and a branch, otherwise),
//! so that it costs the timed samples nothing; it keeps `alloc_zeroed` and `realloc` the system's own (lazy
//! zero pages, in-place growth), where counting crates such as `peak_alloc` zero and
//! copy by hand. Allocations from every thread count (a rayon fit's workers too).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

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

/// The counting allocator: the system's, counted during [`peak_during`].
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

// SAFETY: every call is forwarded unchanged to `System`; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
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
