//! Small fits: Hamerly's bounds instead of threads.
//!
//! A fit too small to split over threads (under [`crate::PARALLEL_WORK`] distance terms
//! per pass, like the seed's 5000 × 2 with k = 10) spends a few microseconds per pass,
//! and handing work to another core costs about as much as it saves. What still pays is
//! doing less work: after the first passes most points cannot change cluster, and a pair
//! of bounds proves it without computing a distance (Hamerly, "Making k-means even
//! faster", 2010).
//!
//! - For point `i` with center `a`, `u ≥ ‖x − c_a‖` and `l ≤ ‖x − c_j‖` for every other
//!   `j`. When the centers move, `u` grows by how far `c_a` moved and `l` shrinks by the
//!   largest move of any other center. While `u < l`, center `a` is strictly the nearest:
//!   the point keeps its label and no distance is computed.
//! - The bounds are kept lazily, as offsets from per-cluster running sums of the moves,
//!   so the test over all points is one load of each bound, one table lookup and one
//!   compare per point, 8 points at a time (`kernel::sweep`), with no stores.
//! - The points that fail the test are packed into groups of 8 and scanned against every
//!   center with the exact formula (`kernel::top2_rows`), which also gives fresh bounds.
//!   Their labels are therefore exactly the contract's; the test only ever skips points
//!   whose nearest center is nearer than every other by a margin that covers the
//!   rounding of the bounds and of the contract's own distances.
//! - The update is incremental: only the points that changed cluster are subtracted from
//!   their old cluster's sum and added to their new one, in point order; clusters nobody
//!   left or joined keep their centers bit for bit, so the stop rule is the contract's.
//!
//! The cost: two bounds per point and running sums that are not re-added from scratch,
//! so the centers differ from `naive`'s by rounding (as the blocked sums of the threaded
//! path do); the labels and iterations are tested to be the same.

use std::fmt;

use ladder_core::{Details, Points, Steps, divide_sums, sq_dist};
use serde::{Serialize, Serializer};

use crate::isa::Kernel;
use crate::kernel::{BoundsGroup, Pending, Top2};
use crate::{LANES, Method, Simd, accumulate};

/// Points scanned at a time: the scan's output stays small (and in cache).
const SCAN_CHUNK: usize = 1024;

/// Hamerly's bounds on one thread; see the module comment.
pub(crate) struct BoundsSteps<'a> {
    points: Points<'a>,
    kernel: Kernel,
    /// Each point's cluster and lazy bounds, `u = upper + moved[a]` and
    /// `l = lower − others_moved[a]`, in groups of 8 points.
    groups: Vec<BoundsGroup>,
    /// Per cluster: how far it moved this pass (`step`), how far it has moved in all
    /// (`moved`), the running sum of the largest move of any other cluster
    /// (`others_moved`), and the last two added (`threshold`).
    step: Vec<f64>,
    moved: Vec<f64>,
    others_moved: Vec<f64>,
    threshold: Vec<f64>,
    /// The largest norm of any point, and of any center so far: every distance, and so
    /// every bound, is at most their sum, which scales the rounding margin.
    largest_point: f64,
    largest_center: f64,
    /// The centers of the last pass.
    previous: Vec<f64>,
    passes: usize,
    /// Points that failed the test this pass (the first `pending_len`; 8 spare slots
    /// past the points); they are scanned [`SCAN_CHUNK`] at a time into `scan_*`, and
    /// packed for the kernel 16 at a time into `scratch`.
    pending: Vec<u32>,
    pending_len: usize,
    scratch: Vec<f64>,
    scan_labels: Vec<u32>,
    scan_best: Vec<f64>,
    scan_second: Vec<f64>,
    /// `(point, old cluster, new cluster)` for every point that changed this pass.
    changes: Vec<(u32, u32, u32)>,
    /// Per-cluster sums and counts, kept up to date by the changes.
    sums: Vec<f64>,
    counts: Vec<u32>,
    /// Points scanned against every center, all passes together.
    scanned: u64,
}

impl<'a> BoundsSteps<'a> {
    pub(crate) fn new(points: Points<'a>, k: usize) -> Self {
        let (n, d) = (points.n(), points.d());
        let padded = n.next_multiple_of(LANES);
        // Padding lanes always pass the test: u = −∞, l = +∞.
        Self {
            points,
            kernel: Kernel::detect(),
            groups: vec![BoundsGroup::PADDING; padded / LANES],
            step: vec![0.0; k],
            moved: vec![0.0; k],
            others_moved: vec![0.0; k],
            // Padded to whole vectors, so the kernels can look it up with a permute.
            threshold: vec![0.0; k.next_multiple_of(LANES)],
            largest_point: points
                .rows()
                .map(|x| x.iter().map(|v| v * v).sum::<f64>())
                .fold(0.0, f64::max)
                .sqrt(),
            largest_center: 0.0,
            previous: vec![0.0; k * d],
            passes: 0,
            pending: vec![0; padded + LANES],
            pending_len: 0,
            scratch: vec![0.0; 2 * LANES * d],
            scan_labels: vec![0; SCAN_CHUNK],
            scan_best: vec![0.0; SCAN_CHUNK],
            scan_second: vec![0.0; SCAN_CHUNK],
            changes: Vec::new(),
            sums: vec![0.0; k * d],
            counts: vec![0; k],
            scanned: 0,
        }
    }

    /// Adds this pass's center moves to the running sums; returns the test's margin.
    fn advance(&mut self, centers: &[f64]) -> f64 {
        let d = self.points.d();
        let slack = slack(d);
        let step = &mut self.step;
        for ((s, c), p) in step
            .iter_mut()
            .zip(centers.chunks_exact(d))
            .zip(self.previous.chunks_exact(d))
        {
            *s = sq_dist(c, p).sqrt() * (1.0 + slack);
        }
        // The largest and second-largest move: the largest move of any *other* cluster
        // is the largest, except for the cluster that made it.
        let (mut first, mut second, mut first_j) = (0.0, 0.0, usize::MAX);
        for (j, &s) in step.iter().enumerate() {
            if s > first {
                (second, first, first_j) = (first, s, j);
            } else if s > second {
                second = s;
            }
        }
        let mut largest = 0.0f64;
        for (j, &s) in step.iter().enumerate() {
            self.moved[j] += s;
            self.others_moved[j] += if j == first_j { second } else { first };
            self.threshold[j] = self.moved[j] + self.others_moved[j];
            largest = largest.max(self.threshold[j]);
        }
        // Every stored bound is a distance (at most `largest_point + largest_center`) plus
        // or minus a running sum (at most `largest`), and each carries a few roundings of
        // that size per pass; the margin covers them all, and the contract's rounding.
        let per_pass = 16.0 * f64::EPSILON * (self.passes + 1) as f64;
        let distance = self.largest_point + self.largest_center;
        (slack + per_pass) * 2.0 * (largest + distance)
    }

    /// Keeps `largest_center` up to date with `centers`.
    fn see_centers(&mut self, centers: &[f64]) {
        let d = self.points.d();
        for c in centers.chunks_exact(d) {
            let norm = c.iter().map(|v| v * v).sum::<f64>().sqrt();
            self.largest_center = self.largest_center.max(norm);
        }
    }

    /// Scans the `pending` points against every center with the exact formula, and
    /// stores what it found: labels, fresh bounds, and (unless `first`) the changes of
    /// cluster.
    fn scan(&mut self, centers: &[f64], first: bool) {
        let d = self.points.d();
        let rows = self.points.as_slice();
        let pending = &self.pending[..self.pending_len];
        self.scanned += pending.len() as u64;
        for chunk in pending.chunks(SCAN_CHUNK) {
            let out = Top2 {
                slack: slack(d),
                labels: &mut self.scan_labels[..chunk.len()],
                best: &mut self.scan_best[..chunk.len()],
                second: &mut self.scan_second[..chunk.len()],
            };
            let scratch = &mut self.scratch;
            let pending = Pending { rows, idx: chunk };
            self.kernel.top2(pending, centers, d, scratch, out);
            // Plain slices, so the loop keeps its pointers in registers.
            let groups = &mut self.groups[..];
            let (moved, others_moved) = (&self.moved[..], &self.others_moved[..]);
            let found = chunk
                .iter()
                .zip(&self.scan_labels)
                .zip(self.scan_best.iter().zip(&self.scan_second));
            for ((&i, &new), (&best, &second)) in found {
                let (i, a) = (i as usize, new as usize);
                let (group, lane) = (&mut groups[i / LANES], i % LANES);
                let old = group.labels[lane];
                if old != new && !first {
                    self.changes.push((i as u32, old, new));
                }
                group.labels[lane] = new;
                group.upper[lane] = best - moved[a];
                group.lower[lane] = second + others_moved[a];
            }
        }
    }
}

/// Relative slack that covers the rounding of a distance in `d` dimensions computed by
/// the contract's formula, of its square root, and of each bound update.
fn slack(d: usize) -> f64 {
    1e-12 + 4.0 * (d + 2) as f64 * f64::EPSILON
}

impl Steps for BoundsSteps<'_> {
    fn assign(&mut self, centers: &[f64], labels: &mut [u32]) {
        self.changes.clear();
        self.see_centers(centers);
        if self.passes == 0 {
            let n = self.points.n();
            for (slot, i) in self.pending.iter_mut().zip(0..n as u32) {
                *slot = i;
            }
            self.pending_len = n;
            self.scan(centers, true);
            for (labels, group) in labels.chunks_mut(LANES).zip(&self.groups) {
                labels.copy_from_slice(&group.labels[..labels.len()]);
            }
        } else {
            let margin = self.advance(centers);
            let kernel = self.kernel;
            self.pending_len =
                kernel.sweep(&self.groups, &self.threshold, margin, &mut self.pending);
            self.scan(centers, false);
            for &(i, _, new) in &self.changes {
                labels[i as usize] = new;
            }
        }
        self.previous.copy_from_slice(centers);
        self.passes += 1;
    }

    fn update(&mut self, labels: &[u32], centers: &mut [f64]) {
        let d = self.points.d();
        if self.passes == 1 {
            // The first pass: every point is new, sum them all in point order.
            let rows = self.points.as_slice();
            accumulate(rows, labels, d, &mut self.sums, &mut self.counts);
        } else {
            for &(i, old, new) in &self.changes {
                let x = self.points.row(i as usize);
                let (old, new) = (old as usize, new as usize);
                for (s, x) in self.sums[old * d..(old + 1) * d].iter_mut().zip(x) {
                    *s -= x;
                }
                for (s, x) in self.sums[new * d..(new + 1) * d].iter_mut().zip(x) {
                    *s += x;
                }
                self.counts[old] -= 1;
                self.counts[new] += 1;
            }
        }
        // A cluster nobody left or joined gets the same center, bit for bit; an empty one
        // keeps its center and forgets any rounding left in its sum.
        divide_sums(&self.sums, &self.counts, centers);
        for (sum, &count) in self.sums.chunks_exact_mut(d).zip(&self.counts) {
            if count == 0 {
                sum.fill(0.0);
            }
        }
    }

    fn details(&self) -> Details {
        let possible = (self.points.n() * self.passes.max(1)) as f64;
        Details::new(BoundsFacts {
            kernel: self.kernel.simd(),
            method: Method::HamerlyBounds,
            points_scanned: self.scanned,
            scans_skipped: Share(1.0 - self.scanned as f64 / possible),
            threads: 1,
        })
    }
}

/// What a `parallel` fit on Hamerly's bounds reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoundsFacts {
    /// The kernel the CPU ran for the exact scans and the test.
    pub kernel: Simd,
    /// Always [`Method::HamerlyBounds`].
    pub method: Method,
    /// Points scanned against every center, all passes together.
    pub points_scanned: u64,
    /// The share of point scans (`n` per pass) the bounds saved.
    pub scans_skipped: Share,
    /// Threads the fit ran on: one.
    pub threads: usize,
}

/// A share between 0 and 1, shown as a percentage with one decimal (`91.4 %`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Share(pub f64);

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} %", 100.0 * self.0)
    }
}

impl Serialize for Share {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
