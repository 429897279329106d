//! The scans that bound-keeping engines need (the `pruned` rung): every point against
//! centers cut into groups, giving the point's nearest center, an upper bound on its
//! distance to it and, for each group, a lower bound on its distance to every center of
//! the group but its own ([`grouped_exact`], [`grouped_dot`]).

use ladder_core::nearest;

use super::narrow::NarrowCenters;
use super::{BoundsGroup, DotCenters, dims, dot4, exact_dist, lanes};
use crate::LANES;
use crate::isa::{Isa, Isa32};

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
    /// The same in single precision, for the filter scan.
    pub(crate) narrow: NarrowCenters,
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
            narrow: NarrowCenters::new(&dot),
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

/// Where a grouped scan's results go: bounds as a bound-keeping engine stores them, in
/// single precision rounded outward, each relative to a running offset (so that the
/// engine can correct them later by the offsets' growth alone).
#[derive(Debug)]
pub struct GroupedOut<'a> {
    /// The points' bounds, 8 a group: each point's nearest center (the contract's, the
    /// lowest index on a tie); its distance to it less `upper_offset[label]`, rounded
    /// up; and its distance to the nearest other center plus `global_offset[label]`,
    /// rounded down.
    pub bounds: &'a mut [BoundsGroup],
    /// For each point and group (`[point][group]`), its distance to the nearest center
    /// of the group other than its own plus `lower_offset[group]`, rounded down; empty
    /// to keep none.
    pub lowers: &'a mut [f32],
    /// Per center.
    pub upper_offset: &'a [f64],
    /// Per center.
    pub global_offset: &'a [f64],
    /// Per group.
    pub lower_offset: &'a [f64],
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
    /// How many points.
    pub(crate) points: usize,
    pub(crate) out: GroupedOut<'a>,
}

/// One group of 8 points' scan before it is resolved: the nearest slot and the two
/// smallest squared distances over all centers, all `offset` short of squared
/// distances (`‖x‖²` on the dot path), each with an absolute error of at most `err`.
pub(crate) struct Scan8 {
    pub(crate) best: [f64; LANES],
    pub(crate) second: [f64; LANES],
    pub(crate) best_slot: [f64; LANES],
    pub(crate) offset: [f64; LANES],
    pub(crate) err: [f64; LANES],
}

/// The two smallest values of each center group (`[group][lane]`), as [`Scan8`]'s.
pub(crate) type GroupMinima<'a> = (&'a [[f64; LANES]], &'a [[f64; LANES]]);

/// Writes the labels and bounds of the 8 points of point group `pg`: each label from
/// the scan (a near tie settled exactly, one point at a time), then the bounds for the 8
/// points at once.
#[inline(always)]
pub(crate) fn resolve8<S: Isa>(
    isa: S,
    (rows, n, out): (&[f64], usize, &mut GroupedOut<'_>),
    centers: &GroupedCenters,
    (d, pg): (usize, usize),
    (s, (min1, min2)): (Scan8, GroupMinima<'_>),
) {
    let head = label8((rows, n), centers, (d, pg), &s);
    let down = isa.splat(1.0 - out.slack);
    let (zero, t) = (isa.splat(0.0), centers.groups());
    let (offset, err, own) = (isa.load(&s.offset), isa.load(&s.err), isa.load(&head.own));
    let mut global = isa.splat(f64::INFINITY);
    for g in 0..t {
        let is_own = isa.eq(own, isa.splat(g as f64));
        let m = isa.select(is_own, isa.load(&min2[g]), isa.load(&min1[g]));
        let m = isa.sub(isa.add(m, offset), err);
        let m = isa.select(isa.lt(m, zero), zero, m);
        let lower = isa.mul(isa.sqrt(m), down);
        global = isa.min(global, lower);
        if !out.lowers.is_empty() {
            let stored = isa.add(lower, isa.splat(out.lower_offset[g]));
            let first = pg * LANES;
            isa.narrow_down_column(stored, &mut out.lowers[first * t + g..], t, head.points);
        }
    }
    store8(isa, out, pg, &head, global);
}

/// The labels of 8 points from their scan, before their bounds are written.
pub(crate) struct Head8 {
    /// How many of the 8 lanes hold points.
    pub(crate) points: usize,
    /// Each point's label (lanes past the last point repeat the first's).
    pub(crate) labels: [u32; LANES],
    /// An upper bound on each point's squared distance to its label.
    pub(crate) upper: [f64; LANES],
    /// The group whose second smallest value counts as each point's bound for the
    /// group (its own), or −1 where no group's does: the own group's smallest is the
    /// label's own distance (exactly so on the exact path, where the label's is the
    /// smallest of all), so its second counts; on the dot path only where the label is
    /// the scan's argmin, not a near tie settled otherwise (then the smallest is kept,
    /// which is safe).
    pub(crate) own: [f64; LANES],
}

/// The labels of the 8 points of point group `pg` from their scan: the scan's argmin, or
/// where the runner-up is within twice the error, the contract's nearest center.
#[inline(always)]
pub(crate) fn label8(
    (rows, n): (&[f64], usize),
    centers: &GroupedCenters,
    (d, pg): (usize, usize),
    s: &Scan8,
) -> Head8 {
    let first = pg * LANES;
    let points = LANES.min(n - first);
    let mut head = Head8 {
        points,
        labels: [0; LANES],
        upper: [0.0; LANES],
        own: [-1.0; LANES],
    };
    for l in 0..points {
        let i = first + l;
        let (best, err) = (s.best[l] + s.offset[l], s.err[l]);
        let scanned = centers.slot_center[s.best_slot[l] as usize];
        let (label, value) = if s.second[l] + s.offset[l] - best > 2.0 * err {
            (scanned, best + err)
        } else {
            nearest(&rows[i * d..(i + 1) * d], &centers.original)
        };
        (head.labels[l], head.upper[l]) = (label, value);
        if err == 0.0 || label == scanned {
            head.own[l] = f64::from(centers.group_of[label as usize]);
        }
    }
    for l in points..LANES {
        head.labels[l] = head.labels[0];
    }
    head
}

/// Writes the bounds of the 8 points of point group `pg`: labels, upper bounds, and
/// `global`, the least of their group bounds.
#[inline(always)]
pub(crate) fn store8<S: Isa>(
    isa: S,
    out: &mut GroupedOut<'_>,
    pg: usize,
    head: &Head8,
    global: S::V,
) {
    let up = isa.splat(1.0 + out.slack);
    let upper = isa.mul(isa.sqrt(isa.load(&head.upper)), up);
    let upper = isa.sub(upper, isa.lookup(out.upper_offset, &head.labels));
    let global = isa.add(global, isa.lookup(out.global_offset, &head.labels));
    let bounds = &mut out.bounds[pg];
    (bounds.upper, bounds.lower) = (isa.narrow_up(upper), isa.narrow_down(global));
    bounds.labels = head.labels;
    // Lanes past the last point keep passing every test.
    for l in head.points..LANES {
        bounds.upper[l] = BoundsGroup::PADDING.upper[l];
        bounds.lower[l] = BoundsGroup::PADDING.lower[l];
        bounds.labels[l] = 0;
    }
}

/// The lane-wise operations the running minima need, over some vector type: an ISA's
/// eight `f64` lanes ([`Wide`]) or its sixteen `f32` lanes ([`Narrow`]).
pub(crate) trait MinLanes: Copy {
    type V: Copy;
    type M: Copy;
    fn infinity(self) -> Self::V;
    fn zero(self) -> Self::V;
    fn lt(self, a: Self::V, b: Self::V) -> Self::M;
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    fn min(self, a: Self::V, b: Self::V) -> Self::V;
}

/// An ISA's `f64` lanes.
#[derive(Clone, Copy)]
pub(crate) struct Wide<S>(pub(crate) S);

impl<S: Isa> MinLanes for Wide<S> {
    type V = S::V;
    type M = S::M;
    #[inline(always)]
    fn infinity(self) -> S::V {
        self.0.splat(f64::INFINITY)
    }
    #[inline(always)]
    fn zero(self) -> S::V {
        self.0.splat(0.0)
    }
    #[inline(always)]
    fn lt(self, a: S::V, b: S::V) -> S::M {
        self.0.lt(a, b)
    }
    #[inline(always)]
    fn select(self, m: S::M, a: S::V, b: S::V) -> S::V {
        self.0.select(m, a, b)
    }
    #[inline(always)]
    fn min(self, a: S::V, b: S::V) -> S::V {
        self.0.min(a, b)
    }
}

/// An ISA's `f32` lanes.
#[derive(Clone, Copy)]
pub(crate) struct Narrow<S>(pub(crate) S);

impl<S: Isa32> MinLanes for Narrow<S> {
    type V = S::W;
    type M = S::MW;
    #[inline(always)]
    fn infinity(self) -> S::W {
        self.0.splat32(f32::INFINITY)
    }
    #[inline(always)]
    fn zero(self) -> S::W {
        self.0.splat32(0.0)
    }
    #[inline(always)]
    fn lt(self, a: S::W, b: S::W) -> S::MW {
        self.0.lt32(a, b)
    }
    #[inline(always)]
    fn select(self, m: S::MW, a: S::W, b: S::W) -> S::W {
        self.0.select32(m, a, b)
    }
    #[inline(always)]
    fn min(self, a: S::W, b: S::W) -> S::W {
        self.0.min32(a, b)
    }
}

/// The running minima of one center group, a vector of points at a time: the two
/// smallest values and the slot of the smallest.
#[derive(Clone, Copy)]
pub(crate) struct GroupMin<V> {
    pub(crate) m1: V,
    pub(crate) m2: V,
    pub(crate) slot: V,
}

impl<V: Copy> GroupMin<V> {
    #[inline(always)]
    pub(crate) fn new<L: MinLanes<V = V>>(l: L) -> Self {
        Self {
            m1: l.infinity(),
            m2: l.infinity(),
            slot: l.zero(),
        }
    }

    /// Takes `value` of `slot` (strictly smaller wins: the earlier slot keeps a tie).
    #[inline(always)]
    pub(crate) fn take<L: MinLanes<V = V>>(&mut self, l: L, value: V, slot: V) {
        let smaller = l.lt(value, self.m1);
        self.m2 = l.select(smaller, self.m1, l.min(self.m2, value));
        self.m1 = l.select(smaller, value, self.m1);
        self.slot = l.select(smaller, slot, self.slot);
    }

    /// Folds a finished group into the running overall minima (the group's second
    /// counts as the overall second where its smallest is the overall smallest).
    #[inline(always)]
    pub(crate) fn fold_into<L: MinLanes<V = V>>(self, l: L, all: &mut Self) {
        let smaller = l.lt(self.m1, all.m1);
        all.m2 = l.select(smaller, l.min(all.m1, self.m2), l.min(all.m2, self.m1));
        all.m1 = l.select(smaller, self.m1, all.m1);
        all.slot = l.select(smaller, self.slot, all.slot);
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
    for (pg, xs) in block.groups.chunks_exact(d * LANES).enumerate() {
        let mut all = GroupMin::new(Wide(isa));
        for g in 0..t {
            let mut group = GroupMin::new(Wide(isa));
            for slot in centers.starts[g]..centers.starts[g + 1] {
                let acc = exact_dist(isa, xs, &centers.exact[slot * d..(slot + 1) * d]);
                group.take(Wide(isa), acc, isa.splat(slot as f64));
            }
            (min1[g], min2[g]) = (isa.store(group.m1), isa.store(group.m2));
            group.fold_into(Wide(isa), &mut all);
        }
        // Exact values: only an exact tie needs the re-check (for the lowest index).
        let scan = Scan8 {
            best: isa.store(all.m1),
            second: isa.store(all.m2),
            best_slot: isa.store(all.slot),
            offset: [0.0; LANES],
            err: [0.0; LANES],
        };
        let target = (block.rows, block.points, &mut block.out);
        resolve8(isa, target, centers, (d, pg), (scan, (&min1, &min2)));
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
    let mut all = [GroupMin::new(Wide(isa)); G];
    for g in 0..t {
        let mut group = [GroupMin::new(Wide(isa)); G];
        for q in centers.starts[g] / 4..centers.starts[g + 1] / 4 {
            let c4 = &dot.centers[4 * q * d..4 * (q + 1) * d];
            let n4 = &dot.norms[4 * q..4 * q + 4];
            let acc = dot4::<S, G>(isa, xs, (c4, n4), d);
            for h in 0..G {
                for (m, &a) in acc[h].iter().enumerate() {
                    group[h].take(Wide(isa), a, isa.splat((4 * q + m) as f64));
                }
            }
        }
        for h in 0..G {
            (min1[h * t + g], min2[h * t + g]) = (isa.store(group[h].m1), isa.store(group[h].m2));
            group[h].fold_into(Wide(isa), &mut all[h]);
        }
    }
    let tolerance = 32.0 * (d + 2) as f64 * f64::EPSILON;
    for h in 0..G {
        let pg = g0 + h;
        if pg * LANES >= block.points {
            break;
        }
        let offset: [f64; LANES] = lanes(block.norms, pg).to_owned();
        let scan = Scan8 {
            best: isa.store(all[h].m1),
            second: isa.store(all[h].m2),
            best_slot: isa.store(all[h].slot),
            offset,
            err: offset.map(|norm| tolerance * (norm + dot.max_norm)),
        };
        let minima = (&min1[h * t..(h + 1) * t], &min2[h * t..(h + 1) * t]);
        let target = (block.rows, block.points, &mut block.out);
        resolve8(isa, target, centers, (d, pg), (scan, minima));
    }
}
