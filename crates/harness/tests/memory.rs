//! The counting allocator, installed as this test binary's global allocator.

use ladder_harness::memory::{Counting, installed, peak_during};

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn counts_the_peak_beyond_what_was_there_before() {
    assert!(installed());
    let before = vec![1u8; 1 << 20];
    let (sum, peak) = peak_during(|| {
        let a = vec![0u64; 1000]; // 8000 bytes
        let b = vec![0u8; 500];
        drop(a);
        let c: Vec<u8> = Vec::with_capacity(100);
        b.len() + c.capacity()
    });
    assert_eq!(sum, 600);
    // a and b live together at the peak; c comes after a is gone.
    assert_eq!(peak, Some(8500));
    // Freeing what was there before does not count against the call.
    let (_, peak) = peak_during(|| drop(before));
    assert_eq!(peak, Some(0));
    // Growth in place is counted at its new size.
    let (_, peak) = peak_during(|| {
        let mut v: Vec<u8> = Vec::with_capacity(1000);
        v.reserve_exact(5000);
        v.capacity()
    });
    assert!(peak.unwrap() >= 5000, "{peak:?}");
}
