//! The per-cluster sums and counts a pruned fit keeps up to date: taken in full by the
//! fixed blocks of points on the first pass (added in block order, so the same for any
//! number of threads), then moved by the points that changed cluster — by each block in
//! its pass where many of its points changed, else one by one in the update; in block
//! order either way.

use ladder_core::{Partial, add_partials, divide_sums};
use ladder_parallel::accumulate;

/// A point that changed cluster in a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) point: u32,
    pub(crate) from: u32,
    pub(crate) to: u32,
}

/// Changes below this many in a block are applied by the update one by one; from it on
/// the block takes their moves of the sums itself, in its pass (on its thread, while the
/// rows are in the cache), and the update adds them. Fewer where the sums are small
/// ([`take_from`]).
const TAKE_MOVES: usize = 64;

/// Sum values a change applied one by one in the update is worth: it fetches its row
/// again, on one thread (a cache miss on large data), where a block that takes its
/// moves zeroes and then adds all `k · d` of its sums. Measured (interleaved 20-pass
/// fits, 2 threads): 1M × 2 with k = 10 taking from 1 change instead of 64 cut the
/// update from 10.9 to 3.7 ms a fit (the fit 3–9 % faster); 1M × 16 with k = 100 taking
/// from 25 (64 values a change) was slower (median of 10 rounds +12 %), so from `k · d =
/// 1024` on it stays at [`TAKE_MOVES`].
const VALUES_PER_CHANGE: usize = 16;

/// The changes from which a block takes its moves, for `k · d` sums: [`TAKE_MOVES`],
/// or fewer where the block's sums are few (1M × 2 with k = 10: any change at all).
fn take_from(k: usize, d: usize) -> usize {
    (k * d / VALUES_PER_CHANGE).clamp(1, TAKE_MOVES)
}

/// A block's share of a pass's update, taken in its pass: on the first pass the sums
/// and counts of its points, later (with enough changes: [`take_from`]) what its
/// changes of cluster add to the sums.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockSums {
    sums: Vec<f64>,
    counts: Vec<u32>,
    /// Whether this pass's share is in `sums` (else the changes are applied one by one).
    taken: bool,
}

impl BlockSums {
    /// A pass starts: nothing taken yet.
    pub(crate) fn clear(&mut self) {
        self.taken = false;
    }

    /// The first pass: adds the `rows` (with their `labels`) to the block's sums, in
    /// point order (a block's chunks in order give the sums of the whole block).
    pub(crate) fn add_rows(&mut self, rows: &[f64], labels: &[u32], (k, d): (usize, usize)) {
        if !self.taken {
            self.zero(k, d);
            self.counts.clear();
            self.counts.resize(k, 0);
        }
        accumulate(rows, labels, d, &mut self.sums, &mut self.counts);
    }

    /// A later pass: takes the moves of the sums that the block's `changes` make, where
    /// there are enough of them ([`take_from`]).
    pub(crate) fn take_moves(&mut self, rows: &[f64], changes: &[Change], (k, d): (usize, usize)) {
        if changes.len() < take_from(k, d) {
            return;
        }
        self.zero(k, d);
        move_sums(&mut self.sums, rows, changes, d);
    }

    /// Zero sums, taken from now on (the counts are the first pass's alone: later the
    /// update moves them by the changes).
    fn zero(&mut self, k: usize, d: usize) {
        self.sums.clear();
        self.sums.resize(k * d, 0.0);
        self.taken = true;
    }
}

/// Per-cluster sums (`k × d`) and counts.
#[derive(Debug, Clone)]
pub(crate) struct Sums {
    d: usize,
    sums: Vec<f64>,
    counts: Vec<u64>,
}

impl Sums {
    pub(crate) fn new(k: usize, d: usize) -> Self {
        Self {
            d,
            sums: vec![0.0; k * d],
            counts: vec![0; k],
        }
    }

    /// A pass's update from each block's share, in block order: on the `first` pass
    /// the blocks' sums added in full (each block's in point order: what one pass over
    /// the points in blocks of [`crate::BLOCK`] gives); later, each block's moves where
    /// it took them, else its `changes` one by one; then the division into `centers`.
    pub(crate) fn update<'c>(
        &mut self,
        rows: &[f64],
        first: bool,
        blocks: impl Iterator<Item = (&'c BlockSums, &'c [Change])>,
        centers: &mut [f64],
    ) {
        if first {
            self.sums.fill(0.0);
            self.counts.fill(0);
            let partials = blocks.map(|(block, _)| {
                assert!(block.taken, "every block takes its sums on the first pass");
                Partial {
                    sums: &block.sums,
                    counts: &block.counts,
                }
            });
            add_partials(partials, &mut self.sums, &mut self.counts);
        } else {
            for (block, changes) in blocks {
                match block.taken {
                    true => self.add_moves(&block.sums, changes),
                    false => self.apply(rows, changes),
                }
            }
        }
        self.divide(centers);
    }

    /// Adds a block's taken `moves` of the sums, and moves the counts by its `changes`.
    fn add_moves(&mut self, moves: &[f64], changes: &[Change]) {
        // Untouched sums stay as they are, bit for bit (even a −0).
        for (s, &m) in self.sums.iter_mut().zip(moves) {
            if m != 0.0 {
                *s += m;
            }
        }
        move_counts(&mut self.counts, changes);
    }

    /// Moves each changed point, in the order given, from its old cluster's sum to its
    /// new one's.
    pub(crate) fn apply(&mut self, rows: &[f64], changes: &[Change]) {
        move_sums(&mut self.sums, rows, changes, self.d);
        move_counts(&mut self.counts, changes);
    }

    /// The contract's update: each center with points becomes its sum over its count.
    /// A cluster nobody left or joined gets the same center, bit for bit; an empty one
    /// keeps its center and forgets any rounding left in its sum.
    pub(crate) fn divide(&mut self, centers: &mut [f64]) {
        divide_sums(&self.sums, &self.counts, centers);
        for (sum, &count) in self.sums.chunks_exact_mut(self.d).zip(&self.counts) {
            if count == 0 {
                sum.fill(0.0);
            }
        }
    }
}

/// Moves each changed point's row, in the order given, from its old cluster's sum to its
/// new one's.
fn move_sums(sums: &mut [f64], rows: &[f64], changes: &[Change], d: usize) {
    for c in changes {
        let x = &rows[c.point as usize * d..(c.point as usize + 1) * d];
        let (from, to) = (c.from as usize, c.to as usize);
        for (s, x) in sums[from * d..(from + 1) * d].iter_mut().zip(x) {
            *s -= x;
        }
        for (s, x) in sums[to * d..(to + 1) * d].iter_mut().zip(x) {
            *s += x;
        }
    }
}

/// Moves each changed point from its old cluster's count to its new one's.
fn move_counts(counts: &mut [u64], changes: &[Change]) {
    for c in changes {
        counts[c.from as usize] -= 1;
        counts[c.to as usize] += 1;
    }
}
