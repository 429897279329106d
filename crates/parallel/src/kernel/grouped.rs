//! The scans that bound-keeping engines need (the `pruned` rung): every point against
//! centers cut into groups, giving the point's nearest center, an upper bound on its
//! distance to it and, for each group, a lower bound on its distance to every center of
//! the group but its own ([`grouped_exact`], [`grouped_dot`]); and one point against
//! chosen groups of 8 centers, with the contract's exact formula ([`row_distances`]).

use ladder_core::nearest;

use super::{DotCenters, dims, exact_dist, lanes};
use crate::LANES;
use crate::isa::Isa;

/// Centers in group order, each group padded to a multiple of 4 slots, for a grouped
/// scan: the padding never wins (an infinite distance), and every slot knows the center
/// it holds.
#[derive(Debug, Clone)]
pub struct GroupedCenters {
    /// The centers in original order (`k × d`), for exact re-checks.
    pub(crate) original: Vec<f64>,
    /// The slots' centers, row-major: the exact path's (padding at +∞).
    pub(crate) exact: Vec<f64>,
    /// The slots' centers as the dot-product path wants them.
    pub(crate) dot: DotCenters,
    /// Where each group's slots start (`groups + 1` values, multiples of 4).
    pub(crate) starts: Vec<usize>,
    /// Each slot's center (`u32::MAX` for padding).
    pub(crate) slot_center: Vec<u32>,
    /// Each center's group.
    pub(crate) group_of: Vec<u32>,
}

impl GroupedCenters {
    /// The `k × d` `centers` cut into `groups` (lists of center indices that cover every
    /// center once).
    pub fn new(centers: &[f64], d: usize, groups: &[Vec<u32>]) -> Self {
        let k = centers.len() / d;
        let (mut exact, mut slot_center, mut starts) = (Vec::new(), Vec::new(), vec![0]);
        let mut group_of = vec![0; k];
        for (g, members) in groups.iter().enumerate() {
            for &j in members {
                exact.extend_from_slice(&centers[j as usize * d..(j as usize + 1) * d]);
                slot_center.push(j);
                group_of[j as usize] = g as u32;
            }
            while slot_center.len() % 4 != 0 {
                exact.extend(std::iter::repeat_n(f64::INFINITY, d));
                slot_center.push(u32::MAX);
            }
            starts.push(slot_center.len());
        }
        let mut dot = DotCenters::new(&exact, d);
        for (norm, &c) in dot.norms.iter_mut().zip(&slot_center) {
            if c == u32::MAX {
                *norm = f64::INFINITY;
            }
        }
        for (slot, c) in dot.centers.chunks_exact_mut(d).zip(&slot_center) {
            if *c == u32::MAX {
                slot.fill(0.0);
            }
        }
        dot.max_norm = dot
            .norms
            .iter()
            .copied()
            .filter(|n| n.is_finite())
            .fold(0.0, f64::max);
        Self {
            original: centers.to_vec(),
            exact,
            dot,
            starts,
            slot_center,
            group_of,
        }
    }

    /// Number of groups.
    pub fn groups(&self) -> usize {
        self.starts.len() - 1
    }
}

/// Where a grouped scan's results go, point by point.
#[derive(Debug)]
pub struct GroupedOut<'a> {
    /// Each point's nearest center (the contract's, the lowest index on a tie).
    pub labels: &'a mut [u32],
    /// Each point's distance to it, rounded up.
    pub upper: &'a mut [f64],
    /// For each point and group (`[point][group]`), its distance to the nearest center
    /// of the group other than its own, rounded down.
    pub lower: &'a mut [f64],
    /// The relative slack every distance is widened by (on top of the bounded error of
    /// the dot-product path).
    pub slack: f64,
}

/// One block of points for a grouped scan, and where its results go.
pub(crate) struct GroupedBlock<'a> {
    /// `[group][feature][lane]`.
    pub(crate) groups: &'a [f64],
    /// `‖x‖²` of every point, `[group][lane]`.
    pub(crate) norms: &'a [f64],
    /// The same points, row-major.
    pub(crate) rows: &'a [f64],
    pub(crate) labels: &'a mut [u32],
    pub(crate) upper: &'a mut [f64],
    pub(crate) lower: &'a mut [f64],
    pub(crate) slack: f64,
}

/// One lane's results before they are resolved: the scan's nearest slot and the two
/// smallest squared distances, overall and per group (`[group][lane]`, less `offset`),
/// with their error.
struct LaneScan<'a> {
    best: f64,
    second: f64,
    best_slot: usize,
    min1: &'a [[f64; LANES]],
    min2: &'a [[f64; LANES]],
    lane: usize,
    /// What the group minima are short of squared distances (`‖x‖²` on the dot path).
    offset: f64,
    /// Absolute error of every squared distance of the lane.
    err: f64,
}

/// Writes point `i`'s label and bounds from its scan; settles a near tie exactly.
fn resolve(
    block: &mut GroupedBlock<'_>,
    centers: &GroupedCenters,
    d: usize,
    i: usize,
    s: LaneScan<'_>,
) {
    let scanned = centers.slot_center[s.best_slot];
    let (label, best) = if s.second - s.best > 2.0 * s.err {
        (scanned, s.best + s.err)
    } else {
        nearest(&block.rows[i * d..(i + 1) * d], &centers.original)
    };
    let (up, down) = (1.0 + block.slack, 1.0 - block.slack);
    block.labels[i] = label;
    block.upper[i] = best.sqrt() * up;
    let own = centers.group_of[label as usize] as usize;
    let t = centers.groups();
    for (g, lower) in block.lower[i * t..(i + 1) * t].iter_mut().enumerate() {
        // The own group's smallest is the label's own distance (exactly so on the exact
        // path, where the label's is the smallest of all), so its second counts; on the
        // dot path only when the label is the value's argmin (not a near tie settled
        // otherwise), else the smallest is kept, which is safe.
        let own_second = s.err == 0.0 || label == scanned;
        let m = match g == own && own_second {
            true => s.min2[g][s.lane],
            false => s.min1[g][s.lane],
        };
        *lower = (m + s.offset - s.err).max(0.0).sqrt() * down;
    }
}

/// The grouped scan with the contract's exact formula: every slot, 8 points at a time.
#[inline(always)]
pub(crate) fn grouped_exact<S: Isa, const D: usize>(
    isa: S,
    mut block: GroupedBlock<'_>,
    centers: &GroupedCenters,
    d: usize,
) {
    let d = dims::<D>(d);
    let t = centers.groups();
    let (mut min1, mut min2) = (vec![[0.0; LANES]; t], vec![[0.0; LANES]; t]);
    let points = block.labels.len();
    for (gi, xs) in block.groups.chunks_exact(d * LANES).enumerate() {
        let mut best = isa.splat(f64::INFINITY);
        let mut second = isa.splat(f64::INFINITY);
        let mut best_slot = isa.splat(0.0);
        for g in 0..t {
            let (mut m1, mut m2) = (isa.splat(f64::INFINITY), isa.splat(f64::INFINITY));
            for slot in centers.starts[g]..centers.starts[g + 1] {
                let acc = exact_dist(isa, xs, &centers.exact[slot * d..(slot + 1) * d]);
                let in_group = isa.lt(acc, m1);
                m2 = isa.select(in_group, m1, isa.min(m2, acc));
                m1 = isa.select(in_group, acc, m1);
                let better = isa.lt(acc, best);
                second = isa.select(better, best, isa.min(second, acc));
                best = isa.select(better, acc, best);
                best_slot = isa.select(better, isa.splat(slot as f64), best_slot);
            }
            (min1[g], min2[g]) = (isa.store(m1), isa.store(m2));
        }
        let (best, second, best_slot) = (isa.store(best), isa.store(second), isa.store(best_slot));
        for l in 0..LANES {
            let i = gi * LANES + l;
            if i >= points {
                break;
            }
            // Exact values: only an exact tie needs the re-check (for the lowest index).
            let scan = LaneScan {
                best: best[l],
                second: second[l],
                best_slot: best_slot[l] as usize,
                min1: &min1,
                min2: &min2,
                lane: l,
                offset: 0.0,
                err: 0.0,
            };
            resolve(&mut block, centers, d, i, scan);
        }
    }
}

/// The grouped scan by `‖c‖² − 2x·c` with FMAs, `G` point groups at a time against 4
/// slots at a time; every value's error is bounded, near ties are settled exactly.
#[inline(always)]
pub(crate) fn grouped_dot<S: Isa, const D: usize, const G: usize>(
    isa: S,
    mut block: GroupedBlock<'_>,
    centers: &GroupedCenters,
    d: usize,
) {
    let d = dims::<D>(d);
    let point_groups = block.groups.len() / (d * LANES);
    let t = centers.groups();
    let mut minima = (vec![[0.0; LANES]; G * t], vec![[0.0; LANES]; G * t]);
    let mut g = 0;
    while g + G <= point_groups {
        grouped_dot_run::<S, D, G>(isa, &mut block, g, centers, d, &mut minima);
        g += G;
    }
    while g < point_groups {
        grouped_dot_run::<S, D, 1>(isa, &mut block, g, centers, d, &mut minima);
        g += 1;
    }
}

/// Per point group and center group (`[h * groups + g][lane]`), the two smallest values.
type Minima = (Vec<[f64; LANES]>, Vec<[f64; LANES]>);

/// `grouped_dot` for the `G` point groups from group `g0`.
#[inline(always)]
fn grouped_dot_run<S: Isa, const D: usize, const G: usize>(
    isa: S,
    block: &mut GroupedBlock<'_>,
    g0: usize,
    centers: &GroupedCenters,
    d: usize,
    (min1, min2): &mut Minima,
) {
    let d = dims::<D>(d);
    let (width, t, dot) = (d * LANES, centers.groups(), &centers.dot);
    let xs = &block.groups[g0 * width..(g0 + G) * width];
    let mut best = [isa.splat(f64::INFINITY); G];
    let mut second = [isa.splat(f64::INFINITY); G];
    let mut best_slot = [isa.splat(0.0); G];
    for g in 0..t {
        let mut m1 = [isa.splat(f64::INFINITY); G];
        let mut m2 = [isa.splat(f64::INFINITY); G];
        for q in centers.starts[g] / 4..centers.starts[g + 1] / 4 {
            let (c4, n4) = (
                &dot.centers[4 * q * d..4 * (q + 1) * d],
                &dot.norms[4 * q..4 * q + 4],
            );
            let norms = [
                isa.splat(n4[0]),
                isa.splat(n4[1]),
                isa.splat(n4[2]),
                isa.splat(n4[3]),
            ];
            let mut acc = [norms; G];
            for t in 0..d {
                let c = [
                    isa.splat(c4[t]),
                    isa.splat(c4[d + t]),
                    isa.splat(c4[2 * d + t]),
                    isa.splat(c4[3 * d + t]),
                ];
                for h in 0..G {
                    let x = isa.load(lanes(&xs[h * width..(h + 1) * width], t));
                    for m in 0..4 {
                        acc[h][m] = isa.fmadd(x, c[m], acc[h][m]);
                    }
                }
            }
            for h in 0..G {
                for (m, &a) in acc[h].iter().enumerate() {
                    let in_group = isa.lt(a, m1[h]);
                    m2[h] = isa.select(in_group, m1[h], isa.min(m2[h], a));
                    m1[h] = isa.select(in_group, a, m1[h]);
                    let better = isa.lt(a, best[h]);
                    second[h] = isa.select(better, best[h], isa.min(second[h], a));
                    best[h] = isa.select(better, a, best[h]);
                    best_slot[h] = isa.select(better, isa.splat((4 * q + m) as f64), best_slot[h]);
                }
            }
        }
        for h in 0..G {
            (min1[h * t + g], min2[h * t + g]) = (isa.store(m1[h]), isa.store(m2[h]));
        }
    }
    let tolerance = 32.0 * (d + 2) as f64 * f64::EPSILON;
    for h in 0..G {
        let (best, second) = (isa.store(best[h]), isa.store(second[h]));
        let best_slot = isa.store(best_slot[h]);
        for l in 0..LANES {
            let i = (g0 + h) * LANES + l;
            if i >= block.labels.len() {
                break;
            }
            let norm = block.norms[i];
            let scan = LaneScan {
                best: best[l] + norm,
                second: second[l] + norm,
                best_slot: best_slot[l] as usize,
                min1: &min1[h * t..(h + 1) * t],
                min2: &min2[h * t..(h + 1) * t],
                lane: l,
                offset: norm,
                err: tolerance * (norm + dot.max_norm),
            };
            resolve(block, centers, d, i, scan);
        }
    }
}

/// The contract's exact squared distances from `point` to the rows of the laid-out
/// `groups` (8 rows a group, feature-major), written 8 at a time to `out`.
#[inline(always)]
pub(crate) fn row_distances<S: Isa, const D: usize>(
    isa: S,
    groups: &[f64],
    point: &[f64],
    d: usize,
    out: &mut [f64],
) {
    let d = dims::<D>(d);
    let per_group = groups
        .chunks_exact(d * LANES)
        .zip(out.chunks_exact_mut(LANES));
    for (xs, out) in per_group {
        out.copy_from_slice(&isa.store(exact_dist(isa, xs, &point[..d])));
    }
}
