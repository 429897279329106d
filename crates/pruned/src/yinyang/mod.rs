//! Bounds per group of centers (Ding et al., "Yinyang k-means", 2015, in its simplified
//! form; with one center per group it is the simplified Elkan of Newling & Fleuret).
//!
//! - The centers are cut into `t` groups once ([`group_centers`]). Each point keeps an
//!   upper bound `u` on its distance to its center, and for each group `g` a lower
//!   bound `l_g` on its distance to every center of `g` but its own; and the least of
//!   them, a global lower bound. When the centers move, `u` grows by its center's move,
//!   `l_g` shrinks by the largest move in `g`, and the global one by the largest move of
//!   all — lazily, against running sums ([`Moves`]).
//! - The global test (`u < min_g l_g`) runs over all points like Hamerly's, 8 at a time.
//!   A point that fails it is tested against its group bounds with `u` as it stands
//!   (most pass here, and keep their center without a distance); one that fails a group
//!   gets its exact distance to its center, which tightens `u`, and only the groups it
//!   still does not rule out are scanned, every point that needs a group together, with
//!   `parallel`'s exact top-two scan (`sparse.rs`). Its label is the nearest of the
//!   candidates — its own center and the scanned groups' — the lowest index on a tie.
//! - A block whose points mostly fail (the first pass, and early passes while the
//!   centers still move a lot) is scanned whole, 256 points at a time, with `parallel`'s
//!   grouped scan — the assignment's own fast kernel, which gives every bound afresh —
//!   in single precision where the CPU has vector FMA and `d ≥ 8` ([`NarrowLayout`]:
//!   twice the lanes; every value carries a proven error bound, near ties are settled
//!   with the exact formula, and the bounds are widened by the error), else in `f64`.
//!   The single-precision layout of a block's points is made by the first pass and
//!   kept for the fit (the points do not change): half the points' bytes, there at the
//!   first pass anyway, so the fit's peak is the same.

use ladder_core::{Details, Evaluations, Points, Steps};
use ladder_parallel::{
    BoundsGroup, GroupedOut, Kernels, LANES, Layout, NarrowLayout, Swept, f32_down, f32_up,
};

use crate::Method;
use crate::blocks::{make_blocks, over_blocks, threads};
use crate::facts::{BoundBytes, PrunedFacts};
use crate::groups::{PassGroups, group_centers};
use crate::moves::{Lower, Moves, slack};
use crate::sums::{BlockSums, Change, Sums};

mod sparse;

use sparse::SparseScratch;

/// A block whose share of failing points passes this is scanned whole.
const DENSE_SHARE: f64 = 0.4;

/// The share of a block's points failing the global test above which the pass goes
/// dense without the group test.
const FILTER_SHARE: f64 = 0.75;

/// Points a dense scan does at a time.
const DENSE_CHUNK: usize = 256;

/// What every block needs in a pass.
struct PassInputs<'a> {
    rows: &'a [f64],
    d: usize,
    centers: &'a [f64],
    kernels: Kernels,
    moves: &'a Moves,
    groups: &'a PassGroups,
    /// Per group: the running sum of its largest move.
    group_moved: &'a [f64],
    /// Per center: the running sum of the largest move of all (a global bound's offset).
    global_offset: &'a [f64],
    group_of: &'a [u32],
    margin: f64,
    first: bool,
}

/// One block's points, their bounds, and the scratch of a pass.
struct Block {
    start: usize,
    len: usize,
    /// The block's points laid out for the dense scans in single precision, a
    /// [`DENSE_CHUNK`] a layout (`None` where the CPU or the dimension rules that scan
    /// out): laid out by the first pass and kept for the fit, so that the points are read
    /// and packed once — for the early dense passes, and for any later one (a center
    /// jumped and most points failed: a fresh copy then cost as much as the scan).
    narrow: Option<Vec<NarrowLayout>>,
    /// A chunk laid out in double precision, where the single-precision scan does not
    /// run (made the first time it is needed, filled for each chunk).
    layout: Option<Layout>,
    /// Each point's label, `u − moved[a]` and `global + all_moved`, 8 points a group.
    bounds: Vec<BoundsGroup>,
    /// Each point's group bounds, `l_g + group_moved[g]` (`[point][group]`).
    lowers: Vec<f32>,
    pending: Vec<u32>,
    changes: Vec<Change>,
    /// Scratch: a dense chunk's labels before its scan (on the first pass, after it, for
    /// the block's sums).
    old_labels: Vec<u32>,
    sparse: SparseScratch,
    /// The block's share of the update.
    sums: BlockSums,
}

impl Block {
    fn new(points: Points<'_>, start: usize, len: usize, t: usize) -> Self {
        let (d, padded) = (points.d(), len.next_multiple_of(LANES));
        Self {
            start,
            len,
            narrow: NarrowLayout::new(d).map(|_| Vec::new()),
            layout: None,
            bounds: vec![BoundsGroup::PADDING; padded / LANES],
            lowers: vec![0.0; len * t],
            pending: vec![0; padded + LANES],
            changes: Vec::new(),
            old_labels: Vec::with_capacity(DENSE_CHUNK),
            sparse: SparseScratch::new(d, t),
            sums: BlockSums::default(),
        }
    }

    fn label(&self, i: usize) -> u32 {
        self.bounds[i / LANES].labels[i % LANES]
    }

    /// The block's pass; returns the distances it computed.
    fn pass(&mut self, p: &PassInputs<'_>, labels: &mut [u32]) -> u64 {
        self.changes.clear();
        self.sums.clear();
        let evaluations = if p.first {
            self.dense(p)
        } else {
            let threshold = &p.moves.threshold;
            let pending = p.kernels.sweep(
                Swept::Bounds(&self.bounds),
                threshold,
                p.margin,
                &mut self.pending,
            );
            // Where most points fail the global test, the group test rarely spares
            // enough of them to avoid a dense scan: go dense without it.
            let kept = match pending as f64 > FILTER_SHARE * self.len as f64 {
                true => pending,
                false => self.group_filter(p, pending),
            };
            match kept as f64 > DENSE_SHARE * self.len as f64 {
                true => self.dense(p),
                false => self.sparse_pass(p, kept),
            }
        };
        if p.first {
            for (label, group) in labels.chunks_mut(LANES).zip(&self.bounds) {
                label.copy_from_slice(&group.labels[..label.len()]);
            }
        } else {
            for c in &self.changes {
                labels[c.point as usize - self.start] = c.to;
            }
            let k = p.centers.len() / p.d;
            self.sums.take_moves(p.rows, &self.changes, (k, p.d));
        }
        evaluations
    }

    /// Every point of the block scanned against every center, all bounds afresh, a
    /// chunk of [`DENSE_CHUNK`] points at a time (its results stay in the cache).
    fn dense(&mut self, p: &PassInputs<'_>) -> u64 {
        for first in (0..self.len).step_by(DENSE_CHUNK) {
            let len = DENSE_CHUNK.min(self.len - first);
            self.dense_chunk(p, first, len);
        }
        (self.len * p.centers.len() / p.d) as u64
    }

    /// [`Block::dense`] for the `len` points from `first` on (a multiple of 8): the
    /// kernel writes their bounds in place.
    fn dense_chunk(&mut self, p: &PassInputs<'_>, first: usize, len: usize) {
        let (d, t) = (p.d, p.group_moved.len());
        let bounds = &self.bounds;
        let old = (first..first + len).map(|i| bounds[i / LANES].labels[i % LANES]);
        self.old_labels.clear();
        self.old_labels.extend(old);
        let rows = &p.rows[(self.start + first) * d..(self.start + first + len) * d];
        let groups = first / LANES..(first + len).div_ceil(LANES);
        let out = GroupedOut {
            bounds: &mut self.bounds[groups],
            lowers: &mut self.lowers[first * t..(first + len) * t],
            upper_offset: &p.moves.moved,
            global_offset: p.global_offset,
            lower_offset: p.group_moved,
            slack: slack(d),
        };
        let chunk = Points::new(rows, d).expect("whole rows");
        let out = match &mut self.narrow {
            Some(chunks) => {
                let c = first / DENSE_CHUNK;
                if chunks.len() == c {
                    let mut narrow = NarrowLayout::new(d).expect("the scan runs here");
                    narrow.fill(chunk);
                    chunks.push(narrow);
                }
                chunks[c].scan_grouped(rows, &p.groups.grouped, out)
            }
            None => Err(out),
        };
        if let Err(out) = out {
            match &mut self.layout {
                Some(layout) => layout.fill(chunk),
                None => self.layout = Some(Layout::new(chunk)),
            }
            let layout = self.layout.as_ref().expect("laid out above");
            layout.scan_grouped(rows, &p.groups.grouped, out);
        }
        if p.first {
            // Its rows are in the cache: their sums now.
            let bounds = &self.bounds;
            let labels = (first..first + len).map(|i| bounds[i / LANES].labels[i % LANES]);
            self.old_labels.clear();
            self.old_labels.extend(labels);
            let k = p.centers.len() / d;
            self.sums.add_rows(rows, &self.old_labels, (k, d));
            return;
        }
        for (c, &old) in self.old_labels.iter().enumerate() {
            let new = self.label(first + c);
            if old != new {
                self.changes.push(Change {
                    point: (self.start + first + c) as u32,
                    from: old,
                    to: new,
                });
            }
        }
    }

    /// Stores point `i`'s label and its upper and global bounds, lazily.
    fn store(&mut self, i: usize, label: u32, upper: f64, global: f64, moves: &Moves) {
        let group = &mut self.bounds[i / LANES];
        let lane = i % LANES;
        group.labels[lane] = label;
        group.upper[lane] = f32_up(upper - moves.moved[label as usize]);
        group.lower[lane] = f32_down(global + moves.all_moved);
    }
}

/// Bounds per group of centers over fixed blocks; see the module comment.
pub(crate) struct YinyangSteps<'a> {
    rows: &'a [f64],
    n: usize,
    d: usize,
    k: usize,
    method: Method,
    kernels: Kernels,
    groups: Vec<Vec<u32>>,
    group_of: Vec<u32>,
    group_moved: Vec<f64>,
    blocks: Vec<Block>,
    moves: Moves,
    /// A bound on the norm of every point: with the largest center's, it scales the margin.
    largest_point: f64,
    sums: Sums,
    parallel: bool,
    evaluations: Vec<u64>,
}

impl<'a> YinyangSteps<'a> {
    /// Steps for `points` (none of norm above `largest_point`) from `initial` centers,
    /// cut into `t` groups chosen from them (Yinyang; one per center is Elkan).
    pub(crate) fn new(
        (points, largest_point): (Points<'a>, f64),
        initial: &[f64],
        (method, t): (Method, usize),
        parallel: bool,
    ) -> Self {
        let (n, d, k) = (points.n(), points.d(), initial.len() / points.d());
        let groups = group_centers(initial, d, t);
        let mut group_of = vec![0; k];
        for (g, members) in groups.iter().enumerate() {
            for &j in members {
                group_of[j as usize] = g as u32;
            }
        }
        let t = groups.len();
        let blocks = make_blocks(n, parallel, |start, len| Block::new(points, start, len, t));
        Self {
            rows: points.as_slice(),
            n,
            d,
            k,
            method,
            kernels: Kernels::detect(),
            group_moved: vec![0.0; t],
            groups,
            group_of,
            blocks,
            moves: Moves::new(k, d, Lower::All),
            largest_point,
            sums: Sums::new(k, d),
            parallel,
            evaluations: Vec::new(),
        }
    }
}

impl Steps for YinyangSteps<'_> {
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
        self.moves.advance(centers);
        for (moved, members) in self.group_moved.iter_mut().zip(&self.groups) {
            let largest = members.iter().map(|&j| self.moves.step[j as usize]);
            *moved += largest.fold(0.0, f64::max);
        }
        let groups = PassGroups::new(centers, self.d, &self.groups);
        // Padded to whole vectors, like the moves, for the kernels' permute lookup.
        let global_offset = vec![self.moves.all_moved; self.k.next_multiple_of(8)];
        let inputs = PassInputs {
            rows: self.rows,
            d: self.d,
            centers,
            kernels: self.kernels,
            moves: &self.moves,
            groups: &groups,
            group_moved: &self.group_moved,
            global_offset: &global_offset,
            group_of: &self.group_of,
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
        let t = self.groups.len();
        let mut facts = PrunedFacts::new(
            self.method,
            self.kernels.simd(),
            threads(self.parallel),
            BoundBytes::of(self.n, (2 + t) * size_of::<f32>()),
            (self.n, self.k),
            &self.evaluations,
        );
        facts.groups = Some(t);
        Details::new(facts)
    }
}
