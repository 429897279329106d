//! The single-precision seam: points laid out 16 to a vector in `f32` for the grouped
//! scan that bound-keeping engines run over whole blocks ([`NarrowLayout::scan_grouped`],
//! `kernel::narrow`): the same labels and the same kind of bounds as
//! [`crate::Layout::scan_grouped`], at twice the lanes, because every value carries a
//! proven error bound and near ties are settled with the contract's exact formula.

use ladder_core::{Points, with_dims};

use crate::DOT_MIN_DIMS;
use crate::isa::Kernel;
use crate::kernel::{GroupedCenters, GroupedOut, NARROW_LANES, NarrowBlock};

pub use crate::kernel::NARROW_LIMIT;

/// Points laid out for the single-precision grouped scan: feature-major groups of 16 in
/// `f32`, with their squared norms in `f64`.
pub struct NarrowLayout {
    /// `[group][feature][lane]`, the last group padded by repeating the last point.
    groups: Vec<f32>,
    /// `‖x‖²` of every point, padded to a multiple of 16.
    norms: Vec<f64>,
    d: usize,
    largest: f64,
    kernel: Kernel,
}

impl NarrowLayout {
    /// An empty layout for points of `d` features; `None` where the scan does not run:
    /// below [`DOT_MIN_DIMS`] features, or on a CPU without vector FMA.
    pub fn new(d: usize) -> Option<Self> {
        Self::with_kernel(d, Kernel::detect())
    }

    /// [`NarrowLayout::new`] with a chosen kernel (the tests run every one the CPU has).
    pub(crate) fn with_kernel(d: usize, kernel: Kernel) -> Option<Self> {
        (kernel.has_fma() && d >= DOT_MIN_DIMS).then(|| Self {
            groups: Vec::new(),
            norms: Vec::new(),
            d,
            largest: 0.0,
            kernel,
        })
    }

    /// Lays out `points` (of the layout's dimension) in place of those held.
    pub fn fill(&mut self, points: Points<'_>) {
        /// With the dimension `D` a constant (0: `d`), so that each row's copy unrolls.
        fn pack<const D: usize>(rows: &[f64], d: usize, groups: &mut [f32], norms: &mut [f64]) {
            let d = if D > 0 { D } else { d };
            let last = rows.len() / d - 1;
            let per_group = groups
                .chunks_exact_mut(d * NARROW_LANES)
                .zip(norms.chunks_exact_mut(NARROW_LANES));
            for (g, (group, norm)) in per_group.enumerate() {
                for (lane, norm) in norm.iter_mut().enumerate() {
                    let i = (g * NARROW_LANES + lane).min(last);
                    let mut sum = 0.0;
                    for (t, &x) in rows[i * d..(i + 1) * d].iter().enumerate() {
                        group[t * NARROW_LANES + lane] = x as f32;
                        sum += x * x;
                    }
                    *norm = sum;
                }
            }
        }
        let (n, d) = (points.n(), points.d());
        assert_eq!(d, self.d, "a layout holds points of one dimension");
        let n_groups = n.div_ceil(NARROW_LANES);
        self.groups.resize(n_groups * d * NARROW_LANES, 0.0);
        self.norms.resize(n_groups * NARROW_LANES, 0.0);
        let (rows, groups, norms) = (points.as_slice(), &mut self.groups[..], &mut self.norms[..]);
        with_dims!(d,
            D => pack::<D>(rows, d, groups, norms),
            _ => pack::<0>(rows, d, groups, norms),
        );
        self.largest = self.norms.iter().copied().fold(0.0, f64::max);
    }

    /// For every point held (`rows` are the same points, row-major), what
    /// [`crate::Layout::scan_grouped`] gives: its nearest of the `centers` (the
    /// contract's), its distance to it rounded up, and its distances to the nearest other
    /// center and to the nearest center of each group other than its own, rounded down,
    /// into `out`. Hands `out` back, writing nothing, when a point's or a center's
    /// squared norm passes [`NARROW_LIMIT`], or a `lower_offset` is negative: such points
    /// are for the `f64` scan.
    pub fn scan_grouped<'a>(
        &self,
        rows: &[f64],
        centers: &GroupedCenters,
        out: GroupedOut<'a>,
    ) -> Result<(), GroupedOut<'a>> {
        // The bounds' arithmetic here takes the offsets to be at least 0 (running sums of
        // moves); any other is for the `f64` scan.
        let negative = out.lower_offset.iter().any(|&o| o < 0.0);
        if self.largest > NARROW_LIMIT || centers.narrow.max_norm > NARROW_LIMIT || negative {
            return Err(out);
        }
        let points = rows.len() / self.d;
        assert_eq!(
            out.bounds.len(),
            points.div_ceil(crate::LANES),
            "a group of bounds per 8 points"
        );
        let groups = points.div_ceil(NARROW_LANES) * self.d * NARROW_LANES;
        let block = NarrowBlock {
            groups: &self.groups[..groups],
            norms: &self.norms,
            rows,
            points,
            out,
        };
        self.kernel.grouped_narrow(block, centers, self.d);
        Ok(())
    }
}
