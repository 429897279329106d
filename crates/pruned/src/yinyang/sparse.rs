//! A block's pass when few of its points fail the global test: each failing point's
//! group bounds are tested, its distance to its own center tightens its upper bound, and
//! only the groups it still does not rule out are scanned — group by group, every point
//! that needs a group scanned together, packed 16 at a time for `parallel`'s exact
//! top-two scan ([`Kernels::top2`]), so the scattered points are scanned at the vector
//! width.

use ladder_parallel::{LANES, Pending, Top2, f32_down, prefetch};

use super::{Block, PassInputs};
use crate::moves::slack;
use crate::sums::Change;

/// How far ahead of the point it tests the group filter fetches a point's bounds.
const AHEAD: usize = 32;

/// Pending points whose memory is fetched ahead at a time.
const PREFETCH: usize = 32;

/// The nearest center found so far: its squared distance and index.
#[derive(Debug, Clone, Copy)]
pub(super) struct Nearest {
    value: f64,
    center: u32,
}

impl Nearest {
    /// Whether `(value, center)` comes before this: nearer, or as near with a lower index.
    fn beaten_by(self, value: f64, center: u32) -> bool {
        value < self.value || (value == self.value && center < self.center)
    }
}

/// One group's scan in a sparse pass: which pending points it scans (their slots in
/// `pending`), and what it found for each — the nearest center of the group, and the two
/// smallest squared distances.
#[derive(Debug, Default)]
pub(super) struct GroupScan {
    slots: Vec<u32>,
    rows: Vec<u32>,
    centers: Vec<u32>,
    first: Vec<f64>,
    second: Vec<f64>,
}

/// The scratch of a block's sparse passes.
#[derive(Debug, Default)]
pub(super) struct SparseScratch {
    /// The pending points as rows, their labels, and their exact squared distances to
    /// their centers.
    rows: Vec<u32>,
    labels: Vec<u32>,
    own: Vec<f64>,
    /// Per pending point: the nearest center found, and whether any group is scanned.
    best: Vec<Nearest>,
    scanned: Vec<bool>,
    /// Per group.
    groups: Vec<GroupScan>,
    /// The kernels' packing space.
    pack: Vec<f64>,
}

impl SparseScratch {
    pub(super) fn new(d: usize, t: usize) -> Self {
        Self {
            groups: (0..t).map(|_| GroupScan::default()).collect(),
            pack: vec![0.0; 2 * LANES * d],
            ..Self::default()
        }
    }
}

impl Block {
    /// The sparse pass over the first `kept` points of `self.pending` (those that failed
    /// the group filter); returns the distances it computed.
    pub(super) fn sparse_pass(&mut self, p: &PassInputs<'_>, kept: usize) -> u64 {
        self.own_distances(p, kept);
        self.plan_scans(p, kept);
        let mut evaluations = kept as u64;
        for g in 0..p.group_moved.len() {
            evaluations += self.scan_group(p, g);
        }
        self.finish_lowers(p);
        self.finish_points(p, kept);
        evaluations
    }

    /// Of the first `pending` points, keeps those that fail some group's test with their
    /// upper bound as it stands (at the front of `pending`; returns how many). The others
    /// keep their center without a distance, and their global bound is raised to the
    /// least of their group bounds, so that they pass the global test again.
    pub(super) fn group_filter(&mut self, p: &PassInputs<'_>, pending: usize) -> usize {
        let t = p.group_moved.len();
        let mut kept = 0;
        for s in 0..pending {
            if let Some(&ahead) = self.pending[..pending].get(s + AHEAD) {
                let ahead = ahead as usize;
                prefetch(&self.lowers[ahead * t..(ahead + 1) * t]);
            }
            let i = self.pending[s] as usize;
            let global = self.group_minimum(p, i);
            let (group, lane) = (&mut self.bounds[i / LANES], i % LANES);
            let a = group.labels[lane] as usize;
            let u = f64::from(group.upper[lane]) + p.moves.moved[a];
            if u + p.margin < global {
                group.lower[lane] = f32_down(global + p.moves.all_moved);
            } else {
                // Its row is wanted next, for its own distance: fetch it now.
                let row = self.start + i;
                prefetch(&p.rows[row * p.d..(row + 1) * p.d]);
                self.pending[kept] = i as u32;
                kept += 1;
            }
        }
        kept
    }

    /// The least of point `i`'s group bounds, as they stand this pass.
    fn group_minimum(&self, p: &PassInputs<'_>, i: usize) -> f64 {
        let t = p.group_moved.len();
        let lowers = &self.lowers[i * t..(i + 1) * t];
        lowers
            .iter()
            .zip(p.group_moved)
            .map(|(&l, &m)| f64::from(l) - m)
            // No bound is NaN: a plain comparison, which compiles to one `minsd`.
            .fold(f64::INFINITY, |least, x| if x < least { x } else { least })
    }

    /// The exact squared distance of each of the first `pending` points to its center, 8
    /// at a time, into the scratch. The points are scattered through memory: each
    /// chunk's rows are fetched into the cache while the chunk before is computed, so
    /// the misses overlap instead of queueing.
    fn own_distances(&mut self, p: &PassInputs<'_>, pending: usize) {
        let (d, sc) = (p.d, &mut self.sparse);
        sc.rows.clear();
        sc.labels.clear();
        for &i in &self.pending[..pending] {
            let i = i as usize;
            sc.rows.push((self.start + i) as u32);
            sc.labels.push(self.bounds[i / LANES].labels[i % LANES]);
        }
        sc.own.resize(pending, 0.0);
        let chunks = sc
            .rows
            .chunks(PREFETCH)
            .zip(sc.labels.chunks(PREFETCH))
            .zip(sc.own.chunks_mut(PREFETCH));
        let mut ahead = sc.rows.chunks(PREFETCH).skip(1);
        for ((rows, labels), own) in chunks {
            for &row in ahead.next().unwrap_or_default() {
                let i = row as usize;
                prefetch(&p.rows[i * d..(i + 1) * d]);
            }
            let pending = Pending {
                rows: p.rows,
                idx: rows,
            };
            let centers = (p.centers, labels);
            p.kernels
                .own_distances(pending, centers, d, &mut sc.pack, own);
        }
    }

    /// With each kept point's upper bound tightened to its own distance, lists the
    /// groups each must still have scanned; a point that needs none keeps its center,
    /// with its bounds stored afresh.
    fn plan_scans(&mut self, p: &PassInputs<'_>, kept: usize) {
        let (t, up) = (p.group_moved.len(), 1.0 + slack(p.d));
        for g in &mut self.sparse.groups {
            g.slots.clear();
            g.rows.clear();
        }
        self.sparse.best.clear();
        self.sparse.scanned.clear();
        for s in 0..kept {
            let i = self.pending[s] as usize;
            let (own, a) = (self.sparse.own[s], self.sparse.labels[s]);
            let u = own.sqrt() * up;
            let mut any = false;
            for g in 0..t {
                let now = f64::from(self.lowers[i * t + g]) - p.group_moved[g];
                if u + p.margin >= now {
                    let group = &mut self.sparse.groups[g];
                    group.slots.push(s as u32);
                    group.rows.push(self.sparse.rows[s]);
                    any = true;
                }
            }
            self.sparse.best.push(Nearest {
                value: own,
                center: a,
            });
            self.sparse.scanned.push(any);
            if !any {
                let global = self.group_minimum(p, i);
                self.store(i, a, u, global, p.moves);
            }
        }
    }

    /// Scans group `g`'s centers for the points that need it; returns the distances.
    fn scan_group(&mut self, p: &PassInputs<'_>, g: usize) -> u64 {
        let (centers, members) = p.groups.group(g, p.d);
        let sc = &mut self.sparse;
        let scan = &mut sc.groups[g];
        let n = scan.slots.len();
        if n == 0 {
            return 0;
        }
        scan.centers.resize(n, 0);
        scan.first.resize(n, 0.0);
        scan.second.resize(n, 0.0);
        let out = Top2 {
            slack: None,
            labels: &mut scan.centers,
            best: &mut scan.first,
            second: &mut scan.second,
        };
        let pending = Pending {
            rows: p.rows,
            idx: &scan.rows,
        };
        p.kernels.top2(pending, centers, p.d, &mut sc.pack, out);
        for (e, &s) in scan.slots.iter().enumerate() {
            let center = members[scan.centers[e] as usize];
            scan.centers[e] = center;
            let best = &mut sc.best[s as usize];
            if best.beaten_by(scan.first[e], center) {
                *best = Nearest {
                    value: scan.first[e],
                    center,
                };
            }
        }
        (n * members.len()) as u64
    }

    /// Each scanned group's bound for each point it scanned: its nearest center's
    /// distance, or its second's where the nearest is the point's new center.
    fn finish_lowers(&mut self, p: &PassInputs<'_>) {
        let (t, down) = (p.group_moved.len(), 1.0 - slack(p.d));
        for (g, scan) in self.sparse.groups.iter().enumerate() {
            for (e, &s) in scan.slots.iter().enumerate() {
                let i = self.pending[s as usize] as usize;
                let label = self.sparse.best[s as usize].center;
                let m = match scan.centers[e] == label {
                    true => scan.second[e],
                    false => scan.first[e],
                };
                self.lowers[i * t + g] = f32_down(m.sqrt() * down + p.group_moved[g]);
            }
        }
    }

    /// Every scanned point's label and bounds, in point order, and its change of
    /// cluster if it moved.
    fn finish_points(&mut self, p: &PassInputs<'_>, kept: usize) {
        let (t, d) = (p.group_moved.len(), p.d);
        let (up, down) = (1.0 + slack(d), 1.0 - slack(d));
        for s in 0..kept {
            if !self.sparse.scanned[s] {
                continue;
            }
            let i = self.pending[s] as usize;
            let (a, best) = (self.sparse.labels[s], self.sparse.best[s]);
            if best.center != a {
                // The old center is now one of the others: its group's bound must
                // allow it (a scan of the group already did).
                let g = p.group_of[a as usize] as usize;
                let was = f32_down(self.sparse.own[s].sqrt() * down + p.group_moved[g]);
                self.lowers[i * t + g] = self.lowers[i * t + g].min(was);
                self.changes.push(Change {
                    point: (self.start + i) as u32,
                    from: a,
                    to: best.center,
                });
            }
            let global = self.group_minimum(p, i);
            self.store(i, best.center, best.value.sqrt() * up, global, p.moves);
        }
    }
}
