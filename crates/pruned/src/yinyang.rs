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
//!   A point that fails it gets its exact distance to its center; if that is still not
//!   enough, only the groups whose bound it does not beat are scanned, with the
//!   contract's exact formula (`parallel`'s [`Layout::distances_from`], 8 centers at a
//!   time), and the nearest of the candidates — its own center and the scanned groups'
//!   — is its label, the lowest index on a tie.
//! - A block whose points mostly fail (the first pass, and early passes while the
//!   centers still move a lot) is scanned whole with `parallel`'s grouped scan, the
//!   assignment's own fast kernel, which gives every bound afresh.

use ladder_core::{Details, Evaluations, Points, Steps};
use ladder_parallel::{BoundsGroup, GroupedOut, Kernels, LANES, Layout, Pending, f32_down, f32_up};
use rayon::prelude::*;

use crate::facts::{BoundBytes, PrunedFacts};
use crate::groups::{PassGroups, group_centers};
use crate::moves::{Lower, Moves, slack};
use crate::prefetch::prefetch;
use crate::sums::{Change, Sums};
use crate::{BLOCK, Method};

/// A block whose share of failing points passes this is scanned whole.
const DENSE_SHARE: f64 = 0.4;

/// Points a dense scan does at a time.
const DENSE_CHUNK: usize = 256;

/// Pending points whose memory is fetched ahead at a time.
const PREFETCH: usize = 32;

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
    /// The block's points laid out for the dense scans.
    layout: Layout,
    /// Each point's label, `u − moved[a]` and `global + all_moved`, 8 points a group.
    bounds: Vec<BoundsGroup>,
    /// Each point's group bounds, `l_g + group_moved[g]` (`[point][group]`).
    lowers: Vec<f32>,
    pending: Vec<u32>,
    changes: Vec<Change>,
    /// Scratch: a dense chunk's labels before, one point's slot distances, its group
    /// bounds.
    old_labels: Vec<u32>,
    distances: Vec<f64>,
    now: Vec<f64>,
    scanned: Vec<(Nearest, Nearest, usize)>,
    /// The pending points as rows, their labels and their exact distances to them.
    pending_rows: Vec<u32>,
    pending_labels: Vec<u32>,
    own: Vec<f64>,
    scratch: Vec<f64>,
}

/// The candidates of one point's scan: the nearest so far, and per scanned group its two
/// nearest centers.
#[derive(Debug, Clone, Copy)]
struct Nearest {
    value: f64,
    center: u32,
}

impl Nearest {
    const NONE: Self = Self {
        value: f64::INFINITY,
        center: u32::MAX,
    };

    /// Whether `(value, center)` comes before this: nearer, or as near with a lower index.
    fn beaten_by(self, value: f64, center: u32) -> bool {
        value < self.value || (value == self.value && center < self.center)
    }
}

impl Block {
    fn new(points: Points<'_>, start: usize, len: usize, t: usize) -> Self {
        let (d, padded) = (points.d(), len.next_multiple_of(LANES));
        let rows = &points.as_slice()[start * d..(start + len) * d];
        Self {
            start,
            len,
            layout: Layout::new(Points::new(rows, d).expect("whole rows")),
            bounds: vec![BoundsGroup::PADDING; padded / LANES],
            lowers: vec![0.0; len * t],
            pending: vec![0; padded + LANES],
            changes: Vec::new(),
            old_labels: Vec::with_capacity(DENSE_CHUNK),
            distances: Vec::new(),
            now: vec![0.0; t],
            scanned: Vec::with_capacity(t),
            pending_rows: Vec::new(),
            pending_labels: Vec::new(),
            own: Vec::new(),
            scratch: vec![0.0; 2 * LANES * d],
        }
    }

    fn label(&self, i: usize) -> u32 {
        self.bounds[i / LANES].labels[i % LANES]
    }

    /// The block's pass; returns the distances it computed.
    fn pass(&mut self, p: &PassInputs<'_>, labels: &mut [u32]) -> u64 {
        self.changes.clear();
        let evaluations = if p.first {
            self.dense(p)
        } else {
            let threshold = &p.moves.threshold;
            let pending = p
                .kernels
                .sweep(&self.bounds, threshold, p.margin, &mut self.pending);
            if pending as f64 > DENSE_SHARE * self.len as f64 {
                self.dense(p)
            } else {
                self.own_distances(p, pending);
                (0..pending)
                    .map(|s| self.sparse(p, self.pending[s] as usize, self.own[s]))
                    .sum()
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
        self.layout
            .scan_grouped_from(first, rows, &p.groups.grouped, out);
        if p.first {
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

    /// The exact distance of each of the first `pending` points to its center, 8 at a
    /// time, into `own`. The pending points are scattered through memory: each chunk's
    /// rows and group bounds are fetched into the cache while the chunk before is
    /// computed, so the misses overlap instead of queueing.
    fn own_distances(&mut self, p: &PassInputs<'_>, pending: usize) {
        let (d, t) = (p.d, p.group_moved.len());
        self.pending_rows.clear();
        self.pending_labels.clear();
        for &i in &self.pending[..pending] {
            self.pending_rows.push((self.start + i as usize) as u32);
            self.pending_labels.push(self.label(i as usize));
        }
        self.own.resize(pending, 0.0);
        let chunks = self
            .pending_rows
            .chunks(PREFETCH)
            .zip(self.pending_labels.chunks(PREFETCH))
            .zip(self.own.chunks_mut(PREFETCH));
        let mut ahead = self.pending_rows.chunks(PREFETCH).skip(1);
        for ((rows, labels), own) in chunks {
            for &row in ahead.next().unwrap_or_default() {
                let i = row as usize;
                prefetch(&p.rows[i * d..(i + 1) * d]);
                prefetch(&self.lowers[(i - self.start) * t..(i - self.start + 1) * t]);
            }
            let pending = Pending {
                rows: p.rows,
                idx: rows,
            };
            let centers = (p.centers, labels);
            p.kernels
                .own_distances(pending, centers, d, &mut self.scratch, own);
        }
    }

    /// One point that failed the global test, with its exact squared distance to its
    /// center `own`: the groups its bounds do not rule out are scanned. Returns the
    /// distances computed.
    fn sparse(&mut self, p: &PassInputs<'_>, i: usize, own: f64) -> u64 {
        let (d, t) = (p.d, p.group_moved.len());
        let x = &p.rows[(self.start + i) * d..(self.start + i + 1) * d];
        let a = self.label(i);
        let (up, down) = (1.0 + slack(d), 1.0 - slack(d));
        let u = own.sqrt() * up;
        let global = f64::from(self.bounds[i / LANES].lower[i % LANES]) - p.moves.all_moved;
        if u + p.margin < global {
            self.store(i, a, u, global, p.moves);
            return 1;
        }
        let lowers = &self.lowers[i * t..(i + 1) * t];
        for ((now, &stored), &m) in self.now.iter_mut().zip(lowers).zip(p.group_moved) {
            *now = f64::from(stored) - m;
        }
        let mut best = Nearest {
            value: own,
            center: a,
        };
        let mut scanned = std::mem::take(&mut self.scanned);
        scanned.clear();
        let mut evaluations = 1;
        for g in 0..t {
            if u + p.margin < self.now[g] {
                continue;
            }
            let (first, second, n) = self.scan_group(p, x, g);
            evaluations += n;
            if best.beaten_by(first.value, first.center) {
                best = first;
            }
            scanned.push((first, second, g));
        }
        let label = best.center;
        for &(first, second, g) in &scanned {
            let m = if first.center == label { second } else { first };
            self.now[g] = m.value.sqrt() * down;
            self.lowers[i * t + g] = f32_down(self.now[g] + p.group_moved[g]);
        }
        let old_group = p.group_of[a as usize] as usize;
        if label != a {
            // The old center is now one of the others: its group's bound must allow it.
            let was = own.sqrt() * down;
            if !scanned.iter().any(|&(.., g)| g == old_group) && was < self.now[old_group] {
                self.now[old_group] = was;
                let g = old_group;
                self.lowers[i * t + g] = f32_down(self.now[g] + p.group_moved[g]);
            }
            self.changes.push(Change {
                point: (self.start + i) as u32,
                from: a,
                to: label,
            });
        }
        self.scanned = scanned;
        let global = self.now.iter().copied().fold(f64::INFINITY, f64::min);
        self.store(i, label, best.value.sqrt() * up, global, p.moves);
        evaluations
    }

    /// The two nearest centers of group `g` to `x`, exactly, and how many it computed.
    fn scan_group(&mut self, p: &PassInputs<'_>, x: &[f64], g: usize) -> (Nearest, Nearest, u64) {
        let range = p.groups.starts[g]..p.groups.starts[g + 1];
        self.distances.resize(range.len() * LANES, 0.0);
        let slots = &p.groups.slots[range.start * LANES..range.end * LANES];
        p.groups
            .layout
            .distances_from(x, range, &mut self.distances);
        let (mut first, mut second, mut n) = (Nearest::NONE, Nearest::NONE, 0);
        for (&center, &value) in slots.iter().zip(&self.distances) {
            if center == u32::MAX {
                continue;
            }
            n += 1;
            if first.beaten_by(value, center) {
                second = first;
                first = Nearest { value, center };
            } else if second.beaten_by(value, center) {
                second = Nearest { value, center };
            }
        }
        (first, second, n)
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
    largest_point: f64,
    sums: Sums,
    parallel: bool,
    evaluations: Vec<u64>,
}

impl<'a> YinyangSteps<'a> {
    /// Steps for `points` from `initial` centers, cut into `t` groups chosen from them
    /// (Yinyang; one per center is Elkan).
    pub(crate) fn new(
        points: Points<'a>,
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
        let blocks = (0..n)
            .step_by(BLOCK)
            .map(|start| Block::new(points, start, BLOCK.min(n - start), t))
            .collect();
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
            largest_point: points
                .rows()
                .map(|x| x.iter().map(|v| v * v).sum::<f64>())
                .fold(0.0, f64::max)
                .sqrt(),
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
        let global_offset = vec![self.moves.all_moved; self.k];
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
        let work = |(block, labels): (&mut Block, &mut [u32])| block.pass(&inputs, labels);
        let evaluations: u64 = if self.parallel {
            let blocks = self.blocks.par_iter_mut().zip(labels.par_chunks_mut(BLOCK));
            blocks.map(work).sum()
        } else {
            let blocks = self.blocks.iter_mut().zip(labels.chunks_mut(BLOCK));
            blocks.map(work).sum()
        };
        self.evaluations.push(evaluations);
    }

    fn update(&mut self, labels: &[u32], centers: &mut [f64]) {
        if self.moves.passes == 1 {
            self.sums.fill(self.rows, labels, BLOCK, self.parallel);
        } else {
            for block in &self.blocks {
                self.sums.apply(self.rows, &block.changes);
            }
        }
        self.sums.divide(centers);
    }

    fn evaluations(&self) -> Evaluations {
        Evaluations::Counted(self.evaluations.iter().sum())
    }

    fn details(&self) -> Details {
        let threads = match self.parallel {
            true => rayon::current_num_threads(),
            false => 1,
        };
        let t = self.groups.len();
        let mut facts = PrunedFacts::new(
            self.method,
            self.kernels.simd(),
            threads,
            BoundBytes::of(self.n, (2 + t) * size_of::<f32>()),
            (self.n, self.k),
            &self.evaluations,
        );
        facts.groups = Some(t);
        Details::new(facts)
    }
}
