//! The grouped scan in single precision: `‖c‖² − 2x·c` with `f32` fused multiply-adds,
//! 16 points a vector — twice the lanes and half the bytes of the `f64` scan — as a
//! filter whose every value carries a proven error bound. It gives the same labels and
//! the same kind of bounds as the `f64` scan (`grouped::resolve8` turns both into
//! them): a label whose margin over the runner-up is within twice the bound is settled
//! with the contract's exact formula, and every bound is widened by the error, so a
//! rounding in single precision can never change a label or make a bound unsafe.
//!
//! The error of one value, against the exact `‖c‖² − 2x·c`, is at most
//! `(2d + 6)·u·(‖x‖² + ‖c‖²)` with `u = 2⁻²⁴` (the rounding of `x` and `−2c` to single
//! precision, the `d` rounded FMAs and the rounding of `‖c‖²`), plus `(2d + 8)` of the
//! smallest subnormal for underflow; [`tolerance`] takes four times the first term.
//! Inputs whose squares could overflow `f32` are not scanned here ([`NARROW_LIMIT`]).
//!
//! The group bounds are computed from the values in single precision too, 16 points at
//! a time (`lowers16`): a square root of a 16-lane `f32` vector costs a fraction of two
//! of 8 `f64` lanes, and there is one per group per point. The rounding of that
//! arithmetic is bounded and covered (the error bound is widened by it, the root and
//! the stored sum are scaled down by more than theirs), so the bounds stay safe.

use super::grouped::{GroupMin, Narrow, Scan8, label8, store8};
use super::{DotCenters, GroupedCenters, GroupedOut, dims};
use crate::isa::{Isa, Isa32};
use crate::{LANES, f32_down, f32_up};

/// Points per single-precision vector.
pub(crate) const NARROW_LANES: usize = 16;

/// The largest squared norm of a point or center the single-precision scan takes: far
/// from `f32::MAX`, so that no sum of products overflows.
pub const NARROW_LIMIT: f64 = 1e30;

/// The relative error bound of one value in `d` dimensions, a factor on
/// `‖x‖² + max ‖c‖²`.
pub(crate) fn tolerance(d: usize) -> f64 {
    8.0 * (d + 4) as f64 * f64::from(f32::EPSILON) / 2.0
}

/// What the bounds' arithmetic in single precision can add to a value's error, a
/// factor on `‖x‖² + max ‖c‖²` (see [`lowers16`]).
const ROUNDING: f64 = 1.0 / (1u32 << 20) as f64;

/// The relative amount a bound's square root is scaled down by, beyond the stage's
/// slack: more than its rounding and the product's.
const SQRT_SCALE: f64 = 1.0 / (1u32 << 21) as f64;

/// The factor a stored bound (a non-negative sum rounded to nearest) is scaled by:
/// `1 − 2⁻²²`, exact in `f32`, which takes it below the exact sum.
const STORE_SCALE: f32 = 1.0 - 1.0 / (1u32 << 22) as f32;

/// The absolute error bound for underflow.
fn underflow(d: usize) -> f64 {
    (2 * d + 8) as f64 * f64::from(f32::from_bits(1))
}

/// The slots' centers in single precision: `−2c` rounded (`[slot][feature]`), `‖c‖²`
/// rounded (+∞ for padding).
#[derive(Debug, Clone)]
pub(crate) struct NarrowCenters {
    pub(crate) centers: Vec<f32>,
    pub(crate) norms: Vec<f32>,
    pub(crate) max_norm: f64,
}

impl NarrowCenters {
    pub(crate) fn new(dot: &DotCenters) -> Self {
        Self {
            centers: dot.centers.iter().map(|&c| c as f32).collect(),
            norms: dot.norms.iter().map(|&n| n as f32).collect(),
            max_norm: dot.max_norm,
        }
    }
}

/// One block of points for the single-precision scan, and where its results go.
pub(crate) struct NarrowBlock<'a> {
    /// `[group][feature][lane]`, 16 lanes a group.
    pub(crate) groups: &'a [f32],
    /// `‖x‖²` of every point, in `f64`, padded to a multiple of 16.
    pub(crate) norms: &'a [f64],
    /// The same points, row-major.
    pub(crate) rows: &'a [f64],
    /// How many points.
    pub(crate) points: usize,
    pub(crate) out: GroupedOut<'a>,
}

/// `value[l]` of feature `t` of a 16-lane group.
#[inline(always)]
fn lanes32(xs: &[f32], t: usize) -> &[f32; NARROW_LANES] {
    xs[t * NARROW_LANES..(t + 1) * NARROW_LANES]
        .try_into()
        .expect("a group holds 16 values per feature")
}

/// Half `half` of 16 lanes, widened to `f64`.
#[inline(always)]
fn widen_half<S: Isa>(isa: S, v: &[f32; NARROW_LANES], half: usize) -> [f64; LANES] {
    let part: &[f32; LANES] = v[half * LANES..(half + 1) * LANES]
        .try_into()
        .expect("two halves of 8");
    isa.store(isa.widen(part))
}

/// The grouped scan in single precision, `G` groups of 16 points at a time against 4
/// slots at a time; see the module comment.
#[inline(always)]
pub(crate) fn grouped_narrow<S: Isa32, const D: usize, const G: usize>(
    isa: S,
    mut block: NarrowBlock<'_>,
    centers: &GroupedCenters,
    d: usize,
) {
    let d = dims::<D>(d);
    let point_groups = block.groups.len() / (d * NARROW_LANES);
    let t = centers.groups();
    let mut scratch = Scratch {
        min1: vec![[0.0; NARROW_LANES]; G * t],
        min2: vec![[0.0; NARROW_LANES]; G * t],
    };
    let mut g = 0;
    while g + G <= point_groups {
        narrow_run::<S, D, G>(isa, &mut block, g, centers, d, &mut scratch);
        g += G;
    }
    while g < point_groups {
        narrow_run::<S, D, 1>(isa, &mut block, g, centers, d, &mut scratch);
        g += 1;
    }
}

/// Per point group and center group (`[h * groups + g]`), the two smallest values.
struct Scratch {
    min1: Vec<[f32; NARROW_LANES]>,
    min2: Vec<[f32; NARROW_LANES]>,
}

/// `grouped_narrow` for the `G` groups of 16 points from group `g0`.
#[inline(always)]
fn narrow_run<S: Isa32, const D: usize, const G: usize>(
    isa: S,
    block: &mut NarrowBlock<'_>,
    g0: usize,
    centers: &GroupedCenters,
    d: usize,
    scratch: &mut Scratch,
) {
    let d = dims::<D>(d);
    let (width, t, nc) = (d * NARROW_LANES, centers.groups(), &centers.narrow);
    let xs = &block.groups[g0 * width..(g0 + G) * width];
    let lanes = Narrow(isa);
    let mut all = [GroupMin::new(lanes); G];
    for g in 0..t {
        let mut group = [GroupMin::new(lanes); G];
        for q in centers.starts[g] / 4..centers.starts[g + 1] / 4 {
            let c4 = &nc.centers[4 * q * d..4 * (q + 1) * d];
            let n4 = &nc.norms[4 * q..4 * q + 4];
            // Written out, not `map`ped: a closure would not inherit the ISA's features.
            let norms = [
                isa.splat32(n4[0]),
                isa.splat32(n4[1]),
                isa.splat32(n4[2]),
                isa.splat32(n4[3]),
            ];
            let mut acc = [norms; G];
            for t in 0..d {
                let c = [
                    isa.splat32(c4[t]),
                    isa.splat32(c4[d + t]),
                    isa.splat32(c4[2 * d + t]),
                    isa.splat32(c4[3 * d + t]),
                ];
                for h in 0..G {
                    let x = isa.load32(lanes32(&xs[h * width..(h + 1) * width], t));
                    for m in 0..4 {
                        acc[h][m] = isa.fmadd32(x, c[m], acc[h][m]);
                    }
                }
            }
            for h in 0..G {
                for (m, &a) in acc[h].iter().enumerate() {
                    group[h].take(lanes, a, isa.splat32((4 * q + m) as f32));
                }
            }
        }
        for h in 0..G {
            scratch.min1[h * t + g] = isa.store32(group[h].m1);
            scratch.min2[h * t + g] = isa.store32(group[h].m2);
            group[h].fold_into(lanes, &mut all[h]);
        }
    }
    for (h, all) in all.iter().enumerate() {
        let pg0 = 2 * (g0 + h);
        if pg0 * LANES >= block.points {
            break;
        }
        let minima = (
            &scratch.min1[h * t..(h + 1) * t],
            &scratch.min2[h * t..(h + 1) * t],
        );
        resolve16(isa, block, centers, (d, pg0), all, minima);
    }
}

/// Writes the labels and bounds of the 16 points from point group `pg0` (two of 8)
/// from their scan: `all`, the overall two smallest and the argmin, and `minima`, the
/// two smallest per group. The labels (near ties settled exactly) and the upper and
/// global bounds go 8 points at a time, as the `f64` scan's do; the group bounds 16 at a
/// time ([`lowers16`]).
#[inline(always)]
fn resolve16<S: Isa32>(
    isa: S,
    block: &mut NarrowBlock<'_>,
    centers: &GroupedCenters,
    (d, pg0): (usize, usize),
    all: &GroupMin<S::W>,
    minima: (&[[f32; NARROW_LANES]], &[[f32; NARROW_LANES]]),
) {
    let nc = &centers.narrow;
    let (best, second, slot) = (
        isa.store32(all.m1),
        isa.store32(all.m2),
        isa.store32(all.slot),
    );
    let norms: &[f64; NARROW_LANES] = block.norms[pg0 * LANES..(pg0 + 2) * LANES]
        .try_into()
        .expect("16 norms");
    let (tolerance, underflow) = (tolerance(d), underflow(d));
    // Loops, not `map`: a closure would not inherit the ISA's features.
    let mut err = [0.0; NARROW_LANES];
    for (e, &n) in err.iter_mut().zip(norms) {
        *e = tolerance * (n + nc.max_norm) + underflow;
    }
    let (mut heads, mut own) = ([None, None], [-1.0f32; NARROW_LANES]);
    for (half, head) in heads.iter_mut().enumerate() {
        let pg = pg0 + half;
        if pg * LANES >= block.points {
            break;
        }
        let part = half * LANES..(half + 1) * LANES;
        let scan = Scan8 {
            best: widen_half(isa, &best, half),
            second: widen_half(isa, &second, half),
            best_slot: widen_half(isa, &slot, half),
            offset: norms[part.clone()].try_into().expect("8 norms"),
            err: err[part.clone()].try_into().expect("8 errors"),
        };
        let found = label8((block.rows, block.points), centers, (d, pg), &scan);
        for (o, &g) in own[part].iter_mut().zip(&found.own) {
            *o = g as f32;
        }
        *head = Some(found);
    }
    let points = (pg0 * LANES, NARROW_LANES.min(block.points - pg0 * LANES));
    let lanes = Lanes16 {
        own: &own,
        norms,
        err: &err,
        max_norm: nc.max_norm,
    };
    let global = lowers16(isa, minima, lanes, &mut block.out, points);
    for (half, head) in heads.iter().enumerate() {
        if let Some(head) = head {
            let global = isa.load(&widen_half(isa, &global, half));
            store8(isa, &mut block.out, pg0 + half, head, global);
        }
    }
}

/// What [`lowers16`] needs of 16 points: their own groups (−1: none), `‖x‖²`, their
/// values' error bounds, and the largest `‖c‖²`.
struct Lanes16<'a> {
    own: &'a [f32; NARROW_LANES],
    norms: &'a [f64; NARROW_LANES],
    err: &'a [f64; NARROW_LANES],
    max_norm: f64,
}

/// Writes the group bounds of the `points.1` points from point `points.0` on, from the
/// scan's two smallest values per group (`[group]`), 16 points at once in single
/// precision; returns each point's least group bound. A group's bound is
/// `√(m + ‖x‖² − err)` (0 where that is negative), `m` its smallest value (its second
/// for the point's own group), computed with rounding to nearest — so the error bound
/// is first widened by what that rounding can add (below `2⁻²⁰·(‖x‖² + max ‖c‖²)`, the
/// values being below `2‖x‖² + 2 max ‖c‖²` in size) and the square root is scaled
/// down by more than its rounding; then stored with its group's offset, rounded down.
#[inline(always)]
fn lowers16<S: Isa32>(
    isa: S,
    (min1, min2): (&[[f32; NARROW_LANES]], &[[f32; NARROW_LANES]]),
    lanes: Lanes16<'_>,
    out: &mut GroupedOut<'_>,
    (first, points): (usize, usize),
) -> [f32; NARROW_LANES] {
    let t = min1.len();
    let smallest = f64::from(f32::from_bits(1));
    // Loops, not `from_fn` or `map`: a closure would not inherit the ISA's features.
    let (mut err, mut norms) = ([0.0; NARROW_LANES], [0.0; NARROW_LANES]);
    for l in 0..NARROW_LANES {
        let rounding = ROUNDING * (lanes.norms[l] + lanes.max_norm) + 4.0 * smallest;
        err[l] = f32_up(lanes.err[l] + rounding);
        norms[l] = lanes.norms[l] as f32;
    }
    let (offset, err, own) = (isa.load32(&norms), isa.load32(&err), isa.load32(lanes.own));
    // √ rounded to nearest is at most 2⁻²⁴ over; the product rounds once more.
    let down = isa.splat32(f32_down((1.0 - out.slack) * (1.0 - SQRT_SCALE)));
    let (zero, store_down) = (isa.splat32(0.0), isa.splat32(STORE_SCALE));
    let mut global = isa.splat32(f32::INFINITY);
    for g in 0..t {
        let is_own = isa.eq32(own, isa.splat32(g as f32));
        let m = isa.select32(is_own, isa.load32(&min2[g]), isa.load32(&min1[g]));
        let m = isa.sub32(isa.add32(m, offset), err);
        let m = isa.select32(isa.lt32(m, zero), zero, m);
        let lower = isa.mul32(isa.sqrt32(m), down);
        global = isa.min32(global, lower);
        if !out.lowers.is_empty() {
            // Both terms are at least 0: the sum rounded to nearest is at most 2⁻²⁴
            // over, and the scale (rounded too) takes it below.
            let offset = isa.splat32(f32_down(out.lower_offset[g]));
            let stored = isa.mul32(isa.add32(lower, offset), store_down);
            isa.column32(stored, &mut out.lowers[first * t + g..], t, points);
        }
    }
    isa.store32(global)
}
