//! The exact top-two scan of chosen rows, for engines that keep bounds: each point's
//! nearest center and its two smallest distances, by the contract's formula, 16 points
//! at a time. The rows are gathered feature by feature straight into vectors (hardware
//! gathers where the ISA has them), and what is found is written either as distances
//! ([`Top2`]) or as the single-precision bounds a bound-keeping engine stores
//! ([`Top2Gaps`]: offsets looked up by label, the gap between the bounds rounded down,
//! in vectors), so no point's result goes through scalar code.

use super::{dims, exact_dist};
use crate::LANES;
use crate::isa::Isa;
use crate::kernel::Pending;
use crate::prefetch::prefetch;

/// Where the top-two scan writes, point by point: the nearest center and the two
/// smallest distances — the contract's exact squared distances, or their square roots
/// widened by `slack`.
#[derive(Debug)]
pub struct Top2<'a> {
    /// `None`: the two smallest squared distances, exactly as the contract computes
    /// them. `Some(slack)`: their square roots, the best multiplied by `1 + slack` and
    /// the second by `1 − slack`, so that they bound the true distances.
    pub slack: Option<f64>,
    /// The nearest center of each point (the lowest index on a tie).
    pub labels: &'a mut [u32],
    /// The distance to it (with a slack: rounded up).
    pub best: &'a mut [f64],
    /// The distance to the second nearest (with a slack: rounded down).
    pub second: &'a mut [f64],
}

/// Where the top-two scan writes Hamerly's bounds, point by point: the nearest center
/// `a`, and the gap `l − u + offset[a]` between the lower bound `l = √second · (1 −
/// slack)` and the upper `u = √best · (1 + slack)` offset by the label's entry (the lazy
/// bounds as they are kept: the bounds' running sums when they were set), rounded down
/// to single precision — all the test needs. The roots are taken in single precision
/// and widened outward ([`crate::isa::Isa::sqrt_outward`]).
#[derive(Debug)]
pub struct Top2Gaps<'a> {
    /// The relative slack that covers the rounding of the distances.
    pub slack: f64,
    /// Per center: what the gap of a point of that center is stored plus.
    pub offset: &'a [f64],
    /// The nearest center of each point (the lowest index on a tie).
    pub labels: &'a mut [u32],
    /// The gaps.
    pub gap: &'a mut [f32],
}

/// What a scan found for 8 points: the two smallest squared distances and the index of
/// the nearest center (as `f64` lanes).
pub(crate) struct Found<S: Isa> {
    best: S::V,
    second: S::V,
    label: S::V,
}

/// Where a top-two scan's findings go.
pub(crate) trait Top2Out {
    /// How many points the scan is for.
    fn len(&self) -> usize;
    /// Writes points `start..start + n` (`n ≤ 8`) from the lanes of `found`.
    fn write<S: Isa>(&mut self, isa: S, start: usize, n: usize, found: Found<S>);
}

impl Top2Out for Top2<'_> {
    fn len(&self) -> usize {
        self.labels.len()
    }

    #[inline(always)]
    fn write<S: Isa>(&mut self, isa: S, start: usize, n: usize, found: Found<S>) {
        let Found {
            mut best,
            mut second,
            label,
        } = found;
        if let Some(slack) = self.slack {
            best = isa.mul(isa.sqrt(best), isa.splat(1.0 + slack));
            second = isa.mul(isa.sqrt(second), isa.splat(1.0 - slack));
        }
        let out = start..start + n;
        self.labels[out.clone()].copy_from_slice(&isa.indices(label)[..n]);
        self.best[out.clone()].copy_from_slice(&isa.store(best)[..n]);
        self.second[out].copy_from_slice(&isa.store(second)[..n]);
    }
}

impl Top2Out for Top2Gaps<'_> {
    fn len(&self) -> usize {
        self.labels.len()
    }

    #[inline(always)]
    fn write<S: Isa>(&mut self, isa: S, start: usize, n: usize, found: Found<S>) {
        let labels = isa.indices(found.label);
        let (best, second) = isa.sqrt_outward(found.best, found.second);
        let upper = isa.mul(best, isa.splat(1.0 + self.slack));
        let lower = isa.mul(second, isa.splat(1.0 - self.slack));
        let gap = isa.add(isa.sub(lower, upper), isa.lookup(self.offset, &labels));
        let out = start..start + n;
        self.labels[out.clone()].copy_from_slice(&labels[..n]);
        self.gap[out].copy_from_slice(&isa.narrow_down(gap)[..n]);
    }
}

/// Like `exact_groups`, for the `pending` points, also keeping each point's
/// second-smallest distance, which the bounds need; the findings go to `out`. The points
/// are gathered feature-major 16 at a time into `scratch` (at least `16 d` values), and
/// the two groups are scanned together, so their compare-and-select chains interleave.
#[inline(always)]
pub(crate) fn top2_rows<S: Isa, const D: usize>(
    isa: S,
    pending: Pending<'_>,
    centers: &[f64],
    d: usize,
    scratch: &mut [f64],
    mut out: impl Top2Out,
) {
    let idx = pending.idx;
    assert_eq!(out.len(), idx.len(), "one output per pending point");
    let d = dims::<D>(d);
    let width = d * LANES;
    let scratch = &mut scratch[..2 * width];
    let all = idx;
    for (c, idx) in all.chunks(2 * LANES).enumerate() {
        // The rows are scattered: ask for those a few chunks ahead now, so that their
        // misses overlap this chunk's work instead of stalling the gathers.
        let ahead = (c + AHEAD) * 2 * LANES;
        for &i in all
            .get(ahead..(ahead + 2 * LANES).min(all.len()))
            .unwrap_or_default()
        {
            let i = i as usize;
            prefetch(&pending.rows[i * d..(i + 1) * d]);
        }
        let groups = idx.len().div_ceil(LANES);
        for (g, group) in scratch.chunks_exact_mut(width).take(groups).enumerate() {
            gather(isa, pending.rows, &idx[g * LANES..], d, group);
        }
        let start = c * 2 * LANES;
        if groups == 2 {
            let found = top2_run::<S, D, 2>(isa, scratch, centers, d);
            let [first, second] = found;
            out.write(isa, start, LANES, first);
            out.write(isa, start + LANES, idx.len() - LANES, second);
        } else {
            let [found] = top2_run::<S, D, 1>(isa, scratch, centers, d);
            out.write(isa, start, idx.len(), found);
        }
    }
}

/// Chunks of 16 pending points ahead of the one scanned whose rows are fetched.
const AHEAD: usize = 2;

/// Rows `idx[..8]` of the row-major `rows` (`d` features each; a short `idx` repeats
/// its last row) into `group`, feature-major: with the ISA's gather, one vector per
/// feature, where the offsets fit its 32-bit indices; else value by value.
#[inline(always)]
fn gather<S: Isa>(isa: S, rows: &[f64], idx: &[u32], d: usize, group: &mut [f64]) {
    let last = idx.len().min(LANES) - 1;
    let row = |lane: usize| idx[lane.min(last)] as usize;
    if rows.len() <= i32::MAX as usize {
        let offsets: [u32; LANES] = std::array::from_fn(|lane| (row(lane) * d) as u32);
        isa.gather_rows(rows, &offsets, d, group);
    } else {
        for lane in 0..LANES {
            let i = row(lane);
            for (t, &x) in rows[i * d..(i + 1) * d].iter().enumerate() {
                group[t * LANES + lane] = x;
            }
        }
    }
}

/// The top-two scan of `G` consecutive packed groups against every center.
#[inline(always)]
fn top2_run<S: Isa, const D: usize, const G: usize>(
    isa: S,
    xs: &[f64],
    centers: &[f64],
    d: usize,
) -> [Found<S>; G] {
    let d = dims::<D>(d);
    let width = d * LANES;
    let mut best = [isa.splat(f64::INFINITY); G];
    let mut second = [isa.splat(f64::INFINITY); G];
    let mut best_j = [isa.splat(0.0); G];
    for (j, c) in centers.chunks_exact(d).enumerate() {
        let jv = isa.splat(j as f64);
        for h in 0..G {
            let acc = exact_dist(isa, &xs[h * width..(h + 1) * width], c);
            // Strictly smaller only: the lowest index keeps a tie.
            let better = isa.lt(acc, best[h]);
            second[h] = isa.select(better, best[h], isa.min(second[h], acc));
            best[h] = isa.select(better, acc, best[h]);
            best_j[h] = isa.select(better, jv, best_j[h]);
        }
    }
    std::array::from_fn(|h| Found {
        best: best[h],
        second: second[h],
        label: best_j[h],
    })
}
