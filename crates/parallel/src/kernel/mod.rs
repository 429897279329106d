//! The assignment kernels, written once over the 8-lane vectors of an [`Isa`] and
//! compiled once per instruction set (`isa/`): the exact scan, the dot-product scan with
//! its exact re-checks, the top-two scan the bounds need, and the bounds' test. Every
//! function here is `#[inline(always)]`: each ISA's entry points (`isa::entry_points!`)
//! inline the whole kernel into a function built with the ISA's features.
//!
//! Points come in groups of [`LANES`] = 8 stored feature-major (`[group][feature][lane]`),
//! so one load brings the same feature of 8 points into one vector.

mod grouped;
mod narrow;
mod top2;

use ladder_core::nearest;

use crate::LANES;
use crate::isa::Isa;

pub(crate) use grouped::{GroupedBlock, grouped_dot, grouped_exact};
pub use narrow::NARROW_LIMIT;
pub(crate) use narrow::{NARROW_LANES, NarrowBlock, grouped_narrow};

pub use grouped::{GroupedCenters, GroupedOut};
pub use top2::{Top2, Top2Gaps};
pub(crate) use top2::{Top2Out, top2_rows};

/// One block of points: its groups, norms, rows (for exact re-checks) and labels.
pub(crate) struct Block<'a> {
    /// `[group][feature][lane]`.
    pub(crate) groups: &'a [f64],
    /// `‖x‖²` of every point, `[group][lane]`.
    pub(crate) norms: &'a [f64],
    /// The same points, row-major.
    pub(crate) rows: &'a [f64],
    /// Where the labels go.
    pub(crate) labels: &'a mut [u32],
}

/// The points a top-two scan looks at: the rows `idx` of the row-major `rows`.
#[derive(Debug, Clone, Copy)]
pub struct Pending<'a> {
    /// Points, row-major.
    pub rows: &'a [f64],
    /// The rows to scan.
    pub idx: &'a [u32],
}

/// Eight points' clusters and bounds, side by side in memory, for the bounds' test
/// (see [`crate::Kernels::sweep`]). The bounds are single precision, rounded outward by
/// whoever stores them (the upper up, the lower down): 12 bytes a point in all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundsGroup {
    /// Each point's upper bound (as its engine stores it).
    pub upper: [f32; LANES],
    /// Each point's lower bound.
    pub lower: [f32; LANES],
    /// Each point's cluster.
    pub labels: [u32; LANES],
}

impl BoundsGroup {
    /// Lanes past the last point: `u = −∞`, `l = +∞`, so they always pass the test.
    pub const PADDING: Self = Self {
        upper: [f32::NEG_INFINITY; LANES],
        lower: [f32::INFINITY; LANES],
        labels: [0; LANES],
    };
}

/// Eight points' clusters and the gap between their two bounds, for Hamerly's test,
/// which needs nothing else: `lower − upper` as the engine stores them (each offset by a
/// running sum), rounded down — 8 bytes a point in all, 4 of them the bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapGroup {
    /// Each point's gap.
    pub gap: [f32; LANES],
    /// Each point's cluster.
    pub labels: [u32; LANES],
}

impl GapGroup {
    /// Lanes past the last point: an infinite gap, so they always pass the test.
    pub const PADDING: Self = Self {
        gap: [f32::INFINITY; LANES],
        labels: [0; LANES],
    };
}

/// The centers as the dot-product kernel wants them: times −2 (exact), padded to a
/// multiple of 4 rows (the padding has an infinite norm, so it never wins), with their
/// squared norms, so that `‖c‖² − 2x·c` is one chain of FMAs from `‖c‖²`.
#[derive(Debug, Clone)]
pub(crate) struct DotCenters {
    /// `−2c`, row-major.
    pub(crate) centers: Vec<f64>,
    pub(crate) norms: Vec<f64>,
    pub(crate) max_norm: f64,
}

impl DotCenters {
    pub(crate) fn new(centers: &[f64], d: usize) -> Self {
        let k = centers.len() / d;
        let padded = k.next_multiple_of(4);
        let mut c: Vec<f64> = centers.iter().map(|x| -2.0 * x).collect();
        c.resize(padded * d, 0.0);
        let mut norms: Vec<f64> = centers
            .chunks_exact(d)
            .map(|c| c.iter().map(|x| x * x).sum())
            .collect();
        let max_norm = norms.iter().copied().fold(0.0, f64::max);
        norms.resize(padded, f64::INFINITY);
        Self {
            centers: c,
            norms,
            max_norm,
        }
    }
}

/// For each 8-bit mask, the positions of its set bits, in order, then zeros.
const SET_LANES: [[u32; LANES]; 256] = {
    let mut table = [[0; LANES]; 256];
    let mut mask = 0;
    while mask < 256 {
        let (mut lane, mut len) = (0, 0);
        while lane < LANES {
            if mask >> lane & 1 == 1 {
                table[mask][len] = lane as u32;
                len += 1;
            }
            lane += 1;
        }
        mask += 1;
    }
    table
};

/// Feature `t` of a group's 8 points.
#[inline(always)]
pub(crate) fn lanes(xs: &[f64], t: usize) -> &[f64; LANES] {
    xs[t * LANES..(t + 1) * LANES]
        .try_into()
        .expect("a group holds LANES values per feature")
}

/// `D` if it is a constant, else `d` (`D = 0`).
#[inline(always)]
pub(crate) fn dims<const D: usize>(d: usize) -> usize {
    if D > 0 { D } else { d }
}

/// The contract's squared distance from 8 points (one group) to center `c`: squared
/// differences summed in feature order, from zero (`0 + a` is `a`, for `a ≥ 0`, so the
/// sum starts at the first square); no FMA.
#[inline(always)]
pub(crate) fn exact_dist<S: Isa>(isa: S, xs: &[f64], c: &[f64]) -> S::V {
    let diff = isa.sub(isa.load(lanes(xs, 0)), isa.splat(c[0]));
    let mut acc = isa.mul(diff, diff);
    for (t, &ct) in c.iter().enumerate().skip(1) {
        let diff = isa.sub(isa.load(lanes(xs, t)), isa.splat(ct));
        acc = isa.add(acc, isa.mul(diff, diff));
    }
    acc
}

/// Labels consecutive groups of 8 points by the contract's exact formula.
#[inline(always)]
pub(crate) fn exact_groups<S: Isa, const D: usize>(
    isa: S,
    groups: &[f64],
    centers: &[f64],
    d: usize,
    labels: &mut [u32],
) {
    let d = dims::<D>(d);
    for (xs, labels) in groups.chunks_exact(d * LANES).zip(labels.chunks_mut(LANES)) {
        let mut best = isa.splat(f64::INFINITY);
        let mut best_j = isa.splat(0.0);
        for (j, c) in centers.chunks_exact(d).enumerate() {
            let acc = exact_dist(isa, xs, c);
            // Strictly smaller only: the lowest index keeps a tie.
            let better = isa.lt(acc, best);
            best = isa.select(better, acc, best);
            best_j = isa.select(better, isa.splat(j as f64), best_j);
        }
        for (label, j) in labels.iter_mut().zip(isa.store(best_j)) {
            *label = j as u32;
        }
    }
}

/// Labels consecutive groups of 8 points by `‖c‖² − 2x·c`, `G` groups against 4 centers
/// at a time (independent sums; each center value loaded once for all the groups), and
/// settles every point whose two best values are within the rounding margin with the
/// exact formula. Returns how many points that was.
#[inline(always)]
pub(crate) fn dot_groups<S: Isa, const D: usize, const G: usize>(
    isa: S,
    mut block: Block<'_>,
    centers: &[f64],
    dot: &DotCenters,
    d: usize,
) -> u64 {
    let d = dims::<D>(d);
    let groups = block.groups.len() / (d * LANES);
    let mut rechecks = 0;
    let mut g = 0;
    while g + G <= groups {
        rechecks += dot_run::<S, D, G>(isa, &mut block, g, centers, dot, d);
        g += G;
    }
    while g < groups {
        rechecks += dot_run::<S, D, 1>(isa, &mut block, g, centers, dot, d);
        g += 1;
    }
    rechecks
}

/// `‖c‖² − 2x·c` for `G` consecutive packed groups of points (`xs`) against four
/// centers (`c4`: `−2c`, four rows of `d`; `n4`: their `‖c‖²`), with fused
/// multiply-adds in feature order: `[group][center]`. The matrix-product-shaped core of
/// the dot scans, so that each center value loaded serves `G` groups.
#[inline(always)]
pub(crate) fn dot4<S: Isa, const G: usize>(
    isa: S,
    xs: &[f64],
    (c4, n4): (&[f64], &[f64]),
    d: usize,
) -> [[S::V; 4]; G] {
    let width = d * LANES;
    // Each sum starts at ‖c‖²; the centers are stored as −2c.
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
    acc
}

/// `dot_groups` for the `G` groups from group `g0`.
#[inline(always)]
fn dot_run<S: Isa, const D: usize, const G: usize>(
    isa: S,
    block: &mut Block<'_>,
    g0: usize,
    centers: &[f64],
    dot: &DotCenters,
    d: usize,
) -> u64 {
    let d = dims::<D>(d);
    let width = d * LANES;
    let xs = &block.groups[g0 * width..(g0 + G) * width];
    let mut best = [isa.splat(f64::INFINITY); G];
    let mut second = [isa.splat(f64::INFINITY); G];
    let mut best_j = [isa.splat(0.0); G];
    let quads = dot
        .centers
        .chunks_exact(4 * d)
        .zip(dot.norms.chunks_exact(4));
    for (q, (c4, n4)) in quads.enumerate() {
        let acc = dot4::<S, G>(isa, xs, (c4, n4), d);
        for h in 0..G {
            for (m, &a) in acc[h].iter().enumerate() {
                let better = isa.lt(a, best[h]);
                second[h] = isa.select(better, best[h], isa.min(second[h], a));
                best[h] = isa.select(better, a, best[h]);
                best_j[h] = isa.select(better, isa.splat((4 * q + m) as f64), best_j[h]);
            }
        }
    }
    let tolerance = 16.0 * (d + 2) as f64 * f64::EPSILON;
    let mut rechecks = 0;
    for h in 0..G {
        let (best, second) = (isa.store(best[h]), isa.store(second[h]));
        let best_j = isa.store(best_j[h]);
        for l in 0..LANES {
            let i = (g0 + h) * LANES + l;
            if i >= block.labels.len() {
                break;
            }
            let margin = tolerance * (block.norms[i] + dot.max_norm);
            block.labels[i] = if second[l] - best[l] > margin {
                best_j[l] as u32
            } else {
                rechecks += 1;
                nearest(&block.rows[i * d..(i + 1) * d], centers).0
            };
        }
    }
    rechecks
}

/// The contract's exact squared distance from each `pending` point to its own center
/// (`labels`, one per point), 8 points at a time: the points and their centers are
/// packed feature-major into `scratch` (at least `16 d` values) and subtracted lane by
/// lane, the squares summed in feature order.
#[inline(always)]
pub(crate) fn pair_rows<S: Isa, const D: usize>(
    isa: S,
    pending: Pending<'_>,
    (centers, labels): (&[f64], &[u32]),
    d: usize,
    scratch: &mut [f64],
    out: &mut [f64],
) {
    let d = dims::<D>(d);
    let width = d * LANES;
    let (xs, cs) = scratch[..2 * width].split_at_mut(width);
    let chunks = pending.idx.chunks(LANES).zip(labels.chunks(LANES));
    for ((idx, labels), out) in chunks.zip(out.chunks_mut(LANES)) {
        for lane in 0..LANES {
            // A short last chunk repeats its first point.
            let (i, a) = (
                idx[lane.min(idx.len() - 1)] as usize,
                labels[lane.min(idx.len() - 1)] as usize,
            );
            let (x, c) = (
                &pending.rows[i * d..(i + 1) * d],
                &centers[a * d..(a + 1) * d],
            );
            for t in 0..d {
                xs[t * LANES + lane] = x[t];
                cs[t * LANES + lane] = c[t];
            }
        }
        let diff = isa.sub(isa.load(lanes(xs, 0)), isa.load(lanes(cs, 0)));
        let mut acc = isa.mul(diff, diff);
        for t in 1..d {
            let diff = isa.sub(isa.load(lanes(xs, t)), isa.load(lanes(cs, t)));
            acc = isa.add(acc, isa.mul(diff, diff));
        }
        let n = out.len();
        out.copy_from_slice(&isa.store(acc)[..n]);
    }
}

/// What a sweep tests: groups of 8 points with both bounds, or with only their gap.
#[derive(Debug, Clone, Copy)]
pub enum Swept<'a> {
    /// Point `i` keeps its label when `upper + threshold[label] + margin < lower`.
    Bounds(&'a [BoundsGroup]),
    /// Point `i` keeps its label when `threshold[label] + margin < gap`.
    Gaps(&'a [GapGroup]),
}

/// A group of 8 points a sweep tests.
trait Tested {
    fn labels(&self) -> &[u32; LANES];
    /// The lanes that keep their label, given what their bounds lost (`threshold`
    /// looked up by label) and the margin.
    fn keep<S: Isa>(&self, isa: S, lost: S::V, margin: S::V) -> u8;
}

impl Tested for BoundsGroup {
    #[inline(always)]
    fn labels(&self) -> &[u32; LANES] {
        &self.labels
    }

    #[inline(always)]
    fn keep<S: Isa>(&self, isa: S, lost: S::V, margin: S::V) -> u8 {
        let upper = isa.add(isa.add(isa.widen(&self.upper), lost), margin);
        isa.bits(isa.lt(upper, isa.widen(&self.lower)))
    }
}

impl Tested for GapGroup {
    #[inline(always)]
    fn labels(&self) -> &[u32; LANES] {
        &self.labels
    }

    #[inline(always)]
    fn keep<S: Isa>(&self, isa: S, lost: S::V, margin: S::V) -> u8 {
        isa.bits(isa.lt(isa.add(lost, margin), isa.widen(&self.gap)))
    }
}

/// The bounds' test over consecutive groups of 8 points ([`Swept`] says which); every
/// point that fails it has its index written, in order, to the front of `pending`
/// (which needs 8 spare slots past the points), without a branch. Returns how many
/// were written.
#[inline(always)]
pub(crate) fn sweep<S: Isa>(
    isa: S,
    groups: Swept<'_>,
    threshold: &[f64],
    margin: f64,
    pending: &mut [u32],
) -> usize {
    match groups {
        Swept::Bounds(groups) => sweep_groups(isa, groups, threshold, margin, pending),
        Swept::Gaps(groups) if threshold.len() <= SMALL_TABLE => {
            sweep_gaps_small(isa, groups, threshold, margin, pending)
        }
        Swept::Gaps(groups) => sweep_groups(isa, groups, threshold, margin, pending),
    }
}

/// Clusters up to which the gap sweep looks its thresholds up in a single-precision
/// table held in registers.
pub(crate) const SMALL_TABLE: usize = 16;

/// The gap sweep for at most [`SMALL_TABLE`] clusters: each cluster's `threshold +
/// margin` rounded up to single precision once, so that a group's test is a lookup in
/// a table of 16 `f32` (a permute, not a gather) and a comparison with the gaps as they
/// are stored. A point it keeps keeps its label by the exact test too (`threshold +
/// margin ≤` the rounded-up value `<` the gap); one at the rounding's edge is only
/// scanned.
#[inline(always)]
fn sweep_gaps_small<S: Isa>(
    isa: S,
    groups: &[GapGroup],
    threshold: &[f64],
    margin: f64,
    pending: &mut [u32],
) -> usize {
    let mut table = [f32::INFINITY; SMALL_TABLE];
    for (t, &lost) in table.iter_mut().zip(threshold) {
        *t = crate::f32_up(lost + margin);
    }
    let mut len = 0;
    for (g, group) in groups.iter().enumerate() {
        let keep = isa.below(&table, &group.labels, &group.gap);
        len = write_failures(!keep, g, pending, len);
    }
    len
}

#[inline(always)]
fn sweep_groups<S: Isa, G: Tested>(
    isa: S,
    groups: &[G],
    threshold: &[f64],
    margin: f64,
    pending: &mut [u32],
) -> usize {
    let margin = isa.splat(margin);
    let mut len = 0;
    for (g, group) in groups.iter().enumerate() {
        let lost = isa.lookup(threshold, group.labels());
        len = write_failures(!group.keep(isa, lost, margin), g, pending, len);
    }
    len
}

/// Writes the indices of group `g`'s lanes set in `fail` to `pending` from `len` on
/// (8 slots, without a branch); returns the new length.
#[inline(always)]
fn write_failures(fail: u8, g: usize, pending: &mut [u32], len: usize) -> usize {
    let base = (g * LANES) as u32;
    let out: &mut [u32; LANES] = (&mut pending[len..len + LANES])
        .try_into()
        .expect("8 spare slots");
    *out = SET_LANES[fail as usize].map(|lane| base + lane);
    len + fail.count_ones() as usize
}
