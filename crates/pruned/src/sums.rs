//! The per-cluster sums and counts a pruned fit keeps up to date: taken in full from
//! fixed blocks of points on the first pass (added in block order, so the same for any
//! number of threads), then moved by the points that changed cluster, in point order.

use ladder_core::{Partial, add_partials, divide_sums};
use ladder_parallel::accumulate;
use rayon::prelude::*;

/// A point that changed cluster in a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) point: u32,
    pub(crate) from: u32,
    pub(crate) to: u32,
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

    /// The sums of every point (`rows`, `labels`) in blocks of `block` points, each in
    /// point order, the blocks added in order; in parallel if `parallel`.
    pub(crate) fn fill(&mut self, rows: &[f64], labels: &[u32], block: usize, parallel: bool) {
        let (d, k) = (self.d, self.counts.len());
        let partial = |(rows, labels): (&[f64], &[u32])| {
            let (mut sums, mut counts) = (vec![0.0; k * d], vec![0u32; k]);
            accumulate(rows, labels, d, &mut sums, &mut counts);
            (sums, counts)
        };
        let partials: Vec<(Vec<f64>, Vec<u32>)> = if parallel {
            let blocks = rows.par_chunks(block * d).zip(labels.par_chunks(block));
            blocks.map(partial).collect()
        } else {
            let blocks = rows.chunks(block * d).zip(labels.chunks(block));
            blocks.map(partial).collect()
        };
        self.sums.fill(0.0);
        self.counts.fill(0);
        let partials = partials
            .iter()
            .map(|(sums, counts)| Partial { sums, counts });
        add_partials(partials, &mut self.sums, &mut self.counts);
    }

    /// A pass's update: the sums taken in full on the `first` pass (in blocks of
    /// [`crate::BLOCK`]), else moved by each block's `changes` in block order; then the
    /// division into `centers`.
    pub(crate) fn update<'c>(
        &mut self,
        (rows, labels): (&[f64], &[u32]),
        (first, parallel): (bool, bool),
        changes: impl Iterator<Item = &'c [Change]>,
        centers: &mut [f64],
    ) {
        if first {
            self.fill(rows, labels, crate::BLOCK, parallel);
        } else {
            for changes in changes {
                self.apply(rows, changes);
            }
        }
        self.divide(centers);
    }

    /// Moves each changed point, in the order given, from its old cluster's sum to its
    /// new one's.
    pub(crate) fn apply(&mut self, rows: &[f64], changes: &[Change]) {
        let d = self.d;
        for c in changes {
            let x = &rows[c.point as usize * d..(c.point as usize + 1) * d];
            let (from, to) = (c.from as usize, c.to as usize);
            for (s, x) in self.sums[from * d..(from + 1) * d].iter_mut().zip(x) {
                *s -= x;
            }
            for (s, x) in self.sums[to * d..(to + 1) * d].iter_mut().zip(x) {
                *s += x;
            }
            self.counts[from] -= 1;
            self.counts[to] += 1;
        }
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
