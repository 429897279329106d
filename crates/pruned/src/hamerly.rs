//! Hamerly's bounds ("Making k-means even faster", 2010), over fixed blocks of points.
//!
//! - For point `i` with center `a`, `u ≥ ‖x − c_a‖` and `l ≤ ‖x − c_j‖` for every other
//!   `j`. When the centers move, `u` grows by how far `c_a` moved and `l` shrinks by the
//!   largest move of any other center. While `u < l`, center `a` is strictly the nearest:
//!   the point keeps its label and no distance is computed.
//! - The bounds are kept lazily, as offsets from per-cluster running sums of the moves
//!   ([`Moves`]): `u` as `u − moved[a]`, `l` as `l + others_moved[a]`. The test
//!   `u + moved[a] < l − others_moved[a]` then needs only their gap, `l − u` as stored,
//!   against `moved[a] + others_moved[a]`; so the gap is all a point keeps, in single
//!   precision, rounded down (4 bytes a point, a quarter of the point's own at d = 2),
//!   and the test over all points is one load, one table lookup and one compare per
//!   point, 8 points at a time (`parallel`'s [`Kernels::sweep`]), with no stores.
//! - The points that fail the test are packed 16 at a time and scanned against every
//!   center with the contract's exact formula (`parallel`'s [`Kernels::top2`]), which
//!   also gives fresh bounds. Their labels are therefore exactly the contract's; the test
//!   only ever skips points whose nearest center is nearer than every other by a margin
//!   that covers the rounding of the bounds and of the contract's own distances.
//! - Each block of points is tested and scanned on its own (on rayon's threads when the
//!   fit is large), records the points that changed cluster and takes its share of the
//!   sums ([`BlockSums`]); the update adds the shares in block order, so the result is
//!   the same for any number of threads.

use ladder_core::{Details, Evaluations, Points, Steps};
use ladder_parallel::{GapGroup, Kernels, LANES, Pending, Swept, Top2Gaps};

use crate::Method;
use crate::blocks::{make_blocks, over_blocks, threads};
use crate::facts::{BoundBytes, PrunedFacts};
use crate::moves::{Lower, Moves, slack};
use crate::sums::{BlockSums, Change, Sums};

/// Points scanned at a time: the scan's output stays small (and in cache).
const SCAN_CHUNK: usize = 1024;

/// One block's points: their clusters and lazy bounds, and the scratch of a pass.
struct Block {
    /// The block's first point.
    start: usize,
    /// Each point's cluster and the gap of its lazy bounds, in groups of 8 points.
    groups: Vec<GapGroup>,
    /// The block's points that failed the test this pass, as offsets in the block (the
    /// first `pending_len`; 8 spare slots past the points).
    pending: Vec<u32>,
    pending_len: usize,
    /// The failures as rows, scanned [`SCAN_CHUNK`] at a time into `scan_*`, packed for
    /// the kernel 16 at a time into `scratch`.
    rows: Vec<u32>,
    scratch: Vec<f64>,
    scan_labels: Vec<u32>,
    scan_gap: Vec<f32>,
    /// The points that changed cluster this pass, in point order.
    changes: Vec<Change>,
    /// The block's share of the update.
    sums: BlockSums,
}

/// What every block needs in a pass.
struct PassInputs<'a> {
    rows: &'a [f64],
    d: usize,
    centers: &'a [f64],
    k: usize,
    kernels: Kernels,
    moves: &'a Moves,
    margin: f64,
    first: bool,
}

impl Block {
    fn new(start: usize, len: usize, d: usize) -> Self {
        let padded = len.next_multiple_of(LANES);
        Self {
            start,
            // Padding lanes always pass the test: an infinite gap.
            groups: vec![GapGroup::PADDING; padded / LANES],
            pending: vec![0; padded + LANES],
            pending_len: 0,
            rows: Vec::with_capacity(SCAN_CHUNK),
            scratch: vec![0.0; 2 * LANES * d],
            scan_labels: vec![0; SCAN_CHUNK],
            scan_gap: vec![0.0; SCAN_CHUNK],
            changes: Vec::new(),
            sums: BlockSums::default(),
        }
    }

    /// The block's pass: the test (or, on the first pass, every point), the exact scan
    /// of the failures, and their labels written to `labels` (the block's own); returns
    /// the distances it computed.
    fn pass(&mut self, p: &PassInputs<'_>, labels: &mut [u32]) -> u64 {
        self.changes.clear();
        self.sums.clear();
        if p.first {
            for (slot, i) in self.pending.iter_mut().zip(0..labels.len() as u32) {
                *slot = i;
            }
            self.pending_len = labels.len();
        } else {
            let threshold = &p.moves.threshold;
            self.pending_len = p.kernels.sweep(
                Swept::Gaps(&self.groups),
                threshold,
                p.margin,
                &mut self.pending,
            );
        }
        let evaluations = self.pending_len as u64 * p.k as u64;
        self.scan(p);
        let shape = (p.k, p.d);
        if p.first {
            for (labels, group) in labels.chunks_mut(LANES).zip(&self.groups) {
                labels.copy_from_slice(&group.labels[..labels.len()]);
            }
            let rows = &p.rows[self.start * p.d..(self.start + labels.len()) * p.d];
            self.sums.add_rows(rows, labels, shape);
        } else {
            for c in &self.changes {
                labels[c.point as usize - self.start] = c.to;
            }
            self.sums.take_moves(p.rows, &self.changes, shape);
        }
        evaluations
    }
    /// Scans the pending points against every center with the exact formula, and stores
    /// what it found: labels, fresh bounds (as the kernel wrote them), and (after the
    /// first pass) the changes.
    fn scan(&mut self, p: &PassInputs<'_>) {
        let pending = &self.pending[..self.pending_len];
        for chunk in pending.chunks(SCAN_CHUNK) {
            self.rows.clear();
            self.rows
                .extend(chunk.iter().map(|&i| (self.start + i as usize) as u32));
            let out = Top2Gaps {
                slack: slack(p.d),
                offset: &p.moves.threshold,
                labels: &mut self.scan_labels[..chunk.len()],
                gap: &mut self.scan_gap[..chunk.len()],
            };
            let pending = Pending {
                rows: p.rows,
                idx: &self.rows,
            };
            p.kernels
                .top2_gaps(pending, p.centers, p.d, &mut self.scratch, out);
            let found = chunk.iter().zip(&self.scan_labels).zip(&self.scan_gap);
            for ((&i, &new), &gap) in found {
                let i = i as usize;
                let (group, lane) = (&mut self.groups[i / LANES], i % LANES);
                let old = group.labels[lane];
                if old != new && !p.first {
                    let point = (self.start + i) as u32;
                    self.changes.push(Change {
                        point,
                        from: old,
                        to: new,
                    });
                }
                group.labels[lane] = new;
                group.gap[lane] = gap;
            }
        }
    }
}

/// Hamerly's bounds over fixed blocks; see the module comment.
pub(crate) struct HamerlySteps<'a> {
    rows: &'a [f64],
    n: usize,
    d: usize,
    k: usize,
    kernels: Kernels,
    blocks: Vec<Block>,
    moves: Moves,
    /// A bound on the norm of every point (the check's [`ladder_core::Extent`]): with the
    /// largest center's, it scales the margin.
    largest_point: f64,
    sums: Sums,
    parallel: bool,
    /// Distances computed, pass by pass.
    evaluations: Vec<u64>,
}

impl<'a> HamerlySteps<'a> {
    /// Steps for `points`, none of norm above `largest_point`.
    pub(crate) fn new(points: Points<'a>, k: usize, largest_point: f64, parallel: bool) -> Self {
        let (n, d) = (points.n(), points.d());
        let blocks = make_blocks(n, parallel, |start, len| Block::new(start, len, d));
        Self {
            rows: points.as_slice(),
            n,
            d,
            k,
            kernels: Kernels::detect(),
            blocks,
            moves: Moves::new(k, d, Lower::Others),
            largest_point,
            sums: Sums::new(k, d),
            parallel,
            evaluations: Vec::new(),
        }
    }
}

impl Steps for HamerlySteps<'_> {
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
        self.moves.advance(centers);
        let inputs = PassInputs {
            rows: self.rows,
            d: self.d,
            centers,
            k: self.k,
            kernels: self.kernels,
            moves: &self.moves,
            margin: self.moves.margin(self.largest_point),
            first: self.moves.passes == 1,
        };
        let work = |block: &mut Block, labels: &mut [u32]| block.pass(&inputs, labels);
        let evaluations = over_blocks(&mut self.blocks, labels, self.parallel, work);
        self.evaluations.push(evaluations);
    }

    /// The blocks took their shares of the sums in their passes (`_labels` are theirs).
    fn update(&mut self, _labels: &[u32], centers: &mut [f64]) {
        let blocks = self.blocks.iter().map(|b| (&b.sums, &b.changes[..]));
        let first = self.moves.passes == 1;
        self.sums.update(self.rows, first, blocks, centers);
    }

    fn evaluations(&self) -> Evaluations {
        Evaluations::Counted(self.evaluations.iter().sum())
    }

    fn details(&self) -> Details {
        Details::new(PrunedFacts::new(
            Method::Hamerly,
            self.kernels.simd(),
            threads(self.parallel),
            BoundBytes::of(self.n, size_of::<f32>()),
            (self.n, self.k),
            &self.evaluations,
        ))
    }
}
